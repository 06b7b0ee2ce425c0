import { describe, expect, it } from 'vitest';
import { largestIndices } from '../../src/viz/largestIndices.js';
import { seededRandom } from '../training/fixtures.js';

/** What the run report did before: sort every index by value (stable, largest first), keep k, ascending. */
const bySort = (values: ArrayLike<number>, k: number): number[] =>
  Array.from({ length: values.length }, (_, n) => n)
    .sort((a, b) => (values[b] as number) - (values[a] as number))
    .slice(0, k)
    .sort((a, b) => a - b);

describe('largestIndices', () => {
  it('picks the k largest, earlier indices first among equal values, returned ascending', () => {
    expect(largestIndices([0, 5, 1, 5, 9, 0, 5], 4)).toEqual([1, 3, 4, 6]);
    expect(largestIndices([0, 5, 1, 5, 9, 0, 5], 3)).toEqual([1, 3, 4]); // 9, then the first two 5s
    expect(largestIndices([2, 2, 2, 2, 2], 2)).toEqual([0, 1]);
    expect(largestIndices([3, 1], 4)).toEqual([0, 1]);
    expect(largestIndices(new Float64Array(0), 4)).toEqual([]);
    expect(largestIndices([1, 2], 0)).toEqual([]);
  });

  it('equals sorting every index (ties, zeros, sizes around k) on random event counts', () => {
    const r = seededRandom(3);
    for (let trial = 0; trial < 300; trial++) {
      const N = 1 + Math.floor(r() * 200);
      const levels = 1 + Math.floor(r() * 6); // few distinct values: many ties
      const values = Float64Array.from({ length: N }, () => (r() < 0.5 ? 0 : Math.floor(r() * levels) * 0.5));
      for (const k of [1, 3, 4, 7]) expect(largestIndices(values, k)).toEqual(bySort(values, k));
    }
  });
});
