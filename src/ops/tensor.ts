/**
 * Tensors: a shape plus a row-major typed array, treated as immutable once returned.
 *
 * `float32` (Float32Array) is the default dtype; `float64` (Float64Array) exists so results can be
 * compared with Norse's float64 traces to the last bit. Time-first convention: a chunk of input is
 * `[T, batch, ...features]`, one step `[batch, ...features]` (as in Norse and torch).
 * @module
 */
import { type Check, finiteNumber, invalid, orThrow, SpikeflowError, show } from './errors.js';
import { heapAllocate, sharedHeapEnabled } from './sharedHeap.js';
import { noteSharedAllocation } from './sharedPressure.js';

/** Element type of a tensor. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor of the given dtype. */
export type DataOf<D extends DType> = D extends 'float64' ? Float64Array : Float32Array;

/** Any tensor storage. */
export type TensorData = Float32Array | Float64Array;

/**
 * A dense row-major tensor. `data.length` equals the product of `shape`.
 * Spikes are stored as 0/1 in the tensor's dtype (as in Norse).
 */
export interface Tensor {
  /** Sizes of each dimension, outermost first (time first for chunks: `[T, batch, N]`). */
  readonly shape: readonly number[];
  /** Row-major element storage. Never mutate a tensor you did not just allocate. */
  readonly data: TensorData;
}

/** Nested arrays of numbers, e.g. `[[1, 2], [3, 4]]`. */
export type NestedArray = number | readonly NestedArray[];

/** Returns the dtype of a tensor's storage. */
export const dtypeOf = (t: { readonly data: TensorData }): DType => (t.data instanceof Float64Array ? 'float64' : 'float32');

/** Number of elements of a shape (product of its sizes; 1 for a scalar shape `[]`). */
export const sizeOf = (shape: readonly number[]): number => {
  // A loop, not `reduce` with an arrow: a closure made per call loses its optimised code at every
  // full collection, and this runs for every chunk of a stream.
  let n = 1;
  for (let k = 0; k < shape.length; k++) n *= shape[k] as number;
  return n;
};

/**
 * Storage of at least this many bytes is allocated in shared memory (a `SharedArrayBuffer`) by
 * {@link allocate} where worker threads exist (Node): the `threads` backend then reads and writes
 * it in place instead of copying it (1 MiB: smaller arrays cost less to copy than to share).
 */
export const SHARED_FROM_BYTES = 1 << 20;

/** Whether this runtime offers shared memory to worker threads (Node, Deno, Bun; not a page, whose workers are the browser backends' business). */
const sharedByDefault =
  typeof SharedArrayBuffer === 'function' &&
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

/**
 * Allocates zeroed storage in shared memory (a `SharedArrayBuffer`, which worker threads read and
 * write without copies), or ordinary storage where `SharedArrayBuffer` does not exist (a page
 * without cross-origin isolation). In a cross-origin isolated browser realm, the storage lives in
 * the shared heap (`sharedHeap.ts`: one shared WebAssembly memory, which the `threads` kernels of
 * every Web Worker read and write in place; recycled once the garbage collector frees what refers
 * to it).
 * @param dtype - `float32` or `float64`
 * @param length - number of elements (integer ≥ 0)
 */
export const allocateShared = (dtype: DType, length: number): TensorData => {
  if (typeof SharedArrayBuffer !== 'function') return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  if (sharedHeapEnabled()) {
    const a = heapAllocate(dtype, length, true);
    if (a !== undefined) return a;
  }
  const bytes = length * (dtype === 'float64' ? 8 : 4);
  noteSharedAllocation(bytes);
  const sab = new SharedArrayBuffer(bytes);
  return dtype === 'float64' ? new Float64Array(sab) : new Float32Array(sab);
};

/**
 * Allocates zeroed storage of `length` elements of `dtype`: in shared memory from
 * {@link SHARED_FROM_BYTES} on where worker threads exist (so tensors made by spikeflow —
 * `zeros`, `tensor`, encoders, layer outputs — reach the `threads` backend without a copy),
 * else an ordinary typed array. Either way a `Float32Array` or `Float64Array`.
 */
export const allocate = (dtype: DType, length: number): TensorData =>
  sharedByDefault && length * (dtype === 'float64' ? 8 : 4) >= SHARED_FROM_BYTES
    ? allocateShared(dtype, length)
    : dtype === 'float64'
      ? new Float64Array(length)
      : new Float32Array(length);

/**
 * A tensor of zeros in shared memory ({@link allocateShared}), whatever its size: fill it (you
 * own it until you hand it on) and pass it to a `threads` run, which reads it in place.
 * @param shape - sizes, e.g. `[T, batch, N]`
 * @param dtype - `float32` (default) or `float64`
 * @throws SpikeflowError when the shape is not non-negative integers
 */
export const sharedTensor = (shape: readonly number[], dtype: DType = 'float32'): Tensor =>
  fromTypedArray(allocateShared(dtype, sizeOf(checkShape('sharedTensor', shape))), shape);

/** True when two shapes are equal element by element. */
export const sameShape = (a: readonly number[], b: readonly number[]): boolean => {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
};

/** Whether `shape` is an array of non-negative integers (a loop: no closure per call). */
export const isShape = (shape: unknown): shape is readonly number[] => {
  if (!Array.isArray(shape)) return false;
  for (let k = 0; k < shape.length; k++) {
    const s = shape[k];
    if (!Number.isInteger(s) || s < 0) return false;
  }
  return true;
};

let lastLeading: readonly number[] | undefined;

/**
 * `[n, ...shape]`, frozen (e.g. a run's output shape `[T, ...stateShape]`); the last one is handed
 * out again while equal, so that a stream's chunks of one size share it (no array per chunk).
 * @param n - the leading size
 * @param shape - the inner sizes
 */
export const withLeading = (n: number, shape: readonly number[]): readonly number[] => {
  const l = lastLeading;
  if (l !== undefined && l[0] === n && l.length === shape.length + 1) {
    let same = true;
    for (let k = 0; same && k < shape.length; k++) same = l[k + 1] === shape[k];
    if (same) return l;
  }
  const s = Object.freeze([n, ...shape]);
  lastLeading = s;
  return s;
};

/** Formats a shape as `[2, 3]`. */
export const showShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

const checkShape = (where: string, shape: readonly number[]): readonly number[] => {
  if (!isShape(shape)) {
    throw new SpikeflowError(where, 'shape', `shape must be an array of non-negative integers, received ${show(shape)}`);
  }
  // A frozen array cannot change: tensors may share it (a stream's chunks and states share one
  // shape per run instead of copying it per tensor).
  return Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
};

/**
 * Wraps a typed array as a tensor of the given shape (no copy; the tensor takes ownership).
 * @param data - row-major storage (Float32Array or Float64Array)
 * @param shape - sizes; defaults to `[data.length]` (copied and frozen, unless already frozen: then kept as is)
 * @throws SpikeflowError when the shape is not non-negative integers or its size differs from `data.length`
 */
export const fromTypedArray = (data: TensorData, shape: readonly number[] = [data.length]): Tensor => {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new SpikeflowError('tensor', 'data', `data must be a Float32Array or Float64Array, received ${show(data)}`);
  }
  const s = checkShape('tensor', shape);
  if (sizeOf(s) !== data.length) {
    throw new SpikeflowError('tensor', 'shape', `shape ${showShape(s)} holds ${sizeOf(s)} elements but data has ${data.length}`);
  }
  return Object.freeze({ shape: s, data });
};

const nestedShape = (value: NestedArray, path: string): number[] => {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value)) {
    throw new SpikeflowError('tensor', 'values', `values${path} must be a number or an array, received ${show(value)}`);
  }
  if (value.length === 0) return [0];
  const inner = nestedShape(value[0] as NestedArray, `${path}[0]`);
  for (let k = 1; k < value.length; k++) {
    const other = nestedShape(value[k] as NestedArray, `${path}[${k}]`);
    if (!sameShape(inner, other)) {
      throw new SpikeflowError(
        'tensor',
        'values',
        `ragged nested array: values${path}[${k}] has shape ${showShape(other)} but values${path}[0] has ${showShape(inner)}`,
      );
    }
  }
  return [value.length, ...inner];
};

/**
 * Builds a tensor from nested arrays (`[[1, 2], [3, 4]]` → shape `[2, 2]`), a number (shape `[]`),
 * or a typed array (shape `[length]`, copied).
 * @param values - nested arrays of finite or non-finite numbers (validation of finiteness is left
 *   to the functions that consume tensors)
 * @param dtype - `float32` (default) or `float64`
 * @throws SpikeflowError for ragged arrays or non-numeric entries
 */
export const tensor = (values: NestedArray | TensorData | readonly number[], dtype: DType = 'float32'): Tensor => {
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const data = allocate(dtype, values.length);
    data.set(values);
    return fromTypedArray(data, [values.length]);
  }
  const shape = nestedShape(values as NestedArray, '');
  const data = allocate(dtype, sizeOf(shape));
  let k = 0;
  const fill = (v: NestedArray): void => {
    if (typeof v === 'number') data[k++] = v;
    else for (const x of v) fill(x);
  };
  fill(values as NestedArray);
  return fromTypedArray(data, shape);
};

/**
 * A tensor of zeros.
 * @param shape - sizes, e.g. `[T, batch, N]`
 * @param dtype - `float32` (default) or `float64`
 */
export const zeros = (shape: readonly number[], dtype: DType = 'float32'): Tensor =>
  fromTypedArray(allocate(dtype, sizeOf(checkShape('zeros', shape))), shape);

/**
 * A tensor filled with one value.
 * @param shape - sizes
 * @param value - the fill value
 * @param dtype - `float32` (default) or `float64`
 */
export const full = (shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor => {
  const data = allocate(dtype, sizeOf(checkShape('full', shape)));
  data.fill(value);
  return fromTypedArray(data, shape);
};

/** Row-major strides of a shape. */
export const stridesOf = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k] as number;
  }
  return strides;
};

/**
 * Reads one element: `at(t, 2, 0, 1)` is `t[2][0][1]`. Negative indices count from the end.
 * @throws SpikeflowError when the number of indices differs from the rank or an index is out of range
 */
export const at = (t: Tensor, ...index: number[]): number => {
  if (index.length !== t.shape.length) {
    throw new SpikeflowError('at', 'index', `expected ${t.shape.length} indices for shape ${showShape(t.shape)}, received ${index.length}`);
  }
  const strides = stridesOf(t.shape);
  let offset = 0;
  index.forEach((raw, k) => {
    const size = t.shape[k] as number;
    const i = raw < 0 ? raw + size : raw;
    if (!Number.isInteger(i) || i < 0 || i >= size) {
      throw new SpikeflowError('at', 'index', `index ${raw} is out of range for dimension ${k} of size ${size}`);
    }
    offset += i * (strides[k] as number);
  });
  return t.data[offset] as number;
};

/** Converts a tensor to nested arrays of numbers (scalars for shape `[]`). */
export const toNested = (t: Tensor): NestedArray => {
  const build = (dim: number, offset: number, stride: number[]): NestedArray => {
    if (dim === t.shape.length) return t.data[offset] as number;
    const out: NestedArray[] = [];
    for (let k = 0; k < (t.shape[dim] as number); k++) out.push(build(dim + 1, offset + k * (stride[dim] as number), stride));
    return out;
  };
  return build(0, 0, stridesOf(t.shape));
};

/**
 * A readable rendering in torch's style: `tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)`.
 * Large tensors are abbreviated to their first and last entries per dimension.
 */
export const formatTensor = (t: Tensor): string => {
  const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(6)).toString());
  const strides = stridesOf(t.shape);
  const render = (dim: number, offset: number): string => {
    if (dim === t.shape.length) return fmt(t.data[offset] as number);
    const n = t.shape[dim] as number;
    const idx = n > 6 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, k) => k);
    return `[${idx.map((k) => (k < 0 ? '...' : render(dim + 1, offset + k * (strides[dim] as number)))).join(', ')}]`;
  };
  return `tensor(${render(0, 0)}, shape=${showShape(t.shape)}, dtype=${dtypeOf(t)})`;
};

/**
 * Returns a new tensor with the same data viewed under another shape (no copy).
 * @throws SpikeflowError when the sizes differ
 */
export const reshape = (t: Tensor, shape: readonly number[]): Tensor => {
  if (sizeOf(shape) !== t.data.length) {
    throw new SpikeflowError('reshape', 'shape', `cannot reshape ${showShape(t.shape)} (${t.data.length} elements) to ${showShape(shape)}`);
  }
  return fromTypedArray(t.data, shape);
};

/** Copies a tensor into a fresh buffer, optionally converting its dtype. */
export const clone = (t: Tensor, dtype: DType = dtypeOf(t)): Tensor => {
  const data = allocate(dtype, t.data.length);
  data.set(t.data);
  return fromTypedArray(data, t.shape);
};

/**
 * Slices the outermost dimension: `slice(xs, 10, 20)` of a `[T, B, N]` chunk is `[10, B, N]`.
 * Shares storage with `t` (a view; both are immutable).
 */
export const slice = (t: Tensor, start: number, end: number = t.shape[0] as number): Tensor => {
  const n = t.shape[0];
  if (n === undefined || !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)) {
    throw new SpikeflowError('slice', 'range', `range [${start}, ${end}) is not within the first dimension of ${showShape(t.shape)}`);
  }
  const inner = sizeOf(t.shape.slice(1));
  return fromTypedArray(t.data.subarray(start * inner, end * inner), [end - start, ...t.shape.slice(1)]);
};

/**
 * Concatenates tensors along the outermost dimension (chunks `[T_k, B, N]` → `[ΣT_k, B, N]`).
 * @throws SpikeflowError when inner shapes or dtypes differ, or the list is empty
 */
export const concat = (ts: readonly Tensor[]): Tensor => {
  const first = ts[0];
  if (first === undefined) throw new SpikeflowError('concat', 'tensors', 'expected at least one tensor, received none');
  const inner = first.shape.slice(1);
  const dtype = dtypeOf(first);
  ts.forEach((t, k) => {
    if (!sameShape(t.shape.slice(1), inner))
      throw new SpikeflowError('concat', `tensors[${k}]`, `inner shape ${showShape(t.shape.slice(1))} differs from ${showShape(inner)}`);
    if (dtypeOf(t) !== dtype) throw new SpikeflowError('concat', `tensors[${k}]`, `dtype ${dtypeOf(t)} differs from ${dtype}`);
  });
  const total = ts.reduce((a, t) => a + (t.shape[0] as number), 0);
  const data = allocate(dtype, total * sizeOf(inner));
  let offset = 0;
  for (const t of ts) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return fromTypedArray(data, [total, ...inner]);
};

/** Checks that every element of a tensor is finite; names the first bad index. */
export const finiteTensor = (argument: string, t: Tensor): Check<Tensor> => {
  const k = firstNonFinite(t.data);
  if (k < 0) return { _tag: 'Right', right: t };
  const idx = stridesOf(t.shape).map((s, j) => Math.floor(k / s) % (t.shape[j] as number));
  return invalid(argument, `${argument} must be finite, received ${show(t.data[k])} at index ${showShape(idx)}`);
};

/** Index of the first NaN or ±Infinity in `d`, or -1 (a tight loop: `x − x` is 0 only for finite x). */
const firstNonFinite = (d: TensorData): number => {
  const n = d.length;
  for (let k = 0; k < n; k++) {
    const x = d[k] as number;
    if (x - x !== 0) return k;
  }
  return -1;
};

/** Checks that a value is a tensor (shape + Float32Array/Float64Array). */
export const isTensor = (argument: string, value: unknown): Check<Tensor> => {
  const v = value as Tensor | null;
  return v !== null &&
    typeof v === 'object' &&
    Array.isArray(v.shape) &&
    (v.data instanceof Float32Array || v.data instanceof Float64Array) &&
    sizeOf(v.shape) === v.data.length
    ? { _tag: 'Right', right: v }
    : invalid(argument, `${argument} must be a tensor { shape, data: Float32Array | Float64Array }, received ${show(value)}`);
};

export { finiteNumber, orThrow };
