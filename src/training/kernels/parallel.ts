/**
 * The training kernels' passes (LIF forward and backward, linear forward and backward) on one
 * thread or split over the `threads` backend's worker pool. The core knows no backend: the
 * threads backend registers its pool here when it is loaded (`spikeflow/node`, `spikeflow/threads`;
 * see `ops/backends/threads/training.ts`); without it every pass runs on the calling thread.
 *
 * Each pass is cut into slices of independent outputs (`engine.ts`): LIF neurons, the linear
 * map's outputs or rows (forward) or inputs (backward: columns of `∂W` and of `ḡx`). Every output is
 * computed by one thread in the same order as on one thread, so the results are equal bit for bit
 * whatever the number of threads (`test/training/parallel.test.ts`).
 *
 * Workers read and write shared memory only: arrays outside a `SharedArrayBuffer` are copied into
 * the pool's staging buffers (and results back). The training layers allocate their tapes,
 * gradients and outputs in shared memory (`allocate`, `scratch.ts`) so that nothing is copied; a
 * pass with an ordinary array over {@link STAGE_LIMIT_BYTES} (which would be staged in fresh memory,
 * costing a page fault per 4 KiB) stays on the calling thread.
 * @module
 */
import { SpikeflowError, show } from '../../ops/errors.js';
import type { DType, TensorData } from '../../ops/tensor.js';
import { ARENA_MAX_PAGES, arenaMemory, arenaOffset } from './arena.js';
import {
  type LifArenaBackwardCall,
  type LifArenaForwardCall,
  type LifBackwardCall,
  type LifForwardCall,
  type LinearBackwardCall,
  type LinearForwardCall,
  type TrainingCall,
  type TrainingEngine,
  type TrainingEngineSpec,
  trainingEngine,
} from './engine.js';
import { type LifConstants, lifGradModule, lifGradSharedModule } from './lifGrad.js';
import { CHUNK_BYTES, DX_VECTORS, linearGradModule, SPARSE_BLOCK } from './linearGrad.js';

/** What a thread pool offers the training passes (registered by the threads backend). */
export interface TrainingPool {
  /** Most threads, the caller's included (the machine's hardware threads). */
  readonly maxThreads: number;
  /** Threads (the caller's included) that can run a pass now, at most `threads`. */
  ready(threads: number): number;
  /** A shared array of at least `length` elements for a staging role (contents undefined). */
  stage(role: string, dtype: DType, length: number): TensorData;
  /** Runs `ranges[0]` of `call` on the calling thread and the others on workers; returns when all are done. */
  run(call: TrainingCall, ranges: readonly (readonly [number, number])[]): void;
}

/** Ordinary (not shared) arrays above this size keep a pass on one thread (the pool's staging keeps at most 64 MiB per role). */
export const STAGE_LIMIT_BYTES = 64 * 1024 * 1024;

let pool: TrainingPool | undefined;
let limit: number | undefined;

/** Registers (or with `undefined` removes) the pool the training passes split over. */
export const registerTrainingPool = (p: TrainingPool | undefined): void => {
  pool = p;
};

/**
 * Most threads a training pass uses when its layer names none (default: the registered pool's, i.e.
 * every hardware thread; 1 without the threads backend). Internal: tests and benchmarks compare
 * thread counts with it; users choose per layer with the `threads` option of `trainable` and
 * `trainableLinear`.
 * @param threads - an integer ≥ 1, or `undefined` for the default
 */
export const setTrainingThreads = (threads: number | undefined): void => {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new RangeError(`setTrainingThreads: threads must be an integer ≥ 1 or undefined, received ${threads}`);
  limit = threads;
};

/**
 * Checks a layer's `threads` option (most threads of its passes).
 * @param where - the function, for messages (e.g. `trainable`)
 * @param threads - the option's value
 * @returns the value (an integer ≥ 1, or `undefined` for the default)
 * @throws SpikeflowError naming `options.threads` when it is not an integer ≥ 1
 */
export const checkTrainingThreads = (where: string, threads: unknown): number | undefined => {
  if (threads !== undefined && !(typeof threads === 'number' && Number.isInteger(threads) && threads >= 1))
    throw new SpikeflowError(where, 'options.threads', `options.threads must be an integer ≥ 1, received ${show(threads)}`);
  return threads;
};

/** The spec of the engine every thread compiles (with the training arena's memory where there is one). */
export const trainingEngineSpec = (): TrainingEngineSpec => ({
  lif: lifGradModule(),
  ...(arenaMemory() === undefined ? {} : { lifShared: lifGradSharedModule(ARENA_MAX_PAGES), arena: arenaMemory() }),
  linear: linearGradModule(),
  chunkBytes: CHUNK_BYTES,
  dxVectors: DX_VECTORS,
  sparseBlock: SPARSE_BLOCK,
});

let main: TrainingEngine | undefined;
const engine = (): TrainingEngine => {
  main ??= trainingEngine(trainingEngineSpec());
  return main;
};

/** How the last linear forward pass was split over threads (internal: tests read it). */
export let lastLinearForwardSplit: 'rows' | 'outputs' | 'none' = 'none';

/**
 * Where the last LIF forward / backward pass ran (internal: tests assert it): `arena` — every array
 * in the training arena, in place (`arena.ts`) —, or `copy` — chunks copied into each thread's own
 * module memory.
 */
export const lastLifPath: { lifFwd: 'arena' | 'copy' | 'none'; lifBwd: 'arena' | 'copy' | 'none' } = { lifFwd: 'none', lifBwd: 'none' };

/** Threads the last pass of each kind ran on (internal: tests and benchmarks read it). */
export const lastThreads: Record<TrainingCall['op'], number> = { lifFwd: 0, lifBwd: 0, linFwd: 0, linBwd: 0 };

const isShared = (a: TensorData): boolean => typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;

/**
 * Runs `[0, extent)` of `call`: on the calling thread, or in slices of multiples of `granule` over
 * the pool when `work / minWork` allows two threads or more (at most `most` threads, default
 * {@link setTrainingThreads}'s). Arrays named in `ins` / `outs` that
 * are not shared are staged (copied in / back).
 */
const dispatch = (
  call: TrainingCall,
  extent: number,
  granule: number,
  work: number,
  minWork: number,
  ins: readonly string[],
  outs: readonly string[],
  most: number | undefined,
): void => {
  const p = pool;
  const want = p === undefined ? 1 : Math.min(most ?? limit ?? p.maxThreads, Math.floor(work / minWork), Math.floor(extent / granule));
  const arrays = call as unknown as Record<string, TensorData | null | undefined>;
  const named = [...new Set([...ins, ...outs])];
  const tooLarge = named.some((k) => {
    const a = arrays[k];
    return a !== null && a !== undefined && !isShared(a) && a.byteLength > STAGE_LIMIT_BYTES;
  });
  const threads = p === undefined || want < 2 || tooLarge ? 1 : p.ready(want);
  if (p === undefined || threads < 2) {
    lastThreads[call.op] = 1;
    engine().runRange(call, 0, extent);
    return;
  }
  const staged: Record<string, unknown> = { ...call };
  const back: [TensorData, TensorData][] = [];
  for (const k of named) {
    const a = arrays[k];
    if (a === null || a === undefined || isShared(a)) continue;
    const s = p.stage(`training.${k}`, a instanceof Float64Array ? 'float64' : 'float32', a.length);
    if (ins.includes(k)) s.set(a);
    if (outs.includes(k)) back.push([a, s]);
    staged[k] = s;
  }
  const step = Math.ceil(extent / threads / granule) * granule;
  const ranges: [number, number][] = [];
  for (let a = 0; a < extent; a += step) ranges.push([a, Math.min(a + step, extent)]);
  lastThreads[call.op] = ranges.length;
  p.run(staged as unknown as TrainingCall, ranges);
  for (const [a, s] of back) a.set(s.subarray(0, a.length));
};

/** Least neuron-steps per thread of a LIF pass. */
const LIF_MIN_WORK = 65_536;
/** Least multiply-adds (rows·inputs·outputs) per thread of the linear backward pass. */
const LINEAR_BWD_MIN_WORK = 2_000_000;
/** Least inputs scanned (rows·inputs) per thread of the linear forward pass. */
const LINEAR_FWD_MIN_WORK = 65_536;

/** The byte offsets of arrays all in the arena (an engine with one), else `undefined`. */
const inArena = (...arrays: TensorData[]): number[] | undefined => {
  if (engine().arena !== true) return undefined;
  const at = arrays.map(arenaOffset);
  return at.every((a) => a >= 0) ? at : undefined;
};

/**
 * LIF forward pass over `T` steps of `BN` neurons (`BN` even): updates `v`, `i` in place, writes
 * `out` (spikes) and `vd` (pre-reset voltages), all `[T, BN]` in the dtype of `x`. When `x`,
 * `v`, `i`, `out` and `vd` all live in the training arena (`arena.ts`) the pass runs in place over
 * all steps at once (no copies), else each thread copies its slice in and out by chunks of steps;
 * the results are the same bit for bit ({@link lastLifPath} tells which ran). `xFrom`: contents to
 * copy into `x` first (an input outside the arena, `x` the layer's copy of it), by each thread's
 * slice when it is shared.
 */
export const lifForwardWasm = (
  x: TensorData,
  T: number,
  BN: number,
  v: TensorData,
  i: TensorData,
  out: TensorData,
  vd: TensorData | undefined,
  c: LifConstants,
  threads?: number,
  xFrom?: TensorData,
): void => {
  const at = vd === undefined ? undefined : inArena(x, v, i, out, vd);
  lastLifPath.lifFwd = at === undefined ? 'copy' : 'arena';
  // the input's contents: copied in by each thread's slice when the workers can read them, else here
  const from = xFrom !== undefined && at !== undefined && isShared(xFrom) ? xFrom : null;
  if (xFrom !== undefined && from === null) x.set(xFrom);
  if (at !== undefined) {
    const [ax, av, ai, ao, avd] = at as [number, number, number, number, number];
    const f32 = x instanceof Float32Array;
    const { kMem, nSyn, vLeak, vTh, vReset } = c;
    const a: LifArenaForwardCall = {
      op: 'lifFwd',
      arena: true,
      f32,
      T,
      BN,
      x: ax,
      v: av,
      i: ai,
      out: ao,
      vd: avd,
      xFrom: from,
      kMem,
      nSyn,
      vLeak,
      vTh,
      vReset,
    };
    dispatch(a, BN, 16, T * BN, LIF_MIN_WORK, [], [], threads);
    return;
  }
  const call: LifForwardCall = {
    op: 'lifFwd',
    x,
    T,
    BN,
    v,
    i,
    out,
    vd: vd ?? null,
    kMem: c.kMem,
    nSyn: c.nSyn,
    vLeak: c.vLeak,
    vTh: c.vTh,
    vReset: c.vReset,
  };
  dispatch(call, BN, 16, T * BN, LIF_MIN_WORK, ['x', 'v', 'i'], ['v', 'i', 'out', 'vd'], threads);
};

/**
 * LIF backward pass (SuperSpike surrogate) over `T` steps of `BN` neurons (`BN` even): `gv`, `gi`
 * (∂L/∂ final state in, ∂L/∂ initial state out) updated in place; `gcur` `[T, BN]` receives
 * ∂L/∂(input current) per step when given. In place when every array (`gcur` given) lives in the
 * training arena, as {@link lifForwardWasm}; `gFrom`: contents to copy into `gOut` first.
 */
export const lifBackwardWasm = (
  gOut: Float64Array,
  out: TensorData,
  vd: TensorData,
  T: number,
  BN: number,
  gv: Float64Array,
  gi: Float64Array,
  gcur: Float64Array | undefined,
  c: LifConstants,
  threads?: number,
  gFrom?: Float64Array,
): void => {
  const at = gcur === undefined ? undefined : inArena(gOut, out, vd, gv, gi, gcur);
  lastLifPath.lifBwd = at === undefined ? 'copy' : 'arena';
  const from = gFrom !== undefined && at !== undefined && isShared(gFrom) ? gFrom : null;
  if (gFrom !== undefined && from === null) gOut.set(gFrom);
  if (at !== undefined) {
    const [ag, ao, avd, agv, agi, agc] = at as [number, number, number, number, number, number];
    const f32 = out instanceof Float32Array;
    const { kMem, cSyn, vTh, vReset, alpha } = c;
    const a: LifArenaBackwardCall = {
      op: 'lifBwd',
      arena: true,
      f32,
      T,
      BN,
      gOut: ag,
      out: ao,
      vd: avd,
      gv: agv,
      gi: agi,
      gcur: agc,
      gFrom: from,
      kMem,
      cSyn,
      vTh,
      vReset,
      alpha,
    };
    dispatch(a, BN, 16, T * BN, LIF_MIN_WORK, [], [], threads);
    return;
  }
  const call: LifBackwardCall = {
    op: 'lifBwd',
    gOut,
    out,
    vd,
    T,
    BN,
    gv,
    gi,
    gcur: gcur ?? null,
    kMem: c.kMem,
    cSyn: c.cSyn,
    vTh: c.vTh,
    vReset: c.vReset,
    alpha: c.alpha,
  };
  dispatch(call, BN, 16, T * BN, LIF_MIN_WORK, ['gOut', 'out', 'vd', 'gv', 'gi'], ['gv', 'gi', 'gcur'], threads);
};

/**
 * `out[r, o] = Σ_k x[r, k]·W[o, k] + b[o]` (float64 sums over the nonzero inputs in increasing
 * `k`, rounded once to `out`'s type). `x` `[rows, K]`, `W` `[O, K]`, `out` `[rows, O]`.
 */
export const linearForwardWasm = (
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
  threads?: number,
): void => {
  // Each thread of a split by outputs copies and scans every row of x (rows·K), each of a split by
  // rows lays out every row of W (O·K): split the larger of the two.
  const byRows = rows > O;
  const call: LinearForwardCall = { op: 'linFwd', byRows, x, rows, K, w, O, bias: bias ?? null, out };
  dispatch(call, byRows ? rows : O, byRows ? 1 : 8, rows * K, LINEAR_FWD_MIN_WORK, ['x', 'w', 'bias'], ['out'], threads);
  lastLinearForwardSplit = lastThreads.linFwd > 1 ? (byRows ? 'rows' : 'outputs') : 'none';
};

/**
 * Backward pass of the linear map: `∂W += ḡyᵀ·x` (over the nonzero `x`, rows in increasing
 * order), `∂b += Σ_r ḡy[r, :]`, and, when `gx` is given, `gx = ḡy·W` (`o` in increasing order).
 * `g` `[rows, O]`, `x` `[rows, K]`, `W` and `gw` `[O, K]`.
 */
export const linearBackwardWasm = (
  g: Float64Array,
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  gw: Float64Array,
  gb: Float64Array | undefined,
  gx: Float64Array | undefined,
  threads?: number,
): void => {
  const call: LinearBackwardCall = { op: 'linBwd', g, x, rows, K, w, O, gw, gx: gx ?? null };
  dispatch(call, K, 32, rows * K * O, LINEAR_BWD_MIN_WORK, ['g', 'x', 'w', 'gw'], ['gw', 'gx'], threads);
  if (gb !== undefined)
    for (let r = 0; r < rows; r++) {
      const a = r * O;
      for (let o = 0; o < O; o++) gb[o] = (gb[o] as number) + (g[a + o] as number);
    }
};
