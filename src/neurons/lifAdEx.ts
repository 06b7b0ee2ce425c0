/**
 * Adaptive exponential leaky integrate-and-fire neuron, feed-forward (Norse's `LIFAdEx` /
 * `lif_adex_feed_forward_step`), after Brette & Gerstner (2005), *J. Neurophysiol.* 94:3637.
 *
 * Update order of one step (forward Euler), with input `x` `[batch, N]`:
 * ```
 * i_j   = i + x                                                    (current jump first)
 * v_d   = v + (dt·τ_mem⁻¹)·((((v_leak − v) + Δ_T·exp((v − v_th)/Δ_T)) + i_j) − a)
 * i'    = i_j + (−dt·τ_syn⁻¹)·i_j                                  (current decays)
 * a_d   = a + (dt·τ_ada⁻¹)·(a_current·(v − v_leak) − a)            (sub-threshold adaptation, old v)
 * z     = Θ(v_d − v_th)                                            (strict: spikes when v_d > v_th)
 * v'    = (1 − z)·v_d + z·v_reset                                  (reset by value, same step)
 * a'    = a_d + z·a_spike                                          (spike-triggered adaptation)
 * ```
 * In Norse's convention the input is a jump, never multiplied by `dt`. Initial state: `v = v_leak`, `i = 0`, `a = 0`.
 *
 * Options beyond Norse (defaults are Norse's; see `lifOptions.ts`): `resetMethod` `'value'` (above),
 * `'subtract'` (`v' = (1 − z)·v_d + z·(v_d − v_th)`) or `'none'`; `integration` `'euler'` (above) or
 * `'exponentialEuler'` (the factors `dt·τ_mem⁻¹`, `dt·τ_ada⁻¹` become `1 − e^{−dt·τ⁻¹}`, and
 * `i' = i_j·e^{−dt·τ_syn⁻¹}`; the other terms are held constant over the step); `'exact'` is
 * rejected (nonlinear: no closed form); `inputConvention` `'jump'` (above) or `'current'`;
 * `allowUnstableEuler`. See `lifOptions.ts`.
 * Source: Norse `norse/torch/functional/lif_adex.py` (`lif_adex_feed_forward_step`), commit 065a3b45.
 *
 * The family also holds its recurrent variant `LIFAdExRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifInputJump, lifOptionSpecs, lifTimeConstantSpecs, lifUpdateParams, lifVoltageSpecs } from './lif.js';
import { eulerStabilityCheck, leakFactorCode, noExactIntegration, resetCode, synapticDecayCode, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/**
 * Norse's `LIFAdExParameters` in camelCase with Norse's defaults (after PyNN's `EIF_cond_exp_isfa_ista`):
 * - `adaptationCurrent` sub-threshold coupling of `a` to `v` (default 4), `adaptationSpike` jump of
 *   `a` per spike (default `Math.fround(0.02)` = 0.019999999552965164: Norse's default is the
 *   float32 tensor `torch.as_tensor(0.02)`, which a float64 run upcasts exactly)
 * - `deltaT` Δ_T, sharpness of the exponential upswing (default 0.5, > 0)
 * - `tauAdaInv` 1/τ_ada in 1/s (default 2), `tauSynInv` (200), `tauMemInv` (100), all > 0
 * - `vLeak` (0), `vTh` (1), `vReset` (0)
 * - `method`, `alpha`: surrogate-gradient choice; accepted for compatibility, no effect on values
 * - `resetMethod`, `integration`: options beyond Norse (defaults Norse's), see `lifOptions.ts`
 */
export const lifAdExParameterSpecs = {
  adaptationCurrent: { kind: 'number', default: 4, range: 'finite' },
  adaptationSpike: { kind: 'number', default: Math.fround(0.02), range: 'finite' },
  deltaT: { kind: 'number', default: 0.5, range: 'positive' },
  tauAdaInv: { kind: 'number', default: 2, range: 'positive' },
  ...lifTimeConstantSpecs,
  ...lifVoltageSpecs,
  ...lifOptionSpecs,
} as const;

/** Validated LIFAdEx parameters (Norse's `LIFAdExParameters`). */
export type LIFAdExParameters = ParamsOf<typeof lifAdExParameterSpecs>;

/** Update parameters of the LIFAdEx update. */
export const lifAdExUpdateParams = ['adaptationCurrent', 'adaptationSpike', 'deltaT', 'tauAdaInv', ...lifUpdateParams] as const;

/**
 * The LIFAdEx update after the current jump `iJ` has been computed (shared by the feed-forward,
 * recurrent and refractory variants): defines `vDec`, `iDec`, `aDec`, `z`, the reset voltage
 * `vNew` and the new adaptation `aNew`.
 */
export const lifAdExIntegrateAndFire = `
  const dvExp = R(deltaT * R(Math.exp(R(R(v - vTh) / deltaT))));
  ${leakFactorCode('kMem', 'tauMemInv')}
  const vDec = R(v + R(kMem * R(R(R(R(vLeak - v) + dvExp) + iJ) - a)));
  ${synapticDecayCode}
  ${leakFactorCode('kAda', 'tauAdaInv')}
  const aDec = R(a + R(kAda * R(R(adaptationCurrent * R(v - vLeak)) - a)));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'vTh', 'vReset')}
  const aNew = R(aDec + R(z * adaptationSpike));
`;

/** Rejects `integration: 'exact'`: the exponential term makes LIFAdEx nonlinear. */
export const checkLifAdEx = noExactIntegration('LIFAdEx', 'the exponential term Δ_T·exp((v − v_th)/Δ_T) is nonlinear in v');

/** Forward Euler's stability check of LIFAdEx: `dt·τ_syn⁻¹`, `dt·τ_mem⁻¹`, `dt·τ_ada⁻¹` below 1. */
export const lifAdExStability = eulerStabilityCheck((p) => ({ tauSynInv: p.tauSynInv, tauMemInv: p.tauMemInv, tauAdaInv: p.tauAdaInv }));

/** The per-neuron LIFAdEx update (input `x`, state `v`, `i`, `a`, output `z`). */
export const lifAdExUpdate: NeuronUpdate = {
  name: 'lif_adex',
  inputs: ['x'],
  state: ['v', 'i', 'a'],
  params: lifAdExUpdateParams,
  output: 'z',
  body: `
  ${lifInputJump}
  ${lifAdExIntegrateAndFire}
  v = vNew;
  i = iDec;
  a = aNew;
`,
};

/**
 * The adaptive exponential LIF model: `xs` `[T, batch, N]` → spikes `[T, batch, N]`, state
 * `{ v, i, a }` (`[batch, N]`). See the module docs for the equations.
 */
export const lifAdEx = defineModel({
  name: 'LIFAdEx',
  id: 'lifAdEx',
  parameters: lifAdExParameterSpecs,
  update: lifAdExUpdate,
  updateParams: withOptionValues,
  check: checkLifAdEx,
  checkStep: lifAdExStability,
  state: ['v', 'i', 'a'],
  initialState: (p) => ({ v: p.vLeak, i: 0, a: 0 }),
  outputName: 'z',
});

/** State of a feed-forward LIFAdEx layer: `v`, `i`, `a`, each `[batch, N]`. */
export type LIFAdExState = ReturnType<typeof lifAdEx.initialState>;

// --- LIFAdExRecurrent ---

/*
 * Recurrently connected adaptive exponential LIF layer (Norse's `LIFAdExRecurrent` / `lif_adex_step`).
 *
 * Per step, with input `x` `[batch, inputs]`, input weights `W_in` `[N, inputs]`, recurrent
 * weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`), previous spikes `z`:
 * ```
 * i_j = (i + x·W_inᵀ) + z·W_recᵀ
 * ```
 * then the LIFAdEx integration, adaptation, threshold and reset of {@link lifAdEx} (see
 * `lifAdEx.ts`). State `{ z, v, i, a }`, initial `z = 0`, `v = v_leak`, `i = 0`, `a = 0`.
 * Source: Norse `norse/torch/functional/lif_adex.py` (`lif_adex_step`), `module/lif_adex.py`.
 */

/** LIFAdExRecurrent parameters: LIFAdEx's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifAdExRecurrentParameterSpecs = { ...lifAdExParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFAdExRecurrent parameters. */
export type LIFAdExRecurrentParameters = ParamsOf<typeof lifAdExRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFAdEx update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifAdExRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lif_adex_recurrent',
  lifAdExUpdate,
  `
  ${recurrentCurrentJump}
  ${lifAdExIntegrateAndFire}
  v = vNew;
  i = iDec;
  a = aNew;
`,
);

/** The recurrent adaptive exponential LIF model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i, a }`. */
export const lifAdExRecurrent = defineModel({
  name: 'LIFAdExRecurrent',
  id: 'lifAdExRecurrent',
  parameters: lifAdExRecurrentParameterSpecs,
  update: lifAdExRecurrentUpdate,
  updateParams: withOptionValues,
  check: checkLifAdEx,
  checkStep: lifAdExStability,
  state: ['z', 'v', 'i', 'a'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, a: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
