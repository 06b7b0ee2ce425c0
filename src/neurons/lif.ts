/**
 * Leaky integrate-and-fire neuron, feed-forward (Norse's `LIF` / `lif_feed_forward_step`).
 *
 * Update order of one step (forward Euler, as Norse since 2024-01-15), with input `x` `[batch, N]`:
 * ```
 * i_j   = i + x                                   (current jump first)
 * v_d   = v + (dt·τ_mem⁻¹)·((v_leak − v) + i_j)    (voltage integrates the jumped current)
 * i'    = i_j + (−dt·τ_syn⁻¹)·i_j                  (current decays)
 * z     = Θ(v_d − v_th)                            (strict: spikes when v_d > v_th)
 * v'    = (1 − z)·v_d + z·v_reset                  (reset by value, same step)
 * ```
 * In Norse's convention the input is a jump of the current, never multiplied by `dt`.
 * Initial state: `v = v_leak`, `i = 0`.
 *
 * Options beyond Norse (defaults are Norse's; equations in `lifOptions.ts`): `resetMethod`
 * `'value'` (above), `'subtract'` (`v' = (1 − z)·v_d + z·(v_d − v_th)`) or `'none'` (`v' = v_d`);
 * `integration` `'euler'` (above), `'exponentialEuler'` (`v_d = v + (1 − e^{−dt·τ_mem⁻¹})·((v_leak − v) + i_j)`,
 * `i' = i_j·e^{−dt·τ_syn⁻¹}`) or `'exact'` (the closed-form solution for `v` and `i` jointly over
 * the step); `inputConvention` `'jump'` (above) or `'current'` (`τ_syn·di/dt = −i + x`, converges
 * as `dt → 0`); `allowUnstableEuler` (forward Euler with `dt·τ⁻¹ ≥ 1` throws unless true).
 * Source: Norse `norse/torch/functional/lif.py` (`lif_feed_forward_step`), commit 065a3b45.
 *
 * The family also holds its recurrent variant `LIFRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import {
  eulerStabilityCheck,
  inputConventionSpec,
  inputCurrentCode,
  integrationSpec,
  lifLinearCode,
  optionUpdateParams,
  resetCode,
  resetMethodSpec,
  withOptionValues,
} from './lifOptions.js';
import { defineModel, type ParamSpecs, type ParamsOf, surrogateParams } from './model.js';
import { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/**
 * LIF's inverse time constants with Norse's defaults, a fragment the LIF family spreads into its
 * specs (each model keeps Norse's parameter order): `tauSynInv` 1/τ_syn (200 1/s), `tauMemInv`
 * 1/τ_mem (100 1/s), both > 0. Source: Norse `LIFParameters`.
 */
export const lifTimeConstantSpecs = {
  tauSynInv: { kind: 'number', default: 200, range: 'positive' },
  tauMemInv: { kind: 'number', default: 100, range: 'positive' },
} as const satisfies ParamSpecs;

/**
 * LIF's voltages with Norse's defaults (Norse's dimensionless units), a fragment the LIF family
 * spreads into its specs: `vLeak` (0), `vTh` (1), `vReset` (0). Source: Norse `LIFParameters`.
 */
export const lifVoltageSpecs = {
  vLeak: { kind: 'number', default: 0, range: 'finite' },
  vTh: { kind: 'number', default: 1, range: 'finite' },
  vReset: { kind: 'number', default: 0, range: 'finite' },
} as const satisfies ParamSpecs;

/**
 * The parameters that close the LIF family's specs: the surrogate-gradient `method`, `alpha` (no
 * effect on values) and the options `resetMethod`, `integration` (defaults Norse's; `lifOptions.ts`).
 */
export const lifOptionSpecs = {
  ...surrogateParams,
  ...resetMethodSpec,
  ...integrationSpec,
  ...inputConventionSpec,
} as const satisfies ParamSpecs;

/**
 * Norse's `LIFParameters` in camelCase with Norse's defaults (`dt` is passed separately, seconds).
 * - `tauSynInv` 1/τ_syn in 1/s (default 200), `tauMemInv` 1/τ_mem in 1/s (default 100), both > 0
 * - `vLeak` (0), `vTh` (1), `vReset` (0): voltages in Norse's dimensionless units
 * - `method`, `alpha`: surrogate-gradient choice; accepted for compatibility, no effect on values
 * - `resetMethod` (`'value'`, Norse's; `'subtract'`, `'none'`), `integration` (`'euler'`, Norse's;
 *   `'exponentialEuler'`, `'exact'`), `allowUnstableEuler` (false), `inputConvention` (`'jump'`,
 *   Norse's; `'current'`): options beyond Norse, see `lifOptions.ts`
 */
export const lifParameterSpecs = {
  ...lifTimeConstantSpecs,
  ...lifVoltageSpecs,
  ...lifOptionSpecs,
} as const;

/** Validated LIF parameters (Norse's `LIFParameters`). */
export type LIFParameters = ParamsOf<typeof lifParameterSpecs>;

/**
 * The LIF update after the current jump `iJ` has been computed (shared by LIF, LIFRecurrent,
 * LIFRefrac): defines `vDec`, `iDec`, `z` and the reset voltage `vNew`. With the default options
 * (`exact = 0`, `resetMode = 0`) it is Norse's forward Euler step, operation for operation.
 */
export const lifIntegrateAndFire = `
  ${lifLinearCode}
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'vTh', 'vReset')}
`;

/** Update parameters of the LIF update (the options as `resetMode`, `exact`; see {@link withOptionValues}). */
export const lifUpdateParams = ['tauSynInv', 'tauMemInv', 'vLeak', 'vTh', 'vReset', ...optionUpdateParams] as const;

/**
 * Update code of the feed-forward current jump, declaring `iJ` (`i + x` in Norse's convention)
 * and `iHeld` (the held input current of `inputConvention: 'current'` with `'exact'`).
 */
export const lifInputJump = inputCurrentCode('iJ', 'iHeld', 'i', 'x', 'tauSynInv');

/**
 * Forward Euler's stability check of the LIF family (`dt·τ_syn⁻¹ < 1`, `dt·τ_mem⁻¹ < 1`; see
 * `eulerStabilityCheck` in `lifOptions.ts`).
 */
export const lifStability = eulerStabilityCheck((p) => ({ tauSynInv: p.tauSynInv, tauMemInv: p.tauMemInv }));

/** The per-neuron LIF update (input `x`, state `v`, `i`, output `z`). */
export const lifUpdate: NeuronUpdate = {
  name: 'lif',
  inputs: ['x'],
  state: ['v', 'i'],
  params: lifUpdateParams,
  output: 'z',
  body: `
  ${lifInputJump}
  ${lifIntegrateAndFire}
  v = vNew;
  i = iDec;
`,
};

/** @deprecated the former name of {@link lifUpdate} */
export const lifKernel = lifUpdate;

/**
 * The LIF model: `lif.run(p, dt)(xs, state?)` over `xs` `[T, batch, N]` returns spikes
 * `[T, batch, N]` (0/1) and the state `{ v, i }` (`[batch, N]`); `lif.step(p, dt)(x, state?)` does
 * one step. See the module docs for the equations.
 */
export const lif = defineModel({
  name: 'LIF',
  id: 'lif',
  parameters: lifParameterSpecs,
  update: lifUpdate,
  updateParams: withOptionValues,
  state: ['v', 'i'],
  initialState: (p) => ({ v: p.vLeak, i: 0 }),
  outputName: 'z',
  checkStep: lifStability,
});

/** State of a feed-forward LIF layer: membrane voltage `v` and synaptic current `i`, each `[batch, N]`. */
export type LIFState = ReturnType<typeof lif.initialState>;

// --- LIFRecurrent ---

/*
 * Recurrently connected LIF layer (Norse's `LIFRecurrent` / `lif_step`).
 *
 * Per step, with input `x` `[batch, inputs]`, input weights `W_in` `[N, inputs]`, recurrent
 * weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`), previous spikes `z`:
 * ```
 * i_j = (i + x·W_inᵀ) + z·W_recᵀ
 * ```
 * then the LIF integration, threshold and reset of {@link lif} (see `lif.ts`). State
 * `{ z, v, i }`, initial `z = 0`, `v = v_leak`, `i = 0`. The options `resetMethod` and
 * `integration` (defaults Norse's) act as in {@link lif}.
 * Source: Norse `norse/torch/functional/lif.py` (`lif_step`) and `module/lif.py` (`LIFRecurrent`).
 */

/** LIFRecurrent parameters: LIF's plus the weights. */
export const lifRecurrentParameterSpecs = { ...lifParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFRecurrent parameters. */
export type LIFRecurrentParameters = ParamsOf<typeof lifRecurrentParameterSpecs>;

/** The per-neuron recurrent LIF update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'lif_recurrent',
  lifUpdate,
  `
  ${recurrentCurrentJump}
  ${lifIntegrateAndFire}
  v = vNew;
  i = iDec;
`,
);

/** The recurrent LIF model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i }`. */
export const lifRecurrent = defineModel({
  name: 'LIFRecurrent',
  id: 'lifRecurrent',
  parameters: lifRecurrentParameterSpecs,
  update: lifRecurrentUpdate,
  updateParams: withOptionValues,
  state: ['z', 'v', 'i'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
  checkStep: lifStability,
});
