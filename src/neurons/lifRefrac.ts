/**
 * LIF with an absolute refractory period (Norse's `LIFRefracCell` / `lif_refrac_feed_forward_step`).
 *
 * One step: the LIF step of `lif.ts` gives `z₀`, `v₀` (after reset) and `i'`; then, with the
 * refractory counter `ρ` (counted in steps, not seconds) and `m = Θ(ρ)` (ρ > 0):
 * ```
 * v' = (1 − m)·v₀ + m·v          (a refractory neuron keeps its old voltage)
 * z  = (1 − m)·z₀                (and cannot spike)
 * ρ' = (1 − z)·relu(ρ − m) + z·ρ_reset
 * ```
 * Initial state: `v = v_leak`, `i = 0`, `ρ = 0`. Norse's nested
 * `LIFRefracParameters.lif` is flattened: LIF's parameters plus `rhoReset` (default 5 steps).
 * The options `resetMethod` (it sets `v₀`) and `integration` (defaults Norse's) act as in `lif.ts`.
 * Source: Norse `functional/lif_refrac.py` (`compute_refractory_update`).
 *
 * The family also holds its recurrent variant `LIFRefracRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { lifIntegrateAndFire, lifKernelParams, lifParameterSpecs } from './lif.js';
import { withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/** LIFRefrac parameters: LIF's (flattened from `.lif`) plus `rhoReset` (steps, ≥ 0, default 5). */
export const lifRefracParameterSpecs = {
  ...lifParameterSpecs,
  rhoReset: { kind: 'number', default: 5, range: 'nonNegative' },
} as const;

/** Validated LIFRefrac parameters. */
export type LIFRefracParameters = ParamsOf<typeof lifRefracParameterSpecs>;

/**
 * Kernel code of an absolute refractory period around an integrate-and-fire block (Norse's
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
export const lifRefracUpdate = refractoryCode(lifIntegrateAndFire);

/** The per-neuron LIFRefrac update (input `x`, state `v`, `i`, `rho`, output `zOut`). */
export const lifRefracKernel: NeuronKernel = {
  name: 'lif_refrac',
  inputs: ['x'],
  state: ['v', 'i', 'rho'],
  params: [...lifKernelParams, 'rhoReset'],
  output: 'zOut',
  body: `
  const iJ = R(i + x);
  ${lifRefracUpdate}
`,
};

/** The refractory LIF model: `xs` `[T, batch, N]` → spikes, state `{ v, i, rho }`. */
export const lifRefrac = defineModel({
  name: 'LIFRefrac',
  id: 'lifRefrac',
  parameters: lifRefracParameterSpecs,
  kernel: lifRefracKernel,
  kernelParams: withOptionValues,
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
export const lifRefracRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_refrac_recurrent',
  lifRefracKernel,
  `
  ${recurrentCurrentJump}
  ${lifRefracUpdate}
`,
);

/** The recurrent refractory LIF model; state `{ z, v, i, rho }`. */
export const lifRefracRecurrent = defineModel({
  name: 'LIFRefracRecurrent',
  id: 'lifRefracRecurrent',
  parameters: { ...lifRefracParameterSpecs, ...recurrentWeightSpecs },
  kernel: lifRefracRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i', 'rho'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, rho: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
