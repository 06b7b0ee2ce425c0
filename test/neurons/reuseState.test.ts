/**
 * `outputs: 'reuse'` keeps the new state too (`src/neurons/runOutput.ts`, `keptState`): a loop
 * `[z, s] = run(xs, s)` is bit for bit a loop of fresh runs, writes no state the caller gave, and
 * takes no new output-pool slot per call.
 */
import { Subject } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import type { NeuronState } from '../../src/neurons/model.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import '../../src/ops/backends/gpuBackend.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { outputPoolStats } from '../../src/ops/outputPool.js';
import { allocateShared, type DType, fromTypedArray, type Tensor, type TensorData } from '../../src/ops/tensor.js';
import '../../src/ops/backends/builtin.js';
import { layer } from '../../src/streams/layer.js';

afterAll(() => terminateThreads());

// Several threads even at test sizes: the fused run is split across workers.
const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });

/** Input in [0, 0.6) from a fixed integer hash (about 9 % of neuron-steps spike), in shared memory. */
const input = (shape: readonly number[], dtype: DType, seed: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = allocateShared(dtype, n);
  for (let k = 0; k < n; k++) d[k] = (0.6 * (((k + seed * 7919) * 2654435761) % 1000003)) / 1000003;
  return fromTypedArray(d, shape);
};

/** Index of the first element that differs bit for bit (Object.is), -2 for other lengths, or -1. */
const firstDifference = (a: TensorData, b: TensorData): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

/** A deep copy of a state (the arrays a caller would keep). */
const copyOf = <S extends string>(s: NeuronState<S>): NeuronState<S> =>
  Object.freeze(
    Object.fromEntries(Object.entries<Tensor>(s).map(([k, t]) => [k, fromTypedArray(t.data.slice(), t.shape)])),
  ) as NeuronState<S>;

describe("outputs: 'reuse' keeps the state", () => {
  for (const [name, backend] of [
    ['js', 'js'],
    ['threads (2 workers)', threads],
  ] as const) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name}, ${dtype}: a reuse loop is bit for bit a fresh loop, foreign states and a batch change included`, () => {
        const N = 1024;
        const fresh = lif.run({}, 0.001, { backend });
        const reuse = lif.run({}, 0.001, { backend, outputs: 'reuse' });
        // A foreign state: the caller's own, with values off the initial ones (from another run).
        const [, foreignRaw] = lif.run({}, 0.001, { backend: 'js' })(input([7, 1, N], dtype, 99));
        const foreign = copyOf(foreignRaw);
        const foreignBefore = copyOf(foreign);
        // [shape, state: 'none' | 'loop' | 'foreign']: a chunk-size change, a foreign state in the
        // middle, and a batch change (which needs a new state: none given).
        const calls: readonly (readonly [readonly number[], 'none' | 'loop' | 'foreign'])[] = [
          [[16, 1, N], 'none'],
          [[16, 1, N], 'loop'],
          [[8, 1, N], 'loop'],
          [[16, 1, N], 'foreign'],
          [[16, 1, N], 'loop'],
          [[12, 2, N], 'none'],
          [[12, 2, N], 'loop'],
          [[4, 2, N], 'loop'],
        ];
        let sf: NeuronState<'v' | 'i'> | undefined;
        let sr: NeuronState<'v' | 'i'> | undefined;
        let spikes = 0;
        let total = 0;
        for (const [k, [shape, from]] of calls.entries()) {
          const xs = input(shape, dtype, k + 1);
          const givenF = from === 'none' ? undefined : from === 'foreign' ? foreign : sf;
          const givenR = from === 'none' ? undefined : from === 'foreign' ? foreign : sr;
          const [zf, nf] = fresh(xs, givenF);
          const [zr, nr] = reuse(xs, givenR);
          expect(firstDifference(zr.data, zf.data), `call ${k} output`).toBe(-1);
          expect(firstDifference(nr.v.data, nf.v.data), `call ${k} v`).toBe(-1);
          expect(firstDifference(nr.i.data, nf.i.data), `call ${k} i`).toBe(-1);
          expect(nr.v.shape).toEqual(shape.slice(1));
          if (from === 'loop') {
            // the kept state, updated in place (a new record over the same arrays)
            expect(nr.v.data).toBe(givenR?.v.data);
            expect(nr.i.data).toBe(givenR?.i.data);
          }
          for (let j = 0; j < zf.data.length; j++) spikes += zf.data[j] as number;
          total += zf.data.length;
          sf = nf;
          sr = nr;
        }
        // The caller's state was read, never written.
        expect(firstDifference(foreign.v.data, foreignBefore.v.data)).toBe(-1);
        expect(firstDifference(foreign.i.data, foreignBefore.i.data)).toBe(-1);
        // Not a comparison of two all-zero rasters.
        expect(spikes / total).toBeGreaterThan(0.03);
      });
    }
  }

  it('gpu (gpu.js cpu mode, float32): a reuse loop with a foreign state in the middle equals a fresh loop bit for bit', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const N = 128;
    const fresh = lif.run({}, 0.001, { backend: gpu });
    const reuse = lif.run({}, 0.001, { backend: gpu, outputs: 'reuse' });
    const [, foreign] = lif.run({}, 0.001, { backend: 'js' })(input([5, 1, N], 'float32', 42));
    let sf: NeuronState<'v' | 'i'> | undefined;
    let sr: NeuronState<'v' | 'i'> | undefined;
    for (let k = 0; k < 5; k++) {
      const xs = input([10, 1, N], 'float32', k + 1);
      const [zf, nf] = fresh(xs, k === 2 ? foreign : sf);
      const [zr, nr] = reuse(xs, k === 2 ? foreign : sr);
      expect(executionOf(zr)?.backend).toBe('gpu');
      expect(firstDifference(zr.data, zf.data), `call ${k} output`).toBe(-1);
      expect(firstDifference(nr.v.data, nf.v.data), `call ${k} v`).toBe(-1);
      expect(firstDifference(nr.i.data, nf.i.data), `call ${k} i`).toBe(-1);
      sf = nf;
      sr = nr;
    }
  });

  it('lifRecurrent (js): a reuse loop is bit for bit a fresh loop; the kept state is updated in place', () => {
    const hidden = 64;
    const inputs = 32;
    const w = (rows: number, cols: number, seed: number) =>
      Array.from({ length: rows }, (_, r) =>
        Array.from({ length: cols }, (_, c) => ((((r * cols + c + seed) * 2654435761) % 1009) / 1009 - 0.3) * 0.8),
      );
    const p = { inputWeights: w(hidden, inputs, 1), recurrentWeights: w(hidden, hidden, 2) };
    const fresh = lifRecurrent.run(p, 0.001, { backend: 'js' });
    const reuse = lifRecurrent.run(p, 0.001, { backend: 'js', outputs: 'reuse' });
    let sf: NeuronState | undefined;
    let sr: NeuronState | undefined;
    let spikes = 0;
    for (let k = 0; k < 5; k++) {
      const xs = input([20, 3, inputs], 'float64', k + 1);
      const [zf, nf] = fresh(xs, sf);
      const [zr, nr] = reuse(xs, sr);
      expect(firstDifference(zr.data, zf.data), `call ${k} output`).toBe(-1);
      for (const name of ['v', 'i', 'z'] as const) expect(firstDifference(nr[name].data, nf[name].data), `call ${k} ${name}`).toBe(-1);
      if (k > 0) for (const name of ['v', 'i', 'z'] as const) expect(nr[name].data).toBe(sr?.[name]?.data);
      for (let j = 0; j < zf.data.length; j++) spikes += zf.data[j] as number;
      sf = nf;
      sr = nr;
    }
    expect(spikes).toBeGreaterThan(0);
  });

  it('record: true keeps the state, and the recorded states are new arrays per call (the caller’s)', () => {
    const N = 256;
    const fresh = lif.run({}, 0.001, { backend: 'js', record: true });
    const reuse = lif.run({}, 0.001, { backend: 'js', record: true, outputs: 'reuse' });
    const xs = input([10, 1, N], 'float32', 3);
    const [, f1, rf1] = fresh(xs);
    const [, r1, rr1] = reuse(xs);
    const rec1 = copyOf(rr1 as NeuronState<'v' | 'i'>);
    const [, f2, rf2] = fresh(xs, f1);
    const [, r2, rr2] = reuse(xs, r1);
    expect(r2.v.data).toBe(r1.v.data);
    expect(firstDifference(r2.v.data, f2.v.data)).toBe(-1);
    expect((rr2 as NeuronState<'v' | 'i'>).v.data).not.toBe((rr1 as NeuronState<'v' | 'i'>).v.data);
    // the first call's recording is untouched by the second call
    expect(firstDifference((rr1 as NeuronState<'v' | 'i'>).v.data, rec1.v.data)).toBe(-1);
    expect(firstDifference((rr1 as NeuronState<'v' | 'i'>).v.data, (rf1 as NeuronState<'v' | 'i'>).v.data)).toBe(-1);
    expect(firstDifference((rr2 as NeuronState<'v' | 'i'>).i.data, (rf2 as NeuronState<'v' | 'i'>).i.data)).toBe(-1);
  });

  it('an input that is a view of the kept state is read before anything is written (same bits as fresh)', () => {
    const N = 512;
    const fresh = lif.run({}, 0.001, { backend: 'js' });
    const reuse = lif.run({}, 0.001, { backend: 'js', outputs: 'reuse' });
    const [, sf] = fresh(input([6, 1, N], 'float64', 4));
    const [, sr] = reuse(input([6, 1, N], 'float64', 4));
    // the kept state's own v as the next input, with the kept state (in place) ...
    const xf = fromTypedArray(sf.v.data.slice(), [1, 1, N]);
    const [zf, nf] = fresh(xf, sf);
    const [zr, nr] = reuse(fromTypedArray(sr.v.data, [1, 1, N]), sr);
    expect(firstDifference(zr.data, zf.data)).toBe(-1);
    expect(firstDifference(nr.i.data, nf.i.data)).toBe(-1);
    // ... and with a foreign state (the kept arrays must not be overwritten before the input is read)
    const b = input([3, 1, N], 'float64', 5);
    const [, f1] = fresh(b, nf);
    const [, k1] = reuse(b, nr);
    const foreign = copyOf(sf); // other values than the kept state's
    expect(firstDifference(foreign.i.data, k1.i.data)).not.toBe(-1);
    const [zf2, nf2] = fresh(fromTypedArray(f1.i.data.slice(), [1, 1, N]), foreign);
    const [zr2, nr2] = reuse(fromTypedArray(k1.i.data, [1, 1, N]), foreign);
    expect(firstDifference(zr2.data, zf2.data)).toBe(-1);
    expect(firstDifference(nr2.v.data, nf2.v.data)).toBe(-1);
    expect(firstDifference(nr2.i.data, nf2.i.data)).toBe(-1);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: without a state the initial state (per-neuron vLeak) is written into the kept arrays, same bits as fresh`, () => {
      const N = 300;
      const vLeak = Array.from({ length: N }, (_, k) => 0.1 + (k % 7) * 0.05);
      const p = { vLeak, vTh: 0.9 };
      const fresh = lif.run(p, 0.001, { backend: 'js' });
      const reuse = lif.run(p, 0.001, { backend: 'js', outputs: 'reuse' });
      const [, s0] = reuse(input([2, 2, N], dtype, 8));
      const kept = s0.v.data;
      for (let k = 0; k < 3; k++) {
        const xs = input([4 + k, 2, N], dtype, 9 + k);
        const [zf, nf] = fresh(xs);
        const [zr, nr] = reuse(xs);
        expect(firstDifference(zr.data, zf.data)).toBe(-1);
        expect(firstDifference(nr.v.data, nf.v.data)).toBe(-1);
        expect(firstDifference(nr.i.data, nf.i.data)).toBe(-1);
        // no state allocated: the kept arrays again (before: the initial state made per call)
        expect(nr.v.data.buffer).toBe(kept.buffer);
        expect(nr.v.data.byteOffset).toBe(kept.byteOffset);
      }
    });
  }

  it('refuses a state an earlier call returned (overwritten since), naming state, expected and received', () => {
    const run = lif.run({}, 0.001, { backend: 'js', outputs: 'reuse' });
    const xs = input([5, 1, 64], 'float32', 6);
    const [, s1] = run(xs);
    const [, s2] = run(xs, s1);
    expect(() => run(xs, s1)).toThrow(
      /^lif\.run: with outputs "reuse" a returned state is valid until the next call of the same run function: expected the state the last call returned \(or a state of your own\), received one an earlier call returned/,
    );
    // the last one, a copy of an earlier one, and none are fine
    const [, s3] = run(xs, s2);
    expect(() => run(xs, copyOf(s3))).not.toThrow();
    expect(() => run(xs)).not.toThrow();
  });

  it('two subscriptions of one layer over a reuse run function: the second chunk of the first errors clearly, never a silent mix', () => {
    const run = lif.run({}, 0.001, { backend: 'js', outputs: 'reuse' });
    const op = layer(run);
    const a = new Subject<Tensor>();
    const b = new Subject<Tensor>();
    const errors: string[] = [];
    a.pipe(op).subscribe({ error: (e: unknown) => errors.push((e as Error).message) });
    b.pipe(op).subscribe({ error: (e: unknown) => errors.push((e as Error).message) });
    const xs = input([5, 1, 64], 'float32', 7);
    a.next(xs);
    b.next(xs);
    a.next(xs);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^lif\.run: with outputs "reuse" a returned state is valid until the next call/);
  });

  for (const [name, backend] of [
    ['js', 'js'],
    ['threads (2 workers)', threads],
  ] as const) {
    it(`${name}: N = 1e4, 20 loop calls after the first take no new output-pool slot`, () => {
      const N = 10_000;
      const run = lif.run({}, 0.001, { backend, outputs: 'reuse' });
      const xs = input([10, 1, N], 'float32', 5);
      let [, s] = run(xs);
      const before = outputPoolStats();
      const kept = s.v.data;
      for (let k = 0; k < 20; k++) [, s] = run(xs, s);
      const after = outputPoolStats();
      // Before the state was kept: one 80 KB state slot per call (pooled + recycled grew by 20).
      expect(after.pooled - before.pooled).toBe(0);
      expect(after.recycled - before.recycled).toBe(0);
      expect(after.lentBytes).toBe(before.lentBytes);
      expect(s.v.data).toBe(kept);
      // the state moved: v is not still at its initial value 0 everywhere
      expect(s.v.data.some((v) => v !== 0)).toBe(true);
    });
  }
});
