/**
 * The `finite` function every wasm SIMD neuron module exports (see `codegen.ts`).
 * @module
 */
import { type f32x4, I32, op, simd, V128, vecOf } from './encoding.js';

/**
 * The body of the exported `finite(p, n) → i32`: 1 when the `n` bytes at `p` (a multiple of 16)
 * hold only finite numbers, else 0. One SIMD pass: `acc += x − x` stays 0 for finite `x` and
 * becomes NaN for the first NaN or ±Infinity; at the end, whether every lane of `acc` equals
 * itself. The engine runs it on each input tile it copies in, in place of a separate pass over
 * the whole input on the main thread.
 */
export const finiteFunction = (L: typeof f32x4): number[] => {
  const p = 0;
  const n = 1;
  const end = 2;
  const acc = 3;
  return [
    ...vecOf([
      [1, I32],
      [1, V128],
    ]),
    ...op.vconst(L.constBytes(0)),
    ...op.set(acc),
    ...op.get(p),
    ...op.get(n),
    ...op.i32Add,
    ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(p),
    ...op.get(end),
    ...op.i32GeS,
    ...op.brIf(1),
    ...op.get(acc),
    ...op.get(p),
    ...op.load,
    ...op.get(p),
    ...op.load,
    ...L.bin.sub,
    ...L.bin.add,
    ...op.set(acc),
    ...op.get(p),
    ...op.i32(16),
    ...op.i32Add,
    ...op.set(p),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(acc),
    ...op.get(acc),
    ...L.cmp.eq,
    ...simd(0xa3), // i32x4.all_true
    ...op.end,
  ];
};
