import { mkdirSync, writeFileSync } from 'node:fs';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { neuron } from '../../src/neurons/sequential.js';
import { slice, tensor } from '../../src/ops/tensor.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { layer } from '../../src/streams/layer.js';
import type { LayerStep } from '../../src/streams/scanLayer.js';
import { traces } from '../../src/viz/traces.js';
import { loadTrace } from '../golden.js';
import { all, chunk, domainOf, num, parseSVG, plotArea } from './helpers.js';

/** Subpaths of an SVG path `d` made of M/L commands, as lists of [x, y]. */
const subpaths = (d: string): [number, number][][] =>
  d
    .split('M')
    .filter((s) => s.length > 0)
    .map((s) => s.split('L').map((p) => p.split(',').map(Number) as [number, number]));

const M = { top: 28, right: 16, bottom: 40, left: 56 }; // the default margins
const { pw, ph } = plotArea(640, 300, M);

describe('traces: the seed figure', () => {
  it('is three lines of user code and draws Norse’s LIF voltages for inputs 0, 0.1, 0.3', () => {
    // --- the three lines (plus imports) ---
    const xs = tensor(Array.from({ length: 100 }, () => [[0, 0.1, 0.3]]));
    const run = lif.run({}, 0.001, { record: true })(xs);
    const svg = traces().threshold(1).labels(['0', '0.1', '0.3']).toSVG(run);
    // ---
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/seed-lif-traces.svg', svg);

    // Norse's own trace: LIF defaults, dt = 1 ms, constant inputs [0, 0.1, 0.3, 1.0] per neuron.
    const norse = loadTrace('LIF_default_b_const_per_neuron.json');
    const v = norse.outputs.v as number[][];
    const z = norse.outputs.z as number[][];
    const root = parseSVG(svg);
    expect(domainOf(root, 'x')).toEqual([0, 100]);
    // y domain: extent of the voltages and the threshold: v stays in [0, 1) and starts at 0
    expect(domainOf(root, 'y')).toEqual([0, 1]);
    const paths = all(root, 'path.trace');
    expect(paths.map((p) => p.getAttribute('data-neuron'))).toEqual(['0', '1', '2']);
    paths.forEach((p, n) => {
      const [points, ...rest] = subpaths(p.getAttribute('d') ?? '');
      expect(rest).toHaveLength(0);
      expect(points).toHaveLength(100);
      points?.forEach(([x, y], t) => {
        expect(x).toBeCloseTo((t / 100) * pw, 1);
        expect(y).toBeCloseTo(ph * (1 - (v[t]?.[n] as number)), 1);
      });
    });
    // spikes marked: one line per Norse spike (only the 0.3 neuron fires), at its step
    const spikes = all(root, 'line.spike');
    const norseSpikes = z.slice(0, 100).flatMap((row, t) => row.slice(0, 3).flatMap((s, n) => (s === 1 ? [[t, n]] : [])));
    expect(norseSpikes.length).toBeGreaterThan(5);
    expect(spikes.map((l) => [Math.round((num(l, 'x1') / pw) * 100), Number(l.getAttribute('data-neuron'))])).toEqual(norseSpikes);
    // threshold line at v = 1, i.e. the top of the plot; legend with the three currents
    const th = root.querySelector('line.threshold');
    expect(th === null ? Number.NaN : num(th, 'y1')).toBeCloseTo(0, 5);
    expect(all(root, 'g.legend g.entry text').map((t) => t.textContent)).toEqual(['0', '0.1', '0.3']);
    expect(root.querySelector('text.label.x')?.textContent).toBe('time (ms)');
    expect(root.querySelector('text.label.y')?.textContent).toBe('v');
  });
});

describe('traces', () => {
  it('draws NaN as a visible gap: the line breaks and a band marks the steps', () => {
    const values = chunk(10, 1, 2, (t, _b, n) => (n === 0 && (t === 4 || t === 5) ? Number.NaN : n === 1 && t === 9 ? Infinity : t));
    const root = parseSVG(traces().toSVG(values));
    const [p0, p1] = all(root, 'path.trace');
    const parts0 = subpaths(p0?.getAttribute('d') ?? '');
    expect(parts0.map((s) => s.length)).toEqual([4, 4]); // steps 0-3 and 6-9
    expect(subpaths(p1?.getAttribute('d') ?? '').map((s) => s.length)).toEqual([9]);
    const gaps = all(root, 'rect.gap');
    expect(gaps).toHaveLength(2);
    const step = pw / 10;
    expect(num(gaps[0] as Element, 'x')).toBeCloseTo(4 * step, 1);
    expect(num(gaps[0] as Element, 'width')).toBeCloseTo(2 * step, 1);
    expect(num(gaps[1] as Element, 'x')).toBeCloseTo(9 * step, 1);
    expect(root.getAttribute('data-nonfinite')).toBe('3');
    // the automatic domain ignores non-finite values: neuron 0 reaches 9 at step 9, neuron 1's Infinity is left out
    expect(domainOf(root, 'y')).toEqual([0, 9]);
  });

  it('renders empty input as an empty plot with axes', () => {
    const root = parseSVG(traces().window(200).toSVG());
    expect(all(root, 'path.trace')).toHaveLength(0);
    expect(domainOf(root, 'x')).toEqual([0, 200]);
    expect(domainOf(root, 'y')).toEqual([0, 1]);
    expect(root.querySelector('g.axis.y path.domain')).not.toBeNull();
    expect(domainOf(parseSVG(traces().threshold(-55).toSVG()), 'y')).toEqual([-56, -54]);
  });

  it('selects neurons and batch, fixes the y domain, samples per step', () => {
    const values = chunk(5, 2, 4, (t, b, n) => 100 * b + 10 * n + t);
    const root = parseSVG(traces().batch(1).neurons([3, 1]).yDomain([100, 150]).toSVG(values));
    const paths = all(root, 'path.trace');
    expect(paths.map((p) => p.getAttribute('data-neuron'))).toEqual(['3', '1']);
    const ys = subpaths(paths[0]?.getAttribute('d') ?? '')[0]?.map(([, y]) => y) ?? [];
    // neuron 3 of batch 1: 130 + t on [100, 150]
    ys.forEach((y, t) => {
      expect(y).toBeCloseTo(ph * (1 - (30 + t) / 50), 1);
    });
    expect(domainOf(root, 'y')).toEqual([100, 150]);
  });

  it('takes values and spikes from stream elements through accessors', () => {
    const v = chunk(4, 1, 1, (t) => t / 4);
    const z = chunk(4, 1, 1, (t) => (t === 2 ? 1 : 0));
    const t = traces<{ state: { v: typeof v }; out: typeof z }>()
      .value((d) => d.state.v)
      .spikes((d) => d.out);
    const root = parseSVG(t.toSVG({ state: { v }, out: z }));
    const spikes = all(root, 'line.spike');
    expect(spikes).toHaveLength(1);
    expect(num(spikes[0] as Element, 'x1')).toBeCloseTo((2 / 4) * pw, 1);
  });

  it('keeps memory bounded by the window', () => {
    const t = traces().window(50);
    for (let k = 0; k < 200; k++) t.push(chunk(7, 1, 3, (s) => Math.sin(k * 7 + s)));
    expect(t.buffered().pending).toBeLessThanOrEqual(50 + 7);
    t.scales();
    expect(t.buffered()).toMatchObject({ received: 1400, pending: 0, stored: 50, marks: 150 });
    expect(domainOf(parseSVG(t.toSVG()), 'x')).toEqual([1350, 1400]);
  });

  it('rejects bad input with clear errors', () => {
    const run = lif.run({}, 0.001)(tensor([[[0.1]]]));
    expect(() => traces().toSVG(run)).toThrow(/traces: the run result has no recorded states; run the model with \{ record: true \}/);
    const rec = lif.run({}, 0.001, { record: true })(tensor([[[0.1]]]));
    expect(() => traces().field('b').toSVG(rec)).toThrow(/records no state "b"; recorded: v, i/);
    expect(() =>
      traces()
        .neurons([5])
        .toSVG(tensor([[[1, 2]]])),
    ).toThrow(/neuron index 5 is out of range for chunks of 2 neurons/);
    expect(() => traces().threshold(Number.NaN)).toThrow(/threshold must be a finite number or undefined, received NaN/);
    expect(() => traces().yDomain([1, 0])).toThrow(/yDomain must be \[lo, hi\]/);
    expect(() =>
      traces()
        .spikes(() => tensor([[[Number.NaN]]]))
        .toSVG(tensor([[[0]]])),
    ).toThrow(/traces: spikes must be finite, received NaN/);
    expect(() =>
      traces()
        .spikes(() => tensor([[[0, 1]]]))
        .toSVG(tensor([[[0]]])),
    ).toThrow(/spikes shape \[1, 1, 2\] does not match/);
  });
});

describe('traces: fed by a layer probe', () => {
  it("a probe's { out, state, recorded } draws the recorded voltage and marks the spikes, as the run result of the same chunks", async () => {
    const xs = tensor(Array.from({ length: 120 }, () => [[0, 0.1, 0.3]]));
    const probed = traces<LayerStep<unknown>>().threshold(1);
    await lastValueFrom(fromTensor(xs, { chunk: 40 }).pipe(layer(neuron(lif, {}, 0.001, { record: true }), { probe: probed.observer() })));
    const tupled = traces().threshold(1);
    const run = lif.run({}, 0.001, { record: true });
    let state: Parameters<typeof run>[1] | undefined;
    for (let t = 0; t < 120; t += 40) {
      const r = run(slice(xs, t, t + 40), state);
      state = r[1];
      tupled.observer().next(r);
    }
    const svg = probed.toSVG();
    expect(svg).toBe(tupled.toSVG());
    expect(svg).toContain('<path');
    expect(() =>
      traces()
        .observer()
        .next({ out: xs, state: {}, recorded: undefined } as never),
    ).toThrow(/no recorded states/);
  });
});
