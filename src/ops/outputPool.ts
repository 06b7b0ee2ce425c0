/**
 * The output pool: memory for the fresh outputs of fused runs (`lif.run(p, dt)(xs)` without
 * `outputs: 'reuse'`), recycled once the caller has dropped them, so that a run's output is
 * written into memory that was written before instead of fresh pages.
 *
 * Why: on Linux every 4 KiB page of fresh memory faults in on first write (the kernel zeroes it);
 * a fresh 400 MB output (`N = 1e5`, `T = 1000`) costs 1–2.5 s of page faults on a small VM, more
 * than the neuron update itself. PyTorch avoids it with its caching allocator; this is the same
 * idea for shared memory.
 *
 * How: in Node, outputs (and the new states) of runs from {@link POOL_FROM_BYTES} (16 KiB) on live
 * in `SharedArrayBuffer`s (as every spikeflow tensor from 1 MiB on, `SHARED_FROM_BYTES`). The
 * pool keeps its own `SharedArrayBuffer` object per slot and hands the caller a view over a
 * *second* object on the same memory (`structuredClone` of a `SharedArrayBuffer` is a distinct
 * object sharing its memory; for a recycled slot it is made when the slot comes back, so that the
 * run taking it does not pay the clone). The caller's object is registered in a `FinalizationRegistry`: once
 * nothing the caller holds references it (no tensor, view or `.buffer`), the garbage collector
 * frees it and the registry's callback puts the slot back into the pool, its pages already faulted
 * in. A slot is never lent twice at once, so what the caller holds is never written again
 * (immutability holds). Slots are matched by exact byte length, so `.buffer` shows nothing else.
 *
 * When it recycles: finalization callbacks run after a garbage collection, in a later turn of
 * the event loop. V8 does not count `SharedArrayBuffer` memory as allocation pressure, so a program
 * with a small JavaScript heap would never collect and never get an output back (measured in Node
 * 20: 0 of 300 dropped outputs recycled, RSS + 1.1 GB); spikeflow therefore runs a major collection
 * itself once it lent or allocated 64 MiB of shared memory since the last one
 * ({@link OutputPoolOptions.collectAfterBytes}; rate-limited to about a quarter of the time, see
 * `sharedPressure.ts`), at the latest when a run takes the last free slot of its size; right after
such a collection the pool takes back every slot whose output it freed (through a `WeakRef` per
lend), so the runs of the same turn (a stream's chunks over a synchronous source) find free slots
too, instead of waiting for the finalization callbacks of a later turn. So
 * asynchronous pipelines (real-time sources, servers, anything that awaits or lets the event loop
 * turn between runs) recycle without `--expose-gc`, and the pool and RSS stay bounded. A
 * synchronous loop of runs (`for (...) run(xs)`, or a stream over a synchronous source such as
 * `fromTensor` with the default virtual clock) gets fresh memory on every call until it yields, as
 * without the pool (the collections still free what it dropped). `outputs: 'reuse'` or a caller's
 * `out` avoid fresh memory and collections everywhere.
 *
 * Memory retained (as PyTorch's caching allocator retains its blocks): at most
 * {@link OutputPoolOptions.maxBytes} in slots, lent or free (default 4 GiB, or a quarter of the
 * memory the process is constrained to when less); free slots unused for
 * {@link OutputPoolOptions.idleMs} (default 10 s)
 * are released by a timer that never keeps the process alive (it checks every `idleMs`, so a slot
 * goes between `idleMs` and twice that after its last use). When the cap is reached, an output
 * is allocated outside the pool, as before. A slot lent in a synchronous loop stays held until the
 * loop yields (at most `maxBytes` over what the loop itself holds).
 *
 * One rule for the caller: an output handed to another thread (`postMessage`) or cloned
 * (`structuredClone` of its buffer) must also stay referenced on this thread while it is used
 * there (or be copied, or `configureOutputPool({ maxBytes: 0 })` set): the pool sees only this
 * thread's handles.
 * @module
 */
import { SpikeflowError, show } from './errors.js';
import { heapAllocate, sharedHeapEnabled } from './sharedHeap.js';
import {
  collectAfterBytes,
  countSharedBytes,
  maybeCollect,
  onSharedCollection,
  setCollectAfterBytes,
  sharedCollectionMs,
  sharedCollections,
} from './sharedPressure.js';
import { allocate, allocateShared, type DType, type TensorData } from './tensor.js';
import { checkOptions } from './validate.js';

/** Settings of the output pool ({@link configureOutputPool}). */
export interface OutputPoolOptions {
  /** Most bytes held in slots, lent and free together (0 turns the pool off). */
  readonly maxBytes?: number;
  /** Milliseconds after which a free slot nobody asked for is released (checked every `idleMs`: it goes within twice that). */
  readonly idleMs?: number;
  /**
   * Bytes of shared memory lent or allocated (pool slots, shared tensors) after which spikeflow runs a major
   * garbage collection in Node, so that dropped outputs come back (see `sharedPressure.ts`);
   * 0 turns it off. Default 64 MiB.
   */
  readonly collectAfterBytes?: number;
}

/** What the pool holds now ({@link outputPoolStats}). */
export interface OutputPoolStats {
  /** Effective settings. */
  readonly maxBytes: number;
  readonly idleMs: number;
  readonly collectAfterBytes: number;
  /** Major collections spikeflow ran because of shared memory. */
  readonly collections: number;
  /** Milliseconds those collections took, in all. */
  readonly collectionMs: number;
  /** Bytes of slots lent to callers (including dropped ones whose finalizer has not run yet). */
  readonly lentBytes: number;
  /** Bytes of free slots, ready for reuse. */
  readonly freeBytes: number;
  /** Outputs served from a free slot since the process started. */
  readonly recycled: number;
  /** Outputs that got a new slot. */
  readonly pooled: number;
  /** Outputs allocated outside the pool (cap reached, or too small). */
  readonly unpooled: number;
}

/** Outputs from this size on are pooled (smaller ones cost less than a slot's bookkeeping). */
export const POOL_FROM_BYTES = 1 << 14;

/** The callers' `SharedArrayBuffer` objects over pooled memory (see {@link isPooledBuffer}). */
const lentBuffers = new WeakSet<object>();

/**
 * Whether `buffer` is a caller's buffer over pooled memory (or one marked by
 * {@link holdUntilCollected}): memory the pool keeps until it lets the slot go (or its owner until
 * it is collected; either way {@link onOutputPoolRelease} hears of it), so that another handle on
 * it (a worker thread's) holds no memory until then. The `threads` worker pool uses it so that fresh outputs handed to
 * its workers (chunk after chunk of a stream) do not make them collect garbage after every job.
 */
export const isPooledBuffer = (buffer: ArrayBufferLike): boolean => lentBuffers.has(buffer);

const releaseListeners = new Set<(bytes: number) => void>();

/** Bytes of buffers marked by {@link holdUntilCollected}, heard of once each is collected. */
const heldRegistry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<number>((bytes) => released(bytes)) : undefined;

/**
 * Marks `buffer` as memory its owner keeps for a long time (the kept output or state of a run function built
 * with `outputs: 'reuse'`, overwritten call after call): like pooled memory, while it lives another
 * thread's handle on it holds no memory of its own ({@link isPooledBuffer} is true for it), and
 * once this thread's last reference is collected the release listeners hear of its bytes
 * ({@link onOutputPoolRelease}: the `threads` worker pool then counts them and has its workers
 * collect, so their handles do not keep the memory). Without this, a kept output handed to the
 * workers after they collected counted as new memory again: alternating two run functions with
 * large kept outputs (a stream beside a fused run, the layers of a network) made the workers
 * collect garbage on every call. Does nothing where `FinalizationRegistry` is missing.
 * @param buffer - a `SharedArrayBuffer` this thread holds
 */
export const holdUntilCollected = (buffer: ArrayBufferLike): void => {
  if (heldRegistry === undefined || lentBuffers.has(buffer)) return;
  lentBuffers.add(buffer);
  heldRegistry.register(buffer, buffer.byteLength);
};

/**
 * Calls `listener(bytes)` whenever the pool lets a slot's memory go (an idle slot released, the
 * cap lowered, {@link releaseOutputPool}, a returned slot over the cap): from then on the memory
 * is freed only once every other handle on it is gone (the worker pool then has its workers
 * collect garbage).
 * @returns a function that removes the listener
 */
export const onOutputPoolRelease = (listener: (bytes: number) => void): (() => void) => {
  releaseListeners.add(listener);
  return () => {
    releaseListeners.delete(listener);
  };
};

const released = (bytes: number): void => {
  for (const l of releaseListeners) l(bytes);
};

interface Slot {
  readonly sab: SharedArrayBuffer;
  readonly bytes: number;
  freedAt: number;
  /**
   * The next caller's `SharedArrayBuffer` object over the slot, made when the slot came back (in
   * the finalization callback, after a collection) rather than in the run that takes it: a run of
   * a stream takes a slot per chunk, and `structuredClone` costs a few microseconds each.
   */
  next: SharedArrayBuffer | undefined;
}

const env = globalThis as { process?: { versions?: { node?: unknown }; constrainedMemory?: () => number | undefined } };
const available =
  typeof SharedArrayBuffer === 'function' &&
  typeof FinalizationRegistry === 'function' &&
  typeof structuredClone === 'function' &&
  typeof env.process?.versions?.node === 'string';

/** 4 GiB, or a quarter of the memory the process is constrained to (cgroups) when that is less. */
const defaultMaxBytes = (): number => {
  const limit = env.process?.constrainedMemory?.() ?? 0;
  return Math.min(limit > 0 ? Math.floor(limit / 4) : Number.POSITIVE_INFINITY, 4 * 2 ** 30);
};

let maxBytes = available ? defaultMaxBytes() : 0;
let idleMs = 10_000;
let lentBytes = 0;
let freeBytes = 0;
let recycled = 0;
let pooled = 0;
let unpooled = 0;
/** Free slots by byte length, most recently freed last. */
const free = new Map<number, Slot[]>();
let sweepTimer: ReturnType<typeof setTimeout> | undefined;

const dropFree = (slot: Slot): void => {
  const list = free.get(slot.bytes);
  const k = list?.indexOf(slot) ?? -1;
  if (list === undefined || k < 0) return;
  list.splice(k, 1);
  if (list.length === 0) free.delete(slot.bytes);
  freeBytes -= slot.bytes;
  released(slot.bytes);
};

const freeSlots = (): Slot[] => [...free.values()].flat().sort((a, b) => a.freedAt - b.freedAt);

const sweep = (): void => {
  sweepTimer = undefined;
  const now = Date.now();
  for (const s of freeSlots()) if (now - s.freedAt >= idleMs) dropFree(s);
  if (freeBytes > 0) scheduleSweep();
};

const scheduleSweep = (): void => {
  if (sweepTimer !== undefined) return;
  sweepTimer = setTimeout(sweep, idleMs);
  (sweepTimer as { unref?: () => void }).unref?.();
};

/**
 * One lend of a slot: the finalization registry's held value and the entry of {@link lent}. A
 * slot is lent again only through a new lease, so a late callback of an old one cannot return the
 * slot while it is lent to someone else, and the callback of a lease {@link reclaim} already took
 * back does nothing (the lease is no longer in {@link lent}). Registered without an unregister
 * token: a token costs `register` ~1.4 µs more per lend (1.65 vs 0.27 µs measured in Node 20) and
 * `reclaim` an `unregister` per slot, and a stream lends a slot per chunk.
 */
interface Lease {
  readonly slot: Slot;
  /** The caller's `SharedArrayBuffer` object (weakly): gone once the caller dropped the output and a collection ran. */
  readonly ref: WeakRef<SharedArrayBuffer>;
}

/** Leases whose outputs may still be held by their callers. */
const lent = new Set<Lease>();

/** Puts a lease's slot back into the free lists (or lets it go when over the cap). */
const giveBack = (lease: Lease): void => {
  if (!lent.delete(lease)) return;
  const slot = lease.slot;
  lentBytes -= slot.bytes;
  if (lentBytes + freeBytes + slot.bytes > maxBytes) {
    released(slot.bytes);
    return;
  }
  slot.freedAt = Date.now();
  slot.next = structuredClone(slot.sab);
  const list = free.get(slot.bytes);
  if (list === undefined) free.set(slot.bytes, [slot]);
  else list.push(slot);
  freeBytes += slot.bytes;
  scheduleSweep();
};

const registry = available ? new FinalizationRegistry<Lease>(giveBack) : undefined;

/**
 * Right after a collection spikeflow ran (`sharedPressure.ts`): takes back at once every slot whose
 * caller's buffer it freed, instead of in a later turn of the event loop (when the finalization
 * callbacks run). A stream over a synchronous source takes its chunk outputs in one turn; without
 * this, the chunks after a collection got new slots although the collection had just freed
 * enough. (A `WeakRef` keeps its target alive until the end of the turn that made it: outputs
 * lent in the current turn come back through their finalization callbacks.)
 */
const reclaim = (): void => {
  for (const lease of lent) {
    if (lease.ref.deref() !== undefined) continue;
    giveBack(lease);
  }
};
if (available) onSharedCollection(reclaim);

/** Takes the most recently freed slot of exactly `bytes` off the free lists, if any. */
const takeFree = (bytes: number): Slot | undefined => {
  const list = free.get(bytes);
  const slot = list?.pop();
  if (slot === undefined) return undefined;
  if (list?.length === 0) free.delete(bytes);
  freeBytes -= bytes;
  return slot;
};

const lend = (slot: Slot, dtype: DType, length: number): TensorData => {
  const mine = slot.next ?? structuredClone(slot.sab);
  slot.next = undefined;
  lentBuffers.add(mine);
  const lease: Lease = { slot, ref: new WeakRef(mine) };
  lent.add(lease);
  (registry as FinalizationRegistry<Lease>).register(mine, lease);
  lentBytes += slot.bytes;
  return dtype === 'float64' ? new Float64Array(mine, 0, length) : new Float32Array(mine, 0, length);
};

/**
 * Storage for the output of a run, which the run overwrites entirely: from the pool where it
 * applies (Node, at least {@link POOL_FROM_BYTES}, within the cap: then always shared memory), from
 * the shared heap in a cross-origin isolated browser realm (`sharedHeap.ts`, same size rule),
 * else as {@link allocate}
 * (or {@link allocateShared} when `shared`). Its contents are unspecified (a recycled slot holds
 * an earlier, dropped output): write every element before handing it on.
 * @param dtype - `float32` or `float64`
 * @param length - elements (integer ≥ 0)
 * @param shared - whether a small array must also be shared (a multi-threaded run)
 */
export const allocateOutput = (dtype: DType, length: number, shared = false): TensorData => {
  const bytes = length * (dtype === 'float64' ? 8 : 4);
  // A cross-origin isolated browser realm: the shared heap recycles dropped outputs (sharedHeap.ts).
  if (registry === undefined && bytes >= POOL_FROM_BYTES && sharedHeapEnabled()) {
    const a = heapAllocate(dtype, length, false);
    if (a !== undefined) return a;
  }
  if (registry === undefined || bytes < POOL_FROM_BYTES || bytes > maxBytes) {
    if (registry !== undefined && bytes >= POOL_FROM_BYTES) unpooled++;
    return shared ? allocateShared(dtype, length) : allocate(dtype, length);
  }
  countSharedBytes(bytes);
  let slot = takeFree(bytes);
  // The last free slot of this size, or none: collect now if due. What the collection freed comes
  // back at once (`reclaim`), so this run and the next ones take free slots instead of new ones.
  if (!free.has(bytes) && maybeCollect(lentBytes)) slot ??= takeFree(bytes);
  if (slot !== undefined) {
    recycled++;
    return lend(slot, dtype, length);
  }
  // Make room by releasing free slots of other sizes, least recently freed first.
  for (const s of freeSlots()) {
    if (lentBytes + freeBytes + bytes <= maxBytes) break;
    dropFree(s);
  }
  if (lentBytes + freeBytes + bytes > maxBytes) {
    unpooled++;
    return allocateShared(dtype, length);
  }
  pooled++;
  return lend({ sab: new SharedArrayBuffer(bytes), bytes, freedAt: 0, next: undefined }, dtype, length);
};

/**
 * `count` arrays of `length` elements each, views of one {@link allocateOutput} allocation (one
 * allocation, e.g. for every state variable of a run, instead of one per array). Contents
 * unspecified: write every element.
 * @param dtype - `float32` or `float64`
 * @param length - elements of each array
 * @param count - number of arrays
 * @param shared - whether a small allocation must also be shared
 */
export const allocateOutputs = (dtype: DType, length: number, count: number, shared = false): TensorData[] => {
  const all = allocateOutput(dtype, count * length, shared);
  return Array.from({ length: count }, (_, k) => all.subarray(k * length, (k + 1) * length));
};

const checkLimit = (name: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SpikeflowError('configureOutputPool', name, `${name} must be a finite number ≥ 0, received ${show(value)}`);
  }
  return value;
};

/**
 * Sets the output pool's cap and idle time (see the module docs); lowering the cap releases free
 * slots at once. The pool only exists in Node (elsewhere this records the settings and changes
 * nothing).
 * @param options - `maxBytes` (0 turns the pool off), `idleMs`
 * @returns the settings now in force and what the pool holds
 * @throws SpikeflowError naming `maxBytes` or `idleMs` when not a finite number ≥ 0
 */
export const configureOutputPool = (options: OutputPoolOptions): OutputPoolStats => {
  if (options === null || typeof options !== 'object') {
    throw new SpikeflowError('configureOutputPool', 'options', `options must be an object, received ${show(options)}`);
  }
  checkOptions('configureOutputPool', options, ['maxBytes', 'idleMs', 'collectAfterBytes']);
  if (options.maxBytes !== undefined) maxBytes = available ? checkLimit('maxBytes', options.maxBytes) : 0;
  if (options.idleMs !== undefined) idleMs = checkLimit('idleMs', options.idleMs);
  if (options.collectAfterBytes !== undefined) setCollectAfterBytes(checkLimit('collectAfterBytes', options.collectAfterBytes));
  for (const s of freeSlots()) if (lentBytes + freeBytes > maxBytes) dropFree(s);
  return outputPoolStats();
};

/** What the output pool holds and has done (see {@link OutputPoolStats}). */
export const outputPoolStats = (): OutputPoolStats =>
  Object.freeze({
    maxBytes,
    idleMs,
    collectAfterBytes: collectAfterBytes(),
    collections: sharedCollections(),
    collectionMs: sharedCollectionMs(),
    lentBytes,
    freeBytes,
    recycled,
    pooled,
    unpooled,
  });

/** Releases every free slot now (lent slots return and are released as their outputs are collected, if over the cap). */
export const releaseOutputPool = (): void => {
  for (const s of freeSlots()) dropFree(s);
};
