/** Charts fed without a display (Node, a report) aggregate as data arrive: memory bounded by the store, whatever the run. */
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_VALUES } from '../../src/viz/dataPath.js';
import { raster } from '../../src/viz/raster.js';
import { rate } from '../../src/viz/rate.js';
import { chunk } from './helpers.js';

describe('chart memory without a display', () => {
  it('a long-window rate chart of a large layer drains its queue into its bins', () => {
    const N = 32_768;
    const T = 100;
    // neuron n spikes at step t when (t + n) % 50 === 0: N/50 spikes per step on average
    const chunks = [0, 1].map((k) => chunk(T, 1, N, (t, _b, n) => ((k * T + t + n) % 50 === 0 ? 1 : 0)));
    const r = rate().window(100_000).bin(100).unit('count');
    let maxPending = 0;
    for (let k = 0; k < 200; k++) {
      r.push(chunks[k % 2] as (typeof chunks)[0]);
      maxPending = Math.max(maxPending, r.buffered().pending);
    }
    // without draining, 20 000 steps × 32 768 neurons (2.6 GB of float32) would be queued
    expect(maxPending * N).toBeLessThanOrEqual(MAX_PENDING_VALUES + T * N);
    expect(r.buffered().received).toBe(20_000);
    // the bins hold every spike: per 100-step bin, each neuron spikes twice
    const svg = r.toSVG();
    const values = Array.from(svg.matchAll(/data-value="([^"]+)"/g), (m) => Number(m[1]));
    expect(values).toHaveLength(200);
    expect(new Set(values)).toEqual(new Set([2 * N]));
  });

  it('a raster keeps only its window, however many values arrive', () => {
    const N = 4096;
    const c = chunk(100, 1, N, (t, _b, n) => (n === t ? 1 : 0));
    const r = raster().window(1000);
    for (let k = 0; k < 500; k++) r.push(c);
    const b = r.buffered();
    expect(b.pending * N).toBeLessThanOrEqual(MAX_PENDING_VALUES + 100 * N);
    expect(b.stored).toBeLessThanOrEqual(1000);
    expect(b.received).toBe(50_000);
  });
});
