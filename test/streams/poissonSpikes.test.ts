/**
 * `poissonSpikes` never clamps (issue 13): `dt·rate > 1` throws with `output: 'spikes'`; with
 * `output: 'counts'` each step carries a Poisson count of mean and variance `dt·rate`.
 */
import { describe, expect, it } from 'vitest';
import { concat } from '../../src/ops/tensor.js';
import { poissonCount, poissonSpikes } from '../../src/streams/poissonSpikes.js';
import { expectSpikeflowError } from '../expect.js';
import { collect } from './helpers.js';

const stats = (data: ArrayLike<number>) => {
  let m = 0;
  for (let k = 0; k < data.length; k++) m += data[k] as number;
  m /= data.length;
  let v = 0;
  for (let k = 0; k < data.length; k++) v += ((data[k] as number) - m) ** 2;
  return { mean: m, variance: v / (data.length - 1) };
};

describe('poissonSpikes above one spike per step', () => {
  it("throws at dt·rate > 1 with output 'spikes' (the default), naming the rate", () => {
    expectSpikeflowError(() => poissonSpikes(2000, { shape: [1], dt: 0.001 }), /dt·rate = 2\b.*output: 'counts'/, 'rates');
    expectSpikeflowError(() => poissonSpikes([[10, 5000]], { dt: 0.001 }), /5000 Hz at flat index 1/, 'rates');
    // exactly one spike per step is still a probability
    const [z] = collect(poissonSpikes(1000, { shape: [4], dt: 0.001, steps: 10, chunk: 10 }));
    expect(Array.from(z?.data ?? [])).toEqual(new Array(40).fill(1));
  });

  it("output 'counts': 2 kHz and 5 kHz at dt = 1 ms give mean and variance 2 and 5 per step (within 4σ)", () => {
    for (const rate of [2000, 5000]) {
      const lambda = rate * 0.001;
      const counts = concat(collect(poissonSpikes(rate, { shape: [100], dt: 0.001, steps: 200, chunk: 50, seed: 11, output: 'counts' })));
      const n = counts.data.length;
      const { mean, variance } = stats(counts.data);
      expect(Math.abs(mean - lambda)).toBeLessThan(4 * Math.sqrt(lambda / n));
      // the variance of a sample variance of a Poisson(λ) is ≈ (λ + 2λ²)/n
      expect(Math.abs(variance - lambda)).toBeLessThan(4 * Math.sqrt((lambda + 2 * lambda * lambda) / n));
      for (const c of counts.data) expect(Number.isInteger(c) && c >= 0).toBe(true);
    }
  });

  it("'counts' is chunking-invariant and rejects more than 700 events per step", () => {
    const whole = concat(collect(poissonSpikes(3000, { shape: [3], steps: 60, chunk: 60, seed: 2, output: 'counts' })));
    const parts = concat(collect(poissonSpikes(3000, { shape: [3], steps: 60, chunk: [7, 13, 40], seed: 2, output: 'counts' })));
    expect(Array.from(parts.data)).toEqual(Array.from(whole.data));
    expectSpikeflowError(() => poissonSpikes(1e6, { shape: [1], output: 'counts' }), /<= 700 events per step/, 'rates');
    expectSpikeflowError(() => poissonSpikes(1, { shape: [1], output: 'rates' as never }), /output must be "spikes" or "counts"/, 'output');
  });

  it('poissonCount inverts the Poisson distribution: P(0) = e^{−λ}, P(≤ 1) = e^{−λ}(1 + λ)', () => {
    const l = 2;
    const p0 = Math.exp(-l);
    expect(poissonCount(p0 * 0.999, l)).toBe(0);
    expect(poissonCount(p0 * 1.001, l)).toBe(1);
    expect(poissonCount(p0 * (1 + l) * 0.999, l)).toBe(1);
    expect(poissonCount(p0 * (1 + l) * 1.001, l)).toBe(2);
  });
});
