/**
 * A hand-written wasm SIMD module for the linear map `y = x Wᵀ + b`, spike-driven (the threads
 * backend's linear kernel): only the inputs that are not zero are accumulated.
 * @module
 */
import type { DType } from '../../tensor.js';
import { f32x4, f64x2, HEADER, I32, name, op, section, simd, uleb, V128, vecOf, type WasmModule } from './encoding.js';

/** Accumulator vectors per column tile: 4 (64 bytes, one cache line of weights per input; measured faster than 2, 8, 12, 16). */
const ACCUMULATORS = 4;

/**
 * Outputs per column tile of {@link linearWasmModule}: 16 in float32, 8 in float64 (4 vectors, 64 bytes).
 * The weights it reads are laid out by {@link tileWeights}.
 */
export const linearTileWidth = (dtype: DType): number => (dtype === 'float32' ? f32x4.lanes : f64x2.lanes) * ACCUMULATORS;

/**
 * Wᵀ in column tiles, the layout {@link linearWasmModule} reads: for tile `j` (outputs
 * `[j·TW, (j+1)·TW)`, `TW` = {@link linearTileWidth}), `K` rows of `TW` weights, so that the
 * weights of one input for one tile are one contiguous run of `TW` values; outputs past `O` are 0.
 * @param w - `[O, K]` row-major
 * @param out - `⌈O/TW⌉·K·TW` elements, written
 */
export const tileWeights = (w: ArrayLike<number>, O: number, K: number, TW: number, out: Float32Array | Float64Array): void => {
  const J = Math.ceil(O / TW);
  out.fill(0, 0, J * K * TW);
  for (let o = 0; o < O; o++) {
    const j = Math.floor(o / TW);
    const t = o - j * TW;
    const base = j * K * TW + t;
    const src = o * K;
    for (let k = 0; k < K; k++) out[base + k * TW] = w[src + k] as number;
  }
};

const linearCache = new Map<DType, WasmModule>();

/**
 * A wasm SIMD module for `y = x Wᵀ + b` over a block of rows of `x` that accumulates only the
 * inputs that are not zero (the spikes of a raster). Two passes:
 *
 * 1. For every chunk of `KC` inputs and every row, the indices `k` of the nonzero `x[r, k]` are
 *    gathered into a list (branch-free, in increasing `k`), noting whether every nonzero value is
 *    exactly 1.
 * 2. For every column tile `j` of `TW` outputs (see {@link tileWeights}), every chunk and every
 *    row, `TW/lanes` accumulators (registers) add `x[r, k]·Wᵀ[k, tile]` for the listed `k` in
 *    increasing order — just `Wᵀ[k, tile]` when every value is 1, since `1·w = w` exactly — and
 *    are stored to `out`, from where the next chunk continues them; after the last chunk the bias
 *    is added. The weights of one tile and chunk (`KC·TW` values, sized to stay in the core's
 *    cache) serve every row of the block before the next are read.
 *
 * Each output therefore sums the same products in the same order as the dense `js` product
 * (`matmulInto` in `src/ops/matmul.ts`), one rounding per operation in the dtype: a skipped term
 * `0·w` (w finite) would add ±0 to an accumulator that is never −0 (round to nearest), which
 * changes nothing — so results are equal bit for bit.
 *
 * Exports `memory` and `run(rows, K, J, x, wt, bias, out, hasBias, idx, ends, KC)` (pointers in
 * bytes): `x` `[rows, K]`, `wt` tiled `[J, K, TW]`, `bias` `[J·TW]` (read when `hasBias` ≠ 0),
 * `out` `[rows, J·TW]` (padded rows), `idx` room for `rows·K` i32, `ends` room for
 * `⌈K/KC⌉·rows` i32. Returns 1 when every input of the block is 0 or 1 (spikes; finite), else 0.
 * @param dtype - `float32` or `float64`
 */
export const linearWasmModule = (dtype: DType): WasmModule => {
  const have = linearCache.get(dtype);
  if (have !== undefined) return have;
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const E = L.bytes;
  const TW = L.lanes * ACCUMULATORS;
  const A = ACCUMULATORS;
  // Parameters.
  const [pRows, pK, pJ, pX, pWt, pB, pOut, pHasBias, pIdx, pEnds, pKC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const NP = 11;
  // i32 locals.
  const [lr, lk, ln, lEnd, lXrow, lCnt, lOnes, lj, lTile, lStart, lWp, lOrow, lc, lC, lKlo, lKhi] = Array.from(
    { length: 16 },
    (_, i) => NP + i,
  ) as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const nI32 = 16;
  // v128 locals: accumulators, then the splatted input.
  const acc = (i: number) => NP + nI32 + i;
  const vxs = NP + nI32 + A;
  // scalar local.
  const lx = vxs + 1;
  const i32c = op.i32;
  const i32Load = [0x28, 2, 0];
  const i32Store = [0x36, 2, 0];
  const i32Or = [0x72];
  const i32And = [0x71];
  const loadAt = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
  const storeAt = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
  const scalarLoad = dtype === 'float32' ? [0x2a, 2, 0] : [0x2b, 3, 0];
  const scalarNe = dtype === 'float32' ? [0x5c] : [0x62];
  const scalarEq = dtype === 'float32' ? [0x5b] : [0x61];
  const scalarConst = (v: number) =>
    dtype === 'float32' ? [0x43, ...new Uint8Array(new Float32Array([v]).buffer)] : [0x44, ...new Uint8Array(new Float64Array([v]).buffer)];
  const inc = (local: number, by = 1) => [...op.get(local), ...i32c(by), ...op.i32Add, ...op.set(local)];
  /** `for (local = from; local < limit; local++) body` (`from` instructions, `limit` an i32 local). */
  const forRange = (local: number, from: number[], limit: number, body: number[]) => [
    ...from,
    ...op.set(local),
    ...op.block,
    ...op.loop,
    ...op.get(local),
    ...op.get(limit),
    ...op.i32GeS,
    ...op.brIf(1),
    ...body,
    ...inc(local),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const forUp = (local: number, limit: number, body: number[]) => forRange(local, i32c(0), limit, body);
  // address of ends[c·rows + r]
  const endsAt = [
    ...op.get(pEnds),
    ...op.get(lc),
    ...op.get(pRows),
    ...op.i32Mul,
    ...op.get(lr),
    ...op.i32Add,
    ...i32c(4),
    ...op.i32Mul,
    ...op.i32Add,
  ];
  const xrowOf = [...op.get(pX), ...op.get(lr), ...op.get(pK), ...op.i32Mul, ...i32c(E), ...op.i32Mul, ...op.i32Add, ...op.set(lXrow)];
  // C = ⌈K / KC⌉
  const chunks = [...op.get(pK), ...op.get(pKC), ...op.i32Add, ...i32c(1), ...[0x6b], ...op.get(pKC), ...[0x6d], ...op.set(lC)];
  // Pass 1: gather, chunk by chunk of KC inputs, row by row.
  const gather = [
    ...i32c(0),
    ...op.set(lCnt),
    ...i32c(1),
    ...op.set(lOnes),
    ...forUp(lc, lC, [
      // kLo = c·KC, kHi = min(kLo + KC, K)
      ...op.get(lc),
      ...op.get(pKC),
      ...op.i32Mul,
      ...op.tee(lKlo),
      ...op.get(pKC),
      ...op.i32Add,
      ...op.tee(lKhi),
      ...op.get(pK),
      ...op.get(lKhi),
      ...op.get(pK),
      ...op.i32LtS,
      0x1b, // select
      ...op.set(lKhi),
      ...forUp(lr, pRows, [
        ...xrowOf,
        ...forRange(lk, op.get(lKlo), lKhi, [
          // idx[cnt] = k (kept only when x ≠ 0)
          ...op.get(pIdx),
          ...op.get(lCnt),
          ...i32c(4),
          ...op.i32Mul,
          ...op.i32Add,
          ...op.get(lk),
          ...i32Store,
          // xv = x[r, k]
          ...op.get(lXrow),
          ...op.get(lk),
          ...i32c(E),
          ...op.i32Mul,
          ...op.i32Add,
          ...scalarLoad,
          ...op.set(lx),
          // cnt += xv ≠ 0
          ...op.get(lCnt),
          ...op.get(lx),
          ...scalarConst(0),
          ...scalarNe,
          ...op.i32Add,
          ...op.set(lCnt),
          // ones &= (xv = 0) | (xv = 1)
          ...op.get(lOnes),
          ...op.get(lx),
          ...scalarConst(0),
          ...scalarEq,
          ...op.get(lx),
          ...scalarConst(1),
          ...scalarEq,
          ...i32Or,
          ...i32And,
          ...op.set(lOnes),
        ]),
        // ends[c·rows + r] = cnt
        ...endsAt,
        ...op.get(lCnt),
        ...i32Store,
      ]),
    ]),
  ];
  // Inner loop over the listed inputs of one row (ln from lStart to lEnd), one variant per `withMul`.
  const accumulate = (withMul: boolean) => [
    ...op.get(ln),
    ...op.get(lEnd),
    ...op.i32LtS,
    0x04,
    0x40, // if (n < end) do { ... } while (n < end)
    ...op.loop,
    // k = idx[n]
    ...op.get(pIdx),
    ...op.get(ln),
    ...i32c(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...i32Load,
    ...op.set(lk),
    ...(withMul
      ? [...op.get(lXrow), ...op.get(lk), ...i32c(E), ...op.i32Mul, ...op.i32Add, ...scalarLoad, ...L.splat, ...op.set(vxs)]
      : []),
    // wp = tile + k·TW·E
    ...op.get(lTile),
    ...op.get(lk),
    ...i32c(TW * E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lWp),
    ...Array.from({ length: A }, (_, i) => [
      ...op.get(acc(i)),
      ...(withMul ? [...op.get(vxs), ...op.get(lWp), ...loadAt(16 * i), ...L.bin.mul] : [...op.get(lWp), ...loadAt(16 * i)]),
      ...L.bin.add,
      ...op.set(acc(i)),
    ]).flat(),
    ...inc(ln),
    ...op.get(ln),
    ...op.get(lEnd),
    ...op.i32LtS,
    ...op.brIf(0),
    ...op.end, // loop
    ...op.end, // if
  ];
  // Pass 2: column tiles × chunks × rows; accumulators carried from chunk to chunk through `out`.
  const tiles = forUp(lj, pJ, [
    // tile = wt + j·K·TW·E
    ...op.get(pWt),
    ...op.get(lj),
    ...op.get(pK),
    ...op.i32Mul,
    ...i32c(TW * E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lTile),
    ...i32c(0),
    ...op.set(lStart),
    ...forUp(lc, lC, [
      ...forUp(lr, pRows, [
        // end = ends[c·rows + r]; n = start
        ...endsAt,
        ...i32Load,
        ...op.set(lEnd),
        ...op.get(lStart),
        ...op.set(ln),
        ...xrowOf,
        // orow = out + (r·J + j)·TW·E
        ...op.get(pOut),
        ...op.get(lr),
        ...op.get(pJ),
        ...op.i32Mul,
        ...op.get(lj),
        ...op.i32Add,
        ...i32c(TW * E),
        ...op.i32Mul,
        ...op.i32Add,
        ...op.set(lOrow),
        // accumulators: 0 in the first chunk, else the sums so far
        ...op.get(lc),
        0x04,
        0x40,
        ...Array.from({ length: A }, (_, i) => [...op.get(lOrow), ...loadAt(16 * i), ...op.set(acc(i))]).flat(),
        ...op.else,
        ...Array.from({ length: A }, (_, i) => [...op.vconst(L.constBytes(0)), ...op.set(acc(i))]).flat(),
        ...op.end,
        ...op.get(lOnes),
        0x04,
        0x40,
        ...accumulate(false),
        ...op.else,
        ...accumulate(true),
        ...op.end,
        // bias after the last chunk: + b[tile] (after every product, as the dense product adds it)
        ...op.get(pHasBias),
        ...op.get(lc),
        ...i32c(1),
        ...op.i32Add,
        ...op.get(lC),
        ...[0x46], // i32.eq
        ...i32And,
        0x04,
        0x40,
        ...op.get(pB),
        ...op.get(lj),
        ...i32c(TW * E),
        ...op.i32Mul,
        ...op.i32Add,
        ...op.set(lWp),
        ...Array.from({ length: A }, (_, i) => [
          ...op.get(acc(i)),
          ...op.get(lWp),
          ...loadAt(16 * i),
          ...L.bin.add,
          ...op.set(acc(i)),
        ]).flat(),
        ...op.end,
        ...Array.from({ length: A }, (_, i) => [...op.get(lOrow), ...op.get(acc(i)), ...storeAt(16 * i)]).flat(),
        ...op.get(lEnd),
        ...op.set(lStart),
      ]),
    ]),
  ]);
  const code = [...chunks, ...gather, ...tiles, ...op.get(lOnes)];
  const locals = [
    [...uleb(nI32), I32],
    [...uleb(A + 1), V128],
    [...uleb(1), L.scalar],
  ];
  const funcBody = [...vecOf(locals), ...code, ...op.end];
  const runType = [0x60, ...vecOf(Array.from({ length: NP }, () => [I32])), ...vecOf([[I32]])];
  const bytes = new Uint8Array([
    ...HEADER,
    ...section(1, vecOf([runType])),
    ...section(3, vecOf([uleb(0)])),
    ...section(5, vecOf([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vecOf([
        [...name('run'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vecOf([[...uleb(funcBody.length), ...funcBody]])),
  ]);
  const k = Object.freeze({ bytes, lanes: L.lanes, bytesPerElement: E, imports: Object.freeze([]) as readonly string[] });
  linearCache.set(dtype, k);
  return k;
};
