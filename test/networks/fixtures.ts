/**
 * Networks shared by the backend-equality tests (js = threads, js = gpu): each takes the backend
 * to run on, so one description is compared across backends.
 */

import {
  conductancePort,
  currentDrive,
  fixedProbability,
  normalDist,
  pointLif,
  population,
  projection,
  type SpikingNetwork,
  spikingNetwork,
  uniformDist,
} from '../../src/index.js';
import type { Backend } from '../../src/ops/backends/backendRegistry.js';

/**
 * A COBA-style population of `n` point LIF neurons onto itself: per-neuron thresholds and leak
 * (normal distributions), conductance ports, per-synapse weights and delays, a 10 Hz sinusoidal
 * external current; seed 5, dt 0.1 ms.
 */
export const cobaPerNeuron = (n: number, backend: string | Backend): SpikingNetwork =>
  spikingNetwork({
    dt: 1e-4,
    seed: 5,
    backend,
    populations: {
      P: population(pointLif, n, {
        params: { tauMemInv: 50, vLeak: normalDist(-60, 1), vTh: normalDist(-50, 1), vReset: -60 },
        init: { v: normalDist(-55, 5), ge: normalDist(4, 1.5), gi: normalDist(20, 12) },
        refractory: 0.005,
        ports: { ge: conductancePort(0.005, 0), gi: conductancePort(0.01, -80) },
      }),
    },
    projections: [
      projection('P', 'P', { connect: fixedProbability(0.1), port: 'ge', weight: normalDist(0.6, 0.1), delay: uniformDist(0, 0.003) }),
      projection('P', 'P', { connect: fixedProbability(0.05), port: 'gi', weight: 3 }),
    ],
    drives: [currentDrive('P', (t: number) => 12 + 5 * Math.sin(2 * Math.PI * 10 * t))],
  });
