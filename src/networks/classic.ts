/**
 * The classic benchmark networks, built with {@link spikingNetwork}: CUBA and COBA of Brette et
 * al. (2007) (the Vogels & Abbott 2005 network) and Brunel's (2000) sparse E/I network with
 * delays. Examples, tests and benchmarks share these builders; Brian2's versions of the same
 * networks are in `bench/brian_networks.py`.
 * @module
 */
import type { BackendChoice } from '../ops/backends/backendRegistry.js';
import { fixedInDegree, fixedProbability } from './connect.js';
import { normalDist, uniformDist } from './distributions.js';
import { poissonInput } from './drives.js';
import { type SpikingNetwork, spikingNetwork } from './network.js';
import { pointLif } from './pointLif.js';
import { conductancePort, currentPort, deltaPort, type PortDecay, population } from './population.js';
import { projection } from './projection.js';

/** Options shared by the CUBA and COBA builders. */
export interface VogelsAbbottOptions {
  /** Number of neurons (default 4000), 80 % excitatory. */
  readonly n?: number;
  /** Connection probability (default 0.02); with {@link VogelsAbbottOptions.inDegree} a fixed in-degree instead. */
  readonly p?: number;
  /** Fixed in-degree per source population and target (e.g. 80 and 20 for scaling runs); overrides `p`. */
  readonly inDegree?: { readonly e: number; readonly i: number };
  /** Time step (default 0.1 ms, Brian2's default). */
  readonly dt?: number;
  /** Seed (default 1). */
  readonly seed?: number;
  /** State monitors (see {@link SpikingNetworkSpec.monitors}). */
  readonly monitors?: Parameters<typeof spikingNetwork>[0]['monitors'];
  /** Backend (see {@link SpikingNetworkSpec.backend}; default `auto`). */
  readonly backend?: BackendChoice;
  /**
   * How the synaptic ports decay (default `exact`; see `PortDecay`): `euler` is what Brian2's
   * `method='euler'` does (COBA in `bench/brian_networks.py`). COBA with these weights is
   * bistable: from the same initial state and synapses, `exact` recovers from the initial burst
   * and sustains ~20 Hz, `euler` falls silent (as Brian2's run does).
   */
  readonly synapseDecay?: PortDecay;
}

const vaProjections = (n: number, o: VogelsAbbottOptions, we: number, wi: number) => {
  const nE = Math.round(0.8 * n);
  const connect = (from: 'E' | 'I') =>
    o.inDegree === undefined ? fixedProbability(o.p ?? 0.02) : fixedInDegree(from === 'E' ? o.inDegree.e : o.inDegree.i);
  return {
    nE,
    projections: (['E', 'I'] as const).flatMap((to) => [
      projection('E', to, { connect: connect('E'), port: 'ge', weight: we, autapses: true }),
      projection('I', to, { connect: connect('I'), port: 'gi', weight: wi, autapses: true }),
    ]),
  };
};

/**
 * CUBA (Brette et al. 2007, Brian2's `examples/CUBA.py`): 4000 point LIF neurons (τ_m 20 ms,
 * E_l −49 mV, threshold −50 mV, reset −60 mV, refractory 5 ms), current synapses τ_e 5 ms,
 * τ_i 10 ms with w_e = 1.62 mV, w_i = −9 mV, connection probability 2 %, initial `v` uniform in
 * [−60, −50) mV; self-sustained, no external input. Source of every constant: Brian2 `CUBA.py`.
 */
export const cubaNetwork = (o: VogelsAbbottOptions = {}): SpikingNetwork => {
  const n = o.n ?? 4000;
  const { nE, projections } = vaProjections(n, o, (60 * 0.27) / 10, (-20 * 4.5) / 10);
  const pop = (size: number) =>
    population(pointLif, size, {
      params: { tauMemInv: 1 / 0.02, vLeak: -49, vTh: -50, vReset: -60, integration: 'exact' },
      init: { v: uniformDist(-60, -50) },
      refractory: 0.005,
      ports: { ge: currentPort(0.005, o.synapseDecay), gi: currentPort(0.01, o.synapseDecay) },
    });
  return spikingNetwork({
    dt: o.dt ?? 1e-4,
    seed: o.seed ?? 1,
    populations: { E: pop(nE), I: pop(n - nE) },
    projections,
    ...(o.monitors === undefined ? {} : { monitors: o.monitors }),
    ...(o.backend === undefined ? {} : { backend: o.backend }),
  });
};

/**
 * COBA (Brette et al. 2007, benchmark 1): 4000 point LIF neurons (τ_m 20 ms, E_l −60 mV,
 * threshold −50 mV, reset −60 mV, refractory 5 ms), conductance synapses relative to the leak
 * (τ_e 5 ms, E_e 0 mV, w_e 0.6; τ_i 10 ms, E_i −80 mV, w_i 6.7), connection probability 2 %,
 * initial `v` normal(−55, 5) mV, g_e normal(4, 1.5), g_i normal(20, 12) (relative, as the weights).
 * Source: Brette et al. (2007) Appendix B; Brian's `COBA.py` benchmark (`P.ge = randn()*1.5 + 4`, `P.gi = randn()*12 + 20`).
 */
export const cobaNetwork = (o: VogelsAbbottOptions = {}): SpikingNetwork => {
  const n = o.n ?? 4000;
  const { nE, projections } = vaProjections(n, o, 0.6, 6.7);
  const pop = (size: number) =>
    population(pointLif, size, {
      params: { tauMemInv: 1 / 0.02, vLeak: -60, vTh: -50, vReset: -60 },
      init: { v: normalDist(-55, 5), ge: normalDist(4, 1.5), gi: normalDist(20, 12) },
      refractory: 0.005,
      ports: { ge: conductancePort(0.005, 0, o.synapseDecay), gi: conductancePort(0.01, -80, o.synapseDecay) },
    });
  return spikingNetwork({
    dt: o.dt ?? 1e-4,
    seed: o.seed ?? 1,
    populations: { E: pop(nE), I: pop(n - nE) },
    projections,
    ...(o.monitors === undefined ? {} : { monitors: o.monitors }),
    ...(o.backend === undefined ? {} : { backend: o.backend }),
  });
};

/** Options of {@link brunelNetwork}. */
export interface BrunelOptions {
  /** Relative strength of inhibition g (default 5). */
  readonly g?: number;
  /** External rate relative to the threshold rate, ν_ext/ν_thr (default 2). */
  readonly nuExtOverNuThr?: number;
  /** Excitatory neurons (default 4000); N_I = N_E/4. */
  readonly nE?: number;
  /**
   * Excitatory in-degree C_E (default ε·N_E with Brunel's ε = 0.1: 1000 at his N_E = 10 000, 400
   * at 4000): every neuron receives C_E excitatory and C_I = C_E/4 inhibitory synapses (fixed
   * in-degree) and C_ext = C_E external sources. Keep the network sparse: at N_E 4000 a C_E of
   * 1000 (ε = 0.25) makes the AI point markedly more regular (CV 0.40 against 0.72 at ε = 0.1).
   */
  readonly cE?: number;
  /** Synaptic efficacy J in mV (default 100/C_E, so that J·C_E = 100 mV as Brunel's 0.1 mV × 1000). */
  readonly j?: number;
  /** Transmission delay in seconds (default 1.5 ms). */
  readonly delay?: number;
  /** Time step (default 0.1 ms). */
  readonly dt?: number;
  /** Seed (default 1). */
  readonly seed?: number;
  /** Backend (see {@link SpikingNetworkSpec.backend}; default `auto`). */
  readonly backend?: BackendChoice;
}

/**
 * Brunel (2000) model A (defaults: his ε = 0.1, J·C_E = 100 mV): N_E excitatory and N_E/4 inhibitory point neurons (τ 20 ms, θ 20 mV,
 * V_r 10 mV, τ_rp 2 ms, resting at 0), delta synapses (`v += J`, inhibitory `−g·J`) with fixed
 * in-degrees C_E, C_I = C_E/4 and delay D = 1.5 ms, and C_ext = C_E external Poisson
 * sources of ν_ext = (ν_ext/ν_thr)·θ/(J·C_E·τ) each (Brian2's `PoissonInput`). Regimes (Brunel's
 * Fig. 8): SR g 3, ν 2; AI g 5, ν 2; SI fast g 6, ν 4; SI slow g 4.5, ν 0.9.
 * Source: Brunel (2000), J Comput Neurosci 8:183; Brian2 `examples/frompapers/Brunel_2000.py`.
 */
export const brunelNetwork = (o: BrunelOptions = {}): SpikingNetwork => {
  const nE = o.nE ?? 4000;
  const nI = Math.round(nE / 4);
  const cE = o.cE ?? Math.max(1, Math.round(0.1 * nE));
  const cI = Math.round(cE / 4);
  const J = o.j ?? 100 / cE;
  const g = o.g ?? 5;
  const tau = 0.02;
  const theta = 20;
  const nuThr = theta / (J * cE * tau);
  const nuExt = (o.nuExtOverNuThr ?? 2) * nuThr;
  const D = o.delay ?? 0.0015;
  const dt = o.dt ?? 1e-4;
  const pop = (size: number) =>
    population(pointLif, size, {
      params: { tauMemInv: 1 / tau, vLeak: 0, vTh: theta, vReset: 10, integration: 'exact' },
      init: { v: 10 },
      refractory: 0.002,
      ports: { syn: deltaPort() },
    });
  // Brian2's delay D acts D after the spike; here a delay d acts at step s + 1 + round(d/dt).
  const delay = Math.max(0, D - dt);
  return spikingNetwork({
    dt,
    seed: o.seed ?? 1,
    populations: { E: pop(nE), I: pop(nI) },
    projections: (['E', 'I'] as const).flatMap((to) => [
      projection('E', to, { connect: fixedInDegree(cE), port: 'syn', weight: J, delay }),
      projection('I', to, { connect: fixedInDegree(cI), port: 'syn', weight: -g * J, delay }),
    ]),
    drives: (['E', 'I'] as const).map((to) => poissonInput(to, { port: 'syn', n: cE, rate: nuExt, weight: J })),
    ...(o.backend === undefined ? {} : { backend: o.backend }),
  });
};
