/**
 * The page bundle of test/browser/networksGpu.browser.test.ts: builds small networks and runs them
 * on the gpu backend (gpu.js on WebGL2) and on js in the same page, handing plain arrays back to
 * the Node side, which compares. Counts live WebGL textures (created minus deleted).
 */
import {
  brunelNetwork,
  cobaNetwork,
  cubaNetwork,
  currentDrive,
  currentPort,
  fixedProbability,
  type NetworkState,
  pointLif,
  population,
  projection,
  type SpikingNetwork,
  spikingNetwork,
} from '../../src/networks/index.js';
import { gpuBackend } from '../../src/ops/backends/gpuBackend.js';
import { liveTextures } from './textureCounts.js';

/** A run as the Node side reads it: spikes per population, final state per population and variable. */
export interface NetworkPageRun {
  readonly backend: string;
  readonly engines: Record<string, string>;
  readonly spikes: Record<string, { i: number[]; step: number[] }>;
  readonly state: Record<string, Record<string, number[]>>;
  readonly monitored: Record<string, number[]>;
  readonly liveTextures: number;
}

const make = (name: string, backend: 'gpu' | 'js'): SpikingNetwork => {
  const b = backend === 'gpu' ? gpuBackend : 'js';
  if (name === 'cuba')
    return cubaNetwork({ n: 400, p: 0.05, seed: 4, backend: b, monitors: { E: { vars: ['v', 'ge'], indices: [0, 7] } } });
  if (name === 'coba') return cobaNetwork({ n: 400, p: 0.05, seed: 6, backend: b });
  return brunelNetwork({ nE: 400, cE: 100, j: 1, g: 5, nuExtOverNuThr: 2, seed: 2, backend: b });
};

const plainState = (s: NetworkState) =>
  Object.fromEntries(
    Object.entries(s.populations).map(([k, p]) => [
      k,
      {
        ...Object.fromEntries(Object.entries(p.state).map(([v, t]) => [v, Array.from(t.data)])),
        ...Object.fromEntries(Object.entries(p.ports).map(([v, t]) => [`port ${v}`, Array.from(t.data)])),
        refractory: Array.from(p.refractory.data),
      },
    ]),
  );

/** A small gpu network; with `nest`, its drive runs the network itself once, inside its first run. */
const nesting = (nest: boolean): SpikingNetwork => {
  let nested = !nest;
  const net: SpikingNetwork = spikingNetwork({
    dt: 1e-4,
    backend: gpuBackend,
    populations: { A: population(pointLif, 30, { ports: { e: currentPort(0.005) } }) },
    projections: [projection('A', 'A', { connect: fixedProbability(0.3), port: 'e', weight: 2 })],
    drives: [
      currentDrive('A', () => {
        if (!nested) {
          nested = true;
          net.run(5);
        }
        return 15;
      }),
    ],
  });
  return net;
};

const live = liveTextures;

const api = {
  describe: () => gpuBackend.describe(),
  /** Live textures a network adds by being built and run 20 steps, without and with a nested run. */
  nestedTextures: (): [number, number] => {
    nesting(false).run(20); // compiles the kernels (gpu.js keeps textures per kernel)
    const at0 = live();
    nesting(false).run(20);
    const plain = live() - at0;
    const at1 = live();
    nesting(true).run(20);
    return [plain, live() - at1];
  },
  /** Live WebGL textures after 10 and after 60 chunks of 5 steps of one CUBA network on gpu. */
  textures: (): [number, number] => {
    const net = make('cuba', 'gpu');
    let s = net.initialState();
    const seen: number[] = [];
    for (let c = 0; c < 60; c++) {
      s = net.run(5, s)[1];
      if (c === 9 || c === 59) seen.push(live());
    }
    return seen as [number, number];
  },
  /** Runs network `name` for `T` steps in chunks of `chunk` steps. */
  run: (name: string, backend: 'gpu' | 'js', T: number, chunk: number): NetworkPageRun => {
    const net = make(name, backend);
    const spikes: Record<string, { i: number[]; step: number[] }> = {};
    const monitored: Record<string, number[]> = {};
    let s = net.initialState();
    for (let t = 0; t < T; t += chunk) {
      const [c, next] = net.run(Math.min(chunk, T - t), s);
      s = next;
      for (const [k, l] of Object.entries(c.spikes)) {
        const into = spikes[k] ?? { i: [], step: [] };
        into.i.push(...l.i);
        into.step.push(...l.step);
        spikes[k] = into;
      }
      for (const [v, m] of Object.entries(c.state.E ?? {})) monitored[v] = [...(monitored[v] ?? []), ...m.data];
    }
    return {
      backend: net.backend,
      engines: { ...net.engines },
      spikes,
      state: plainState(s),
      monitored,
      liveTextures: live(),
    };
  },
};

(globalThis as unknown as { spikeflowNetworks: typeof api }).spikeflowNetworks = api;
