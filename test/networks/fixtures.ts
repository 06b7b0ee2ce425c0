/**
 * Networks shared by the backend-equality tests (js = threads, js = gpu): each takes the backend
 * to run on, so one description is compared across backends; and the comparison itself.
 */

import { expect } from 'vitest';
import {
  conductancePort,
  currentDrive,
  fixedProbability,
  type NetworkChunk,
  type NetworkState,
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

/** A network state as plain arrays: the bits (as float32) of every state variable, port and buffer, and the refractory counters. */
export const stateBits = (s: NetworkState): number[][] =>
  Object.values(s.populations).flatMap((p) => [
    ...Object.values(p.state).map((t) => Array.from(new Uint32Array(new Float32Array(t.data).buffer))),
    ...Object.values(p.ports).map((t) => Array.from(new Uint32Array(new Float32Array(t.data).buffer))),
    ...Object.values(p.buffers).map((t) => Array.from(new Uint32Array(new Float32Array(t.data).buffer))),
    Array.from(p.refractory.data),
  ]);

/** A chunk's spikes per population as plain arrays `[neuron indices, steps]`. */
export const chunkSpikes = (c: NetworkChunk): number[][][] => Object.values(c.spikes).map((s) => [Array.from(s.i), Array.from(s.step)]);

/**
 * Runs `a` and `b` (one network on two backends) for `T` steps in two chunks, ⌊T/3⌋ then the rest,
 * `b`'s second chunk from `a`'s state (a state made by one backend continues on the other), and
 * expects the same spikes, state bits and event counts.
 * @returns both runs' chunks
 */
export const expectSameRuns = (a: SpikingNetwork, b: SpikingNetwork, T: number) => {
  const T1 = Math.floor(T / 3);
  const [a1, sa] = a.run(T1);
  const [a2, sa2] = a.run(T - T1, sa);
  const [b1, sb] = b.run(T1);
  const [b2, sb2] = b.run(T - T1, sa);
  expect(chunkSpikes(b1)).toEqual(chunkSpikes(a1));
  expect(stateBits(sb)).toEqual(stateBits(sa));
  expect(chunkSpikes(b2)).toEqual(chunkSpikes(a2));
  expect(stateBits(sb2)).toEqual(stateBits(sa2));
  expect(b2.events).toBe(a2.events);
  return { a1, a2, b1, b2 };
};
