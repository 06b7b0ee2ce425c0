/**
 * How many threads a run of the `threads` backend uses, and the options that bound it: the
 * hardware's threads, least work per thread, least neurons per thread. Pure functions (plus
 * the lookup of Node's built-ins, loaded without a static import so browsers can bundle this).
 * @module
 */
import { SpikeflowError } from '../../errors.js';

/** The type of Node's `node:worker_threads` module (loaded at run time by {@link workerThreads}). */
export type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

/**
 * A Node built-in module by id (e.g. `node:os`) through `process.getBuiltinModule`, without a
 * static import (so browsers can bundle the module that asks); undefined outside Node or where
 * the runtime lacks it.
 */
export const builtin = <T>(id: string): T | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
};

let workerThreadsModule: WorkerThreads | null | undefined;

/**
 * Node's worker_threads, when this runtime has it (loaded without a static import, so browsers can
 * bundle this module). Looked up once: a stream asks on every chunk (`poolOf`), and
 * `process.getBuiltinModule` took ~2 µs a call (3.5 of the 181 ms a stream's chunks spent outside
 * the fork-join in a profile at N = 1e4).
 */
export const workerThreads = (): WorkerThreads | undefined => {
  if (workerThreadsModule === undefined) workerThreadsModule = builtin<WorkerThreads>('node:worker_threads') ?? null;
  return workerThreadsModule ?? undefined;
};

/**
 * Threads this machine offers: in Node `os.availableParallelism()`; in a browser
 * `navigator.hardwareConcurrency` where the realm is cross-origin isolated (web workers over
 * `SharedArrayBuffer`, see `webPool.ts`); else 1.
 */
export const hardwareThreads = (): number => {
  if (workerThreads() === undefined) {
    const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
    const web = g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof SharedArrayBuffer === 'function';
    return web ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1) : 1;
  }
  if (typeof SharedArrayBuffer === 'undefined') return 1;
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

/**
 * Least neurons per thread. A thread copies its neurons' rows into its wasm memory one row at a
 * time (a whole layer narrower than a block is copied in one piece), so narrow ranges pay a per-row
 * cost that a single thread does not: measured on 2 cores, 2 threads beat 1 from about 3000
 * neurons on (T = 1000: 1e3 → 0.6 vs 1.2 G neuron-steps/s, 4e3 → 1.3 vs 0.9, 1.6e4 → 1.5 vs 0.86).
 */
export const MIN_NEURONS_PER_THREAD = 1536;

/** The last answer of {@link planThreads} and what it was asked. */
let lastPlan:
  | {
      readonly T: number;
      readonly M: number;
      readonly maxThreads: number;
      readonly minWork: number;
      readonly minWidth: number;
      readonly plan: { readonly threads: number; readonly reason: string };
    }
  | undefined;

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
): { readonly threads: number; readonly reason: string } => {
  // A stream plans every chunk with the same figures: the last answer is kept (a pure function).
  const l = lastPlan;
  if (
    l !== undefined &&
    l.T === T &&
    l.M === M &&
    l.maxThreads === maxThreads &&
    l.minWork === minNeuronStepsPerThread &&
    l.minWidth === minNeuronsPerThread
  ) {
    return l.plan;
  }
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
  const plan = Object.freeze({ threads, reason });
  lastPlan = { T, M, maxThreads, minWork: minNeuronStepsPerThread, minWidth: minNeuronsPerThread, plan };
  return plan;
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
