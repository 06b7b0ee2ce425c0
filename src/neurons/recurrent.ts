/**
 * The recurrent wiring every recurrent model shares (Norse's `*Recurrent` modules): input weights
 * `W_in` `[N, inputs]`, recurrent weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`, as
 * Norse's `autapses=False`), and the update inputs they feed. {@link defineModel} computes per step
 * `x·W_inᵀ` into the update input `xa` and `z_{t−1}·W_recᵀ` into `xb`; each model's update decides
 * where they enter its equations (LIF-like models jump the current, LSNN adds them last,
 * Izhikevich adds them to the drive).
 * Source: Norse `norse/torch/module/snn.py` (`SNNRecurrentCell`), commit 065a3b45.
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { inputCurrentCode } from './lifOptions.js';
import type { RecurrentSpec } from './model.js';

/** Weights every recurrent model takes: `inputWeights` `[N, inputs]`, `recurrentWeights` `[N, N]`, `autapses` (default false: diagonal zeroed, as Norse). */
export const recurrentWeightSpecs = {
  inputWeights: { kind: 'matrix' },
  recurrentWeights: { kind: 'matrix' },
  autapses: { kind: 'boolean', default: false },
} as const;

/**
 * The wiring of every recurrent model: {@link defineModel} feeds `x·W_inᵀ` to the update input
 * `xa` and `z_{t−1}·W_recᵀ` (diagonal zeroed unless `autapses`) to `xb`.
 */
export const recurrentWiring = { inputCurrent: 'xa', recurrentCurrent: 'xb' } as const satisfies RecurrentSpec;

/**
 * Update code of the recurrent current jump, declaring `iJ` and `iHeld`: in Norse's `'jump'`
 * input convention `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (Norse's operand order); in the `'current'`
 * convention the input current `x·W_inᵀ` enters as `inputCurrentCode` describes (`lifOptions.ts`)
 * and the recurrent spikes `z·W_recᵀ` still jump the current.
 */
export const recurrentCurrentJump = `${inputCurrentCode('iIn', 'iHeld', 'i', 'xa', 'tauSynInv')}
  const iJ = R(iIn + xb);`;

/**
 * The recurrent update of a feed-forward one: the same state, parameters and output, inputs `xa`
 * and `xb` (see {@link recurrentWiring}) and the given `body`.
 */
export const recurrentUpdate = (name: string, feedForward: NeuronUpdate, body: string): NeuronUpdate => ({
  name,
  inputs: [recurrentWiring.inputCurrent, recurrentWiring.recurrentCurrent],
  state: feedForward.state,
  params: feedForward.params,
  output: feedForward.output,
  body,
});
