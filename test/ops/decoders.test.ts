import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expFilter, expFilterParameter, expFilterStep } from '../../src/ops/decoders/expFilter.js';
import { spikesToTimes } from '../../src/ops/decoders/spikesToTimes.js';
import { sumDecode } from '../../src/ops/decoders/sumOverTime.js';
import { concat, reshape, slice, type Tensor, tensor, toNested } from '../../src/ops/tensor.js';
import { expectArgumentError } from '../expect.js';
import { loadTrace, maxAbsError } from '../golden.js';

const flat = (t: Tensor): number[] => Array.from(t.data);

describe('sum decoder (Norse sum_decode)', () => {
  it('counts spikes over time (hand-derived) and sums any dimension', () => {
    const raster = tensor([[[1, 0, 1]], [[1, 1, 0]], [[0, 0, 1]], [[1, 0, 1]]], 'float64');
    const counts = sumDecode(raster);
    expect(counts.shape).toEqual([1, 3]);
    expect(flat(counts)).toEqual([3, 1, 3]);
    expect(
      toNested(
        sumDecode(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          -1,
        ),
      ),
    ).toEqual([3, 7]);
    expect(
      toNested(
        sumDecode(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          1,
        ),
      ),
    ).toEqual([3, 7]);
    expect(toNested(sumDecode(tensor([], 'float64')))).toEqual(0);
  });

  it('rejects bad input', () => {
    expectArgumentError(() => sumDecode(tensor([[1, 2]]), 2), 'dimension', 'received 2');
    expectArgumentError(() => sumDecode(tensor(3)), 'dimension');
    expectArgumentError(() => sumDecode(tensor([1, Number.NaN])), 'input', 'NaN');
  });
});

describe('spikes-to-times decoder (Norse SpikesToTimesDecoder)', () => {
  it("matches Norse's trace (spike_count = 3, indices, inf where fewer spikes)", () => {
    const trace = loadTrace('decoder_spikes_to_times.json');
    const raster = reshape(tensor(trace.input, 'float64'), [40, 1, 5]);
    const out = spikesToTimes({ spikeCount: 3, convertIndicesToTimes: false }, trace.dt)(raster);
    expect(out.shape).toEqual([3, 1, 5]);
    const expected = (trace.outputs.indices as (number | null)[][]).map((row) =>
      row.map((v) => (v === null ? Number.POSITIVE_INFINITY : v)),
    );
    // Exact equality (Infinity included; an abs-difference would be NaN at the infinite entries).
    expect(flat(out)).toEqual(expected.flat());
    expect(expected.flat().filter(Number.isFinite)).toEqual([38, 12, 12, 31]);
  });

  it('returns first-spike times in seconds by default (hand-derived)', () => {
    const raster = tensor([[[0, 1]], [[1, 1]], [[0, 0]], [[1, 0]]], 'float64');
    const first = spikesToTimes({}, 0.5)(raster);
    expect(first.shape).toEqual([1, 1, 2]);
    expect(flat(first)).toEqual([0.5, 0]);
    const all = spikesToTimes({ spikeCount: 10, convertIndicesToTimes: false })(raster);
    expect(all.shape).toEqual([4, 1, 2]);
    expect(flat(all)).toEqual([
      1,
      0,
      3,
      1,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('rejects values other than 0/1, bad counts and dt', () => {
    expectArgumentError(() => spikesToTimes()(tensor([[0, 0.5]])), 'spikes', 'received 0.5 at index [0, 1]');
    expectArgumentError(() => spikesToTimes()(tensor([[Number.NaN]])), 'spikes', 'NaN');
    expectArgumentError(() => spikesToTimes({ spikeCount: 0 }), 'spikeCount');
    expectArgumentError(() => spikesToTimes({}, 0), 'dt');
    expectArgumentError(() => spikesToTimes({ convertIndicesToTimes: 1 } as never), 'convertIndicesToTimes');
    expectArgumentError(() => spikesToTimes({ count: 1 } as never), 'count', 'unknown parameter');
  });
});

describe('exponential filter (Norse ExpFilter)', () => {
  const trace = loadTrace('exp_filter.json');
  const weights = trace.linear_weight as number[][];
  const xs = reshape(tensor(trace.input, 'float64'), [50, 1, 4]);

  it("computes Norse's smoothing factor and matches Norse's trace", () => {
    expect(expFilterParameter(200, 0.001)).toBe(trace.params['parameter(exp(-dt*tau_filter_inv))']);
    const [out, last] = expFilter({ inputWeights: weights, tauFilterInv: 200 }, trace.dt)(xs);
    expect(out.shape).toEqual([50, 1, 2]);
    expect(maxAbsError(reshape(out, [50, 2]), trace.outputs.out as number[][])).toBe(0);
    expect(flat(last)).toEqual(trace.outputs.out?.[49]);
  });

  it('filters in chunks exactly as in one call (property)', () => {
    const filter = expFilter({ inputWeights: weights, bias: [0.25, -0.5], tauFilterInv: 200 });
    const [whole] = filter(xs);
    fc.assert(
      fc.property(fc.nat(50), (cut) => {
        const [a, s] = filter(slice(xs, 0, cut));
        const [b] = filter(slice(xs, cut), cut === 0 ? undefined : s);
        expect(flat(concat([a, b]))).toEqual(flat(whole));
      }),
    );
  });

  it('steps as α·old + new (hand-derived)', () => {
    expect(flat(expFilterStep(0.5)(tensor([2, -4]), tensor([1, 1])))).toEqual([2, -1]);
    const [out] = expFilter({ inputWeights: [[1]], tauFilterInv: Math.log(2) / 0.001 })(tensor([[[1]], [[0]], [[0]]], 'float64'));
    expect(flat(out).map((v) => Number(v.toFixed(12)))).toEqual([1, 0.5, 0.25]);
  });

  it('rejects bad weights, inputs, state, dt and tauFilterInv', () => {
    expectArgumentError(() => expFilter({ inputWeights: [1, 2] as never }), 'weight', 'shape [out, in]');
    expectArgumentError(() => expFilter({ inputWeights: weights, tauFilterInv: 0 }), 'tauFilterInv', '> 0');
    expectArgumentError(() => expFilter({ inputWeights: weights }, -1), 'dt');
    expectArgumentError(() => expFilter({} as never), 'inputWeights', 'required');
    expectArgumentError(() => expFilter({ inputWeights: weights })(tensor([[[1, 2, 3]]], 'float64')), 'input', 'does not end in 4');
    expectArgumentError(() => expFilter({ inputWeights: weights })(tensor([[[1, 2, 3, Number.NaN]]], 'float64')), 'input', 'NaN');
    expectArgumentError(() => expFilter({ inputWeights: weights })(xs, tensor([[0, 0, 0]], 'float64')), 'state', 'must be [1, 2]');
    expectArgumentError(() => expFilterStep(0.5)(tensor([1]), tensor([1, 2])), 'newValue', 'shape');
    expectArgumentError(() => expFilterStep(Number.NaN), 'parameter');
  });
});
