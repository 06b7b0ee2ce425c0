/** Export: spikeflow networks to NIR files that round-trip, in the layout the `nir` package writes. */
import { readFileSync } from 'node:fs';
import h5wasm from 'h5wasm';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { buildNetwork } from '../../src/neurons/sequentialJson.js';
import { networkToNir, toNir } from '../../src/nir/export.js';
import type { NirGraph } from '../../src/nir/graph.js';
import { readNir, writeNir } from '../../src/nir/hdf5.js';
import { compileNir } from '../../src/nir/runtime.js';
import { fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { expectArgumentError } from '../expect.js';

/** Every dataset of an HDF5 file: path → dtype, shape, chunked (compressed) or not. */
const layout = async (bytes: Uint8Array): Promise<Record<string, string>> => {
  const M = await h5wasm.ready;
  const name = `/layout-${Math.random()}.h5`;
  M.FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  const out: Record<string, string> = {};
  const walk = (g: InstanceType<typeof h5wasm.Group>, p: string) => {
    for (const k of g.keys()) {
      const c = g.get(k);
      if (c instanceof h5wasm.Group) walk(c, `${p}/${k}`);
      else if (c instanceof h5wasm.Dataset) {
        const m = c.metadata;
        out[`${p}/${k}`] = `${c.dtype} ${JSON.stringify(c.shape)} vlen=${m.vlen} chunked=${m.chunks !== null}`;
      }
    }
  };
  walk(f, '');
  f.close();
  M.FS.unlink(name);
  return out;
};

const spikes = (T: number, B: number, N: number, seed: number) => {
  let s = seed;
  const d = new Float32Array(T * B * N).map(() => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 < 0.35 ? 1 : 0;
  });
  return fromTypedArray(d, [T, B, N]);
};

describe('NIR export', () => {
  it('a file written from a read reference graph has the reference layout (dtypes, shapes, compression, strings)', async () => {
    for (const name of ['cuba_lif_mlp', 'lifbox_libox', 'iaf']) {
      const original = new Uint8Array(readFileSync(new URL(`../fixtures/nir/${name}.nir`, import.meta.url)));
      const rewritten = await writeNir(await readNir(original));
      const a = await layout(original);
      const b = await layout(rewritten);
      expect(b).toEqual(a);
      expect(Object.keys(a).length).toBeGreaterThan(10);
    }
  });

  it("a read graph's recorded layers come in graph order, not the file's alphabetical order (the README's example)", async () => {
    const parts = [
      {
        kind: 'linear',
        weight: tensor([
          [0.5, 0.2],
          [0.1, 0.9],
          [0.3, 0.3],
        ]),
      },
      { kind: 'neuron', model: lif },
      { kind: 'linear', weight: tensor([[1, -1, 0.5]]) },
      { kind: 'neuron', model: li },
    ] as const;
    const graph = await readNir(await writeNir(toNir(parts, { inputShape: [2] })));
    // the file lists its nodes by name
    expect(Object.keys(graph.nodes)).toEqual(['input', 'li3', 'lif1', 'linear0', 'linear2', 'output']);
    const program = compileNir(graph, { record: true });
    const { layers } = program.run(fromTypedArray(new Float32Array(10 * 2).fill(1), [10, 1, 2]));
    expect(Object.keys(layers)).toEqual(['input', 'linear0', 'lif1', 'linear2', 'li3', 'output']);
  });

  it('a spikeflow network (linear → LIF → linear → LIBox) exported, written, read and run gives its own spikes and voltages', async () => {
    const spec = {
      layers: [
        { type: 'linear', out: 8, seed: 3 },
        { type: 'LIF', params: { vTh: 0.3, tauMemInv: 80 } },
        { type: 'linear', out: 3, seed: 4 },
        { type: 'LIBox' },
      ],
    };
    const xs = spikes(60, 2, 4, 7);
    const net = buildNetwork(spec, 4, 0.001);
    const [own, , recorded] = net.layer.run(xs);
    const graph = await readNir(await writeNir(networkToNir(spec, 4)));
    expect(Object.entries(graph.nodes).map(([k, n]) => `${k}:${n.type}`)).toEqual([
      'input:Input',
      'liBox3:LI',
      'lif1:CubaLIF',
      'linear0:Affine',
      'linear2:Affine',
      'output:Output',
    ]);
    const r = compileNir(graph, { dt: 0.001, record: true }).run(xs);
    // sequential records each unrecorded layer's output: [1] is the LIF layer's spikes
    const zOwn = (recorded as { data: Float32Array }[])[1]?.data ?? new Float32Array();
    const z = r.layers.lif1?.data ?? new Float32Array();
    expect(z.length).toBe(60 * 2 * 8);
    expect(Array.from(z)).toEqual(Array.from(zOwn));
    expect(Array.from(z).filter((v) => v === 1).length).toBeGreaterThan(10);
    let worst = 0;
    own.data.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - (r.output.data[k] as number)));
    });
    expect(worst).toBeLessThan(1e-5);
  });

  it('a recurrent LIF layer exports as a nested graph with a recurrent edge and runs as LIFRecurrent', async () => {
    const N = 6;
    const inputs = 4;
    let s = 11;
    const rand = (n: number, lo: number, hi: number) =>
      Float32Array.from({ length: n }, () => {
        s = (s * 1103515245 + 12345) % 2147483648;
        return lo + ((hi - lo) * s) / 2147483648;
      });
    const params = {
      inputWeights: fromTypedArray(rand(N * inputs, -0.2, 1.2), [N, inputs]),
      recurrentWeights: fromTypedArray(rand(N * N, -0.8, 0.8), [N, N]),
      vTh: 0.4,
    };
    const xs = spikes(150, 2, inputs, 5);
    const [own] = lifRecurrent.run(params, 0.001)(xs);
    const graph = await readNir(await writeNir(toNir([{ kind: 'neuron', model: lifRecurrent, params }], { inputShape: [inputs] })));
    const sub = graph.nodes.lifRecurrent0 as NirGraph;
    expect(sub.type).toBe('NIRGraph');
    expect(sub.edges).toContainEqual(['w_rec', 'lif']);
    const w = sub.nodes.w_rec as Extract<NirGraph['nodes'][string], { type: 'Linear' }>;
    expect(Array.from({ length: N }, (_, k) => w.weight.data[k * N + k])).toEqual(new Array(N).fill(0));
    const r = compileNir(graph, { dt: 0.001 }).run(xs);
    expect(r.output.shape).toEqual([150, 2, N]);
    const z = Array.from(r.output.data);
    expect(z.filter((v) => v === 1).length).toBeGreaterThan(20);
    // the recurrent current enters as (i + W_in·x) + W_rec·z in Norse and i + (W_in·x + W_rec·z) here: float32 rounding may differ, spikes agree
    expect(z).toEqual(Array.from(own.data));
  });

  it('a JSON network with a recurrent LIF layer (seeded weights) exports, round-trips and runs as buildNetwork runs it', async () => {
    const spec = {
      layers: [
        { type: 'linear', out: 5, seed: 3 },
        { type: 'LIFRecurrent', size: 7, seed: 9, params: { vTh: 0.3 } },
        { type: 'linear', out: 3, seed: 4 },
        { type: 'LIBox' },
      ],
    };
    const xs = spikes(120, 2, 4, 13);
    const net = buildNetwork(spec, 4, 0.001);
    const [own, , recorded] = net.layer.run(xs);
    const graph = await readNir(await writeNir(networkToNir(spec, 4)));
    const sub = graph.nodes.lifRecurrent1 as NirGraph;
    expect(sub.type).toBe('NIRGraph');
    expect(sub.edges).toContainEqual(['lif', 'w_rec']);
    expect(sub.edges).toContainEqual(['w_rec', 'lif']);
    expect((sub.nodes.w_in as { weight: Tensor }).weight.shape).toEqual([7, 5]);
    const r = compileNir(graph, { dt: 0.001, record: true }).run(xs);
    // sequential records each unrecorded layer's output: [1] is the recurrent layer's spikes
    const zOwn = Array.from((recorded as Tensor[])[1]?.data ?? []);
    const z = Array.from(r.layers['lifRecurrent1.lif']?.data ?? []);
    expect(z.length).toBe(120 * 2 * 7);
    expect(z).toEqual(zOwn);
    expect(z.filter((v) => v === 1).length).toBeGreaterThan(20);
    let worst = 0;
    own.data.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - (r.output.data[k] as number)));
    });
    expect(worst).toBeLessThan(1e-5);
    // other recurrent models have no NIR form: named
    expectArgumentError(
      () => networkToNir({ layers: [{ type: 'LSNNRecurrent', size: 3 }] }, 3),
      'model',
      /LSNNRecurrent.*no NIR equivalent/,
    );
  });

  it('per-neuron parameters become per-neuron arrays; τ = 1/τ⁻¹ in float32', () => {
    const g = toNir([{ kind: 'neuron', model: lifBox, params: { tauMemInv: tensor([50, 100, 200]), vTh: 0.5 } }], { inputShape: [3] });
    const node = g.nodes.lifBox0 as Extract<NirGraph['nodes'][string], { type: 'LIF' }>;
    expect(node.type).toBe('LIF');
    expect(Array.from(node.tau.data)).toEqual([0.02, 0.01, 0.005].map(Math.fround));
    expect(Array.from(node.vThreshold.data)).toEqual([0.5, 0.5, 0.5]);
  });

  it('convolutional chains export with their shapes; what NIR cannot express is named', () => {
    const w = fromTypedArray(new Float32Array(4 * 2 * 3 * 3).fill(0.1), [4, 2, 3, 3]);
    const g = toNir(
      [
        { kind: 'conv2d', weight: w, padding: 1 },
        { kind: 'neuron', model: lifBox },
        { kind: 'sumPool2d', kernelSize: 2 },
        { kind: 'flatten' },
      ],
      { inputShape: [2, 34, 34] },
    );
    expect(g.nodes.output).toEqual({ type: 'Output', shape: [4 * 17 * 17] });
    expect(compileNir(g).outputShape).toEqual([4 * 17 * 17]);
    expectArgumentError(() => networkToNir({ layers: [{ type: 'relu' }] }, 3), 'layers[0].type', /no NIR equivalent/);
    expectArgumentError(
      () => networkToNir({ layers: [{ type: 'LIF', params: { resetMethod: 'subtract' } }] }, 3),
      'resetMethod',
      /cannot be expressed/,
    );
    expectArgumentError(
      () => networkToNir({ layers: [{ type: 'LIF', params: { inputConvention: 'current' } }] }, 3),
      'inputConvention',
      /cannot be expressed/,
    );
    expectArgumentError(
      () => toNir([{ kind: 'linear', weight: tensor([[1, 2]]) }], { inputShape: [3] }),
      'parts[0]',
      /does not take the input shape \[3\]/,
    );
  });
});
