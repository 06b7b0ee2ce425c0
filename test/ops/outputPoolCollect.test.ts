import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../gcChild.js';

/** Runs `program` in a Node child with tsx and WITHOUT `--expose-gc` (as users run spikeflow). */
const runPlain = (program: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });

// 200 fused runs at N = 1e3, T = 1000 (4 MB of spikes each) with an event-loop turn between runs, as
// an ordinary program does. Without collections of its own the pool recycles nothing (V8 does not
// count SharedArrayBuffer memory as pressure): 200 new slots, 800 MB.
const loop = (collectAfterBytes: number | undefined, runs: number) => `
  import vm from 'node:vm';
  import { configureOutputPool, lif, outputPoolStats, fromTypedArray } from './src/node.ts';
  ${collectAfterBytes === undefined ? '' : `configureOutputPool({ collectAfterBytes: ${collectAfterBytes} });`}
  const T = 1000, N = 1000;
  const raw = new Float32Array(T * N);
  let s = 1;
  for (let k = 0; k < raw.length; k++) { s = (s * 1103515245 + 12345) >>> 0; raw[k] = (s / 2 ** 32) * 0.6; }
  const run = lif.run({ tauMemInv: 100 }, 0.001);
  const [first] = run(fromTypedArray(raw, [T, 1, N]));
  const copy = Float32Array.from(first.data);
  const rss0 = process.memoryUsage().rss;
  let same = true;
  for (let i = 0; i < ${runs}; i++) {
    const [z] = run(fromTypedArray(raw, [T, 1, N]));
    for (let k = 0; k < copy.length; k += 997) if (z.data[k] !== copy[k]) same = false;
    await new Promise((r) => setImmediate(r));
  }
  const held = first.data.every((x, k) => x === copy[k]);
  const st = outputPoolStats();
  console.log(JSON.stringify({
    recycled: st.recycled, collections: st.collections, poolMB: (st.lentBytes + st.freeBytes) / 2 ** 20,
    rssMB: (process.memoryUsage().rss - rss0) / 2 ** 20, same, held,
    gcGlobal: typeof globalThis.gc, gcInNewContext: vm.runInNewContext('typeof gc'),
  }));
`;

describe('output pool in a program without --expose-gc (child process)', () => {
  it('collects by itself so dropped outputs are recycled; pool and RSS stay bounded; results unchanged', () => {
    const r = runPlain(loop(undefined, 200));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    // At least half of the 200 runs write into a recycled slot (measured: ~80 %).
    expect(o.recycled).toBeGreaterThanOrEqual(100);
    expect(o.collections).toBeGreaterThanOrEqual(1);
    // Without recycling the pool would hold 200 × 4 MB = 800 MB and RSS grow by as much.
    expect(o.poolMB).toBeLessThanOrEqual(400);
    expect(o.rssMB).toBeLessThanOrEqual(400);
    // Every run computed the same spikes; the output still held was never written.
    expect(o.same).toBe(true);
    expect(o.held).toBe(true);
    // The collector was reached without leaving `gc` to the program or to contexts made later.
    expect(o.gcGlobal).toBe('undefined');
    expect(o.gcInNewContext).toBe('undefined');
  });

  it('collectAfterBytes: 0 turns the collections off (then little is recycled)', () => {
    const r = runPlain(loop(0, 40));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout.trim());
    expect(o.collections).toBe(0);
    // Only V8's own rare collections return anything (measured 0–3 of 40 here).
    expect(o.recycled).toBeLessThanOrEqual(10);
    expect(o.same).toBe(true);
  });
});
