/** `spikeflow run --network model.nir` and `spikeflow inspect model.nir`. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import type { NirGraph } from '../../src/nir/graph.js';
import { writeNir } from '../../src/nir/hdf5.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { type Ev, encodeEvt2, encodeNmnist } from '../io/formatEncoders.js';
import { eventsDir, hasSharedData } from '../io/shared.js';

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
};
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

const summaryOf = (out: string) =>
  JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { steps: number; layers: { name: string; spikes: number | null }[] };

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
    expect(s.layers[0]?.spikes).toBe(5);
  });

  it('scales a large sensor onto a smaller grid, merging polarities for a [1, H, W] input', async () => {
    const input = join(dir, 'synthetic.raw');
    writeFileSync(input, encodeEvt2(events, [1280, 720]));
    const model = await writeGraph('count1.nir', countingGraph(1, 9, 16));
    const out = join(dir, 'out-evt2');
    const r = await run(['run', '--network', model, '--input', input, '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    // one channel: bins with any event: 0, 1, 3, 5
    expect(summaryOf(out).layers[0]?.spikes).toBe(4);
  });

  it('exits 2 naming both shapes when the input does not fit the graph', async () => {
    const input = join(dir, 'currents.json');
    writeFileSync(input, JSON.stringify([[0.1, 0.2, 0.3]]));
    const model = await writeGraph('count2.nir', countingGraph(2, 34, 34));
    const r = await run(['run', '--network', model, '--input', input, '--out', join(dir, 'out-bad'), '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/NIR graph takes input \[2, 34, 34\] \(2312 features\) but the input gives \[3\]/);
  });

  it.runIf(hasSharedData)('runs a NIR graph on the real N-MNIST sample', async () => {
    const model = await writeGraph('count3.nir', countingGraph(2, 34, 34));
    const out = join(dir, 'out-real');
    const r = await run(['run', '--network', model, '--input', join(eventsDir, 'sample_nmnist.bin'), '--out', out, '--no-progress']);
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.steps).toBeGreaterThan(300);
    expect(s.layers[0]?.spikes).toBeGreaterThan(100);
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
