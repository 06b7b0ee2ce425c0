/**
 * Column-ordered sparse kernels of the trainable linear map (`linearGrad.ts` assembles them into its
 * module). The row lists of `csr` (nonzero inputs of a block, row by row) are regrouped by input
 * (`csc`: for each input `k` of the block, its rows in increasing order), so that the kernels visit
 * each input's tile line once per block and every row that has it nonzero at once:
 *
 * - `fwdc`(Kb, K, J, Op, pWt, pRow, pVal, pCol, pOut): `out[r, 8j + q] += x[r, k]·Wt[j][k][q]`, the
 *   line `Wt[j][k]` loaded once per input; `out` `[R, Op]` float64 holds the sums (+0 before the
 *   first block);
 * - `dwc`(Kb, K, J, Op, pG, pRow, pVal, pCol, pDwt, first, pGw, O): `dWt[j][k][q] += x[r, k]·g[r, 8j + q]`,
 *   the sums of an input kept in registers over its rows, from the stored `dWt` line or, when
 *   `first` ≠ 0, from +0 (as from a zeroed `dWt`: no zeroing pass); with `pGw` ≥ 0 (the last chunk
 *   of rows) the sums are not stored but added into `∂W` `[O, K]` float64 at `pGw` (the block's
 *   first input), `∂W[8j + q, k] += sum` for `8j + q < O` — what `tga` does after the fact, so no
 *   `dWt` pass either.
 *
 * Each output still receives the same terms in the same order as the row-ordered loops (`out[r, ·]`
 * over `k` increasing, `dWt[·][k]` over `r` increasing), each term `x·w` added as `sum + x·w`, so
 * the results are equal bit for bit (`test/training/linear-kernels.test.ts`). Tiles `[J][K][8]`
 * float64 as in `linearGrad.ts`; `pWt` / `pDwt` point at the block's first input.
 * @module
 */
import { elementAt, forLoop, localIndices, T, w } from './asm.js';

/**
 * csc(R, Kb, pIdx, pVal, pPtr, pRow, pCval, pCol): the entries of a block's `csr` lists
 * (`idx`, `val` from `ptr[r]` to `ptr[r + 1]`) regrouped by input: input `k`'s rows (i32) and values
 * (f64) from `col[k]` to `col[k + 1]` (`Kb + 2` i32 at `pCol`), rows increasing.
 */
export const columns = () => {
  const [R, Kb, pIdx, pVal, pPtr, pRow, pCval, pCol] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, e, eEnd, k, p, a] = [8, 9, 10, 11, 12, 13];
  const code = [
    // col[0 .. Kb + 1] = 0
    ...forLoop(k, w.i32(0), [...w.get(Kb), ...w.i32(2), ...w.add], 1, [...elementAt(pCol, w.get(k), 2), ...w.i32(0), ...w.i32Store()]),
    // counts: col[idx + 2] += 1 over every entry
    ...forLoop(e, w.i32(0), elementAt(pPtr, w.get(R), 2).concat(w.i32Load()), 1, [
      ...elementAt(pCol, elementAt(pIdx, w.get(e), 2).concat(w.i32Load()), 2),
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
      ...elementAt(pCol, w.get(k), 2),
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
      ...elementAt(pPtr, w.get(r), 2),
      ...w.i32Load(4),
      ...w.set(eEnd),
      ...forLoop(e, elementAt(pPtr, w.get(r), 2).concat(w.i32Load()), w.get(eEnd), 1, [
        ...elementAt(pCol, elementAt(pIdx, w.get(e), 2).concat(w.i32Load()), 2),
        ...w.tee(a),
        ...w.i32Load(4),
        ...w.set(p),
        ...w.get(a),
        ...w.get(p),
        ...w.i32(1),
        ...w.add,
        ...w.i32Store(4),
        ...elementAt(pRow, w.get(p), 2),
        ...w.get(r),
        ...w.i32Store(),
        ...elementAt(pCval, w.get(p), 3),
        ...elementAt(pVal, w.get(e), 3),
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
  const [Kb, K, J, Op, pM, pRow, pVal, pCol, pT, first, pGw, O] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const np = fwd ? 9 : 12;
  const [j, k, e, eEnd, base, a, pk, gk, lim] = localIndices(np, 9);
  const v = [9, 10, 11, 12].map((q) => np + q); // fwd: the line Wt[j][k]; dw: the sums dWt[j][k]
  const [xs, tmp] = [np + 13, np + 14];
  const [ifElse, extractLane] = [[0x05], (lane: number) => [0xfd, 0x21, lane]]; // else; f64x2.extract_lane
  // a = (row[e]·Op + 8j)·8 + (fwd: pT = out; dw: pM = g): row r's 8 outputs of tile j
  const rowAt = [
    ...elementAt(
      fwd ? pT : pM,
      [...elementAt(pRow, w.get(e), 2), ...w.i32Load(), ...w.get(Op), ...w.mul, ...w.get(j), ...w.i32(3), ...w.shl, ...w.add],
      3,
    ),
    ...w.set(a),
    ...elementAt(pVal, w.get(e), 3),
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
  // ∂W[8j + q, k] += lane q of the sums, q < lim (gk: row 8j, input k; one row further per lane)
  const addLanes = [
    ...elementAt(pGw, [...w.get(j), ...w.i32(3), ...w.shl, ...w.get(K), ...w.mul, ...w.get(k), ...w.add], 3),
    ...w.set(gk),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((q) => [
      ...w.i32(q),
      ...w.get(lim),
      ...w.ltS,
      ...w.if,
      ...w.get(gk),
      ...w.get(gk),
      ...w.f64Load(),
      ...w.get(v[q >> 1] as number),
      ...extractLane(q & 1),
      ...w.fAdd,
      ...w.f64Store(),
      ...w.end,
      ...elementAt(gk, w.get(K), 3),
      ...w.set(gk),
    ]),
  ];
  const perInput = [
    // pk = base + k·64: the line of input k in tile j
    ...elementAt(base, w.get(k), 6),
    ...w.set(pk),
    ...(fwd
      ? [0, 1, 2, 3].flatMap((u) => [...w.get(pk), ...w.vLoad(16 * u), ...w.set(v[u] as number)])
      : [
          ...w.get(first),
          ...w.if,
          ...[0, 1, 2, 3].flatMap((u) => [...w.vZero, ...w.set(v[u] as number)]),
          ...ifElse,
          ...[0, 1, 2, 3].flatMap((u) => [...w.get(pk), ...w.vLoad(16 * u), ...w.set(v[u] as number)]),
          ...w.end,
        ]),
    ...elementAt(pCol, w.get(k), 2),
    ...w.tee(e),
    ...w.i32Load(4),
    ...w.set(eEnd),
    ...w.get(e),
    ...w.i32Load(),
    ...w.set(e),
    ...forLoop(e, w.get(e), w.get(eEnd), 1, entry),
    ...(fwd
      ? []
      : [
          ...w.get(pGw),
          ...w.i32(0),
          ...w.geS,
          ...w.if,
          ...addLanes,
          ...ifElse,
          ...[0, 1, 2, 3].flatMap((u) => [...w.get(pk), ...w.get(v[u] as number), ...w.vStore(16 * u)]),
          ...w.end,
        ]),
  ];
  const code = forLoop(j, w.i32(0), w.get(J), 1, [
    // base = tile array (fwd: pM = Wt; dw: pT = dWt) + j·K·64
    ...elementAt(fwd ? pM : pT, [...w.get(j), ...w.get(K), ...w.mul], 6),
    ...w.set(base),
    // lim = O − 8j: the tile's lanes that are outputs
    ...(fwd ? [] : [...w.get(O), ...w.get(j), ...w.i32(3), ...w.shl, ...w.sub, ...w.set(lim)]),
    ...forLoop(k, w.i32(0), w.get(Kb), 1, perInput),
  ]);
  return { name: fname, params: Array(np).fill(T.i32), locals: [...Array(9).fill(T.i32), ...Array(6).fill(T.v128)], code };
};
