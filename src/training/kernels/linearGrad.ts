/**
 * WebAssembly SIMD kernels of the trainable linear map `y = x Wᵀ + b` (float64 arithmetic, the
 * weights and inputs in float32 or float64):
 *
 * - `fwd`: `y[r, :] = Σ_k x[r, k]·Wᵀ[k, :]` over the nonzero `x[r, k]` only (spikes cost their
 *   spikes), in increasing `k`, then `+ b` (in JavaScript, rounding once to the dtype);
 * - `dw`: `∂Wᵀ[k, :] += x[r, k]·ḡy[r, :]` over the nonzero `x[r, k]`, rows in increasing order;
 * - `dx`: `ḡx[r, k] = Σ_o ḡy[r, o]·W[o, k]`, dense, `o` in increasing order, register-blocked
 *   over 16 inputs × all outputs so that a block of `W` stays in L1 across rows.
 *
 * Every output sums the same products in the same order as the plain loops they replace
 * (`linearGradJs.ts`), so the results are equal bit for bit (each lane of an `f64x2` operation
 * rounds as the scalar operation). Rows are processed in chunks (≤ {@link CHUNK_BYTES} of inputs
 * and outputs, or about twice the weights' bytes for large weights) so that the module's memory
 * holds the weights twice (`W`, `∂Wᵀ`) plus one chunk.
 * One module instance per thread serves every layer (calls are synchronous); its memory keeps the
 * size of the largest layer run.
 * @module
 */
import type { TensorData } from '../../ops/tensor.js';
import { type AsmInstance, assemble, forLoop, instantiate, simdAvailable, T, w } from './asm.js';

/** Bytes of row data (inputs, gradients) per chunk. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
const UNROLL = 8; // f64x2 accumulators of dx: 16 inputs per block
const KB = 16; // inputs per block of fwd and dw

/**
 * `target[a, :] += x[r, k]·src[b, :]` over nonzero x: dw (a = k, b = r) or fwd (a = r, b = k);
 * for each (a, ·) the terms still come in increasing r (dw) or k (fwd).
 */
const scatterRows = (fname: 'dw' | 'fwd') => {
  // params: R, K, Op, pSrc, pX, pTarget
  const [R, K, Op, pSrc, pX, pTgt] = [0, 1, 2, 3, 4, 5];
  const [r, k, px, ps, pt, j, xs, xk] = [6, 7, 8, 9, 10, 11, 12, 13];
  const rowBytes = [...w.get(Op), ...w.i32(8), ...w.mul];
  const [ta, sa] = [14, 15];
  // 8 values per turn (Op is a multiple of 8)
  const axpy = forLoop(j, w.i32(0), rowBytes, 64, [
    ...w.get(pt),
    ...w.get(j),
    ...w.add,
    ...w.set(ta),
    ...w.get(ps),
    ...w.get(j),
    ...w.add,
    ...w.set(sa),
    ...[0, 16, 32, 48].flatMap((off) => [
      ...w.get(ta),
      ...w.get(ta),
      ...w.vLoad(off),
      ...w.get(xs),
      ...w.get(sa),
      ...w.vLoad(off),
      ...w.vMul,
      ...w.vAdd,
      ...w.vStore(off),
    ]),
  ]);
  // dw: src row r (fixed per r), target row k; fwd: src row k, target row r (fixed per r)
  const [fixedLocal, fixedBase, movingLocal, movingBase] = fname === 'dw' ? [ps, pSrc, pt, pTgt] : [pt, pTgt, ps, pSrc];
  // Blocks of KB inputs: their rows of Wᵀ / ∂Wᵀ stay in L1 while every row r passes over them.
  const [kb, kEnd] = [16, 17];
  const code = forLoop(kb, w.i32(0), w.get(K), KB, [
    ...w.get(kb),
    ...w.i32(KB),
    ...w.add,
    ...w.get(K),
    ...w.get(kb),
    ...w.i32(KB),
    ...w.add,
    ...w.get(K),
    ...w.ltS,
    ...w.select,
    ...w.set(kEnd),
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      ...w.get(pX),
      ...w.get(r),
      ...w.get(K),
      ...w.mul,
      ...w.get(kb),
      ...w.add,
      ...w.i32(8),
      ...w.mul,
      ...w.add,
      ...w.set(px),
      ...w.get(fixedBase),
      ...w.get(r),
      ...rowBytes,
      ...w.mul,
      ...w.add,
      ...w.set(fixedLocal),
      ...forLoop(k, w.get(kb), w.get(kEnd), 1, [
        ...w.get(px),
        ...w.f64Load(),
        ...w.tee(xk),
        ...w.f64(0),
        ...w.fNe,
        ...w.if,
        ...w.get(xk),
        ...w.splat,
        ...w.set(xs),
        ...w.get(movingBase),
        ...w.get(k),
        ...rowBytes,
        ...w.mul,
        ...w.add,
        ...w.set(movingLocal),
        ...axpy,
        ...w.end,
        ...w.get(px),
        ...w.i32(8),
        ...w.add,
        ...w.set(px),
      ]),
    ]),
  ]);
  return {
    name: fname,
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    locals: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.v128, T.f64, T.i32, T.i32, T.i32, T.i32],
    code,
  };
};

/**
 * dx(R, O, Op, Kp, pG, pW, pDx): dx[r, k] = Σ_o g[r, o]·W[o, k]; W `[O, Kp]`, g `[R, Op]`, dx
 * `[R, Kp]`, all float64 (`dx`) or all float32 (`dx32`, 32 inputs per block).
 */
const denseDx = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const [splatLoad, vAdd, vMul] = f32 ? [w.vLoadSplat32(), w.v32Add, w.v32Mul] : [w.vLoadSplat(), w.vAdd, w.vMul];
  const block = (16 / E) * UNROLL;
  const [R, O, Op, Kp, pG, pW, pDx] = [0, 1, 2, 3, 4, 5, 6];
  const [kb, r, pw, pg, gEnd, pd] = [7, 8, 9, 10, 11, 12];
  const acc = Array.from({ length: UNROLL }, (_, u) => 13 + u);
  const gs = 13 + UNROLL;
  const code = forLoop(kb, w.i32(0), w.get(Kp), block, [
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      ...acc.flatMap((a) => [...w.vZero, ...w.set(a)]),
      ...w.get(pG),
      ...w.get(r),
      ...w.get(Op),
      ...w.mul,
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...w.tee(pg),
      ...w.get(O),
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...w.set(gEnd),
      ...w.get(pW),
      ...w.get(kb),
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...w.set(pw),
      ...w.loop,
      ...w.get(pg),
      ...splatLoad,
      ...w.set(gs),
      ...acc.flatMap((a, u) => [...w.get(a), ...w.get(gs), ...w.get(pw), ...w.vLoad(16 * u), ...vMul, ...vAdd, ...w.set(a)]),
      ...w.get(pw),
      ...w.get(Kp),
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...w.set(pw),
      ...w.get(pg),
      ...w.i32(E),
      ...w.add,
      ...w.tee(pg),
      ...w.get(gEnd),
      ...w.ltS,
      ...w.brIf(0),
      ...w.end,
      ...w.get(pDx),
      ...w.get(r),
      ...w.get(Kp),
      ...w.mul,
      ...w.get(kb),
      ...w.add,
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...w.set(pd),
      ...acc.flatMap((a, u) => [...w.get(pd), ...w.get(a), ...w.vStore(16 * u)]),
    ]),
  ]);
  return {
    name: f32 ? 'dx32' : 'dx',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    locals: [...Array(6).fill(T.i32), ...Array(UNROLL + 1).fill(T.v128)],
    code,
  };
};

/**
 * Transpositions (scalar, float64 out): `tw32`/`tw64`(K, O, Op, pW, pWt): Wᵀ[k, o] = W[o, k] from a
 * float32 / float64 `W` `[O, K]` into `[K, Op]`; `tg`(K, O, Op, pGwt, pOut): out[o, k] = ∂Wᵀ[k, o].
 */
const transpose = (fname: 'tw32' | 'tw64' | 'tg') => {
  const [K, O, Op, pSrc, pDst] = [0, 1, 2, 3, 4];
  const [k, o, a] = [5, 6, 7];
  const load = fname === 'tw32' ? w.f32LoadPromote() : w.f64Load();
  const E = fname === 'tw32' ? 4 : 8;
  // tw: read src[o·K + k] (E bytes), write dst[k·Op + o]; tg: read src[k·Op + o], write dst[o·K + k]
  const [srcIdx, dstIdx] =
    fname === 'tg'
      ? [
          [...w.get(k), ...w.get(Op), ...w.mul, ...w.get(o), ...w.add],
          [...w.get(o), ...w.get(K), ...w.mul, ...w.get(k), ...w.add],
        ]
      : [
          [...w.get(o), ...w.get(K), ...w.mul, ...w.get(k), ...w.add],
          [...w.get(k), ...w.get(Op), ...w.mul, ...w.get(o), ...w.add],
        ];
  const code = forLoop(k, w.i32(0), w.get(K), 1, [
    ...forLoop(o, w.i32(0), w.get(O), 1, [
      ...w.get(pDst),
      ...dstIdx,
      ...w.i32(8),
      ...w.mul,
      ...w.add,
      ...w.set(a),
      ...w.get(a),
      ...w.get(pSrc),
      ...srcIdx,
      ...w.i32(E),
      ...w.mul,
      ...w.add,
      ...load,
      ...w.f64Store(),
    ]),
  ]);
  return { name: fname, params: [T.i32, T.i32, T.i32, T.i32, T.i32], locals: [T.i32, T.i32, T.i32], code };
};

let bytes: Uint8Array | undefined;
/** The module's bytes (exports `fwd`, `dw`, `dx`, `memory`). */
export const linearGradModule = (): Uint8Array => {
  bytes ??= assemble([
    scatterRows('fwd'),
    scatterRows('dw'),
    denseDx(false),
    denseDx(true),
    transpose('tw32'),
    transpose('tw64'),
    transpose('tg'),
  ]);
  return bytes;
};

type Fn = 'fwd' | 'dw' | 'dx' | 'dx32' | 'tw32' | 'tw64' | 'tg';
let instance: AsmInstance<Fn> | null | undefined;
const kernel = (): AsmInstance<Fn> | null => {
  if (instance === undefined) instance = simdAvailable(linearGradModule()) ? instantiate(linearGradModule()) : null;
  return instance;
};

/** Whether the wasm kernels run here (WebAssembly SIMD available). */
export const linearWasmAvailable = (): boolean => kernel() !== null;

/** Most bytes of row data per chunk when the weights are large (see {@link chunkRows}). */
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/**
 * Rows per chunk: ≤ {@link CHUNK_BYTES} of row data, or up to twice the bytes of the weights (at
 * most {@link MAX_CHUNK_BYTES}) when those are larger: every chunk streams the whole `Wᵀ` / `∂Wᵀ`
 * once, so with 8 MiB chunks a Linear(1e5 → 100) over 100 rows read its 80 MB of weights 17 times.
 */
const chunkRows = (rows: number, perRow: number, weightBytes: number): number =>
  Math.max(1, Math.min(rows, Math.floor(Math.max(CHUNK_BYTES, Math.min(2 * weightBytes, MAX_CHUNK_BYTES)) / (perRow * 8))));

/**
 * `out[r, o] = Σ_k x[r, k]·W[o, k] + b[o]` (float64 sums over the nonzero inputs, rounded once to
 * `out`'s type). `x` `[rows, K]`, `W` `[O, K]`, `out` `[rows, O]`.
 */
export const linearForwardWasm = (
  x: TensorData,
  rows: number,
  K: number,
  wt: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
): void => {
  const m = kernel() as AsmInstance<Fn>;
  const Op = Math.ceil(O / 8) * 8;
  const n = chunkRows(rows, K + Op, K * Op * 8);
  const wtOff = 0;
  const xOff = K * Op;
  const outOff = xOff + n * K;
  // W copied as is after the chunk, transposed (and promoted) into Wᵀ [K, Op] by the module
  const f32w = wt instanceof Float32Array;
  const wRawB = (outOff + n * Op) * 8;
  m.ensure(wRawB + O * K * (f32w ? 4 : 8));
  const v = m.f64();
  (f32w ? m.f32() : v).set(wt, wRawB / (f32w ? 4 : 8));
  m.fn[f32w ? 'tw32' : 'tw64'](K, O, Op, wRawB, wtOff * 8);
  if (Op !== O) for (let k = 0; k < K; k++) v.fill(0, wtOff + k * Op + O, wtOff + (k + 1) * Op);
  for (let r0 = 0; r0 < rows; r0 += n) {
    const c = Math.min(n, rows - r0);
    v.set(x.subarray(r0 * K, (r0 + c) * K), xOff);
    v.fill(0, outOff, outOff + c * Op);
    m.fn.fwd(c, K, Op, wtOff * 8, xOff * 8, outOff * 8);
    for (let r = 0; r < c; r++) {
      const a = outOff + r * Op;
      const d = (r0 + r) * O;
      if (bias === undefined) for (let o = 0; o < O; o++) out[d + o] = v[a + o]!;
      else for (let o = 0; o < O; o++) out[d + o] = v[a + o]! + bias[o]!;
    }
  }
};

/**
 * Backward pass of the linear map: `∂W += ḡyᵀ·x` (over the nonzero `x`), `∂b += Σ_r ḡy[r, :]`,
 * and, when `gx` is given, `gx = ḡy·W`. `g` `[rows, O]`, `x` `[rows, K]`, `W` and `gw` `[O, K]`.
 */
export const linearBackwardWasm = (
  g: Float64Array,
  x: TensorData,
  rows: number,
  K: number,
  weight: TensorData,
  O: number,
  gw: Float64Array,
  gb: Float64Array | undefined,
  gx: Float64Array | undefined,
): void => {
  const m = kernel() as AsmInstance<Fn>;
  const f32 = weight instanceof Float32Array;
  const E = f32 ? 4 : 8; // bytes per element of W, ḡy and ḡx in dx
  const Op = Math.ceil(O / 8) * 8;
  const Kp = Math.ceil(K / ((16 / E) * UNROLL)) * (16 / E) * UNROLL;
  const dxOn = gx !== undefined;
  // layout in bytes: ∂Wᵀ [K, Op] f64, W [O, Kp] (E), then per chunk ḡy [n, Op] f64, x [n, K] f64, ḡy [n, Op] (E), ḡx [n, Kp] (E)
  const n = chunkRows(rows, Op + K + (dxOn ? (E / 8) * (Op + Kp) : 0), K * Op * 8);
  const gwtB = 0;
  const wB = gwtB + K * Op * 8;
  const gB = wB + (dxOn ? O * Kp * E : 0);
  const xB = gB + n * Op * 8;
  const gEB = xB + n * K * 8;
  const dxB = gEB + (dxOn ? n * Op * E : 0);
  m.ensure(dxB + (dxOn ? n * Kp * E : 0));
  const v = m.f64();
  const vE = f32 ? m.f32() : v;
  if (dxOn) {
    const w0 = wB / E;
    for (let o = 0; o < O; o++) {
      vE.set(weight.subarray(o * K, (o + 1) * K), w0 + o * Kp);
      if (Kp !== K) vE.fill(0, w0 + o * Kp + K, w0 + (o + 1) * Kp);
    }
  }
  const gwtOff = gwtB / 8;
  const gOff = gB / 8;
  v.fill(0, gwtOff, gwtOff + K * Op);
  if (Op !== O) v.fill(0, gOff, gOff + n * Op);
  for (let r0 = 0; r0 < rows; r0 += n) {
    const c = Math.min(n, rows - r0);
    if (Op === O) v.set(g.subarray(r0 * O, (r0 + c) * O), gOff);
    else for (let r = 0; r < c; r++) v.set(g.subarray((r0 + r) * O, (r0 + r + 1) * O), gOff + r * Op);
    v.set(x.subarray(r0 * K, (r0 + c) * K), xB / 8);
    m.fn.dw(c, K, Op, gB, xB, gwtB);
    if (gx !== undefined) {
      const d0 = dxB / E;
      if (f32) {
        const gE0 = gEB / 4;
        vE.set(v.subarray(gOff, gOff + c * Op), gE0);
        m.fn.dx32(c, O, Op, Kp, gEB, wB, dxB);
      } else m.fn.dx(c, O, Op, Kp, gB, wB, dxB);
      if (Kp === K) gx.set(vE.subarray(d0, d0 + c * K), r0 * K);
      else for (let r = 0; r < c; r++) gx.set(vE.subarray(d0 + r * Kp, d0 + r * Kp + K), (r0 + r) * K);
    }
  }
  // ∂W [O, K] = (∂Wᵀ)ᵀ by the module, then added in order
  const tmpB = Math.ceil((dxB + (dxOn ? n * Kp * E : 0)) / 8) * 8;
  m.ensure(tmpB + O * K * 8);
  m.fn.tg(K, O, Op, gwtB, tmpB);
  const vt = m.f64();
  const t0 = tmpB / 8;
  for (let q = 0; q < O * K; q++) gw[q] = gw[q]! + vt[t0 + q]!;
  if (gb !== undefined)
    for (let r = 0; r < rows; r++) {
      const a = r * O;
      for (let o = 0; o < O; o++) gb[o] = gb[o]! + g[a + o]!;
    }
};
