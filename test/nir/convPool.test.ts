/** Convolution and pooling layers against torch 1.13 (`test/fixtures/nir/conv_pool.json`, made by `make_fixtures.py`). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sequential } from '../../src/neurons/sequential.js';
import { conv1d, conv2d, convLayer } from '../../src/ops/conv.js';
import { avgPool2d, flatten, flattenLayer, poolLayer, sumPool2d } from '../../src/ops/pool.js';
import { fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { expectArgumentError } from '../expect.js';

interface T {
  shape: number[];
  data: number[];
}
interface Case {
  op: 'conv1d' | 'conv2d' | 'avgPool2d' | 'sumPool2d';
  params: Record<string, unknown>;
  weight?: T;
  bias?: T;
  x: T;
  y: T;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/nir/conv_pool.json', import.meta.url), 'utf8')) as { cases: Case[] };
const toTensor = (t: T): Tensor => fromTypedArray(Float32Array.from(t.data), t.shape);

const apply = (c: Case, x: Tensor): Tensor => {
  if (c.op === 'conv1d' || c.op === 'conv2d') {
    const f = c.op === 'conv1d' ? conv1d : conv2d;
    return f({ ...(c.params as object), weight: toTensor(c.weight as T), bias: toTensor(c.bias as T) })(x);
  }
  return (c.op === 'avgPool2d' ? avgPool2d : sumPool2d)(c.params as never)(x);
};

describe('conv and pool layers match torch', () => {
  fixture.cases.forEach((c, k) => {
    it(`${k}: ${c.op} ${JSON.stringify(c.params)}`, () => {
      const y = apply(c, toTensor(c.x));
      expect(y.shape).toEqual(c.y.shape);
      let worst = 0;
      c.y.data.forEach((v, q) => {
        worst = Math.max(worst, Math.abs((y.data[q] as number) - v) / Math.max(1, Math.abs(v)));
      });
      expect(worst).toBeLessThan(2e-6);
    });
  });

  it('folds leading dimensions: a chunk [T, batch, C, H, W] equals each step mapped alone', () => {
    const c = fixture.cases.find((q) => q.op === 'conv2d') as Case;
    const x = toTensor(c.x);
    const [n, ...rest] = x.shape as [number, ...number[]];
    const chunk = fromTypedArray(x.data, [1, n, ...rest]);
    const y = apply(c, chunk);
    expect(y.shape).toEqual([1, ...c.y.shape]);
    expect(Array.from(y.data)).toEqual(Array.from(apply(c, x).data));
  });

  it('a hand-derived 1-channel sum pool and flatten', () => {
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      ],
    ]);
    expect(Array.from(sumPool2d({ kernelSize: 2 })(x).data)).toEqual([14, 22]);
    expect(Array.from(avgPool2d({ kernelSize: 2 })(x).data)).toEqual([3.5, 5.5]);
    expect(flatten()(x).shape).toEqual([1, 8]);
    expect(flatten(1, 2)(x).shape).toEqual([1, 1, 8]);
  });

  it('rejects mismatched channels, a kernel larger than the input and bad strides, naming the argument', () => {
    const w = fromTypedArray(new Float32Array(2 * 3 * 3 * 3), [2, 3, 3, 3]);
    expectArgumentError(
      () => conv2d({ weight: w })(fromTypedArray(new Float32Array(2 * 5 * 5), [1, 2, 5, 5])),
      'input',
      /3 channels|expects 3/,
    );
    expectArgumentError(
      () => conv2d({ weight: w })(fromTypedArray(new Float32Array(3 * 2 * 2), [1, 3, 2, 2])),
      'input',
      /smaller than the kernel/,
    );
    expectArgumentError(() => conv2d({ weight: w, stride: 0 })(fromTypedArray(new Float32Array(3 * 5 * 5), [1, 3, 5, 5])), 'stride');
    expectArgumentError(() => conv2d({ weight: w, groups: 4 })(fromTypedArray(new Float32Array(12 * 5 * 5), [1, 12, 5, 5])), 'groups');
    expectArgumentError(
      () =>
        sumPool2d({ kernelSize: [2, 2], padding: 2 })(
          tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ]),
        ),
      'padding',
    );
  });
});

describe('conv and pool as layers', () => {
  it('compose with sequential over chunks [T, batch, C, H, W] and equal the ops applied step by step', () => {
    const c = fixture.cases.find((q) => q.op === 'conv2d') as Case;
    const weight = toTensor(c.weight as T);
    const bias = toTensor(c.bias as T);
    const x = toTensor(c.x); // [2, 3, 7, 6] → as a chunk of T = 2 steps, batch 1
    const chunk = fromTypedArray(x.data, [2, 1, 3, 7, 6]);
    const net = sequential(convLayer({ weight, bias }), poolLayer('sum', { kernelSize: 2 }), flattenLayer());
    const [y] = net.run(chunk);
    const byStep = flatten(0, -1, 3)(sumPool2d({ kernelSize: 2 })(conv2d({ weight, bias })(x)));
    expect(y.shape).toEqual([2, 1, 4 * 2 * 2]);
    expect(Array.from(y.data)).toEqual(Array.from(byStep.data));
  });
});
