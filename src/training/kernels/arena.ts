/**
 * The training arena: where the LIF training kernels work in place. It is the shared heap
 * (`ops/sharedHeap.ts`): one `WebAssembly.Memory({ shared: true })` of at most 4 GiB that the
 * LIF kernels' module imports on every thread (`lifGradSharedModule`, `engine.ts`), so a pass whose
 * arrays all live in it runs over all steps at once with no copy into or out of a thread's own
 * module memory (`parallel.ts`), bit for bit the copying path's results. The memory costs nothing
 * until it grows (only address space is reserved); it never shrinks — freed blocks are reused.
 *
 * Ownership: {@link arenaAllocate} hands out a view over its own `SharedArrayBuffer` object (the
 * heap's rule): its bytes return to the arena once nothing references that object any more (the
 * array, a `subarray`, its `.buffer`) and a garbage collection has run — never while the caller
 * still holds it. The training layers keep their arena arrays (kept outputs, ∂input, tape, copies
 * of inputs) and overwrite them call after call (`trainable`'s `outputs: 'reuse'`).
 *
 * No arena (no `SharedArrayBuffer`: a browser page without cross-origin isolation), or a full one
 * (4 GiB in use): {@link arenaAllocate} returns `undefined` and the layers keep today's copying
 * path. In a cross-origin isolated browser page the heap also holds the realm's shared tensors, so
 * those are read in place too.
 * @module
 */
import { HEAP_MAX_PAGES, heapAllocate, inSharedHeap, sharedHeapMemory } from '../../ops/sharedHeap.js';
import type { DType, TensorData } from '../../ops/tensor.js';

/** Most 64 KiB pages of the arena's memory (the maximum the kernels' module declares for its import). */
export const ARENA_MAX_PAGES = HEAP_MAX_PAGES;

let full = false;

/**
 * Makes the arena refuse every allocation, as a full one does (internal: tests check the copying
 * fallback with it).
 * @param refuse - whether {@link arenaAllocate} returns `undefined`
 */
export const setArenaFull = (refuse: boolean): void => {
  full = refuse;
};

/** The arena's memory (made on first use), or `undefined` where shared WebAssembly memory does not exist. */
export const arenaMemory = (): WebAssembly.Memory | undefined => sharedHeapMemory();

/**
 * `length` elements of `dtype` in the arena, contents undefined (see the module docs for when its
 * bytes return to the arena), or `undefined` where there is no arena or it is full.
 * @param dtype - `float32` or `float64`
 * @param length - elements (integer ≥ 0)
 */
export function arenaAllocate(dtype: 'float64', length: number): Float64Array | undefined;
export function arenaAllocate(dtype: DType, length: number): TensorData | undefined;
export function arenaAllocate(dtype: DType, length: number): TensorData | undefined {
  return full ? undefined : heapAllocate(dtype, length, false);
}

/**
 * The byte offset of `a` in the arena's memory, or −1 when `a` does not live in the arena.
 * @param a - an array (or `undefined`, −1)
 */
export const arenaOffset = (a: TensorData | undefined): number => (a !== undefined && inSharedHeap(a) ? a.byteOffset : -1);
