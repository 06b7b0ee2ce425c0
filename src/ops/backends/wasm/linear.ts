/**
 * A hand-written wasm SIMD module for the linear map `y = x Wᵀ + b`, event-driven (the threads
 * backend's linear kernel).
 * @module
 */
import type { DType } from '../../tensor.js';
import { f32x4, f64x2, HEADER, I32, name, op, section, uleb, V128, vecOf, type WasmModule } from './encoding.js';

const linearCache = new Map<DType, WasmModule>();

/**
 * A wasm SIMD module for `y = x Wᵀ + b` over rows of `x` that skips the zero entries of `x` (the
 * silent inputs of a spike raster): for every nonzero `x[r, k]` it adds `x[r, k]·Wᵀ[k, :]` to
 * the row's accumulators, `lanes` outputs at a time, in increasing `k`. Each output therefore sums
 * the same products in the same order as the dense `js` product (`matmulInto` in `src/ops/matmul.ts`), one
 * rounding per operation in float32; a skipped term `0·w` (w finite) would add ±0 to an
 * accumulator that is never −0, which changes nothing — so results are equal bit for bit.
 *
 * Exports `memory` and `run(rows, K, O, V, x, wt, bias, out, hasBias)`: `x` `[rows, K]`,
 * `wt` = Wᵀ `[K, O]`, `bias` `[O]`, `out` `[rows, O]` (pointers in bytes; `V = ⌈O / lanes⌉`;
 * arrays need `lanes − 1` elements of padding after their end, rows of `out` may be overwritten
 * past `O` up to the next row's start, which is rewritten when that row runs).
 * @param dtype - `float32` or `float64`
 */
export const linearWasmModule = (dtype: DType): WasmModule => {
  const have = linearCache.get(dtype);
  if (have !== undefined) return have;
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const E = L.bytes;
  const [pRows, pK, pO, pV, pX, pWt, pB, pOut, pHasBias] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [lr, lk, lo, lEnd, lXrow, lOrow, lWrow] = [9, 10, 11, 12, 13, 14, 15];
  const [vxs, vzero] = [16, 17];
  const lx = 18;
  const scalarLoad = dtype === 'float32' ? [0x2a, 2, 0] : [0x2b, 3, 0];
  const scalarNe = dtype === 'float32' ? [0x5c] : [0x62];
  const scalarConst0 = dtype === 'float32' ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
  const i32c = op.i32;
  const loopOver = (body: number[]): number[] => [
    ...i32c(0),
    ...op.set(lo),
    ...op.loop,
    ...body,
    ...op.get(lo),
    ...i32c(16),
    ...op.i32Add,
    ...op.tee(lo),
    ...op.get(lEnd),
    ...op.i32LtS,
    ...op.brIf(0),
    ...op.end,
  ];
  const at = (base: number) => [...op.get(base), ...op.get(lo), ...op.i32Add];
  const code = [
    ...op.vconst(L.constBytes(0)),
    ...op.set(vzero),
    ...op.get(pV),
    ...i32c(16),
    ...op.i32Mul,
    ...op.set(lEnd),
    ...i32c(0),
    ...op.set(lr),
    ...op.block,
    ...op.loop,
    ...op.get(lr),
    ...op.get(pRows),
    ...op.i32GeS,
    ...op.brIf(1),
    // xrow = x + r·K·E, orow = out + r·O·E
    ...op.get(pX),
    ...op.get(lr),
    ...op.get(pK),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lXrow),
    ...op.get(pOut),
    ...op.get(lr),
    ...op.get(pO),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lOrow),
    // accumulators = 0
    ...loopOver([...at(lOrow), ...op.get(vzero), ...op.store]),
    // k loop
    ...i32c(0),
    ...op.set(lk),
    ...op.block,
    ...op.loop,
    ...op.get(lk),
    ...op.get(pK),
    ...op.i32GeS,
    ...op.brIf(1),
    ...op.get(lXrow),
    ...op.get(lk),
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...scalarLoad,
    ...op.tee(lx),
    ...scalarConst0,
    ...scalarNe,
    0x04,
    0x40, // if (x != 0)
    ...op.get(lx),
    ...L.splat,
    ...op.set(vxs),
    ...op.get(pWt),
    ...op.get(lk),
    ...op.get(pO),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lWrow),
    ...loopOver([
      ...at(lOrow),
      ...at(lOrow),
      ...op.load,
      ...op.get(vxs),
      ...at(lWrow),
      ...op.load,
      ...L.bin.mul,
      ...L.bin.add,
      ...op.store,
    ]),
    ...op.end, // if
    ...op.get(lk),
    ...i32c(1),
    ...op.i32Add,
    ...op.set(lk),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // bias
    ...op.get(pHasBias),
    0x04,
    0x40,
    ...loopOver([...at(lOrow), ...at(lOrow), ...op.load, ...at(pB), ...op.load, ...L.bin.add, ...op.store]),
    ...op.end,
    ...op.get(lr),
    ...i32c(1),
    ...op.i32Add,
    ...op.set(lr),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const locals = [
    [...uleb(7), I32],
    [...uleb(2), V128],
    [...uleb(1), L.scalar],
  ];
  const funcBody = [...vecOf(locals), ...code, ...op.end];
  const runType = [0x60, ...vecOf(Array.from({ length: 9 }, () => [I32])), ...vecOf([])];
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
