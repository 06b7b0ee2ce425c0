/**
 * Garbage-collection pressure for shared memory: V8 does not count the memory of a
 * `SharedArrayBuffer` as allocation pressure, so a Node program whose JavaScript heap is small
 * (the usual case: a loop of runs, a stream, a server) never runs a major collection, however
 * many hundreds of megabytes of dropped shared tensors it leaves behind. Those are then never
 * freed (RSS grows run after run) and the output pool (`outputPool.ts`) never gets a dropped
 * output back, so every run writes fresh pages (measured in Node 20: 300 runs of a LIF layer at
 * N = 1e3, T = 1000 with an `await` between runs kept 0 of 300 outputs, RSS 522 → 1324 MB, 12×
 * the CPU time of reused outputs).
 *
 * The remedy: spikeflow counts the shared memory it lends and allocates ({@link noteSharedAllocation}
 * for the output pool's new slots and `allocateShared`, {@link countSharedBytes} for recycled
 * slots); once {@link collectAfterBytes} (64 MiB by default) were counted since the last
 * collection and new memory is needed (or the pool hands out the last free slot of a size), it runs
 * a major collection itself, as V8 would for ordinary memory. Measured (scratch, 300 runs with an
 * `await` between runs, Node 20): without counting `allocateShared`, a stream with
 * `outputs: 'reuse'` at N = 1e4 still grew RSS 247 → 1425 MB (its input chunks are new shared
 * tensors); counting it, 189 → 245 MB.
 * Rate limit: a collection runs only if at least three times the last one's pause
 * has passed since it ended, so that collecting never takes more than about a quarter of the time
 * (measured with `npm run bench:recycle`: a factor 10 let the pool grow to 3× the RSS at N = 1e4
 * and cost more CPU at N = 1e3, where each collection replaced a new slot's page faults),
 * whatever the program keeps alive. Right after a collection the output pool takes back the
 * outputs it freed ({@link onSharedCollection}); outputs dropped in the current turn of the event
 * loop come back through their finalization callbacks in a later turn (a synchronous loop that
 * never yields still gets fresh memory until it does: a `WeakRef` keeps its target alive until
 * the end of the turn that made it).
 *
 * Only in Node: the collector is reached the way Node's documentation shows
 * (`v8.setFlagsFromString('--expose-gc')`, then `vm.runInNewContext('gc')`, loaded through
 * `process.getBuiltinModule` without a static import; the flag is set back to `--no-expose-gc`
 * at once, so contexts created later do not get a `gc` global), or the global `gc` when the
 * process runs with `--expose-gc`. In a browser (where spikeflow's shared memory is the shared
 * heap, `sharedHeap.ts`, which recycles by itself) this module does nothing.
 * @module
 */

type Collect = () => unknown;

type Builtins = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: unknown } };
const proc = (globalThis as { process?: Builtins }).process;
const inNode = typeof proc?.versions?.node === 'string';

/** The collector: undefined until first asked for, null where none can be had. */
let collector: Collect | null | undefined;

const findCollector = (): Collect | null => {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as Collect;
  try {
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString: (flags: string) => void } | undefined;
    const vm = proc?.getBuiltinModule?.('node:vm') as { runInNewContext: (code: string) => unknown } | undefined;
    if (v8 === undefined || vm === undefined) return null;
    v8.setFlagsFromString('--expose-gc');
    try {
      const gc = vm.runInNewContext('gc') as unknown;
      return typeof gc === 'function' ? (gc as Collect) : null;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return null;
  }
};

let threshold = 64 * 2 ** 20;
let sinceCollect = 0;
let lastEnd = 0;
let lastPause = 0;
let collections = 0;
let collectionMs = 0;

/**
 * Bytes of shared memory allocated after which spikeflow runs a major collection (see the module
 * docs); `0` turns the collections off. Default 64 MiB.
 * @param bytes - a finite number ≥ 0 (checked by the caller, `configureOutputPool`)
 */
export const setCollectAfterBytes = (bytes: number): void => {
  threshold = bytes;
};

/** The current threshold ({@link setCollectAfterBytes}). */
export const collectAfterBytes = (): number => threshold;

/** How many collections spikeflow has run because of shared memory (for tests and statistics). */
export const sharedCollections = (): number => collections;

/** Milliseconds spent in those collections, in all. */
export const sharedCollectionMs = (): number => collectionMs;

const listeners: (() => void)[] = [];

/**
 * Calls `listener` right after each collection spikeflow runs (the output pool then takes back at
 * once what the collection freed).
 * @param listener - called synchronously, with no arguments
 */
export const onSharedCollection = (listener: () => void): void => {
  listeners.push(listener);
};

/**
 * Counts `bytes` of shared memory handed out again without a new allocation (a recycled slot of the
 * output pool): they count towards the next collection, as the memory they replace may be dropped
 * by now, but never trigger one themselves.
 * @param bytes - bytes lent (≥ 0)
 */
export const countSharedBytes = (bytes: number): void => {
  sinceCollect += bytes;
};

/**
 * Runs a major collection when at least {@link collectAfterBytes} — and at least what was still
 * held across the last collection, so that collections stay amortised when the program keeps
 * everything — were allocated or counted since the last one, and the rate limit allows it (see the
 * module docs). Does nothing outside Node.
 * @param held - bytes of shared memory spikeflow knows to be still lent out (the pool's lent bytes; 0 when unknown)
 * @returns whether a collection ran
 */
export const maybeCollect = (held = 0): boolean => {
  if (!inNode || threshold <= 0 || sinceCollect < Math.max(threshold, held - sinceCollect)) return false;
  const start = performance.now();
  if (start - lastEnd < 3 * lastPause) return false;
  if (collector === undefined) collector = findCollector();
  if (collector === null) return false;
  sinceCollect = 0;
  // gc() without options: measured in Node 20, gc({ type: 'major' }) (sync) left dropped
  // SharedArrayBuffers unfinalized (2 of 50), plain gc() finalized them all; the `async` execution
  // finalizes them too but runs its pause in a later task, out of reach of the rate limit (at
  // N = 1e4 it let the pool grow to 1 GB).
  collector();
  collections++;
  for (const l of listeners) l();
  lastEnd = performance.now();
  lastPause = lastEnd - start;
  collectionMs += lastPause;
  return true;
};

/**
 * Records that `bytes` of new shared memory are about to be allocated, then {@link maybeCollect}.
 * @param bytes - bytes about to be allocated (≥ 0)
 * @param held - as for {@link maybeCollect}
 */
export const noteSharedAllocation = (bytes: number, held = 0): void => {
  sinceCollect += bytes;
  maybeCollect(held);
};
