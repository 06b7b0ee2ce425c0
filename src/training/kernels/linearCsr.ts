/**
 * `csr32`, the nonzero-list kernel of the trainable linear map over float32 rows (`linearGrad.ts`
 * assembles it into its module): four inputs per step with WebAssembly SIMD (a mask of the lanes
 * `x ≠ 0`, a lane-packing byte shuffle chosen by the mask, the count advanced by its population),
 * the same lists as the scalar `csr` loop entry for entry.
 * @module
 */
import { elementAt, forLoop, T, w } from './asm.js';

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
 * `ptr[row] = cnt` and, from `pX`, the address of row `row` (`px = pX + row·stride·2^log2E`) — the
 * start of a row of the nonzero lists (`csr`, `csr32`). Arguments are local/parameter indices of the caller.
 */
export const csrRowStart = (
  log2E: number,
  l: {
    readonly pX: number;
    readonly row: number;
    readonly stride: number;
    readonly px: number;
    readonly pPtr: number;
    readonly cnt: number;
  },
): number[] => [
  ...elementAt(l.pX, [...w.get(l.row), ...w.get(l.stride), ...w.mul], log2E),
  ...w.set(l.px),
  ...csrEnd(l.pPtr, l.row, l.cnt),
];

/** `ptr[row] = cnt`: where row `row`'s entries start (after the last row: their count). */
export const csrEnd = (pPtr: number, row: number, cnt: number): number[] => [
  ...elementAt(pPtr, w.get(row), 2),
  ...w.get(cnt),
  ...w.i32Store(),
];

/**
 * The scalar step of the nonzero lists (`csr`'s loop body, and `csr32`'s last `K mod 4` inputs): loads
 * x at `px` with `load` (as f64), stores input `k` and the value at the count, advances the count by
 * `x ≠ 0` (branch-free) and `px` by `E` bytes. Arguments are local/parameter indices of the caller.
 */
export const csrEntry = (
  load: readonly number[],
  E: number,
  l: { readonly px: number; readonly pIdx: number; readonly pVal: number; readonly cnt: number; readonly k: number; readonly xv: number },
): number[] => [
  ...w.get(l.px),
  ...load,
  ...w.set(l.xv),
  ...elementAt(l.pIdx, w.get(l.cnt), 2),
  ...w.get(l.k),
  ...w.i32Store(),
  ...elementAt(l.pVal, w.get(l.cnt), 3),
  ...w.get(l.xv),
  ...w.f64Store(),
  ...w.get(l.cnt),
  ...w.get(l.xv),
  ...w.f64(0),
  ...w.fNe,
  ...w.add,
  ...w.set(l.cnt),
  ...w.get(l.px),
  ...w.i32(E),
  ...w.add,
  ...w.set(l.px),
];

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
      ...csrRowStart(2, { pX, row: r, stride, px, pPtr, cnt }),
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
        ...elementAt(pTab, w.get(bits), 4),
        ...w.vLoad(),
        ...w.set(sh),
        // idx[cnt .. cnt + 3] = packed kv
        ...elementAt(pIdx, w.get(cnt), 2),
        ...w.get(kv),
        ...w.get(sh),
        ...v.swizzle,
        ...w.vStore(),
        // val[cnt .. cnt + 3] = packed x, promoted two by two
        ...w.get(x4),
        ...w.get(sh),
        ...v.swizzle,
        ...w.set(x4),
        ...elementAt(pVal, w.get(cnt), 3),
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
      ...forLoop(k, w.get(K4), w.get(K), 1, csrEntry(w.f32LoadPromote(), 4, { px, pIdx, pVal, cnt, k, xv })),
    ]),
    ...csrEnd(pPtr, R, cnt),
  ];
  return {
    name: 'csr32',
    params: Array(8).fill(T.i32),
    locals: [...Array(7).fill(T.i32), T.f64, T.v128, T.v128, T.v128],
    code,
  };
};
