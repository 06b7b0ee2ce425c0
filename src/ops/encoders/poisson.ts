/**
 * Poisson (Bernoulli-per-step) rate encoders: Norse's `poisson_encode`, `poisson_encode_step`,
 * `signed_poisson_encode` and `signed_poisson_encode_step` (modules `PoissonEncoder`,
 * `PoissonEncoderStep`, `SignedPoissonEncoder`, `SignedPoissonEncoderStep`).
 *
 * A value `x ∈ [0, 1]` is a fraction of the maximal rate `fMax` (Hz); at every step of `dt` seconds
 * a neuron spikes when a uniform draw `u ∈ [0, 1)` satisfies
 * ```
 * u < (dt·fMax)·x                     (signed: z = sign(x)·[u < (dt·fMax)·|x|])
 * ```
 * so it spikes with probability `dt·fMax·x` per step, i.e. at `fMax·x` Hz on average.
 *
 * Norse's contract, made explicit here (nothing is clamped silently):
 * - `x` must lie in [0, 1] ([-1, 1] for the signed encoders), as Norse's docs state;
 * - `dt·fMax` must not exceed 1, so that `dt·fMax·x` is a probability (Norse would saturate);
 * - Norse's defaults: `fMax` = 100 Hz for whole sequences, 1000 Hz for single steps; `dt` = 1 ms.
 *
 * Randomness: spikeflow's seeded pure generator (`seededGenerator` in `src/ops/random.ts`, xoroshiro128+ with 53-bit
 * uniforms), never torch's; the same seed gives the same spikes on every platform. Draws are taken
 * in row-major order of `[T, ...shape]` and the generator is returned, so encoding a sequence in
 * chunks (threading the generator) equals encoding it in one call, and equals `T` single steps.
 * Only the rule above matches Norse; Norse's spikes come from torch's generator.
 * Float32 runs compute the threshold as torch does: `fround(fround(dt·fMax)·x)`.
 * Source: Norse `norse/torch/functional/encode.py`, commit 065a3b45.
 * @module
 */
import { checkDt, invalid, orThrow, SpikeflowError, show } from '../errors.js';
import { uniforms as drawUniforms, type RandomGenerator } from '../random.js';
import { allocate, dtypeOf, fromTypedArray, isTensor, sameShape, showShape, sizeOf, stridesOf, type Tensor } from '../tensor.js';
import { checkCount, type ScalarParamsInput, type ScalarParamsOf, scalarParameters } from '../validate.js';

/** `fMax`: maximal firing rate in Hz (>= 0). Default 100 Hz (Norse's sequence encoders). */
export const poissonParameterSpecs = {
  fMax: { kind: 'number', default: 100, range: 'nonNegative' },
} as const;

/** `fMax` defaults to 1000 Hz for the single-step encoders, as in Norse's `poisson_encode_step`. */
export const poissonStepParameterSpecs = {
  fMax: { kind: 'number', default: 1000, range: 'nonNegative' },
} as const;

/** Validated Poisson encoder parameters: `fMax` in Hz. */
export type PoissonParameters = ScalarParamsOf<typeof poissonParameterSpecs>;

/** What callers may pass: `{ fMax? }` (Hz). */
export type PoissonParametersInput = ScalarParamsInput<typeof poissonParameterSpecs>;

const indexOf = (shape: readonly number[], k: number): string =>
  showShape(stridesOf(shape).map((s, j) => Math.floor(k / s) % (shape[j] as number)));

const setup = (where: string, specs: typeof poissonParameterSpecs | typeof poissonStepParameterSpecs, p: unknown, dt: number): number => {
  const { fMax } = scalarParameters(where, specs, p);
  orThrow(where)(checkDt(dt));
  const rate = dt * fMax;
  if (rate > 1) {
    throw new SpikeflowError(
      where,
      'fMax',
      `dt·fMax must be <= 1 so that dt·fMax·x is a spike probability per step; received dt = ${show(dt)} s, fMax = ${show(fMax)} Hz (dt·fMax = ${show(rate)})`,
    );
  }
  return rate;
};

const checkValues = (where: string, values: unknown, signed: boolean): Tensor => {
  const x = orThrow(where)(isTensor('input', values));
  const lo = signed ? -1 : 0;
  for (let k = 0; k < x.data.length; k++) {
    const v = x.data[k] as number;
    if (!(v >= lo && v <= 1)) {
      throw new SpikeflowError(
        where,
        'input',
        `input values must lie in [${lo}, 1] (fractions of fMax${signed ? ', signed' : ''}), received ${show(v)} at index ${indexOf(x.shape, k)}`,
      );
    }
  }
  return x;
};

const checkGenerator = (where: string, rng: unknown): RandomGenerator => {
  const g = rng as RandomGenerator | null;
  if (g === null || typeof g !== 'object' || typeof g.next !== 'function' || typeof g.clone !== 'function') {
    return orThrow(where)(invalid('rng', `rng must be a pure-rand generator (e.g. seededGenerator(seed)), received ${show(rng)}`));
  }
  return g;
};

/** Applies the rule to `T` rows of uniforms; `u` is `[T, M]` row-major. */
const applyRule = (x: Tensor, u: ArrayLike<number>, T: number, rate: number, signed: boolean): Float32Array | Float64Array => {
  const dtype = dtypeOf(x);
  const M = x.data.length;
  const thr = new Float64Array(M);
  const sign = new Float64Array(M);
  const r = dtype === 'float32' ? Math.fround(rate) : rate;
  for (let n = 0; n < M; n++) {
    const v = x.data[n] as number;
    const a = signed ? Math.abs(v) : v;
    thr[n] = dtype === 'float32' ? Math.fround(r * a) : r * a;
    sign[n] = signed ? Math.sign(v) : 1;
  }
  const out = allocate(dtype, T * M);
  for (let t = 0; t < T; t++) {
    const base = t * M;
    for (let n = 0; n < M; n++) out[base + n] = (u[base + n] as number) < (thr[n] as number) ? (sign[n] as number) : 0;
  }
  return out;
};

const fromUniforms = (where: string, signed: boolean, rate: number, values: Tensor, uniforms: Tensor): Tensor => {
  const x = checkValues(where, values, signed);
  const u = orThrow(where)(isTensor('uniforms', uniforms));
  if (u.shape.length < 1 || !sameShape(u.shape.slice(1), x.shape)) {
    throw new SpikeflowError(
      where,
      'uniforms',
      `uniforms must have shape [T, ${x.shape.join(', ')}] (time first, then the input's shape), received ${showShape(u.shape)}`,
    );
  }
  for (let k = 0; k < u.data.length; k++) {
    const v = u.data[k] as number;
    if (!(v >= 0 && v < 1)) {
      throw new SpikeflowError(where, 'uniforms', `uniforms must lie in [0, 1), received ${show(v)} at index ${indexOf(u.shape, k)}`);
    }
  }
  return fromTypedArray(applyRule(x, u.data, u.shape[0] as number, rate, signed), u.shape);
};

/**
 * The Poisson rule on given uniform draws: `poissonSpikesFromUniforms(p, dt)(x, uniforms)` is
 * `z[t] = [uniforms[t] < (dt·fMax)·x]`. This is Norse's `poisson_encode` with the draws supplied
 * (e.g. draws recorded from torch), and what {@link poissonEncode} applies to its own draws.
 * @param p - `{ fMax }` in Hz (default 100)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (shape `S`, values in [0, 1]) and `uniforms` (`[T, ...S]`, values in
 *   [0, 1)) returning spikes `[T, ...S]` (0/1, `x`'s dtype)
 * @throws SpikeflowError for `fMax < 0`, `dt <= 0`, `dt·fMax > 1`, `x` outside [0, 1] or NaN,
 *   uniforms outside [0, 1) or of the wrong shape
 */
export const poissonSpikesFromUniforms = (p?: PoissonParametersInput, dt = 0.001) => {
  const rate = setup('poissonSpikesFromUniforms', poissonParameterSpecs, p, dt);
  return (x: Tensor, uniforms: Tensor): Tensor => fromUniforms('poissonSpikesFromUniforms', false, rate, x, uniforms);
};

/**
 * The signed Poisson rule on given uniform draws: `z[t] = sign(x)·[uniforms[t] < (dt·fMax)·|x|]`
 * (Norse's `signed_poisson_encode` with the draws supplied).
 * @param p - `{ fMax }` in Hz (default 100)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (shape `S`, values in [-1, 1]) and `uniforms` (`[T, ...S]`, in [0, 1))
 *   returning signed spikes `[T, ...S]` in {-1, 0, 1}
 * @throws SpikeflowError as {@link poissonSpikesFromUniforms}, with `x` required in [-1, 1]
 */
export const signedPoissonSpikesFromUniforms = (p?: PoissonParametersInput, dt = 0.001) => {
  const rate = setup('signedPoissonSpikesFromUniforms', poissonParameterSpecs, p, dt);
  return (x: Tensor, uniforms: Tensor): Tensor => fromUniforms('signedPoissonSpikesFromUniforms', true, rate, x, uniforms);
};

const encode = (where: string, signed: boolean, rate: number, T: number, stepShape: boolean, values: Tensor, rng: RandomGenerator) => {
  const x = checkValues(where, values, signed);
  const g = checkGenerator(where, rng);
  const [u, next] = drawUniforms(g, T * sizeOf(x.shape));
  const spikes = fromTypedArray(applyRule(x, u, T, rate, signed), stepShape ? x.shape : [T, ...x.shape]);
  return [spikes, next] as const;
};

/**
 * Poisson encoding of a sequence (Norse's `poisson_encode` / `PoissonEncoder`).
 *
 * `poissonEncode(seqLength, p, dt)(x, rng) → [spikes, rng']`
 * @param seqLength - number of steps `T` (integer >= 0)
 * @param p - `{ fMax }`, maximal rate in Hz (>= 0, default 100)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (any shape `S`, values in [0, 1], fractions of `fMax`) and a generator
 *   (from `seededGenerator`) returning spikes `[T, ...S]` (0/1, `x`'s dtype) and the advanced
 *   generator. The caller's generator is not changed.
 * @throws SpikeflowError for a bad `seqLength`, `fMax < 0`, `dt <= 0`, `dt·fMax > 1`, `x` outside
 *   [0, 1] (negative rates) or NaN, or an `rng` that is not a generator
 */
export const poissonEncode = (seqLength: number, p?: PoissonParametersInput, dt = 0.001) => {
  const where = 'poissonEncode';
  const T = checkCount(where, 'seqLength', seqLength);
  const rate = setup(where, poissonParameterSpecs, p, dt);
  return (x: Tensor, rng: RandomGenerator): readonly [Tensor, RandomGenerator] => encode(where, false, rate, T, false, x, rng);
};

/**
 * One step of Poisson encoding (Norse's `poisson_encode_step` / `PoissonEncoderStep`).
 * @param p - `{ fMax }`, maximal rate in Hz (>= 0, default 1000 as in Norse's step encoder)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (shape `S`, values in [0, 1]) and a generator returning spikes of
 *   shape `S` and the advanced generator
 * @throws SpikeflowError as {@link poissonEncode}
 */
export const poissonEncodeStep = (p?: PoissonParametersInput, dt = 0.001) => {
  const where = 'poissonEncodeStep';
  const rate = setup(where, poissonStepParameterSpecs, p, dt);
  return (x: Tensor, rng: RandomGenerator): readonly [Tensor, RandomGenerator] => encode(where, false, rate, 1, true, x, rng);
};

/**
 * Signed Poisson encoding of a sequence (Norse's `signed_poisson_encode` / `SignedPoissonEncoder`):
 * `z[t] = sign(x)·[u < (dt·fMax)·|x|]`. Where no spike occurs the output is +0 (torch gives -0
 * for negative inputs; the values are equal).
 * @param seqLength - number of steps `T` (integer >= 0)
 * @param p - `{ fMax }`, maximal rate in Hz (>= 0, default 100)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (shape `S`, values in [-1, 1]) and a generator returning spikes
 *   `[T, ...S]` in {-1, 0, 1} and the advanced generator
 * @throws SpikeflowError as {@link poissonEncode}, with `x` required in [-1, 1]
 */
export const signedPoissonEncode = (seqLength: number, p?: PoissonParametersInput, dt = 0.001) => {
  const where = 'signedPoissonEncode';
  const T = checkCount(where, 'seqLength', seqLength);
  const rate = setup(where, poissonParameterSpecs, p, dt);
  return (x: Tensor, rng: RandomGenerator): readonly [Tensor, RandomGenerator] => encode(where, true, rate, T, false, x, rng);
};

/**
 * One step of signed Poisson encoding (Norse's `signed_poisson_encode_step` / `SignedPoissonEncoderStep`).
 * @param p - `{ fMax }`, maximal rate in Hz (>= 0, default 1000)
 * @param dt - time step in seconds (> 0, default 0.001); `dt·fMax <= 1`
 * @returns a function of `x` (shape `S`, values in [-1, 1]) and a generator returning signed
 *   spikes of shape `S` and the advanced generator
 * @throws SpikeflowError as {@link signedPoissonEncode}
 */
export const signedPoissonEncodeStep = (p?: PoissonParametersInput, dt = 0.001) => {
  const where = 'signedPoissonEncodeStep';
  const rate = setup(where, poissonStepParameterSpecs, p, dt);
  return (x: Tensor, rng: RandomGenerator): readonly [Tensor, RandomGenerator] => encode(where, true, rate, 1, true, x, rng);
};
