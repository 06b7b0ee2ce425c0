/**
 * The multi-threaded CPU engine: a fused neuron run split across worker threads by neuron range.
 *
 * Neurons of a feed-forward layer are independent within a step, so `M` neurons split into
 * contiguous ranges, one per thread; every thread runs all `T` steps of its range. The main thread
 * takes the first range itself and joins the workers with `Atomics.wait`, so a run stays
 * synchronous. Inputs, outputs and state live in `SharedArrayBuffer`s (arrays that are not are
 * copied into reusable shared staging buffers and back). Each thread runs the same code
 * (`threadsEngine.ts`): the kernel's WebAssembly SIMD translation (`wasmSimd.ts`) when there is
 * one, else the `js` backend's loop text — so results are bit for bit the `js` backend's, whatever
 * the number of threads.
 *
 * Small runs stay on the main thread (hand-off costs more than it saves): {@link planThreads}
 * chooses the number of threads from `T·M`, and every compiled kernel reports its choice.
 * Needs Node's `worker_threads` (the main thread may block in `Atomics.wait`); elsewhere the
 * engine runs single-threaded.
 * @module
 */
import { SpikeflowError } from '../errors.js';
import { type CompiledKernel, type KernelCall, kernelSource, type NeuronKernel } from '../kernel.js';
import type { DType, TensorData } from '../tensor.js';
import { ENGINE_SOURCE, type Engine, type EngineSpec, WORKER_SOURCE } from './threadsEngine.js';
import { compileWasmKernel, linearWasmKernel } from './wasmSimd.js';

type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

const builtin = <T>(id: string): T | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
};

/** Node's worker_threads, when this runtime has it (loaded without a static import, so browsers can bundle this module). */
const workerThreads = (): WorkerThreads | undefined => builtin<WorkerThreads>('node:worker_threads');

/**
 * Threads this machine offers (`os.availableParallelism()`), or 1 where worker threads or
 * `SharedArrayBuffer` are unavailable.
 */
export const hardwareThreads = (): number => {
  if (workerThreads() === undefined || typeof SharedArrayBuffer === 'undefined') return 1;
  const os = builtin<Os>('node:os');
  return Math.max(1, os?.availableParallelism?.() ?? os?.cpus().length ?? 1);
};

/** Options of {@link compileThreaded}. */
export interface ThreadsOptions {
  /** Most threads to use, the main thread included (integer ≥ 1; default {@link hardwareThreads}). */
  readonly threads?: number;
  /**
   * Least neuron-steps (`T·M`) per thread: a run of `T·M` uses at most `⌊T·M / this⌋` threads
   * (default {@link DEFAULT_MIN_NEURON_STEPS_PER_THREAD}).
   */
  readonly minNeuronStepsPerThread?: number;
  /** Least neurons per thread (integer ≥ 1, default {@link MIN_NEURONS_PER_THREAD}). */
  readonly minNeuronsPerThread?: number;
  /** `auto` (wasm SIMD when the kernel translates, default), `wasm` (throws when it does not) or `js`. */
  readonly engine?: 'auto' | 'wasm' | 'js';
}

/**
 * Default least work per thread, in neuron-steps. A fork-join costs tens of microseconds
 * (a message and a futex wake per worker); a thread runs about 1e9 LIF neuron-steps/s with
 * wasm SIMD, so a thread needs ~2.5e5 neuron-steps to pay for itself a few times over.
 */
export const DEFAULT_MIN_NEURON_STEPS_PER_THREAD = 262_144;

/** What a compiled kernel does for a run of a given size. */
export interface ThreadsPlan {
  /** Threads that run (1: the main thread alone). */
  readonly threads: number;
  /** Loop each thread runs: `wasm` (SIMD) or `js`. */
  readonly engine: 'wasm' | 'js';
  /** Why, in words (e.g. `T·M = 1e6 < 2 × 262144: 1 thread`). */
  readonly reason: string;
}

/** A kernel compiled by {@link compileThreaded}: a {@link CompiledKernel} that also tells its plan. */
export interface ThreadedKernel extends CompiledKernel {
  /** The plan for `T` steps of `M` neurons. */
  readonly plan: (T: number, M: number) => ThreadsPlan;
  /** `wasm` or `js`. */
  readonly engine: 'wasm' | 'js';
  /** Why the wasm translation was not used, when it was not. */
  readonly wasmUnsupported?: string | undefined;
}

/**
 * Least neurons per thread. A thread copies its neurons' rows into its wasm memory one row at a
 * time (a whole layer narrower than a block is copied in one piece), so narrow ranges pay a per-row
 * cost that a single thread does not: measured on 2 cores, 2 threads beat 1 from about 3000
 * neurons on (T = 1000: 1e3 → 0.6 vs 1.2 G neuron-steps/s, 4e3 → 1.3 vs 0.9, 1.6e4 → 1.5 vs 0.86).
 */
export const MIN_NEURONS_PER_THREAD = 1536;

/**
 * Chooses the number of threads for `T` steps of `M` neurons: as many as the work pays for
 * (`⌊T·M / minNeuronStepsPerThread⌋`), at most `maxThreads`, and at most one per
 * `minNeuronsPerThread` neurons.
 * @param T - time steps
 * @param M - neurons
 * @param maxThreads - most threads allowed
 * @param minNeuronStepsPerThread - least work per thread
 * @param minNeuronsPerThread - least neurons per thread (default {@link MIN_NEURONS_PER_THREAD})
 */
export const planThreads = (
  T: number,
  M: number,
  maxThreads: number,
  minNeuronStepsPerThread: number,
  minNeuronsPerThread: number = MIN_NEURONS_PER_THREAD,
): { threads: number; reason: string } => {
  const work = T * M;
  const byWork = Math.floor(work / minNeuronStepsPerThread);
  const byWidth = Math.floor(M / minNeuronsPerThread);
  const threads = Math.max(1, Math.min(maxThreads, byWork, byWidth));
  const reason =
    threads === maxThreads
      ? `${threads} thread(s), all allowed (T·M = ${work})`
      : byWork <= byWidth
        ? `${threads} thread(s): T·M = ${work} pays for ${Math.max(1, byWork)} at ≥ ${minNeuronStepsPerThread} neuron-steps each`
        : `${threads} thread(s): M = ${M} gives ≥ ${minNeuronsPerThread} neurons to ${Math.max(1, byWidth)}`;
  return { threads, reason };
};

// ---------------------------------------------------------------------------------------------
// Engines (compiled kernels) shared by the main thread and the workers.

interface EngineEntry {
  readonly id: number;
  readonly spec: EngineSpec;
  readonly main: Engine;
}

const createEngine = new Function(`${ENGINE_SOURCE}\nreturn createEngine;`)() as (spec: EngineSpec) => Engine;
const engines = new WeakMap<NeuronKernel, Map<string, EngineEntry>>();
let nextEngineId = 1;

/** Neurons per block and elements per tile of the wasm path (see `threadsEngine.ts`). */
const BLOCK_WIDTH = 8192;
const TILE_ELEMENTS = 32768;

const engineFor = (kernel: NeuronKernel, dtype: DType, recording: boolean, kind: 'auto' | 'wasm' | 'js') => {
  let byKey = engines.get(kernel);
  if (byKey === undefined) {
    byKey = new Map();
    engines.set(kernel, byKey);
  }
  const wasm = kind === 'js' ? undefined : compileWasmKernel(kernel, dtype, recording);
  const unsupported = wasm !== undefined && 'unsupported' in wasm ? wasm.unsupported : undefined;
  if (kind === 'wasm' && unsupported !== undefined) {
    throw new SpikeflowError('compileThreaded', 'engine', `engine "wasm" cannot run kernel ${kernel.name}: ${unsupported}`);
  }
  const useWasm = wasm !== undefined && unsupported === undefined;
  const key = `${dtype}:${recording}:${useWasm ? 'wasm' : 'js'}`;
  let entry = byKey.get(key);
  if (entry === undefined) {
    const spec: EngineSpec = {
      jsSource: kernelSource(kernel, dtype, recording),
      wasm: useWasm ? (wasm as Exclude<typeof wasm, { unsupported: string } | undefined>) : undefined,
      nIn: kernel.inputs.length,
      nState: kernel.state.length,
      recording,
      blockWidth: BLOCK_WIDTH,
      tileElements: TILE_ELEMENTS,
    };
    entry = { id: nextEngineId++, spec, main: createEngine(spec) };
    byKey.set(key, entry);
  }
  return { entry, unsupported: kind === 'js' ? 'engine "js" was asked for' : unsupported };
};

// ---------------------------------------------------------------------------------------------
// The worker pool.

interface PoolWorker {
  readonly worker: import('node:worker_threads').Worker;
  readonly port: import('node:worker_threads').MessagePort;
  readonly engines: Set<number>;
}

const MAX_WORKERS = 64;
const PENDING = 0;
const genIndex = (k: number) => 1 + 2 * k;
const errIndex = (k: number) => 2 + 2 * k;

class Pool {
  readonly control = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * MAX_WORKERS)));
  readonly workers: PoolWorker[] = [];
  private readonly staging = new Map<string, SharedArrayBuffer>();

  constructor(private readonly wt: WorkerThreads) {}

  ensure(count: number): void {
    while (this.workers.length < Math.min(count, MAX_WORKERS)) {
      const index = this.workers.length;
      const { port1, port2 } = new this.wt.MessageChannel();
      const worker = new this.wt.Worker(WORKER_SOURCE, {
        eval: true,
        // The engine is plain JavaScript: no loader flags (tsx, test runners) are inherited.
        execArgv: [],
        workerData: { control: this.control, port: port2, genIndex: genIndex(index), errIndex: errIndex(index) },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push({ worker, port: port1, engines: new Set() });
    }
  }

  /** A shared array of at least `length` elements for a staging role (reused; large ones are not kept). */
  stage(role: string, dtype: DType, length: number): TensorData {
    const bytes = length * (dtype === 'float64' ? 8 : 4);
    let sab = this.staging.get(role);
    if (sab === undefined || sab.byteLength < bytes) {
      sab = new SharedArrayBuffer(Math.max(bytes, 8));
      if (bytes <= STAGING_KEEP_BYTES) this.staging.set(role, sab);
    }
    return dtype === 'float64' ? new Float64Array(sab, 0, length) : new Float32Array(sab, 0, length);
  }

  /**
   * Runs ranges[0] on the main thread and ranges[k] on worker k−1; returns when all are done.
   * `call` is posted to the workers: its arrays must be shared (others would be copied).
   */
  run(entry: EngineEntry, call: object, ranges: readonly (readonly [number, number])[]): void {
    const n = ranges.length - 1;
    const large = sharedBytes(call) >= LARGE_JOB_BYTES;
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
      w.port.postMessage({ type: 'job', engine: entry.id, call, lo, hi, large });
      Atomics.add(c, genIndex(k), 1);
      Atomics.notify(c, genIndex(k));
    }
    let mainError: unknown;
    try {
      const [lo, hi] = ranges[0] as readonly [number, number];
      entry.main.runRange(call as KernelCall, lo, hi);
    } catch (e) {
      mainError = e;
    }
    for (let v = Atomics.load(c, PENDING); v !== 0; v = Atomics.load(c, PENDING)) Atomics.wait(c, PENDING, v);
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
    const ws = this.workers.splice(0);
    ws.forEach((_, k) => {
      Atomics.store(this.control, genIndex(k), -1);
      Atomics.notify(this.control, genIndex(k));
    });
    await Promise.all(ws.map((w) => w.worker.terminate()));
    for (const w of ws) w.port.close();
    this.staging.clear();
  }
}

/** Jobs over buffers of this many bytes or more make the workers collect their garbage afterwards (see `WORKER_SOURCE`). */
const LARGE_JOB_BYTES = 8 * 1024 * 1024;

/** Bytes of the shared arrays a job's call refers to (arrays directly or in arrays of the call). */
const sharedBytes = (call: object): number => {
  let bytes = 0;
  for (const v of Object.values(call)) {
    if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    else if (Array.isArray(v)) for (const a of v) if (ArrayBuffer.isView(a)) bytes += a.byteLength;
  }
  return bytes;
};

/** Staging buffers up to this size are kept for reuse; larger ones are allocated per run. */
const STAGING_KEEP_BYTES = 64 * 1024 * 1024;

let pool: Pool | undefined;

/** Number of worker threads currently started (the main thread not counted). */
export const activeWorkers = (): number => pool?.workers.length ?? 0;

/**
 * Terminates the worker threads (they are started again on demand). Workers never keep a process
 * alive (they are unref'd), but tests and embedders can release them explicitly.
 */
export const terminateThreads = async (): Promise<void> => {
  const p = pool;
  pool = undefined;
  await p?.terminate();
};

const isShared = (a: TensorData): boolean => typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;

/**
 * Allocates zeroed storage backed by a `SharedArrayBuffer` (an ordinary array where shared memory
 * is unavailable), so threads read and write it without copies.
 * @param dtype - element type
 * @param length - number of elements
 */
export const allocateShared = (dtype: DType, length: number): TensorData => {
  if (typeof SharedArrayBuffer === 'undefined') return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  const sab = new SharedArrayBuffer(length * (dtype === 'float64' ? 8 : 4));
  return dtype === 'float64' ? new Float64Array(sab) : new Float32Array(sab);
};

/** Splits `[lo, hi)` into `threads` contiguous ranges starting on multiples of 16 neurons. */
const splitRanges = (lo: number, hi: number, threads: number): [number, number][] => {
  const step = Math.ceil((hi - lo) / threads / 16) * 16;
  const ranges: [number, number][] = [];
  for (let a = lo; a < hi; a += step) ranges.push([a, Math.min(a + step, hi)]);
  return ranges;
};

/**
 * Validates {@link ThreadsOptions} and fills the defaults.
 * @param where - the function validating, for messages
 * @param options - the options
 * @throws SpikeflowError naming the option that is not an integer ≥ 1 (`threads`,
 *   `minNeuronsPerThread`), not a positive number (`minNeuronStepsPerThread`) or not an engine
 */
export const checkThreadsOptions = (where: string, options: ThreadsOptions) => {
  if (options === null || typeof options !== 'object') {
    throw new SpikeflowError(where, 'options', `options must be an object, received ${String(options)}`);
  }
  const maxThreads = options.threads ?? hardwareThreads();
  if (!Number.isInteger(maxThreads) || maxThreads < 1) {
    throw new SpikeflowError(where, 'threads', `threads must be an integer ≥ 1, received ${String(options.threads)}`);
  }
  const minWork = options.minNeuronStepsPerThread ?? DEFAULT_MIN_NEURON_STEPS_PER_THREAD;
  if (!(Number.isFinite(minWork) && minWork > 0)) {
    throw new SpikeflowError(
      where,
      'minNeuronStepsPerThread',
      `minNeuronStepsPerThread must be a positive number, received ${String(minWork)}`,
    );
  }
  const minWidth = options.minNeuronsPerThread ?? MIN_NEURONS_PER_THREAD;
  if (!Number.isInteger(minWidth) || minWidth < 1) {
    throw new SpikeflowError(where, 'minNeuronsPerThread', `minNeuronsPerThread must be an integer ≥ 1, received ${String(minWidth)}`);
  }
  const kind = options.engine ?? 'auto';
  if (kind !== 'auto' && kind !== 'wasm' && kind !== 'js') {
    throw new SpikeflowError(where, 'engine', `engine must be "auto", "wasm" or "js", received ${JSON.stringify(kind)}`);
  }
  return { maxThreads, minWork, minWidth, kind };
};

/**
 * Compiles a kernel for the multi-threaded engine. The result is a {@link CompiledKernel}: it runs
 * `call` (all neurons, or `[call.lo, call.hi)`) on as many threads as {@link planThreads} allows,
 * each running the wasm SIMD translation of the kernel when there is one, else the `js` loop.
 * Equal, bit for bit, to `compileJs(kernel, dtype, recording)` on the same call.
 * @param kernel - the per-neuron update
 * @param dtype - `float32` or `float64`
 * @param recording - whether calls carry per-step state records
 * @param options - threads, least work per thread, engine
 * @throws SpikeflowError for invalid options, or `engine: 'wasm'` on a kernel that does not translate
 */
export const compileThreaded = (kernel: NeuronKernel, dtype: DType, recording: boolean, options: ThreadsOptions = {}): ThreadedKernel => {
  const { maxThreads, minWork, minWidth, kind } = checkThreadsOptions('compileThreaded', options);
  const { entry, unsupported } = engineFor(kernel, dtype, recording, kind);
  const engine = entry.main.kind;
  const allowed = Math.min(maxThreads, hardwareThreads() >= 2 ? MAX_WORKERS + 1 : 1);

  const plan = (T: number, M: number): ThreadsPlan => {
    const p = planThreads(T, M, allowed, minWork, minWidth);
    return { threads: p.threads, engine, reason: p.reason };
  };

  const run = (call: KernelCall): void => {
    const lo = call.lo ?? 0;
    const hi = call.hi ?? call.M;
    const { threads } = planThreads(call.T, hi - lo, allowed, minWork, minWidth);
    if (threads === 1) {
      entry.main.runRange(call, lo, hi);
      return;
    }
    const wt = workerThreads() as WorkerThreads;
    pool ??= new Pool(wt);
    const p = pool;
    // Share every array; stage the ones that are not shared already.
    const back: (() => void)[] = [];
    const partial = lo !== 0 || hi !== call.M;
    const share = (role: string, a: TensorData, copyIn: boolean, copyOut: boolean): TensorData => {
      if (isShared(a)) return a;
      const s = p.stage(role, dtype, a.length);
      if (copyIn) s.set(a);
      if (copyOut) back.push(() => a.set(s));
      return s;
    };
    const shared: KernelCall = {
      T: call.T,
      M: call.M,
      inputs: call.inputs.map((a, j) => share(`in${j}`, a, true, false)),
      out: share('out', call.out, partial, true),
      state: call.state.map((a, j) => share(`state${j}`, a, true, true)),
      record: call.record?.map((a, j) => share(`record${j}`, a, partial, true)),
      params: call.params,
      dt: call.dt,
    };
    p.run(entry, shared, splitRanges(lo, hi, threads));
    for (const f of back) f();
  };

  return Object.assign(run, { plan, engine, wasmUnsupported: unsupported });
};

// ---------------------------------------------------------------------------------------------
// The linear map on threads.

/** A threaded linear map: `(x, rows, K, w, O, bias, out)` as `matmulInto` in `src/ops/matmul.ts`. */
export type ThreadedLinear = ((
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
) => void) & {
  /** Threads a product of `rows` rows of `K` inputs uses, and why. */
  readonly plan: (rows: number, K: number) => { threads: number; reason: string };
};

const linearEngines = new Map<DType, EngineEntry>();
const transposed = new WeakMap<TensorData, { id: number; wt: TensorData }>();
let nextWeightId = 1;

/** Wᵀ `[K, O]` of a weight `[O, K]`, in shared memory, computed once per weight array. */
const transposeOf = (w: TensorData, O: number, K: number, dtype: DType): { id: number; wt: TensorData } => {
  let t = transposed.get(w);
  if (t === undefined || t.wt.length !== O * K) {
    const wt = allocateShared(dtype, O * K);
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) wt[k * O + o] = w[o * K + k] as number;
    t = { id: nextWeightId++, wt };
    transposed.set(w, t);
  }
  return t;
};

/**
 * Compiles the event-driven linear map `y = x Wᵀ + b` for the threads engine: rows of `x` split
 * across threads, each skipping the zero entries of its rows (see `linearWasmKernel`). Equal, bit
 * for bit, to `matmulFor(dtype)` of `src/ops/matmul.ts` for finite inputs and weights. `Wᵀ` is
 * computed once per weight array (weights are immutable) and kept while the array lives.
 * @param dtype - element type of x, W, b and the output
 * @param options - most threads, least work per thread (here in inputs scanned: rows·K)
 * @throws SpikeflowError for invalid options
 */
export const compileThreadedLinear = (dtype: DType, options: ThreadsOptions = {}): ThreadedLinear => {
  const { maxThreads, minWork } = checkThreadsOptions('compileThreadedLinear', options);
  let entry = linearEngines.get(dtype);
  if (entry === undefined) {
    const spec: EngineSpec = {
      kind: 'linear',
      jsSource: '',
      wasm: linearWasmKernel(dtype),
      nIn: 1,
      nState: 0,
      recording: false,
      blockWidth: BLOCK_WIDTH,
      tileElements: TILE_ELEMENTS * 4,
    };
    entry = { id: nextEngineId++, spec, main: createEngine(spec) };
    linearEngines.set(dtype, entry);
  }
  const e = entry;
  const allowed = Math.min(maxThreads, hardwareThreads() >= 2 ? MAX_WORKERS + 1 : 1);
  const plan = (rows: number, K: number) => {
    const byWork = Math.floor((rows * K) / minWork);
    const threads = Math.max(1, Math.min(allowed, byWork, rows));
    return { threads, reason: `${threads} thread(s) for ${rows} rows of ${K} inputs` };
  };
  const run = (x: TensorData, rows: number, K: number, w: TensorData, O: number, bias: TensorData | undefined, out: TensorData): void => {
    const { id, wt } = transposeOf(w, O, K, dtype);
    const { threads } = plan(rows, K);
    const call = { x, out, K, O, wt, wtId: id, bias };
    if (threads === 1) {
      e.main.runRange(call as unknown as KernelCall, 0, rows);
      return;
    }
    pool ??= new Pool(workerThreads() as WorkerThreads);
    const p = pool;
    const xs = isShared(x) ? x : p.stage('linear.x', dtype, x.length);
    if (xs !== x) xs.set(x);
    const os = isShared(out) ? out : p.stage('linear.out', dtype, out.length);
    const step = Math.ceil(rows / threads);
    const ranges: [number, number][] = [];
    for (let a = 0; a < rows; a += step) ranges.push([a, Math.min(a + step, rows)]);
    p.run(e, { ...call, x: xs, out: os }, ranges);
    if (os !== out) out.set(os);
  };
  return Object.assign(run, { plan });
};
