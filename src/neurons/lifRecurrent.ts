/**
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
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { lifIntegrateAndFire, lifKernelParams, lifParameterSpecs } from './lif.js';
import { withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';

/** Weights every recurrent model takes: `inputWeights` `[N, inputs]`, `recurrentWeights` `[N, N]`, `autapses` (default false: diagonal zeroed, as Norse). */
export const recurrentWeightSpecs = {
  inputWeights: { kind: 'matrix' },
  recurrentWeights: { kind: 'matrix' },
  autapses: { kind: 'boolean', default: false },
} as const;

/** LIFRecurrent parameters: LIF's plus the weights. */
export const lifRecurrentParameterSpecs = { ...lifParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFRecurrent parameters. */
export type LIFRecurrentParameters = ParamsOf<typeof lifRecurrentParameterSpecs>;

/** The per-neuron recurrent LIF update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifRecurrentKernel: NeuronKernel = {
  name: 'lif_recurrent',
  inputs: ['xa', 'xb'],
  state: ['v', 'i'],
  params: lifKernelParams,
  output: 'z',
  body: `
  const iJ = R(R(i + xa) + xb);
  ${lifIntegrateAndFire}
  v = vNew;
  i = iDec;
`,
};

/** The recurrent LIF model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, i }`. */
export const lifRecurrent = defineModel({
  name: 'LIFRecurrent',
  id: 'lifRecurrent',
  parameters: lifRecurrentParameterSpecs,
  kernel: lifRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0 }),
  outputName: 'z',
  recurrent: { inputCurrent: 'xa', recurrentCurrent: 'xb' },
});
