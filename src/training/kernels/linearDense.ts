/**
 * The dense kernels of the trainable linear map (`linearGrad.ts` assembles them into its module):
 * `dx`/`dx32`, the gradient of the input `ḡx = ḡy·W` (register-blocked, float64 or float32
 * arithmetic), and the tile layouts `tw32`/`tw64` (`W` → `Wᵀ` tiles `[⌈O/8⌉][K][8]` float64) and
 * `tga` (`∂W += ∂Wᵀ` tiles). Every output sums the same terms in the same order as the plain
 * loops of `../linear.ts` (float32 `∂x`: in float32, `o` increasing), so results are equal bit
 * for bit whatever the blocking.
 * @module
 */
import { forLoop, T, w } from './asm.js';

/** Vectors of inputs per row and block of `dx` (`DX_ROWS`·`DX_VECTORS` accumulators). */
export const DX_VECTORS = 2;
/** Rows per pass of `dx` over a block of `W`. */
export const DX_ROWS = 4;

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
export const tiles = (fname: 'tw32' | 'tw64' | 'tga') => {
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
