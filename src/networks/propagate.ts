/**
 * The event-driven part of a network step, in tight typed-array loops: a projection adds the
 * weights of its presynaptic spikes' CSR rows into the target port's ring buffer (cost: spikes ×
 * fan-out), and the external drives add their step's input (Poisson counts, binomial
 * `PoissonInput`, currents, stream rows). Ring buffers are laid out as in `PopulationRuntime` (`ops/backends/backendRegistry.ts`): row
 * `r = s mod L` of `stride` elements holds what arrives at step `s`.
 * @module
 */
import type { PopulationRuntime } from '../ops/backends/backendRegistry.js';
import { SpikeflowError, show } from '../ops/errors.js';
import type { Drive } from './drives.js';
import { binomialSample, poissonSample, type RngState } from './fastRandom.js';
import type { CompiledProjection } from './projection.js';

/** A drive with its target population and port (−1: the external current). */
export interface CompiledDrive {
  readonly drive: Drive;
  readonly pop: number;
  readonly port: number;
}

/**
 * Adds the spikes `spk[0..count)` of step `g` through projection `pr` into `ring` (`L` rows of
 * `stride`); returns the synaptic events delivered. A spike of step `g` with delay `d` steps lands
 * in row `(g + d) mod L`.
 */
export const propagate = (
  pr: CompiledProjection,
  spk: Int32Array,
  count: number,
  ring: Float32Array,
  L: number,
  stride: number,
  g: number,
): number => {
  const { ptr, idx, weights, delays } = pr;
  let events = 0;
  if (delays === undefined) {
    const base = ((g + pr.delaySteps) % L) * stride;
    if (weights === undefined) {
      const w = pr.weight;
      for (let q = 0; q < count; q++) {
        const i = spk[q] as number;
        const start = ptr[i] as number;
        const end = ptr[i + 1] as number;
        events += end - start;
        for (let s = start; s < end; s++) {
          const at = base + (idx[s] as number);
          ring[at] = (ring[at] as number) + w;
        }
      }
    } else {
      for (let q = 0; q < count; q++) {
        const i = spk[q] as number;
        const start = ptr[i] as number;
        const end = ptr[i + 1] as number;
        events += end - start;
        for (let s = start; s < end; s++) {
          const at = base + (idx[s] as number);
          ring[at] = (ring[at] as number) + (weights[s] as number);
        }
      }
    }
    return events;
  }
  const w = pr.weight;
  for (let q = 0; q < count; q++) {
    const i = spk[q] as number;
    const start = ptr[i] as number;
    const end = ptr[i + 1] as number;
    events += end - start;
    for (let s = start; s < end; s++) {
      const at = ((g + (delays[s] as number)) % L) * stride + (idx[s] as number);
      ring[at] = (ring[at] as number) + (weights === undefined ? w : (weights[s] as number));
    }
  }
  return events;
};

/**
 * Collects the indices `i < n` of the neurons that spiked into `spk`; returns how many. `bits` is
 * the step's output (1.0 or 0.0 per neuron) seen as int32 (0 for no spike; +0.0 only, as the
 * update writes), at least `⌈n/4⌉·4` long: four neurons are tested at once, spikes being rare.
 */
export const collectSpikes = (bits: Int32Array, n: number, spk: Int32Array): number => {
  let count = 0;
  for (let b = 0; b < n; b += 4) {
    if (((bits[b] as number) | (bits[b + 1] as number) | (bits[b + 2] as number) | (bits[b + 3] as number)) === 0) continue;
    const end = Math.min(b + 4, n);
    for (let i = b; i < end; i++) if (bits[i] !== 0) spk[count++] = i;
  }
  return count;
};

/**
 * Adds drive `d`'s input of step `g` (chunk step `t`) to its population's runtime.
 * @throws SpikeflowError when a current function returns a non-finite value or the wrong length
 */
export const applyDrive = (
  d: CompiledDrive,
  rt: PopulationRuntime,
  name: string,
  rng: RngState,
  stream: Float32Array | Float64Array | undefined,
  t: number,
  g: number,
  dt: number,
): void => {
  const N = rt.n;
  const drive = d.drive;
  const row = d.port < 0 ? rt.ext : (rt.rings[d.port] as Float32Array);
  const off = d.port < 0 ? 0 : (g % (rt.ringLength[d.port] as number)) * rt.stride;
  if (drive.kind === 'poisson' || drive.kind === 'binomial') {
    const w = drive.weight;
    if (drive.kind === 'poisson') {
      const lambda = drive.n * drive.rate * dt;
      const e = Math.exp(-lambda);
      for (let n = 0; n < N; n++) {
        const c = poissonSample(rng, lambda, e);
        if (c > 0) row[off + n] = (row[off + n] as number) + c * w;
      }
    } else {
      const p = drive.rate * dt;
      const q0 = (1 - p) ** drive.n;
      for (let n = 0; n < N; n++) {
        const c = binomialSample(rng, drive.n, p, q0);
        if (c > 0) row[off + n] = (row[off + n] as number) + c * w;
      }
    }
    return;
  }
  if (drive.kind === 'current') {
    const v = typeof drive.value === 'function' ? drive.value(g * dt) : drive.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw new SpikeflowError(
          'spikingNetwork.run',
          'currentDrive',
          `the current of ${name} at t = ${g * dt} s is not finite: ${show(v)}`,
        );
      for (let n = 0; n < N; n++) row[n] = (row[n] as number) + v;
    } else {
      if (v === null || typeof v !== 'object' || v.length !== N)
        throw new SpikeflowError(
          'spikingNetwork.run',
          'currentDrive',
          `the current of ${name} must be a number or ${N} values, received ${show(v)}`,
        );
      for (let n = 0; n < N; n++) row[n] = (row[n] as number) + (v[n] as number);
    }
    return;
  }
  const data = stream as Float32Array | Float64Array;
  for (let n = 0; n < N; n++) row[off + n] = (row[off + n] as number) + (data[t * N + n] as number);
};
