/**
 * WebAssembly SIMD kernels of the trainable linear map `y = x Wᵀ + b` (float64 arithmetic, the
 * weights and inputs in float32 or float64):
 *
 * - `csr`: the nonzero inputs of a block of {@link SPARSE_BLOCK} inputs, row by row (branch-free);
 * - `fwd`: `y[r, :] = Σ_k x[r, k]·Wᵀ[k, :]` over those nonzero `x[r, k]` only (spikes cost their
 *   spikes), in increasing `k`, by tiles of 8 outputs held in registers, then `+ b` (in
 *   JavaScript, rounding once to the dtype);
 * - `dw`: `∂Wᵀ[k, :] += x[r, k]·ḡy[r, :]` over the nonzero `x[r, k]`, rows in increasing order, by
 *   tiles of 8 outputs; `tga` adds the tiles into `∂W` `[O, K]`;
 * - `dx`: `ḡx[r, k] = Σ_o ḡy[r, o]·W[o, k]`, dense, `o` in increasing order, register-blocked
 *   over two rows × {@link DX_VECTORS} vectors of inputs × all outputs, so that a block of `W` stays
 *   in L1 across rows and each vector of it loaded serves two rows.
 *
 * `Wᵀ` and `∂Wᵀ` are laid out in tiles `[⌈O/8⌉][K][8]` (`tw32`/`tw64` build them): a tile's block of
 * {@link SPARSE_BLOCK} inputs (128 KiB) stays in L2 while every row passes over it.
 * Every output sums the same products in the same order as the plain loops they replace
 * (`../linear.ts`, `kernel: 'js'`), so the results are equal bit for bit (each lane of an `f64x2`
 * operation rounds as the scalar operation). Rows are processed in chunks (≤ {@link CHUNK_BYTES} of inputs
 * and outputs, or about twice the weights' bytes for large weights) so that the module's memory
 * holds the weights twice (`W`, `∂Wᵀ`) plus one chunk. The JavaScript that drives the kernels is
 * `engine.ts` (one module instance per thread; its memory keeps the size of the largest layer run).
 * @module
 */
import { assemble, forLoop, simdAvailable, T, w } from './asm.js';

/** Bytes of row data (inputs, gradients) per chunk. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
/** Vectors of inputs per row and block of `dx` (`DX_ROWS`·`DX_VECTORS` accumulators). */
export const DX_VECTORS = 2;
/** Rows per pass of `dx` over a block of `W`. */
export const DX_ROWS = 4;
/** Inputs per block of the sparse `fwd` / `dw` kernels (a tile's block, 64 bytes per input, stays in L2). */
export const SPARSE_BLOCK = 2048;

/**
 * csr(R, K, stride, pX, pIdx, pVal, pPtr): the nonzero entries of `K` columns of `x` (float64 rows of
 * `stride` elements from `pX`; `csr32`: float32 rows, values promoted to float64) row by row, `k` increasing: `idx` (i32, from 0) and `val` (f64) from
 * `ptr[r]` to `ptr[r + 1]` (i32, `R + 1` entries). Branch-free: every entry is written, the count
 * advances by `x ≠ 0`.
 */
const compress = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const [R, K, stride, pX, pIdx, pVal, pPtr] = [0, 1, 2, 3, 4, 5, 6];
  const [r, k, px, cnt, xv] = [7, 8, 9, 10, 11];
  const code = [
    ...w.i32(0),
    ...w.set(cnt),
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      // px = pX + r·stride·E
      ...w.get(pX),
      ...w.get(r),
      ...w.get(stride),
      ...w.mul,
      ...w.i32(f32 ? 2 : 3),
      ...w.shl,
      ...w.add,
      ...w.set(px),
      // ptr[r] = cnt
      ...w.get(pPtr),
      ...w.get(r),
      ...w.i32(2),
      ...w.shl,
      ...w.add,
      ...w.get(cnt),
      ...w.i32Store(),
      ...forLoop(k, w.i32(0), w.get(K), 1, [
        ...w.get(px),
        ...(f32 ? w.f32LoadPromote() : w.f64Load()),
        ...w.set(xv),
        ...w.get(pIdx),
        ...w.get(cnt),
        ...w.i32(2),
        ...w.shl,
        ...w.add,
        ...w.get(k),
        ...w.i32Store(),
        ...w.get(pVal),
        ...w.get(cnt),
        ...w.i32(3),
        ...w.shl,
        ...w.add,
        ...w.get(xv),
        ...w.f64Store(),
        ...w.get(cnt),
        ...w.get(xv),
        ...w.f64(0),
        ...w.fNe,
        ...w.add,
        ...w.set(cnt),
        ...w.get(px),
        ...w.i32(E),
        ...w.add,
        ...w.set(px),
      ]),
    ]),
    ...w.get(pPtr),
    ...w.get(R),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.get(cnt),
    ...w.i32Store(),
  ];
  return { name: f32 ? 'csr32' : 'csr', params: Array(7).fill(T.i32), locals: [T.i32, T.i32, T.i32, T.i32, T.f64], code };
};

/**
 * Over the nonzero `x` of a block of inputs (from `csr`), by tiles of 8 outputs (`[J][K][8]` f64
 * arrays, `pWt` / `pDwt` pointing at the block's first input: a tile's block stays in L2 while every
 * row passes over it), rows in increasing order, entries in increasing `k`:
 * - `fwd`(R, K, J, Op, pWt, pIdx, pVal, pPtr, pOut, more): `out[r, 8j + q] (+)= Σ_k x[r, k]·Wt[j][k][q]`
 *   in registers, from +0 or, when `more` ≠ 0, from `out` (the sums of the earlier blocks of inputs), `out` `[R, Op]`;
 * - `dw`(R, K, J, Op, pG, pIdx, pVal, pPtr, pDwt): `dWt[j][k][q] += x[r, k]·g[r, 8j + q]`, `g` `[R, Op]`.
 */
const sparseTiles = (fname: 'fwd' | 'dw') => {
  const fwd = fname === 'fwd';
  const [R, K, J, Op, pM, pIdx, pVal, pPtr, pT, more] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const np = fwd ? 10 : 9; // dw has no `more`
  const [j, r, e, eEnd, base, a, rowB] = [0, 1, 2, 3, 4, 5, 6].map((q) => np + q) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const v = [7, 8, 9, 10].map((q) => np + q); // accumulators (fwd) or g[r, tile] (dw)
  const xs = np + 11;
  // the tile's array: pTile + j·K·64 (Wt for fwd: pM; dWt for dw: pT)
  const tileBase = [...w.get(fwd ? pM : pT), ...w.get(j), ...w.get(K), ...w.mul, ...w.i32(6), ...w.shl, ...w.add, ...w.set(base)];
  // rowB = (r·Op + 8j)·8: the row's 8 outputs (fwd: out at pT; dw: g at pM)
  const rowAt = [...w.get(r), ...w.get(Op), ...w.mul, ...w.get(j), ...w.i32(3), ...w.shl, ...w.add, ...w.i32(3), ...w.shl, ...w.set(rowB)];
  const entry = [
    // a = base + idx[e]·64, xs = splat(val[e])
    ...w.get(base),
    ...w.get(pIdx),
    ...w.get(e),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.i32Load(),
    ...w.i32(6),
    ...w.shl,
    ...w.add,
    ...w.set(a),
    ...w.get(pVal),
    ...w.get(e),
    ...w.i32(3),
    ...w.shl,
    ...w.add,
    ...w.vLoadSplat(),
    ...w.set(xs),
    ...(fwd
      ? v.flatMap((acc, u) => [...w.get(acc), ...w.get(xs), ...w.get(a), ...w.vLoad(16 * u), ...w.vMul, ...w.vAdd, ...w.set(acc)])
      : v.flatMap((gu, u) => [
          ...w.get(a),
          ...w.get(a),
          ...w.vLoad(16 * u),
          ...w.get(xs),
          ...w.get(gu),
          ...w.vMul,
          ...w.vAdd,
          ...w.vStore(16 * u),
        ])),
  ];
  const perRow = [
    ...rowAt,
    ...(fwd
      ? [
          ...v.flatMap((acc) => [...w.vZero, ...w.set(acc)]),
          ...w.get(more),
          ...w.if,
          ...v.flatMap((acc, u) => [...w.get(pT), ...w.get(rowB), ...w.add, ...w.vLoad(16 * u), ...w.set(acc)]),
          ...w.end,
        ]
      : v.flatMap((gu, u) => [...w.get(pM), ...w.get(rowB), ...w.add, ...w.vLoad(16 * u), ...w.set(gu)])),
    // entries ptr[r] .. ptr[r + 1]
    ...w.get(pPtr),
    ...w.get(r),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.i32Load(),
    ...w.set(e),
    ...w.get(pPtr),
    ...w.get(r),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.i32Load(4),
    ...w.set(eEnd),
    ...forLoop(e, w.get(e), w.get(eEnd), 1, entry),
    ...(fwd ? v.flatMap((acc, u) => [...w.get(pT), ...w.get(rowB), ...w.add, ...w.get(acc), ...w.vStore(16 * u)]) : []),
  ];
  const code = forLoop(j, w.i32(0), w.get(J), 1, [...tileBase, ...forLoop(r, w.i32(0), w.get(R), 1, perRow)]);
  return {
    name: fname,
    params: Array(np).fill(T.i32),
    locals: [...Array(7).fill(T.i32), ...Array(5).fill(T.v128)],
    code,
  };
};

/**
 * dx(R, O, Op, Kp, pG, pW, pDx): dx[r, k] = Σ_o g[r, o]·W[o, k]; W `[O, Kp]`, g `[R, Op]`, dx
 * `[R, Kp]`, all float64 (`dx`) or all float32 (`dx32`). Register-blocked: `rows` rows × `U`
 * vectors of inputs per pass over a block of `W` (`rows·U` accumulators), so that each vector of
 * `W` loaded serves `rows` rows and each `g[r, o]` loaded serves `U` vectors; the last rows of a
 * count that `rows` does not divide run one by one. Each `dx[r, k]` still sums `o` in increasing
 * order from 0.
 */
export const denseDx = (f32: boolean, rows: number = DX_ROWS, U: number = DX_VECTORS) => {
  const E = f32 ? 4 : 8;
  const [splatLoad, vAdd, vMul] = f32 ? [w.vLoadSplat32(), w.v32Add, w.v32Mul] : [w.vLoadSplat(), w.vAdd, w.vMul];
  const block = (16 / E) * U;
  const [R, O, Op, Kp, pG, pW, pDx] = [0, 1, 2, 3, 4, 5, 6];
  const [kb, r, pw, pg, gEnd, pd, rowG, wStep] = [7, 8, 9, 10, 11, 12, 13, 14];
  const v0 = 15;
  // v128 locals: acc[q][u] = v0 + q·U + u, splat[q] = v0 + rows·U + q, wv = v0 + rows·(U + 1)
  const acc = (q: number, u: number) => v0 + q * U + u;
  const sp = (q: number) => v0 + rows * U + q;
  const wv = v0 + rows * (U + 1);
  const pass = (nr: number) => [
    ...Array.from({ length: nr * U }, (_, a) => [...w.vZero, ...w.set(acc(Math.floor(a / U), a % U))]).flat(),
    // pg = pG + r·Op·E (row r's g, the next rows at + q·Op·E), gEnd = pg + O·E, pw = pW + kb·E
    ...w.get(pG),
    ...w.get(r),
    ...w.get(rowG),
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
    // splat[q] = g[r + q, o]
    ...Array.from({ length: nr }, (_, q) => [
      ...w.get(pg),
      ...(q === 0 ? [] : [...w.get(rowG), ...(q === 1 ? [] : [...w.i32(q), ...w.mul]), ...w.add]),
      ...splatLoad,
      ...w.set(sp(q)),
    ]).flat(),
    // each vector of W once, into every row's accumulator
    ...Array.from({ length: U }, (_, u) => [
      ...w.get(pw),
      ...w.vLoad(16 * u),
      ...w.set(wv),
      ...Array.from({ length: nr }, (_, q) => [
        ...w.get(acc(q, u)),
        ...w.get(sp(q)),
        ...w.get(wv),
        ...vMul,
        ...vAdd,
        ...w.set(acc(q, u)),
      ]).flat(),
    ]).flat(),
    ...w.get(pw),
    ...w.get(wStep),
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
    // pd = pDx + (r·Kp + kb)·E, the next rows at + q·Kp·E
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
    ...Array.from({ length: nr }, (_, q) => [
      ...(q === 0 ? [] : [...w.get(pd), ...w.get(wStep), ...w.add, ...w.set(pd)]),
      ...Array.from({ length: U }, (_, u) => [...w.get(pd), ...w.get(acc(q, u)), ...w.vStore(16 * u)]).flat(),
    ]).flat(),
  ];
  const code = [
    // rowG = Op·E (bytes per row of g), wStep = Kp·E (bytes per row of W and of dx)
    ...w.get(Op),
    ...w.i32(E),
    ...w.mul,
    ...w.set(rowG),
    ...w.get(Kp),
    ...w.i32(E),
    ...w.mul,
    ...w.set(wStep),
    ...forLoop(kb, w.i32(0), w.get(Kp), block, [
      ...(rows > 1 ? forLoop(r, w.i32(0), [...w.get(R), ...w.i32(rows - 1), ...w.sub], rows, pass(rows)) : [...w.i32(0), ...w.set(r)]),
      // the rows left over (fewer than `rows`), one by one
      ...forLoop(r, w.get(r), w.get(R), 1, pass(1)),
    ]),
  ];
  return {
    name: f32 ? 'dx32' : 'dx',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    locals: [...Array(8).fill(T.i32), ...Array(rows * (U + 1) + 1).fill(T.v128)],
    code,
  };
};

/** `i8x16.shuffle` of two f64x2 `a`, `b`: `(a₀, b₀)` ({@link LOW}) or `(a₁, b₁)` ({@link HIGH}). */
const shuffle = (lanes: readonly number[]) => [0xfd, 0x0d, ...lanes];
const LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * Tile transpositions: `tw32`/`tw64`(K, O, pW, pWt): `Wt[o >> 3][k][o & 7] = W[o, k]` from a
 * float32 / float64 `W` `[O, K]` (padding lanes untouched); `tga`(K, O, pDwt, pGw):
 * `gw[o, k] += dWt[o >> 3][k][o & 7]` into `gw` `[O, K]` (float64). Two rows and two inputs per
 * step (a 2 × 2 transposition of f64x2 by shuffles; the additions of `tga` lane by lane, each the
 * scalar `gw + dWt`); the last input of an odd `K` and the last row of an odd count per tile one
 * by one.
 */
const tiles = (fname: 'tw32' | 'tw64' | 'tga') => {
  const ga = fname === 'tga';
  const [K, O, pA, pB] = [0, 1, 2, 3];
  const [ob, q, k, pa, pb, pt, rows, kEnd2, rowBytes] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [va, vb] = [13, 14];
  const E = fname === 'tw32' ? 4 : 8;
  const [pRow, pTile] = ga ? [pB, pA] : [pA, pB]; // the [O, K] matrix, the tiles
  const pair = fname === 'tw32' ? w.vLoadF32Pair() : w.vLoad();
  const scalar = fname === 'tw32' ? w.f32LoadPromote() : w.f64Load();
  const adv = (p: number, by: number) => [...w.get(p), ...w.i32(by), ...w.add, ...w.set(p)];
  // one element: row pointer p, tile pointer pt + off
  const one = (p: number, off: number) =>
    ga
      ? [...w.get(p), ...w.get(p), ...w.f64Load(), ...w.get(pt), ...w.f64Load(off), ...w.fAdd, ...w.f64Store()]
      : [...w.get(pt), ...w.get(p), ...scalar, ...w.f64Store(off)];
  // inputs k, k + 1 of rows a (pa) and b (pb)
  const two = ga
    ? [
        ...w.get(pt),
        ...w.vLoad(),
        ...w.set(va),
        ...w.get(pt),
        ...w.vLoad(64),
        ...w.set(vb),
        ...w.get(pa),
        ...w.get(pa),
        ...w.vLoad(),
        ...w.get(va),
        ...w.get(vb),
        ...shuffle(LOW),
        ...w.vAdd,
        ...w.vStore(),
        ...w.get(pb),
        ...w.get(pb),
        ...w.vLoad(),
        ...w.get(va),
        ...w.get(vb),
        ...shuffle(HIGH),
        ...w.vAdd,
        ...w.vStore(),
      ]
    : [
        ...w.get(pa),
        ...pair,
        ...w.set(va),
        ...w.get(pb),
        ...pair,
        ...w.set(vb),
        ...w.get(pt),
        ...w.get(va),
        ...w.get(vb),
        ...shuffle(LOW),
        ...w.vStore(),
        ...w.get(pt),
        ...w.get(va),
        ...w.get(vb),
        ...shuffle(HIGH),
        ...w.vStore(64),
      ];
  const code = [
    ...w.get(K),
    ...w.i32(E),
    ...w.mul,
    ...w.set(rowBytes),
    ...w.get(K),
    ...w.get(K),
    ...w.i32(1),
    ...w.and,
    ...w.sub,
    ...w.set(kEnd2),
    ...forLoop(ob, w.i32(0), w.get(O), 8, [
      // rows = min(8, O − ob)
      ...w.i32(8),
      ...w.get(O),
      ...w.get(ob),
      ...w.sub,
      ...w.i32(8),
      ...w.get(O),
      ...w.get(ob),
      ...w.sub,
      ...w.ltS,
      ...w.select,
      ...w.set(rows),
      ...forLoop(q, w.i32(0), w.get(rows), 2, [
        // pa = pRow + (ob + q)·rowBytes, pt = pTile + ob·K·8 + q·8 (tile ob/8, lane q, input 0)
        ...w.get(pRow),
        ...w.get(ob),
        ...w.get(q),
        ...w.add,
        ...w.get(rowBytes),
        ...w.mul,
        ...w.add,
        ...w.set(pa),
        ...w.get(pTile),
        ...w.get(ob),
        ...w.get(K),
        ...w.mul,
        ...w.get(q),
        ...w.add,
        ...w.i32(3),
        ...w.shl,
        ...w.add,
        ...w.set(pt),
        ...w.get(q),
        ...w.i32(1),
        ...w.add,
        ...w.get(rows),
        ...w.ltS,
        ...w.if,
        // rows a = ob + q and b = ob + q + 1
        ...w.get(pa),
        ...w.get(rowBytes),
        ...w.add,
        ...w.set(pb),
        ...forLoop(k, w.i32(0), w.get(kEnd2), 2, [...two, ...adv(pa, 2 * (ga ? 8 : E)), ...adv(pb, 2 * (ga ? 8 : E)), ...adv(pt, 128)]),
        ...w.get(k),
        ...w.get(K),
        ...w.ltS,
        ...w.if,
        ...one(pa, 0),
        ...one(pb, 8),
        ...w.end,
        ...[0x05], // else
        // the last row of an odd count
        ...forLoop(k, w.i32(0), w.get(K), 1, [...one(pa, 0), ...adv(pa, ga ? 8 : E), ...adv(pt, 64)]),
        ...w.end,
      ]),
    ]),
  ];
  return { name: fname, params: Array(4).fill(T.i32), locals: [...Array(9).fill(T.i32), T.v128, T.v128], code };
};

let bytes: Uint8Array | undefined;
/** The module's bytes (exports `fwd`, `dw`, `dx`, `memory`). */
export const linearGradModule = (): Uint8Array => {
  bytes ??= assemble([
    compress(false),
    compress(true),
    sparseTiles('fwd'),
    sparseTiles('dw'),
    denseDx(false),
    denseDx(true),
    tiles('tw32'),
    tiles('tw64'),
    tiles('tga'),
  ]);
  return bytes;
};

let available: boolean | undefined;
/** Whether the wasm kernels run here (WebAssembly SIMD available). */
export const linearWasmAvailable = (): boolean => {
  available ??= simdAvailable(linearGradModule());
  return available;
};
