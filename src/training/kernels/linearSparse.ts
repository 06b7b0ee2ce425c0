/**
 * Column-ordered sparse kernels of the trainable linear map (`linearGrad.ts` assembles them into its
 * module). The row lists of `csr` (nonzero inputs of a block, row by row) are regrouped by input
 * (`csc`: for each input `k` of the block, its rows in increasing order), so that the kernels visit
 * each input's tile line once per block and every row that has it nonzero at once:
 *
 * - `fwdc`(Kb, K, J, Op, pWt, pRow, pVal, pCol, pOut): `out[r, 8j + q] += x[r, k]·Wt[j][k][q]`, the
 *   line `Wt[j][k]` loaded once per input; `out` `[R, Op]` float64 holds the sums (+0 before the
 *   first block);
 * - `dwc`(Kb, K, J, Op, pG, pRow, pVal, pCol, pDwt): `dWt[j][k][q] += x[r, k]·g[r, 8j + q]`, the sums
 *   of an input kept in registers over its rows.
 *
 * Each output still receives the same terms in the same order as the row-ordered loops (`out[r, ·]`
 * over `k` increasing, `dWt[·][k]` over `r` increasing), each term `x·w` added as `sum + x·w`, so
 * the results are equal bit for bit (`test/training/linear-kernels.test.ts`). Tiles `[J][K][8]`
 * float64 as in `linearGrad.ts`; `pWt` / `pDwt` point at the block's first input.
 * @module
 */
import { forLoop, T, w } from './asm.js';

/**
 * csc(R, Kb, pIdx, pVal, pPtr, pRow, pCval, pCol): the entries of a block's `csr` lists
 * (`idx`, `val` from `ptr[r]` to `ptr[r + 1]`) regrouped by input: input `k`'s rows (i32) and values
 * (f64) from `col[k]` to `col[k + 1]` (`Kb + 2` i32 at `pCol`), rows increasing.
 */
export const columns = () => {
  const [R, Kb, pIdx, pVal, pPtr, pRow, pCval, pCol] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, e, eEnd, k, p, a] = [8, 9, 10, 11, 12, 13];
  const at = (base: number, i: number[], sh: number) => [...w.get(base), ...i, ...w.i32(sh), ...w.shl, ...w.add];
  const code = [
    // col[0 .. Kb + 1] = 0
    ...forLoop(k, w.i32(0), [...w.get(Kb), ...w.i32(2), ...w.add], 1, [...at(pCol, w.get(k), 2), ...w.i32(0), ...w.i32Store()]),
    // counts: col[idx + 2] += 1 over every entry
    ...forLoop(e, w.i32(0), at(pPtr, w.get(R), 2).concat(w.i32Load()), 1, [
      ...at(pCol, at(pIdx, w.get(e), 2).concat(w.i32Load()), 2),
      ...w.tee(a),
      ...w.get(a),
      ...w.i32Load(8),
      ...w.i32(1),
      ...w.add,
      ...w.i32Store(8),
    ]),
    // col[i] += col[i − 1]: col[k + 1] = the start of input k
    ...forLoop(k, w.i32(0), [...w.get(Kb), ...w.i32(1), ...w.add], 1, [
      // a = &col[k]: col[k + 1] = col[k + 1] + col[k]
      ...at(pCol, w.get(k), 2),
      ...w.tee(a),
      ...w.get(a),
      ...w.i32Load(4),
      ...w.get(a),
      ...w.i32Load(),
      ...w.add,
      ...w.i32Store(4),
    ]),
    // scatter, rows in increasing order: p = col[k + 1]++, row[p] = r, cval[p] = val
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      ...at(pPtr, w.get(r), 2),
      ...w.i32Load(4),
      ...w.set(eEnd),
      ...forLoop(e, at(pPtr, w.get(r), 2).concat(w.i32Load()), w.get(eEnd), 1, [
        ...at(pCol, at(pIdx, w.get(e), 2).concat(w.i32Load()), 2),
        ...w.tee(a),
        ...w.i32Load(4),
        ...w.set(p),
        ...w.get(a),
        ...w.get(p),
        ...w.i32(1),
        ...w.add,
        ...w.i32Store(4),
        ...at(pRow, w.get(p), 2),
        ...w.get(r),
        ...w.i32Store(),
        ...at(pCval, w.get(p), 3),
        ...at(pVal, w.get(e), 3),
        ...w.f64Load(),
        ...w.f64Store(),
      ]),
    ]),
  ];
  return { name: 'csc', params: Array(8).fill(T.i32), locals: Array(6).fill(T.i32), code };
};

/** `fwdc` / `dwc` (see the module docs): tiles `j` outer, inputs `k` of the block, then `k`'s rows. */
export const columnTiles = (fname: 'fwdc' | 'dwc') => {
  const fwd = fname === 'fwdc';
  const [Kb, K, J, Op, pM, pRow, pVal, pCol, pT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [j, k, e, eEnd, base, a, pk] = [9, 10, 11, 12, 13, 14, 15];
  const v = [16, 17, 18, 19]; // fwd: the line Wt[j][k]; dw: the sums dWt[j][k]
  const [xs, tmp] = [20, 21];
  // a = (row[e]·Op + 8j)·8 + (fwd: pT = out; dw: pM = g): row r's 8 outputs of tile j
  const rowAt = [
    ...w.get(fwd ? pT : pM),
    ...w.get(pRow),
    ...w.get(e),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.i32Load(),
    ...w.get(Op),
    ...w.mul,
    ...w.get(j),
    ...w.i32(3),
    ...w.shl,
    ...w.add,
    ...w.i32(3),
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
  ];
  const entry = [
    ...rowAt,
    ...(fwd
      ? // out = out + x·Wt
        [0, 1, 2, 3].flatMap((u) => [
          ...w.get(a),
          ...w.get(a),
          ...w.vLoad(16 * u),
          ...w.get(xs),
          ...w.get(v[u] as number),
          ...w.vMul,
          ...w.vAdd,
          ...w.vStore(16 * u),
        ])
      : // dWt = dWt + x·g
        [0, 1, 2, 3].flatMap((u) => [
          ...w.get(a),
          ...w.vLoad(16 * u),
          ...w.set(tmp),
          ...w.get(v[u] as number),
          ...w.get(xs),
          ...w.get(tmp),
          ...w.vMul,
          ...w.vAdd,
          ...w.set(v[u] as number),
        ])),
  ];
  const perInput = [
    // pk = base + k·64: the line of input k in tile j
    ...w.get(base),
    ...w.get(k),
    ...w.i32(6),
    ...w.shl,
    ...w.add,
    ...w.set(pk),
    ...[0, 1, 2, 3].flatMap((u) => [...w.get(pk), ...w.vLoad(16 * u), ...w.set(v[u] as number)]),
    ...w.get(pCol),
    ...w.get(k),
    ...w.i32(2),
    ...w.shl,
    ...w.add,
    ...w.tee(e),
    ...w.i32Load(4),
    ...w.set(eEnd),
    ...w.get(e),
    ...w.i32Load(),
    ...w.set(e),
    ...forLoop(e, w.get(e), w.get(eEnd), 1, entry),
    ...(fwd ? [] : [0, 1, 2, 3].flatMap((u) => [...w.get(pk), ...w.get(v[u] as number), ...w.vStore(16 * u)])),
  ];
  const code = forLoop(j, w.i32(0), w.get(J), 1, [
    // base = tile array (fwd: pM = Wt; dw: pT = dWt) + j·K·64
    ...w.get(fwd ? pM : pT),
    ...w.get(j),
    ...w.get(K),
    ...w.mul,
    ...w.i32(6),
    ...w.shl,
    ...w.add,
    ...w.set(base),
    ...forLoop(k, w.i32(0), w.get(Kb), 1, perInput),
  ]);
  return { name: fname, params: Array(9).fill(T.i32), locals: [...Array(7).fill(T.i32), ...Array(6).fill(T.v128)], code };
};

/** Bytes of the lane-packing table that {@link compress32} writes at its `pTab` (16 masks × 16 bytes). */
export const CSR_TABLE_BYTES = 256;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...(code < 128 ? [code] : [(code & 0x7f) | 0x80, code >> 7]), ...imm];
/** Byte shuffle that moves the lanes set in `mask` (4 lanes of 4 bytes) to the front, in lane order. */
const packing = (mask: number): number[] => {
  const bytes: number[] = [];
  for (let l = 0; l < 4; l++) if ((mask >> l) & 1) bytes.push(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
  while (bytes.length < 16) bytes.push(0x80); // zero lanes (never read: past the count)
  return bytes;
};

/**
 * csr32(R, K, stride, pX, pIdx, pVal, pPtr, pTab): as `csr` over float32 rows (`linearGrad.ts`),
 * four inputs per step: the lanes `x ≠ 0` (`f32x4.ne`, so −0 is left out and NaN kept, as the
 * scalar `f64.ne`) are packed to the front by a byte shuffle chosen by their mask from a table
 * of {@link CSR_TABLE_BYTES} bytes the kernel writes at `pTab`, then their inputs (i32) and
 * values (promoted to f64, exact) stored at the count, which advances by the mask's population.
 * Four entries are stored per step whatever the count (those past it are overwritten or never
 * read: at most `R·K` entries are written, as `csr`); the last `K mod 4` inputs of a row one by
 * one. Same lists as the scalar loop, entry for entry (`test/training/linear-kernels.test.ts`).
 */
export const compress32 = () => {
  const [R, K, stride, pX, pIdx, pVal, pPtr, pTab] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, k, px, cnt, bits, K4, a] = [8, 9, 10, 11, 12, 13, 14];
  const xv = 15; // f64
  const [kv, x4, sh] = [16, 17, 18]; // v128
  const v = {
    const: (bytes: number[]) => simd(0x0c, ...bytes),
    shuffle: (lanes: number[]) => simd(0x0d, ...lanes),
    swizzle: simd(0x0e),
    f32Ne: simd(0x42),
    bitmask: simd(0xa4),
    i32Add: simd(0xae),
    promoteLow: simd(0x5f),
  };
  const i32s = (a: number[]) => [...new Uint8Array(new Int32Array(a).buffer)];
  const popcnt = [0x69];
  const and = [0x71];
  const code = [
    // the table: packing(m) at pTab + 16·m
    ...Array.from({ length: 16 }, (_, m) => [...w.get(pTab), ...v.const(packing(m)), ...w.vStore(16 * m)]).flat(),
    ...w.i32(0),
    ...w.set(cnt),
    ...w.get(K),
    ...w.i32(-4),
    ...and,
    ...w.set(K4),
    ...forLoop(r, w.i32(0), w.get(R), 1, [
      // px = pX + r·stride·4; ptr[r] = cnt; kv = (0, 1, 2, 3)
      ...w.get(pX),
      ...w.get(r),
      ...w.get(stride),
      ...w.mul,
      ...w.i32(2),
      ...w.shl,
      ...w.add,
      ...w.set(px),
      ...w.get(pPtr),
      ...w.get(r),
      ...w.i32(2),
      ...w.shl,
      ...w.add,
      ...w.get(cnt),
      ...w.i32Store(),
      ...v.const(i32s([0, 1, 2, 3])),
      ...w.set(kv),
      ...forLoop(k, w.i32(0), w.get(K4), 4, [
        ...w.get(px),
        ...w.vLoad(),
        ...w.tee(x4),
        ...w.vZero,
        ...v.f32Ne,
        ...v.bitmask,
        ...w.set(bits),
        // sh = table[bits]
        ...w.get(pTab),
        ...w.get(bits),
        ...w.i32(4),
        ...w.shl,
        ...w.add,
        ...w.vLoad(),
        ...w.set(sh),
        // idx[cnt .. cnt + 3] = packed kv
        ...w.get(pIdx),
        ...w.get(cnt),
        ...w.i32(2),
        ...w.shl,
        ...w.add,
        ...w.get(kv),
        ...w.get(sh),
        ...v.swizzle,
        ...w.vStore(),
        // val[cnt .. cnt + 3] = packed x, promoted two by two
        ...w.get(x4),
        ...w.get(sh),
        ...v.swizzle,
        ...w.set(x4),
        ...w.get(pVal),
        ...w.get(cnt),
        ...w.i32(3),
        ...w.shl,
        ...w.add,
        ...w.tee(a),
        ...w.get(x4),
        ...v.promoteLow,
        ...w.vStore(),
        ...w.get(a),
        ...w.get(x4),
        ...w.get(x4),
        ...v.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]),
        ...v.promoteLow,
        ...w.vStore(16),
        ...w.get(cnt),
        ...w.get(bits),
        ...popcnt,
        ...w.add,
        ...w.set(cnt),
        ...w.get(kv),
        ...v.const(i32s([4, 4, 4, 4])),
        ...v.i32Add,
        ...w.set(kv),
        ...w.get(px),
        ...w.i32(16),
        ...w.add,
        ...w.set(px),
      ]),
      // the last K mod 4 inputs one by one (as csr)
      ...forLoop(k, w.get(K4), w.get(K), 1, [
        ...w.get(px),
        ...w.f32LoadPromote(),
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
        ...w.i32(4),
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
  return {
    name: 'csr32',
    params: Array(8).fill(T.i32),
    locals: [...Array(7).fill(T.i32), T.f64, T.v128, T.v128, T.v128],
    code,
  };
};
