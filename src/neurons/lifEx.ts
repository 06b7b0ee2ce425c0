/**
 * Exponential leaky integrate-and-fire neuron, feed-forward (Norse's `LIFEx` / `lif_ex_feed_forward_step`),
 * after Fourcaud-Trocmé et al. (2003) as presented in Gerstner et al., *Neuronal Dynamics*, ch. 5.2.
 *
 * Update order of one step (forward Euler), with input `x` `[batch, N]`:
 * ```
 * i_j   = i + x                                              (current jump first)
 * v_d   = v + (dt·τ_mem⁻¹)·(((v_leak − v) + Δ_T·exp((v − v_th)/Δ_T)) + i_j)
 * i'    = i_j + (−dt·τ_syn⁻¹)·i_j                            (current decays)
 * z     = Θ(v_d − v_th)                                      (strict: spikes when v_d > v_th)
 * v'    = (1 − z)·v_d + z·v_reset                            (reset by value, same step)
 * ```
 * The exponential term uses the voltage before the step. In Norse's convention the input is a jump,
 * never multiplied by `dt`. Initial state: `v = v_leak`, `i = 0`.
 *
 * Options beyond Norse (defaults are Norse's; see `lifOptions.ts`): `resetMethod` `'value'` (above),
 * `'subtract'` (`v' = (1 − z)·v_d + z·(v_d − v_th)`) or `'none'`; `integration` `'euler'` (above) or
 * `'exponentialEuler'`: `v_d = v + (1 − e^{−dt·τ_mem⁻¹})·(((v_leak − v) + Δ_T·exp(…)) + i_j)` (the
 * exponential term and the current held constant over the step), `i' = i_j·e^{−dt·τ_syn⁻¹}`;
 * `'exact'` is rejected (the exponential term is nonlinear: no closed form); `inputConvention`
 * `'jump'` (above) or `'current'`; `allowUnstableEuler`. See `lifOptions.ts`.
 * Source: Norse `norse/torch/functional/lif_ex.py` (`lif_ex_feed_forward_step`), commit 065a3b45.
 *
 * The family also holds its recurrent variant `LIFExRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifInputJump, lifOptionSpecs, lifStability, lifTimeConstantSpecs, lifUpdateParams, lifVoltageSpecs } from './lif.js';
import { leakFactorCode, noExactIntegration, resetCode, synapticDecayCode, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/**
 * Norse's `LIFExParameters` in camelCase with Norse's defaults (`dt` is passed separately, seconds).
 * - `deltaT` Δ_T, sharpness of the exponential upswing (default 0.5, > 0)
 * - `tauSynInv` 1/τ_syn in 1/s (default 200), `tauMemInv` 1/τ_mem in 1/s (default 100), both > 0
 * - `vLeak` (0), `vTh` (1), `vReset` (0): voltages in Norse's dimensionless units
 * - `method`, `alpha`: surrogate-gradient choice; accepted for compatibility, no effect on values
 * - `resetMethod`, `integration`: options beyond Norse (defaults Norse's), see `lifOptions.ts`
 */
export const lifExParameterSpecs = {
  deltaT: { kind: 'number', default: 0.5, range: 'positive' },
  ...lifTimeConstantSpecs,
  ...lifVoltageSpecs,
  ...lifOptionSpecs,
} as const;

/** Validated LIFEx parameters (Norse's `LIFExParameters`). */
export type LIFExParameters = ParamsOf<typeof lifExParameterSpecs>;

/** Update parameters of the LIFEx update. */
export const lifExUpdateParams = ['deltaT', ...lifUpdateParams] as const;

/**
 * The LIFEx update after the current jump `iJ` has been computed (shared with LIFExRecurrent):
 * defines `vDec`, `iDec`, `z` and the reset voltage `vNew`.
 */
export const lifExIntegrateAndFire = `
  const dvExp = R(deltaT * R(Math.exp(R(R(v - vTh) / deltaT))));
  ${leakFactorCode('kMem', 'tauMemInv')}
  const vDec = R(v + R(kMem * R(R(R(vLeak - v) + dvExp) + iJ)));
  ${synapticDecayCode}
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'vTh', 'vReset')}
`;

/** Rejects `integration: 'exact'`: the exponential term makes LIFEx nonlinear. */
export const checkLifEx = noExactIntegration('LIFEx', 'the exponential term Δ_T·exp((v − v_th)/Δ_T) is nonlinear in v');

/** The per-neuron LIFEx update (input `x`, state `v`, `i`, output `z`). */
export const lifExUpdate: NeuronUpdate = {
  name: 'lif_ex',
  inputs: ['x'],
  state: ['v', 'i'],
  params: lifExUpdateParams,
  output: 'z',
  body: `
  ${lifInputJump}
  ${lifExIntegrateAndFire}
  v = vNew;
  i = iDec;
`,
};

/**
 * The exponential LIF model: `lifEx.run(p, dt)(xs, state?)` over `xs` `[T, batch, N]` returns
 * spikes `[T, batch, N]` (0/1) and the state `{ v, i }` (`[batch, N]`). See the module docs.
 */
export const lifEx = defineModel({
  name: 'LIFEx',
  id: 'lifEx',
  parameters: lifExParameterSpecs,
  update: lifExUpdate,
  updateParams: withOptionValues,
  check: checkLifEx,
  checkStep: lifStability,
  state: ['v', 'i'],
  initialState: (p) => ({ v: p.vLeak, i: 0 }),
  outputName: 'z',
});

/** State of a feed-forward LIFEx layer: `v`, `i`, each `[batch, N]`. */
export type LIFExState = ReturnType<typeof lifEx.initialState>;

// --- LIFExRecurrent ---

/*
 * Recurrently connected exponential LIF layer (Norse's `LIFExRecurrent` / `lif_ex_step`).
 *
 * Per step, with input `x` `[batch, inputs]`, input weights `W_in` `[N, inputs]`, recurrent
 * weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`), previous spikes `z`:
 * ```
 * i_j = (i + x·W_inᵀ) + z·W_recᵀ
 * ```
 * then the LIFEx integration, threshold and reset of {@link lifEx} (see `lifEx.ts`). State
 * `{ z, v, i }`, initial `z = 0`, `v = v_leak`, `i = 0`.
 * Source: Norse `norse/torch/functional/lif_ex.py` (`lif_ex_step`) and `module/lif_ex.py` (`LIFExRecurrent`).
 */

/** LIFExRecurrent parameters: LIFEx's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifExRecurrentParameterSpecs = { ...lifExParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFExRecurrent parameters. */
export type LIFExRecurrentParameters = ParamsOf<typeof lifExRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFEx update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifExRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lif_ex_recurrent',
  lifExUpdate,
  `
  ${recurrentCurrentJump}
  ${lifExIntegrateAndFire}
  v = vNew;
  i = iDec;
`,
);

/** The recurrent exponential LIF model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i }`. */
export const lifExRecurrent = defineModel({
  name: 'LIFExRecurrent',
  id: 'lifExRecurrent',
  parameters: lifExRecurrentParameterSpecs,
  update: lifExRecurrentUpdate,
  updateParams: withOptionValues,
  check: checkLifEx,
  checkStep: lifStability,
  state: ['z', 'v', 'i'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
