/**
 * The shared heap: one shared `WebAssembly.Memory` (`shared: true`) that tensors of a
 * cross-origin isolated browser realm live in, so that the `threads` backend's WebAssembly kernels
 * — on the page's thread and in every Web Worker, all importing this one memory — read inputs and
 * write outputs and states in place, with no copy between the tensors and the modules' memories.
 *
 * Where: a cross-origin isolated page or worker (`crossOriginIsolated`, served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`),
 * where `allocateShared` (`sharedTensor`, kept `reuse` outputs) and the fresh outputs and states
 * of fused runs (`outputPool.ts`'s `allocateOutput`) come from it. Not in Node (its shared tensors
 * are `SharedArrayBuffer`s, see `tensor.ts`), nor in a page without isolation (no shared memory).
 * The memory is WebAssembly's 32-bit one: at most 4 GiB; an allocation that does not fit falls
 * back to a plain `SharedArrayBuffer` (the kernels then copy, as before).
 *
 * Ownership (as Node's output pool, `outputPool.ts`): each allocation is handed out as a view over
 * its *own* `SharedArrayBuffer` object — a `structuredClone` of the memory's buffer, the same
 * memory under a distinct object — registered in a `FinalizationRegistry`. Once the caller holds
 * nothing that references that object (no tensor, view, subarray or `.buffer`), the garbage
 * collector frees it and its bytes return to the heap, already faulted in, for a later
 * allocation. A block is never handed out twice at once, so what the caller holds is never
 * written again. The heap never shrinks (a WebAssembly memory cannot); freed blocks are reused
 * first-fit and merged with their free neighbours. The `.buffer` of such a view is the whole
 * memory: read it through the view (`byteOffset`, `length`), never past it.
 * Finalization callbacks run after a collection in a later turn of the event loop: a synchronous
 * loop of fresh outputs grows the heap until it yields (`outputs: 'reuse'` avoids that).
 * @module
 */
/** `float32` or `float64` (as `tensor.ts`'s `DType`; not imported: `tensor.ts` imports this module). */
type DType = 'float32' | 'float64';
type TensorData = Float32Array | Float64Array;

/** Bytes per WebAssembly page. */
const PAGE = 65536;
/** Most pages of the heap (4 GiB, WebAssembly's 32-bit limit). */
export const HEAP_MAX_PAGES = 65536;
/** Allocations start on multiples of this many bytes (a cache line; SIMD vectors need 16). */
const ALIGN = 64;

interface Block {
  readonly start: number;
  readonly bytes: number;
}

interface Heap {
  readonly memory: WebAssembly.Memory;
  /** Free blocks, sorted by start, none adjacent. */
  readonly free: Block[];
  /** Bytes below this address were handed out before (may hold old data); above it, zeros. */
  dirtyTo: number;
  usedBytes: number;
  /** The handed-out buffers (clones of the memory's buffer), to recognise heap arrays. */
  readonly buffers: WeakSet<ArrayBufferLike>;
  readonly registry: FinalizationRegistry<Block>;
}

let heap: Heap | undefined | null;

/** Whether this realm makes tensors in the shared heap (a cross-origin isolated browser realm; see the module docs). */
export const sharedHeapEnabled = (): boolean => {
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: unknown } } };
  return g.crossOriginIsolated === true && typeof g.process?.versions?.node !== 'string' && heapOf() !== undefined;
};

const release = (h: Heap, b: Block): void => {
  h.usedBytes -= b.bytes;
  const f = h.free;
  let k = 0;
  while (k < f.length && (f[k] as Block).start < b.start) k++;
  let start = b.start;
  let end = b.start + b.bytes;
  const prev = f[k - 1];
  const next = f[k];
  let from = k;
  let count = 0;
  if (prev !== undefined && prev.start + prev.bytes === start) {
    start = prev.start;
    from = k - 1;
    count++;
  }
  if (next !== undefined && next.start === end) {
    end = next.start + next.bytes;
    count++;
  }
  f.splice(from, count, { start, bytes: end - start });
};

/**
 * A shared memory of at most {@link HEAP_MAX_PAGES} pages, or a quarter / a sixteenth of that where
 * the engine cannot reserve 4 GiB (32-bit or memory-constrained devices); throws when none fits.
 */
const sharedMemory = (): WebAssembly.Memory => {
  let error: unknown;
  for (const maximum of [HEAP_MAX_PAGES, HEAP_MAX_PAGES / 4, HEAP_MAX_PAGES / 16]) {
    try {
      return new WebAssembly.Memory({ initial: 1, maximum, shared: true });
    } catch (e) {
      error = e;
    }
  }
  throw error;
};

/** The realm's heap, made on first use; `undefined` where shared WebAssembly memory does not exist. */
const heapOf = (): Heap | undefined => {
  if (heap === undefined) {
    heap = null;
    if (typeof SharedArrayBuffer === 'function' && typeof WebAssembly === 'object' && typeof FinalizationRegistry === 'function') {
      try {
        const memory = sharedMemory();
        const h: Heap = {
          memory,
          // Address 0 is never handed out (byte offset 0 would be ambiguous to readers of a view).
          free: [{ start: ALIGN, bytes: PAGE - ALIGN }],
          dirtyTo: 0,
          usedBytes: 0,
          buffers: new WeakSet(),
          registry: new FinalizationRegistry<Block>((b) => release(h, b)),
        };
        heap = h;
      } catch {
        heap = null;
      }
    }
  }
  return heap ?? undefined;
};

/** The shared heap's memory (made on first use), or `undefined` where shared WebAssembly memory does not exist. */
export const sharedHeapMemory = (): WebAssembly.Memory | undefined => heapOf()?.memory;

/** Whether `a` lives in the shared heap (a view made by {@link heapAllocate}). */
export const inSharedHeap = (a: TensorData | undefined): boolean => a !== undefined && heap?.buffers.has(a.buffer) === true;

const take = (h: Heap, bytes: number): number | undefined => {
  const f = h.free;
  for (let k = 0; k < f.length; k++) {
    const b = f[k] as Block;
    if (b.bytes < bytes) continue;
    if (b.bytes === bytes) f.splice(k, 1);
    else f[k] = { start: b.start + bytes, bytes: b.bytes - bytes };
    return b.start;
  }
  // Grow: the last free block, when it ends at the memory's end, is extended.
  const size = h.memory.buffer.byteLength;
  const last = f[f.length - 1];
  const tail = last !== undefined && last.start + last.bytes === size ? last.bytes : 0;
  const pages = Math.ceil((bytes - tail) / PAGE);
  if (size / PAGE + pages > HEAP_MAX_PAGES) return undefined; // a smaller maximum makes grow() throw below
  try {
    h.memory.grow(pages);
  } catch {
    return undefined;
  }
  release(h, { start: size, bytes: pages * PAGE });
  h.usedBytes += pages * PAGE; // release() counted it as freed
  return take(h, bytes);
};

/**
 * `length` elements of `dtype` in the shared heap (see the module docs for when the memory returns
 * to the heap), or `undefined` where there is no shared heap or it is full (4 GiB).
 * @param dtype - `float32` or `float64`
 * @param length - elements (integer ≥ 0)
 * @param zero - whether the elements must be 0 (a reused block is cleared; fresh memory is zero)
 */
export const heapAllocate = (dtype: DType, length: number, zero: boolean): TensorData | undefined => {
  const h = heapOf();
  if (h === undefined) return undefined;
  const bytes = Math.max(ALIGN, Math.ceil((length * (dtype === 'float64' ? 8 : 4)) / ALIGN) * ALIGN);
  const start = take(h, bytes);
  if (start === undefined) return undefined;
  h.usedBytes += bytes;
  const mine = structuredClone(h.memory.buffer as unknown as SharedArrayBuffer);
  h.buffers.add(mine);
  h.registry.register(mine, { start, bytes });
  const a = dtype === 'float64' ? new Float64Array(mine, start, length) : new Float32Array(mine, start, length);
  if (zero && start < h.dirtyTo) a.fill(0);
  h.dirtyTo = Math.max(h.dirtyTo, start + bytes);
  return a;
};

/** What the shared heap holds ({@link sharedHeapStats}). */
export interface SharedHeapStats {
  /** Bytes of the memory (it never shrinks). */
  readonly bytes: number;
  /** Bytes handed out and not yet returned (dropped views count until their finalizer has run). */
  readonly usedBytes: number;
  /** Bytes free for the next allocations. */
  readonly freeBytes: number;
}

/** The shared heap's size and use (zeros where there is none). */
export const sharedHeapStats = (): SharedHeapStats => {
  const h = heap ?? undefined;
  const bytes = h === undefined ? 0 : h.memory.buffer.byteLength;
  const freeBytes = h === undefined ? 0 : h.free.reduce((s, b) => s + b.bytes, 0);
  return Object.freeze({ bytes, usedBytes: h?.usedBytes ?? 0, freeBytes });
};
