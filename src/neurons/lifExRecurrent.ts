/**
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
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { lifExIntegrateAndFire, lifExKernel, lifExParameterSpecs } from './lifEx.js';
import { withOptionValues } from './lifOptions.js';
import { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { defineModel, type ParamsOf } from './model.js';

/** LIFExRecurrent parameters: LIFEx's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifExRecurrentParameterSpecs = { ...lifExParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFExRecurrent parameters. */
export type LIFExRecurrentParameters = ParamsOf<typeof lifExRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFEx update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifExRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_ex_recurrent',
  lifExKernel,
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
  kernel: lifExRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
