/**
 * What a run keeps or skips per call so that a stream's small chunks cost little beyond the
 * kernel: shared frozen shapes (`withLeading`, a run's step shape, `fromTypedArray` keeping a
 * frozen shape), the threads engine's last tile layout, the threads plan, the staging test over a
 * call's arrays, the overlap test of a state given up in place, and float32 tiles lined up with
 * shared arrays (odd widths, odd offsets).
 * Each kept answer must be the one a first call would get: results equal the `js` backend's bit
 * for bit whatever came before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lif, lifKernel } from '../../src/neurons/lif.js';
import { IN_PLACE } from '../../src/neurons/runOutput.js';
import type { NeuronRunRequest } from '../../src/ops/backends/backendRegistry.js';
import { inPlaceState } from '../../src/ops/backends/inPlaceState.js';
import { planThreads } from '../../src/ops/backends/threads/plan.js';
import { compileThreaded, terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { allocateShared, type DType, fromTypedArray, slice, type Tensor, withLeading } from '../../src/ops/tensor.js';
import { compileUpdate } from '../../src/ops/update/lowerJs.js';

afterAll(async () => {
  await terminateThreads();
});

/** `[T, ...inner]` input in [0, 0.6), deterministic, with `seed` shifting the values. */
const input = (T: number, inner: readonly number[], dtype: DType, seed = 0): Tensor => {
  const n = T * inner.reduce((a, b) => a * b, 1);
  const d = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let k = 0; k < n; k++) d[k] = 0.6 * ((((k + seed) * 7919) % 1009) / 1009);
  return fromTypedArray(d, [T, ...inner]);
};

const same = (a: Tensor, b: Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  expect(a.data.constructor).toBe(b.data.constructor);
  expect(Array.from(a.data)).toEqual(Array.from(b.data));
};

describe('shapes kept from the last call', () => {
  it('withLeading gives [n, ...shape], frozen, the same array only for the same question', () => {
    const a = withLeading(3, [1, 4]);
    expect(a).toEqual([3, 1, 4]);
    expect(Object.isFrozen(a)).toBe(true);
    expect(withLeading(3, [1, 4])).toBe(a);
    expect(withLeading(4, [1, 4])).toEqual([4, 1, 4]);
    expect(withLeading(3, [1, 5])).toEqual([3, 1, 5]);
    expect(withLeading(3, [1])).toEqual([3, 1]);
    expect(withLeading(3, [1, 4, 1])).toEqual([3, 1, 4, 1]);
    expect(withLeading(3, [])).toEqual([3]);
    expect(withLeading(3, [1, 4])).toEqual([3, 1, 4]);
  });

  it('fromTypedArray keeps a frozen shape, copies any other, and still refuses a bad one', () => {
    const frozen = Object.freeze([2, 3]);
    expect(fromTypedArray(new Float32Array(6), frozen).shape).toBe(frozen);
    const open = [2, 3];
    const t = fromTypedArray(new Float32Array(6), open);
    expect(t.shape).not.toBe(open);
    open[0] = 3;
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(() => fromTypedArray(new Float32Array(2), Object.freeze([2, -1]))).toThrow(
      'shape must be an array of non-negative integers, received [2, -1]',
    );
    expect(() => fromTypedArray(new Float32Array(5), Object.freeze([2, 3]))).toThrow('shape [2, 3] holds 6 elements but data has 5');
  });

  it('a run called with other shapes in turn gives each call the shapes and values of a first js call', () => {
    const threads = createThreadsBackend({ threads: 1 });
    const run = lif.run({}, 0.001, { backend: threads, outputs: 'reuse' });
    const shapes: [number, number[]][] = [
      [5, [1, 8]],
      [5, [2, 8]],
      [5, [8]],
      [7, [1, 8]],
      [5, [1, 8]],
      [5, [1, 8, 1]],
      [5, [1, 8]],
    ];
    for (const [k, [T, inner]] of shapes.entries()) {
      const xs = input(T, inner, 'float32', k);
      const [o, s] = run(xs);
      const [e, es] = lif.run({}, 0.001, { backend: 'js' })(xs);
      same(o, e);
      same(s.v, es.v);
      same(s.i, es.i);
      expect(o.shape).toEqual([T, ...inner]);
      expect(s.v.shape).toEqual(inner);
    }
  });
});

describe('the threads engine keeps its last tile layout', () => {
  // One thread (the copying path's tiles): chunk sizes and widths change the tile layout call to call.
  const threads = createThreadsBackend({ threads: 1 });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`chunks of changing sizes, interleaved with other widths, equal one js run bit for bit (${dtype})`, () => {
      const N = 1000;
      const T = 1000;
      const xs = input(T, [1, N], dtype);
      const [e, es] = lif.run({}, 0.001, { backend: 'js' })(xs);
      const other = input(60, [1, 37], dtype, 5);
      const [eo] = lif.run({}, 0.001, { backend: 'js' })(other);
      const run = lif.run({}, 0.001, { backend: threads });
      const sizes = [1, 100, 3, 40, 250, 1, 5, 600];
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(T);
      const outs = dtype === 'float32' ? new Float32Array(T * N) : new Float64Array(T * N);
      let state: ReturnType<typeof run>[1] | undefined;
      let t = 0;
      for (const c of sizes) {
        const chunk = slice(xs, t, t + c);
        const [o, s] = state === undefined ? run(chunk) : run(chunk, state, IN_PLACE);
        outs.set(o.data, t * N);
        state = s;
        t += c;
        // another width and tile height on the same engine between two chunks
        same(run(other)[0], eo);
      }
      expect(outs.some((z) => z === 1)).toBe(true);
      same(fromTypedArray(outs, [T, 1, N]), e);
      same((state as typeof es).v, es.v);
      same((state as typeof es).i, es.i);
    });
  }
});

describe('the threads plan kept from the last question', () => {
  it('answers each (T, M) asked in turn with planThreads’ figures, the same object only for the same question', () => {
    const options = { threads: 2, minNeuronStepsPerThread: 1000, minNeuronsPerThread: 16 };
    const k = compileThreaded(lifKernel, 'float32', false, options);
    const asked: [number, number][] = [
      [10, 8],
      [100, 1000],
      [10, 8],
      [1, 1000],
      [100, 1000],
    ];
    for (const [T, M] of asked) {
      const p = k.plan(T, M);
      const q = planThreads(T, M, 2, 1000, 16);
      expect(p.engine).toBe('wasm');
      expect(p.threads).toBe(q.threads);
      expect(p.reason).toBe(q.reason);
      expect(k.plan(T, M)).toBe(p);
      expect(Object.isFrozen(p)).toBe(true);
    }
    expect(k.plan(10, 8).threads).toBe(1);
    expect(k.plan(100, 1000).threads).toBe(2);
  });
});

describe('a state given up in place is used only when no array overlaps another', () => {
  const M = 4;
  const request = (v: Float32Array, i: Float32Array, input: Float32Array, out?: Float32Array): NeuronRunRequest =>
    ({
      inPlace: true,
      dtype: 'float32',
      M,
      stateNames: ['v', 'i'],
      state: { v: fromTypedArray(v, [M]), i: fromTypedArray(i, [M]) },
      input: fromTypedArray(input, [input.length]),
      out,
    }) as unknown as NeuronRunRequest;

  it('takes disjoint arrays, also adjacent views of one buffer, and refuses any overlap', () => {
    const buf = new Float32Array(4 * M);
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => buf.subarray(k * M, (k + 1) * M)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const lone = new Float32Array(2 * M);
    // adjacent views of one buffer: no byte shared
    expect(inPlaceState(request(a, b, c, d), false)).toEqual([a, b]);
    expect(inPlaceState(request(a, b, c, d), false)?.[0]).toBe(a);
    expect(inPlaceState(request(a, b, lone), false)).toEqual([a, b]);
    // one element shared: v with i, v or i with the input, with the output
    const shifted = buf.subarray(M - 1, 2 * M - 1);
    expect(inPlaceState(request(a, shifted, c, d), false)).toBeUndefined();
    expect(inPlaceState(request(a, b, buf.subarray(2 * M - 1, 3 * M)), false)).toBeUndefined();
    expect(inPlaceState(request(a, b, lone, buf.subarray(M + 1, M + 2)), false)).toBeUndefined();
    expect(inPlaceState(request(a, a, c), false)).toBeUndefined();
    // the same arrays in other buffers than the input's and output's
    expect(inPlaceState(request(lone.subarray(0, M), lone.subarray(M), c, d), false)).toEqual([lone.subarray(0, M), lone.subarray(M)]);
    // not given up, or not shared for a multi-threaded run
    expect(inPlaceState({ ...request(a, b, c), inPlace: false }, false)).toBeUndefined();
    expect(inPlaceState(request(a, b, c), true)).toBeUndefined();
  });
});

describe('a run without a state updates the initial state it makes in place', () => {
  const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 8 });
  const vLeak = fromTypedArray(
    Float64Array.from({ length: 24 }, (_, k) => (k % 5) / 10),
    [24],
  );

  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals a run from the explicit initial state, bit for bit, on js and threads (1 and 2 threads), ${dtype}`, () => {
      const xs = input(50, [2, 24], dtype);
      for (const p of [{}, { vLeak }]) {
        const initial = lif.initialState([2, 24], p, dtype);
        const before = Array.from(initial.v.data);
        for (const backend of ['js', createThreadsBackend({ threads: 1 }), threads] as const) {
          for (const record of [false, true]) {
            const [o, s, r] = lif.run(p, 0.001, { backend, record })(xs);
            const [e, es, er] = lif.run(p, 0.001, { backend: 'js', record })(xs, initial);
            same(o, e);
            same(s.v, es.v);
            same(s.i, es.i);
            // the path taken: the initial state's own arrays (one per variable), not one working copy for all
            if (backend !== threads) expect(s.v.data.buffer).not.toBe(s.i.data.buffer);
            if (record) {
              same((r as typeof er & object).v, (er as typeof r & object).v);
              same((r as typeof er & object).i, (er as typeof r & object).i);
            }
            // the next chunk from the returned state, given up in place, continues the same run
            const [o2] = lif.run(p, 0.001, { backend, record })(xs, s, IN_PLACE);
            same(o2, lif.run(p, 0.001, { backend: 'js' })(xs, es)[0]);
          }
        }
        expect(Array.from(initial.v.data)).toEqual(before);
        expect(Array.from(lif.initialState([2, 24], p, dtype).v.data)).toEqual(before);
      }
    });
  }
});

describe('float32 rows lined up with shared memory (odd widths, arrays at odd offsets)', () => {
  // LIF update params: tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput
  const params = [200, 100, 0, 0.3, 0, 0, 0, 0].map(Math.fround);
  const dt = Math.fround(0.001);
  /** `n` float32 values in shared memory starting `at` elements into their buffer. */
  const sharedAt = (n: number, at: number): Float32Array => (allocateShared('float32', n + at) as Float32Array).subarray(at, at + n);
  const fill = (a: Float32Array, seed: number): Float32Array => {
    for (let k = 0; k < a.length; k++) a[k] = 0.6 * ((((k + seed) * 7919) % 1009) / 1009);
    return a;
  };
  const js = compileUpdate(lifKernel, 'float32', true);
  /** The js update over the same call, steps forward or reversed (one step at a time). */
  const reference = (T: number, M: number, x: Float32Array, reverse: boolean) => {
    const out = new Float32Array(T * M);
    const rec = [new Float32Array(T * M), new Float32Array(T * M)];
    const state = [new Float32Array(M), new Float32Array(M)];
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const row = (a: Float32Array) => a.subarray(t * M, (t + 1) * M);
      js({ T: 1, M, inputs: [row(x)], out: row(out), state, record: rec.map(row), params, dt });
    }
    return { out, rec, state };
  };

  for (const threads of [1, 2]) {
    for (const M of [101, 37, 64, 1001]) {
      it(`${threads} thread(s), M = ${M}: forward and reversed runs equal the js update bit for bit, whatever the arrays' offsets`, () => {
        const k = compileThreaded(lifKernel, 'float32', true, { threads, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });
        const T = 23;
        for (const reverse of [false, true]) {
          for (const [ax, ao, ar] of [
            [0, 0, 0],
            [1, 0, 1],
            [0, 1, 0],
            [1, 1, 1],
          ]) {
            const x = fill(sharedAt(T * M, ax as number), M);
            const out = sharedAt(T * M, ao as number);
            const rec = [sharedAt(T * M, ar as number), sharedAt(T * M, 1 - (ar as number))];
            const state = [sharedAt(M, 1), sharedAt(M, 0)];
            k({ T, M, inputs: [x], out, state, record: rec, params, dt, reverse });
            const e = reference(T, M, x, reverse);
            expect(Array.from(out)).toEqual(Array.from(e.out));
            expect(Array.from(rec[0] as Float32Array)).toEqual(Array.from(e.rec[0] as Float32Array));
            expect(Array.from(rec[1] as Float32Array)).toEqual(Array.from(e.rec[1] as Float32Array));
            expect(Array.from(state[0] as Float32Array)).toEqual(Array.from(e.state[0] as Float32Array));
            expect(Array.from(state[1] as Float32Array)).toEqual(Array.from(e.state[1] as Float32Array));
            expect(e.out.some((z) => z === 1)).toBe(true);
          }
        }
      });
    }
  }

  it('a non-finite input at a row’s last or first neuron is found (2 threads, M = 101), and a clean run after it is not flagged', () => {
    const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });
    const run = lif.run({}, 0.001, { backend: threads });
    const T = 30;
    const M = 101;
    for (const [t, n] of [
      [7, 100],
      [8, 0],
      [29, 100],
      [0, 63],
      [0, 64],
    ] as const) {
      const x = fill(sharedAt(T * M, 1), 0);
      x[t * M + n] = Number.NaN;
      expect(() => run(fromTypedArray(x, [T, 1, M]))).toThrow(`lif.run: input must be finite, received NaN at index [${t}, 0, ${n}]`);
      const clean = fill(sharedAt(T * M, 1), 0);
      same(run(fromTypedArray(clean, [T, 1, M]))[0], lif.run({}, 0.001, { backend: 'js' })(fromTypedArray(clean, [T, 1, M]))[0]);
    }
  });
});
