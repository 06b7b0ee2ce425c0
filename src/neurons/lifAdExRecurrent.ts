/**
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
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { lifAdExIntegrateAndFire, lifAdExKernel, lifAdExParameterSpecs } from './lifAdEx.js';
import { withOptionValues } from './lifOptions.js';
import { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { defineModel, type ParamsOf } from './model.js';

/** LIFAdExRecurrent parameters: LIFAdEx's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifAdExRecurrentParameterSpecs = { ...lifAdExParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFAdExRecurrent parameters. */
export type LIFAdExRecurrentParameters = ParamsOf<typeof lifAdExRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFAdEx update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifAdExRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_adex_recurrent',
  lifAdExKernel,
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
  kernel: lifAdExRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i', 'a'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, a: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
