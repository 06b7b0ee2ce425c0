/**
 * The `finite` function every wasm SIMD neuron module exports (see `codegen.ts`).
 * @module
 */
import { type f32x4, I32, op, simd, V128, vecOf } from './encoding.js';

/**
 * The body of the exported `finite(p, n) → i32`: 1 when the `n` bytes at `p` (a multiple of 16)
 * hold only finite numbers, else 0. One SIMD pass: `x − x` is +0 (all bits clear) for finite `x`
 * and NaN for NaN or ±Infinity; four accumulators (4 vectors per iteration, then one at a time)
 * OR these bits together, and the result is whether no bit is set. The engine runs it on each
 * input tile it copies in, in place of a separate pass over the whole input on the main thread.
 */
export const finiteFunction = (L: typeof f32x4): number[] => {
  const p = 0;
  const n = 1;
  const end = 2;
  const end4 = 3;
  const acc = [4, 5, 6, 7];
  const a0 = acc[0] as number;
  const step = (k: number) => [
    ...op.get(acc[k] as number),
    ...op.get(p),
    ...op.loadAt(16 * k),
    ...op.get(p),
    ...op.loadAt(16 * k),
    ...L.bin.sub,
    ...op.or,
    ...op.set(acc[k] as number),
  ];
  const loop = (until: number, vectors: number) => [
    ...op.block,
    ...op.loop,
    ...op.get(p),
    ...op.get(until),
    ...op.i32GeS,
    ...op.brIf(1),
    ...Array.from({ length: vectors }, (_, k) => step(k)).flat(),
    ...op.get(p),
    ...op.i32(16 * vectors),
    ...op.i32Add,
    ...op.set(p),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return [
    ...vecOf([
      [2, I32],
      [4, V128],
    ]),
    ...op.get(p),
    ...op.get(n),
    ...op.i32Add,
    ...op.set(end),
    // end4 = p + n − n mod 64: where the 4-vector iterations stop
    ...op.get(end),
    ...op.get(n),
    ...op.i32(63),
    ...op.and32,
    ...op.i32Sub,
    ...op.set(end4),
    ...loop(end4, 4),
    ...loop(end, 1),
    ...[1, 2, 3].flatMap((k) => [...op.get(a0), ...op.get(acc[k] as number), ...op.or, ...op.set(a0)]),
    ...op.get(a0),
    ...simd(0x53), // v128.any_true
    ...op.i32Eqz,
    ...op.end,
  ];
};
