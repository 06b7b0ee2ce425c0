import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import {
  type Backend,
  executionOf,
  type KernelConfig,
  type NeuronRunRequest,
  registerBackend,
  registerKernel,
} from '../../src/ops/backends/backendRegistry.js';
import { jsNeuronRun } from '../../src/ops/backends/js.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { allocate, allocateShared, SHARED_FROM_BYTES, sharedTensor, type Tensor, type TensorData } from '../../src/ops/tensor.js';
import '../../src/ops/backends/builtin.js';

afterAll(() => terminateThreads());

// Several threads even at test sizes (T·M = 48·4096): the fused run is split across workers.
const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });
const T = 48;
const N = 4096;

/** Input uniform-ish in [0, 0.6) from a fixed integer hash (about 9 % of neuron-steps spike). */
const input = (t: number, n: number, shared: boolean, seed = 1): Tensor => {
  const x = shared ? sharedTensor([t, 1, n]) : { shape: [t, 1, n], data: new Float32Array(t * n) };
  for (let k = 0; k < x.data.length; k++) x.data[k] = (0.6 * (((k + seed * 7919) * 2654435761) % 1000003)) / 1000003;
  return x as Tensor;
};

/** Index of the first element that differs bit for bit (Object.is), -2 for other lengths, or -1. */
const firstDifference = (a: TensorData, b: TensorData): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

describe('caller-provided out', () => {
  for (const [name, backend] of [
    ['js', 'js'],
    ['threads (2 workers)', threads],
  ] as const) {
    it(`${name}: writes the output into out, bit for bit the fresh run, state equal`, () => {
      const xs = input(T, N, name !== 'js');
      const run = lif.run({}, 0.001, { backend });
      const [fresh, s1] = run(xs);
      const out = allocateShared('float32', T * N);
      const [given, s2] = run(xs, undefined, { out });
      expect(given.data).toBe(out);
      expect(given.shape).toEqual([T, 1, N]);
      expect(firstDifference(given.data, fresh.data)).toBe(-1);
      expect(firstDifference(s2.v.data, s1.v.data)).toBe(-1);
      expect(firstDifference(s2.i.data, s1.i.data)).toBe(-1);
      // About 9 % of neuron-steps spike: the comparison is not of two all-zero rasters.
      const spikes = Array.from(fresh.data).reduce((a, b) => a + b, 0) / fresh.data.length;
      expect(spikes).toBeGreaterThan(0.05);
      expect(spikes).toBeLessThan(0.15);
    });
  }

  it('threads: an out in ordinary memory is written through staging, same bits', () => {
    const xs = input(T, N, true);
    const run = lif.run({}, 0.001, { backend: threads });
    const [fresh] = run(xs);
    const out = new Float32Array(T * N);
    const [given] = run(xs, undefined, { out });
    expect(given.data).toBe(out);
    expect(executionOf(given)?.note).toMatch(/2 thread/);
    expect(firstDifference(out, fresh.data)).toBe(-1);
  });

  it('a backend that ignores out is copied into it', () => {
    // A backend whose kernel always allocates (as gpu.js does): the model copies its output into out.
    const lazy: Backend = Object.freeze({
      name: 'perf-test-allocating',
      priority: -1,
      autoSelectable: () => 'test backend',
      describe: () => ({ backend: 'perf-test-allocating', device: 'cpu', accelerated: false }),
    });
    const kernel: KernelConfig<'neuronRun'> = {
      kernelName: 'neuronRun',
      backendName: lazy.name,
      supports: () => true,
      run: (r: NeuronRunRequest, b) => jsNeuronRun.run({ ...r, out: undefined }, b),
    };
    registerBackend(lazy);
    registerKernel(kernel);
    const xs = input(8, 64, false);
    const [fresh] = li.run({}, 0.001, { backend: 'js' })(xs);
    const out = new Float32Array(8 * 64);
    const [given] = li.run({}, 0.001, { backend: lazy.name })(xs, undefined, { out });
    expect(given.data).toBe(out);
    expect(firstDifference(out, fresh.data)).toBe(-1);
  });

  it('rejects an out of the wrong length, dtype or memory, and unknown call options', () => {
    const xs = input(4, 8, false);
    const run = lif.run();
    expect(() => run(xs, undefined, { out: new Float32Array(31) })).toThrow('lif.run: out must have T·M = 32 elements, received 31');
    expect(() => run(xs, undefined, { out: new Float64Array(32) })).toThrow(
      'lif.run: out has dtype float64 but the input has dtype float32',
    );
    expect(() => run(xs, undefined, { out: xs.data as Float32Array })).toThrow('lif.run: out must not share memory with the input');
    expect(() => run(xs, undefined, { out: [1, 2] as unknown as Float32Array })).toThrow(
      'lif.run: out must be a Float32Array or Float64Array, received',
    );
    expect(() => run(xs, undefined, { output: 1 } as never)).toThrow('lif.run: unknown option "output"; expected out');
    expect(() => lif.run({}, 0.001, { outputs: 'keep' as never })).toThrow('lif.run: outputs must be "fresh" or "reuse", received "keep"');
  });
});

describe("outputs: 'reuse'", () => {
  for (const [name, backend] of [
    ['js', 'js'],
    ['threads (2 workers)', threads],
  ] as const) {
    it(`${name}: every call writes the same kept array, each call bit for bit a fresh run`, () => {
      const a = input(T, N, true, 1);
      const b = input(T / 2, N, true, 2);
      const fresh = lif.run({}, 0.001, { backend });
      const reuse = lif.run({}, 0.001, { backend, outputs: 'reuse' });
      const [fa, sa] = fresh(a);
      const [fb] = fresh(b, sa);
      const [ra, rsa] = reuse(a);
      const copyA = ra.data.slice();
      const [rb] = reuse(b, rsa);
      expect(firstDifference(copyA, fa.data)).toBe(-1);
      expect(firstDifference(rb.data, fb.data)).toBe(-1);
      // The second (shorter) chunk was written into the first call's array.
      expect(rb.data.buffer).toBe(ra.data.buffer);
      expect(firstDifference(ra.data.subarray(0, (T / 2) * N), fb.data)).toBe(-1);
      expect(rb.shape).toEqual([T / 2, 1, N]);
    });
  }
});

describe('shared allocation', () => {
  it('allocates large storage in shared memory in Node, small storage in ordinary memory', () => {
    const large = allocate('float32', SHARED_FROM_BYTES / 4);
    const small = allocate('float64', SHARED_FROM_BYTES / 8 - 1);
    expect(large.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(large).toBeInstanceOf(Float32Array);
    expect(small.buffer).toBeInstanceOf(ArrayBuffer);
    expect(small).toBeInstanceOf(Float64Array);
    expect(large.every((x) => x === 0)).toBe(true);
    const t = sharedTensor([2, 3], 'float64');
    expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => sharedTensor([2, -1])).toThrow('sharedTensor: shape must be an array of non-negative integers');
  });

  it('a large layer output is shared, so the next threads layer reads it without staging', () => {
    const xs = input(64, 4096, true);
    const [z] = lif.run({}, 0.001, { backend: 'js' })(xs);
    expect(z.data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('threads: the input is checked during the kernel pass', () => {
  const one = createThreadsBackend({ threads: 1 });
  // Positions: first element, inside a worker's range mid-run, the very last element (a tile's
  // scalar tail when T·M is not a multiple of the vector width), for NaN and both infinities.
  const t = 9;
  const n = 4099; // 9·4099 = 36891 elements: not a multiple of 4
  const cases: [number, number, string][] = [
    [0, Number.NaN, '[0, 0, 0]'],
    [5 * n + 4000, Number.POSITIVE_INFINITY, '[5, 0, 4000]'],
    [t * n - 1, Number.NEGATIVE_INFINITY, '[8, 0, 4098]'],
  ];
  for (const [backendName, backend] of [
    ['2 workers', threads],
    ['1 thread', one],
  ] as const) {
    for (const [at, value, index] of cases) {
      it(`${backendName}: ${value} at ${index} is rejected with the message of the js backend; the caller's state is unchanged`, () => {
        const xs = input(t, n, true);
        xs.data[at] = value;
        const state = lif.initialState([1, n]);
        const v0 = state.v.data.slice();
        const message = (() => {
          try {
            lif.run({}, 0.001, { backend: 'js' })(xs, state);
          } catch (e) {
            return (e as Error).message;
          }
          return 'no error';
        })();
        expect(message).toBe(`lif.run: input must be finite, received ${value} at index ${index}`);
        expect(() => lif.run({}, 0.001, { backend })(xs, state)).toThrow(message);
        expect(firstDifference(state.v.data, v0)).toBe(-1);
      });
    }
  }

  it('float64 input too', () => {
    const xs = { shape: [t, 1, n], data: Float64Array.from(input(t, n, false).data) } as Tensor;
    xs.data[7 * n + 11] = Number.NaN;
    expect(() => lif.run({}, 0.001, { backend: threads })(xs)).toThrow('lif.run: input must be finite, received NaN at index [7, 0, 11]');
  });
});
