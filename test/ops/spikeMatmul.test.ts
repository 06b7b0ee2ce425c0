import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulFor } from '../../src/ops/matmul.js';
import { spikeMatmulFor } from '../../src/ops/spikeMatmul.js';
import type { DType, TensorData } from '../../src/ops/tensor.js';

const arrayOf = (dtype: DType, n: number): TensorData => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));

/** Index of the first element whose bits differ (NaN equals NaN, +0 differs from −0), or −1. */
const firstDifference = (a: TensorData, b: TensorData): number => {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return a.length === b.length ? -1 : a.length;
};

describe('spikeMatmulFor (the js linear kernel)', () => {
  const case_ = fc.record({
    rows: fc.integer({ min: 1, max: 30 }),
    K: fc.integer({ min: 1, max: 60 }),
    O: fc.integer({ min: 1, max: 30 }),
    density: fc.constantFrom(0, 0.1, 0.5, 1),
    binary: fc.boolean(),
    seed: fc.integer(),
    bias: fc.boolean(),
  });
  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals the dense product bit for bit in ${dtype} (spikes, mixed values, negative zeros, tiny products)`, () => {
      fc.assert(
        fc.property(case_, ({ rows, K, O, density, binary, seed, bias }) => {
          let s = seed >>> 0;
          const next = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32;
          };
          const value = () => {
            const u = next();
            return u < 0.1 ? -0 : u < 0.2 ? 1e-30 : next() * 4 - 2;
          };
          const x = arrayOf(dtype, rows * K).map(() => (next() < density ? (binary ? 1 : value()) : 0));
          const w = arrayOf(dtype, O * K).map(() => (next() < 0.1 ? -1e-30 : next() - 0.5));
          const b = bias ? arrayOf(dtype, O).map(() => (next() < 0.2 ? -0 : next() * 2 - 1)) : undefined;
          const expected = arrayOf(dtype, rows * O);
          matmulFor(dtype)(x, rows, K, w, O, b, expected);
          const got = arrayOf(dtype, rows * O).fill(Number.NaN);
          spikeMatmulFor(dtype)(x, rows, K, w, O, b, got);
          expect(firstDifference(expected, got)).toBe(-1);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('sums a hand-computed spike product and reuses the transposed weights', () => {
    const w = new Float64Array([0.5, 2, -1, 3, 4, 0.25]); // rows: [0.5, 2, −1], [3, 4, 0.25]
    const out = new Float64Array(4);
    const mm = spikeMatmulFor('float64');
    mm(new Float64Array([1, 0, 1, 0, 2, 0]), 2, 3, w, 2, new Float64Array([10, 20]), out);
    expect(Array.from(out)).toEqual([10 + 0.5 - 1, 20 + 3 + 0.25, 10 + 4, 20 + 8]);
    mm(new Float64Array([0, 1, 0]), 1, 3, w, 2, undefined, out);
    expect(Array.from(out.subarray(0, 2))).toEqual([2, 4]);
  });
});
