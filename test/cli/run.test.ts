/** `spikeflow run`, the main job: input → network → summary, report.html and summary.json. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { formatRunSummary, type RunSummary, runJob } from '../../src/cli/run/index.js';

import { loadTrace } from '../golden.js';

const shared = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const haveShared = existsSync(shared);
if (!haveShared && process.env.CI) throw new Error(`../shared/data is missing at ${shared}: CI must provide it`);
if (!haveShared) console.warn(`[run.test] ../shared/data not found at ${shared}: the real-recording runs were NOT run`);

const tmp = (): string => mkdtempSync(join(tmpdir(), 'spikeflow-run-'));
const summaryOf = (dir: string): RunSummary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
const figures = (html: string): number => (html.match(/<figure/g) ?? []).length;

describe('spikeflow run', () => {
  it('runs the built-in demo: seed figure, a network, a summary and a report', async () => {
    const out = tmp();
    let stdout = '';
    const code = await main(['--out', out], { stdout: (t) => (stdout += t), stderr: () => {} });
    expect(code).toBe(0);
    const s = summaryOf(out);
    expect(s.kind).toBe('demo');
    expect(s.network).toBeNull();
    expect(stdout.split('\n')[0]).toBe('spikeflow run — built-in demo input (demo)');
    expect(s.steps).toBe(2000);
    expect(s.simulatedSeconds).toBeCloseTo(2, 12);
    expect(s.layers.map((l) => [l.name, l.size])).toEqual([
      ['LIF', 64],
      ['Linear', 10],
      ['LI', 10],
    ]);
    // The signal is 0.15 ± 0.15: a LIF neuron's steady voltage is 5·x (see the LI/LIF equations), so
    // every neuron crosses threshold 1 near the peaks of its sinusoid and fires, but far below 1 kHz.
    const lifLayer = s.layers[0];
    expect(lifLayer?.spikes).toBeGreaterThan(64);
    expect(lifLayer?.meanRateHz).toBeLessThan(500);
    expect(stdout).toMatch(/steps: 2000 \(dt 1 ms, 2\.000 s simulated\)/);
    expect(stdout).toMatch(/LIF\(64\): \d+ spikes, mean rate [\d.]+ Hz/);
    expect(stdout).toMatch(/M neuron-steps\/s/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('The seed figure');
    expect(figures(html)).toBeGreaterThanOrEqual(6);
  });

  it('runs JSON currents and counts the spikes Norse counts (LIF trace)', async () => {
    const tr = loadTrace('LIF_default_b_const_per_neuron.json');
    const dir = tmp();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(tr.input));
    const s = await runJob({ input, out: dir });
    // float32 run of the float64 trace; these inputs are far from threshold ties, so spikes agree.
    const norseSpikes = (tr.outputs.z as number[][]).flat().reduce((a, b) => a + b, 0);
    expect(s.kind).toBe('currents');
    expect(s.steps).toBe(200);
    expect(s.layers[0]?.spikes).toBe(norseSpikes);
  });

  it('runs a network file', async () => {
    const dir = tmp();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(Array.from({ length: 50 }, () => [1, 1, 1])));
    const net = join(dir, 'net.json');
    writeFileSync(
      net,
      JSON.stringify({ layers: [{ type: 'linear', out: 6, seed: 4 }, { type: 'LIFRecurrent', size: 5 }, { type: 'LI' }] }),
    );
    const s = await runJob({ input, network: net, out: dir });
    expect(s.layers.map((l) => [l.name, l.size])).toEqual([
      ['Linear', 6],
      ['LIFRecurrent', 5],
      ['LI', 5],
    ]);
    expect(s.steps).toBe(50);
    // the summary and its header name the network file, not only the input
    expect(s.network).toBe(net);
    expect(formatRunSummary(s).split('\n')[0]).toBe(`spikeflow run — ${input} (currents) through ${net}`);
  });

  it('runs a CSV time series: one row per step, the time column first', async () => {
    const dir = tmp();
    const csv = join(dir, 'sensor.csv');
    const rows = Array.from({ length: 120 }, (_, t) => `${t * 0.001},${t < 60 ? 0.3 : 0},0`);
    writeFileSync(csv, `time,a,b\n${rows.join('\n')}\n`);
    const s = await runJob({ input: csv, out: dir });
    expect(s.kind).toBe('timeseries');
    expect(s.steps).toBe(120);
    expect(s.layers[0]?.size).toBe(2);
    // Channel a: 60 steps of 0.3 into a default LIF neuron; Norse's trace of constant 0.3
    // (LIF_default_a_const_0.3) has its spikes at these steps, and channel b never spikes.
    const z = (loadTrace('LIF_default_a_const_0.3.json').outputs.z as number[][]).slice(0, 60).map((r) => r[0] as number);
    expect(s.layers[0]?.spikes).toBe(z.reduce((a, b) => a + b, 0));
  });

  it('the summary shows a tiny mean rate with three significant digits, not 0.00', async () => {
    const dir = tmp();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(Array.from({ length: 20 }, () => [0.3])));
    const s = await runJob({ input, out: dir });
    const layer = s.layers[0] as (typeof s.layers)[number];
    const line = (hz: number) => formatRunSummary({ ...s, layers: [{ ...layer, meanRateHz: hz }] }).split('\n')[2];
    expect(line(42 / 153600 / 0.59)).toMatch(/mean rate 0\.000463 Hz$/);
    expect(line(27.264)).toMatch(/mean rate 27\.26 Hz$/);
    expect(line(0)).toMatch(/mean rate 0\.00 Hz$/);
  });

  it('runs a CSV time series without a header row: its first row is a step too', async () => {
    const dir = tmp();
    const csv = join(dir, 'bare.csv');
    const rows = Array.from({ length: 50 }, (_, t) => `${t * 0.001},0.5,0.5,0.5`);
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const s = await runJob({ input: csv, out: dir });
    expect(s.steps).toBe(50);
    expect(s.layers[0]?.size).toBe(3);
  });

  it('--realtime paces steps to the wall clock (200 steps of 1 ms take at least 0.2 s)', async () => {
    const dir = tmp();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(Array.from({ length: 200 }, () => [0.3])));
    const s = await runJob({ input, out: dir, realtime: true });
    expect(s.steps).toBe(200);
    expect(s.wallSeconds).toBeGreaterThanOrEqual(0.2 - 0.002);
  });

  it('exits with 2 and a message for bad arguments or input', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, new Uint8Array([0x22, 0x22, 0xff, 0x00])); // N-MNIST ends mid-event after 4 of 5 bytes
    const cases: [string[], RegExp][] = [
      [['run', '--input', join(dir, 'missing.json'), '--out', dir], /cannot read input file/],
      [['run', '--dt', '0', '--out', dir], /argument '0' is invalid/],
      [['run', '--model', 'Nope', '--out', dir], /unknown model "Nope"/],
      [['run', '--input', bad, '--format', 'nmnist', '--out', dir], /byte|offset|truncated|mid-event/i],
      [['run', '--format', 'mp3', '--input', bad, '--out', dir], /format must be one of/],
      [['run', '--gain', '-1', '--out', dir], /--gain <factor>' argument '-1' is invalid. expected a number > 0, received "-1"/],
      [['frobnicate'], /unknown command "frobnicate"; expected one of run, simulate, inspect/],
    ];
    for (const [argv, message] of cases) {
      let err = '';
      const code = await main(argv, { stdout: () => {}, stderr: (t) => (err += t) });
      expect(code, argv.join(' ')).toBe(2);
      expect(err, argv.join(' ')).toMatch(message);
    }
  });

  it.runIf(haveShared)('runs the N-MNIST sample end to end: 311 steps of 1 ms, spikes, heatmaps', async () => {
    const dir = tmp();
    const s = await runJob({ input: join(shared, 'events', 'sample_nmnist.bin'), out: dir });
    // Events span 654…311175 µs (see test/readers); step 0 starts at the first event, so the last
    // event falls in step floor((311175 − 654) / 1000) = 310: 311 steps.
    expect(s.steps).toBe(311);
    expect(s.layers[0]?.size).toBe(2 * 34 * 34);
    expect(s.layers[0]?.spikes).toBeGreaterThan(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<title>spikeflow run: sample_nmnist.bin</title>');
    expect(html).not.toContain(shared);
    expect(html).toContain('Input events over time');
    expect(html).toContain('LIF: output spikes over time');
    expect(html).toMatch(/<th>events<\/th><td>\d[\d ]*<\/td>/);
    // frames at the sensor's aspect (34 × 34: a square plot area), axes in pixels 0–34
    const tag = /<svg [^>]*class="spikeflow heatmap"[^>]*>/.exec(html)?.[0] ?? '';
    const size = (name: string): number => Number(new RegExp(` ${name}="(\\d+)"`).exec(tag)?.[1]);
    expect(size('height') - 68).toBe(size('width') - 48);
    expect(html).toContain('data-domain="0,34"');
  });

  it('errors when an event format decodes no events from the file', async () => {
    const dir = tmp();
    const input = join(dir, 'cur.json');
    const text = JSON.stringify(Array.from({ length: 100 }, () => [0.1, 0.25]));
    writeFileSync(input, text.length % 2 === 0 ? text : `${text}\n`); // whole 16-bit EVT 3.0 words
    await expect(runJob({ input, format: 'evt3', out: dir })).rejects.toThrow(
      /^--input [^ ]*cur\.json \(evt3, [^)]*\): no events were decoded, so there is nothing to simulate; is the format right\? \(spikeflow inspect "[^"]*cur\.json" shows what the file holds\)$/,
    );
  });

  it('prints its version', async () => {
    let out = '';
    const code = await main(['--version'], { stdout: (t) => (out += t), stderr: () => {} });
    expect(code).toBe(0);
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version);
  });

  it.runIf(haveShared)('runs real speech end to end: one step per 48 samples at 48 kHz', async () => {
    const dir = tmp();
    const s = await runJob({ input: join(shared, 'audio', 'Front_Center.wav'), out: dir });
    // 68545 frames / hop 48 = 1428 full hops.
    expect(s.steps).toBe(1428);
    expect(s.kind).toBe('audio');
    expect(s.layers[0]?.spikes).toBeGreaterThan(0);
    expect(figures(readFileSync(join(dir, 'report.html'), 'utf8'))).toBeGreaterThanOrEqual(3);
  });
});
