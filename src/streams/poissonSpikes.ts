/**
 * `poissonSpikes`: seeded Poisson spike trains (Bernoulli per step, Norse's `poisson_encode` rule).
 * @module
 */
import { defer, type Observable } from 'rxjs';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import { type RandomGenerator, seededGenerator, uniforms } from '../ops/random.js';
import { allocate, type DType, fromTypedArray, type NestedArray, type Tensor } from '../ops/tensor.js';
import { type ClockedOptions, clockedSource, resolveClock } from './clocked.js';
import { checkDtype, checkInteger, checkOptions, stepTensor } from './internal.js';

/** Options of {@link poissonSpikes}. */
export interface PoissonSpikesOptions extends ClockedOptions {
  /** Time step in seconds (> 0, default 0.001). */
  readonly dt?: number;
  /** Seed of spikeflow's generator (finite number, default 0). */
  readonly seed?: number;
  /** Step shape `[batch, ...]`; required when `rates` is a number. */
  readonly shape?: readonly number[];
  /** Number of steps (integer ≥ 0 or `Infinity`, the default). */
  readonly steps?: number;
  /** dtype of the spikes (default `float32`). */
  readonly dtype?: DType;
  /**
   * What a step carries (default `'spikes'`): `'spikes'`, 0/1 with probability `dt·rate` (Norse's
   * rule; `dt·rate > 1` throws, since a step cannot hold more than one spike), or `'counts'`, the
   * number of events of a Poisson process of that rate in the step (mean and variance `dt·rate`,
   * any rate up to `dt·rate` = 700), for rates above `1/dt`.
   */
  readonly output?: 'spikes' | 'counts';
}

/** The largest `dt·rate` of `output: 'counts'` (the inversion sampler needs `e^{−dt·rate}` > 0). */
export const MAX_EVENTS_PER_STEP = 700;

/**
 * A Poisson count with mean `lambda` from one uniform `u ∈ [0, 1)`, by inversion of the
 * cumulative distribution (the smallest `k` with `u < F(k)`).
 */
export const poissonCount = (u: number, lambda: number): number => {
  let k = 0;
  let p = Math.exp(-lambda);
  let f = p;
  while (u >= f && p > 0) {
    k += 1;
    p *= lambda / k;
    f += p;
  }
  return k;
};

/**
 * Independent Poisson spike trains: at every step, neuron n spikes (1, else 0) when a uniform draw
 * `u ∈ [0, 1)` satisfies `u < dt · rate[n]`, the rule of Norse's `poisson_encode`
 * (`torch.rand_like(x) < dt · f_max · x`, here with `rate = f_max · x` in Hz). Draws come from
 * spikeflow's seeded generator (`src/ops/random.ts`) in row-major order, one per neuron and
 * step, so the train is the same whatever the chunk sizes, in Node and in browsers (but not
 * torch's draws). Each subscription restarts from the seed. Steps skipped by a real-time clock's
 * `drop` policy draw nothing.
 * @param rates - firing rates in Hz (finite, ≥ 0): a number (with `options.shape`), nested arrays or a tensor `[batch, ...]`
 * Nothing is clamped: a rate with `dt·rate > 1` throws (as `poissonEncode` does), unless
 * `output: 'counts'` asks for Poisson event counts per step instead of 0/1 spikes.
 * @param options - `dt`, `seed`, `shape`, `steps` (default `Infinity`), `chunk`, `clock`, `dtype`, `output`
 * @throws SpikeflowError for negative or non-finite rates, `dt·rate > 1` (with `output: 'spikes'`),
 *   `dt ≤ 0`, a non-finite seed, bad options
 */
export const poissonSpikes = (rates: number | NestedArray | Tensor, options: PoissonSpikesOptions = {}): Observable<Tensor> => {
  const where = 'poissonSpikes';
  checkOptions(where, options, ['dt', 'seed', 'shape', 'steps', 'dtype', 'chunk', 'clock', 'output']);
  const output = options.output ?? 'spikes';
  if (output !== 'spikes' && output !== 'counts') {
    throw new SpikeflowError(where, 'output', `output must be "spikes" or "counts", received ${show(output)}`);
  }
  const dt = orThrow(where)(checkDt(options.dt ?? 0.001));
  const seed = options.seed ?? 0;
  seededGenerator(seed);
  const dtype = checkDtype(where, options.dtype);
  const r = stepTensor(where, 'rates', rates, 'float64', options.shape);
  const M = r.data.length;
  const p = new Float64Array(M);
  for (let n = 0; n < M; n++) {
    const v = r.data[n] as number;
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new SpikeflowError(where, 'rates', `rates must be finite and >= 0 (Hz), received ${show(v)} at flat index ${n}`);
    }
    p[n] = dt * v;
    if (output === 'spikes' && (p[n] as number) > 1) {
      throw new SpikeflowError(
        where,
        'rates',
        `dt·rate must be <= 1 so that it is a spike probability per step; received rate ${show(v)} Hz at flat index ${n} with dt ${show(dt)} s (dt·rate = ${show(p[n])}); use a smaller dt, or output: 'counts' for event counts per step`,
      );
    }
    if (output === 'counts' && (p[n] as number) > MAX_EVENTS_PER_STEP) {
      throw new SpikeflowError(
        where,
        'rates',
        `dt·rate must be <= ${MAX_EVENTS_PER_STEP} events per step with output 'counts'; received rate ${show(v)} Hz at flat index ${n} (dt·rate = ${show(p[n])})`,
      );
    }
  }
  const steps = checkInteger(where, 'steps', options.steps ?? Number.POSITIVE_INFINITY, 0, true);
  const clock = resolveClock(where, options, steps);
  return defer(() => {
    let rng: RandomGenerator = seededGenerator(seed);
    return clockedSource(clock, steps, (start, end) => {
      const T = end - start;
      const [u, next] = uniforms(rng, T * M);
      rng = next;
      const out = allocate(dtype, T * M);
      if (output === 'counts') for (let k = 0; k < out.length; k++) out[k] = poissonCount(u[k] as number, p[k % M] as number);
      else for (let k = 0; k < out.length; k++) out[k] = (u[k] as number) < (p[k % M] as number) ? 1 : 0;
      return fromTypedArray(out, [T, ...r.shape]);
    });
  });
};
