/**
 * The conv and pool kernels of every backend against the `js` reference: threads (im2col + the
 * threaded WebAssembly SIMD linear map) and gpu.js in its `cpu` mode give the `js` kernel's bits
 * (same summation order, float32 rounding per operation); WebGL2 is checked in
 * test/browser/nirGpu.browser.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import '../../src/gpu.js';
import { type BackendChoice, executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { type ConvParameters, conv1d, conv2d } from '../../src/ops/conv.js';
import { avgPool2d, type Pool2dParameters, sumPool2d } from '../../src/ops/pool.js';
import { type DType, fromTypedArray, type Tensor } from '../../src/ops/tensor.js';

afterAll(() => terminateThreads());

/** Deterministic values: spikes (density `p`) or analog in [−1, 1). */
const values = (n: number, seed: number, spikes: boolean, dtype: DType = 'float32'): Tensor['data'] => {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const a = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = spikes ? (next() < 0.3 ? 1 : 0) : next() * 2 - 1;
  return a;
};
const t = (shape: number[], seed: number, spikes: boolean, dtype: DType = 'float32'): Tensor =>
  fromTypedArray(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
      spikes,
      dtype,
    ),
    shape,
  );

const same = (a: Tensor, b: Tensor) => {
  expect(a.shape).toEqual(b.shape);
  let diff = 0;
  for (let k = 0; k < a.data.length; k++) if (a.data[k] !== b.data[k]) diff++;
  expect(diff).toBe(0);
};

const backends: [string, BackendChoice, string][] = [
  ['threads', createThreadsBackend({ threads: 2 }), 'threads'],
  ['gpu.js cpu mode', createGpuBackend({ mode: 'cpu' }), 'gpu'],
];

const conv2dCases: [string, ConvParameters, number[]][] = [
  ['3×3, padding 1', { weight: t([4, 2, 3, 3], 1, false), bias: t([4], 2, false), padding: 1 }, [3, 2, 2, 9, 8]],
  ['stride 2, dilation 2, no bias', { weight: t([3, 2, 3, 2], 3, false), stride: 2, dilation: [2, 1] }, [2, 1, 2, 11, 9]],
  ['groups 2, padding [1, 0]', { weight: t([4, 1, 2, 3], 4, false), bias: t([4], 5, false), groups: 2, padding: [1, 0] }, [2, 3, 2, 6, 7]],
];

describe('conv and pool kernels: threads and gpu.js cpu mode give the js bits', () => {
  for (const [label, choice, name] of backends) {
    it(`conv2d on ${label}`, () => {
      for (const [, p, shape] of conv2dCases) {
        for (const spikes of [true, false]) {
          const x = t(shape, 7, spikes);
          const ref = conv2d(p, { backend: 'js' })(x);
          const y = conv2d(p, { backend: choice })(x);
          same(y, ref);
          expect(executionOf(y)?.backend).toBe(name);
        }
      }
    });

    it(`conv1d and pools on ${label}`, () => {
      const p1: ConvParameters = { weight: t([3, 2, 4], 9, false), bias: t([3], 10, false), stride: 2, padding: 2 };
      const x1 = t([4, 2, 2, 15], 11, false);
      same(conv1d(p1, { backend: choice })(x1), conv1d(p1, { backend: 'js' })(x1));
      const x = t([3, 2, 3, 8, 7], 12, false);
      const pools: Pool2dParameters[] = [{ kernelSize: 2 }, { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] }];
      for (const p of pools) {
        same(sumPool2d(p, { backend: choice })(x), sumPool2d(p, { backend: 'js' })(x));
        same(avgPool2d(p, { backend: choice })(x), avgPool2d(p, { backend: 'js' })(x));
      }
    });
  }

  it('threads in float64 give the js bits; gpu refuses float64 naming the reason', () => {
    const p: ConvParameters = { weight: t([4, 2, 3, 3], 1, false, 'float64'), bias: t([4], 2, false, 'float64'), padding: 1 };
    const x = t([3, 2, 2, 9, 8], 7, false, 'float64');
    same(conv2d(p, { backend: createThreadsBackend({ threads: 2 }) })(x), conv2d(p, { backend: 'js' })(x));
    expect(() => conv2d(p, { backend: createGpuBackend({ mode: 'cpu' }) })(x)).toThrow(/float64 is not supported/);
  });

  it('a hand-derived 2×2 sum: conv of ones, average pool', () => {
    const x = fromTypedArray(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 1, 3, 3]);
    const p: ConvParameters = { weight: fromTypedArray(new Float32Array(4).fill(1), [1, 1, 2, 2]) };
    for (const [, choice] of backends) {
      expect(Array.from(conv2d(p, { backend: choice })(x).data)).toEqual([12, 16, 24, 28]);
      expect(Array.from(avgPool2d({ kernelSize: 2, stride: 1 }, { backend: choice })(x).data)).toEqual([3, 4, 6, 7]);
    }
  });
});
