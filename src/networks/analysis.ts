/**
 * Analysis of network activity: mean rates, irregularity (CV of inter-spike intervals),
 * synchrony (Golomb's χ), binned population rates and their power spectrum, and spike lists
 * gathered over chunks (for the D3 sinks too, as spike tensors).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import { checkPositiveInteger } from '../ops/validate.js';
import type { NetworkChunk, SpikeList } from './network.js';

const checkPositive = (where: string, argument: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new SpikeflowError(where, argument, `${argument} must be > 0, received ${show(v)}`);
  return v;
};

/**
 * The spikes of population `pop` over several chunks, concatenated in time order.
 * @throws SpikeflowError when a chunk has no population `pop`
 */
export const mergeSpikes = (chunks: readonly NetworkChunk[], pop: string): SpikeList => {
  let total = 0;
  for (const c of chunks) {
    const s = c.spikes[pop];
    if (s === undefined)
      throw new SpikeflowError(
        'mergeSpikes',
        'pop',
        `no population ${JSON.stringify(pop)} in the chunk (populations: ${Object.keys(c.spikes).join(', ')})`,
      );
    total += s.i.length;
  }
  const i = new Int32Array(total);
  const step = new Int32Array(total);
  let at = 0;
  for (const c of chunks) {
    const s = c.spikes[pop] as SpikeList;
    i.set(s.i, at);
    step.set(s.step, at);
    at += s.i.length;
  }
  return { i, step };
};

/**
 * Mean firing rate in Hz: spikes / (n · duration).
 * @param spikes - spike list (indices, steps)
 * @param n - neurons in the population
 * @param duration - seconds observed (> 0)
 */
export const meanRate = (spikes: SpikeList, n: number, duration: number): number =>
  spikes.i.length / (checkPositiveInteger('meanRate', 'n', n) * checkPositive('meanRate', 'duration', duration));

/**
 * Coefficient of variation of the inter-spike intervals, averaged over the neurons with at least
 * `minSpikes` spikes (default 3): `std(ISI) / mean(ISI)` per neuron. 0 for a clock, about 1 for
 * Poisson firing (Brunel 2000 uses it to tell regular from irregular regimes). NaN when no neuron
 * qualifies.
 */
export const isiCv = (spikes: SpikeList, n: number, minSpikes = 3): number => {
  checkPositiveInteger('isiCv', 'n', n);
  const last = new Float64Array(n).fill(-1);
  const count = new Float64Array(n);
  const sum = new Float64Array(n);
  const sum2 = new Float64Array(n);
  for (let k = 0; k < spikes.i.length; k++) {
    const i = spikes.i[k] as number;
    const s = spikes.step[k] as number;
    if ((last[i] as number) >= 0) {
      const d = s - (last[i] as number);
      count[i] = (count[i] as number) + 1;
      sum[i] = (sum[i] as number) + d;
      sum2[i] = (sum2[i] as number) + d * d;
    }
    last[i] = s;
  }
  let total = 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const c = count[i] as number;
    if (c + 1 < minSpikes || c < 1) continue;
    const mean = (sum[i] as number) / c;
    const variance = Math.max(0, (sum2[i] as number) / c - mean * mean);
    total += Math.sqrt(variance) / mean;
    used++;
  }
  return used === 0 ? Number.NaN : total / used;
};

/**
 * Population rate in Hz in bins of `bin` steps over `[start, start + steps)` (absolute steps):
 * spikes in the bin / (n · bin · dt).
 */
export const binnedRate = (spikes: SpikeList, n: number, dt: number, bin: number, start: number, steps: number): Float64Array => {
  checkPositiveInteger('binnedRate', 'n', n);
  checkPositive('binnedRate', 'dt', dt);
  checkPositiveInteger('binnedRate', 'bin', bin);
  const bins = Math.floor(steps / bin);
  const out = new Float64Array(bins);
  for (let k = 0; k < spikes.step.length; k++) {
    const b = Math.floor(((spikes.step[k] as number) - start) / bin);
    if (b >= 0 && b < bins) out[b] = (out[b] as number) + 1;
  }
  const scale = 1 / (n * bin * dt);
  for (let b = 0; b < bins; b++) out[b] = (out[b] as number) * scale;
  return out;
};

/**
 * Golomb's synchrony measure χ (Golomb 2007, Scholarpedia "Neuronal synchrony measures"):
 * `χ² = Var_t(mean_i c_i(t)) / mean_i Var_t(c_i(t))` over spike counts `c_i` in bins of `bin`
 * steps, in `[0, 1]`: about `1/√n` for independent neurons, 1 for identical ones. Computed on the
 * first `sample` neurons (default all).
 */
export const synchrony = (spikes: SpikeList, n: number, bin: number, start: number, steps: number, sample = n): number => {
  checkPositiveInteger('synchrony', 'n', n);
  checkPositiveInteger('synchrony', 'bin', bin);
  const m = Math.min(n, checkPositiveInteger('synchrony', 'sample', sample));
  const bins = Math.floor(steps / bin);
  if (bins < 2) return Number.NaN;
  const counts = new Float64Array(m * bins);
  for (let k = 0; k < spikes.i.length; k++) {
    const i = spikes.i[k] as number;
    if (i >= m) continue;
    const b = Math.floor(((spikes.step[k] as number) - start) / bin);
    if (b >= 0 && b < bins) counts[i * bins + b] = (counts[i * bins + b] as number) + 1;
  }
  const pop = new Float64Array(bins);
  let sumVar = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    let s2 = 0;
    for (let b = 0; b < bins; b++) {
      const c = counts[i * bins + b] as number;
      s += c;
      s2 += c * c;
      pop[b] = (pop[b] as number) + c / m;
    }
    sumVar += s2 / bins - (s / bins) ** 2;
  }
  let s = 0;
  let s2 = 0;
  for (let b = 0; b < bins; b++) {
    s += pop[b] as number;
    s2 += (pop[b] as number) ** 2;
  }
  const varPop = s2 / bins - (s / bins) ** 2;
  const meanVar = sumVar / m;
  return meanVar > 0 ? Math.sqrt(Math.max(0, varPop) / meanVar) : Number.NaN;
};

/** Power spectrum of a signal: frequencies (Hz) and power, plus the frequency of the largest non-zero peak. */
export interface Spectrum {
  readonly frequency: Float64Array;
  readonly power: Float64Array;
  /** Frequency (Hz) of the largest power above 0 Hz. */
  readonly peak: number;
}

/**
 * Power spectrum of a rate signal sampled every `dt` seconds (mean removed, zero-padded to a power
 * of two, radix-2 FFT): `|X(f)|²/len`, for f in `[0, 1/(2·dt)]`.
 * @param signal - e.g. a population rate per step or per bin
 * @param dt - sampling interval in seconds (> 0)
 * @throws SpikeflowError (`signal`, `dt`) for fewer than 2 samples or a `dt` not > 0
 */
export const rateSpectrum = (signal: ArrayLike<number>, dt: number): Spectrum => {
  checkPositive('rateSpectrum', 'dt', dt);
  const len = signal.length;
  if (len < 2) throw new SpikeflowError('rateSpectrum', 'signal', `signal must have at least 2 samples, received ${len}`);
  let size = 1;
  while (size < len) size *= 2;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let mean = 0;
  for (let k = 0; k < len; k++) mean += signal[k] as number;
  mean /= len;
  for (let k = 0; k < len; k++) re[k] = (signal[k] as number) - mean;
  fft(re, im);
  const half = size / 2 + 1;
  const frequency = new Float64Array(half);
  const power = new Float64Array(half);
  let peak = 0;
  let best = -1;
  for (let k = 0; k < half; k++) {
    frequency[k] = k / (size * dt);
    power[k] = ((re[k] as number) ** 2 + (im[k] as number) ** 2) / len;
    if (k > 0 && (power[k] as number) > best) {
      best = power[k] as number;
      peak = frequency[k] as number;
    }
  }
  return { frequency, power, peak };
};

/** In-place iterative radix-2 FFT (Cooley–Tukey); `re.length` is a power of two. */
const fft = (re: Float64Array, im: Float64Array): void => {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
};

/**
 * The spikes of one population in a chunk as a dense tensor `[T, 1, N]` (0/1), what the D3 sinks
 * (`raster`, `rate`) draw: `raster().value((s) => spikeTensor(s.chunk, 'E', 4000))`.
 * @param n - the population's size
 * @throws SpikeflowError (`pop`, `n`) for a population not in the chunk or a size that is not a positive integer
 */
export const spikeTensor = (chunk: NetworkChunk, pop: string, n: number): Tensor => {
  const s = chunk.spikes[pop];
  if (s === undefined)
    throw new SpikeflowError(
      'spikeTensor',
      'pop',
      `no population ${JSON.stringify(pop)} in the chunk (populations: ${Object.keys(chunk.spikes).join(', ')})`,
    );
  checkPositiveInteger('spikeTensor', 'n', n);
  const d = new Float32Array(chunk.steps * n);
  for (let k = 0; k < s.i.length; k++) d[((s.step[k] as number) - chunk.start) * n + (s.i[k] as number)] = 1;
  return fromTypedArray(d, [chunk.steps, 1, n]);
};

/** What a Brunel run's activity measures say, and the regime they place it in. */
export interface BrunelRegime {
  readonly regime: 'SR' | 'AI' | 'SI fast' | 'SI slow';
  readonly rate: number;
  readonly cv: number;
  readonly synchrony: number;
  readonly peak: number;
}

/**
 * Places a run of Brunel's network in one of its four regimes from measured activity (Brunel
 * 2000, Fig. 8, whose population activity is flat in AI, oscillates near 1/(4·D) ≈ 170 Hz in SI
 * fast and at 20–40 Hz in SI slow):
 * - SR (synchronous regular): regular neurons (`cv < 0.5`) and strong synchrony (`χ ≥ 0.35`);
 * - SI fast: synchrony `χ ≥ syncThreshold` with the rate spectrum's peak at 150 Hz or above;
 * - SI slow: synchrony `χ ≥ syncThreshold` with the peak below 60 Hz;
 * - AI (asynchronous irregular): otherwise.
 * χ is expected over 2 ms bins ({@link synchrony} with `bin` = 2 ms / dt). In small networks
 * (N_E ≈ 1000) finite-size fluctuations give AI a χ near 0.2 as well, and it is the lack of an
 * oscillation in the SI bands that tells it from SI; the thresholds were read off runs of
 * `brunelNetwork` at N_E 1000 (C_E 250, J 0.4 mV) and N_E 4000 (C_E 1000, J 0.1 mV).
 * @param m - mean rate (Hz), CV of ISIs, synchrony χ, population-rate spectral peak (Hz)
 */
export const classifyBrunel = (m: { rate: number; cv: number; synchrony: number; peak: number }, syncThreshold = 0.2): BrunelRegime => {
  const synchronous = m.synchrony >= syncThreshold;
  const regime =
    m.cv < 0.5 && m.synchrony >= 0.35 ? 'SR' : synchronous && m.peak >= 150 ? 'SI fast' : synchronous && m.peak < 60 ? 'SI slow' : 'AI';
  return { regime, rate: m.rate, cv: m.cv, synchrony: m.synchrony, peak: m.peak };
};
