/**
 * Per-neuron parameters (as in Norse, where any parameter may be a tensor): a numeric parameter
 * given as a tensor (or nested arrays) holds one value per neuron and broadcasts against the
 * state shape `[batch, ...features]` by NumPy's rule — shapes aligned at their last dimension,
 * each dimension equal to the state's or 1 — so `vTh` of shape `[N]`, `[1, N]` or `[B, N]` gives
 * every neuron of a `[B, N]` layer its own threshold. A 0-d tensor is a scalar.
 *
 * The model's own functions (derived update values, initial state, cross-parameter checks) see
 * scalars only: they run once per element of the parameters' joint shape, and a derived value
 * that comes out the same for every element stays a scalar (so a layer whose parameters are all
 * scalars computes exactly what it did before, bit for bit). Values that differ per neuron reach
 * the backends as `[M]` arrays (`paramArrays` of the request).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';
import { SpikeflowError, show } from '../ops/errors.js';
import {
  allocate,
  type DType,
  fromTypedArray,
  type NestedArray,
  showShape,
  sizeOf,
  type Tensor,
  type TensorData,
  tensor,
} from '../ops/tensor.js';
import { orThrowAll, problem, rangeCheck, type Validated } from '../ops/validate.js';

/** Range of a numeric parameter. */
export type NumberRange = 'finite' | 'positive' | 'nonNegative';

const isTensorLike = (v: unknown): v is Tensor =>
  v !== null && typeof v === 'object' && 'data' in (v as object) && 'shape' in (v as object);

/** Multi-index of flat element `e` of `shape`, as text (`[1, 2]`). */
const indexText = (e: number, shape: readonly number[]): string => {
  const idx: number[] = [];
  let r = e;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    idx.unshift(r % n);
    r = Math.floor(r / n);
  }
  return `[${idx.join(', ')}]`;
};

/**
 * A numeric parameter given as a tensor or nested arrays: validated element by element (finite,
 * and in `range`) and returned as a float64 tensor — or as a number when it is 0-d. The problem,
 * if any, names `key` and the first bad element, e.g. `tauMemInv[2] must be > 0, received 0`.
 */
export const tensorParameterV = (key: string, range: NumberRange, value: Tensor | NestedArray): Validated<number | Tensor> => {
  let t: Tensor;
  if (isTensorLike(value)) {
    if (!Array.isArray(value.shape) || !(value.data instanceof Float32Array || value.data instanceof Float64Array)) {
      return problem(key, `${key} must be a number or a tensor, received ${show(value)}`);
    }
    const d = new Float64Array(value.data.length);
    d.set(value.data);
    t = fromTypedArray(d, value.shape);
  } else {
    try {
      t = tensor(value, 'float64');
    } catch (e) {
      return problem(key, `${key} must be a number, a tensor or nested arrays of numbers: ${(e as Error).message}`);
    }
  }
  if (sizeOf(t.shape) !== t.data.length) return problem(key, `${key} has shape ${showShape(t.shape)} but ${t.data.length} values`);
  const check = rangeCheck(range);
  for (let e = 0; e < t.data.length; e++) {
    const bad = check(`${key}${indexText(e, t.shape)}`, t.data[e]);
    if (E.isLeft(bad)) return problem(key, bad.left.message);
  }
  return E.right(t.shape.length === 0 ? (t.data[0] as number) : Object.freeze(t));
};

/**
 * A numeric parameter given as a tensor or nested arrays, validated (see {@link tensorParameterV}).
 * @throws SpikeflowError naming `key` and the first bad element, e.g. `tauMemInv[2] must be > 0, received 0`
 */
export const tensorParameter = (where: string, key: string, range: NumberRange, value: Tensor | NestedArray): number | Tensor =>
  orThrowAll(where)(tensorParameterV(key, range, value));

/**
 * The joint shape of per-neuron parameters (NumPy broadcasting).
 * @throws SpikeflowError when two of them do not broadcast together
 */
export const jointShape = (where: string, tensors: readonly (readonly [string, Tensor])[]): number[] => {
  const rank = Math.max(0, ...tensors.map(([, t]) => t.shape.length));
  const shape = Array<number>(rank).fill(1);
  const from = new Array<string>(rank).fill('');
  for (const [key, t] of tensors) {
    const off = rank - t.shape.length;
    t.shape.forEach((n, d) => {
      const have = shape[off + d] as number;
      if (n === 1 || n === have) return;
      if (have !== 1) {
        throw new SpikeflowError(
          where,
          key,
          `${key} has shape ${showShape(t.shape)}, which does not broadcast with ${from[off + d]} (dimension ${d - t.shape.length} is ${n}, not ${have} or 1)`,
        );
      }
      shape[off + d] = n;
      from[off + d] = `${key} ${showShape(t.shape)}`;
    });
  }
  return shape;
};

/** Flat offsets into `t` for every element of `shape` (which `t` broadcasts to). */
const broadcastOffsets = (tShape: readonly number[], shape: readonly number[]): Int32Array => {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const off = shape.length - tShape.length;
  const strides = shape.map(() => 0);
  let s = 1;
  for (let d = tShape.length - 1; d >= 0; d--) {
    const size = tShape[d] as number;
    strides[off + d] = size === 1 ? 0 : s;
    s *= size;
  }
  for (let e = 0; e < n; e++) {
    let r = e;
    let o = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d] as number;
      o += (r % size) * (strides[d] as number);
      r = Math.floor(r / size);
    }
    out[e] = o;
  }
  return out;
};

/**
 * Checks that a per-neuron parameter broadcasts to the state shape.
 * @throws SpikeflowError naming the parameter, its shape and the state shape
 */
export const checkBroadcast = (where: string, key: string, shape: readonly number[], stateShape: readonly number[]): void => {
  const off = stateShape.length - shape.length;
  const ok = off >= 0 && shape.every((n, d) => n === 1 || n === stateShape[off + d]);
  if (!ok) {
    throw new SpikeflowError(
      where,
      key,
      `parameter ${key} has shape ${showShape(shape)}, which does not broadcast to the state shape ${showShape(stateShape)} (expected its last dimensions to equal the state's or be 1)`,
    );
  }
};

/** Values derived per element of the joint shape: a number where every element agrees, else one value per element. */
export type PerElement = number | Float64Array;

/** The elements of the per-neuron parameters' joint shape, each seen as a scalar record. */
export interface ElementRecords<R> {
  /** Joint shape of the per-neuron parameters. */
  readonly shape: readonly number[];
  /** The per-neuron parameters by name. */
  readonly tensors: readonly (readonly [string, Tensor])[];
  /** Number of elements. */
  readonly count: number;
  /**
   * Calls `f` with the scalar record of each element in turn (the parameters with each tensor
   * replaced by the element's value). The record is one object refilled per element: `f` must
   * not keep it (so a million neurons cost no million objects).
   */
  readonly forEach: (f: (record: R, element: number) => void) => void;
}

/**
 * Views a validated record with per-neuron tensors as one scalar record per element.
 * @param numeric - names of the numeric parameters (only those may hold per-neuron tensors)
 * @throws SpikeflowError when the per-neuron parameters do not broadcast together
 */
export const elementRecords = <R>(where: string, params: R, numeric: readonly string[]): ElementRecords<R> | undefined => {
  const tensors = numeric.flatMap((k) => {
    const v = (params as Record<string, unknown>)[k];
    return isTensorLike(v) ? [[k, v] as const] : [];
  });
  if (tensors.length === 0) return undefined;
  const shape = jointShape(where, tensors);
  const offsets = tensors.map(([, t]) => broadcastOffsets(t.shape, shape));
  const count = sizeOf(shape);
  const forEach = (f: (record: R, element: number) => void): void => {
    const r: Record<string, unknown> = { ...(params as Record<string, unknown>) };
    for (let e = 0; e < count; e++) {
      tensors.forEach(([k, t], j) => {
        r[k] = t.data[(offsets[j] as Int32Array)[e] as number];
      });
      f(r as R, e);
    }
  };
  return { shape, tensors, count, forEach };
};

/** Collects a value derived per element: a number when every element gives the same (same bits), else the array. */
export const collect = (values: readonly number[]): PerElement => {
  const first = values[0] as number;
  if (values.every((v) => Object.is(v, first))) return first;
  return Float64Array.from(values);
};

/**
 * Expands a per-element array over the joint shape to the state shape (`[M]` in the dtype: float32
 * rounds each value, as a scalar parameter is rounded).
 */
export const expandTo = (values: Float64Array, shape: readonly number[], stateShape: readonly number[], dtype: DType): TensorData => {
  const offsets = broadcastOffsets(shape, stateShape);
  const out = allocate(dtype, offsets.length);
  for (let e = 0; e < offsets.length; e++) out[e] = values[offsets[e] as number] as number;
  return out;
};
