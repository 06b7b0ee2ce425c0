/**
 * LIF without a current term (Norse's `LIFBox` / `lif_box_feed_forward_step`).
 * ```
 * v_d = v + (dt·τ_mem⁻¹)·((x + v_leak) − v)
 * z   = Θ(v_d − v_th)                                 (strict)
 * v'  = (1 − z)·v_d + z·v_reset          resetMethod 'value'    (Norse reset_value, default)
 * v'  = (1 − z)·v_d + z·(v_d − v_th)     resetMethod 'subtract' (Norse reset_subtract)
 * v'  = v_d                              resetMethod 'none'     (spikes only; not in Norse)
 * ```
 * Initial state: `v = v_leak`. The input is a current held over the step (no `inputConvention`);
 * `integration` `'euler'` (above, Norse's), `'exponentialEuler'` or `'exact'` (identical here:
 * `v_d = (x + v_leak) + (v − x − v_leak)·e^{−dt·τ_mem⁻¹}`), `allowUnstableEuler`. Source: Norse `functional/lif_box.py`, `functional/reset.py`.
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { boxStability, boxStepCode } from './liBox.js';
import { lifTimeConstantSpecs, lifVoltageSpecs } from './lif.js';
import { integrationSpec, optionUpdateParams, resetCode, resetMethodSpec, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf, surrogateParams } from './model.js';

/**
 * Norse's `LIFBoxParameters`: `tauMemInv` (100 1/s, > 0), `vLeak` (0), `vTh` (1), `vReset` (0),
 * `resetMethod` (`'value'` default, `'subtract'`: Norse's `reset_value` / `reset_subtract`; or
 * `'none'`, no reset, see `lifOptions.ts`),
 * `method`, `alpha` (surrogate gradient; no effect on values).
 */
export const lifBoxParameterSpecs = {
  tauMemInv: lifTimeConstantSpecs.tauMemInv,
  ...lifVoltageSpecs,
  ...surrogateParams,
  ...resetMethodSpec,
  ...integrationSpec,
} as const;

/** Validated LIFBox parameters. */
export type LIFBoxParameters = ParamsOf<typeof lifBoxParameterSpecs>;

/** The per-neuron LIFBox update (input `x`, state `v`, output `z`). */
export const lifBoxUpdate: NeuronUpdate = {
  name: 'lif_box',
  inputs: ['x'],
  state: ['v'],
  params: ['tauMemInv', 'vLeak', 'vTh', 'vReset', ...optionUpdateParams],
  output: 'z',
  body: `
  ${boxStepCode('R(R(x + vLeak) - v)')}
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'vTh', 'vReset')}
  v = vNew;
`,
};

/** The box LIF model: `xs` `[T, batch, N]` → spikes, state `{ v }`. */
export const lifBox = defineModel({
  name: 'LIFBox',
  id: 'lifBox',
  parameters: lifBoxParameterSpecs,
  update: lifBoxUpdate,
  updateParams: withOptionValues,
  state: ['v'],
  initialState: (p) => ({ v: p.vLeak }),
  outputName: 'z',
  checkStep: boxStability,
});
