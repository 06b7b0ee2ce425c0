/**
 * Recurrently connected Izhikevich layer (Norse's `IzhikevichRecurrent` / `izhikevich_recurrent_step`).
 *
 * Per step, with input `x` `[batch, inputs]`, input weights `W_in` `[N, inputs]`, recurrent
 * weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`) and the previous spikes `z`, the
 * update of {@link izhikevich} (see `izhikevich.ts`) with both currents added to the drive:
 * ```
 * v_d = v + (τ⁻¹·dt)·((((((sq·v²) + mn·v) + bias) − u) + x·W_inᵀ) + z·W_recᵀ)
 * ```
 * then `u`, threshold and resets as the feed-forward model. State `{ z, v, u }`, initial `z = 0`
 * and the behaviour's `v`, `u` (float32 values, as Norse's `torch.full` of its float32 state).
 * Source: Norse `norse/torch/functional/izhikevich.py` (`izhikevich_recurrent_step`), `module/izhikevich.py`.
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import {
  checkIzhikevich,
  izhikevichDrive,
  izhikevichFire,
  izhikevichInitialState,
  izhikevichKernel,
  izhikevichKernelValues,
  izhikevichParameterSpecs,
} from './izhikevich.js';
import { recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { defineModel, type ParamsOf } from './model.js';

/** IzhikevichRecurrent parameters: Izhikevich's (behaviour and overrides) plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const izhikevichRecurrentParameterSpecs = { ...izhikevichParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated IzhikevichRecurrent parameters. */
export type IzhikevichRecurrentParameters = ParamsOf<typeof izhikevichRecurrentParameterSpecs>;

/** The per-neuron recurrent Izhikevich update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const izhikevichRecurrentKernel: NeuronKernel = recurrentKernel(
  'izhikevich_recurrent',
  izhikevichKernel,
  `
  ${izhikevichDrive}
  const total = R(R(drive + xa) + xb);
  ${izhikevichFire}
`,
);

/** The recurrent Izhikevich model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, u }`. */
export const izhikevichRecurrent = defineModel({
  name: 'IzhikevichRecurrent',
  id: 'izhikevichRecurrent',
  parameters: izhikevichRecurrentParameterSpecs,
  kernel: izhikevichRecurrentKernel,
  kernelParams: izhikevichKernelValues,
  state: ['z', 'v', 'u'],
  initialState: (p) => ({ z: 0, ...izhikevichInitialState(p) }),
  outputName: 'z',
  check: checkIzhikevich,
  recurrent: recurrentWiring,
});
