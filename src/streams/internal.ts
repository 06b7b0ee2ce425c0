/**
 * Helpers shared by the stream sources and operators (not part of the public API): argument
 * checks, the step-boundary rule and observer sinks.
 * @module
 */
import type { Observer } from 'rxjs';
import type { Layer } from '../neurons/sequential.js';
import { orThrow, SpikeflowError, show } from '../ops/errors.js';
import { clone, type DType, dtypeOf, full, isTensor, type NestedArray, sameShape, showShape, type Tensor, tensor } from '../ops/tensor.js';
import { checkOption } from '../ops/validate.js';

/** Steps per chunk when a source is given neither `chunk` nor `clock`. */
export const DEFAULT_CHUNK = 100;

/**
 * Index of the step that holds time `elapsed` when steps are `width` long and step k covers the
 * half-open interval `[k·width, (k+1)·width)`: an instant exactly on a boundary belongs to the
 * later step. A quotient within a relative 1e-9 of an integer counts as on the boundary, so that
 * `0.043 s` with `dt = 0.001 s` is step 43 although `0.043 / 0.001` is 42.99999999999999 in
 * floating point.
 */
export const stepIndex = (elapsed: number, width: number): number => {
  const q = elapsed / width;
  const r = Math.round(q);
  return Math.abs(q - r) <= 1e-9 * Math.max(1, Math.abs(q)) ? r : Math.floor(q);
};

/** Throws unless `value` is an integer ≥ `min` (or, with `infinite`, `Infinity`). */
export const checkInteger = (where: string, argument: string, value: unknown, min: number, infinite = false): number => {
  if (typeof value === 'number' && ((Number.isInteger(value) && value >= min) || (infinite && value === Number.POSITIVE_INFINITY))) {
    return value;
  }
  const expected = `an integer >= ${min}${infinite ? ' or Infinity' : ''}`;
  throw new SpikeflowError(where, argument, `${argument} must be ${expected}, received ${show(value)}`);
};

/**
 * Checks a `chunk` option: an integer ≥ 1 or a non-empty list of them. Returns the list of sizes.
 * @throws SpikeflowError (`chunk`) for anything else
 */
export const checkChunk = (where: string, chunk: unknown): readonly number[] => {
  if (typeof chunk === 'number') return [checkInteger(where, 'chunk', chunk, 1)];
  if (!Array.isArray(chunk) || chunk.length === 0) {
    throw new SpikeflowError(where, 'chunk', `chunk must be an integer >= 1 or a non-empty list of them, received ${show(chunk)}`);
  }
  return chunk.map((s, k) => checkInteger(where, `chunk[${k}]`, s, 1));
};

/**
 * A step value given as a number (with `shape`), nested arrays, or a tensor, as a tensor of
 * `dtype` (`[batch, ...]`). Tensors of another dtype are copied and converted.
 * @throws SpikeflowError naming `argument` when the value or shape is invalid
 */
export const stepTensor = (where: string, argument: string, value: unknown, dtype: DType, shape?: readonly number[]): Tensor => {
  let t: Tensor;
  if (typeof value === 'number') {
    if (shape === undefined) {
      throw new SpikeflowError(where, 'shape', `shape (the step shape [batch, ...]) is required when ${argument} is a number`);
    }
    t = full(shape, value, dtype);
  } else if (value !== null && typeof value === 'object' && 'data' in value) {
    const v = orThrow(where)(isTensor(argument, value));
    t = dtypeOf(v) === dtype ? v : clone(v, dtype);
  } else if (Array.isArray(value)) {
    t = tensor(value as NestedArray, dtype);
  } else {
    throw new SpikeflowError(where, argument, `${argument} must be a number, nested arrays or a tensor, received ${show(value)}`);
  }
  if (t.shape.length < 1) {
    throw new SpikeflowError(where, argument, `${argument} must be one step [batch, ...], received shape ${showShape(t.shape)}`);
  }
  if (shape !== undefined && !sameShape(shape, t.shape)) {
    throw new SpikeflowError(where, 'shape', `${argument} has shape ${showShape(t.shape)} but shape is ${showShape(shape)}`);
  }
  return t;
};

export { checkOption, checkOptions } from '../ops/validate.js';

/** Checks a `dtype` option (default `float32`). */
export const checkDtype = (where: string, dtype: unknown): DType => checkOption(where, 'dtype', dtype ?? 'float32', ['float32', 'float64']);

/** Where a stream reports side information (probes, statistics): a callback or a partial observer. */
export type Sink<A> = ((value: A) => void) | Partial<Observer<A>>;

/**
 * Returns a function delivering values to a sink (or `undefined` when there is none).
 * @throws SpikeflowError (`argument`) when the sink is neither a function nor an observer with `next`
 */
export const sinkOf = <A>(where: string, argument: string, sink: Sink<A> | undefined): ((value: A) => void) | undefined => {
  if (sink === undefined) return undefined;
  if (typeof sink === 'function') return sink;
  if (sink !== null && typeof sink === 'object') return (value: A) => sink.next?.(value);
  throw new SpikeflowError(where, argument, `${argument} must be a function or an observer { next }, received ${show(sink)}`);
};

/**
 * Checks that `l` is a layer `{ name, run }` or, unless `layersOnly`, a chunk function.
 * @throws SpikeflowError (`argument`) naming what was expected and received
 */
export const checkLayer = (where: string, argument: string, l: unknown, layersOnly = false): void => {
  if (!layersOnly && typeof l === 'function') return;
  const v = l as Layer<unknown> | null;
  if (v === null || typeof v !== 'object' || typeof v.run !== 'function') {
    const what = layersOnly
      ? 'a layer { name, run } (e.g. neuron(lif)) or an operator'
      : 'a layer { name, run } (e.g. neuron(lif)) or a chunk function';
    throw new SpikeflowError(where, argument, `${argument} must be ${what}, received ${show(l)}`);
  }
};
