/**
 * The stimulation protocols of Izhikevich (2004), *Which model to use for cortical spiking
 * neurons?*, IEEE Trans. Neural Netw. 15:1063, Fig. 1, as its MATLAB script `figure1.m` runs
 * them: for each of the 20 behaviours, the step `τ` (ms), the duration, the input current `I(t)`
 * and the parameters that reproduce the panel with {@link izhikevich}.
 *
 * `figure1.m` steps `t = 0, τ, 2τ, …, duration` (`duration/τ + 1` steps) and at each step computes
 * `I(t)`, then `v += τ·(0.04v² + 5v + 140 − u + I)` (4.1 and 108 for panels G and L),
 * `u += τ·a·(b·v − u)` with the new `v` (panel R: `u += τ·a·b·(v + 65)`), and resets `v = c`,
 * `u += d` when `v > 30`. With `dt = 1 ms` and `tauInv = 1000·τ`, spikeflow's step is the same
 * update: pass `parameters` (which select `updateOrder: 'izhikevich'`; override it with `'norse'`
 * to see Norse's order) and feed `input(k·τ)` at step `k` (see {@link izhikevichFigure1Input}).
 *
 * The initial state is the behaviour's (`v = vRest`, `u = uRest·b`, as in `figure1.m`, rounded to
 * float32 as Norse does). `figure1.m`'s parameter values are Norse's named behaviours, except the
 * step of panels I, S, T (0.2, 0.5, 0.5 ms; Norse's behaviours use 0.25) and the recovery equation
 * of panel R (accommodation), expressed with `uLeak: 0`, `uOffset: −65`.
 *
 * Which behaviours show (tested in `test/neurons/izhikevich.test.ts`, each judged by the paper's
 * description of its panel): with `updateOrder: 'izhikevich'` all 20, with the same spike count
 * and first spike as `figure1.m`; with Norse's order (`'norse'`) the 16 of
 * {@link IZHIKEVICH_NORSE_ORDER_HOLDS} — bistability (the second pulse does not stop the firing),
 * DAP (4 spikes, not 1) and inhibition-induced spiking and bursting (firing goes on after the
 * input returns) do not. With Norse's behaviour presets' own `tauInv` (0.25 ms for panels I, S, T
 * instead of 0.2, 0.5, 0.5) spike latency and both inhibition-induced behaviours fail in either order.
 * Source: E. M. Izhikevich, `figure1.m` (izhikevich.org/publications/figure1.m), November 2003.
 * @module
 */
import type { IzhikevichBehaviorName } from './izhikevich.js';

/** One panel of Fig. 1: its protocol and the parameters that run it. */
export interface IzhikevichProtocol {
  /** Panel letter in Fig. 1 (A–T). */
  readonly panel: string;
  /** Panel title in `figure1.m`. */
  readonly title: string;
  /** Step τ in ms (`dt` = 1 ms with `tauInv` = 1000·τ). */
  readonly tau: number;
  /** Duration in ms; the run has `duration/τ + 1` steps, at `t = k·τ`. */
  readonly duration: number;
  /** Input current at time `t` (ms), as `figure1.m` computes it. */
  readonly input: (t: number) => number;
  /** Parameters for `izhikevich.run(parameters, 0.001)`. */
  readonly parameters: {
    readonly behavior: Exclude<IzhikevichBehaviorName, 'custom'>;
    readonly tauInv: number;
    readonly updateOrder: 'izhikevich';
    readonly uLeak?: number;
    readonly uOffset?: number;
  };
}

const within = (t: number, from: number, width: number): boolean => t > from && t < from + width;

const protocol = (
  panel: string,
  title: string,
  behavior: Exclude<IzhikevichBehaviorName, 'custom'>,
  tau: number,
  duration: number,
  input: (t: number) => number,
  extra: { uLeak?: number; uOffset?: number } = {},
): IzhikevichProtocol =>
  Object.freeze({
    panel,
    title,
    tau,
    duration,
    input,
    parameters: Object.freeze({ behavior, tauInv: 1000 * tau, updateOrder: 'izhikevich' as const, ...extra }),
  });

/** The 20 protocols of Fig. 1, keyed by Norse's behaviour names (its spelling `accomodation`). */
export const izhikevichFigure1 = Object.freeze({
  tonic_spiking: protocol('A', 'tonic spiking', 'tonic_spiking', 0.25, 100, (t) => (t > 10 ? 14 : 0)),
  phasic_spiking: protocol('B', 'phasic spiking', 'phasic_spiking', 0.25, 200, (t) => (t > 20 ? 0.5 : 0)),
  tonic_bursting: protocol('C', 'tonic bursting', 'tonic_bursting', 0.25, 220, (t) => (t > 22 ? 15 : 0)),
  phasic_bursting: protocol('D', 'phasic bursting', 'phasic_bursting', 0.2, 200, (t) => (t > 20 ? 0.6 : 0)),
  mixed_mode: protocol('E', 'mixed mode', 'mixed_mode', 0.25, 160, (t) => (t > 16 ? 10 : 0)),
  spike_frequency_adaptation: protocol('F', 'spike freq. adapt', 'spike_frequency_adaptation', 0.25, 85, (t) => (t > 8.5 ? 30 : 0)),
  class_1_exc: protocol('G', 'Class 1 excitable', 'class_1_exc', 0.25, 300, (t) => (t > 30 ? 0.075 * (t - 30) : 0)),
  class_2_exc: protocol('H', 'Class 2 excitable', 'class_2_exc', 0.25, 300, (t) => (t > 30 ? -0.5 + 0.015 * (t - 30) : -0.5)),
  spike_latency: protocol('I', 'spike latency', 'spike_latency', 0.2, 100, (t) => (within(t, 10, 3) ? 7.04 : 0)),
  subthreshold_oscillation: protocol('J', 'subthreshold osc.', 'subthreshold_oscillation', 0.25, 200, (t) => (within(t, 20, 5) ? 2 : 0)),
  resonator: protocol('K', 'resonator', 'resonator', 0.25, 400, (t) => ([40, 60, 280, 320].some((from) => within(t, from, 4)) ? 0.65 : 0)),
  integrator: protocol('L', 'integrator', 'integrator', 0.25, 100, (t) =>
    [100 / 11, 100 / 11 + 5, 70, 80].some((from) => within(t, from, 2)) ? 9 : 0,
  ),
  rebound_spike: protocol('M', 'rebound spike', 'rebound_spike', 0.2, 200, (t) => (within(t, 20, 5) ? -15 : 0)),
  rebound_burst: protocol('N', 'rebound burst', 'rebound_burst', 0.2, 200, (t) => (within(t, 20, 5) ? -15 : 0)),
  threshold_variability: protocol('O', 'thresh. variability', 'threshold_variability', 0.25, 100, (t) =>
    within(t, 10, 5) || within(t, 80, 5) ? 1 : within(t, 70, 5) ? -6 : 0,
  ),
  bistability: protocol('P', 'bistability', 'bistability', 0.25, 300, (t) => (within(t, 37.5, 5) || within(t, 216, 5) ? 1.24 : 0.24)),
  dap: protocol('Q', 'DAP', 'dap', 0.1, 50, (t) => (Math.abs(t - 10) < 1 ? 20 : 0)),
  accomodation: protocol(
    'R',
    'accomodation',
    'accomodation',
    0.5,
    400,
    (t) => (t < 200 ? t / 25 : t < 300 ? 0 : t < 312.5 ? ((t - 300) / 12.5) * 4 : 0),
    { uLeak: 0, uOffset: -65 },
  ),
  inhibition_induced_spiking: protocol('S', 'inh. induced sp.', 'inhibition_induced_spiking', 0.5, 350, (t) =>
    t < 50 || t > 250 ? 80 : 75,
  ),
  inhibition_induced_bursting: protocol('T', 'inh. induced brst.', 'inhibition_induced_bursting', 0.5, 350, (t) =>
    t < 50 || t > 250 ? 80 : 75,
  ),
} satisfies Record<Exclude<IzhikevichBehaviorName, 'custom'>, IzhikevichProtocol>);

/**
 * The input of a protocol as a `[T, 1, 1]`-ready array: `input(k·τ)` for `k = 0 … duration/τ`
 * (`figure1.m`'s `tspan = 0:τ:duration`).
 */
export const izhikevichFigure1Input = (p: IzhikevichProtocol): Float64Array => {
  const n = Math.round(p.duration / p.tau) + 1;
  return Float64Array.from({ length: n }, (_, k) => p.input(k * p.tau));
};

/**
 * The behaviours of Fig. 1 that also show under Norse's update order (`updateOrder: 'norse'`,
 * `u` from the old `v`) with the protocol's `tauInv`: all but `bistability`, `dap`,
 * `inhibition_induced_spiking` and `inhibition_induced_bursting`.
 */
export const IZHIKEVICH_NORSE_ORDER_HOLDS: readonly (keyof typeof izhikevichFigure1)[] = Object.freeze(
  (Object.keys(izhikevichFigure1) as (keyof typeof izhikevichFigure1)[]).filter(
    (k) => !['bistability', 'dap', 'inhibition_induced_spiking', 'inhibition_induced_bursting'].includes(k),
  ),
);
