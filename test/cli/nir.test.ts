/** `spikeflow run --network model.nir` and `spikeflow inspect model.nir`. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NirGraph } from '../../src/nir/graph.js';
import { readNirFile, writeNir } from '../../src/nir/hdf5.js';
import { compileNir } from '../../src/nir/runtime.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { type Ev, encodeEvt2, encodeNmnist } from '../io/formatEncoders.js';
import { eventsDir, hasSharedData } from '../io/shared.js';
import { runCli as run } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-nir-cli-'));
const ones = (n: number) => fromTypedArray(new Float32Array(n).fill(1), [n]);

/** Input [C, H, W] → SumPool2d over the whole frame → Flatten → IF(th 0.5) → Output: one neuron per polarity. */
const countingGraph = (C: number, H: number, W: number): NirGraph => ({
  type: 'NIRGraph',
  nodes: {
    input: { type: 'Input', shape: [C, H, W] },
    pool: { type: 'SumPool2d', kernelSize: [H, W], stride: [H, W], padding: [0, 0] },
    flat: { type: 'Flatten', startDim: 0, endDim: -1, inputType: [C, 1, 1] },
    if1: {
      type: 'IF',
      r: ones(C),
      vThreshold: fromTypedArray(new Float32Array(C).fill(0.5), [C]),
      vReset: fromTypedArray(new Float32Array(C), [C]),
    },
    output: { type: 'Output', shape: [C] },
  },
  edges: [
    ['input', 'pool'],
    ['pool', 'flat'],
    ['flat', 'if1'],
    ['if1', 'output'],
  ],
});

const writeGraph = async (name: string, g: NirGraph): Promise<string> => {
  const path = join(dir, name);
  writeFileSync(path, await writeNir(g));
  return path;
};

interface Summary {
  steps: number;
  layers: { name: string; size: number; shape: number[]; spikes: number | null }[];
}
const summaryOf = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
/** The IF node of {@link countingGraph}, as the run's summary lists it. */
const ifLayer = (s: Summary) => s.layers.find((l) => l.name === 'if1 IF');

describe('spikeflow run --network model.nir', () => {
  // events [t µs, x, y, p]: bins of 1 ms from the first event
  const events: Ev[] = [
    [1000, 3, 4, 1],
    [1200, 30, 30, 1],
    [1500, 5, 5, 0],
    [2100, 7, 7, 1],
    [4000, 8, 8, 0],
    [4999, 9, 9, 0],
    [6500, 1, 1, 1],
  ];
  // bins (t − 1000 µs) / 1 ms: ON in bins 0, 1, 5; OFF in bins 0, 3 → the IF neurons fire once per bin with events
  it('bins N-MNIST events to the graph input [2, 34, 34] and runs it (hand-derived spike count)', async () => {
    const input = join(dir, 'synthetic.bin');
    writeFileSync(input, encodeNmnist(events));
    const model = await writeGraph('count.nir', countingGraph(2, 34, 34));
    const out = join(dir, 'out-nmnist');
    const r = await run(['run', '--network', model, '--input', input, '--out', out, '--no-progress']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.steps).toBe(6);
    expect(ifLayer(s)?.spikes).toBe(5);
  });

  it('scales a large sensor onto a smaller grid, merging polarities for a [1, H, W] input', async () => {
    const input = join(dir, 'synthetic.raw');
    writeFileSync(input, encodeEvt2(events, [1280, 720]));
    const model = await writeGraph('count1.nir', countingGraph(1, 9, 16));
    const out = join(dir, 'out-evt2');
    const r = await run(['run', '--network', model, '--input', input, '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    // one channel: bins with any event: 0, 1, 3, 5
    expect(ifLayer(summaryOf(out))?.spikes).toBe(4);
  });

  it('exits 2 naming both shapes when the input does not fit the graph', async () => {
    const input = join(dir, 'currents.json');
    writeFileSync(input, JSON.stringify([[0.1, 0.2, 0.3]]));
    const model = await writeGraph('count2.nir', countingGraph(2, 34, 34));
    const r = await run(['run', '--network', model, '--input', input, '--out', join(dir, 'out-bad'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /NIR graph takes input \[2, 34, 34\] \(2312 features per step\) but the input \S*currents\.json gives \[3\] \(3 features\)/,
    );
  });

  it('a CSV with one column too few: the message says its first column is the time (exit 2)', async () => {
    const input = join(dir, 'four.csv');
    writeFileSync(input, '0.5,0.5,0.5,0.5\n0.5,0.5,0.5,0.5\n');
    const model = new URL('../fixtures/nir/cuba_lif_mlp.nir', import.meta.url).pathname;
    const r = await run(['run', '--network', model, '--input', input, '--out', join(dir, 'out-csv'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /takes input \[4\] \(4 features per step\) but the input \S*four\.csv gives \[3\] \(3 features\) \(a CSV's first column is its time, the others are the features: give 4 value columns after it\)/,
    );
  });

  it('without --input, names the built-in demo input, the shape the graph wants and how to give an input (exit 2)', async () => {
    const model = new URL('../fixtures/nir/cuba_lif_mlp.nir', import.meta.url).pathname;
    const r = await run(['run', '--network', model, '--out', join(dir, 'out-demo'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /takes input \[4\] \(4 features per step\) but the built-in demo input \(64 sinusoidal currents; no --input was given\) gives \[64\]/,
    );
    expect(r.err).toMatch(/give --input FILE with 4 features per step: a JSON array T×4 of currents, a CSV with 4 value columns/);
  });

  it('lists every node of the graph with its size, shape and spikes (as compileNir records them)', async () => {
    const model = new URL('../fixtures/nir/cuba_lif_mlp.nir', import.meta.url).pathname;
    const T = 120;
    const rows = Array.from({ length: T }, (_, t) => [0.5, 1, 1.5, 2].map((v) => (t % 3 === 0 ? v : 0)));
    const input = join(dir, 'four.json');
    writeFileSync(input, JSON.stringify(rows));
    const out = join(dir, 'out-layers');
    const r = await run(['run', '--network', model, '--input', input, '--out', out, '--no-progress']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.layers.map((l) => [l.name, l.size, l.shape])).toEqual([
      ['fc1 Affine', 16, [16]],
      ['lif1 CubaLIF', 16, [16]],
      ['fc2 Linear', 3, [3]],
      ['lif2 CubaLIF', 3, [3]],
    ]);
    // the same graph run directly, recording every node
    const { graph } = await readNirFile(readFileSync(model));
    const rec = compileNir(graph, { dt: 0.001, record: true }).run(fromTypedArray(Float32Array.from(rows.flat()), [T, 1, 4])).layers;
    const count = (name: string) => (rec[name] as { data: Float32Array }).data.reduce((a, b) => a + b, 0);
    expect(count('lif1')).toBeGreaterThan(0);
    expect(s.layers.map((l) => l.spikes)).toEqual([null, count('lif1'), null, count('lif2')]);
    expect(r.out).toMatch(/\n {2}fc1 Affine\(16\): no spikes \(non-spiking layer\)\n {2}lif1 CubaLIF\(16\): \d+ spikes/);
    expect(r.out).toMatch(/\n {2}lif2 CubaLIF\(3\): \d+ spikes/);
    // the report counts neurons, not the linear maps' values
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/layer 0: fc1 Affine<\/th><td>16 values per step, non-spiking/);
    expect(html).toMatch(/layer 1: lif1 CubaLIF<\/th><td>16 neurons, \d+ spikes/);
    expect(html).toMatch(/>neurons<\/th><td>19</);
  });

  it('prints a node of several dimensions with its shape', async () => {
    const input = join(dir, 'synthetic2.bin');
    writeFileSync(input, encodeNmnist(events));
    const model = await writeGraph('count4.nir', countingGraph(2, 34, 34));
    const r = await run(['run', '--network', model, '--input', input, '--out', join(dir, 'out-shape'), '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /\n {2}pool SumPool2d\(2×1×1 = 2\): no spikes[^\n]*\n {2}flat Flatten\(2\): no spikes[^\n]*\n {2}if1 IF\(2\): 5 spikes/,
    );
  });

  it.runIf(hasSharedData)('runs a NIR graph on the real N-MNIST sample', async () => {
    const model = await writeGraph('count3.nir', countingGraph(2, 34, 34));
    const out = join(dir, 'out-real');
    const r = await run(['run', '--network', model, '--input', join(eventsDir, 'sample_nmnist.bin'), '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.steps).toBeGreaterThan(300);
    expect(ifLayer(s)?.spikes).toBeGreaterThan(100);
  });
});

describe('spikeflow inspect model.nir', () => {
  it('describes the graph as text and as JSON', async () => {
    const path = new URL('../fixtures/nir/cuba_lif_mlp.nir', import.meta.url).pathname;
    const r = await run(['inspect', path]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/input \[4\] → output \[3\]/);
    expect(r.out).toMatch(/lif1\s+CubaLIF\s+\[16\]\s+tau_syn 0\.005 \[16\], tau_mem 0\.008333…0\.0125 \[16\]/);
    const j = JSON.parse((await run(['inspect', path, '--json'])).out) as { totals: { neurons: number; weights: number } };
    expect(j.totals).toEqual({ neurons: 19, weights: 16 * 4 + 3 * 16, subgraphs: 0 });
  });

  it('exits 2 for a file that is not HDF5', async () => {
    const path = join(dir, 'broken.nir');
    writeFileSync(path, 'not hdf5');
    const r = await run(['inspect', path]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not an HDF5 file/);
  });
});
