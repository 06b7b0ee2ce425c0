/**
 * The page bundle of test/browser/wasm.browser.test.ts: the `threads` backend (WebAssembly SIMD,
 * Web Workers when the page is cross-origin isolated) against the `js` backend, in a page or in a
 * dedicated worker. Loaded as a classic script: in a page it sets `globalThis.spikeflowWasm`; in a
 * worker it answers `{ id, fn, args }` messages with `{ id, result }` or `{ id, error }`.
 * Comparisons happen here (bit patterns of every element), so only summaries cross to Node.
 */
import '../../src/ops/backends/builtin.js';
import { startThreads } from '../../src/io/browser/index.js';
import { models } from '../../src/neurons/registry.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { webPool } from '../../src/ops/backends/threads/webPool.js';
import { MAX_WORKERS } from '../../src/ops/backends/threads/workerPool.js';
import { hardwareThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { linear, linearParameters } from '../../src/ops/linear.js';
import { seededGenerator, uniforms } from '../../src/ops/random.js';
import { inSharedHeap, sharedHeapStats } from '../../src/ops/sharedHeap.js';
import { allocateShared, type DType, fromTypedArray, type Tensor, type TensorData } from '../../src/ops/tensor.js';

/** A run to compare: a model on `[T, 1, N]` input, from rows or drawn uniform in `[lo, hi)`. */
export interface CompareCase {
  readonly model: string;
  readonly params: Record<string, unknown>;
  readonly dt: number;
  readonly dtype: DType;
  readonly record: boolean;
  /** Explicit rows `[T][N]` (golden traces), or a seeded uniform draw. */
  readonly input: number[][] | { readonly T: number; readonly N: number; readonly lo: number; readonly hi: number; readonly seed: number };
  /** Chunk bounds to stream through the state (default one run). */
  readonly bounds?: readonly number[];
  /** Each chunk's input in shared memory (`allocateShared`: the shared heap in an isolated realm) instead of ordinary memory. */
  readonly sharedInput?: boolean;
  /** Most threads of the `threads` run (a backend instance that splits any size; default: the registered backend). */
  readonly threads?: number;
}

/** What a comparison found. */
export interface Comparison {
  /** Elements compared (outputs, final states and records). */
  readonly compared: number;
  /** Elements whose bit patterns differ. */
  readonly mismatches: number;
  /** The first difference, as `name[index]: threads vs js`. */
  readonly first?: string;
  /** Spikes (or sum of outputs) of the js run, to show the case is not trivial. */
  readonly outSum: number;
  /** What ran the threads run, per chunk. */
  readonly notes: string[];
  readonly backends: string[];
}

const draw = (n: number, lo: number, hi: number, seed: number, dtype: DType): TensorData => {
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  const [u] = uniforms(seededGenerator(seed), n);
  for (let k = 0; k < n; k++) data[k] = lo + (hi - lo) * (u[k] as number);
  return data;
};

const inputOf = (c: CompareCase): Tensor => {
  if (Array.isArray(c.input)) {
    const T = c.input.length;
    const N = c.input[0]?.length ?? 0;
    const d = c.dtype === 'float64' ? new Float64Array(T * N) : new Float32Array(T * N);
    c.input.forEach((row, t) => {
      d.set(row, t * N);
    });
    return fromTypedArray(d, [T, 1, N]);
  }
  const { T, N, lo, hi, seed } = c.input;
  return fromTypedArray(draw(T * N, lo, hi, seed, c.dtype), [T, 1, N]);
};

/** Bit patterns of two arrays of one dtype: count of differing elements and the first. */
const diff = (name: string, a: TensorData, b: TensorData, acc: { compared: number; mismatches: number; first?: string }) => {
  const ua =
    a instanceof Float64Array ? new BigUint64Array(a.buffer, a.byteOffset, a.length) : new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub =
    b instanceof Float64Array ? new BigUint64Array(b.buffer, b.byteOffset, b.length) : new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (a.length !== b.length) {
    acc.mismatches += Math.max(a.length, b.length);
    acc.first ??= `${name}: length ${a.length} vs ${b.length}`;
    return;
  }
  for (let k = 0; k < ua.length; k++) {
    if (ua[k] !== ub[k]) {
      acc.mismatches++;
      acc.first ??= `${name}[${k}]: ${a[k]} vs ${b[k]}`;
    }
  }
  acc.compared += a.length;
};

const runChunks = (c: CompareCase, backend: 'threads' | 'js') => {
  const model = models[c.model];
  if (model === undefined) throw new Error(`no model ${c.model}`);
  const xs = inputOf(c);
  const T = xs.shape[0] as number;
  const bounds = c.bounds ?? [0, T];
  const chosen =
    backend === 'threads' && c.threads !== undefined
      ? createThreadsBackend({ threads: c.threads, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 })
      : backend;
  const run = model.run(c.params as never, c.dt, { record: c.record, backend: chosen });
  const outs: Tensor[] = [];
  const recs: Record<string, Tensor>[] = [];
  let state: Readonly<Record<string, Tensor>> | undefined;
  const notes: string[] = [];
  const backends: string[] = [];
  const per = xs.data.length / T;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [a, b] = [bounds[k] as number, bounds[k + 1] as number];
    const part = xs.data.subarray(a * per, b * per);
    const data = c.sharedInput === true && backend === 'threads' ? allocateShared(c.dtype, part.length) : part.slice();
    data.set(part);
    const chunk = fromTypedArray(data, [b - a, ...xs.shape.slice(1)]);
    const [o, s, r] = run(chunk, state as never);
    outs.push(o);
    if (r !== undefined) recs.push(r as Record<string, Tensor>);
    notes.push(executionOf(o)?.note ?? '');
    backends.push(executionOf(o)?.backend ?? '?');
    state = s;
  }
  return { outs, recs, state: state as Readonly<Record<string, Tensor>>, notes, backends };
};

const api = {
  /** Where the page runs and what it offers. */
  env: () => ({
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    worker: typeof (globalThis as { document?: unknown }).document === 'undefined',
    hardwareThreads: hardwareThreads(),
    simd: WebAssembly.validate(
      new Uint8Array([
        0,
        97,
        115,
        109,
        1,
        0,
        0,
        0,
        1,
        5,
        1,
        96,
        0,
        1,
        123,
        3,
        2,
        1,
        0,
        10,
        22,
        1,
        20,
        0,
        253,
        12,
        ...new Array(16).fill(0),
        11,
      ]),
    ),
  }),

  /** Starts the backend's workers; resolves with the threads ready. */
  start: (threads?: number) => startThreads(threads),

  /** Runs a case on `threads` and on `js` (same chunks) and compares every element's bits. */
  compare: (c: CompareCase): Comparison => {
    const w = runChunks(c, 'threads');
    const j = runChunks(c, 'js');
    const acc: { compared: number; mismatches: number; first?: string } = { compared: 0, mismatches: 0 };
    w.outs.forEach((o, k) => {
      diff(`out${k}`, o.data, (j.outs[k] as Tensor).data, acc);
    });
    for (const name of Object.keys(j.state)) diff(`state.${name}`, (w.state[name] as Tensor).data, (j.state[name] as Tensor).data, acc);
    w.recs.forEach((r, k) => {
      for (const name of Object.keys(r))
        diff(`record${k}.${name}`, (r[name] as Tensor).data, ((j.recs[k] as Record<string, Tensor>)[name] as Tensor).data, acc);
    });
    let outSum = 0;
    for (const o of j.outs) for (const v of o.data) outSum += v;
    return { ...acc, outSum, notes: w.notes, backends: w.backends };
  },

  /** `y = x Wᵀ + b` on `threads` and on `js` for spike-like x (`density` of ones), compared bit for bit. */
  compareLinear: (rows: number, K: number, O: number, density: number, seed: number, dtype: DType): Comparison => {
    const x = draw(rows * K, 0, 1, seed, dtype).map((u) => (u < density ? 1 : 0));
    const weight = draw(O * K, -0.5, 0.5, seed + 1, dtype);
    const bias = draw(O, -0.1, 0.1, seed + 2, dtype);
    const p = linearParameters(fromTypedArray(weight, [O, K]), fromTypedArray(bias, [O]), dtype);
    const xs = fromTypedArray(x, [rows, 1, K]);
    const yw = linear(p, { backend: 'threads' })(xs);
    const yj = linear(p, { backend: 'js' })(xs);
    const acc: { compared: number; mismatches: number; first?: string } = { compared: 0, mismatches: 0 };
    diff('y', yw.data, yj.data, acc);
    let outSum = 0;
    for (const v of yj.data) outSum += Math.abs(v);
    return { ...acc, outSum, notes: [executionOf(yw)?.note ?? ''], backends: [executionOf(yw)?.backend ?? '?'] };
  },

  /** Starts `workers` web workers (more than `startThreads` allows on a small machine); resolves with those ready. */
  startWorkers: (workers: number) => webPool(MAX_WORKERS).start(workers),

  /**
   * `calls` LIF runs of `[T, 1, N]` float32 input in shared memory, fresh outputs (the caller keeps
   * only the first) or `outputs: 'reuse'`, the garbage collector run and the event loop turned
   * between calls (as an asynchronous program does): the shared heap's size after each call,
   * whether every output equals the first bit for bit, and whether the first (held) output stayed
   * unchanged.
   */
  heapGrowth: async (N: number, T: number, calls: number, reuse: boolean) => {
    const xs = fromTypedArray(allocateShared('float32', T * N), [T, 1, N]);
    xs.data.set(draw(T * N, 0, 0.6, 5, 'float32'));
    const run = models.LIF?.run({}, 0.001, { backend: 'threads', outputs: reuse ? 'reuse' : 'fresh' });
    if (run === undefined) throw new Error('no LIF');
    const [first] = run(xs);
    const held = first.data;
    const copy = held.slice();
    const sizes: number[] = [];
    let same = true;
    const notes: string[] = [];
    for (let k = 0; k < calls; k++) {
      (globalThis as { gc?: () => void }).gc?.();
      for (let turn = 0; turn < 3; turn++) await new Promise((r) => setTimeout(r, 5));
      const [z] = run(xs);
      notes.push(executionOf(z)?.note ?? '');
      const u = new Uint32Array(z.data.buffer, z.data.byteOffset, z.data.length);
      const c = new Uint32Array(copy.buffer);
      for (let j = 0; j < c.length && same; j++) if (u[j] !== c[j]) same = false;
      sizes.push(sharedHeapStats().bytes);
    }
    const h = new Uint32Array(held.buffer, held.byteOffset, held.length);
    const c = new Uint32Array(copy.buffer);
    let heldIntact = true;
    for (let j = 0; j < c.length; j++) if (h[j] !== c[j]) heldIntact = false;
    return {
      sizes,
      same,
      heldIntact: reuse || heldIntact,
      inHeap: inSharedHeap(held),
      gc: typeof (globalThis as { gc?: unknown }).gc,
      notes,
    };
  },

  /** What `auto` picks for a LIF run of `[T, 1, N]` zeros, and its note. */
  autoPick: (T: number, N: number) => {
    const [z] = models.LIF?.run({}, 0.001, { backend: 'auto' })(fromTypedArray(new Float32Array(T * N), [T, 1, N])) ?? [];
    return { backend: executionOf(z)?.backend, note: executionOf(z)?.note };
  },
};

/** The API's type, for the Node side. */
export type WasmPageApi = typeof api;

const scope = globalThis as unknown as {
  document?: unknown;
  spikeflowWasm?: typeof api;
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage: (m: unknown) => void;
};
scope.spikeflowWasm = api;
if (scope.document === undefined) {
  scope.onmessage = (e: MessageEvent) => {
    const { id, fn, args } = e.data as { id: number; fn: keyof typeof api; args: unknown[] };
    Promise.resolve()
      .then(() => (api[fn] as (...a: unknown[]) => unknown)(...args))
      .then(
        (result) => scope.postMessage({ id, result }),
        (error: unknown) => scope.postMessage({ id, error: String((error as Error)?.stack ?? error) }),
      );
  };
}
