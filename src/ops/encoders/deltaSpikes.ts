/**
 * `deltaSpikes`: send-on-delta (threshold-crossing) spike encoding of sampled signals, e.g.
 * cochlea envelopes or sensor channels. Per feature, a reference level `r` (initially `initial`)
 * follows the signal: at each step
 * ```
 * x − r ≥ θ   →  ON spike,  r ← x
 * x − r ≤ −θ  →  OFF spike, r ← x
 * ```
 * so a feature emits at most one spike per step, ON in the first `N` outputs and OFF in the last
 * `N`: `[T, batch, N]` becomes `[T, batch, 2N]` of 0/1 in the input's dtype. The encoder is pure
 * (`run(xs, state) → [spikes, state]`), so chunking the input does not change the spikes.
 * Source: M. Miśkowicz, "Send-on-delta concept: an event-based data reporting strategy", Sensors
 * 2006; the delta modulation of event-based sensors (Tonic's and snnTorch's `delta` encoders).
 * @module
 */
import { map, type OperatorFunction, scan } from 'rxjs';
import { orThrow, SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, fromTypedArray, isTensor, showShape, type Tensor } from '../tensor.js';

/** State of a delta encoder: the reference level of every feature, `[batch·N]`. */
export interface DeltaState {
  readonly reference: Float64Array;
}

/** Options of {@link deltaEncoder}. */
export interface DeltaOptions {
  /** Reference level before the first step (default 0). */
  readonly initial?: number;
}

/** A send-on-delta encoder: a pure `run` over chunks `[T, batch, N]`. */
export interface DeltaEncoder {
  readonly name: 'delta';
  /** Threshold θ (> 0). */
  readonly threshold: number;
  /**
   * Encodes a chunk.
   * @param xs - `[T, batch, N]` finite values
   * @param state - reference levels after the previous chunk (default: all `initial`)
   * @returns spikes `[T, batch, 2N]` (ON then OFF) and the new state
   */
  run(xs: Tensor, state?: DeltaState): readonly [Tensor, DeltaState];
}

/**
 * A send-on-delta encoder (see the module docs).
 * @param threshold - θ > 0, in the signal's units
 * @param options - `initial` reference level (default 0)
 * @throws SpikeflowError for a non-positive threshold; `run` throws for a chunk that is not `[T, batch, N]`
 *   with finite values, or a state of the wrong size
 */
export const deltaEncoder = (threshold: number, options: DeltaOptions = {}): DeltaEncoder => {
  const where = 'deltaEncoder';
  if (!(typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0)) {
    throw new SpikeflowError(where, 'threshold', `threshold must be a finite number > 0, received ${show(threshold)}`);
  }
  const initial = options.initial ?? 0;
  if (!Number.isFinite(initial)) throw new SpikeflowError(where, 'initial', `initial must be a finite number, received ${show(initial)}`);
  const run = (xs: Tensor, state?: DeltaState): readonly [Tensor, DeltaState] => {
    orThrow('deltaEncoder.run')(isTensor('xs', xs));
    if (xs.shape.length !== 3)
      throw new SpikeflowError('deltaEncoder.run', 'xs', `xs must be [T, batch, N], received shape ${showShape(xs.shape)}`);
    const [T, B, N] = xs.shape as [number, number, number];
    const M = B * N;
    if (state !== undefined && state.reference?.length !== M) {
      throw new SpikeflowError(
        'deltaEncoder.run',
        'state',
        `state holds ${state.reference?.length} references, the chunk has ${M} features`,
      );
    }
    const ref = state === undefined ? new Float64Array(M).fill(initial) : Float64Array.from(state.reference);
    const out = allocate(dtypeOf(xs), T * 2 * M);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let n = 0; n < N; n++) {
          const x = xs.data[(t * B + b) * N + n] as number;
          if (!Number.isFinite(x))
            throw new SpikeflowError('deltaEncoder.run', 'xs', `xs[${t}, ${b}, ${n}] must be finite, received ${show(x)}`);
          const k = b * N + n;
          const d = x - (ref[k] as number);
          if (d >= threshold) {
            out[(t * B + b) * 2 * N + n] = 1;
            ref[k] = x;
          } else if (d <= -threshold) {
            out[(t * B + b) * 2 * N + N + n] = 1;
            ref[k] = x;
          }
        }
      }
    }
    return [fromTypedArray(out, [T, B, 2 * N]), Object.freeze({ reference: ref })];
  };
  return Object.freeze({ name: 'delta' as const, threshold, run });
};

/**
 * Send-on-delta encoding as an RxJS operator over chunks `[T, batch, N]` → spikes `[T, batch, 2N]`
 * (state threaded by `scan`, so any chunking gives the same spikes).
 * @param threshold - θ > 0
 * @param options - `initial` reference level
 */
export const deltaSpikes = (threshold: number, options: DeltaOptions = {}): OperatorFunction<Tensor, Tensor> => {
  const encoder = deltaEncoder(threshold, options);
  return (source) =>
    source.pipe(
      scan<Tensor, readonly [Tensor, DeltaState | undefined]>(
        (prev, xs) => encoder.run(xs, prev[1]),
        [fromTypedArray(new Float32Array(0), [0]), undefined],
      ),
      map(([spikes]) => spikes),
    );
};
