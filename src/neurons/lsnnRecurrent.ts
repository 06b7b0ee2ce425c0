/**
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
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { withOptionValues } from './lifOptions.js';
import { recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { lsnnIntegrateAndFire, lsnnKernel, lsnnParameterSpecs } from './lsnn.js';
import { defineModel, type ParamsOf } from './model.js';

/** LSNNRecurrent parameters: LSNN's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lsnnRecurrentParameterSpecs = { ...lsnnParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LSNNRecurrent parameters. */
export type LSNNRecurrentParameters = ParamsOf<typeof lsnnRecurrentParameterSpecs>;

/** The per-neuron recurrent LSNN update: inputs `xa` (= x·W_inᵀ) and `xb` (= z_{t−1}·W_recᵀ). */
export const lsnnRecurrentKernel: NeuronKernel = recurrentKernel(
  'lsnn_recurrent',
  lsnnKernel,
  `
  ${lsnnIntegrateAndFire}
  i = R(R(iDec + xa) + xb);
`,
);

/** The recurrent LSNN model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i, b }`. */
export const lsnnRecurrent = defineModel({
  name: 'LSNNRecurrent',
  id: 'lsnnRecurrent',
  parameters: lsnnRecurrentParameterSpecs,
  kernel: lsnnRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i', 'b'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, b: p.vTh }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
