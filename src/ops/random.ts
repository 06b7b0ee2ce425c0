/**
 * Seeded, pure random numbers (pure-rand's xoroshiro128+), so the same seed gives the same values
 * in Node and in every browser. Generators are immutable values: each draw returns the next one.
 * @module
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { finiteNumber, orThrow } from './errors.js';

export type { RandomGenerator };

/**
 * A seeded generator.
 * @param seed - any finite number; its integer part (mod 2^32) seeds xoroshiro128+
 * @throws SpikeflowError when `seed` is not a finite number
 */
export const seededGenerator = (seed: number): RandomGenerator => {
  orThrow('seededGenerator')(finiteNumber('seed', seed));
  return xoroshiro128plus(Math.trunc(seed) | 0);
};

/**
 * Draws `count` uniform numbers in [0, 1) (53-bit resolution) and returns them with the next generator.
 * The returned generator continues the sequence: splitting draws over calls gives the same numbers.
 */
export const uniforms = (rng: RandomGenerator, count: number): [Float64Array, RandomGenerator] => {
  const out = new Float64Array(count);
  const g = rng.clone();
  for (let k = 0; k < count; k++) {
    // uniformFloat64 mutates the generator it is given; we own `g`, a clone of the caller's.
    out[k] = uniformFloat64(g);
  }
  return [out, g];
};
