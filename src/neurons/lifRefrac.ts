/**
 * LIF with an absolute refractory period (Norse's `LIFRefracCell` / `lif_refrac_feed_forward_step`).
 *
 * One step: the LIF step of `lif.ts` gives `z₀`, `v₀` (after reset) and `i'`; then, with the
 * refractory counter `ρ` (counted in steps; `tauRef` gives it in seconds) and `m = Θ(ρ)` (ρ > 0):
 * ```
 * v' = (1 − m)·v₀ + m·v          (a refractory neuron keeps its old voltage)
 * z  = (1 − m)·z₀                (and cannot spike)
 * ρ' = (1 − z)·relu(ρ − m) + z·ρ_reset
 * ```
 * Initial state: `v = v_leak`, `i = 0`, `ρ = 0`. Norse's nested
 * `LIFRefracParameters.lif` is flattened: LIF's parameters plus `rhoReset` (default 5 steps) or `tauRef` (seconds, beyond Norse).
 * The options `resetMethod` (it sets `v₀`) and `integration` (defaults Norse's) act as in `lif.ts`.
 * Source: Norse `functional/lif_refrac.py` (`compute_refractory_update`).
 *
 * The family also holds its recurrent variant `LIFRefracRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifInputJump, lifIntegrateAndFire, lifParameterSpecs, lifStability, lifUpdateParams } from './lif.js';
import { type Rejection, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/**
 * The refractory period, in steps (Norse's `rho_reset`) or in seconds (`tauRef`, beyond Norse);
 * give at most one of them:
 * - `rhoReset` (default 5): steps a neuron stays refractory after a spike; an integer ≥ 0 (a
 *   fractional count is rejected: the counter only ever takes integer values)
 * - `tauRef` (seconds, ≥ 0): converted per run to `⌊tauRef/dt + ½⌋` steps (round half up), so the
 *   period is the same in seconds whatever `dt` (to within half a step); a `tauRef` that rounds
 *   to 0 steps while not 0 is rejected. Its `default` (0.005 s) documents Norse's 5 steps at
 *   `dt` = 1 ms; when neither is given, 5 steps apply.
 */
export const refractorySpecs = {
  rhoReset: { kind: 'number', default: 5, range: 'nonNegative', optional: true },
  tauRef: { kind: 'number', default: 0.005, range: 'nonNegative', optional: true },
} as const;

const integral = (v: unknown): boolean => {
  if (typeof v === 'number') return Number.isInteger(v);
  const data = (v as { data?: ArrayLike<number> } | undefined)?.data;
  if (data === undefined) return true;
  for (let k = 0; k < data.length; k++) if (!Number.isInteger(data[k])) return false;
  return true;
};

/** Rejects `rhoReset` with `tauRef`, and a fractional `rhoReset`. */
export const checkRefractory = (p: Readonly<Record<string, unknown>>): Rejection => {
  if (p.rhoReset !== undefined && p.tauRef !== undefined) {
    return { argument: 'tauRef', message: 'give the refractory period either as rhoReset (steps) or as tauRef (seconds), not both' };
  }
  if (p.rhoReset !== undefined && !integral(p.rhoReset)) {
    return {
      argument: 'rhoReset',
      message: `rhoReset counts steps and must be an integer, received ${String(p.rhoReset)}; give a period in seconds as tauRef`,
    };
  }
  return undefined;
};

/** Rejects a non-zero `tauRef` shorter than half a step (it would round to 0 steps). */
export const checkRefractoryStep = (p: Readonly<Record<string, unknown>>, dt: number): Rejection => {
  const t = p.tauRef;
  if (typeof t === 'number' && t > 0 && Math.floor(t / dt + 0.5) === 0) {
    return { argument: 'tauRef', message: `tauRef ${t} s is shorter than half a step (dt ${dt} s): it would round to 0 steps` };
  }
  return undefined;
};

/** The refractory period in steps: `⌊tauRef/dt + ½⌋` when `tauRef` is given, else `rhoReset` (default 5). */
export const refractorySteps = (p: Readonly<Record<string, unknown>>, dt: number): number =>
  typeof p.tauRef === 'number' ? Math.floor(p.tauRef / dt + 0.5) : typeof p.rhoReset === 'number' ? p.rhoReset : 5;

/** Update parameter values of the refractory models: the options, and `rhoReset` in steps for this `dt`. */
export const refractoryUpdateValues = (p: Readonly<Record<string, unknown>>, dt: number): Readonly<Record<string, number>> => ({
  ...withOptionValues(p as never),
  rhoReset: refractorySteps(p, dt),
});

/** LIFRefrac parameters: LIF's (flattened from `.lif`) plus `rhoReset` (steps) or `tauRef` (seconds). */
export const lifRefracParameterSpecs = {
  ...lifParameterSpecs,
  ...refractorySpecs,
} as const;

/** Forward Euler's stability and the `tauRef` rounding checks of LIFRefrac. */
export const lifRefracStepCheck = (p: Readonly<Record<string, unknown>>, dt: number): Rejection =>
  lifStability(p, dt) ?? checkRefractoryStep(p, dt);

/** Validated LIFRefrac parameters. */
export type LIFRefracParameters = ParamsOf<typeof lifRefracParameterSpecs>;

/**
 * Update code of an absolute refractory period around an integrate-and-fire block (Norse's
 * `compute_refractory_update`): `integrateAndFire` must define `vNew`, `z` and `iDec` from the
 * current jump `iJ`; the code then masks the voltage and the spike with `m = Θ(ρ)`, updates `rho`
 * (with `rhoReset` in scope) and assigns `v` and `i`. Shared by the LIF and LIFAdEx refractory models.
 */
export const refractoryCode = (integrateAndFire: string): string => `
  ${integrateAndFire}
  const m = rho > 0 ? 1 : 0;
  const vOut = R(R(R(1 - m) * vNew) + R(m * v));
  const zOut = R(1 - m) * z;
  const rhoDec = R(rho - m);
  rho = R(R(R(1 - zOut) * (rhoDec > 0 ? rhoDec : 0)) + R(zOut * rhoReset));
  v = vOut;
  i = iDec;
`;

/** The refractory part of the update, after the current jump `iJ` (shared with LIFRefracRecurrent). */
export const lifRefracCode = refractoryCode(lifIntegrateAndFire);

/** The per-neuron LIFRefrac update (input `x`, state `v`, `i`, `rho`, output `zOut`). */
export const lifRefracUpdate: NeuronUpdate = {
  name: 'lif_refrac',
  inputs: ['x'],
  state: ['v', 'i', 'rho'],
  params: [...lifUpdateParams, 'rhoReset'],
  output: 'zOut',
  body: `
  ${lifInputJump}
  ${lifRefracCode}
`,
};

/** The refractory LIF model: `xs` `[T, batch, N]` → spikes, state `{ v, i, rho }`. */
export const lifRefrac = defineModel({
  name: 'LIFRefrac',
  id: 'lifRefrac',
  parameters: lifRefracParameterSpecs,
  update: lifRefracUpdate,
  updateParams: refractoryUpdateValues,
  check: checkRefractory,
  checkStep: lifRefracStepCheck,
  state: ['v', 'i', 'rho'],
  initialState: (p) => ({ v: p.vLeak, i: 0, rho: 0 }),
  outputName: 'z',
});

// --- LIFRefracRecurrent ---

/*
 * Recurrent LIF with an absolute refractory period (Norse's `LIFRefracRecurrent` / `lif_refrac_step`).
 * Current jump `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (see `lifRecurrent.ts`), then the refractory LIF
 * update of `lifRefrac.ts`. State `{ z, v, i, rho }`, initial `z = 0`, `v = v_leak`, `i = 0`, `ρ = 0`.
 * The options `resetMethod` and `integration` (defaults Norse's) act as in `lif.ts`.
 * Source: Norse `functional/lif_refrac.py` (`lif_refrac_step`).
 */

/** The per-neuron recurrent LIFRefrac update (inputs `xa` = x·W_inᵀ, `xb` = z·W_recᵀ). */
export const lifRefracRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lif_refrac_recurrent',
  lifRefracUpdate,
  `
  ${recurrentCurrentJump}
  ${lifRefracCode}
`,
);

/** The recurrent refractory LIF model; state `{ z, v, i, rho }`. */
export const lifRefracRecurrent = defineModel({
  name: 'LIFRefracRecurrent',
  id: 'lifRefracRecurrent',
  parameters: { ...lifRefracParameterSpecs, ...recurrentWeightSpecs },
  update: lifRefracRecurrentUpdate,
  updateParams: refractoryUpdateValues,
  check: checkRefractory,
  checkStep: lifRefracStepCheck,
  state: ['z', 'v', 'i', 'rho'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, rho: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
