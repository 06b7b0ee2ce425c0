/**
 * The spike-driven linear map inside networks: `sequential(neuron(lif), linearLayer(w),
 * neuron(li))` on the `threads` backend equals Norse's traces and the `js` backend bit for bit,
 * and non-finite inputs are still refused (the finiteness pass is skipped only for spike inputs).
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { linearLayer, neuron, sequential } from '../../src/neurons/sequential.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearInit, linearParameters } from '../../src/ops/linear.js';
import { type DType, fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { loadTrace, maxAbsError, seq } from '../golden.js';

const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });

const sameBits = (a: Tensor, b: Tensor): boolean => a.data.length === b.data.length && a.data.every((v, k) => Object.is(v, b.data[k]));

describe('LIF → Linear → LI on threads', () => {
  for (const name of ['a_const_0.3', 'b_const_per_neuron', 'c_sawtooth']) {
    it(`net_LIF_Linear_LI_${name}: Norse's trace bit for bit (float64, 2 threads, spike-driven linear)`, () => {
      const tr = loadTrace(`net_LIF_Linear_LI_${name}.json`);
      const w = linearParameters(tr.linear_weight as number[][], tr.linear_bias as number[], 'float64');
      const o = { backend: threads };
      const net = sequential(neuron(lif, {}, tr.dt, o), linearLayer(w, o), neuron(li, {}, tr.dt, o));
      const [out, , recorded] = net.run(seq(tr.input, 'float64'));
      const linearOut = (recorded as Tensor[])[1] as Tensor;
      expect(executionOf(linearOut)?.backend).toBe('threads');
      expect(maxAbsError(linearOut, tr.outputs.linear_out as number[][])).toBe(0);
      expect(maxAbsError(out, tr.outputs.li_out as number[][])).toBe(0);
    });
  }

  for (const dtype of ['float32', 'float64'] as DType[]) {
    it(`equals the js backend bit for bit in ${dtype} (N = 300 → 30, T = 60, about 9 % spikes), chunk after chunk`, () => {
      const T = 60;
      const N = 300;
      const x = dtype === 'float32' ? new Float32Array(T * N) : new Float64Array(T * N);
      let s = 99;
      for (let k = 0; k < x.length; k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        x[k] = 0.6 * (s / 2 ** 32);
      }
      const xs = fromTypedArray(x, [T, 1, N]);
      const w = linearInit(N, N / 10, { seed: 1, dtype });
      const make = (backend: 'js' | typeof threads) =>
        sequential(neuron(lif, {}, 0.001, { backend }), linearLayer(w, { backend }), neuron(li, {}, 0.001, { backend }));
      const [a, sa, ra] = make('js').run(xs);
      const [b, sb, rb] = make(threads).run(xs);
      const spikes = (ra as Tensor[])[0] as Tensor;
      const rate = Array.from(spikes.data).reduce((p, v) => p + v, 0) / spikes.data.length;
      expect(rate).toBeGreaterThan(0.03);
      expect(rate).toBeLessThan(0.2);
      expect(sameBits(spikes, (rb as Tensor[])[0] as Tensor)).toBe(true);
      expect(sameBits((ra as Tensor[])[1] as Tensor, (rb as Tensor[])[1] as Tensor)).toBe(true);
      expect(sameBits(a, b)).toBe(true);
      // A second chunk from the returned states.
      expect(sameBits(make('js').run(xs, sa)[0], make(threads).run(xs, sb)[0])).toBe(true);
    });
  }
});

describe('linear: non-finite inputs are refused after the spike-driven kernel', () => {
  for (const backend of ['js', threads] as const) {
    const label = typeof backend === 'string' ? backend : 'threads';
    it(`${label}: NaN and Infinity name their index; spikes and other finite values pass`, () => {
      const p = linearParameters([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const f = linear(p, { backend });
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        let error: unknown;
        try {
          f(
            tensor([
              [1, 0, 1],
              [0, bad, 1],
            ]),
          );
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SpikeflowError);
        expect((error as Error).message).toBe(`linear: input must be finite, received ${bad} at index [1, 1]`);
      }
      expect(Array.from(f(tensor([[1, 0, 1]])).data)).toEqual([4, 10]);
      expect(Array.from(f(tensor([[0.5, 0, -1]])).data)).toEqual([0.5 - 3, 2 - 6]);
    });
  }
});
