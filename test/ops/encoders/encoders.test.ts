import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantCurrentLifEncode, lifCurrentEncoderStep } from '../../../src/ops/encoders/constantCurrentLif.js';
import {
  poissonEncode,
  poissonEncodeStep,
  poissonSpikesFromUniforms,
  signedPoissonEncode,
  signedPoissonEncodeStep,
  signedPoissonSpikesFromUniforms,
} from '../../../src/ops/encoders/poisson.js';
import { euclideanDistance, gaussianRbf, populationEncode } from '../../../src/ops/encoders/population.js';
import { spikeLatencyEncode } from '../../../src/ops/encoders/spikeLatency.js';
import { spikeLatencyLifEncode } from '../../../src/ops/encoders/spikeLatencyLif.js';
import { seededGenerator } from '../../../src/ops/random.js';
import { concat, fromTypedArray, slice, type Tensor, tensor, toNested } from '../../../src/ops/tensor.js';
import { expectArgumentError } from '../../expect.js';
import { fromNorse, loadTrace, maxAbsError } from '../../golden.js';

const flat = (t: Tensor): number[] => Array.from(t.data);

describe('constant-current LIF encoder (Norse constant_current_lif_encode)', () => {
  for (const set of ['default', 'nondefault']) {
    it(`matches Norse's ${set} trace bit for bit (z and v)`, () => {
      const trace = loadTrace(`encoder_constant_current_lif_${set}.json`);
      const currents = tensor(trace.input as unknown as number[], 'float64');
      const T = trace.seq_length as number;
      const [z, v, vs] = constantCurrentLifEncode(T, fromNorse(trace.params), trace.dt, { record: true })(currents);
      expect(z.shape).toEqual([T, 10]);
      expect(maxAbsError(z, trace.outputs.z as number[][])).toBe(0);
      expect(maxAbsError(vs as Tensor, trace.outputs.v as number[][])).toBe(0);
      expect(flat(v)).toEqual(trace.outputs.v?.[T - 1]);
      // The trace's first row is the hand-derivable first step: v = dt·τ_mem⁻¹·(v_leak + x).
      const p = fromNorse(trace.params) as { tauMemInv: number; vLeak: number };
      expect(trace.outputs.v?.[0]?.[1]).toBe(trace.dt * p.tauMemInv * (p.vLeak + 0.5));
    });
  }

  it('float32 runs (torch float32 arithmetic) stay within float32 precision of the float64 trace', () => {
    const trace = loadTrace('encoder_constant_current_lif_nondefault.json');
    const currents = tensor(trace.input as unknown as number[], 'float32');
    const [z, , vs] = constantCurrentLifEncode(200, fromNorse(trace.params), trace.dt, { record: true })(currents);
    expect(z.data).toBeInstanceOf(Float32Array);
    expect(maxAbsError(z, trace.outputs.z as number[][])).toBe(0);
    // |v| <= 1 and the leak contracts errors, so float32 rounding (6e-8 per operation) stays far below 1e-6.
    expect(maxAbsError(vs as Tensor, trace.outputs.v as number[][])).toBeLessThan(1e-6);
  });

  it('encodes in chunks exactly as in one call, and equals repeated lifCurrentEncoderStep', () => {
    const currents = tensor([[0.5, 1.1, 4, 16]], 'float64');
    const p = { tauMemInv: 50, vLeak: 0.125, vTh: 0.5, vReset: -0.25 };
    const [whole, vWhole] = constantCurrentLifEncode(100, p)(currents);
    const [a, va] = constantCurrentLifEncode(37, p)(currents);
    const [b, vb] = constantCurrentLifEncode(63, p)(currents, va);
    expect(flat(concat([a, b]))).toEqual(flat(whole));
    expect(flat(vb)).toEqual(flat(vWhole));
    let v: Tensor | undefined;
    const steps: Tensor[] = [];
    for (let t = 0; t < 100; t++) {
      const [z, next] = lifCurrentEncoderStep(p)(currents, v);
      steps.push(fromTypedArray(z.data, [1, ...z.shape]));
      v = next;
    }
    expect(flat(concat(steps))).toEqual(flat(whole));
  });

  it('does not change its arguments and rejects bad input', () => {
    const currents = tensor([0.5, 2], 'float64');
    const v0 = tensor([0.25, 0.5], 'float64');
    constantCurrentLifEncode(5)(currents, v0);
    expect(flat(v0)).toEqual([0.25, 0.5]);
    expectArgumentError(() => constantCurrentLifEncode(5, {}, 0), 'dt', 'dt must be > 0, received 0');
    expectArgumentError(() => constantCurrentLifEncode(5, {}, -0.001), 'dt');
    expectArgumentError(() => constantCurrentLifEncode(-1), 'seqLength', 'received -1');
    expectArgumentError(() => constantCurrentLifEncode(2.5), 'seqLength');
    expectArgumentError(() => constantCurrentLifEncode(5, { tauMemInv: 0 }), 'tauMemInv', '> 0');
    expectArgumentError(() => constantCurrentLifEncode(5, { vTh: Number.NaN }), 'vTh', 'finite');
    expectArgumentError(() => constantCurrentLifEncode(5, { tau: 1 } as never), 'tau', 'unknown parameter');
    expectArgumentError(() => constantCurrentLifEncode(5, {}, 0.001, { recrd: true } as never), 'options');
    expectArgumentError(() => constantCurrentLifEncode(5)(tensor([0.5, Number.NaN], 'float64')), 'currents', 'NaN at index [1]');
    expectArgumentError(
      () => constantCurrentLifEncode(5)(currents, tensor([0], 'float64')),
      'v',
      'shape [1] does not match currents shape [2]',
    );
    expectArgumentError(() => constantCurrentLifEncode(5)(currents, tensor([0, 0], 'float32')), 'v', 'dtype');
  });
});

describe('spike-latency LIF encoder (Norse spike_latency_lif_encode)', () => {
  for (const set of ['default', 'nondefault']) {
    it(`matches Norse's ${set} trace`, () => {
      const trace = loadTrace(`encoder_spike_latency_lif_${set}.json`);
      const currents = tensor(trace.input as unknown as number[], 'float64');
      const [z] = spikeLatencyLifEncode(trace.seq_length as number, fromNorse(trace.params), trace.dt)(currents);
      expect(maxAbsError(z, trace.outputs.z as number[][])).toBe(0);
      // Every neuron spikes at most once, at the time of its first constant-current spike.
      const cc = loadTrace(`encoder_constant_current_lif_${set}.json`);
      expect(maxAbsError(z, cc.outputs.spike_latency_of_z as number[][])).toBe(0);
    });
  }

  it('keeps at most one spike per neuron across chunks', () => {
    const currents = tensor([0.9, 1.1, 2, 8, 16], 'float64');
    const [whole] = spikeLatencyLifEncode(150)(currents);
    const [a, s] = spikeLatencyLifEncode(4)(currents);
    const [b] = spikeLatencyLifEncode(146)(currents, s);
    expect(flat(concat([a, b]))).toEqual(flat(whole));
    const perNeuron = [0, 1, 2, 3, 4].map((n) =>
      Array.from({ length: 150 }, (_, t) => whole.data[t * 5 + n] as number).reduce((x, y) => x + y),
    );
    // 0.9 never reaches v_th = 1 (v → 0.9); the others spike exactly once.
    expect(perNeuron).toEqual([0, 1, 1, 1, 1]);
  });

  it('rejects a malformed state', () => {
    const currents = tensor([1, 2], 'float64');
    expectArgumentError(() => spikeLatencyLifEncode(3)(currents, { v: tensor([0, 0], 'float64') } as never), 'state.mask');
    expectArgumentError(() => spikeLatencyLifEncode(3)(currents, 5 as never), 'state');
    expectArgumentError(() => spikeLatencyLifEncode(3, {}, Number.NaN), 'dt');
  });
});

describe('spike-latency encoder (Norse spike_latency_encode)', () => {
  it("matches Norse's trace", () => {
    const trace = loadTrace('encoder_spike_latency_encode.json');
    const [z] = spikeLatencyEncode(tensor(trace.input, 'float64'));
    expect(maxAbsError(z, trace.outputs.z as number[][])).toBe(0);
  });

  it("reproduces Norse's docstring example and keeps the first spike only (property)", () => {
    expect(
      toNested(
        spikeLatencyEncode(
          tensor([
            [0, 1, 1],
            [1, 1, 1],
          ]),
        )[0],
      ),
    ).toEqual([
      [0, 1, 1],
      [1, 0, 0],
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(0, 1), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 30 }),
        fc.nat(30),
        (rows, cut) => {
          const x = tensor(rows, 'float64');
          const [z] = spikeLatencyEncode(x);
          for (let n = 0; n < 3; n++) {
            const first = rows.findIndex((r) => r[n] === 1);
            expect(rows.map((_, t) => z.data[t * 3 + n])).toEqual(rows.map((_, t) => (t === first ? 1 : 0)));
          }
          const k = Math.min(cut, rows.length);
          const [a, m] = spikeLatencyEncode(slice(x, 0, k));
          const [b] = spikeLatencyEncode(slice(x, k), m);
          expect(flat(concat([a, b]))).toEqual(flat(z));
        },
      ),
    );
  });

  it('rejects bad input', () => {
    expectArgumentError(() => spikeLatencyEncode(tensor(3)), 'spikes', 'time first');
    expectArgumentError(() => spikeLatencyEncode(tensor([[0, Number.NaN]])), 'spikes', 'NaN');
    expectArgumentError(() => spikeLatencyEncode(tensor([[0, 1]]), tensor([0, 0, 0])), 'mask', 'shape [3]');
  });
});

describe('population encoder (Norse population_encode)', () => {
  it("matches Norse's traces (default scale = max, and scale 1)", () => {
    const trace = loadTrace('encoder_population.json');
    const x = tensor(trace.input as unknown as number[], 'float64');
    const byMax = populationEncode(x, 8);
    const byOne = populationEncode(x, 8, { scale: 1 });
    expect(byMax.shape).toEqual([6, 8]);
    // V8's Math.exp and glibc's exp differ by at most one ulp (< 2.3e-16 for values <= 1).
    expect(maxAbsError(byMax, trace.outputs.scale_default_max as number[][])).toBeLessThanOrEqual(2.3e-16);
    expect(maxAbsError(byOne, trace.outputs['scale_1.0'] as number[][])).toBeLessThanOrEqual(2.3e-16);
  });

  it("reproduces Norse's docstring example by hand: exp(-(x - c)²/2)", () => {
    const out = populationEncode(tensor([0, 0.5, 1], 'float64'), 3);
    expect(out.shape).toEqual([3, 3]);
    const e = (d: number) => Math.exp(-(d * d) / 2);
    expect(flat(out)).toEqual([1, e(0.5), e(1), e(0.5), 1, e(0.5), e(1), e(0.5), 1]);
    expect(gaussianRbf(2)(8)).toBe(Math.exp(-1));
    expect(euclideanDistance(3, 1)).toBe(4);
    // Extra dimensions are kept in front: [2, 2] → [2, 2, 3].
    expect(
      populationEncode(
        tensor(
          [
            [0, 1],
            [0.5, 1],
          ],
          'float64',
        ),
        3,
      ).shape,
    ).toEqual([2, 2, 3]);
  });

  it('rejects bad input', () => {
    expectArgumentError(() => populationEncode(tensor([0, Number.NaN], 'float64'), 4), 'input', 'NaN');
    expectArgumentError(() => populationEncode(tensor([0, 1], 'float64'), 0), 'outFeatures', 'received 0');
    expectArgumentError(() => populationEncode(tensor([0, 1], 'float64'), 4, { scale: -1 }), 'scale', '> 0');
    expectArgumentError(() => populationEncode(tensor([], 'float64'), 4), 'scale', 'empty');
    expectArgumentError(() => populationEncode(tensor([0, 1], 'float64'), 4, { kernel: 3 } as never), 'kernel');
    expectArgumentError(() => gaussianRbf(0), 'sigma');
  });
});

describe('Poisson encoders (Norse poisson_encode)', () => {
  it("applies Norse's rule u < dt·fMax·x to the trace's stored torch draws", () => {
    const trace = loadTrace('encoder_poisson_rule.json');
    const x = tensor(trace.input as unknown as number[], 'float32');
    const u = tensor(trace.outputs.uniform_draws as number[][], 'float32');
    const z = poissonSpikesFromUniforms({ fMax: trace.params.f_max as number }, trace.dt)(x, u);
    expect(z.shape).toEqual([50, 4]);
    expect(maxAbsError(z, trace.outputs.z as number[][])).toBe(0);
  });

  it('the signed rule gives sign(x)·[u < dt·fMax·|x|] (hand-derived)', () => {
    const x = tensor([-1, -0.5, 0, 0.5, 1], 'float64');
    const u = tensor(
      [
        [0.05, 0.05, 0.05, 0.05, 0.05],
        [0.5, 0.01, 0, 0.049, 0.1],
      ],
      'float64',
    );
    // dt·fMax = 0.1: thresholds |x|·0.1 = [0.1, 0.05, 0, 0.05, 0.1].
    expect(flat(signedPoissonSpikesFromUniforms()(x, u))).toEqual([-1, 0, 0, 0, 1, 0, -1, 0, 1, 0]);
  });

  // Rate checks. Each neuron's spikes over n steps are n independent Bernoulli(p) draws with
  // p = dt·fMax·x; their mean has standard deviation sqrt(p(1−p)/n). A deviation beyond 5 standard
  // deviations has probability below 6e-7 (normal approximation); the generator is seeded, so the
  // test is deterministic, and the bound documents how far an unbiased encoder may stray.
  const rateBound = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n);

  it('fires at fMax·x on average (seeded, 5σ binomial bound)', () => {
    const xs = [0, 0.25, 0.5, 1];
    const T = 20000;
    const [z, next] = poissonEncode(T)(tensor(xs, 'float64'), seededGenerator(42));
    expect(z.shape).toEqual([T, 4]);
    expect(next).not.toBe(undefined);
    xs.forEach((x, n) => {
      let count = 0;
      for (let t = 0; t < T; t++) count += z.data[t * 4 + n] as number;
      const p = 0.001 * 100 * x;
      expect(Math.abs(count / T - p)).toBeLessThanOrEqual(rateBound(p, T));
    });
    // Single steps default to fMax = 1000 Hz: x = 1 always spikes (u < 1), x = 0 never.
    const [always] = poissonEncodeStep()(tensor([1, 0, 0.3], 'float64'), seededGenerator(1));
    expect(flat(always).slice(0, 2)).toEqual([1, 0]);
  });

  it('the signed encoder fires at fMax·|x| with the sign of x', () => {
    const T = 20000;
    const [z] = signedPoissonEncode(T, { fMax: 200 })(tensor([-0.5, 0.25], 'float32'), seededGenerator(7));
    const neg = Array.from({ length: T }, (_, t) => z.data[t * 2] as number);
    const pos = Array.from({ length: T }, (_, t) => z.data[t * 2 + 1] as number);
    expect([...new Set(neg)].sort()).toEqual([-1, 0]);
    expect([...new Set(pos)].sort()).toEqual([0, 1]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / T;
    expect(Math.abs(-mean(neg) - 0.1)).toBeLessThanOrEqual(rateBound(0.1, T));
    expect(Math.abs(mean(pos) - 0.05)).toBeLessThanOrEqual(rateBound(0.05, T));
  });

  it('same seed, same spikes; chunks and single steps equal one call (property)', () => {
    const x = tensor([0.1, 0.9, 0.5], 'float64');
    const g = seededGenerator(123);
    const [once] = poissonEncode(40, { fMax: 500 })(x, g);
    const [again] = poissonEncode(40, { fMax: 500 })(x, g);
    expect(flat(again)).toEqual(flat(once));
    const [other] = poissonEncode(40, { fMax: 500 })(x, seededGenerator(124));
    expect(flat(other)).not.toEqual(flat(once));
    fc.assert(
      fc.property(fc.nat(40), (cut) => {
        const [a, g1] = poissonEncode(cut, { fMax: 500 })(x, g);
        const [b] = poissonEncode(40 - cut, { fMax: 500 })(x, g1);
        expect(flat(concat([a, b]))).toEqual(flat(once));
      }),
    );
    let rng = g;
    const steps: number[] = [];
    for (let t = 0; t < 40; t++) {
      const [z, next] = poissonEncodeStep({ fMax: 500 })(x, rng);
      steps.push(...flat(z));
      rng = next;
    }
    expect(steps).toEqual(flat(once));
    let srng = seededGenerator(5);
    const signedSteps: number[] = [];
    for (let t = 0; t < 10; t++) {
      const [z, next] = signedPoissonEncodeStep({ fMax: 500 })(tensor([-0.7, 0.7], 'float64'), srng);
      signedSteps.push(...flat(z));
      srng = next;
    }
    expect(signedSteps).toEqual(flat(signedPoissonEncode(10, { fMax: 500 })(tensor([-0.7, 0.7], 'float64'), seededGenerator(5))[0]));
  });

  it('rejects values outside [0, 1], negative rates, NaN, bad dt and fMax', () => {
    const g = seededGenerator(0);
    expectArgumentError(
      () => poissonEncode(10)(tensor([0.5, 1.5]), g),
      'input',
      'input values must lie in [0, 1] (fractions of fMax), received 1.5 at index [1]',
    );
    expectArgumentError(() => poissonEncode(10)(tensor([-0.25]), g), 'input', 'received -0.25');
    expectArgumentError(() => poissonEncode(10)(tensor([Number.NaN]), g), 'input', 'received NaN');
    expectArgumentError(() => signedPoissonEncode(10)(tensor([-1.5]), g), 'input', 'must lie in [-1, 1]');
    expectArgumentError(() => poissonEncode(10, { fMax: -5 }), 'fMax', '>= 0');
    expectArgumentError(() => poissonEncode(10, {}, 0), 'dt', '> 0');
    expectArgumentError(() => poissonEncodeStep({}, -1), 'dt');
    expectArgumentError(() => poissonEncodeStep({}, 0.002), 'fMax', 'dt·fMax = 2');
    expectArgumentError(() => poissonEncode(-1), 'seqLength');
    expectArgumentError(() => poissonEncode(10)(tensor([0.5]), 42 as never), 'rng', 'pure-rand generator');
    expectArgumentError(() => poissonSpikesFromUniforms()(tensor([0.5]), tensor([[1]])), 'uniforms', '[0, 1)');
    expectArgumentError(() => poissonSpikesFromUniforms()(tensor([0.5]), tensor([[0.1, 0.2]])), 'uniforms', 'shape [T, 1]');
  });
});
