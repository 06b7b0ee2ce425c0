/**
 * A cochlea-like audio front end: a bank of band-pass filters with log-spaced centre frequencies,
 * each followed by half-wave rectification and smoothing (the classic filter–detect–smooth
 * structure of cochlear models, Lyon 1982), sampled every `hop` samples into a time-first chunk
 * `[T, 1, channels]` of envelopes that feed a spike encoder.
 *
 * Per channel `c` with centre `f_c = fMin·(fMax/fMin)^(c/(channels−1))`:
 * ```
 * band-pass   `stages` identical biquads in cascade, RBJ "band-pass, 0 dB peak gain":
 *             w0 = 2π f_c / fs, α = sin(w0) / (2Q)
 *             H(z) = α(1 − z⁻²) / ((1 + α) − 2cos(w0) z⁻¹ + (1 − α) z⁻²)     (|H| = 1 at f_c)
 * rectify     r = max(0, y)
 * smooth      e ← e + β (r − e),  β = 1 − exp(−2π·smoothingHz / fs)        (one-pole low-pass)
 * output      e at the last sample of every hop of `hop` samples
 * ```
 * The default `q` makes neighbouring single-biquad bands cross at −3 dB: `Q = √k / (k − 1)` with
 * `k = (fMax/fMin)^(1/(channels−1))` the ratio of neighbouring centres. Filters run in float64 in
 * transposed direct form II. The front end is pure: `run(samples, state)` returns the envelopes
 * and a new state, so streaming audio in blocks of any size gives exactly the envelopes of one run
 * over the whole signal.
 * Sources: R. F. Lyon, "A computational model of filtering, detection, and compression in the
 * cochlea", ICASSP 1982; R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter
 * coefficients" (band-pass, constant 0 dB peak gain).
 * @module
 */
import { orThrow, positiveNumber, SpikeflowError, show } from './errors.js';
import { allocate, type DType, fromTypedArray, type Tensor } from './tensor.js';

/** Parameters of {@link cochlea}. Frequencies in Hz. */
export interface CochleaParameters {
  /** Audio sample rate, Hz (> 0). */
  readonly sampleRate: number;
  /** Number of channels (integer ≥ 1, default 32). */
  readonly channels?: number;
  /** Lowest centre frequency, Hz (default 100). */
  readonly fMin?: number;
  /** Highest centre frequency, Hz (default min(8000, 0.45·sampleRate)); must stay below sampleRate/2. */
  readonly fMax?: number;
  /** Quality factor of every biquad (default √k/(k−1), k the ratio of neighbouring centres; 2 for one channel). */
  readonly q?: number;
  /** Biquads per channel, in cascade (integer ≥ 1, default 2). */
  readonly stages?: number;
  /** Cut-off of the envelope smoothing low-pass, Hz (default 50). */
  readonly smoothingHz?: number;
  /** Samples per output step (integer ≥ 1, default round(sampleRate / 1000): 1 ms steps). */
  readonly hop?: number;
  /** Output dtype (default `float32`). */
  readonly dtype?: DType;
}

/** Parameters with every default filled in. */
export type CochleaConfig = Required<CochleaParameters>;

/** State of the front end between blocks (treat as immutable; `run` returns a new one). */
export interface CochleaState {
  /** Biquad delays, `[channels, stages, 2]`. */
  readonly delays: Float64Array;
  /** Smoothed envelopes, `[channels]`. */
  readonly envelope: Float64Array;
  /** Samples of the current hop already consumed (0 ≤ phase < hop). */
  readonly phase: number;
}

/** A configured filter bank. */
export interface Cochlea {
  /** The parameters, defaults filled in. */
  readonly parameters: CochleaConfig;
  /** Centre frequencies, Hz, ascending. */
  readonly centres: Float64Array;
  /** Biquad coefficients per channel, `[channels, 5]`: b0, b1, b2, a1, a2 (normalised by a0). */
  readonly coefficients: Float64Array;
  /** The state before any sample: all zero. */
  initialState(): CochleaState;
  /**
   * Filters a block of samples.
   * @param samples - mono samples (any scale; WAV readers give [-1, 1))
   * @param state - state after the previous block (default: initial)
   * @returns envelopes `[T, 1, channels]` for the `T` hops completed in this block, and the new state
   */
  run(samples: ArrayLike<number>, state?: CochleaState): readonly [Tensor, CochleaState];
}

const KNOWN = ['sampleRate', 'channels', 'fMin', 'fMax', 'q', 'stages', 'smoothingHz', 'hop', 'dtype'];

const integer = (where: string, name: string, v: unknown, min: number): number => {
  if (!(Number.isInteger(v) && (v as number) >= min))
    throw new SpikeflowError(where, name, `${name} must be an integer ≥ ${min}, received ${show(v)}`);
  return v as number;
};

/**
 * Builds the filter bank (see the module docs for the equations).
 * @param p - parameters; `sampleRate` is required
 * @throws SpikeflowError for unknown parameter names, non-positive rates or frequencies, `fMin ≥ fMax`,
 *   `fMax ≥ sampleRate/2`, non-integer `channels`/`stages`/`hop`
 */
export const cochlea = (p: CochleaParameters): Cochlea => {
  const where = 'cochlea';
  if (p === null || typeof p !== 'object') throw new SpikeflowError(where, 'p', `parameters must be an object, received ${show(p)}`);
  const unknown = Object.keys(p).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw new SpikeflowError(where, 'p', `unknown parameter ${show(unknown[0])}; known: ${KNOWN.join(', ')}`);
  const fs = orThrow(where)(positiveNumber('sampleRate', p.sampleRate));
  const channels = integer(where, 'channels', p.channels ?? 32, 1);
  const stages = integer(where, 'stages', p.stages ?? 2, 1);
  const hop = integer(where, 'hop', p.hop ?? Math.max(1, Math.round(fs / 1000)), 1);
  const fMin = orThrow(where)(positiveNumber('fMin', p.fMin ?? 100));
  const fMax = orThrow(where)(positiveNumber('fMax', p.fMax ?? Math.min(8000, 0.45 * fs)));
  if (!(fMax < fs / 2)) throw new SpikeflowError(where, 'fMax', `fMax must be below sampleRate/2 = ${fs / 2} Hz, received ${show(fMax)}`);
  if (channels > 1 && !(fMin < fMax))
    throw new SpikeflowError(where, 'fMin', `fMin must be below fMax = ${fMax} Hz, received ${show(fMin)}`);
  const ratio = channels > 1 ? (fMax / fMin) ** (1 / (channels - 1)) : 1;
  const q = orThrow(where)(positiveNumber('q', p.q ?? (channels > 1 ? Math.sqrt(ratio) / (ratio - 1) : 2)));
  const smoothingHz = orThrow(where)(positiveNumber('smoothingHz', p.smoothingHz ?? 50));
  const dtype = p.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError(where, 'dtype', `dtype must be "float32" or "float64", received ${show(dtype)}`);

  const centres = Float64Array.from({ length: channels }, (_, c) => (channels === 1 ? fMin : fMin * ratio ** c));
  const coefficients = new Float64Array(channels * 5);
  centres.forEach((f, c) => {
    const w0 = (2 * Math.PI * f) / fs;
    const alpha = Math.sin(w0) / (2 * q);
    const a0 = 1 + alpha;
    coefficients.set([alpha / a0, 0, -alpha / a0, (-2 * Math.cos(w0)) / a0, (1 - alpha) / a0], 5 * c);
  });
  const beta = 1 - Math.exp((-2 * Math.PI * smoothingHz) / fs);
  const parameters: CochleaConfig = Object.freeze({ sampleRate: fs, channels, fMin, fMax, q, stages, smoothingHz, hop, dtype });

  const initialState = (): CochleaState =>
    Object.freeze({ delays: new Float64Array(channels * stages * 2), envelope: new Float64Array(channels), phase: 0 });

  const run = (samples: ArrayLike<number>, state: CochleaState = initialState()): readonly [Tensor, CochleaState] => {
    if (samples === null || typeof samples !== 'object' || typeof samples.length !== 'number') {
      throw new SpikeflowError('cochlea.run', 'samples', `samples must be an array of numbers, received ${show(samples)}`);
    }
    if (state.delays?.length !== channels * stages * 2 || state.envelope?.length !== channels || !(state.phase >= 0 && state.phase < hop)) {
      throw new SpikeflowError(
        'cochlea.run',
        'state',
        `state does not belong to this ${channels}-channel, ${stages}-stage, hop-${hop} cochlea`,
      );
    }
    const n = samples.length;
    for (let k = 0; k < n; k++) {
      if (!Number.isFinite(samples[k]))
        throw new SpikeflowError('cochlea.run', 'samples', `samples[${k}] must be finite, received ${show(samples[k])}`);
    }
    const T = Math.floor((state.phase + n) / hop);
    const out = allocate(dtype, T * channels);
    const delays = Float64Array.from(state.delays);
    const env = Float64Array.from(state.envelope);
    for (let c = 0; c < channels; c++) {
      const [b0, b1, b2, a1, a2] = coefficients.subarray(5 * c, 5 * c + 5) as unknown as [number, number, number, number, number];
      let e = env[c] as number;
      let phase = state.phase;
      let t = 0;
      const d = 2 * stages * c;
      for (let k = 0; k < n; k++) {
        let y = samples[k] as number;
        for (let s = 0; s < stages; s++) {
          const z1 = delays[d + 2 * s] as number;
          const z2 = delays[d + 2 * s + 1] as number;
          const x = y;
          y = b0 * x + z1;
          delays[d + 2 * s] = b1 * x - a1 * y + z2;
          delays[d + 2 * s + 1] = b2 * x - a2 * y;
        }
        e += beta * (Math.max(y, 0) - e);
        if (++phase === hop) {
          phase = 0;
          out[t++ * channels + c] = e;
        }
      }
      env[c] = e;
    }
    const phase = (state.phase + n) % hop;
    return [fromTypedArray(out, [T, 1, channels]), Object.freeze({ delays, envelope: env, phase })];
  };

  return Object.freeze({ parameters, centres, coefficients, initialState, run });
};
