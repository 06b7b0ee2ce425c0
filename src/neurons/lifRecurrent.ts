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
import { lifIntegrateAndFire, lifKernel, lifParameterSpecs } from './lif.js';
import { withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf, type RecurrentSpec } from './model.js';

/** Weights every recurrent model takes: `inputWeights` `[N, inputs]`, `recurrentWeights` `[N, N]`, `autapses` (default false: diagonal zeroed, as Norse). */
export const recurrentWeightSpecs = {
  inputWeights: { kind: 'matrix' },
  recurrentWeights: { kind: 'matrix' },
  autapses: { kind: 'boolean', default: false },
} as const;

/**
 * The wiring of every recurrent model: {@link defineModel} feeds `x·W_inᵀ` to the kernel input
 * `xa` and `z_{t−1}·W_recᵀ` (diagonal zeroed unless `autapses`) to `xb`.
 */
export const recurrentWiring = { inputCurrent: 'xa', recurrentCurrent: 'xb' } as const satisfies RecurrentSpec;

/** Kernel code of the recurrent current jump `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (Norse's operand order), declaring `iJ`. */
export const recurrentCurrentJump = 'const iJ = R(R(i + xa) + xb);';

/**
 * The recurrent kernel of a feed-forward one: the same state, parameters and output, inputs `xa`
 * and `xb` (see {@link recurrentWiring}) and the given `body`.
 */
export const recurrentKernel = (name: string, feedForward: NeuronKernel, body: string): NeuronKernel => ({
  name,
  inputs: [recurrentWiring.inputCurrent, recurrentWiring.recurrentCurrent],
  state: feedForward.state,
  params: feedForward.params,
  output: feedForward.output,
  body,
});

/** LIFRecurrent parameters: LIF's plus the weights. */
export const lifRecurrentParameterSpecs = { ...lifParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFRecurrent parameters. */
export type LIFRecurrentParameters = ParamsOf<typeof lifRecurrentParameterSpecs>;

/** The per-neuron recurrent LIF update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const lifRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_recurrent',
  lifKernel,
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
  kernel: lifRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
