import { describe, expect, it } from 'vitest';
import { orThrow, SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearInit, linearParameters, relu } from '../../src/ops/linear.js';
import {
  at,
  concat,
  dtypeOf,
  formatTensor,
  fromTypedArray,
  full,
  isShape,
  reshape,
  sameShape,
  sizeOf,
  slice,
  tensor,
  toNested,
  zeros,
} from '../../src/ops/tensor.js';

describe('shape helpers (loops, called for every chunk of a stream)', () => {
  it('sizeOf is the product of the sizes, 1 for a scalar shape', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([3, 0, 5])).toBe(0);
    expect(sizeOf([1000, 1, 100000])).toBe(1e8);
  });

  it('sameShape compares length and every size', () => {
    expect(sameShape([], [])).toBe(true);
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([2, 3], [2, 3, 1])).toBe(false);
    expect(sameShape([2, 3, 1], [2, 3])).toBe(false);
  });

  it('isShape accepts arrays of non-negative integers only', () => {
    expect(isShape([])).toBe(true);
    expect(isShape([0, 2, 7])).toBe(true);
    for (const bad of [[1.5], [-1], [2, Number.NaN], [Number.POSITIVE_INFINITY], ['2'], 'x', null, { length: 1, 0: 1 }]) {
      expect(isShape(bad)).toBe(false);
    }
    expect(() => fromTypedArray(new Float32Array(2), [2, -1])).toThrow('shape must be an array of non-negative integers, received [2, -1]');
  });

  it('orThrow returns a passed check’s value and throws a failed one as a SpikeflowError naming the argument', () => {
    expect(orThrow('f')({ _tag: 'Right', right: 7 })).toBe(7);
    const failed = { _tag: 'Left', left: { argument: 'dt', message: 'dt must be > 0, received -1' } } as const;
    expect(() => orThrow('lif.run')(failed)).toThrow(SpikeflowError);
    try {
      orThrow('lif.run')(failed);
    } catch (e) {
      expect((e as SpikeflowError).argument).toBe('dt');
      expect((e as Error).message).toContain('dt must be > 0, received -1');
    }
  });
});

describe('tensors', () => {
  it('builds a vector, a matrix and a 2×2×2 tensor from nested arrays (the seed tutorial)', () => {
    expect(tensor([1, 2]).shape).toEqual([2]);
    const m = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(m.shape).toEqual([2, 2]);
    expect(at(m, 1, 0)).toBe(3);
    const t = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(t.shape).toEqual([2, 2, 2]);
    expect(at(t, 1, 0, 1)).toBe(6);
    expect(at(t, -1, -1, -1)).toBe(8);
    expect(toNested(t)).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
  });

  it('defaults to float32 and offers float64', () => {
    expect(dtypeOf(tensor([0.1]))).toBe('float32');
    expect(tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], 'float64').data[0]).toBe(0.1);
    expect(dtypeOf(zeros([2], 'float64'))).toBe('float64');
  });

  it('zeros, full, reshape, slice and concat', () => {
    expect(Array.from(zeros([2, 3]).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(full([2], 0.5).data)).toEqual([0.5, 0.5]);
    const t = tensor([1, 2, 3, 4, 5, 6]);
    const r = reshape(t, [3, 2]);
    expect(at(r, 2, 1)).toBe(6);
    expect(toNested(slice(r, 1, 3))).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expect(toNested(concat([slice(r, 0, 1), slice(r, 2, 3)]))).toEqual([
      [1, 2],
      [5, 6],
    ]);
  });

  it('is frozen once returned', () => {
    const t = tensor([1, 2]);
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('prints readably, abbreviating long dimensions', () => {
    expect(
      formatTensor(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)');
    expect(formatTensor(fromTypedArray(Float64Array.from({ length: 10 }, (_, k) => k)))).toBe(
      'tensor([0, 1, 2, ..., 7, 8, 9], shape=[10], dtype=float64)',
    );
    expect(formatTensor(tensor([0.1], 'float64'))).toBe('tensor([0.1], shape=[1], dtype=float64)');
  });
});

describe('linear maps and ReLU', () => {
  it('computes y = x Wᵀ + b over the last dimension (hand-derived)', () => {
    const p = linearParameters(
      [
        [1, 2],
        [3, 4],
        [-1, 0],
      ],
      [0.5, 0, 1],
      'float64',
    );
    const y = linear(p)(tensor([[[1, 1]], [[2, -1]]], 'float64'));
    expect(y.shape).toEqual([2, 1, 3]);
    // [1,1]: 1+2+0.5, 3+4+0, -1+0+1 ; [2,-1]: 2-2+0.5, 6-4, -2+1
    expect(Array.from(y.data)).toEqual([3.5, 7, 0, 0.5, 2, -1]);
  });

  it('initialises weights like torch (uniform in ±1/√in), reproducibly from a seed', () => {
    const a = linearInit(16, 4, { seed: 7 });
    const b = linearInit(16, 4, { seed: 7 });
    const c = linearInit(16, 4, { seed: 8 });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(c.weight.data));
    for (const w of [...a.weight.data, ...(a.bias?.data ?? [])]) expect(Math.abs(w)).toBeLessThanOrEqual(0.25);
    expect(a.weight.shape).toEqual([4, 16]);
    expect(a.bias?.shape).toEqual([4]);
  });

  it('ReLU zeroes negatives', () => {
    expect(Array.from(relu(tensor([-1, 0, 2.5])).data)).toEqual([0, 0, 2.5]);
  });
});
