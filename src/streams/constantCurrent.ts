/**
 * `constantCurrent`: the same input current at every step.
 * @module
 */
import type { Observable } from 'rxjs';
import { allocate, type DType, fromTypedArray, type NestedArray, type Tensor } from '../ops/tensor.js';
import { type ClockedOptions, clockedSource, resolveClock } from './clocked.js';
import { checkDtype, checkInteger, checkOptions, stepTensor } from './internal.js';

/** Options of {@link constantCurrent}. */
export interface ConstantCurrentOptions extends ClockedOptions {
  /** Step shape `[batch, ...]`; required when the value is a number. */
  readonly shape?: readonly number[];
  /** Number of steps (integer ≥ 0 or `Infinity`, the default). */
  readonly steps?: number;
  /** dtype of the chunks (default `float32`). */
  readonly dtype?: DType;
}

/**
 * A constant input: every step equals `value` (one step `[batch, ...]`), emitted in chunks
 * `[T, batch, ...]`. Chunks of equal length are the same (immutable) tensor, so a long run
 * allocates nothing per chunk.
 * @param value - a number (with `options.shape`), nested arrays or a tensor, one step `[batch, ...]`
 * @param options - `shape`, `steps` (default `Infinity`: stop it with `take` or a finite clock), `chunk`, `clock`, `dtype`
 * @throws SpikeflowError for a number without `shape`, a value that does not match `shape`, or bad options
 */
export const constantCurrent = (value: number | NestedArray | Tensor, options: ConstantCurrentOptions = {}): Observable<Tensor> => {
  const where = 'constantCurrent';
  checkOptions(where, options, ['shape', 'steps', 'dtype', 'chunk', 'clock']);
  const dtype = checkDtype(where, options.dtype);
  const step = stepTensor(where, 'value', value, dtype, options.shape);
  const steps = checkInteger(where, 'steps', options.steps ?? Number.POSITIVE_INFINITY, 0, true);
  const M = step.data.length;
  const cache = new Map<number, Tensor>();
  const chunkOf = (T: number): Tensor => {
    let c = cache.get(T);
    if (c === undefined) {
      const data = allocate(dtype, T * M);
      for (let t = 0; t < T; t++) data.set(step.data, t * M);
      c = fromTypedArray(data, [T, ...step.shape]);
      if (cache.size >= 4) cache.clear();
      cache.set(T, c);
    }
    return c;
  };
  return clockedSource(resolveClock(where, options, steps), steps, (start, end) => chunkOf(end - start));
};
