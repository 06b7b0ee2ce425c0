/**
 * `fromTensor`: a recorded input (tensor or nested arrays) as a stream of chunks.
 * @module
 */
import type { Observable } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import { clone, type DType, dtypeOf, isTensor, type NestedArray, showShape, type Tensor, tensor } from '../ops/tensor.js';
import { type ClockedOptions, chunkedSource } from './clocked.js';
import { checkDtype, checkOptions } from './internal.js';

/** Options of {@link fromTensor}. */
export interface FromTensorOptions extends ClockedOptions {
  /** dtype of the chunks (default: the tensor's own, `float32` for nested arrays); another dtype copies once. */
  readonly dtype?: DType;
}

/**
 * Splits an input `[T, batch, ...]` (time first) into chunks along time: `[chunk, batch, ...]`
 * each, the last one possibly shorter. Chunks of a tensor are views of it (no copy). With the
 * default virtual clock the chunks are emitted synchronously, as fast as they are consumed; with a
 * `clock` (e.g. {@link realTimeClock}) each tick emits its steps, and the stream completes after
 * the last step.
 * @param xs - a tensor or nested arrays `[T, batch, ...]` (rank ≥ 2)
 * @param options - `chunk` (default 100, or a list of sizes), `clock`, `dtype`
 * @throws SpikeflowError when `xs` is not an array/tensor of rank ≥ 2, or an option is invalid
 */
export const fromTensor = (xs: Tensor | NestedArray, options: FromTensorOptions = {}): Observable<Tensor> => {
  const where = 'fromTensor';
  checkOptions(where, options, ['chunk', 'clock', 'dtype']);
  let t: Tensor;
  if (xs !== null && typeof xs === 'object' && 'data' in xs) {
    const given = isTensor('input', xs);
    if (given._tag === 'Left') throw new SpikeflowError(where, 'input', given.left.message);
    t =
      options.dtype === undefined || options.dtype === dtypeOf(given.right)
        ? given.right
        : clone(given.right, checkDtype(where, options.dtype));
  } else if (Array.isArray(xs)) {
    t = tensor(xs, checkDtype(where, options.dtype));
  } else {
    throw new SpikeflowError(where, 'input', `input must be a tensor or nested arrays [T, batch, ...], received ${show(xs)}`);
  }
  if (t.shape.length < 2) {
    throw new SpikeflowError(where, 'input', `input must be [T, batch, ...] (time first), received shape ${showShape(t.shape)}`);
  }
  const T = t.shape[0] as number;
  const inner = t.shape.slice(1);
  const M = t.data.length / Math.max(T, 1);
  // a view of steps [start, end): what `slice` returns, without re-validating a shape known to be valid
  const view = (start: number, end: number): Tensor =>
    Object.freeze({ shape: Object.freeze([end - start, ...inner]), data: t.data.subarray(start * M, end * M) });
  return chunkedSource(where, options, T, view);
};
