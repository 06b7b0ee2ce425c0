/**
 * `fromSteps`: a generator function (or any iterable) of single steps as a stream of chunks.
 * @module
 */
import { defer, EMPTY, filter, finalize, map, type Observable, takeWhile } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import { allocate, type DType, fromTypedArray, type NestedArray, sameShape, showShape, type Tensor } from '../ops/tensor.js';
import { type ClockedOptions, resolveClock } from './clocked.js';
import { checkDtype, checkInteger, checkOptions, stepTensor } from './internal.js';
import type { Tick } from './tick.js';

/** One step `[batch, ...]`: nested arrays or a tensor. */
export type StepValue = NestedArray | Tensor;

/** Options of {@link fromSteps}. */
export interface FromStepsOptions extends ClockedOptions {
  /** Most steps to take (integer ≥ 0 or `Infinity`, the default): the stream ends then or when the iterable ends. */
  readonly steps?: number;
  /** dtype of the chunks (default `float32`). */
  readonly dtype?: DType;
}

/**
 * Groups steps `[batch, ...]` produced one by one into chunks `[T, batch, ...]`. Pass a generator
 * function (`function* () { for (let k = 0; ; k++) yield [[Math.sin(k / 10)]]; }`), called anew for
 * every subscription, or an iterable (an array of steps; a generator object can be consumed
 * only once). Values are pulled only when the clock asks for steps; when a real-time clock drops
 * steps, the values of the dropped steps are pulled and discarded so the input stays aligned with
 * time.
 * @param input - a function returning an iterable of steps, or an iterable of steps
 * @param options - `steps`, `chunk` (default 100), `clock`, `dtype`
 * @throws SpikeflowError (at construction) for bad options; the stream errors when a step is not a
 *   number array/tensor or its shape differs from the first step's
 */
export const fromSteps = (input: (() => Iterable<StepValue>) | Iterable<StepValue>, options: FromStepsOptions = {}): Observable<Tensor> => {
  const where = 'fromSteps';
  checkOptions(where, options, ['steps', 'dtype', 'chunk', 'clock']);
  const dtype = checkDtype(where, options.dtype);
  const total = checkInteger(where, 'steps', options.steps ?? Number.POSITIVE_INFINITY, 0, true);
  const isIterable = (v: unknown): v is Iterable<StepValue> =>
    v !== null && typeof v === 'object' && typeof (v as Iterable<StepValue>)[Symbol.iterator] === 'function';
  if (typeof input !== 'function' && !isIterable(input)) {
    throw new SpikeflowError(where, 'input', `input must be a generator function or an iterable of steps, received ${show(input)}`);
  }
  const clock = resolveClock(where, options, total);
  if (total === 0) return EMPTY;
  return defer(() => {
    const iterable = typeof input === 'function' ? input() : input;
    if (!isIterable(iterable)) {
      throw new SpikeflowError(where, 'input', `input() must return an iterable of steps, received ${show(iterable)}`);
    }
    const iterator = iterable[Symbol.iterator]();
    let position = 0;
    let done = false; // no more steps will be taken
    let exhausted = false; // the iterator said it is done
    let shape: readonly number[] | undefined;
    const pull = (): Tensor | undefined => {
      const r = iterator.next();
      if (r.done === true) {
        done = true;
        exhausted = true;
        return undefined;
      }
      const t = stepTensor(where, `step ${position}`, r.value, dtype);
      if (shape === undefined) shape = t.shape;
      else if (!sameShape(shape, t.shape)) {
        throw new SpikeflowError(where, 'input', `step ${position} has shape ${showShape(t.shape)} but step 0 had ${showShape(shape)}`);
      }
      position++;
      if (position >= total) done = true;
      return t;
    };
    const chunkFor = (tick: Tick): Tensor | undefined => {
      while (!done && position < tick.step) pull();
      const rows: Tensor[] = [];
      while (!done && rows.length < tick.steps) {
        const t = pull();
        if (t !== undefined) rows.push(t);
      }
      const first = rows[0];
      if (first === undefined) return undefined;
      const M = first.data.length;
      const data = allocate(dtype, rows.length * M);
      rows.forEach((r, k) => {
        data.set(r.data, k * M);
      });
      return fromTypedArray(data, [rows.length, ...first.shape]);
    };
    return clock.pipe(
      map(chunkFor),
      takeWhile(() => !done, true),
      filter((chunk): chunk is Tensor => chunk !== undefined),
      finalize(() => {
        if (!exhausted) iterator.return?.();
        done = true;
        exhausted = true;
      }),
    );
  });
};
