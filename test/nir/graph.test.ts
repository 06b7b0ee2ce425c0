/**
 * NIR graphs built in code: a convolutional network run by Norse (`conv_net.json`, made by
 * `make_fixtures.py`) after a write/read round trip, recurrent edges, nested subgraphs, delays,
 * the discretisations, chunking and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NirGraph, NirNode } from '../../src/nir/graph.js';
import { readNir, readNirFile, writeNir } from '../../src/nir/hdf5.js';
import { compileNir } from '../../src/nir/runtime.js';
import { concat, fromTypedArray, slice, type Tensor } from '../../src/ops/tensor.js';
import { expectArgumentError, expectSpikeflowError } from '../expect.js';

interface T {
  shape: number[];
  data: number[];
}
const ten = (t: T): Tensor => fromTypedArray(Float32Array.from(t.data), t.shape);
const full = (shape: number[], v: number): Tensor => fromTypedArray(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape);
const vec = (...v: number[]): Tensor => fromTypedArray(Float32Array.from(v), [v.length]);
const vec64 = (...v: number[]): Tensor => fromTypedArray(Float64Array.from(v), [v.length]);

const net = JSON.parse(readFileSync(new URL('../fixtures/nir/conv_net.json', import.meta.url), 'utf8')) as {
  dt: number;
  input: T;
  conv: { weight: T; bias: T };
  fc: { weight: T; bias: T };
  lif: { tau: T };
  layers: Record<string, T>;
};

const convGraph = (): NirGraph => ({
  type: 'NIRGraph',
  nodes: {
    input: { type: 'Input', shape: [2, 8, 8] },
    conv: {
      type: 'Conv2d',
      weight: ten(net.conv.weight),
      bias: ten(net.conv.bias),
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
      groups: 1,
      inputShape: [8, 8],
    },
    if1: { type: 'IF', r: full([4, 8, 8], 1), vThreshold: full([4, 8, 8], 0.6), vReset: full([4, 8, 8], 0) },
    pool: { type: 'SumPool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
    flat: { type: 'Flatten', startDim: 0, endDim: -1, inputType: [4, 4, 4] },
    fc: { type: 'Affine', weight: ten(net.fc.weight), bias: ten(net.fc.bias) },
    lif: { type: 'LIF', tau: ten(net.lif.tau), r: full([5], 1), vLeak: full([5], 0), vThreshold: full([5], 0.2), vReset: full([5], 0) },
    output: { type: 'Output', shape: [5] },
  },
  edges: [
    ['input', 'conv'],
    ['conv', 'if1'],
    ['if1', 'pool'],
    ['pool', 'flat'],
    ['flat', 'fc'],
    ['fc', 'lif'],
    ['lif', 'output'],
  ],
  metadata: { source: 'spikeflow test' },
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)));
  return worst;
};

describe('NIR convolutional network (Norse: Conv2d → IAF → LPPool2d(1) → Flatten → Linear → LIFBox)', () => {
  it('round-trips through a NIR file and matches Norse: spikes identical, analog values within 1e-5', async () => {
    const bytes = await writeNir(convGraph());
    const file = await readNirFile(bytes);
    expect(file.version).toBe('1.0.7');
    expect(file.graph.metadata).toEqual({ source: 'spikeflow test' });
    const program = compileNir(file.graph, { dt: net.dt, record: true });
    expect(program.inputShape).toEqual([2, 8, 8]);
    expect(program.nodes.map((n) => `${n.name}:${n.shape.join('x')}`)).toEqual([
      'input:2x8x8',
      'conv:4x8x8',
      'if1:4x8x8',
      'pool:4x4x4',
      'flat:64',
      'fc:5',
      'lif:5',
      'output:5',
    ]);
    const r = program.run(ten(net.input));
    for (const name of ['if1', 'lif']) {
      const want = net.layers[name] as T;
      expect(r.layers[name]?.shape).toEqual(want.shape);
      expect(Array.from(r.layers[name]?.data ?? [])).toEqual(want.data);
      expect(want.data.filter((z) => z === 1).length).toBeGreaterThan(10);
    }
    for (const name of ['conv', 'pool', 'fc']) expect(maxDiff(r.layers[name]?.data ?? [], (net.layers[name] as T).data)).toBeLessThan(1e-5);
    expect(Array.from(r.output.data)).toEqual((net.layers.lif as T).data);
  });

  it('streams in chunks: two runs threading the state equal one run', () => {
    const program = compileNir(convGraph(), { dt: net.dt });
    const xs = ten(net.input);
    const whole = program.run(xs);
    const a = program.run(slice(xs, 0, 13));
    const b = program.run(slice(xs, 13), a.state);
    expect(Array.from(concat([a.output, b.output]).data)).toEqual(Array.from(whole.output.data));
  });
});

const lifNode = (n: number, tau: number, vTh = 1): NirNode => ({
  type: 'LIF',
  tau: full([n], tau),
  r: full([n], 1),
  vLeak: full([n], 0),
  vThreshold: full([n], vTh),
  vReset: full([n], 0),
});

describe('NIR graph semantics', () => {
  it('a recurrent edge delivers the previous step (one-step delay), hand-derived with IF neurons', () => {
    // x → IF(th 0.5) → out, and IF → Scale(2) → IF (recurrent): the spike at step 0 returns at step 1
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', shape: [1] },
        if1: { type: 'IF', r: vec(1), vThreshold: vec(0.5), vReset: vec(0) },
        rec: { type: 'Scale', scale: vec(0.75) },
        output: { type: 'Output', shape: [1] },
      },
      edges: [
        ['input', 'if1'],
        ['if1', 'rec'],
        ['rec', 'if1'],
        ['if1', 'output'],
      ],
    };
    const xs = fromTypedArray(Float32Array.from([1, 0, 0, 0]), [4, 1, 1]);
    const r = compileNir(g, { record: true }).run(xs);
    // step 0: v = 1 > 0.5 → z 1, reset; step 1: v = 0.75 → z 1; step 2: v = 0.75 → z 1 ... self-sustained
    expect(Array.from(r.output.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(r.layers.rec?.data ?? [])).toEqual([0.75, 0.75, 0.75, 0.75]);
  });

  it('nested subgraphs are entered through their Input and left through their Output nodes', async () => {
    const inner: NirGraph = {
      type: 'NIRGraph',
      nodes: { input: { type: 'Input', shape: [2] }, w: { type: 'Scale', scale: vec(2, 3) }, output: { type: 'Output', shape: [2] } },
      edges: [
        ['input', 'w'],
        ['w', 'output'],
      ],
    };
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', shape: [2] },
        sub: inner,
        thr: { type: 'Threshold', threshold: vec(2.5, 2.5) },
        output: { type: 'Output', shape: [2] },
      },
      edges: [
        ['input', 'sub'],
        ['sub.output', 'thr'],
        ['thr', 'output'],
      ],
    };
    const back = await readNir(await writeNir(g));
    expect((back.nodes.sub as NirGraph).type).toBe('NIRGraph');
    const r = compileNir(back, { record: true }).run(fromTypedArray(Float32Array.from([1, 1, 1, 0.5]), [2, 1, 2]));
    expect(Array.from(r.layers['sub.w']?.data ?? [])).toEqual([2, 3, 2, 1.5]);
    expect(Array.from(r.output.data)).toEqual([0, 1, 0, 0]);
  });

  it('Delay shifts each element by round(τ/dt) steps', () => {
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: { input: { type: 'Input', shape: [2] }, d: { type: 'Delay', delay: vec(0.002, 0) }, output: { type: 'Output', shape: [2] } },
      edges: [
        ['input', 'd'],
        ['d', 'output'],
      ],
    };
    const xs = fromTypedArray(Float32Array.from([1, 5, 2, 6, 3, 7, 4, 8]), [4, 1, 2]);
    expect(Array.from(compileNir(g, { dt: 0.001 }).run(xs).output.data)).toEqual([0, 5, 0, 6, 1, 7, 2, 8]);
  });

  it("'exact' decays a LI voltage by e^(−dt/τ) per step whatever dt; 'norse' by (1 − dt/τ)", () => {
    const g = (tau: number): NirGraph => ({
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', shape: [1] },
        li: { type: 'LI', tau: vec64(tau), r: vec64(1), vLeak: vec64(0) },
        output: { type: 'Output', shape: [1] },
      },
      edges: [
        ['input', 'li'],
        ['li', 'output'],
      ],
    });
    // one impulse of 1 at step 0, then free decay
    const xs = (T: number) =>
      fromTypedArray(
        Float64Array.from({ length: T }, (_, k) => (k === 0 ? 1 : 0)),
        [T, 1, 1],
      );
    const exact = (dt: number, T: number) => compileNir(g(0.02), { dt, discretisation: 'exact', dtype: 'float64' }).run(xs(T)).output.data;
    const a = exact(0.001, 41);
    const b = exact(0.004, 11);
    // v after the impulse step is (1 − e^(−dt/τ))·1; then ×e^(−dt/τ) per step: compare the decay over 40 ms
    expect((a[40] as number) / (a[0] as number)).toBeCloseTo(Math.exp(-0.04 / 0.02), 12);
    expect((b[10] as number) / (b[0] as number)).toBeCloseTo(Math.exp(-0.04 / 0.02), 12);
    const euler = compileNir(g(0.02), { dt: 0.001, dtype: 'float64' }).run(xs(3)).output.data;
    expect(euler[0]).toBeCloseTo(0.05, 15);
    expect(euler[2]).toBeCloseTo(0.05 * 0.95 * 0.95, 15);
  });

  it('LIF with r = τ/dt and v_leak 0 runs as v′ = (1 − dt/τ)·v + x (the snnTorch export convention)', () => {
    const dt = 1e-4;
    const beta = 0.9;
    const tau = dt / (1 - beta);
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: {
        input: { type: 'Input', shape: [1] },
        lif: { type: 'LIF', tau: vec64(tau), r: vec64(tau / dt), vLeak: vec64(0), vThreshold: vec64(10), vReset: vec64(0) },
        output: { type: 'Output', shape: [1] },
      },
      edges: [
        ['input', 'lif'],
        ['lif', 'output'],
      ],
    };
    const xs = fromTypedArray(Float64Array.from([1, 0.5, 0]), [3, 1, 1]);
    const r = compileNir(g, { dt, dtype: 'float64' }).run(xs);
    const v = r.state.nodes.lif?.v?.[0] as number;
    // v1 = 1, v2 = 0.9 + 0.5 = 1.4, v3 = 1.26
    expect(v).toBeCloseTo(1.26, 12);
  });

  it('errors name unsupported nodes, dangling edges, bad inputs and options', async () => {
    const bad = {
      type: 'NIRGraph',
      nodes: { input: { type: 'Input', shape: [1] }, x: { type: 'Spiky' }, y: { type: 'Mystery' } },
      edges: [],
    } as unknown as NirGraph;
    expectSpikeflowError(() => compileNir(bad), /unsupported NIR nodes x \("Spiky"\), y \("Mystery"\)/);
    await expect(writeNir(bad)).rejects.toThrow(/unsupported NIR nodes x/);
    const g: NirGraph = {
      type: 'NIRGraph',
      nodes: { input: { type: 'Input', shape: [2] }, lif: lifNode(2, 0.01), output: { type: 'Output', shape: [2] } },
      edges: [
        ['input', 'lif'],
        ['lif', 'outptu'],
      ],
    };
    expectSpikeflowError(() => compileNir(g), /edge endpoint 'outptu' names no node/);
    const ok: NirGraph = {
      ...g,
      edges: [
        ['input', 'lif'],
        ['lif', 'output'],
      ],
    };
    expectArgumentError(() => compileNir(ok, { dt: 0 }), 'dt');
    expectArgumentError(() => compileNir(ok, { discretisation: 'rk4' as never }), 'discretisation');
    expectArgumentError(() => compileNir(ok).run(fromTypedArray(new Float32Array(3), [1, 1, 3])), 'xs', /\[1, 1, \.\.\.\[2\]\]/);
    const negative: NirGraph = { ...ok, nodes: { ...ok.nodes, lif: lifNode(2, -0.01) } };
    expectArgumentError(() => compileNir(negative), 'tau', /must be > 0/);
    await expect(readNir(new Uint8Array([1, 2, 3]))).rejects.toThrow(/not an HDF5 file/);
  });
});
