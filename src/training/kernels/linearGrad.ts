/**
 * WebAssembly SIMD kernels of the trainable linear map `y = x Wᵀ + b` (float64 arithmetic, the
 * weights and inputs in float32 or float64):
 *
 * - `fwd`: `y[r, :] = Σ_k x[r, k]·Wᵀ[k, :]` over the nonzero `x[r, k]` only (spikes cost their
 *   spikes), in increasing `k`, then `+ b` (in JavaScript, rounding once to the dtype);
 * - `dw`: `∂Wᵀ[k, :] += x[r, k]·ḡy[r, :]` over the nonzero `x[r, k]`, rows in increasing order;
 * - `dx`: `ḡx[r, k] = Σ_o ḡy[r, o]·W[o, k]`, dense, `o` in increasing order, register-blocked
 *   over two rows × {@link DX_VECTORS} vectors of inputs × all outputs, so that a block of `W` stays
 *   in L1 across rows and each vector of it loaded serves two rows.
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
import { assemble, forLoop, simdAvailable, T, w } from './asm.js';

/** Bytes of row data (inputs, gradients) per chunk. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
/** Vectors of inputs per row and block of `dx` (two rows at once: 2·DX_VECTORS accumulators). */
export const DX_VECTORS = 4;
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
 * `[R, Kp]`, all float64 (`dx`) or all float32 (`dx32`). Two rows per pass over a block of
 * {@link DX_VECTORS} vectors of inputs: each vector of `W` loaded serves both rows (the last row of
 * an odd count runs alone). Each `dx[r, k]` still sums `o` in increasing order from 0.
 */
const denseDx = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const [splatLoad, vAdd, vMul] = f32 ? [w.vLoadSplat32(), w.v32Add, w.v32Mul] : [w.vLoadSplat(), w.vAdd, w.vMul];
  const U = DX_VECTORS;
  const block = (16 / E) * U;
  const [R, O, Op, Kp, pG, pW, pDx] = [0, 1, 2, 3, 4, 5, 6];
  const [kb, r, pw, pg, gEnd, pd, pg2] = [7, 8, 9, 10, 11, 12, 13];
  const a1 = Array.from({ length: U }, (_, u) => 14 + u);
  const a2 = Array.from({ length: U }, (_, u) => 14 + U + u);
  const [s1, s2, wv] = [14 + 2 * U, 15 + 2 * U, 16 + 2 * U];
  const pass = (two: boolean) => [
    ...[...a1, ...(two ? a2 : [])].flatMap((a) => [...w.vZero, ...w.set(a)]),
    // pg = pG + r·Op·E, gEnd = pg + O·E, pg2 = pg + Op·E, pw = pW + kb·E
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
    ...(two ? [...w.get(pg), ...w.get(Op), ...w.i32(E), ...w.mul, ...w.add, ...w.set(pg2)] : []),
    ...w.get(pW),
    ...w.get(kb),
    ...w.i32(E),
    ...w.mul,
    ...w.add,
    ...w.set(pw),
    ...w.loop,
    ...w.get(pg),
    ...splatLoad,
    ...w.set(s1),
    ...(two ? [...w.get(pg2), ...splatLoad, ...w.set(s2)] : []),
    ...a1.flatMap((a, u) =>
      two
        ? [
            ...w.get(a),
            ...w.get(s1),
            ...w.get(pw),
            ...w.vLoad(16 * u),
            ...w.tee(wv),
            ...vMul,
            ...vAdd,
            ...w.set(a),
            ...w.get(a2[u] as number),
            ...w.get(s2),
            ...w.get(wv),
            ...vMul,
            ...vAdd,
            ...w.set(a2[u] as number),
          ]
        : [...w.get(a), ...w.get(s1), ...w.get(pw), ...w.vLoad(16 * u), ...vMul, ...vAdd, ...w.set(a)],
    ),
    ...w.get(pw),
    ...w.get(Kp),
    ...w.i32(E),
    ...w.mul,
    ...w.add,
    ...w.set(pw),
    ...(two ? [...w.get(pg2), ...w.i32(E), ...w.add, ...w.set(pg2)] : []),
    ...w.get(pg),
    ...w.i32(E),
    ...w.add,
    ...w.tee(pg),
    ...w.get(gEnd),
    ...w.ltS,
    ...w.brIf(0),
    ...w.end,
    // pd = pDx + (r·Kp + kb)·E
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
    ...a1.flatMap((a, u) => [...w.get(pd), ...w.get(a), ...w.vStore(16 * u)]),
    ...(two
      ? [
          ...w.get(pd),
          ...w.get(Kp),
          ...w.i32(E),
          ...w.mul,
          ...w.add,
          ...w.set(pd),
          ...a2.flatMap((a, u) => [...w.get(pd), ...w.get(a), ...w.vStore(16 * u)]),
        ]
      : []),
  ];
  const code = forLoop(kb, w.i32(0), w.get(Kp), block, [
    ...forLoop(r, w.i32(0), [...w.get(R), ...w.i32(1), ...w.sub], 2, pass(true)),
    // an odd count leaves the last row (r = R − 1)
    ...w.get(r),
    ...w.get(R),
    ...w.ltS,
    ...w.if,
    ...pass(false),
    ...w.end,
  ]);
  return {
    name: f32 ? 'dx32' : 'dx',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    locals: [...Array(7).fill(T.i32), ...Array(2 * U + 3).fill(T.v128)],
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

let available: boolean | undefined;
/** Whether the wasm kernels run here (WebAssembly SIMD available). */
export const linearWasmAvailable = (): boolean => {
  available ??= simdAvailable(linearGradModule());
  return available;
};
