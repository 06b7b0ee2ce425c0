import { describe, expect, it } from 'vitest';
import { rate } from '../../src/viz/rate.js';
import { all, chunk, domainOf, num, parseSVG, plotArea } from './helpers.js';

const M = { top: 10, right: 10, bottom: 30, left: 40 };
const { pw, ph } = plotArea(450, 240, M); // 400 × 200

describe('rate (PSTH) → SVG', () => {
  it('bins spike counts and draws one bar per bin at the right place, in Hz', () => {
    // 2 neurons, 40 steps, dt = 1 ms, bins of 10 steps. Neuron 0 spikes every 2nd step in bin 0,
    // neuron 1 every step in bin 2: counts [5, 0, 10, 0].
    const z = chunk(40, 1, 2, (t, _b, n) => ((n === 0 && t < 10 && t % 2 === 0) || (n === 1 && t >= 20 && t < 30) ? 1 : 0));
    const root = parseSVG(rate().bin(10).width(450).height(240).margin(M).toSVG(z));
    const bars = all(root, 'rect.bar');
    expect(bars).toHaveLength(4);
    // rate = count / (2 neurons · 1 trial · 10 steps · 0.001 s): [250, 0, 500, 0] Hz
    expect(bars.map((b) => num(b, 'data-value'))).toEqual([250, 0, 500, 0]);
    expect(domainOf(root, 'x')).toEqual([0, 40]);
    expect(domainOf(root, 'y')).toEqual([0, 500]);
    bars.forEach((b, j) => {
      expect(num(b, 'x')).toBeCloseTo((j / 4) * pw, 1);
      expect(num(b, 'width')).toBeCloseTo(pw / 4, 1);
    });
    expect(num(bars[0] as Element, 'height')).toBeCloseTo(ph / 2, 1);
    expect(num(bars[2] as Element, 'y')).toBeCloseTo(0, 1);
    expect(root.querySelector('text.label.y')?.textContent).toBe('rate (Hz)');
  });

  it('counts over trials (batch) and selected neurons; raw counts with unit("count")', () => {
    const z = chunk(10, 3, 4, (t, b, n) => (n === b && t < 5 ? 1 : 0)); // trial b: neuron b fires 5 times
    const hz = parseSVG(rate().bin(10).toSVG(z));
    // all trials and neurons: 15 spikes / (4 neurons · 3 trials · 10 steps · 1 ms) = 125 Hz
    expect(all(hz, 'rect.bar').map((b) => num(b, 'data-value'))).toEqual([125]);
    expect(all(parseSVG(rate().bin(10).unit('count').toSVG(z)), 'rect.bar').map((b) => num(b, 'data-value'))).toEqual([15]);
    expect(all(parseSVG(rate().bin(10).unit('count').batch(1).toSVG(z)), 'rect.bar').map((b) => num(b, 'data-value'))).toEqual([5]);
    expect(all(parseSVG(rate().bin(10).unit('count').neurons([0, 3]).toSVG(z)), 'rect.bar').map((b) => num(b, 'data-value'))).toEqual([5]);
  });

  it('draws the newest, partial bin as wide as its steps, with its rate over those steps', () => {
    const z = chunk(15, 1, 1, () => 1); // bins: [0, 10) full, [10, 15) half
    const root = parseSVG(rate().bin(10).width(450).height(240).margin(M).toSVG(z));
    const bars = all(root, 'rect.bar');
    expect(bars.map((b) => num(b, 'data-value'))).toEqual([1000, 1000]);
    expect(num(bars[1] as Element, 'width')).toBeCloseTo((5 / 15) * pw, 1);
  });

  it('renders empty input as an empty plot with axes', () => {
    const root = parseSVG(rate().toSVG());
    expect(all(root, 'rect.bar')).toHaveLength(0);
    expect(domainOf(root, 'y')).toEqual([0, 1]);
    expect(root.querySelector('g.axis.x path.domain')).not.toBeNull();
  });

  it('keeps a bounded number of bins over a long stream', () => {
    const r = rate().window(100).bin(10);
    for (let k = 0; k < 1000; k++) r.push(chunk(7, 1, 3, (t, _b, n) => ((k * 7 + t) % (n + 2) === 0 ? 1 : 0)));
    r.scales();
    expect(r.buffered().marks).toBeLessThanOrEqual(11);
    const root = parseSVG(r.toSVG());
    expect(domainOf(root, 'x')).toEqual([6900, 7000]);
    expect(all(root, 'rect.bar')).toHaveLength(10);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => rate().bin(0)).toThrow(/rate: bin must be a positive integer number of steps or 'auto', received 0/);
    expect(() => rate().unit('kHz' as 'Hz')).toThrow(/unit must be 'Hz' or 'count'/);
    expect(() =>
      rate()
        .neurons([4])
        .toSVG(chunk(1, 1, 2, () => 0)),
    ).toThrow(/neuron index 4 is out of range for chunks of 2 neurons/);
    expect(() => rate().toSVG(chunk(1, 1, 2, () => Number.NaN))).toThrow(/rate: spikes must be finite, received NaN at step 0, neuron 0/);
  });
});
