import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../src/neurons/li.js';
import { lif } from '../src/neurons/lif.js';
import {
  type Backend,
  executionOf,
  type KernelConfig,
  type NeuronRunRequest,
  registerBackend,
  registerKernel,
} from '../src/ops/backends/backendRegistry.js';
import { jsNeuronRun } from '../src/ops/backends/js.js';
import { terminateThreads } from '../src/ops/backends/threads.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { allocate, allocateShared, SHARED_FROM_BYTES, sharedTensor, type Tensor, type TensorData } from '../src/ops/tensor.js';
import '../src/ops/backends/builtin.js';

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

const bits = (a: TensorData) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

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
      expect(bits(given.data)).toEqual(bits(fresh.data));
      expect(bits(s2.v.data)).toEqual(bits(s1.v.data));
      expect(bits(s2.i.data)).toEqual(bits(s1.i.data));
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
    expect(bits(out)).toEqual(bits(fresh.data));
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
    expect(bits(out)).toEqual(bits(fresh.data));
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
      const bitsA = bits(ra.data);
      const [rb] = reuse(b, rsa);
      expect(bitsA).toEqual(bits(fa.data));
      expect(bits(rb.data)).toEqual(bits(fb.data));
      // The second (shorter) chunk was written into the first call's array.
      expect(rb.data.buffer).toBe(ra.data.buffer);
      expect(bits(ra.data.subarray(0, (T / 2) * N))).toEqual(bits(fb.data));
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
