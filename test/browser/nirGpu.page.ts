/**
 * The page bundle of test/browser/nirGpu.browser.test.ts: compiles NIR graphs (sent as plain JSON
 * or built here) and runs them on the gpu backend (gpu.js on WebGL2) and on js, handing plain
 * arrays back to the Node side, which compares.
 */
import type { NirGraph } from '../../src/nir/graph.js';
import { compileNir } from '../../src/nir/runtime.js';
import { gpuBackend } from '../../src/ops/backends/gpuBackend.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { backendGraphs, fromPlain, spikes } from '../nir/backendGraphs.js';

/** A run as the Node side reads it. */
export interface NirPageRun {
  readonly nodes: { name: string; type: string }[];
  readonly layers: Record<string, number[]>;
  readonly executions: Record<string, { backend: string; device: string }>;
}

const runGraph = (graph: NirGraph, xs: ReturnType<typeof spikes>, backend: 'gpu' | 'js', dt: number): NirPageRun => {
  const program = compileNir(graph, { dt, record: true, backend: backend === 'gpu' ? gpuBackend : 'js' });
  const r = program.run(xs);
  return {
    nodes: program.nodes.map((n) => ({ name: n.name, type: n.type })),
    layers: Object.fromEntries(Object.entries(r.layers).map(([k, t]) => [k, Array.from(t.data)])),
    executions: Object.fromEntries(Object.entries(r.executions).map(([k, e]) => [k, { backend: e.backend, device: e.device }])),
  };
};

const api = {
  describe: () => gpuBackend.describe(),
  /** A graph sent as plain JSON, with its input `[T, batch, ...]`. */
  runPlain: (graph: unknown, input: { shape: number[]; data: number[] }, backend: 'gpu' | 'js', dt: number) =>
    runGraph(fromPlain(graph) as NirGraph, fromTypedArray(Float32Array.from(input.data), input.shape), backend, dt),
  /** One of test/nir/backendGraphs.ts's graphs on Bernoulli input. */
  runBuilt: (name: string, backend: 'gpu' | 'js') => {
    const g = backendGraphs().find((c) => c.name === name);
    if (g === undefined) throw new Error(`no graph ${name}`);
    return runGraph(g.graph, spikes(40, 2, g.input, 0.3, 99), backend, 0.001);
  },
  names: () => backendGraphs().map((g) => g.name),
};

(globalThis as unknown as { spikeflowNir: typeof api }).spikeflowNir = api;
