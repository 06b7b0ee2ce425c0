/**
 * The worker pool of the `threads` backend in a browser: Web Workers over `SharedArrayBuffer`,
 * which a page has only when it is cross-origin isolated (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`;
 * `crossOriginIsolated` is then true). Elsewhere the backend runs on the calling thread alone.
 *
 * A browser starts a worker only while the starting thread returns to its event loop, and a
 * page's main thread may not block (`Atomics.wait` throws there). So: workers are started
 * asynchronously ({@link WebPool.start}, or in the background by the first run that wants them;
 * runs use the workers that are ready and report it), jobs are posted as messages (workers wait in
 * their event loop, see `webWorker.ts`), the calling thread runs its own range meanwhile, then
 * joins by polling the shared control word (blocking with `Atomics.wait` where it may, in a worker).
 * Runs stay synchronous, as in Node.
 * @module
 */
import { SpikeflowError } from '../../errors.js';
import { sharedHeapMemory } from '../../sharedHeap.js';
import type { DType, TensorData } from '../../tensor.js';
import type { Engine, EngineSpec } from './engineTypes.js';
import { stageShared } from './staging.js';
import { ERROR_CHARS, webWorkerSource } from './webWorker.js';

/** A compiled engine with its identity (as `pool.ts`'s `EngineEntry`). */
export interface WebEngineEntry {
  readonly id: number;
  readonly spec: EngineSpec;
  readonly main: Engine;
}

interface WebPoolWorker {
  readonly worker: Worker;
  readonly engines: Set<number>;
  ready: boolean;
  /** Whether the shared heap's memory was sent to it. */
  heap: boolean;
}

/**
 * Pieces per thread of a job: threads take pieces from a shared counter, so that the threads that
 * run (a loaded machine deschedules some) share the work; more pieces balance better, each costs
 * a little (an atomic add and, for neuron runs, copying rows piecewise: in Node, rows copied in
 * pieces of 32 KB ran 1.3–1.5× slower than in pieces of 200 KB or more, so pieces stay wide).
 */
export const PIECES_PER_THREAD = 2;

/** Least neurons per piece of a neuron run (a piece's rows are copied one by one: narrow pieces cost per row). */
export const MIN_PIECE_NEURONS = 8192;

/** Pieces per thread of a neuron run in the shared heap (`EngineCall.heap`: read in place, no row copies). */
export const HEAP_PIECES_PER_THREAD = 4;

/** Least neurons per piece of a neuron run in the shared heap. */
export const HEAP_MIN_PIECE_NEURONS = 4096;

/** Whether this thread may block in `Atomics.wait` (a worker may, a page's main thread may not). */
const mayBlock = (() => {
  let result: boolean | undefined;
  return (control: Int32Array): boolean => {
    if (result === undefined) {
      try {
        Atomics.wait(control, control.length - 1, 1, 0);
        result = true;
      } catch {
        result = false;
      }
    }
    return result;
  };
})();

/**
 * The browser's pool of workers (one per realm, see {@link webPool}).
 * @throws SpikeflowError from {@link WebPool.run}: more workers asked for than ready, or a worker's error
 */
export class WebPool {
  /**
   * `[0]`: workers still running the current job; `[1 + k]`: 1 when worker k failed;
   * `[NEXT]`: the next piece of the current job to take; last: scratch.
   */
  readonly control: Int32Array;
  /** Error text per worker, {@link ERROR_CHARS} code units each. */
  readonly errors: Uint16Array;
  readonly workers: WebPoolWorker[] = [];
  /** Index of the piece counter in {@link WebPool.control}. */
  private readonly next: number;
  private readonly staging = new Map<string, SharedArrayBuffer>();
  /** Pieces of every job run so far, and those the calling thread ran itself (diagnostics: see {@link webPoolStats}). */
  pieces = 0;
  mainPieces = 0;
  private starting: Promise<number> | undefined;
  private url: string | undefined;
  /** Web workers run calls in the shared heap in place: they import its memory (sent once). */
  readonly heapCalls = true;

  constructor(readonly maxWorkers: number) {
    this.control = new Int32Array(new SharedArrayBuffer(4 * (3 + maxWorkers)));
    this.next = 1 + maxWorkers;
    this.errors = new Uint16Array(new SharedArrayBuffer(2 * ERROR_CHARS * maxWorkers));
  }

  /** Workers that have started and can take jobs. */
  readyWorkers(): number {
    let n = 0;
    while (n < this.workers.length && (this.workers[n] as WebPoolWorker).ready) n++;
    return n;
  }

  /**
   * Starts workers until there are `count` (at most `maxWorkers`); resolves with the number
   * ready once all have started.
   * @throws (rejects) SpikeflowError when a worker fails to start (e.g. a Content-Security-Policy
   *   without `worker-src blob:`)
   */
  start(count: number): Promise<number> {
    const target = Math.min(count, this.maxWorkers);
    if (this.workers.length >= target) return this.starting?.then(() => this.readyWorkers()) ?? Promise.resolve(this.readyWorkers());
    this.url ??= URL.createObjectURL(new Blob([webWorkerSource()], { type: 'text/javascript' }));
    const started: Promise<void>[] = [];
    while (this.workers.length < target) {
      const index = this.workers.length;
      const worker = new Worker(this.url, { name: `spikeflow-threads-${index + 1}` });
      const entry: WebPoolWorker = { worker, engines: new Set(), ready: false, heap: false };
      this.workers.push(entry);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent) => {
            if ((e.data as { type?: string })?.type === 'ready') {
              entry.ready = true;
              resolve();
            }
          };
          worker.onerror = (e: ErrorEvent) => {
            reject(
              new SpikeflowError('startThreads', 'worker', `web worker ${index + 1} failed to start: ${e.message ?? 'unknown error'}`),
            );
          };
        }),
      );
      worker.postMessage({ type: 'init', control: this.control, errors: this.errors, index });
    }
    const before = this.starting ?? Promise.resolve(0);
    const all = Promise.all([before, ...started]).then(() => this.readyWorkers());
    this.starting = all;
    return all;
  }

  /**
   * Threads (the caller's included) that can run a job now, at most `threads`; starts the
   * missing workers in the background (later runs use them).
   */
  ready(threads: number): number {
    const want = Math.min(threads, this.maxWorkers + 1) - 1;
    if (this.workers.length < want) this.start(want).catch(() => undefined);
    return 1 + Math.min(want, this.readyWorkers());
  }

  /** A shared array of at least `length` elements for a staging role (reused; large ones are not kept). */
  stage(role: string, dtype: DType, length: number): TensorData {
    return stageShared(this.staging, role, dtype, length);
  }

  /**
   * Runs `[ranges[0][0], ranges[last][1])` on the calling thread and `ranges.length − 1` workers
   * (which must be ready), cut into {@link PIECES_PER_THREAD} pieces per thread (neuron runs: at
   * least {@link MIN_PIECE_NEURONS} neurons each) that every thread
   * takes from one shared counter (see `webWorker.ts`); returns when all are done. `call`'s arrays
   * must be shared (others would be copied). Pieces start on multiples of 16 (whole SIMD vectors).
   * @throws SpikeflowError naming the worker that failed, with its error's text
   */
  run(entry: WebEngineEntry, call: object, ranges: readonly (readonly [number, number])[]): void {
    const n = ranges.length - 1;
    if (n > this.readyWorkers()) {
      throw new SpikeflowError('threads', 'ranges', `${n} worker(s) asked for, ${this.readyWorkers()} ready`);
    }
    const lo = (ranges[0] as readonly [number, number])[0];
    const hi = (ranges[n] as readonly [number, number])[1];
    // A call in the shared heap copies nothing: narrower pieces cost no row copies, and share better.
    const heap = (call as { heap?: boolean }).heap === true;
    const least = entry.spec.kind === 'linear' ? 16 : heap ? HEAP_MIN_PIECE_NEURONS : MIN_PIECE_NEURONS;
    const perThread = heap ? HEAP_PIECES_PER_THREAD : PIECES_PER_THREAD;
    const step = Math.max(least, Math.ceil((hi - lo) / ((n + 1) * perThread) / 16) * 16);
    const pieces: [number, number][] = [];
    for (let a = lo; a < hi; a += step) pieces.push([a, Math.min(a + step, hi)]);
    const c = this.control;
    Atomics.store(c, this.next, 0);
    Atomics.store(c, 0, n);
    for (let k = 0; k < n; k++) {
      const w = this.workers[k] as WebPoolWorker;
      if (heap && !w.heap) {
        w.worker.postMessage({ type: 'heap', memory: sharedHeapMemory() });
        w.heap = true;
      }
      if (!w.engines.has(entry.id)) {
        w.worker.postMessage({ type: 'engine', id: entry.id, spec: entry.spec });
        w.engines.add(entry.id);
      }
      w.worker.postMessage({ type: 'job', engine: entry.id, call, pieces, next: this.next });
    }
    let mainError: unknown;
    this.pieces += pieces.length;
    try {
      for (let k = Atomics.add(c, this.next, 1); k < pieces.length; k = Atomics.add(c, this.next, 1)) {
        const piece = pieces[k] as [number, number];
        entry.main.runRange(call as Parameters<Engine['runRange']>[0], piece[0], piece[1]);
        this.mainPieces++;
      }
    } catch (e) {
      mainError = e;
      Atomics.store(c, this.next, pieces.length); // the others stop taking pieces
    }
    const block = mayBlock(c);
    for (let v = Atomics.load(c, 0); v !== 0; v = Atomics.load(c, 0)) if (block) Atomics.wait(c, 0, v);
    let workerError: SpikeflowError | undefined;
    for (let k = 0; k < n; k++) {
      if (Atomics.load(c, 1 + k) !== 0) {
        Atomics.store(c, 1 + k, 0);
        workerError ??= new SpikeflowError('threads', 'kernel', `web worker ${k + 1} failed: ${this.errorText(k)}`);
      }
    }
    if (mainError !== undefined) throw mainError;
    if (workerError !== undefined) throw workerError;
  }

  private errorText(k: number): string {
    let s = '';
    for (let j = k * ERROR_CHARS; j < (k + 1) * ERROR_CHARS && this.errors[j] !== 0; j++)
      s += String.fromCharCode(this.errors[j] as number);
    return s === '' ? 'unknown error' : s;
  }

  terminate(): void {
    for (const w of this.workers.splice(0)) w.worker.terminate();
    this.staging.clear();
    this.starting = undefined;
    if (this.url !== undefined) URL.revokeObjectURL(this.url);
    this.url = undefined;
  }
}

let pool: WebPool | undefined;

/** Whether this realm can run web workers over shared memory (cross-origin isolated, with `Worker`). */
export const webThreadsAvailable = (): boolean => {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof SharedArrayBuffer === 'function';
};

/**
 * The realm's web pool, made on first use.
 * @param maxWorkers - most workers (used when the pool is made)
 * @throws SpikeflowError when this realm is not cross-origin isolated (see {@link webThreadsAvailable})
 */
export const webPool = (maxWorkers: number): WebPool => {
  if (pool === undefined) {
    if (!webThreadsAvailable()) {
      throw new SpikeflowError(
        'threads',
        'environment',
        'web workers over shared memory need a cross-origin isolated page (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)',
      );
    }
    pool = new WebPool(maxWorkers);
  }
  return pool;
};

/**
 * Pieces of the jobs the realm's web pool ran, and how many of them the calling thread ran itself
 * (the rest ran on workers): a worker that starts late or is descheduled leaves its share to the
 * caller. Zeros before the pool exists.
 */
export const webPoolStats = (): { readonly pieces: number; readonly mainPieces: number } =>
  Object.freeze({ pieces: pool?.pieces ?? 0, mainPieces: pool?.mainPieces ?? 0 });

/** Web workers started in this realm (ready or starting). */
export const webWorkerCount = (): number => pool?.workers.length ?? 0;

/** Terminates the realm's web workers (started again on demand). */
export const terminateWebPool = (): void => {
  const p = pool;
  pool = undefined;
  p?.terminate();
};
