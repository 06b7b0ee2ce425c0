/**
 * Spike-latency LIF encoder (Norse's `spike_latency_lif_encode` / `SpikeLatencyLIFEncoder`): the
 * constant-current LIF encoder, keeping only each neuron's first spike, so a value is coded by the
 * time of its first spike (an infinite refractory period).
 *
 * Per step, after the `lif_current_encoder` update of {@link lifCurrentEncoderStatements}:
 * ```
 * out  = mask > 0 ? 0 : z        (suppress every spike after the first)
 * mask = mask + z                (counts the neuron's raw spikes)
 * ```
 * The voltage keeps integrating and resetting after the first spike, as in Norse.
 * Source: Norse `norse/torch/functional/encode.py` (`spike_latency_lif_encode`), commit 065a3b45.
 * @module
 */
import { checkDt, orThrow, SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, fromTypedArray, sizeOf, type Tensor } from '../tensor.js';
import type { NeuronUpdate } from '../update/ir.js';
import { checkCount, scalarParameters } from '../validate.js';
import {
  checkCurrentAndState,
  type LIFEncoderParametersInput,
  lifCurrentEncoderStatements,
  lifCurrentEncoderUpdateParams,
  lifCurrentEncoderUpdateValues,
  lifEncoderParameterSpecs,
  runConstantInput,
} from './constantCurrentLif.js';

/** The per-neuron spike-latency LIF step: input current `x`, state `v` and `mask`, output `zFirst`. */
export const spikeLatencyLifUpdate: NeuronUpdate = {
  name: 'spikeLatencyLif',
  inputs: ['x'],
  state: ['v', 'mask'],
  params: lifCurrentEncoderUpdateParams,
  output: 'zFirst',
  body: `
  ${lifCurrentEncoderStatements}
  const zFirst = mask > 0 ? 0 : z;
  v = vNew;
  mask = R(mask + z);
`,
};

/**
 * State of a spike-latency LIF encoder: voltage `v` and `mask` (number of spikes so far; a neuron
 * with `mask > 0` emits nothing more), both of the currents' shape.
 */
export interface SpikeLatencyLifState {
  /** Membrane voltage, shape of the currents. */
  readonly v: Tensor;
  /** Spike count so far (0 until the first spike), shape of the currents. */
  readonly mask: Tensor;
}

/**
 * Spike-latency LIF encoding (Norse's `spike_latency_lif_encode`).
 *
 * `spikeLatencyLifEncode(seqLength, p, dt)(currents, state?) → [spikes, state']`:
 * - `currents`: any shape `S` (e.g. `[batch, N]`), float32 or float64, finite
 * - `state`: `{ v, mask }` to continue from (each shape `S`, same dtype); default zeros, as Norse.
 *   Passing the returned state to the next call continues the encoding, so chunks equal one call
 * - `spikes`: `[seqLength, ...S]`, at most one 1 per neuron over the whole (chunked) sequence
 * @param seqLength - number of steps (integer >= 0)
 * @param p - LIF parameters (Norse's `LIFParameters` defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @throws SpikeflowError for a bad `seqLength`, parameters, `dt <= 0`, non-finite currents, or a
 *   state that is not `{ v, mask }` of the currents' shape and dtype
 */
export const spikeLatencyLifEncode = (seqLength: number, p?: LIFEncoderParametersInput, dt = 0.001) => {
  const where = 'spikeLatencyLifEncode';
  const T = checkCount(where, 'seqLength', seqLength);
  const params = scalarParameters(where, lifEncoderParameterSpecs, p);
  orThrow(where)(checkDt(dt));
  return (currents: Tensor, state?: SpikeLatencyLifState): readonly [Tensor, SpikeLatencyLifState] => {
    if (state !== undefined && (state === null || typeof state !== 'object')) {
      throw new SpikeflowError(where, 'state', `state must be an object { v, mask }, received ${show(state)}`);
    }
    if (state !== undefined && (state.v === undefined || state.mask === undefined)) {
      throw new SpikeflowError(
        where,
        state.v === undefined ? 'state.v' : 'state.mask',
        `state must have both v and mask, received ${show(state)}`,
      );
    }
    const x = checkCurrentAndState(where, currents, 'state.v', state?.v);
    if (state !== undefined) checkCurrentAndState(where, currents, 'state.mask', state.mask);
    const dtype = dtypeOf(x);
    const M = sizeOf(x.shape);
    const v = allocate(dtype, M);
    const mask = allocate(dtype, M);
    if (state !== undefined) {
      v.set(state.v.data);
      mask.set(state.mask.data);
    }
    const z = runConstantInput(spikeLatencyLifUpdate, dtype, T, x.data, [v, mask], lifCurrentEncoderUpdateValues(params, dtype), dt);
    const next = Object.freeze({ v: fromTypedArray(v, x.shape), mask: fromTypedArray(mask, x.shape) });
    return [fromTypedArray(z, [T, ...x.shape]), next];
  };
};
