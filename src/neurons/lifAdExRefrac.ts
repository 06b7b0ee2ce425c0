/**
 * Adaptive exponential LIF with an absolute refractory period, feed-forward (Norse's
 * `LIFAdExRefracCell` / `lif_adex_refrac_feed_forward_step`).
 *
 * One step: the LIFAdEx step of `lifAdEx.ts` gives `z₀`, `v₀` (after reset), `i'` and `a'`
 * (`a'` includes `z₀·a_spike`); then, with the refractory counter `ρ` (counted in steps; `tauRef`
 * gives it in seconds) and `m = Θ(ρ)` (ρ > 0):
 * ```
 * v' = (1 − m)·v₀ + m·v          (a refractory neuron keeps its old voltage)
 * z  = (1 − m)·z₀                (and cannot spike)
 * ρ' = (1 − z)·relu(ρ − m) + z·ρ_reset
 * ```
 * `i'` and `a'` are not masked: as in Norse, a refractory neuron whose voltage crosses the
 * threshold still receives the spike-triggered adaptation `a_spike`.
 * Initial state: `v = v_leak`, `i = 0`, `a = 0`, `ρ = 0`. Norse's nested
 * `LIFAdExRefracParameters.lif_adex` is flattened: LIFAdEx's parameters plus `rhoReset` (steps)
 * or `tauRef` (seconds; see `refractorySpecs` in `lifRefrac.ts`).
 * Source: Norse `functional/lif_adex_refrac.py` (`compute_refractory_update`).
 *
 * The family also holds its recurrent variant `LIFAdExRefracRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifInputJump } from './lif.js';
import { checkLifAdEx, lifAdExIntegrateAndFire, lifAdExParameterSpecs, lifAdExStability, lifAdExUpdateParams } from './lifAdEx.js';
import { allChecks, type Rejection } from './lifOptions.js';
import { checkRefractory, checkRefractoryStep, refractoryCode, refractorySpecs, refractoryUpdateValues } from './lifRefrac.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/** LIFAdExRefrac parameters: LIFAdEx's (flattened from `.lif_adex`) plus `rhoReset` (steps, ≥ 0, default 5). */
export const lifAdExRefracParameterSpecs = {
  ...lifAdExParameterSpecs,
  ...refractorySpecs,
} as const;

/** LIFAdExRefrac's checks: no `'exact'` integration, the refractory period (see `lifRefrac.ts`). */
export const checkLifAdExRefrac = allChecks(checkLifAdEx, checkRefractory);

/** Forward Euler's stability and the `tauRef` rounding checks of LIFAdExRefrac. */
export const lifAdExRefracStepCheck = (p: Readonly<Record<string, unknown>>, dt: number): Rejection =>
  lifAdExStability(p, dt) ?? checkRefractoryStep(p, dt);

/** Validated LIFAdExRefrac parameters. */
export type LIFAdExRefracParameters = ParamsOf<typeof lifAdExRefracParameterSpecs>;

/** The refractory LIFAdEx update after the current jump `iJ` (shared with LIFAdExRefracRecurrent). */
export const lifAdExRefracCode = `${refractoryCode(lifAdExIntegrateAndFire)}  a = aNew;
`;

/** The per-neuron LIFAdExRefrac update (input `x`, state `v`, `i`, `a`, `rho`, output `zOut`). */
export const lifAdExRefracUpdate: NeuronUpdate = {
  name: 'lif_adex_refrac',
  inputs: ['x'],
  state: ['v', 'i', 'a', 'rho'],
  params: [...lifAdExUpdateParams, 'rhoReset'],
  output: 'zOut',
  body: `
  ${lifInputJump}
  ${lifAdExRefracCode}
`,
};

/** The refractory adaptive exponential LIF model: `xs` `[T, batch, N]` → spikes, state `{ v, i, a, rho }`. */
export const lifAdExRefrac = defineModel({
  name: 'LIFAdExRefrac',
  id: 'lifAdExRefrac',
  parameters: lifAdExRefracParameterSpecs,
  update: lifAdExRefracUpdate,
  updateParams: refractoryUpdateValues,
  check: checkLifAdExRefrac,
  checkStep: lifAdExRefracStepCheck,
  state: ['v', 'i', 'a', 'rho'],
  initialState: (p) => ({ v: p.vLeak, i: 0, a: 0, rho: 0 }),
  outputName: 'z',
});

// --- LIFAdExRefracRecurrent ---

/*
 * Recurrent adaptive exponential LIF with an absolute refractory period (Norse's
 * `LIFAdExRefracRecurrent` / `lif_adex_refrac_step`).
 * Current jump `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (see `lifAdExRecurrent.ts`), then the refractory
 * LIFAdEx update of `lifAdExRefrac.ts`. State `{ z, v, i, a, rho }`, initial `z = 0`,
 * `v = v_leak`, `i = 0`, `a = 0`, `ρ = 0`.
 * Source: Norse `functional/lif_adex_refrac.py` (`lif_adex_refrac_step`).
 */

/** LIFAdExRefracRecurrent parameters: LIFAdExRefrac's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifAdExRefracRecurrentParameterSpecs = { ...lifAdExRefracParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFAdExRefracRecurrent parameters. */
export type LIFAdExRefracRecurrentParameters = ParamsOf<typeof lifAdExRefracRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFAdExRefrac update (inputs `xa` = x·W_inᵀ, `xb` = z·W_recᵀ). */
export const lifAdExRefracRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lif_adex_refrac_recurrent',
  lifAdExRefracUpdate,
  `
  ${recurrentCurrentJump}
  ${lifAdExRefracCode}
`,
);

/** The recurrent refractory adaptive exponential LIF model; state `{ z, v, i, a, rho }`. */
export const lifAdExRefracRecurrent = defineModel({
  name: 'LIFAdExRefracRecurrent',
  id: 'lifAdExRefracRecurrent',
  parameters: lifAdExRefracRecurrentParameterSpecs,
  update: lifAdExRefracRecurrentUpdate,
  updateParams: refractoryUpdateValues,
  check: checkLifAdExRefrac,
  checkStep: lifAdExRefracStepCheck,
  state: ['z', 'v', 'i', 'a', 'rho'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, a: 0, rho: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
