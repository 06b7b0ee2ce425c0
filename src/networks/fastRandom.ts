/**
 * The fast seeded generator of networks: xoshiro128** (Blackman & Vigna, 2018) over a
 * `Uint32Array(4)` state, seeded by splitmix32, with the samplers a network needs per step
 * (uniform, normal, Poisson, binomial). Its state is a plain array, so a network's state carries
 * it from chunk to chunk and a run split into chunks draws exactly the same numbers.
 * Source: https://prng.di.unimi.it/xoshiro128starstar.c (public domain reference).
 * @module
 */

/** A generator state: four 32-bit words (never all zero). */
export type RngState = Uint32Array;

/**
 * A generator state seeded from `seed` and a `stream` number (so one network seed gives
 * independent streams for connectivity, initial state and each drive).
 * @param seed - any finite number (its integer part is used)
 * @param stream - a stream number, e.g. the index of a drive
 */
export const rngState = (seed: number, stream = 0): RngState => {
  let x = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const s = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    // splitmix32
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    s[k] = (z ^ (z >>> 16)) >>> 0;
  }
  if (((s[0] as number) | (s[1] as number) | (s[2] as number) | (s[3] as number)) === 0) s[0] = 1;
  return s;
};

/** The next 32-bit word of xoshiro128**, advancing `s` in place. */
export const nextU32 = (s: RngState): number => {
  const s0 = s[0] as number;
  const s1 = s[1] as number;
  const s2 = s[2] as number;
  const s3 = s[3] as number;
  const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = rotl(n3, 11);
  return r;
};

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** A uniform number in [0, 1) with 32-bit resolution, advancing `s`. */
export const uniform01 = (s: RngState): number => nextU32(s) / 4294967296;

/** A standard normal number (Box–Muller, one of the pair), advancing `s`. */
export const normal01 = (s: RngState): number => {
  const u1 = 1 - uniform01(s);
  const u2 = uniform01(s);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
};

/**
 * A Poisson count of mean `lambda`: inversion by sequential search for `lambda < 30` (cost grows
 * with `lambda`), the rounded normal approximation above (Brian2's `approximate` binomial does the same).
 * `expMinusLambda` (`e^{−λ}`) may be given precomputed.
 */
export const poissonSample = (s: RngState, lambda: number, expMinusLambda = Math.exp(-lambda)): number => {
  if (lambda <= 0) return 0;
  if (lambda >= 30) {
    return Math.max(0, Math.floor(lambda + Math.sqrt(lambda) * normal01(s) + 0.5));
  }
  let k = 0;
  let p = expMinusLambda;
  let f = p;
  const u = uniform01(s);
  while (u > f && k < 1000) {
    k += 1;
    p *= lambda / k;
    f += p;
  }
  return k;
};

/**
 * A binomial count of `n` trials with probability `p`, as Brian2's `BinomialFunction` with
 * `approximate=True` (used by `PoissonInput`): the rounded normal approximation when `n·p > 5`
 * and `n·(1 − p) > 5`, else exact inversion. `q0` (`(1 − p)^n`) may be given precomputed.
 */
export const binomialSample = (s: RngState, n: number, p: number, q0 = (1 - p) ** n): number => {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean > 5 && n * (1 - p) > 5) {
    return Math.min(n, Math.max(0, Math.floor(mean + Math.sqrt(mean * (1 - p)) * normal01(s) + 0.5)));
  }
  // Inversion: P(k+1) = P(k) · (n − k)/(k + 1) · p/(1 − p)
  const q = 1 - p;
  const r = p / q;
  let pk = q0;
  let f = pk;
  let k = 0;
  const u = uniform01(s);
  while (u > f && k < n) {
    pk *= ((n - k) / (k + 1)) * r;
    k += 1;
    f += pk;
  }
  return k;
};
