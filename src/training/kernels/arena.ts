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

/** Arena arrays a training layer keeps by role (its kept outputs, tape, copies of inputs), overwritten call after call. */
export interface ArenaStore {
  /**
   * The role's array of `length` elements of `dtype` (the one kept, or a new one when the size or
   * dtype changed; contents undefined), or `undefined` when the arena cannot hold it.
   */
  take(role: string, dtype: DType, length: number): TensorData | undefined;
}

/** A new, empty {@link ArenaStore} (its arrays return to the arena once it and every holder of them are collected). */
export const arenaStore = (): ArenaStore => {
  const kept = new Map<string, TensorData>();
  return {
    take(role, dtype, length) {
      const a = kept.get(role);
      if (a !== undefined && a.length === length && a instanceof Float64Array === (dtype === 'float64')) return a;
      kept.delete(role);
      const b = arenaAllocate(dtype, length);
      if (b !== undefined) kept.set(role, b);
      return b;
    },
  };
};

/**
 * Where a pass reads `a` in the arena: `[a]` when it lives there (read in place: e.g. a previous
 * layer's kept outputs), else `[copy, a]` — the store's array `role`, which the pass fills from `a`
 * first (`parallel.ts`: each thread copies its slice) —, or `undefined` when the arena cannot hold one.
 * @param store - the layer's arena arrays
 * @param role - the role of the copy in `store`
 * @param a - the array the pass reads
 */
export const arenaInput = (store: ArenaStore, role: string, a: TensorData): [TensorData, TensorData?] | undefined => {
  if (arenaOffset(a) >= 0) return [a];
  const c = store.take(role, a instanceof Float64Array ? 'float64' : 'float32', a.length);
  if (c === undefined) return undefined;
  arenaCopies.count++;
  return [c, a];
};

/** Arrays {@link arenaInput} had copied into the arena so far (internal: tests tell in-place reads from copies with it). */
export const arenaCopies = { count: 0 };
