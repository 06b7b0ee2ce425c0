/**
 * NIR graphs on every backend: the threads backend (WebAssembly SIMD neuron runs, threaded linear
 * maps, im2col convolutions) and gpu.js in its `cpu` mode give the `js` backend's bits for every
 * node of every graph — the three Norse reference files and graphs with every runnable node type
 * (conv1d/conv2d, pools, flatten, Affine/Linear, Scale, Threshold, Delay, every neuron node,
 * recurrent edges in a nested subgraph) — because every kernel sums in the same order with the
 * same float32 rounding. WebGL2 is checked in test/browser/nirGpu.browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import '../../src/gpu.js';
import { readNirFile } from '../../src/nir/hdf5.js';
import { compileNir, type NirRunOptions } from '../../src/nir/runtime.js';
import type { BackendChoice } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { concat, fromTypedArray, slice, type Tensor } from '../../src/ops/tensor.js';
import { backendGraphs, spikes } from './backendGraphs.js';

afterAll(() => terminateThreads());

const backends: { label: string; choice: BackendChoice; name: string; device: string; note: RegExp }[] = [
  {
    // small runs split over 2 threads, so that the split is exercised too
    label: 'threads (wasm simd, 2 threads)',
    choice: createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 }),
    name: 'threads',
    device: 'cpu',
    note: /wasm simd/,
  },
  { label: 'gpu.js cpu mode', choice: createGpuBackend({ mode: 'cpu' }), name: 'gpu', device: 'cpu', note: /^/ },
];

/** Elements that differ in bits (NaN-free data). */
const differing = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let n = 0;
  for (let k = 0; k < b.length; k++) if (a[k] !== b[k]) n++;
  return n;
};

const neuronTypes = new Set(['CubaLIF', 'CubaLI', 'LIF', 'LI', 'IF', 'I']);

/** Runs `graph` on js and on `choice`: every node's output identical; neuron nodes ran on the backend. */
const compare = (graph: Parameters<typeof compileNir>[0], xs: Tensor, b: (typeof backends)[number], options: NirRunOptions = {}) => {
  const ref = compileNir(graph, { ...options, record: true }).run(xs);
  const program = compileNir(graph, { ...options, record: true, backend: b.choice });
  const got = program.run(xs);
  let spikesSeen = 0;
  for (const node of program.nodes) {
    const want = ref.layers[node.name] as Tensor;
    expect(differing((got.layers[node.name] as Tensor).data, want.data), node.name).toBe(0);
    if (neuronTypes.has(node.type)) {
      expect(got.executions[node.name]?.backend, node.name).toBe(b.name);
      expect(got.executions[node.name]?.device, node.name).toBe(b.device);
      expect(got.executions[node.name]?.note ?? '', node.name).toMatch(b.note);
    }
    if (node.type === 'CubaLIF' || node.type === 'LIF' || node.type === 'IF')
      spikesSeen += Array.from(want.data).reduce((a, v) => a + v, 0);
  }
  for (const [name, vars] of Object.entries(ref.state.nodes)) {
    for (const [v, data] of Object.entries(vars)) expect(differing(got.state.nodes[name]?.[v] ?? [], data), `${name}.${v}`).toBe(0);
  }
  // vacuous without spikes
  expect(spikesSeen).toBeGreaterThan(10);
  return { program, got };
};

const flat = (a: number[][][]): Float32Array => Float32Array.from(a.flat(2));

describe('NIR graphs on the threads and gpu.js (cpu mode) backends give the js bits', () => {
  for (const b of backends) {
    it(`the three Norse reference files on ${b.label}`, async () => {
      for (const name of ['cuba_lif_mlp', 'lifbox_libox', 'iaf']) {
        const file = await readNirFile(readFileSync(new URL(`../fixtures/nir/${name}.nir`, import.meta.url)));
        const ref = JSON.parse(readFileSync(new URL(`../fixtures/nir/${name}.json`, import.meta.url), 'utf8')) as {
          dt: number;
          input: number[][][];
          output: number[][][];
        };
        const T = ref.input.length;
        const xs = fromTypedArray(flat(ref.input), [T, ref.input[0]?.length as number, (ref.input[0]?.[0] ?? []).length]);
        const { got } = compare(file.graph, xs, b, { dt: ref.dt });
        // and so Norse's outputs
        expect(Array.from(got.output.data)).toEqual(Array.from(flat(ref.output)));
      }
    });

    it(`conv2d, conv1d and recurrent graphs with every node type on ${b.label}`, () => {
      for (const { graph, input } of backendGraphs()) {
        const xs = spikes(40, 2, input, 0.3, 99);
        compare(graph, xs, b);
        compare(graph, xs, b, { discretisation: 'exact' });
      }
    });

    it(`chunked runs continue the state on ${b.label}`, () => {
      for (const { graph, input } of backendGraphs()) {
        const xs = spikes(30, 1, input, 0.3, 5);
        const program = compileNir(graph, { backend: b.choice });
        const one = program.run(xs);
        const a = program.run(slice(xs, 0, 13));
        const c = program.run(slice(xs, 13), a.state);
        expect(c.output.shape[0]).toBe(17);
        expect(differing(concat([a.output, c.output]).data, one.output.data)).toBe(0);
      }
    });
  }

  it('float64 runs on threads give the js bits; gpu refuses float64 naming the backend and the reason', () => {
    const { graph, input } = backendGraphs()[0] as ReturnType<typeof backendGraphs>[number];
    const xs = spikes(20, 1, input, 0.3, 7);
    const xs64 = fromTypedArray(Float64Array.from(xs.data), xs.shape);
    const ref = compileNir(graph, { dtype: 'float64' }).run(xs64);
    const got = compileNir(graph, { dtype: 'float64', backend: backends[0]?.choice }).run(xs64);
    expect(differing(got.output.data, ref.output.data)).toBe(0);
    expect(() => compileNir(graph, { dtype: 'float64', backend: backends[1]?.choice }).run(xs64)).toThrow(
      /backend "gpu" cannot run.*float64/,
    );
    expect(() => compileNir(graph, { backend: 'nope' })).toThrow(/backend must be "auto"/);
  });
});
