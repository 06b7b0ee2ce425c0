/**
 * Values that are per neuron or per synapse: a constant, an explicit list (array, typed array or
 * tensor), or a seeded distribution ({@link uniformDist}, {@link normalDist}).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { isTensor as isTensorCheck, type Tensor } from '../ops/tensor.js';
import { normal01, type RngState, uniform01 } from './fastRandom.js';

/** A seeded distribution of values. */
export type Distribution =
  | { readonly dist: 'uniform'; readonly low: number; readonly high: number }
  | { readonly dist: 'normal'; readonly mean: number; readonly sd: number };

/**
 * Uniform distribution on `[low, high)` (e.g. Brian2's `Vr + rand()·(Vt − Vr)`).
 * @throws SpikeflowError when `low`, `high` are not finite or `high < low`
 */
export const uniformDist = (low: number, high: number): Distribution => {
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) {
    throw new SpikeflowError('uniformDist', 'high', `uniformDist needs finite low <= high, received low ${show(low)}, high ${show(high)}`);
  }
  return Object.freeze({ dist: 'uniform', low, high });
};

/**
 * Normal distribution with `mean` and standard deviation `sd` (Box–Muller).
 * @throws SpikeflowError when `mean` is not finite or `sd` is not a finite number >= 0
 */
export const normalDist = (mean: number, sd: number): Distribution => {
  if (!Number.isFinite(mean) || !Number.isFinite(sd) || sd < 0) {
    throw new SpikeflowError('normalDist', 'sd', `normalDist needs a finite mean and sd >= 0, received mean ${show(mean)}, sd ${show(sd)}`);
  }
  return Object.freeze({ dist: 'normal', mean, sd });
};

/** A value per element: constant, explicit list, or distribution. */
export type Values = number | Distribution | readonly number[] | Float32Array | Float64Array | Tensor;

/** Whether `v` is a {@link Distribution}. */
export const isDistribution = (v: unknown): v is Distribution =>
  v !== null &&
  typeof v === 'object' &&
  'dist' in (v as object) &&
  ((v as Distribution).dist === 'uniform' || (v as Distribution).dist === 'normal');

/**
 * The explicit list in `v` (array, typed array, or tensor data), or undefined when `v` is not a list.
 * @throws SpikeflowError (`argument`) for an object that looks like a tensor (`data`, `shape`) but is not a valid one
 */
export const listOf = (where: string, argument: string, v: unknown): ArrayLike<number> | undefined => {
  if (Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array) return v as ArrayLike<number>;
  if (v !== null && typeof v === 'object' && 'data' in (v as object) && 'shape' in (v as object)) {
    const check = isTensorCheck(argument, v);
    if (check._tag === 'Left') throw new SpikeflowError(where, argument, check.left.message);
    return (v as Tensor).data;
  }
  return undefined;
};

/**
 * Draws or copies `n` values into a Float32Array; a constant gives `undefined` via `constant`.
 * @throws SpikeflowError when a list has the wrong length or non-finite entries, or `v` is of no accepted kind
 */
export const resolveValues = (
  where: string,
  argument: string,
  v: Values,
  n: number,
  rng: RngState,
  check?: (x: number) => string | undefined,
): Float32Array => {
  const out = new Float32Array(n);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SpikeflowError(where, argument, `${argument} must be finite, received ${show(v)}`);
    const bad = check?.(v);
    if (bad !== undefined) throw new SpikeflowError(where, argument, `${argument} ${bad}, received ${show(v)}`);
    out.fill(v);
    return out;
  }
  if (isDistribution(v)) {
    if (v.dist === 'uniform') for (let k = 0; k < n; k++) out[k] = v.low + (v.high - v.low) * uniform01(rng);
    else for (let k = 0; k < n; k++) out[k] = v.mean + v.sd * normal01(rng);
    if (check !== undefined) {
      for (let k = 0; k < n; k++) {
        const bad = check(out[k] as number);
        if (bad !== undefined)
          throw new SpikeflowError(where, argument, `${argument} ${bad}: the distribution drew ${show(out[k])} at index ${k}`);
      }
    }
    return out;
  }
  const list = listOf(where, argument, v);
  if (list === undefined) {
    throw new SpikeflowError(
      where,
      argument,
      `${argument} must be a number, a list of ${n} numbers or a distribution, received ${show(v)}`,
    );
  }
  if (list.length !== n) throw new SpikeflowError(where, argument, `${argument} must have ${n} values, received ${list.length}`);
  for (let k = 0; k < n; k++) {
    const x = list[k] as number;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new SpikeflowError(where, argument, `${argument} must be finite, received ${show(x)} at index ${k}`);
    }
    const bad = check?.(x);
    if (bad !== undefined) throw new SpikeflowError(where, argument, `${argument} ${bad}, received ${show(x)} at index ${k}`);
    out[k] = x;
  }
  return out;
};
