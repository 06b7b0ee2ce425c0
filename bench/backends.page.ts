/**
 * Page bundle of bench/browser.bench.ts and bench/backends.bench.ts: LIF measurements inside
 * headless Chromium — `js`, `threads` (WebAssembly SIMD; Web Workers when the page is
 * cross-origin isolated) and `gpu` (gpu.js on WebGL2: SwiftShader there, or a real GPU in a
 * browser that has one). The page imports `spikeflow/browser` as a user's page does (which
 * registers `threads`) and `spikeflow/gpu`.
 */

import { hardwareThreads, startThreads } from '../src/io/browser/index.js';
import { lif } from '../src/neurons/lif.js';
import { withOptionValues } from '../src/neurons/lifOptions.js';
import { type BackendChoice, executionOf } from '../src/ops/backends/backendRegistry.js';
import { gpuBackend } from '../src/ops/backends/gpuBackend.js';
import { webPoolStats } from '../src/ops/backends/threads/webPool.js';
import { allocateShared, compileThreaded, type ThreadsPlan } from '../src/ops/backends/threads.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { seededGenerator, uniforms } from '../src/ops/random.js';
import { sharedHeapStats } from '../src/ops/sharedHeap.js';
import { fromTypedArray, type Tensor } from '../src/ops/tensor.js';
import { lifChunkInput, measureLif } from './lifMeasure.js';

/** A `[T, 1, N]` float32 input uniform in [0, 0.6), in shared memory when asked (and available). */
const input = (T: number, N: number, shared: boolean, seed: number): Tensor => {
  const data = (shared ? allocateShared('float32', T * N) : new Float32Array(T * N)) as Float32Array;
  let rng = seededGenerator(seed);
  const piece = 1 << 20;
  for (let at = 0; at < data.length; at += piece) {
    const [u, next] = uniforms(rng, Math.min(piece, data.length - at));
    for (let k = 0; k < u.length; k++) data[at + k] = 0.6 * (u[k] as number);
    rng = next;
  }
  return fromTypedArray(data, [T, 1, N]);
};

/** The share of the web pool's pieces since `before` that the page's thread ran itself ('' when none ran on the pool). */
const onMain = (before: { pieces: number; mainPieces: number }): string => {
  const now = webPoolStats();
  const pieces = now.pieces - before.pieces;
  return pieces === 0 ? '' : `; page thread ran ${now.mainPieces - before.mainPieces} of ${pieces} pieces`;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Result of a timed series: median milliseconds, neuron-steps per second, what ran. */
export interface RunMeasurement {
  readonly medianMs: number;
  readonly times: number[];
  readonly rate: number;
  readonly spikeFraction: number;
  readonly backend: string;
  readonly note: string;
}

let cached: { key: string; xs: Tensor } | undefined;
const inputFor = (T: number, N: number, shared: boolean): Tensor => {
  const key = `${T}:${N}:${shared}`;
  if (cached?.key !== key) {
    cached = undefined; // let the previous one go before allocating the next
    cached = { key, xs: input(T, N, shared, 1) };
  }
  return cached.xs;
};

let prepared:
  | { k: ReturnType<typeof compileThreaded>; call: Parameters<ReturnType<typeof compileThreaded>>[0]; plan: ThreadsPlan }
  | undefined;

const api = {
  env: () => ({
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    hardwareThreads: hardwareThreads(),
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
  }),
  start: () => startThreads(),
  describe: () => gpuBackend.describe(),
  autoSelectable: () => gpuBackend.autoSelectable(),
  /** What `auto` picks for LIF at N (one step). */
  autoPick: (N: number) => {
    const [z] = lif.run({}, 0.001, { backend: 'auto' })(fromTypedArray(new Float32Array(N), [1, 1, N]));
    return executionOf(z)?.backend ?? '?';
  },
  /** Chunks of `chunk` steps threaded through the state, within a time budget (see lifMeasure.ts). */
  measure: (N: number, steps: number, chunk: number, budgetMs: number, backend: BackendChoice) =>
    measureLif(lifChunkInput(N, chunk, 1), steps, budgetMs, backend, executionOf),

  /**
   * `lif.run` over the whole `[T, 1, N]` input at once (the public API: validation, allocation of
   * the output and state included; with `reuse` the run function keeps one output array,
   * `outputs: 'reuse'`): one warm-up run, then `runs` timed runs; the median. Before each run
   * (outside the timing) the garbage collector runs, where the page has `gc` (`--expose-gc`), and
   * the event loop turns, as in an asynchronous program: dropped outputs in the shared heap of an
   * isolated page are recycled then. `threads`: a `threads` backend of at most that many threads
   * (default: the registered one, all threads).
   */
  measureRun: async (
    N: number,
    T: number,
    runs: number,
    backend: BackendChoice,
    shared: boolean,
    reuse: boolean,
    threads?: number,
  ): Promise<RunMeasurement> => {
    const xs = inputFor(T, N, shared);
    const chosen = backend === 'threads' && threads !== undefined ? createThreadsBackend({ threads }) : backend;
    const run = lif.run({}, 0.001, { backend: chosen, outputs: reuse ? 'reuse' : 'fresh' });
    const [warm] = run(xs);
    let spikes = 0;
    for (const v of warm.data) spikes += v;
    const info = executionOf(warm);
    const times: number[] = [];
    const before = webPoolStats();
    for (let r = 0; r < runs; r++) {
      (globalThis as { gc?: () => void }).gc?.();
      for (let turn = 0; turn < 3; turn++) await new Promise((done) => setTimeout(done, 5));
      const t0 = performance.now();
      const [z] = run(xs);
      times.push(performance.now() - t0);
      if (z.data.length !== T * N) throw new Error('short output');
    }
    const medianMs = median(times);
    return {
      medianMs,
      times,
      rate: (T * N) / (medianMs / 1000),
      spikeFraction: spikes / (T * N),
      backend: info?.backend ?? '?',
      note: `${info?.note ?? ''}; shared heap ${(sharedHeapStats().bytes / 2 ** 20).toFixed(0)} MiB${onMain(before)}`,
    };
  },

  /**
   * The threads kernel alone, part 1: preallocated output and state (shared when isolated: in the
   * shared heap), no validation; compiled and run once (warm-up). {@link api.timeKernel} times it.
   */
  prepareKernel: (N: number, T: number, threads?: number): void => {
    const shared = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const xs = inputFor(T, N, shared);
    const k = compileThreaded(lif.kernel, 'float32', false, threads === undefined ? {} : { threads });
    const out = allocateShared('float32', T * N);
    const v = allocateShared('float32', N);
    const i = allocateShared('float32', N);
    const values = withOptionValues(lif.parameters() as unknown as Record<string, number>);
    const params = lif.kernel.params.map((name) => Math.fround(values[name] as number));
    const call = { T, M: N, inputs: [xs.data], out, state: [v, i], params, dt: Math.fround(0.001) };
    k(call);
    prepared = { k, call, plan: k.plan(T, N, [xs.data, out]) };
  },

  /** The threads kernel alone, part 2: `runs` timed runs of the call {@link api.prepareKernel} made; the median. */
  timeKernel: (runs: number): RunMeasurement => {
    if (prepared === undefined) throw new Error('prepareKernel first');
    const { k, call, plan } = prepared;
    prepared = undefined;
    const T = call.T;
    const N = call.M;
    const times: number[] = [];
    const before = webPoolStats();
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      k(call);
      times.push(performance.now() - t0);
    }
    const medianMs = median(times);
    return {
      medianMs,
      times,
      rate: (T * N) / (medianMs / 1000),
      spikeFraction: Number.NaN,
      backend: 'threads',
      note: `${plan.reason}; ${plan.engine}${onMain(before)}`,
    };
  },
};

(globalThis as unknown as { spikeflowBench: typeof api }).spikeflowBench = api;
