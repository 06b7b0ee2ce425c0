/**
 * `stdp`: spike-timing-dependent plasticity of a linear layer's weights as an RxJS operator.
 * @module
 */
import { type OperatorFunction, scan } from 'rxjs';
import { orThrow, SpikeflowError, show } from '../ops/errors.js';
import { type STDPParametersInput, type STDPState, stdpStepLinear } from '../ops/plasticity/stdpLinear.js';
import { fromTypedArray, isTensor, sameShape, showShape, type Tensor } from '../ops/tensor.js';
import { checkOptions } from './internal.js';

/** A chunk of pre- and postsynaptic spikes: `pre` `[T, B, pre]`, `post` `[T, B, post]` (same T and B). */
export interface SpikePairChunk {
  readonly pre: Tensor;
  readonly post: Tensor;
}

/** What {@link stdp} emits after each chunk: the weights `[post, pre]` and the traces after its last step. */
export interface StdpUpdate {
  readonly w: Tensor;
  readonly state: STDPState;
}

/** Options of {@link stdp}. */
export interface StdpOptions {
  /** Initial weights `[post, pre]` (torch `Linear` layout). Required. */
  readonly w: Tensor;
  /** Initial traces (default zero traces). */
  readonly state?: STDPState;
  /** STDP parameters (Norse's `STDPParameters` in camelCase; see `stdpParameters`). */
  readonly p?: STDPParametersInput;
  /** Time step in seconds (> 0, default 0.001). */
  readonly dt?: number;
}

const where = 'stdp';

/**
 * Learns a linear layer's weights from streamed spike pairs: for every step of every chunk,
 * Norse's `stdp_step_linear` (see `src/ops/plasticity/stdpLinear.ts`); emits the weights and traces after
 * each chunk. Weights and traces are held in `scan` per subscription, so any chunking of the same
 * spikes gives the same weights (bit for bit) as stepping one step at a time.
 * Source: Norse `norse/torch/functional/stdp.py` (`stdp_step_linear`).
 * @param options - `w` (initial weights `[post, pre]`, required), `state`, `p`, `dt`
 * @throws SpikeflowError (at construction) for a missing or invalid `w`, bad parameters or `dt`;
 *   the stream errors with a SpikeflowError for chunks whose `pre`/`post` shapes do not match `w`
 *   or each other, or hold values other than spikes as `stdpStepLinear` checks them
 */
export const stdp = (options: StdpOptions): OperatorFunction<SpikePairChunk, StdpUpdate> => {
  checkOptions(where, options, ['w', 'state', 'p', 'dt']);
  const w0 = orThrow(where)(isTensor('w', options.w));
  if (w0.shape.length !== 2) throw new SpikeflowError(where, 'w', `w must be [post, pre], received shape ${showShape(w0.shape)}`);
  const step = stdpStepLinear(options.p, options.dt ?? 0.001);
  const [post, pre] = w0.shape as [number, number];
  return scan<SpikePairChunk, StdpUpdate, StdpUpdate | undefined>((acc, chunk) => {
    if (chunk === null || typeof chunk !== 'object' || !('pre' in chunk) || !('post' in chunk)) {
      throw new SpikeflowError(where, 'chunk', `chunks must be { pre, post } spike tensors, received ${show(chunk)}`);
    }
    const zPre = orThrow(where)(isTensor('chunk.pre', chunk.pre));
    const zPost = orThrow(where)(isTensor('chunk.post', chunk.post));
    const [T, B] = zPre.shape as [number, number];
    if (!sameShape(zPre.shape, [T, B, pre]) || !sameShape(zPost.shape, [T, B, post])) {
      throw new SpikeflowError(
        where,
        'chunk',
        `chunk.pre must be [T, B, ${pre}] and chunk.post [T, B, ${post}] with the same T and B, received ${showShape(zPre.shape)} and ${showShape(zPost.shape)}`,
      );
    }
    let w = acc?.w ?? w0;
    let state = acc?.state ?? options.state;
    for (let t = 0; t < T; t++) {
      const a = fromTypedArray(zPre.data.subarray(t * B * pre, (t + 1) * B * pre), [B, pre]);
      const b = fromTypedArray(zPost.data.subarray(t * B * post, (t + 1) * B * post), [B, post]);
      [w, state] = step(a, b, w, state);
    }
    return { w, state: state as STDPState };
  }, undefined) as OperatorFunction<SpikePairChunk, StdpUpdate>;
};
