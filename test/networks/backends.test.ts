import { describe, expect, it } from 'vitest';
import { cobaPerNeuron, expectSameRuns } from './fixtures.js';
import '../../src/threads.js';
import {
  brunelNetwork,
  cobaNetwork,
  cubaNetwork,
  currentPort,
  fixedProbability,
  pointLif,
  population,
  projection,
  type SpikingNetwork,
  spikingNetwork,
} from '../../src/networks/index.js';

/** Runs the network of `make(backend)` on js and threads, in two chunks, and compares everything bit for bit. */
const sameOnBoth = (make: (backend: string) => SpikingNetwork, T: number) => {
  const js = make('js');
  const th = make('threads');
  expect(Object.values(js.engines)).toEqual(Object.values(js.engines).map(() => 'js loop'));
  expect(Object.values(th.engines)).toEqual(Object.values(th.engines).map(() => 'wasm simd'));
  expect(th.backend).toBe('threads');
  return expectSameRuns(js, th, T);
};

describe('networks on js and threads (WebAssembly SIMD) give the same bits', () => {
  it('Brunel: delta ports, delays, binomial Poisson input, refractoriness', () => {
    const { a1, a2 } = sameOnBoth((backend) => brunelNetwork({ nE: 400, cE: 100, j: 1, g: 5, nuExtOverNuThr: 2, seed: 2, backend }), 400);
    expect((a1.spikes.E?.i.length ?? 0) + (a2.spikes.E?.i.length ?? 0)).toBeGreaterThan(200);
  });

  it('CUBA: two current ports with different τ, state monitors', () => {
    const { a1, b1 } = sameOnBoth(
      (backend) => cubaNetwork({ n: 1000, p: 0.05, seed: 4, backend, monitors: { E: { vars: ['v', 'ge', 'gi'], indices: [0, 5, 9] } } }),
      600,
    );
    for (const v of ['v', 'ge', 'gi']) expect(Array.from(b1.state.E?.[v]?.data ?? [])).toEqual(Array.from(a1.state.E?.[v]?.data ?? []));
    expect(a1.state.E?.v?.shape).toEqual([200, 3]);
  });

  it('COBA with per-neuron thresholds and leak, and an external current', () => {
    const make = (backend: string) => cobaPerNeuron(301, backend);
    const { a1, a2 } = sameOnBoth(make, 900);
    expect((a1.spikes.P?.i.length ?? 0) + (a2.spikes.P?.i.length ?? 0)).toBeGreaterThan(100);
  });

  it('COBA benchmark network and a current port alone', () => {
    sameOnBoth((backend) => cobaNetwork({ n: 800, p: 0.05, seed: 6, backend }), 300);
    sameOnBoth(
      (backend) =>
        spikingNetwork({
          dt: 1e-4,
          backend,
          populations: { A: population(pointLif, 7, { ports: { e: currentPort(0.003) }, params: { vLeak: -45 } }) },
          projections: [projection('A', 'A', { connect: fixedProbability(0.5), port: 'e', weight: 2, autapses: true })],
        }),
      500,
    );
  });

  it('auto is threads once registered; an unknown backend is refused naming the registered ones', () => {
    expect(cubaNetwork({ n: 100 }).backend).toBe('threads');
    expect(() => cubaNetwork({ n: 100, backend: 'cuda' })).toThrow(
      /backend must be "auto", one of "threads", "js" or a backend object, received "cuda"/,
    );
  });
});
