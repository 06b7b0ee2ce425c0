import { afterEach, describe, expect, it } from 'vitest';
import { allocateOutput, configureOutputPool, outputPoolStats, releaseOutputPool } from '../../src/ops/outputPool.js';
import { SHARED_FROM_BYTES } from '../../src/ops/tensor.js';
import { runWithGc } from '../gcChild.js';

const initial = outputPoolStats();
afterEach(() => {
  configureOutputPool({ maxBytes: initial.maxBytes, idleMs: initial.idleMs });
  releaseOutputPool();
});

describe('allocateOutput', () => {
  it('pools outputs from SHARED_FROM_BYTES on, each over its own SharedArrayBuffer object, never lent twice', () => {
    const length = SHARED_FROM_BYTES / 4;
    const before = outputPoolStats();
    const a = allocateOutput('float32', length);
    const b = allocateOutput('float32', length);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.buffer.byteLength).toBe(SHARED_FROM_BYTES);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(1);
    b.fill(2);
    expect(a[length - 1]).toBe(1);
    const after = outputPoolStats();
    expect(after.pooled - before.pooled).toBe(2);
    expect(after.lentBytes - before.lentBytes).toBe(2 * SHARED_FROM_BYTES);
  });

  it('leaves small outputs out of the pool (shared only when asked)', () => {
    const before = outputPoolStats();
    const plain = allocateOutput('float64', 100);
    const shared = allocateOutput('float64', 100, true);
    expect(plain).toBeInstanceOf(Float64Array);
    expect(plain.buffer).toBeInstanceOf(ArrayBuffer);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(outputPoolStats().pooled).toBe(before.pooled);
  });

  it('allocates outside the pool once the cap is reached', () => {
    configureOutputPool({ maxBytes: 0 });
    const before = outputPoolStats();
    const a = allocateOutput('float32', SHARED_FROM_BYTES / 4);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.every((x) => x === 0)).toBe(true);
    const after = outputPoolStats();
    expect(after.pooled).toBe(before.pooled);
    expect(after.unpooled - before.unpooled).toBe(1);
  });

  it('rejects bad settings naming the option', () => {
    expect(() => configureOutputPool({ maxBytes: -1 })).toThrow(/maxBytes must be a finite number ≥ 0, received -1/);
    expect(() => configureOutputPool({ idleMs: Number.NaN })).toThrow(/idleMs must be a finite number ≥ 0, received NaN/);
    expect(() => configureOutputPool(null as never)).toThrow(/options must be an object/);
    // a mistyped key is named, not ignored
    expect(() => configureOutputPool({ maxByte: 1 } as never)).toThrow(/unknown option "maxByte"; expected maxBytes, idleMs/);
  });
});

describe('recycling (child process with --expose-gc)', () => {
  it('recycles dropped outputs and never writes one the caller holds (view or buffer), bit-identical results', () => {
    const program = `
      import './src/ops/backends/builtin.ts';
      import { createThreadsBackend } from './src/ops/backends/threadsBackend.ts';
      import { terminateThreads } from './src/ops/backends/threads.ts';
      import { lif } from './src/neurons/lif.ts';
      import { fromTypedArray } from './src/ops/tensor.ts';
      import { outputPoolStats, releaseOutputPool } from './src/ops/outputPool.ts';
      const T = 64, N = 4096; // a float32 output of exactly 1 MiB
      const input = (seed) => {
        const d = new Float32Array(T * N);
        for (let k = 0; k < d.length; k++) d[k] = (0.6 * (((k + seed * 7919) * 2654435761) % 1000003)) / 1000003;
        return fromTypedArray(d, [T, 1, N]);
      };
      const same = (x, y) => x.length === y.length && x.every((v, k) => Object.is(v, y[k]));
      const turn = async () => { for (let k = 0; k < 3; k++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };
      const recycled = () => outputPoolStats().recycled;
      const report = {};
      for (const name of ['js', 'threads']) {
        const backend = name === 'js' ? 'js' : createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });
        const run = lif.run({}, 0.001, { backend });
        // Reference: the caller's own arrays (outside the pool).
        const ref = (xs) => { const out = new Float32Array(T * N); run(xs, undefined, { out }); return out; };
        const a = input(1), b = input(2), c = input(3);
        // Outputs live only in \`held\` (deleting a field drops it); each phase is a function of its
        // own so that no stale temporary of this frame keeps an output alive.
        const held = {};
        const r = {};
        // Start with an empty pool (the previous backend's outputs collected and released).
        await turn();
        releaseOutputPool();
        (() => {
          [held.za, held.sa] = run(a);
          held.keepA = held.za.data.slice();
        })();
        await turn();
        (() => {
          const n = recycled();
          [held.zb, held.sb] = run(b);
          r.heldView = { intact: same(held.za.data, held.keepA) && same(held.za.data, ref(a)), recycled: recycled() - n, distinct: held.za.data.buffer !== held.zb.data.buffer };
          delete held.za;
          delete held.sa;
          held.bufB = held.zb.data.buffer;
          held.keepB = held.zb.data.slice();
          delete held.zb;
          delete held.sb;
        })();
        await turn();
        (() => {
          const n = recycled();
          const zc = run(c)[0];
          r.heldBuffer = { intact: same(new Float32Array(held.bufB), held.keepB) && same(held.keepB, ref(b)), recycled: recycled() - n, right: same(zc.data, ref(c)), backend: zc.data.buffer.constructor.name };
        })();
        report[name] = r;
      }
      report.stats = outputPoolStats();
      console.log(JSON.stringify(report));
      await terminateThreads();
    `;
    const r = runWithGc(program);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim());
    for (const name of ['js', 'threads']) {
      // An output (and state) the caller holds: not overwritten, and nothing was recycled.
      expect(report[name].heldView).toEqual({ intact: true, recycled: 0, distinct: true });
      // Holding only `.buffer` keeps the memory; the dropped first output is recycled for the third
      // run (on threads, states of dropped runs too), whose result is bit for bit a run into the
      // caller's own array.
      const { recycled, ...rest } = report[name].heldBuffer;
      expect(rest).toEqual({ intact: true, right: true, backend: 'SharedArrayBuffer' });
      expect(recycled).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('recycled slots (child process with --expose-gc)', () => {
  it('lends each recycled slot over a buffer object of its own, made when the slot came back, marked as pooled', () => {
    const program = `
      import { allocateOutput, isPooledBuffer, outputPoolStats } from './src/ops/outputPool.ts';
      const turn = async () => { for (let k = 0; k < 3; k++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };
      const length = 1 << 16; // 256 KiB of float32
      const seen = new WeakSet();
      const r = {};
      (() => {
        // Three slots lent, the first two dropped; the third stays held.
        for (let k = 0; k < 2; k++) seen.add(allocateOutput('float32', length).buffer);
      })();
      const held = allocateOutput('float32', length);
      held.fill(7);
      seen.add(held.buffer);
      await turn();
      const before = outputPoolStats();
      const a = allocateOutput('float32', length);
      const b = allocateOutput('float32', length);
      a.fill(1);
      b.fill(2);
      const after = outputPoolStats();
      r.recycled = after.recycled - before.recycled;
      r.fresh = !seen.has(a.buffer) && !seen.has(b.buffer) && a.buffer !== b.buffer && a.buffer !== held.buffer && b.buffer !== held.buffer;
      r.pooled = isPooledBuffer(a.buffer) && isPooledBuffer(b.buffer);
      r.kinds = [a.buffer.constructor.name, a.buffer.byteLength, b.buffer.byteLength];
      r.held = held.every((x) => x === 7) && a.every((x) => x === 1);
      console.log(JSON.stringify(r));
    `;
    const r = runWithGc(program);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({
      recycled: 2,
      fresh: true,
      pooled: true,
      kinds: ['SharedArrayBuffer', 1 << 18, 1 << 18],
      held: true,
    });
  });
});

describe('releaseOutputPool (child process with --expose-gc, glibc defaults)', () => {
  it('empties the free slots; their memory returns to the system once collected', () => {
    // A 64 MiB output: above glibc's largest mmap threshold, so freed memory is unmapped at once.
    const program = `
      import { readFileSync } from 'node:fs';
      import { allocateOutput, outputPoolStats, releaseOutputPool } from './src/ops/outputPool.ts';
      const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
      const turn = async () => { for (let k = 0; k < 3; k++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };
      const bytes = 64 * 2 ** 20;
      (() => { allocateOutput('float32', bytes / 4).fill(1); })();
      await turn();
      const held = { free: outputPoolStats().freeBytes, rss: rss() };
      releaseOutputPool();
      const released = { free: outputPoolStats().freeBytes, rss: rss() };
      await turn();
      console.log(JSON.stringify({ held, released, collected: { rss: rss() } }));
    `;
    const env = { ...process.env };
    delete env.MALLOC_MMAP_MAX_;
    delete env.MALLOC_TRIM_THRESHOLD_;
    const r = runWithGc(program, { timeoutMs: 30_000, env });
    expect(r.stderr).toBe('');
    const { held, released, collected } = JSON.parse(r.stdout.trim());
    const MiB = 2 ** 20;
    // The dropped output went back to the pool as a free slot, still resident.
    expect(held.free).toBe(64 * MiB);
    // Released: no free slot; the memory goes once the slot's buffer is collected (≥ 60 MiB of 64).
    expect(released.free).toBe(0);
    expect(held.rss - collected.rss).toBeGreaterThan(60 * MiB);
  });
});
