/**
 * Reusable scratch buffers of the training passes: large arrays that live for one forward or
 * backward pass inside a layer (the recorded pre-reset voltages, the gradients passed from one
 * layer of a sequence to the previous one) are taken from here and given back when dead, instead of
 * being allocated afresh per call. A fresh large typed array costs a page fault per 4 KiB page on
 * first touch (the allocator maps new zeroed pages), which at 10⁶–10⁷ neuron-steps per pass cost
 * more CPU time than the arithmetic (measured: LIF fwd+bwd at N = 10⁴, T = 100 went from ~65 ms to
 * ~7 ms of CPU per call once its buffers were reused).
 *
 * Buffers of 64 KiB or more are shared memory where `SharedArrayBuffer` exists (`allocateShared`), so that the
 * threads backend's workers read and write them in place (`parallel.ts`); they are handed out with undefined contents: callers
 * write every element before reading it. At most {@link SCRATCH_PER_SIZE} buffers per dtype and
 * length and {@link SCRATCH_MAX_BYTES} bytes in all are kept; a buffer given back beyond that is
 * left to the garbage collector.
 * @module
 */
import { allocate, allocateShared, type DType, type TensorData } from '../../ops/tensor.js';

/** Buffers kept per dtype and length. */
export const SCRATCH_PER_SIZE = 2;
/** Bytes kept in all (larger sets of buffers are left to the garbage collector). */
export const SCRATCH_MAX_BYTES = 1 << 30;
/** Arrays below this many bytes are allocated plainly (reuse gains nothing there). */
const MIN_BYTES = 1 << 16;

const pools = new Map<string, TensorData[]>();
let kept = 0;
/** The shared buffers this pool allocated (others in shared memory, e.g. pooled layer outputs, are never kept). */
const ours = new WeakSet<ArrayBufferLike>();

const key = (dtype: DType, length: number): string => `${dtype}:${length}`;

/**
 * A buffer of `length` elements of `dtype` with undefined contents (a reused one, or a new one).
 * @param dtype - `float32` or `float64`
 * @param length - number of elements (integer ≥ 0)
 */
export function takeScratch(dtype: 'float64', length: number): Float64Array;
export function takeScratch(dtype: DType, length: number): TensorData;
export function takeScratch(dtype: DType, length: number): TensorData {
  const bytes = length * (dtype === 'float64' ? 8 : 4);
  if (bytes >= MIN_BYTES) {
    const a = pools.get(key(dtype, length))?.pop();
    if (a !== undefined) {
      kept -= bytes;
      return a;
    }
  }
  const a = bytes >= MIN_BYTES ? allocateShared(dtype, length) : allocate(dtype, length);
  if (typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer) ours.add(a.buffer);
  return a;
}

/**
 * Gives a buffer back for reuse: the caller must hold no other reference to it that it still reads
 * or writes.
 * @param a - a buffer no longer used (from {@link takeScratch} or any plain typed array)
 */
export const giveScratch = (a: TensorData | undefined): void => {
  if (a === undefined || a.byteLength < MIN_BYTES || a.byteOffset !== 0 || a.buffer.byteLength !== a.byteLength) return;
  if (typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer && !ours.has(a.buffer)) return;
  const k = key(a instanceof Float64Array ? 'float64' : 'float32', a.length);
  const pool = pools.get(k) ?? [];
  if (pool.length >= SCRATCH_PER_SIZE || kept + a.byteLength > SCRATCH_MAX_BYTES || pool.includes(a)) return;
  pool.push(a);
  pools.set(k, pool);
  kept += a.byteLength;
};

/** Drops every kept buffer (frees the memory once they are collected). */
export const clearScratch = (): void => {
  pools.clear();
  kept = 0;
};
