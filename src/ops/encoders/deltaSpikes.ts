/**
 * `deltaSpikes`: delta (threshold-crossing) spike encoding of sampled signals, e.g. cochlea
 * envelopes or sensor channels. Per feature, a reference level `r` (initially `initial`) is
 * compared with each sample `x`:
 * ```
 * x − r ≥ θ   →  ON spike
 * x − r ≤ −θ  →  OFF spike
 * ```
 * and then updated according to `reference`:
 * - `'lastSpike'` (default): `r ← x` only when a spike is sent — send-on-delta (Miśkowicz 2006),
 *   the rule of event cameras: slow drifts accumulate until they cross θ. For
 *   `[1, 2, 2.9, 3, 3.9]`, θ = 1: ON = `[1, 1, 0, 1, 0]` (3 − 2 ≥ 1).
 * - `'previousSample'`: `r ← x` at every step — the difference of successive samples, snnTorch's
 *   `spikegen.delta` (`padding=False`: the sample before the first is `initial` = 0; its
 *   `padding=True` is `initial` equal to the first sample). Slow drifts never spike. For
 *   `[1, 2, 2.9, 3, 3.9]`, θ = 1: ON = `[1, 1, 0, 0, 0]`.
 *
 * A feature emits at most one spike per step, ON in the first `N` outputs and OFF in the last `N`
 * (snnTorch's `off_spike=True` puts −1 in the same channel instead): `[T, batch, N]` becomes
 * `[T, batch, 2N]` of 0/1 in the input's dtype. The encoder is pure (`run(xs, state) → [spikes,
 * state]`), so chunking the input does not change the spikes.
 * Source: M. Miśkowicz, "Send-on-delta concept: an event-based data reporting strategy", Sensors
 * 2006; snnTorch `snntorch.spikegen.delta` (`'previousSample'`).
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
  /**
   * When the reference level follows the signal (default `'lastSpike'`): at each spike
   * (send-on-delta) or at every sample (`'previousSample'`, snnTorch's `spikegen.delta`).
   */
  readonly reference?: 'lastSpike' | 'previousSample';
}

/** A send-on-delta encoder: a pure `run` over chunks `[T, batch, N]`. */
export interface DeltaEncoder {
  readonly name: 'delta';
  /** Threshold θ (> 0). */
  readonly threshold: number;
  /** When the reference level follows the signal: `'lastSpike'` or `'previousSample'`. */
  readonly reference: 'lastSpike' | 'previousSample';
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
 * @param options - `initial` reference level (default 0), `reference` (`'lastSpike'` default, `'previousSample'`)
 * @throws SpikeflowError for a non-positive threshold, an unknown `reference`; `run` throws for a chunk that is not `[T, batch, N]`
 *   with finite values, or a state of the wrong size
 */
export const deltaEncoder = (threshold: number, options: DeltaOptions = {}): DeltaEncoder => {
  const where = 'deltaEncoder';
  if (!(typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0)) {
    throw new SpikeflowError(where, 'threshold', `threshold must be a finite number > 0, received ${show(threshold)}`);
  }
  const initial = options.initial ?? 0;
  if (!Number.isFinite(initial)) throw new SpikeflowError(where, 'initial', `initial must be a finite number, received ${show(initial)}`);
  const reference = options.reference ?? 'lastSpike';
  if (reference !== 'lastSpike' && reference !== 'previousSample') {
    throw new SpikeflowError(where, 'reference', `reference must be "lastSpike" or "previousSample", received ${show(reference)}`);
  }
  const everySample = reference === 'previousSample';
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
          } else if (everySample) ref[k] = x;
        }
      }
    }
    return [fromTypedArray(out, [T, B, 2 * N]), Object.freeze({ reference: ref })];
  };
  return Object.freeze({ name: 'delta' as const, threshold, reference, run });
};

/**
 * Send-on-delta encoding as an RxJS operator over chunks `[T, batch, N]` → spikes `[T, batch, 2N]`
 * (state threaded by `scan`, so any chunking gives the same spikes).
 * @param threshold - θ > 0
 * @param options - `initial` reference level, `reference` (`'lastSpike'` default, `'previousSample'`)
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
