/**
 * WebAssembly SIMD kernels of the trainable linear map `y = x Wᵀ + b` (float64 arithmetic, the
 * weights and inputs in float32 or float64):
 *
 * - `csr`, `csr32`: the nonzero inputs (float64, float32 rows) of a block of {@link SPARSE_BLOCK} inputs, row by row (branch-free;
 *   `csr32` four inputs per step, `linearCsr.ts`);
 * - `fwd`: `y[r, :] = Σ_k x[r, k]·Wᵀ[k, :]` over those nonzero `x[r, k]` only (spikes cost their
 *   spikes), in increasing `k`, by tiles of 8 outputs held in registers, then `+ b` (in
 *   JavaScript, rounding once to the dtype);
 * - `dw`: `∂Wᵀ[k, :] += x[r, k]·ḡy[r, :]` over the nonzero `x[r, k]`, rows in increasing order, by
 *   tiles of 8 outputs; `tga` adds the tiles into `∂W` `[O, K]`;
 * - `dx`: `ḡx[r, k] = Σ_o ḡy[r, o]·W[o, k]`, dense, `o` in increasing order, register-blocked
 *   over `DX_ROWS` rows × {@link DX_VECTORS} vectors of inputs × all outputs (`linearDense.ts`), so that a block of `W` stays
 *   in L1 across rows and each vector of it loaded serves every row of the pass.
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
import { assemble, elementAt, forLoop, localIndices, simdAvailable, T, w } from './asm.js';
import { compress32, csrEnd, csrEntry, csrRowStart } from './linearCsr.js';
import { denseDx, tiles } from './linearDense.js';
import { columns, columnTiles } from './linearSparse.js';

export { CSR_TABLE_BYTES } from './linearCsr.js';
export { DX_ROWS, DX_VECTORS } from './linearDense.js';

/** Bytes of row data (inputs, gradients) per chunk. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
/** Inputs per block of the sparse `fwd` / `dw` kernels (a tile's block, 64 bytes per input, stays in L2). */
export const SPARSE_BLOCK = 2048;

/**
 * csr(R, K, stride, pX, pIdx, pVal, pPtr): the nonzero entries of `K` columns of `x` (float64 rows of
 * `stride` elements from `pX`) row by row, `k` increasing: `idx` (i32, from 0) and `val` (f64) from
 * `ptr[r]` to `ptr[r + 1]` (i32, `R + 1` entries). Branch-free: every entry is written, the count
 * advances by `x ≠ 0`. Float32 rows: `csr32` (`linearCsr.ts`, one more argument: its table).
 */
const compress = () => {
  const E = 8;
  const [R, K, stride, pX, pIdx, pVal, pPtr] = [0, 1, 2, 3, 4, 5, 6];
  const [r, k, px, cnt, xv] = [7, 8, 9, 10, 11];
  const code = [
    ...w.i32(0),
    ...w.set(cnt),
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      // px = pX + r·stride·8; ptr[r] = cnt
      ...csrRowStart(3, { pX, row: r, stride, px, pPtr, cnt }),
      ...forLoop(k, w.i32(0), w.get(K), 1, csrEntry(w.f64Load(), E, { px, pIdx, pVal, cnt, k, xv })),
    ]),
    ...csrEnd(pPtr, R, cnt),
  ];
  return { name: 'csr', params: Array(7).fill(T.i32), locals: [T.i32, T.i32, T.i32, T.i32, T.f64], code };
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
  const [j, r, e, eEnd, base, a, rowB] = localIndices(np, 7);
  const v = [7, 8, 9, 10].map((q) => np + q); // accumulators (fwd) or g[r, tile] (dw)
  const xs = np + 11;
  // the tile's array: pTile + j·K·64 (Wt for fwd: pM; dWt for dw: pT)
  const tileBase = [...elementAt(fwd ? pM : pT, [...w.get(j), ...w.get(K), ...w.mul], 6), ...w.set(base)];
  // rowB = (r·Op + 8j)·8: the row's 8 outputs (fwd: out at pT; dw: g at pM)
  const rowAt = [...w.get(r), ...w.get(Op), ...w.mul, ...w.get(j), ...w.i32(3), ...w.shl, ...w.add, ...w.i32(3), ...w.shl, ...w.set(rowB)];
  const entry = [
    // a = base + idx[e]·64, xs = splat(val[e])
    ...elementAt(base, [...elementAt(pIdx, w.get(e), 2), ...w.i32Load()], 6),
    ...w.set(a),
    ...elementAt(pVal, w.get(e), 3),
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
    ...elementAt(pPtr, w.get(r), 2),
    ...w.i32Load(),
    ...w.set(e),
    ...elementAt(pPtr, w.get(r), 2),
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

let bytes: Uint8Array | undefined;
/** The module's bytes (exports `fwd`, `dw`, `dx`, `memory`). */
export const linearGradModule = (): Uint8Array => {
  bytes ??= assemble([
    compress(),
    compress32(),
    sparseTiles('fwd'),
    sparseTiles('dw'),
    columns(),
    columnTiles('fwdc'),
    columnTiles('dwc'),
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
