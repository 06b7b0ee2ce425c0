/**
 * The spike-driven linear map `y = x Wᵀ + b` on threads: rows of `x` split across threads, each
 * accumulating only the nonzero entries of its rows (see `../wasm/linear.ts`).
 * @module
 */
import type { DType, TensorData } from '../../tensor.js';
import { linearTileWidth, linearWasmModule, tileWeights } from '../wasm/linear.js';
import { BLOCK_WIDTH, newEngineId } from './compile.js';
import { createEngine, type EngineSpec, type LinearCall } from './engine.js';
import { checkThreadsOptions, hardwareThreads, type ThreadsOptions } from './plan.js';
import { allocateShared, type EngineEntry, isShared, MAX_WORKERS, poolOf } from './workerPool.js';

/**
 * A threaded linear map: `(x, rows, K, w, O, bias, out)` as `matmulInto` in `src/ops/matmul.ts`;
 * returns whether every input was 0 or 1 (a spike raster, hence finite).
 */
export type ThreadedLinear = ((
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
) => boolean) & {
  /** Threads a product of `rows` rows of `K` inputs uses, and why. */
  readonly plan: (rows: number, K: number) => { threads: number; reason: string };
};

const linearEngines = new Map<DType, EngineEntry>();
const chunkOf = (dtype: DType): number => Math.floor(CHUNK_BYTES / (linearTileWidth(dtype) * (dtype === 'float64' ? 8 : 4)));
const transposed = new WeakMap<TensorData, { id: number; wt: TensorData }>();
let nextWeightId = 1;

/** Inputs per block of rows a thread copies into its module (2^22: 16 MiB in float32; its index lists as much). */
const BLOCK_INPUTS = 1 << 22;

/** Bytes of weights per column tile and chunk of inputs (one 64-byte line per input: 1024 inputs). */
const CHUNK_BYTES = 1 << 16;

/** Wᵀ of a weight `[O, K]` in column tiles (`tileWeights`), in shared memory, computed once per weight array. */
const transposeOf = (w: TensorData, O: number, K: number, dtype: DType): { id: number; wt: TensorData } => {
  const TW = linearTileWidth(dtype);
  const size = Math.ceil(O / TW) * K * TW;
  let t = transposed.get(w);
  if (t === undefined || t.wt.length !== size) {
    const wt = allocateShared(dtype, size);
    tileWeights(w, O, K, TW, wt);
    t = { id: nextWeightId++, wt };
    transposed.set(w, t);
  }
  return t;
};

/**
 * Compiles the spike-driven linear map `y = x Wᵀ + b` for the threads engine: rows of `x` split
 * across threads, each accumulating only the nonzero entries of its rows in column tiles of the
 * weights (see `linearWasmModule`). Equal, bit for bit, to `matmulFor(dtype)` of
 * `src/ops/matmul.ts` for finite inputs and weights. The tiled `Wᵀ` is computed once per weight
 * array (weights are immutable) and kept while the array lives.
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
      wasm: linearWasmModule(dtype),
      nIn: 1,
      nState: 0,
      recording: false,
      perNeuron: [],
      blockWidth: BLOCK_WIDTH,
      tileElements: BLOCK_INPUTS,
    };
    entry = { id: newEngineId(), spec, main: createEngine(spec) };
    linearEngines.set(dtype, entry);
  }
  const e = entry;
  const allowed = Math.min(maxThreads, hardwareThreads() >= 2 ? MAX_WORKERS + 1 : 1);
  const plan = (rows: number, K: number) => {
    const byWork = Math.floor((rows * K) / minWork);
    const planned = Math.max(1, Math.min(allowed, byWork, rows));
    const threads = planned > 1 ? poolOf().ready(planned) : 1;
    const starting = threads < planned ? ` (${planned} planned, web workers starting)` : '';
    return { threads, reason: `${threads} thread(s) for ${rows} rows of ${K} inputs${starting}` };
  };
  // One shared flag per compiled map (runs are synchronous: never two at once); a plain array
  // where SharedArrayBuffer is missing (pages without cross-origin isolation run one thread).
  const spikes = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  const run = (
    x: TensorData,
    rows: number,
    K: number,
    w: TensorData,
    O: number,
    bias: TensorData | undefined,
    out: TensorData,
  ): boolean => {
    const { id, wt } = transposeOf(w, O, K, dtype);
    const { threads } = plan(rows, K);
    spikes[0] = 1;
    const call = { x, out, K, O, wt, wtId: id, tw: linearTileWidth(dtype), kc: chunkOf(dtype), spikes, bias };
    if (threads === 1) {
      e.main.runRange(call as LinearCall, 0, rows);
      return spikes[0] === 1;
    }
    const p = poolOf();
    const xs = isShared(x) ? x : p.stage('linear.x', dtype, x.length);
    if (xs !== x) xs.set(x);
    const os = isShared(out) ? out : p.stage('linear.out', dtype, out.length);
    const step = Math.ceil(rows / threads);
    const ranges: [number, number][] = [];
    for (let a = 0; a < rows; a += step) ranges.push([a, Math.min(a + step, rows)]);
    p.run(e, { ...call, x: xs, out: os }, ranges);
    if (os !== out) out.set(os);
    return spikes[0] === 1;
  };
  return Object.assign(run, { plan });
};
