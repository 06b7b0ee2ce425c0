import { afterAll, describe, expect, it } from 'vitest';
import { alternate, startSide, summarize } from '../../bench/streamCase.js';
import type { SampleAnswer } from '../../bench/streamServe.js';

// One process of the lif-stream case, started as the case starts it (tsx, no --expose-gc).
const side = startSide();
afterAll(() => side.close());
const ask = async (req: object) => (await side.ask({ cmd: 'sample', N: 1000, T: 1000, seconds: 0.05, ...req })) as unknown as SampleAnswer;

describe('lif-stream bench, one side per process (bench/streamServe.ts)', () => {
  it('fused and stream compute the same spikes; fresh runs take outputs from the pool, reused ones do not; no gc global', async () => {
    const fused = await ask({ side: 'fused', outputs: 'fresh' });
    const stream = await ask({ side: 'stream', outputs: 'fresh' });
    const reuse = await ask({ side: 'stream', outputs: 'reuse' });
    // about 9 % of neuron-steps spike for input uniform in [0, 0.6), the same on both paths
    expect(fused.spikes).toBeGreaterThan(0.05);
    expect(fused.spikes).toBeLessThan(0.15);
    expect(stream.spikes).toBe(fused.spikes);
    expect(reuse.spikes).toBe(fused.spikes);
    for (const a of [fused, stream, reuse]) {
      expect(a.runs).toBeGreaterThanOrEqual(1);
      expect(a.wallMs * a.runs).toBeGreaterThanOrEqual(50);
      expect(a.cpuMs).toBeGreaterThan(0);
      expect(a.ran).toMatch(/^threads/);
      expect(a.gcExposed).toBe(false);
    }
    // a fresh 400 kB chunk output per chunk (10 per run), a 4 MB output per fused run: each from the pool
    expect(stream.recycled + stream.pooled).toBeGreaterThanOrEqual(10 * stream.runs);
    expect(fused.recycled + fused.pooled).toBeGreaterThanOrEqual(fused.runs);
    // reused: one output array written chunk after chunk, none taken per run
    expect(reuse.recycled + reuse.pooled).toBeLessThan(reuse.runs);
    // one process answered all three
    expect(new Set([fused.pid, stream.pid, reuse.pid]).size).toBe(1);
  }, 30_000);

  it('a bad request is refused by name', async () => {
    await expect(ask({ side: 'both', outputs: 'fresh' })).rejects.toThrow("side must be 'fused' or 'stream', received both");
    await expect(ask({ side: 'fused', outputs: 'fresh', N: 0 })).rejects.toThrow('N must be a positive integer, received 0');
  });

  it('alternate takes samples in turn (order reversed every other round) and gives medians per sampler', async () => {
    const order: string[] = [];
    const sampler = (name: string, wall: number[]) => {
      let k = 0;
      return async () => {
        order.push(name);
        const w = wall[k++] as number;
        return { wallMs: w, cpuMs: w / 2, runs: k };
      };
    };
    const [a, b] = await alternate([sampler('a', [1, 5, 2]), sampler('b', [10, 30, 20])], 3);
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b']);
    expect(a).toMatchObject({ medianMs: 2, madMs: 1, minMs: 1, maxMs: 5, runs: 3, reps: 2, cpuMs: 1 });
    expect(b).toMatchObject({ medianMs: 20, madMs: 10, minMs: 10, maxMs: 30, runs: 3, reps: 2, cpuMs: 10 });
  });

  it('summarize pools the samples of several process pairs into one median', () => {
    // two pairs' samples of one side: 1, 5, 2 and 4, 3, 9 ms → sorted 1 2 3 4 5 9, median 3.5
    const s = (w: number, runs: number) => ({ wallMs: w, cpuMs: 2 * w, runs });
    const all = summarize([s(1, 4), s(5, 2), s(2, 3), s(4, 3), s(3, 5), s(9, 1)]);
    // deviations from 3.5: 2.5 1.5 1.5 0.5 0.5 5.5 → sorted 0.5 0.5 1.5 1.5 2.5 5.5, median 1.5
    expect(all).toMatchObject({ medianMs: 3.5, madMs: 1.5, minMs: 1, maxMs: 9, runs: 6, reps: 3, cpuMs: 7 });
  });
});
