/**
 * LIF neuron with an adaptive threshold, feed-forward (Norse's `LSNN` / `lsnn_feed_forward_step`):
 * the long short-term memory spiking neuron of Bellec et al. (2018), *Long short-term memory and
 * learning-to-learn in networks of spiking neurons*, NeurIPS.
 *
 * Update order of one step (forward Euler), with input `x` `[batch, N]`. Unlike LIF, the voltage
 * integrates the **old** current and the input reaches the current **last**:
 * ```
 * v_d   = v + (dt·τ_mem⁻¹)·((v_leak − v) + i)         (old current)
 * i_d   = i + (−dt·τ_syn⁻¹)·i
 * b_d   = b + (dt·τ_adapt⁻¹)·(v_th − b)                (threshold relaxes towards v_th)
 * z     = Θ(v_d − b_d)                                 (strict; b is the adaptive threshold)
 * v'    = (1 − z)·v_d + z·v_reset                      (reset by value, same step)
 * b'    = b_d + z·β                                    (threshold jumps by β per spike)
 * i'    = i_d + x                                      (input jump last)
 * ```
 * In Norse's convention the input is a jump, never multiplied by `dt`. Initial state: `v = v_leak`, `i = 0`, `b = v_th`.
 *
 * Options beyond Norse (defaults are Norse's; see `lifOptions.ts`): `resetMethod` `'value'` (above),
 * `'subtract'` (`v' = (1 − z)·v_d + z·(v_d − b_d)`: the threshold crossed) or `'none'`;
 * `integration` `'euler'` (above), `'exponentialEuler'` (the factors `dt·τ_mem⁻¹`, `dt·τ_adapt⁻¹`
 * become `1 − e^{−dt·τ⁻¹}` and `i_d = i·e^{−dt·τ_syn⁻¹}`) or `'exact'` (`v`, `i` jointly in closed
 * form as LIF's, from the old current; `b` exactly); `inputConvention` `'jump'` (above) or
 * `'current'` (`τ_syn·di/dt = −i + x`); `allowUnstableEuler`. See `lifOptions.ts`.
 * Source: Norse `norse/torch/functional/lsnn.py` (`lsnn_feed_forward_step`), commit 065a3b45.
 *
 * The family also holds its recurrent variant `LSNNRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifOptionSpecs, lifTimeConstantSpecs, lifVoltageSpecs } from './lif.js';
import { eulerStabilityCheck, leakFactorCode, lifLinearCode, optionUpdateParams, resetCode, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';
import { recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/**
 * Norse's `LSNNParameters` in camelCase with Norse's defaults:
 * - `tauSynInv` 1/τ_syn in 1/s (200), `tauMemInv` 1/τ_mem (100), `tauAdaptInv` 1/τ_b
 *   (default `Math.fround(1 / 800)` = 0.0012499999720603228), all > 0
 * - `vLeak` (0), `vTh` (1; the resting threshold), `vReset` (0)
 * - `beta` threshold jump per spike (default `Math.fround(1.8)` = 1.7999999523162842)
 * - `method`, `alpha`: surrogate-gradient choice; accepted for compatibility, no effect on values
 * - `resetMethod`, `integration`: options beyond Norse (defaults Norse's), see `lifOptions.ts`
 *
 * The two fractional defaults are Norse's float32 tensors (`torch.as_tensor(1.0 / 800)`,
 * `torch.as_tensor(1.8)`), upcast exactly in a float64 run.
 */
export const lsnnParameterSpecs = {
  ...lifTimeConstantSpecs,
  tauAdaptInv: { kind: 'number', default: Math.fround(1 / 800), range: 'positive' },
  ...lifVoltageSpecs,
  beta: { kind: 'number', default: Math.fround(1.8), range: 'finite' },
  ...lifOptionSpecs,
} as const;

/** Validated LSNN parameters (Norse's `LSNNParameters`). */
export type LSNNParameters = ParamsOf<typeof lsnnParameterSpecs>;

/** Update parameters of the LSNN update. */
export const lsnnUpdateParams = ['tauSynInv', 'tauMemInv', 'tauAdaptInv', 'vLeak', 'vTh', 'vReset', 'beta', ...optionUpdateParams] as const;

/**
 * The LSNN update before the input jump (shared with LSNNRecurrent): defines `vDec`, `iDec`,
 * `z`, and assigns the new `v` and `b`.
 */
export const lsnnIntegrateAndFire = `
  const iJ = i;
  ${lifLinearCode}
  ${leakFactorCode('kAdapt', 'tauAdaptInv')}
  const bDec = R(b + R(kAdapt * R(vTh - b)));
  const z = R(vDec - bDec) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'bDec', 'vReset')}
  v = vNew;
  b = R(bDec + R(z * beta));
`;

/**
 * Update code of LSNN's input, which reaches the current last (after `lsnnIntegrateAndFire`):
 * assigns `i` from `iDec` and the input `x` — Norse's jump `i' = i_d + x`, or in the `'current'`
 * convention `i' = i_d + (dt·τ_syn⁻¹)·x` (euler), `i_d + (1 − e^{−dt·τ_syn⁻¹})·x` (exponential
 * Euler: exact for `i`), `i_d` (exact: `iHeld = x` already entered `v` and `i` over the step).
 */
export const lsnnInputCode = (x: string): string => `
  i = currentInput > 0.5
    ? (scheme > 1.5 ? iDec : scheme > 0.5 ? R(iDec + R(R(1 - eSyn) * ${x})) : R(iDec + R(R(dt * tauSynInv) * ${x})))
    : R(iDec + ${x});
`;

/** Update code of the held input current of LSNN (`x` with `'current'` and `'exact'`, else 0). */
export const lsnnHeldCode = (x: string): string => `
  const iHeld = currentInput > 0.5 ? (scheme > 1.5 ? ${x} : 0) : 0;
`;

/** Forward Euler's stability check of LSNN: `dt·τ_syn⁻¹`, `dt·τ_mem⁻¹`, `dt·τ_adapt⁻¹` below 1. */
export const lsnnStability = eulerStabilityCheck((p) => ({ tauSynInv: p.tauSynInv, tauMemInv: p.tauMemInv, tauAdaptInv: p.tauAdaptInv }));

/** The per-neuron LSNN update (input `x`, state `v`, `i`, `b`, output `z`). */
export const lsnnUpdate: NeuronUpdate = {
  name: 'lsnn',
  inputs: ['x'],
  state: ['v', 'i', 'b'],
  params: lsnnUpdateParams,
  output: 'z',
  body: `
  ${lsnnHeldCode('x')}
  ${lsnnIntegrateAndFire}
  ${lsnnInputCode('x')}
`,
};

/**
 * The adaptive-threshold LIF model: `xs` `[T, batch, N]` → spikes `[T, batch, N]`, state
 * `{ v, i, b }` (`[batch, N]`). See the module docs for the equations.
 */
export const lsnn = defineModel({
  name: 'LSNN',
  id: 'lsnn',
  parameters: lsnnParameterSpecs,
  update: lsnnUpdate,
  updateParams: withOptionValues,
  checkStep: lsnnStability,
  state: ['v', 'i', 'b'],
  initialState: (p) => ({ v: p.vLeak, i: 0, b: p.vTh }),
  outputName: 'z',
});

/** State of a feed-forward LSNN layer: `v`, `i`, `b` (adaptive threshold), each `[batch, N]`. */
export type LSNNState = ReturnType<typeof lsnn.initialState>;

// --- LSNNRecurrent ---

/*
 * Recurrently connected adaptive-threshold LIF layer (Norse's `LSNNRecurrent` / `lsnn_step`).
 *
 * The LSNN update of {@link lsnn} (see `lsnn.ts`: voltage from the old current, threshold
 * adaptation, reset), then the input reaches the current last, with input `x` `[batch, inputs]`,
 * input weights `W_in` `[N, inputs]`, recurrent weights `W_rec` `[N, N]` (diagonal zeroed unless
 * `autapses`) and the previous step's spikes `z`:
 * ```
 * i' = (i_d + x·W_inᵀ) + z·W_recᵀ
 * ```
 * State `{ z, v, i, b }`, initial `z = 0`, `v = v_leak`, `i = 0`, `b = v_th`.
 * Source: Norse `norse/torch/functional/lsnn.py` (`lsnn_step`), `module/lsnn.py` (`LSNNRecurrent`).
 */

/** LSNNRecurrent parameters: LSNN's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lsnnRecurrentParameterSpecs = { ...lsnnParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LSNNRecurrent parameters. */
export type LSNNRecurrentParameters = ParamsOf<typeof lsnnRecurrentParameterSpecs>;

/** The per-neuron recurrent LSNN update: inputs `xa` (= x·W_inᵀ) and `xb` (= z_{t−1}·W_recᵀ). */
export const lsnnRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lsnn_recurrent',
  lsnnUpdate,
  `
  ${lsnnHeldCode('xa')}
  ${lsnnIntegrateAndFire}
  ${lsnnInputCode('xa')}
  i = R(i + xb);
`,
);

/** The recurrent LSNN model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i, b }`. */
export const lsnnRecurrent = defineModel({
  name: 'LSNNRecurrent',
  id: 'lsnnRecurrent',
  parameters: lsnnRecurrentParameterSpecs,
  update: lsnnRecurrentUpdate,
  updateParams: withOptionValues,
  checkStep: lsnnStability,
  state: ['z', 'v', 'i', 'b'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, b: p.vTh }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
