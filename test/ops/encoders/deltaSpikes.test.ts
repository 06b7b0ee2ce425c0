/**
 * The delta encoder's two reference rules (issue 13): send-on-delta (`'lastSpike'`, default) and
 * snnTorch's `spikegen.delta` (`'previousSample'`), on the example.
 */
import { describe, expect, it } from 'vitest';
import { deltaEncoder } from '../../../src/ops/encoders/deltaSpikes.js';
import { fromTypedArray } from '../../../src/ops/tensor.js';
import { expectSpikeflowError } from '../../expect.js';

const signal = (xs: readonly number[]) => fromTypedArray(Float64Array.from(xs), [xs.length, 1, 1]);
/** ON and OFF trains of a one-feature signal. */
const encode = (xs: readonly number[], reference?: 'lastSpike' | 'previousSample', initial?: number) => {
  const [s] = deltaEncoder(1, { reference, initial }).run(signal(xs));
  const d = Array.from(s.data);
  return { on: d.filter((_, k) => k % 2 === 0), off: d.filter((_, k) => k % 2 === 1) };
};

describe('deltaEncoder reference rule', () => {
  it("[1, 2, 2.9, 3, 3.9], θ = 1: send-on-delta ON = [1, 1, 0, 1, 0]; snnTorch's previous-sample rule ON = [1, 1, 0, 0, 0]", () => {
    expect(encode([1, 2, 2.9, 3, 3.9]).on).toEqual([1, 1, 0, 1, 0]);
    expect(encode([1, 2, 2.9, 3, 3.9], 'lastSpike').on).toEqual([1, 1, 0, 1, 0]);
    expect(encode([1, 2, 2.9, 3, 3.9], 'previousSample').on).toEqual([1, 1, 0, 0, 0]);
  });

  it("OFF spikes: snnTorch's off_spike = −1 where x_t − x_{t−1} ≤ −θ; padding=True is initial = first sample", () => {
    // differences from the previous sample (0 before the first): 3, −1, −0.5, −1.5, 2
    expect(encode([3, 2, 1.5, 0, 2], 'previousSample')).toEqual({ on: [1, 0, 0, 0, 1], off: [0, 1, 0, 1, 0] });
    // padding=True: the first difference is 0
    expect(encode([3, 2, 1.5, 0, 2], 'previousSample', 3)).toEqual({ on: [0, 0, 0, 0, 1], off: [0, 1, 0, 1, 0] });
    // send-on-delta: reference 0 → 3 → 2 → (1.5 no spike) → 0 → 2
    expect(encode([3, 2, 1.5, 0, 2], 'lastSpike')).toEqual({ on: [1, 0, 0, 0, 1], off: [0, 1, 0, 1, 0] });
  });

  it('a slow ramp: send-on-delta spikes every θ of drift, the previous-sample rule never', () => {
    const ramp = Array.from({ length: 40 }, (_, k) => 0.3 * (k + 1));
    // 0.3 per sample from reference 0: a spike every 4th sample (1.2, 2.4, …, 12), 10 in 40 samples
    expect(encode(ramp, 'lastSpike').on.reduce((a, b) => a + b, 0)).toBe(10);
    expect(encode(ramp, 'previousSample').on.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('is chunking-invariant under both rules and rejects an unknown rule', () => {
    const xs = [0.5, 1.7, 1.1, 3, 2.2, 2.1, 0.4, 1.6];
    for (const reference of ['lastSpike', 'previousSample'] as const) {
      const e = deltaEncoder(1, { reference });
      const [whole] = e.run(signal(xs));
      const [a, s] = e.run(signal(xs.slice(0, 3)));
      const [b] = e.run(signal(xs.slice(3)), s);
      expect([...a.data, ...b.data]).toEqual(Array.from(whole.data));
    }
    expectSpikeflowError(
      () => deltaEncoder(1, { reference: 'sample' as never }),
      /reference must be "lastSpike" or "previousSample"/,
      'reference',
    );
  });
});
