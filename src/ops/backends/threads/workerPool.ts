/**
 * The worker pool of the `threads` backend: workers started on demand (`worker.ts`), jobs posted
 * to them over message ports, a synchronous fork-join over a shared control word, and reusable
 * shared staging buffers.
 * @module
 */
import { SpikeflowError } from '../../errors.js';
import { isPooledBuffer, onOutputPoolRelease } from '../../outputPool.js';
import type { DType, TensorData } from '../../tensor.js';
import type { UpdateCall } from '../../update/lowerJs.js';
import type { Engine, EngineSpec } from './engineTypes.js';
import { type WorkerThreads, workerThreads } from './plan.js';
import { stageShared } from './staging.js';
import { terminateWebPool, webPool, webWorkerCount } from './webPool.js';
import { workerSource } from './worker.js';

/** A compiled engine with its identity (workers compile each engine once, on first use). */
export interface EngineEntry {
  readonly id: number;
  readonly spec: EngineSpec;
  readonly main: Engine;
}

interface PoolWorker {
  readonly worker: import('node:worker_threads').Worker;
  readonly port: import('node:worker_threads').MessagePort;
  readonly engines: Set<number>;
}

/** Most worker threads. */
export const MAX_WORKERS = 64;
const PENDING = 0;
const genIndex = (k: number) => 1 + 2 * k;
const errIndex = (k: number) => 2 + 2 * k;
const claimIndex = (k: number) => 1 + 2 * MAX_WORKERS + k;
const sleepIndex = (k: number) => 1 + 3 * MAX_WORKERS + k;

/**
 * Milliseconds a thread watches a shared word before it sleeps in `Atomics.wait`: a worker after
 * its job (for the next one), the calling thread for the workers to finish. A stream hands the
 * workers a job per chunk, and each wake-up from `Atomics.wait` cost 50–150 µs on the 2-core VMs
 * this is developed on (a notify of a sleeping worker alone ~20–55 µs): at N = 1e4, chunks of 100
 * steps on 2 threads (~0.8 ms of work per thread and chunk), chunked runs with caller-given
 * outputs ran 81–84 % of the fused run's speed sleeping at once, 86–93 % watching first (scratch,
 * three alternated processes each, 2026-12-07). A worker that finds no job in this time sleeps.
 */
export const SPIN_MS = 0.3;

/** Most milliseconds the calling thread watches for the workers to finish before it sleeps (see {@link SPIN_MS}). */
export const JOIN_SPIN_MS = 1;

/**
 * How far the share of the calling thread moves per job towards the balance the last job showed
 * (see {@link Pool.run}): half the way, so that one slow job does not swing it.
 */
export const SHARE_GAIN = 0.5;

/** The calling thread's share is kept between half and twice a worker's. */
export const SHARE_LIMITS: readonly [number, number] = [0.5, 2];

/**
 * One job changes the share by at most these factors: a worker that lost its core for a few
 * milliseconds in one job (1 job in 6 on the 2-core VMs here) moves the cut of the next jobs by a
 * quarter at most, not to a limit.
 */
export const SHARE_STEP: readonly [number, number] = [0.8, 1.25];

/** Milliseconds of the monotonic clock that every thread of the process reads alike. */
const clockMs = (): number => {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
};

/**
 * Splits `[lo, hi)` among the calling thread and `workers` workers: the calling thread takes
 * `share` times a worker's neurons, the workers equal parts (ranges on multiples of 16 neurons from
 * `lo`, as {@link splitRanges}). Internal to the `threads` pool (spikeflow's own scheme, no paper);
 * throws nothing.
 * @param lo - first neuron (index, inclusive)
 * @param hi - end neuron (index, exclusive; > lo)
 * @param workers - worker threads besides the calling one (≥ 1)
 * @param share - the calling thread's neurons over a worker's (> 0; {@link SHARE_LIMITS} in practice)
 * @returns `workers + 1` contiguous `[lo, hi)` ranges, the calling thread's first; undefined when
 *   the neurons are too few for every thread to get at least 16
 */
export const weightedRanges = (lo: number, hi: number, workers: number, share: number): [number, number][] | undefined => {
  const width = hi - lo;
  const own = Math.round((width * share) / (share + workers) / 16) * 16;
  if (own < 16 || width - own < 16 * workers) return undefined;
  const rest = splitRanges(lo + own, hi, workers);
  return rest.length === workers ? [[lo, lo + own], ...rest] : undefined;
};

/** Returns once no worker runs the current job any longer (`control[PENDING]` is 0): watches, then sleeps. */
const awaitWorkers = (c: Int32Array): void => {
  if (Atomics.load(c, PENDING) === 0) return;
  const until = performance.now() + JOIN_SPIN_MS;
  for (let k = 1; Atomics.load(c, PENDING) !== 0; k++) if ((k & 255) === 0 && performance.now() > until) break;
  for (let v = Atomics.load(c, PENDING); v !== 0; v = Atomics.load(c, PENDING)) Atomics.wait(c, PENDING, v);
};

/** What the fused runs and the linear map use of a pool: Node's {@link Pool}, or a browser's `WebPool` (`webPool.ts`). */
export interface ThreadPool {
  /** Threads (the caller's included) that can run a job now, at most `threads` (a browser starts its workers asynchronously). */
  ready(threads: number): number;
  /** A shared array of at least `length` elements for a staging role. */
  stage(role: string, dtype: DType, length: number): TensorData;
  /** Whether its workers run calls in the shared heap in place (`EngineCall.heap`, see `ops/sharedHeap.ts`). */
  readonly heapCalls: boolean;
  /** Runs ranges[0] on the calling thread and ranges[k] on worker k−1; returns when all are done. */
  run(entry: EngineEntry, call: object, ranges: readonly (readonly [number, number])[]): void;
}

/** The workers, their control words and the staging buffers (one per process, see {@link poolOf}). */
export class Pool implements ThreadPool {
  readonly control = new Int32Array(new SharedArrayBuffer(4 * (1 + 4 * MAX_WORKERS)));
  /** Each worker's last job number (see `worker.ts`: the claim word). */
  private readonly seqs: number[] = [];
  /** Jobs of a worker the calling thread ran itself because the worker had not started them (for tests and diagnostics). */
  takenOver = 0;
  /** When each worker finished its last job (ms, {@link clockMs}; 0 until it did), written by the workers. */
  readonly finished = new Float64Array(new SharedArrayBuffer(8 * MAX_WORKERS));
  /** The calling thread's share (its neurons over a worker's) per kind of job: engine, steps, neurons, workers. */
  private readonly shares = new Map<string, number>();
  readonly workers: PoolWorker[] = [];
  private readonly staging = new Map<string, SharedArrayBuffer>();
  /** Bytes of shared buffers handed to the workers since they last collected their garbage. */
  private sinceCollect = 0;
  /** Jobs in which the workers were told to collect their garbage (for tests and diagnostics). */
  collections = 0;
  /** The buffers counted in {@link Pool.sinceCollect} (a buffer handed again adds no memory a worker holds). */
  private handed = new WeakSet<ArrayBufferLike>();

  /** Node's workers have no shared heap (Node's shared tensors are `SharedArrayBuffer`s). */
  readonly heapCalls = false;

  /** Stops listening to the output pool's releases. */
  private readonly unlisten: () => void;
  private collectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly wt: WorkerThreads) {
    // Pooled outputs are not counted when handed over (the pool holds their memory whatever
    // the workers hold); once the pool lets such memory go, worker handles may be all that keep
    // it: count it then, and have idle workers collect soon (a job collects earlier if one comes).
    this.unlisten = onOutputPoolRelease((bytes) => {
      this.sinceCollect += bytes;
      if (this.sinceCollect < COLLECT_EVERY_BYTES || this.collectTimer !== undefined) return;
      this.collectTimer = setTimeout(() => {
        this.collectTimer = undefined;
        if (this.sinceCollect >= COLLECT_EVERY_BYTES) this.collectNow();
      }, 0);
      (this.collectTimer as { unref?: () => void }).unref?.();
    });
  }

  /** Has every started worker collect its garbage now (a job that runs nothing; used between runs). */
  collectNow(): void {
    const n = this.workers.length;
    this.collections++;
    this.sinceCollect = 0;
    this.handed = new WeakSet();
    if (n === 0) return;
    const c = this.control;
    Atomics.store(c, PENDING, n);
    for (let k = 0; k < n; k++) {
      (this.workers[k] as PoolWorker).port.postMessage({ type: 'collect' });
      Atomics.add(c, genIndex(k), 1);
      Atomics.notify(c, genIndex(k));
    }
    for (let v = Atomics.load(c, PENDING); v !== 0; v = Atomics.load(c, PENDING)) Atomics.wait(c, PENDING, v);
  }

  /** Node starts workers synchronously (in {@link Pool.run}): every thread asked for can run. */
  ready(threads: number): number {
    return Math.min(threads, MAX_WORKERS + 1);
  }

  /**
   * Counts the shared buffers a job's call refers to (arrays directly or in arrays of the call)
   * that were not handed over since the workers' last collection (pooled outputs excepted: the
   * output pool keeps their memory until it lets it go, counted then), and decides whether this job
   * collects: a worker's handles keep whole buffers alive, and a buffer handed again (a reused
   * output, chunks of one input: views of one buffer) holds no more. After a collection the
   * buffers of the collecting job stay counted as handed, so the next chunk of the same input
   * does not make the workers collect again (it did, once per chunk, when the input's buffer
   * alone was over {@link COLLECT_EVERY_BYTES}: about 5 ms per chunk of 100 steps × 10 000 neurons).
   * @returns whether the workers collect their garbage in this job
   */
  private collects(call: object): boolean {
    const buffers: ArrayBufferLike[] = [];
    const add = (a: unknown) => {
      if (ArrayBuffer.isView(a)) buffers.push(a.buffer);
    };
    for (const v of Object.values(call)) {
      if (Array.isArray(v)) for (const a of v) add(a);
      else add(v);
    }
    for (const b of buffers) {
      if (this.handed.has(b) || isPooledBuffer(b)) continue;
      this.handed.add(b);
      this.sinceCollect += b.byteLength;
    }
    if (this.sinceCollect < COLLECT_EVERY_BYTES) return false;
    this.collections++;
    this.sinceCollect = 0;
    this.handed = new WeakSet(buffers);
    return true;
  }

  ensure(count: number): void {
    while (this.workers.length < Math.min(count, MAX_WORKERS)) {
      const index = this.workers.length;
      const { port1, port2 } = new this.wt.MessageChannel();
      const worker = new this.wt.Worker(workerSource(), {
        eval: true,
        // The engine is plain JavaScript: no loader flags (tsx, test runners) are inherited.
        execArgv: [],
        workerData: {
          control: this.control,
          port: port2,
          genIndex: genIndex(index),
          errIndex: errIndex(index),
          claimIndex: claimIndex(index),
          sleepIndex: sleepIndex(index),
          spinMs: SPIN_MS,
          finished: this.finished,
          finishedIndex: index,
        },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, port: port1, engines: new Set() });
      this.seqs.push(0);
    }
  }

  /** A shared array of at least `length` elements for a staging role (reused; large ones are not kept). */
  stage(role: string, dtype: DType, length: number): TensorData {
    return stageShared(this.staging, role, dtype, length);
  }

  /**
   * Runs ranges[0] on the main thread and ranges[k] on worker k−1; returns when all are done.
   * `call` is posted to the workers: its arrays must be shared (others would be copied).
   *
   * Contiguous ranges (as {@link splitRanges} makes them) are re-cut so that the threads finish
   * together: per kind of job (engine, steps, neurons, threads) the calling thread keeps a share
   * (its neurons over a worker's, 1 at first, within {@link SHARE_LIMITS}), and after each job whose
   * ranges every worker ran itself it multiplies the share by 1 + {@link SHARE_GAIN} × (when the last
   * worker finished − when it finished) / its own range's time, within {@link SHARE_STEP}. Why: on
   * the 2-core VMs here a worker ran an equal range 10–15 % slower than the calling thread (it starts
   * after the job message and competes with the collector's threads), so the calling thread waited
   * ~1.1 ms per fused run at N = 1e4 and ~0.16 ms per chunk of a stream. Each neuron is computed
   * alike on any thread, so results do not depend on the cut.
   */
  run(entry: EngineEntry, call: object, ranges: readonly (readonly [number, number])[]): void {
    const n = ranges.length - 1;
    const lo0 = (ranges[0] as readonly [number, number])[0];
    const hi0 = (ranges[n] as readonly [number, number])[1];
    const contiguous = n > 0 && ranges.every(([a, b], k) => b > a && (k === 0 || a === (ranges[k - 1] as readonly [number, number])[1]));
    const key = contiguous ? `${entry.id} ${(call as { T?: number }).T ?? 0} ${lo0} ${hi0} ${n}` : undefined;
    const share = key === undefined ? undefined : this.shares.get(key);
    if (share !== undefined) ranges = weightedRanges(lo0, hi0, n, share) ?? ranges;
    // Every job hands the workers new handles on its shared buffers, which they free only when
    // they collect garbage: have them collect once the buffers handed over since their last
    // collection reach COLLECT_EVERY_BYTES (one large job, or many small ones), so what they hold
    // is bounded whatever the run sizes.
    const large = this.collects(call);
    this.ensure(n);
    const c = this.control;
    Atomics.store(c, PENDING, n);
    for (let k = 0; k < n; k++) {
      const w = this.workers[k] as PoolWorker;
      if (!w.engines.has(entry.id)) {
        w.port.postMessage({ type: 'engine', id: entry.id, spec: entry.spec });
        w.engines.add(entry.id);
      }
      const [lo, hi] = ranges[k + 1] as readonly [number, number];
      const seq = (this.seqs[k] as number) + 1;
      this.seqs[k] = seq;
      this.finished[k] = 0;
      w.port.postMessage({ type: 'job', engine: entry.id, call, lo, hi, large, seq });
      Atomics.add(c, genIndex(k), 1);
      if (Atomics.load(c, sleepIndex(k)) !== 0) Atomics.notify(c, genIndex(k));
    }
    const started = clockMs();
    let ownEnd = 0;
    const taken = this.takenOver;
    let mainError: unknown;
    try {
      const [lo, hi] = ranges[0] as readonly [number, number];
      entry.main.runRange(call as UpdateCall, lo, hi);
      ownEnd = clockMs();
      // Ranges no worker has started yet (it sleeps, or waits for a core): run them here.
      for (let k = 0; k < n; k++) {
        const seq = this.seqs[k] as number;
        if (Atomics.load(c, claimIndex(k)) !== seq - 1 || Atomics.compareExchange(c, claimIndex(k), seq - 1, seq) !== seq - 1) continue;
        this.takenOver++;
        try {
          const [a, b] = ranges[k + 1] as readonly [number, number];
          entry.main.runRange(call as UpdateCall, a, b);
        } finally {
          Atomics.sub(c, PENDING, 1);
        }
      }
    } catch (e) {
      mainError = e;
    }
    awaitWorkers(c);
    if (key !== undefined && mainError === undefined && this.takenOver === taken && ownEnd > started) {
      let last = 0;
      for (let k = 0; k < n; k++) last = Math.max(last, this.finished[k] === 0 ? Number.NaN : (this.finished[k] as number));
      const [least, most] = SHARE_LIMITS;
      const [down, up] = SHARE_STEP;
      const next = (share ?? 1) * Math.min(up, Math.max(down, 1 + (SHARE_GAIN * (last - ownEnd)) / (ownEnd - started)));
      if (Number.isFinite(next)) {
        if (this.shares.size >= 256) this.shares.clear();
        this.shares.set(key, Math.min(most, Math.max(least, next)));
      }
    }
    // Collect (and clear) every worker's failure, so the next run starts clean.
    let workerError: SpikeflowError | undefined;
    for (let k = 0; k < n; k++) {
      if (Atomics.load(c, errIndex(k)) !== 0) {
        Atomics.store(c, errIndex(k), 0);
        const w = this.workers[k] as PoolWorker;
        const m = this.wt.receiveMessageOnPort(w.port)?.message as { message?: string } | undefined;
        workerError ??= new SpikeflowError('threads', 'kernel', `worker ${k + 1} failed: ${m?.message ?? 'unknown error'}`);
      }
    }
    if (mainError !== undefined) throw mainError;
    if (workerError !== undefined) throw workerError;
  }

  async terminate(): Promise<void> {
    this.unlisten();
    if (this.collectTimer !== undefined) clearTimeout(this.collectTimer);
    const ws = this.workers.splice(0);
    ws.forEach((_, k) => {
      Atomics.store(this.control, genIndex(k), -1);
      Atomics.notify(this.control, genIndex(k));
    });
    await Promise.all(ws.map((w) => w.worker.terminate()));
    for (let k = 0; k < ws.length; k++) {
      Atomics.store(this.control, claimIndex(k), 0);
      Atomics.store(this.control, sleepIndex(k), 0);
    }
    this.seqs.length = 0;
    for (const w of ws) w.port.close();
    this.staging.clear();
  }
}

/**
 * The workers collect their garbage (see `worker.ts`) after jobs whose shared buffers, summed
 * since their last collection, reach this many bytes: at most this much (plus one job) of dropped
 * results stays held by worker handles. Counting per job only (the former rule, ≥ 8 MB per job)
 * let runs of 3 MB results each pile up to gigabytes (issue 14: 10 000 runs at N = 1e5, T = 8).
 */
const COLLECT_EVERY_BYTES = 32 * 1024 * 1024;

let pool: Pool | undefined;

/**
 * The process's pool, started on first use: Node's worker threads, or in a browser the realm's
 * web workers (`webPool.ts`; needs a cross-origin isolated page).
 */
export const poolOf = (): ThreadPool => {
  const wt = workerThreads();
  if (wt === undefined) return webPool(MAX_WORKERS);
  pool ??= new Pool(wt);
  return pool;
};

/** Number of worker threads (Node) or web workers (browsers) currently started (the main thread not counted). */
export const activeWorkers = (): number => (pool?.workers.length ?? 0) + webWorkerCount();

/**
 * Terminates the worker threads (they are started again on demand). Workers never keep a process
 * alive (they are unref'd), but tests and embedders can release them explicitly.
 */
export const terminateThreads = async (): Promise<void> => {
  const p = pool;
  pool = undefined;
  terminateWebPool();
  await p?.terminate();
};

/** Whether an array lives in a `SharedArrayBuffer` (threads read it without a copy). */
export const isShared = (a: TensorData): boolean => typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;

export { allocateShared } from '../../tensor.js';

/** Splits `[lo, hi)` into `threads` contiguous ranges starting on multiples of 16 neurons. */
export const splitRanges = (lo: number, hi: number, threads: number): [number, number][] => {
  const step = Math.ceil((hi - lo) / threads / 16) * 16;
  const ranges: [number, number][] = [];
  for (let a = lo; a < hi; a += step) ranges.push([a, Math.min(a + step, hi)]);
  return ranges;
};
