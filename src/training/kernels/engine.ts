/**
 * The code every thread runs for the training kernels: {@link trainingEngine} instantiates the
 * WebAssembly SIMD modules of `lifGrad.ts` and `linearGrad.ts` (one memory per thread) and returns
 * `runRange(call, lo, hi)`, which runs one slice of a pass:
 *
 * - `lifFwd` / `lifBwd`: neurons `[lo, hi)` of the LIF forward / backward pass over all steps
 *   (neurons are independent): copied chunk by chunk into the thread's own module memory, or — a
 *   call with `arena: true`, whose arrays all live in the shared training arena (`arena.ts`) and
 *   are given by byte offset — run in place over all steps at once by the module that imports the
 *   arena's memory (no copy; the kernels' row stride is the call's `BN`);
 * - `linFwd`: outputs `[lo, hi)` of `y = x Wᵀ + b` over all rows, or with `byRows` rows `[lo, hi)`
 *   of all outputs (each thread transposes the rows of `W` it uses);
 * - `linBwd`: inputs `[lo, hi)` of the linear map's backward pass: the columns `[lo, hi)` of `∂W`
 *   and of `ḡx = ḡy·W` (each thread reads its columns of `W` and `x`).
 *
 * Every output element is computed by one thread with the same operations in the same order
 * whatever the slices (sums over rows, inputs or outputs never cross a slice boundary), so a pass
 * split over threads equals the one-thread pass bit for bit. The main thread calls this function
 * directly (`parallel.ts`); worker threads evaluate its text (the threads backend's
 * `threads/training.ts`), so it is self-contained: it uses nothing from outside its own body but
 * globals (`Math`, `WebAssembly`, typed arrays).
 * @module
 */

import type { LifArenaBackwardCall, LifArenaForwardCall, LifBackwardCall, LifForwardCall } from './lifCalls.js';

export type { LifArenaBackwardCall, LifArenaForwardCall, LifBackwardCall, LifForwardCall } from './lifCalls.js';

type Floats = Float32Array | Float64Array;

/** What {@link trainingEngine} instantiates (structured-cloned to workers). */
export interface TrainingEngineSpec {
  /** `lifGradModule()` bytes. */
  readonly lif: Uint8Array;
  /** `lifGradSharedModule()` bytes (importing {@link TrainingEngineSpec.arena}), when there is an arena. */
  readonly lifShared?: Uint8Array | undefined;
  /** The shared training arena's memory (`arena.ts`), where the runtime has one. */
  readonly arena?: WebAssembly.Memory | undefined;
  /** `linearGradModule()` bytes. */
  readonly linear: Uint8Array;
  /** Bytes of row data per chunk (`CHUNK_BYTES` of `linearGrad.ts`). */
  readonly chunkBytes: number;
  /** Vectors of inputs per block of the `dx` kernels (`DX_VECTORS` of `linearGrad.ts`). */
  readonly dxVectors: number;
  /** Inputs per block of the sparse `fwd` / `dw` kernels (`SPARSE_BLOCK` of `linearGrad.ts`). */
  readonly sparseBlock: number;
}

/**
 * Linear forward slice: `out[r, o] = Σ_k x[r, k]·W[o, k] (+ b[o])`, `x` `[rows, K]`, `W` `[O, K]`;
 * the slice's range is of outputs, or of rows when `byRows`.
 */
export interface LinearForwardCall {
  readonly op: 'linFwd';
  readonly byRows?: boolean;
  readonly x: Floats;
  readonly rows: number;
  readonly K: number;
  readonly w: Floats;
  readonly O: number;
  readonly bias: Floats | null;
  readonly out: Floats;
}

/** Linear backward slice: `gw += ḡyᵀ·x` (nonzero `x`), `gx = ḡy·W` when given; `g` `[rows, O]`. */
export interface LinearBackwardCall {
  readonly op: 'linBwd';
  readonly g: Float64Array;
  readonly x: Floats;
  readonly rows: number;
  readonly K: number;
  readonly w: Floats;
  readonly O: number;
  readonly gw: Float64Array;
  readonly gx: Float64Array | null;
}

/** A slice of a training pass. */
export type TrainingCall =
  | LifForwardCall
  | LifBackwardCall
  | LifArenaForwardCall
  | LifArenaBackwardCall
  | LinearForwardCall
  | LinearBackwardCall;

/** A compiled training engine (the shape of the threads backend's `Engine`). */
export interface TrainingEngine {
  readonly kind: 'wasm';
  /** Whether it runs calls in the arena (`arena: true`; its spec had the arena's memory). */
  readonly arena: boolean;
  readonly runRange: (call: TrainingCall, lo: number, hi: number) => void;
}

/** Compiles a training engine (see the module docs). Self-contained: workers evaluate its text. */
export function trainingEngine(spec: TrainingEngineSpec): TrainingEngine {
  type Fn = (...args: number[]) => void;
  const open = (bytes: Uint8Array, memory?: WebAssembly.Memory) => {
    const imports: WebAssembly.Imports = memory === undefined ? {} : { env: { memory } };
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports).exports as unknown as Record<
      string,
      Fn
    > & { memory: WebAssembly.Memory };
    const mem = ex.memory;
    const views = { f64: new Float64Array(mem.buffer), f32: new Float32Array(mem.buffer) };
    const ensure = (bytes: number) => {
      const have = mem.buffer.byteLength;
      if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
      if (views.f64.buffer !== mem.buffer) {
        views.f64 = new Float64Array(mem.buffer);
        views.f32 = new Float32Array(mem.buffer);
      }
    };
    return { fn: ex, ensure, views };
  };
  const lif = open(spec.lif);
  const lin = open(spec.linear);
  // the kernels on the arena's memory (every thread imports the same one): in place, no copies
  const lifA = spec.arena !== undefined && spec.lifShared !== undefined ? open(spec.lifShared, spec.arena).fn : undefined;
  const CHUNK = spec.chunkBytes;
  const MAX_CHUNK = 256 * 1024 * 1024;
  const steps = (T: number, bytesPerStep: number) => Math.max(1, Math.min(T, Math.floor(CHUNK / bytesPerStep)));
  // rows per chunk: ≤ CHUNK of row data, or up to twice the weights' bytes (≤ MAX_CHUNK)
  const chunkRows = (rows: number, perRow: number, weightBytes: number) =>
    Math.max(1, Math.min(rows, Math.floor(Math.max(CHUNK, Math.min(2 * weightBytes, MAX_CHUNK)) / (perRow * 8))));
  // Rows t0..t0+n of columns [lo, hi) of a [·, BN] array into (or out of) a dense [n, W] block at `at`.
  const copyIn = (view: Floats, at: number, src: Floats, t0: number, n: number, BN: number, lo: number, hi: number) => {
    const W = hi - lo;
    if (W === BN) view.set(src.subarray(t0 * BN, (t0 + n) * BN), at);
    else for (let t = 0; t < n; t++) view.set(src.subarray((t0 + t) * BN + lo, (t0 + t) * BN + hi), at + t * W);
  };
  const copyOut = (dst: Floats, view: Floats, at: number, t0: number, n: number, BN: number, lo: number, hi: number) => {
    const W = hi - lo;
    if (W === BN) dst.set(view.subarray(at, at + n * BN), t0 * BN);
    else for (let t = 0; t < n; t++) dst.set(view.subarray(at + t * W, at + (t + 1) * W), (t0 + t) * BN + lo);
  };

  const lifFwd = (c: LifForwardCall, lo: number, hi: number) => {
    const W = hi - lo;
    const f32 = c.x instanceof Float32Array;
    const E = f32 ? 4 : 8;
    const tc = steps(c.T, 3 * W * E);
    const [vOff, iOff, xOff] = [0, W, 2 * W];
    const outOff = xOff + tc * W;
    const vdOff = outOff + tc * W;
    lif.ensure((vdOff + tc * W) * E);
    const view = f32 ? lif.views.f32 : lif.views.f64;
    view.set(c.v.subarray(lo, hi), vOff);
    view.set(c.i.subarray(lo, hi), iOff);
    const run = lif.fn[f32 ? 'fwd32' : 'fwd64'] as Fn;
    for (let t0 = 0; t0 < c.T; t0 += tc) {
      const n = Math.min(tc, c.T - t0);
      copyIn(view, xOff, c.x, t0, n, c.BN, lo, hi);
      run(n, W, W, xOff * E, vOff * E, iOff * E, outOff * E, vdOff * E, c.kMem, c.nSyn, c.vLeak, c.vTh, c.vReset);
      copyOut(c.out, view, outOff, t0, n, c.BN, lo, hi);
      if (c.vd !== null && c.vd !== undefined) copyOut(c.vd, view, vdOff, t0, n, c.BN, lo, hi);
    }
    c.v.set(view.subarray(vOff, vOff + W), lo);
    c.i.set(view.subarray(iOff, iOff + W), lo);
  };

  const lifBwd = (c: LifBackwardCall, lo: number, hi: number) => {
    const W = hi - lo;
    const f32 = c.out instanceof Float32Array;
    const E = f32 ? 4 : 8;
    const tc = steps(c.T, W * (16 + 2 * E));
    // bytes: gv, gi [W] f64; ḡout, ḡcur [tc, W] f64; out, v_d [tc, W] (E)
    const [gvB, giB, gB] = [0, 8 * W, 16 * W];
    const gcB = gB + 8 * tc * W;
    const outB = gcB + 8 * tc * W;
    const vdB = outB + E * tc * W;
    lif.ensure(vdB + E * tc * W);
    const v64 = lif.views.f64;
    const vE = f32 ? lif.views.f32 : v64;
    v64.set(c.gv.subarray(lo, hi), gvB / 8);
    v64.set(c.gi.subarray(lo, hi), giB / 8);
    const run = lif.fn[f32 ? 'bwd32' : 'bwd64'] as Fn;
    for (let q = Math.ceil(c.T / tc) - 1; q >= 0; q--) {
      const t0 = q * tc;
      const n = Math.min(tc, c.T - t0);
      copyIn(v64, gB / 8, c.gOut, t0, n, c.BN, lo, hi);
      copyIn(vE, outB / E, c.out, t0, n, c.BN, lo, hi);
      copyIn(vE, vdB / E, c.vd, t0, n, c.BN, lo, hi);
      run(n, W, W, gB, outB, vdB, gvB, giB, gcB, c.kMem, c.cSyn, c.vTh, c.vReset, c.alpha);
      if (c.gcur !== null && c.gcur !== undefined) copyOut(c.gcur, v64, gcB / 8, t0, n, c.BN, lo, hi);
    }
    c.gv.set(v64.subarray(gvB / 8, gvB / 8 + W), lo);
    c.gi.set(v64.subarray(giB / 8, giB / 8 + W), lo);
  };

  // In place: neurons [lo, hi) of rows of BN elements, all steps in one call (offsets of element lo).
  const arenaFn = (name: string) => {
    if (lifA === undefined) throw new Error('training engine: a call in the arena, but this engine has no arena');
    return lifA[name] as Fn;
  };
  // views of the arena (renewed when it grew) for the inputs each thread copies in
  let arenaF64 = new Float64Array(0);
  let arenaF32 = new Float32Array(0);
  const arenaView = (f32: boolean): Floats => {
    const b = (spec.arena as WebAssembly.Memory).buffer;
    if (arenaF64.byteLength !== b.byteLength) {
      arenaF64 = new Float64Array(b);
      arenaF32 = new Float32Array(b);
    }
    return f32 ? arenaF32 : arenaF64;
  };
  // neurons [lo, hi) of the T rows of `src` [T, BN] into the same places of the arena's [T, BN] array at byte `at`
  const copyToArena = (src: Floats, at: number, T: number, BN: number, lo: number, hi: number) => {
    const f32 = src instanceof Float32Array;
    const view = arenaView(f32);
    const d = at / (f32 ? 4 : 8);
    if (lo === 0 && hi === BN) view.set(src.subarray(0, T * BN), d);
    else for (let t = 0; t < T; t++) view.set(src.subarray(t * BN + lo, t * BN + hi), d + t * BN + lo);
  };
  const lifFwdArena = (c: LifArenaForwardCall, lo: number, hi: number) => {
    if (c.xFrom !== null && c.xFrom !== undefined) copyToArena(c.xFrom, c.x, c.T, c.BN, lo, hi);
    const a = lo * (c.f32 ? 4 : 8);
    const run = arenaFn(c.f32 ? 'fwd32' : 'fwd64');
    run(c.T, hi - lo, c.BN, c.x + a, c.v + a, c.i + a, c.out + a, c.vd + a, c.kMem, c.nSyn, c.vLeak, c.vTh, c.vReset);
  };
  const lifBwdArena = (c: LifArenaBackwardCall, lo: number, hi: number) => {
    if (c.gFrom !== null && c.gFrom !== undefined) copyToArena(c.gFrom, c.gOut, c.T, c.BN, lo, hi);
    const [a, a8] = [lo * (c.f32 ? 4 : 8), lo * 8];
    const run = arenaFn(c.f32 ? 'bwd32' : 'bwd64');
    run(c.T, hi - lo, c.BN, c.gOut + a8, c.out + a, c.vd + a, c.gv + a8, c.gi + a8, c.gcur + a8, c.kMem, c.cSyn, c.vTh, c.vReset, c.alpha);
  };

  const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
  // inputs per block of the sparse kernels: a tile's block of weights (KB · 64 bytes) stays in L2
  const KB = spec.sparseBlock;
  // Blocks of more inputs than this (a tile's block beyond 64 KiB, i.e. beyond L1) run the sparse
  // kernels input by input (`fwdc`, `dwc`: each weight line read once per block; measured 11–25 %
  // faster at N = 1e4) instead of row by row (faster while the block stays in L1); same results.
  const BY_INPUT_BLOCK = 1024;
  // bytes of csr32's lane-packing table (`CSR_TABLE_BYTES` of `linearCsr.ts`)
  const CSR_TABLE = 256;

  const linFwd = (c: LinearForwardCall, lo: number, hi: number) => {
    const { K, O, x, out } = c;
    // the slice: rows [lo, hi) of every output, or outputs [lo, hi) of every row
    const [ra, rb, o0, o1] = c.byRows === true ? [lo, hi, 0, O] : [0, c.rows, lo, hi];
    const rows = rb - ra;
    const Oc = o1 - o0;
    const J = Math.ceil(Oc / 8);
    const Op = J * 8;
    const kb0 = Math.min(KB, K);
    const byInput = kb0 > BY_INPUT_BLOCK;
    const n = chunkRows(rows, K + (byInput ? 3 : 1.5) * kb0 + Op + 1, K * Op * 8);
    // bytes: Wt [J][K][8] f64, then per chunk x [n, K] f64, val [n·KB] f64, out [n, Op] f64, idx [n·KB] i32, ptr [n + 1] i32,
    // the entries by input (values [n·KB] f64, rows [n·KB] i32, col [KB + 2] i32), then W's rows
    const xB = K * Op * 8;
    const valB = xB + n * K * 8;
    const outB = valB + n * kb0 * 8;
    const idxB = outB + n * Op * 8;
    const ptrB = idxB + n * kb0 * 4;
    const cvalB = align(ptrB + (n + 1) * 4);
    const rowB = cvalB + n * kb0 * 8;
    const colB = rowB + n * kb0 * 4;
    const tabB = align(colB + (kb0 + 2) * 4);
    const wRawB = align(tabB + CSR_TABLE);
    const f32w = c.w instanceof Float32Array;
    lin.ensure(wRawB + Oc * K * (f32w ? 4 : 8));
    const v = lin.views.f64;
    (f32w ? lin.views.f32 : v).set(c.w.subarray(o0 * K, o1 * K), wRawB / (f32w ? 4 : 8));
    if (Op !== Oc) v.fill(0, (J - 1) * K * 8, J * K * 8); // the last tile's padding lanes
    (lin.fn[f32w ? 'tw32' : 'tw64'] as Fn)(K, Oc, wRawB, 0);
    const bias = c.bias;
    const outOff = outB / 8;
    // x is copied in its own dtype (csr32 reads float32)
    const x32 = x instanceof Float32Array;
    const xE = x32 ? 4 : 8;
    for (let r0 = ra; r0 < rb; r0 += n) {
      const m = Math.min(n, rb - r0);
      (x32 ? lin.views.f32 : v).set(x.subarray(r0 * K, (r0 + m) * K), xB / xE);
      if (byInput) v.fill(0, outOff, outOff + m * Op);
      for (let kb = 0; kb < K; kb += KB) {
        const kn = Math.min(KB, K - kb);
        (lin.fn[x32 ? 'csr32' : 'csr'] as Fn)(m, kn, K, xB + kb * xE, idxB, valB, ptrB, tabB);
        if (byInput) {
          (lin.fn.csc as Fn)(m, kn, idxB, valB, ptrB, rowB, cvalB, colB);
          (lin.fn.fwdc as Fn)(kn, K, J, Op, kb * 64, rowB, cvalB, colB, outB);
        } else (lin.fn.fwd as Fn)(m, K, J, Op, kb * 64, idxB, valB, ptrB, outB, kb === 0 ? 0 : 1);
      }
      for (let r = 0; r < m; r++) {
        const a = outOff + r * Op;
        const d = (r0 + r) * O + o0;
        if (bias === null || bias === undefined) for (let o = 0; o < Oc; o++) out[d + o] = v[a + o] as number;
        else for (let o = 0; o < Oc; o++) out[d + o] = (v[a + o] as number) + (bias[o0 + o] as number);
      }
    }
  };

  const linBwd = (c: LinearBackwardCall, k0: number, k1: number) => {
    const { g, x, rows, K, O, gw } = c;
    const gx = c.gx === undefined ? null : c.gx;
    const f32 = c.w instanceof Float32Array;
    const E = f32 ? 4 : 8; // bytes per element of W, ḡy and ḡx in dx
    const Kc = k1 - k0;
    const J = Math.ceil(O / 8);
    const Op = J * 8;
    const blk = (16 / E) * spec.dxVectors;
    const Kp = Math.ceil(Kc / blk) * blk;
    const dxOn = gx !== null;
    // bytes: dWt [J][Kc][8] f64, W [O, Kp] (E), gw [O, Kc] f64, per chunk ḡy [n, Op] f64, x [n, Kc] f64,
    // val [n·KB] f64, ḡy [n, Op] (E), ḡx [n, Kp] (E), idx [n·KB] i32, ptr [n + 1] i32 (KB inputs per block)
    const kb0 = Math.min(KB, Kc);
    const byInput = kb0 > BY_INPUT_BLOCK;
    const n = chunkRows(rows, Op + Kc + (byInput ? 3 : 1.5) * kb0 + 1 + (dxOn ? (E / 8) * (Op + Kp) : 0), Kc * Op * 8);
    const wB = Kc * Op * 8;
    const gwB = align(wB + (dxOn ? O * Kp * E : 0));
    const gB = gwB + O * Kc * 8;
    const xB = gB + n * Op * 8;
    const valB = xB + n * Kc * 8;
    const gEB = valB + n * kb0 * 8;
    const dxB = gEB + (dxOn ? n * Op * E : 0);
    const idxB = align(dxB + (dxOn ? n * Kp * E : 0));
    const ptrB = idxB + n * kb0 * 4;
    // the entries by input: values [n·KB] f64, rows [n·KB] i32, col [KB + 2] i32
    const cvalB = align(ptrB + (n + 1) * 4);
    const rowB = cvalB + n * kb0 * 8;
    const colB = rowB + n * kb0 * 4;
    const tabB = align(colB + (kb0 + 2) * 4);
    lin.ensure(tabB + CSR_TABLE);
    const v = lin.views.f64;
    const vE = f32 ? lin.views.f32 : v;
    if (dxOn) {
      const w0 = wB / E;
      for (let o = 0; o < O; o++) {
        vE.set(c.w.subarray(o * K + k0, o * K + k1), w0 + o * Kp);
        if (Kp !== Kc) vE.fill(0, w0 + o * Kp + Kc, w0 + (o + 1) * Kp);
      }
    }
    const gOff = gB / 8;
    // x is copied in its own dtype (csr32 reads float32)
    const x32 = x instanceof Float32Array;
    const xE = x32 ? 4 : 8;
    // ∂W: by input, dwc starts its sums from +0 on the first chunk and adds them into ∂W's columns on
    // the last (no zeroed ∂Wᵀ tiles, no tga); by rows, dw adds into zeroed tiles that tga adds into ∂W
    const gw0 = gwB / 8;
    if (byInput) copyIn(v, gw0, gw, 0, O, K, k0, k1);
    else v.fill(0, 0, Kc * Op);
    if (Op !== O) v.fill(0, gOff, gOff + n * Op);
    for (let r0 = 0; r0 < rows; r0 += n) {
      const m = Math.min(n, rows - r0);
      if (Op === O) v.set(g.subarray(r0 * O, (r0 + m) * O), gOff);
      else for (let r = 0; r < m; r++) v.set(g.subarray((r0 + r) * O, (r0 + r + 1) * O), gOff + r * Op);
      copyIn(x32 ? lin.views.f32 : v, xB / xE, x, r0, m, K, k0, k1);
      for (let kb = 0; kb < Kc; kb += KB) {
        const kn = Math.min(KB, Kc - kb);
        (lin.fn[x32 ? 'csr32' : 'csr'] as Fn)(m, kn, Kc, xB + kb * xE, idxB, valB, ptrB, tabB);
        if (byInput) {
          (lin.fn.csc as Fn)(m, kn, idxB, valB, ptrB, rowB, cvalB, colB);
          const [first, last] = [r0 === 0 ? 1 : 0, r0 + m >= rows];
          (lin.fn.dwc as Fn)(kn, Kc, J, Op, gB, rowB, cvalB, colB, kb * 64, first, last ? gwB + kb * 8 : -1, O);
        } else (lin.fn.dw as Fn)(m, Kc, J, Op, gB, idxB, valB, ptrB, kb * 64);
      }
      if (gx !== null) {
        if (f32) {
          vE.set(v.subarray(gOff, gOff + m * Op), gEB / 4);
          (lin.fn.dx32 as Fn)(m, O, Op, Kp, gEB, wB, dxB);
        } else (lin.fn.dx as Fn)(m, O, Op, Kp, gB, wB, dxB);
        const d0 = dxB / E;
        for (let r = 0; r < m; r++) gx.set(vE.subarray(d0 + r * Kp, d0 + r * Kp + Kc), (r0 + r) * K + k0);
      }
    }
    // by rows: gw[:, k0:k1] += dWt (transposed from its tiles by the module, added in order)
    if (!byInput) {
      copyIn(v, gw0, gw, 0, O, K, k0, k1);
      (lin.fn.tga as Fn)(Kc, O, 0, gwB);
    }
    copyOut(gw, v, gw0, 0, O, K, k0, k1);
  };

  return {
    kind: 'wasm',
    arena: lifA !== undefined,
    runRange(call, lo, hi) {
      if (hi <= lo) return;
      if (call.op === 'lifFwd') call.arena === true ? lifFwdArena(call, lo, hi) : lifFwd(call, lo, hi);
      else if (call.op === 'lifBwd') call.arena === true ? lifBwdArena(call, lo, hi) : lifBwd(call, lo, hi);
      else if (call.op === 'linFwd') linFwd(call, lo, hi);
      else linBwd(call, lo, hi);
    },
  };
}
