/**
 * What each behaviour of Izhikevich (2004), Fig. 1, looks like in spike times (ms), as the paper
 * describes it, and a replica of `figure1.m`'s loop (float64, its own initial state) that gives
 * the reference spike times. Shared by the Izhikevich tests.
 */
import { izhikevichBehaviors } from '../../src/neurons/izhikevich.js';
import { type IzhikevichProtocol, izhikevichFigure1, izhikevichFigure1Input } from '../../src/neurons/izhikevichFigure1.js';

type Name = keyof typeof izhikevichFigure1;

/** `figure1.m`'s loop for one panel: spike times in ms. */
export const figure1Reference = (name: Name): number[] => {
  const p: IzhikevichProtocol = izhikevichFigure1[name];
  const b = izhikevichBehaviors[name];
  let v = b.vRest;
  let u = b.uRest * b.b;
  const xs = izhikevichFigure1Input(p);
  const spikes: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    v = v + p.tau * (0.04 * v * v + b.mn * v + b.bias - u + (xs[k] as number));
    u = name === 'accomodation' ? u + p.tau * b.a * (b.b * (v + 65)) : u + p.tau * b.a * (b.b * v - u);
    if (v > 30) {
      spikes.push(k * p.tau);
      v = b.c;
      u = u + b.d;
    }
  }
  return spikes;
};

/** Groups of spikes separated by silences longer than `gap` ms. */
const bursts = (t: readonly number[], gap: number): number[][] => {
  const out: number[][] = [];
  for (const s of t) {
    const last = out[out.length - 1];
    if (last !== undefined && s - (last[last.length - 1] as number) <= gap) last.push(s);
    else out.push([s]);
  }
  return out;
};
const isi = (t: readonly number[]): number[] => t.slice(1).map((s, k) => s - (t[k] as number));
const first = (t: readonly number[]): number => t[0] ?? Number.NaN;
const lastOf = (t: readonly number[]): number => t[t.length - 1] ?? Number.NaN;

/**
 * Whether spike times show the behaviour as Izhikevich (2004) describes it under Fig. 1's protocol
 * (the panel's stimulus times are in `izhikevichFigure1.ts`).
 */
export const showsBehaviour: Record<Name, (t: readonly number[]) => boolean> = {
  // (A) fires tonically while the step lasts
  tonic_spiking: (t) => first(t) > 10 && t.length >= 4 && lastOf(t) > 80,
  // (B) a single spike at the onset of the step
  phasic_spiking: (t) => t.length === 1 && first(t) > 20,
  // (C) periodic bursts: at least 3 bursts of at least 2 spikes
  tonic_bursting: (t) => first(t) > 22 && bursts(t, 8).length >= 3 && bursts(t, 8).every((b) => b.length >= 2),
  // (D) one burst at the onset, then silence
  phasic_bursting: (t) => t.length >= 2 && first(t) > 20 && bursts(t, 15).length === 1 && lastOf(t) < 100,
  // (E) a burst at onset, then tonic spikes
  mixed_mode: (t) => first(t) > 16 && (isi(t)[0] as number) < 5 && lastOf(isi(t)) > 20,
  // (F) the interspike interval grows
  spike_frequency_adaptation: (t) => t.length >= 4 && lastOf(isi(t)) > 3 * (isi(t)[0] as number),
  // (G) fires on a ramp with a rate that grows from low values
  class_1_exc: (t) => first(t) > 30 && t.length >= 5 && lastOf(isi(t)) < (isi(t)[0] as number),
  // (H) fires on a ramp, starting at a non-zero rate
  class_2_exc: (t) => first(t) > 30 && t.length >= 5 && (isi(t)[0] as number) < 30,
  // (I) a single spike well after the 3 ms pulse that caused it
  spike_latency: (t) => t.length === 1 && first(t) > 13 + 5,
  // (J) one spike after the pulse (then sub-threshold oscillations)
  subthreshold_oscillation: (t) => t.length === 1 && first(t) > 20,
  // (K) only the pair of pulses at the resonant interval (40 ms) makes it fire
  resonator: (t) => t.length === 1 && first(t) > 320,
  // (L) only the closely spaced pair (5 ms) makes it fire
  integrator: (t) => t.length === 1 && first(t) > 100 / 11 + 5 && first(t) < 70,
  // (M) a single spike after the inhibitory pulse ends
  rebound_spike: (t) => t.length === 1 && first(t) > 25,
  // (N) one burst after the inhibitory pulse ends
  rebound_burst: (t) => t.length >= 2 && first(t) > 25 && bursts(t, 15).length === 1,
  // (O) the same excitatory pulse fires only after an inhibitory one
  threshold_variability: (t) => t.length === 1 && first(t) > 80,
  // (P) the first pulse starts tonic firing, the second stops it
  bistability: (t) => t.length >= 3 && first(t) > 37.5 && lastOf(t) < 221,
  // (Q) a single spike followed by a depolarised after-potential, no second spike
  dap: (t) => t.length === 1 && first(t) > 9,
  // (R) no spike on the slow ramp, one on the fast ramp
  accomodation: (t) => t.length === 1 && first(t) >= 300 && first(t) < 312.5,
  // (S) spikes only while the input is lowered (50–250 ms)
  inhibition_induced_spiking: (t) => t.length >= 2 && first(t) > 50 && lastOf(t) <= 250,
  // (T) bursts only while the input is lowered (50–250 ms)
  inhibition_induced_bursting: (t) => t.length >= 4 && first(t) > 50 && lastOf(t) <= 250 && bursts(t, 8).some((b) => b.length >= 2),
};
