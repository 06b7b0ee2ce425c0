/** The report of a run: summary table, event frames, rasters of the most active neurons, shared window, bounded memory. */
import { DOMParser } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { activeRaster } from '../../src/viz/activeRaster.js';
import { eventFrames } from '../../src/viz/eventFrames.js';
import { rate } from '../../src/viz/rate.js';
import { runReport } from '../../src/viz/runReport.js';
import { all, chunk, domainOf, parseSVG, tickLabels } from './helpers.js';

const parseHTML = (html: string): Document => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;

/** `[T, 1, 2·H·W]` events: ON events at pixel (x, y) = (t mod W, 1) and one OFF event at (0, 0) every step. */
const events = (T: number, H: number, W: number, t0 = 0) => {
  const F = 2 * H * W;
  const d = new Float32Array(T * F);
  for (let t = 0; t < T; t++) {
    d[t * F + H * W + W + ((t0 + t) % W)] = 1;
    d[t * F] = 1;
  }
  return fromTypedArray(d, [T, 1, F]);
};

describe('run report', () => {
  it('summarises an event run, draws frames at the sensor aspect and a raster of the most active pixels', () => {
    const [H, W] = [4, 8];
    const r = runReport({
      name: 'rec.raw',
      kind: 'events',
      dt: 0.001,
      features: [2, H, W],
      recording: [['format', 'evt2']],
      layers: [{ name: 'LIF', size: 2 * H * W, spiking: true, parameters: 'vTh 1' }],
      window: 100,
    });
    for (let k = 0; k < 3; k++) {
      const x = events(3, H, W, 3 * k);
      r.input(x);
      r.output(0, x); // spikes where the events are
    }
    const html = r.toHTML({ wallSeconds: 0.5, neuronStepsPerSecond: 2e6 });
    const doc = parseHTML(html);
    expect(doc.querySelector('title')?.textContent).toBe('spikeflow run: rec.raw');
    const rows = Object.fromEntries(
      Array.from(doc.querySelectorAll('table.summary tr')).map((tr) => [tr.children[0]?.textContent, tr.children[1]?.textContent]),
    );
    expect(rows.input).toBe('rec.raw');
    expect(rows.format).toBe('evt2');
    expect(rows.events).toBe('18'); // 9 steps × (1 ON + 1 OFF)
    expect(rows.duration).toBe('0.00900 s (9 steps of dt = 1 ms)');
    // 18 / 64 / 0.009 s = 31.25 Hz (31.2 in 3 digits: the double is just below)
    expect(rows['layer 0: LIF']).toBe('64 neurons, 18 spikes, mean rate 31.2 Hz per neuron; vTh 1');
    // frames: 9 steps in 8 stretches at most → stretches of 2 steps: 5 frames
    const frames = Array.from(doc.querySelectorAll('section.row svg.heatmap'));
    expect(frames.length).toBe(10); // input and output
    const svg = frames[0] as Element;
    const [w, h] = [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))];
    expect((h - 68) / (w - 48)).toBeCloseTo(H / W, 1); // plot area at the sensor's aspect
    expect(domainOf(svg, 'x')).toEqual([0, W]);
    expect(svg.getAttribute('data-signed')).toBe('true');
    // the raster: 9 active neurons (pixel (0,0) OFF and 8 ON pixels of row 1), labelled by pixel
    const raster = doc.querySelector('svg.raster') as Element;
    expect(tickLabels(raster, 'y')).toContain('0,0 OFF');
    expect(tickLabels(raster, 'y')).toContain('3,1 ON');
    expect(all(raster, 'circle.spike')).toHaveLength(18);
    expect(domainOf(raster, 'x')).toEqual([0, 9]);
    // the rate: one bar per step (9 steps)
    expect(all(doc.querySelector('svg.rate') as Element, 'rect.bar')).toHaveLength(9);
    expect(html).toContain('Steps 0–9 (t = 0–9 ms: the whole run), the same window in every time panel.');
  });

  it('keeps bounded memory over a long run: frames merge, the raster logs only its window', () => {
    const f = eventFrames({ sensor: [2, 4, 8], dt: 0.001 });
    const a = activeRaster({ window: 50, dt: 0.001 });
    for (let k = 0; k < 1000; k++) {
      const x = events(10, 4, 8, 10 * k);
      f.push(x);
      a.push(x);
    }
    expect(f.held()).toBeLessThanOrEqual(8 * 64);
    expect(f.stepsPerFrame()).toBe(2048); // 10 000 steps in ≤ 8 frames of a power of two
    expect(a.logged()).toBe(100); // 2 events per step × 50 steps
    const sel = a.selection();
    expect(sel.from).toBe(9950);
    expect(sel.neurons[0]).toBe(0); // the OFF pixel spikes every step
    expect(sel.spikes[0]).toBe(50);
    const svg = parseSVG(a.chart('L').toSVG());
    expect(domainOf(svg, 'x')).toEqual([9950, 10000]);
  });

  it('draws an audio run as waveform and cochlea spectrogram with channel labels', () => {
    const r = runReport({
      name: 'speech.wav',
      kind: 'audio',
      dt: 0.001,
      features: [4],
      layers: [{ name: 'LIF', size: 4, spiking: true }],
      audio: { sampleRate: 8000, hop: 8, bands: [100, 400, 1600, 6400] },
      window: 50,
    });
    r.samples(Float32Array.from({ length: 800 }, (_, k) => Math.sin(k / 3)));
    r.input(chunk(100, 1, 4, (t, _b, n) => (n === 2 ? 1 + (t % 2) : 0.1)));
    r.output(
      0,
      chunk(100, 1, 4, (t, _b, n) => (n === 2 && t % 5 === 0 ? 1 : 0)),
    );
    const doc = parseHTML(r.toHTML({ wallSeconds: 1, neuronStepsPerSecond: 1 }));
    const spec = doc.querySelector('svg.spectrogram') as Element;
    expect(spec.getAttribute('data-channels')).toBe('4');
    expect(tickLabels(spec, 'y')).toEqual(['100', '400', '1.6k', '6.4k']);
    expect(domainOf(spec, 'x')).toEqual([50, 100]); // the shared window: the last 50 steps
    const wave = Array.from(doc.querySelectorAll('svg.traces')).find((s) => s.textContent?.includes('amplitude'));
    expect(wave).toBeDefined();
    expect(domainOf(wave as Element, 'x')).toEqual([50, 100]);
    expect(doc.querySelector('svg.raster text.label.y')?.textContent).toBe('channel neurons');
    expect(tickLabels(doc.querySelector('svg.raster') as Element, 'y')).toEqual(['2 (1.6k)']);
  });

  it("rate with bin('auto') gives one bar per step for short runs and at most 100 for long ones", () => {
    const short = parseSVG(
      rate()
        .bin('auto')
        .toSVG(chunk(9, 1, 3, (t, _b, n) => (n <= t % 3 ? 1 : 0))),
    );
    expect(all(short, 'rect.bar')).toHaveLength(9);
    const long = parseSVG(
      rate()
        .window(5000)
        .bin('auto')
        .toSVG(chunk(5000, 1, 2, (t) => (t % 2 === 0 ? 1 : 0))),
    );
    const bars = all(long, 'rect.bar');
    expect(bars).toHaveLength(100);
    expect(new Set(bars.map((b) => b.getAttribute('data-value')))).toEqual(new Set(['500'])); // 1 spike per neuron per 2 ms
  });
});
