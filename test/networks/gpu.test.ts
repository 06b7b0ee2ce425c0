/**
 * Networks on the gpu backend (`populationRun` of gpu.js, `src/ops/backends/gpu/population.ts`),
 * in gpu.js's `cpu` mode: the same gpu.js kernel source, with `Math.fround` rounding, so its
 * spikes, state, events and monitors must equal the `js` backend's bit for bit. The WebGL2 path is
 * checked in Chromium (test/browser/networksGpu.browser.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  brunelNetwork,
  cubaNetwork,
  currentDrive,
  currentPort,
  fixedProbability,
  pointLif,
  poissonDrive,
  population,
  projection,
  type SpikingNetwork,
  spikingNetwork,
  streamInput,
  uniformDist,
} from '../../src/networks/index.js';
import { registerBackend, registerKernel, unregisterBackend } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend, gpuPopulationRun } from '../../src/ops/backends/gpu.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { chunkSpikes, cobaPerNeuron, expectSameRuns, stateBits } from './fixtures.js';
import '../../src/ops/backends/gpuBackend.js';
import { jsPopulationRun } from '../../src/ops/backends/population.js';

const gpu = createGpuBackend({ mode: 'cpu' });

/** Runs `make(backend)` on js and on gpu.js cpu mode in two chunks (the second from js's state) and compares bit for bit. */
const sameOnGpu = (make: (backend: string | typeof gpu) => SpikingNetwork, T: number) => {
  const js = make('js');
  const g = make(gpu);
  expect(g.backend).toBe('gpu');
  expect(Object.values(g.engines)).toEqual(Object.values(g.engines).map(() => 'gpu.js cpu'));
  return expectSameRuns(js, g, T);
};

describe('networks on gpu.js (cpu mode) give the bits of the js backend', () => {
  it('Brunel: delta ports, delays, binomial Poisson input, refractoriness', () => {
    const { a1, a2 } = sameOnGpu((backend) => brunelNetwork({ nE: 200, cE: 50, j: 2, g: 5, nuExtOverNuThr: 2, seed: 2, backend }), 150);
    expect((a1.spikes.E?.i.length ?? 0) + (a2.spikes.E?.i.length ?? 0)).toBeGreaterThan(50);
  });

  it('Brunel runs in blocks of its delay (1.5 ms = 15 steps): one launch and one spike read-back per block', () => {
    const own = createGpuBackend({ mode: 'cpu' });
    const make = (backend: string | typeof gpu) => brunelNetwork({ nE: 200, cE: 50, j: 2, g: 5, nuExtOverNuThr: 2, seed: 3, backend });
    const [b] = make(own).run(160);
    const [a] = make('js').run(160);
    expect(chunkSpikes(b)).toEqual(chunkSpikes(a));
    // 250 neurons, 160 = 10 × 15 + 10 steps: 11 blocks × 4 floats per neuron (the texel holding v, refractory
    // and the spike word), then the state once at the end; a launch per step would read 160 × 1000.
    expect(own.transfers().readFloats).toBe(11 * 4 * 250 + 4 * 250);
  });

  it('CUBA: two current ports with different τ, state monitors read from the device each step', () => {
    const { a1, b1, a2 } = sameOnGpu(
      (backend) => cubaNetwork({ n: 400, p: 0.05, seed: 4, backend, monitors: { E: { vars: ['v', 'ge', 'gi'], indices: [0, 5, 9] } } }),
      300,
    );
    for (const v of ['v', 'ge', 'gi']) expect(Array.from(b1.state.E?.[v]?.data ?? [])).toEqual(Array.from(a1.state.E?.[v]?.data ?? []));
    expect(a1.state.E?.v?.shape).toEqual([100, 3]);
    expect((a1.spikes.E?.i.length ?? 0) + (a2.spikes.E?.i.length ?? 0)).toBeGreaterThan(10);
  });

  it('COBA: per-neuron thresholds and leak, per-synapse weights and delays, a time-varying current', () => {
    const make = (backend: string | typeof gpu) => cobaPerNeuron(101, backend);
    const { a1, a2 } = sameOnGpu(make, 300);
    expect((a1.spikes.P?.i.length ?? 0) + (a2.spikes.P?.i.length ?? 0)).toBeGreaterThan(30);
  });

  it('blocks with stream inputs (into a port and the external current) and a Poisson drive, as on js', () => {
    const make = (backend: string | typeof gpu) =>
      spikingNetwork({
        dt: 1e-4,
        seed: 8,
        backend,
        populations: {
          A: population(pointLif, 24, { ports: { e: currentPort(0.005) }, refractory: 0.001 }),
          B: population(pointLif, 10, { ports: { e: currentPort(0.005) } }),
        },
        projections: [
          projection('A', 'B', { connect: fixedProbability(0.5), port: 'e', weight: 3, delay: uniformDist(0.0006, 0.001) }),
          projection('B', 'A', { connect: fixedProbability(0.5), port: 'e', weight: -2, delay: 0.0009 }),
        ],
        drives: [streamInput('x', 'A', { port: 'e' }), streamInput('y', 'B'), poissonDrive('A', { port: 'e', rate: 800, weight: 4 })],
      });
    const x = fromTypedArray(
      Float32Array.from({ length: 90 * 24 }, (_, k) => ((k * 7919) % 13) / 2),
      [90, 24],
    );
    const y = fromTypedArray(
      Float32Array.from({ length: 90 * 10 }, (_, k) => 9 + ((k * 31) % 5)),
      [90, 10],
    );
    const [a, sa] = make('js').run({ x, y });
    const own = createGpuBackend({ mode: 'cpu' });
    const [b, sb] = make(own).run({ x, y });
    // blocks of 7 steps (the smallest delay): 13 spike read-backs and one state read-back of 4 floats per neuron
    expect(own.transfers().readFloats).toBe(14 * 4 * 34);
    expect(chunkSpikes(b)).toEqual(chunkSpikes(a));
    expect(stateBits(sb)).toEqual(stateBits(sa));
    expect((a.spikes.A?.i.length ?? 0) + (a.spikes.B?.i.length ?? 0)).toBeGreaterThan(20);
  });

  it('a run nested in a drive of the same network runs on its own device state (freed after), as on js', () => {
    const make = (backend: string | typeof gpu) => {
      const inner: number[] = [];
      const net: SpikingNetwork = spikingNetwork({
        dt: 1e-4,
        backend,
        populations: { A: population(pointLif, 30, { init: { v: uniformDist(-60, -50) }, ports: { e: currentPort(0.005) } }) },
        projections: [projection('A', 'A', { connect: fixedProbability(0.3), port: 'e', weight: 2 })],
        drives: [
          currentDrive('A', (t: number) => {
            if (inner.length === 0 && t > 0.001) {
              inner.push(-1);
              inner[0] = net.run(40)[0].spikes.A?.i.length ?? -1;
            }
            return 15;
          }),
        ],
      });
      return { net, inner };
    };
    const js = make('js');
    const g = make(gpu);
    const [a] = js.net.run(100);
    const [b] = g.net.run(100);
    expect(chunkSpikes(b)).toEqual(chunkSpikes(a));
    expect(g.inner).toEqual(js.inner);
    expect(js.inner[0]).toBeGreaterThan(0);
  });

  it('what gpu cannot hold is refused naming backend and why', () => {
    const small = createGpuBackend({ mode: 'cpu', maxOutputs: 1 });
    // CUBA's update has 4 state variables (v, ge, gi, refractory) and one spike slot: 5 slots > 4.
    expect(() => cubaNetwork({ n: 40, backend: small })).toThrow(
      expect.objectContaining({
        argument: 'backend',
        message: 'spikingNetwork: backend "gpu" cannot run this populationRun: 4 state variables do not fit in 1 RGBA outputs',
      }),
    );
  });

  it('auto passes a gpu populationRun kernel by, even on a backend auto may take', () => {
    expect(gpuPopulationRun.autoSelectable?.({} as never, gpu)).toMatch(/slower than the CPU kernels; ask for backend "gpu" by name/);
    registerBackend({
      name: 'fastgpu',
      priority: 1000,
      autoSelectable: () => true,
      describe: () => ({ backend: 'fastgpu', device: 'test-device', accelerated: true }),
    });
    registerKernel({ ...jsPopulationRun, backendName: 'fastgpu', autoSelectable: gpuPopulationRun.autoSelectable });
    try {
      expect(cubaNetwork({ n: 40 }).backend).toBe('js');
      expect(cubaNetwork({ n: 40, backend: 'fastgpu' }).backend).toBe('fastgpu');
    } finally {
      unregisterBackend('fastgpu');
    }
  });
});
