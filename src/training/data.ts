/**
 * Data for training: seeded shuffling and splits, and spike encodings of images (or any feature
 * vectors in [0, 1]) into chunks `[T, batch, features]`. Randomness comes from pure-rand's
 * xoroshiro128+ seeded by the caller, so a seed replays the same batches and spike trains.
 * @module
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import { checkPositiveInteger } from '../ops/validate.js';

/** A mutable seeded uniform generator on [0, 1) (32 bits; pure-rand's xoroshiro128+ advanced in place). */
export interface Uniform {
  /** Next uniform number in [0, 1). */
  readonly next: () => number;
}

/**
 * A seeded uniform source (one generator advanced in place; not shared with other callers).
 * @throws SpikeflowError when `seed` is not a finite number
 */
export const uniformSource = (seed: number): Uniform => {
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new SpikeflowError('uniformSource', 'seed', `seed must be a finite number, received ${show(seed)}`);
  const g: RandomGenerator = xoroshiro128plus(Math.trunc(seed) | 0);
  return { next: () => (g.next() >>> 0) * 2 ** -32 };
};

/**
 * A seeded random permutation of `0 … n−1` (Fisher–Yates).
 * @throws SpikeflowError for a bad `n`
 */
export const seededPermutation = (n: number, rng: Uniform): Int32Array => {
  if (!Number.isInteger(n) || n < 0) throw new SpikeflowError('seededPermutation', 'n', `n must be an integer ≥ 0, received ${show(n)}`);
  const p = new Int32Array(n);
  for (let k = 0; k < n; k++) p[k] = k;
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rng.next() * (k + 1));
    const t = p[k]!;
    p[k] = p[j]!;
    p[j] = t;
  }
  return p;
};

/** Spike encodings of features in [0, 1]. */
export const ENCODINGS = ['poisson', 'latency', 'current'] as const;

/** An encoding name. */
export type Encoding = (typeof ENCODINGS)[number];

/** Options of {@link encodeBatch}. */
export interface EncodeOptions {
  /** Time steps (> 0). */
  readonly T: number;
  /**
   * `poisson`: a spike at each step with probability `rate·x` (Norse's `PoissonEncoder` with
   * `f_max·dt = rate`); `latency`: one spike per feature at step `⌊(1 − x)·(T − 1)·latencySpan⌋` when
   * `x > threshold` (bright features first); `current`: the value `x` itself at every step (for a
   * first layer that integrates currents).
   */
  readonly encoding: Encoding;
  /** Spike probability per step of a feature equal to 1 (poisson; default 0.5). */
  readonly rate?: number;
  /** Features at or below this value never spike (latency; default 0.1). */
  readonly threshold?: number;
  /** Fraction of the chunk over which latencies spread (latency; default 0.5). */
  readonly latencySpan?: number;
}

/**
 * Encodes the rows `indices` of a feature matrix `[n, F]` (values in [0, 1]) as a chunk
 * `[T, batch, F]` (float32).
 * @param features - `n × F` row-major
 * @param F - features per row
 * @param rng - source for the poisson encoding
 * @throws SpikeflowError for a bad encoding, `T`, rate or index
 */
export const encodeBatch = (
  features: ArrayLike<number>,
  F: number,
  indices: ArrayLike<number>,
  options: EncodeOptions,
  rng?: Uniform,
): Tensor => {
  const where = 'encodeBatch';
  const { T, encoding } = options;
  checkPositiveInteger(where, 'T', T);
  if (!(ENCODINGS as readonly string[]).includes(encoding))
    throw new SpikeflowError(where, 'encoding', `encoding must be one of ${ENCODINGS.join(', ')}, received ${show(encoding)}`);
  const rate = options.rate ?? 0.5;
  if (!(rate > 0 && rate <= 1)) throw new SpikeflowError(where, 'rate', `rate must be in (0, 1], received ${show(rate)}`);
  const B = indices.length;
  const n = features.length / F;
  const out = new Float32Array(T * B * F);
  const threshold = options.threshold ?? 0.1;
  const span = options.latencySpan ?? 0.5;
  if (encoding === 'poisson' && rng === undefined)
    throw new SpikeflowError(where, 'rng', 'the poisson encoding needs a seeded source (uniformSource(seed))');
  for (let b = 0; b < B; b++) {
    const r = indices[b] as number;
    if (!Number.isInteger(r) || r < 0 || r >= n)
      throw new SpikeflowError(where, 'indices', `indices[${b}] must be a row in [0, ${n}), received ${show(r)}`);
    const fo = r * F;
    for (let f = 0; f < F; f++) {
      const x = features[fo + f] as number;
      if (encoding === 'current') {
        for (let t = 0; t < T; t++) out[(t * B + b) * F + f] = x;
      } else if (encoding === 'latency') {
        if (x > threshold) out[(Math.floor((1 - x) * (T - 1) * span) * B + b) * F + f] = 1;
      } else {
        const p = rate * x;
        if (p <= 0) continue;
        for (let t = 0; t < T; t++) if (rng!.next() < p) out[(t * B + b) * F + f] = 1;
      }
    }
  }
  return fromTypedArray(out, [T, B, F]);
};

/**
 * Random translations of images, for data augmentation: copies the rows `indices` of an image
 * matrix `[n, height·width]` into a new matrix `[indices.length, height·width]`, each moved by a
 * whole number of pixels `dx, dy` drawn uniformly from `−maxShift … maxShift` (pixels moved in from
 * outside are 0). `maxShift` 0 copies the rows unchanged and draws nothing.
 * @param images - `n × (height·width)` row-major, one image a row
 * @param rng - the seeded source of the shifts
 * @returns the moved images, row `k` from `images` row `indices[k]`
 * @throws SpikeflowError for a bad size, `maxShift` or index
 */
export const shiftImages = (
  images: ArrayLike<number>,
  height: number,
  width: number,
  indices: ArrayLike<number>,
  maxShift: number,
  rng: Uniform,
): Float32Array => {
  const where = 'shiftImages';
  checkPositiveInteger(where, 'height', height);
  checkPositiveInteger(where, 'width', width);
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new SpikeflowError(where, 'maxShift', `maxShift must be an integer ≥ 0, received ${show(maxShift)}`);
  const P = height * width;
  const n = images.length / P;
  const out = new Float32Array(indices.length * P);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k] as number;
    if (!Number.isInteger(r) || r < 0 || r >= n)
      throw new SpikeflowError(where, 'indices', `indices[${k}] must be a row in [0, ${n}), received ${show(r)}`);
    const dx = maxShift === 0 ? 0 : Math.floor(rng.next() * (2 * maxShift + 1)) - maxShift;
    const dy = maxShift === 0 ? 0 : Math.floor(rng.next() * (2 * maxShift + 1)) - maxShift;
    for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
      const src = r * P + (y - dy) * width;
      const dst = k * P + y * width;
      for (let x = Math.max(0, dx); x < Math.min(width, width + dx); x++) out[dst + x] = images[src + x - dx] as number;
    }
  }
  return out;
};
