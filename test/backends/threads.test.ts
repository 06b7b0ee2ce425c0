import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { lif, lifKernel } from '../../src/neurons/lif.js';
import { models } from '../../src/neurons/registry.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { poolOf } from '../../src/ops/backends/threads/workerPool.js';
import {
  activeWorkers,
  allocateShared,
  compileThreaded,
  compileThreadedLinear,
  planThreads,
  terminateThreads,
} from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { compileWasmKernel } from '../../src/ops/backends/wasmSimd.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { compileJs, type KernelCall, type NeuronKernel } from '../../src/ops/kernel.js';
import { matmulFor } from '../../src/ops/matmul.js';
import { type DType, fromTypedArray, type TensorData } from '../../src/ops/tensor.js';
import '../../src/ops/backends/builtin.js';
import { runWithGc } from '../gcChild.js';

// LIF kernel parameters in kernel order: tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput.
const lifParams = (dtype: DType) => [200, 100, 0, 1, 0, 0, 0, 0].map(dtype === 'float32' ? Math.fround : (v: number) => v);
const dtOf = (dtype: DType) => (dtype === 'float32' ? Math.fround(0.001) : 0.001);
const arrayOf = (dtype: DType, n: number, shared = false): TensorData =>
  shared ? allocateShared(dtype, n) : dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);

/** Index of the first element that differs bit for bit (Object.is), or -1. */
const firstDifference = (a: TensorData, b: TensorData): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

/** Runs one call on a fresh copy of the buffers; returns out, state and records. */
const runCopy = (
  fn: (c: KernelCall) => void,
  dtype: DType,
  T: number,
  M: number,
  x: readonly number[],
  v0: readonly number[],
  i0: readonly number[],
  recording: boolean,
  shared: boolean,
) => {
  const xs = arrayOf(dtype, T * M, shared);
  xs.set(x);
  const v = arrayOf(dtype, M, shared);
  v.set(v0);
  const i = arrayOf(dtype, M, shared);
  i.set(i0);
  const out = arrayOf(dtype, T * M, shared);
  const record = recording ? [arrayOf(dtype, T * M, shared), arrayOf(dtype, T * M, shared)] : undefined;
  fn({ T, M, inputs: [xs], out, state: [v, i], record, params: lifParams(dtype), dt: dtOf(dtype) });
  return [out, v, i, ...(record ?? [])];
};

const chunk = fc
  .record({ T: fc.integer({ min: 1, max: 24 }), M: fc.integer({ min: 1, max: 700 }), seed: fc.integer() })
  .map(({ T, M, seed }) => {
    // A deterministic pseudo-random stream per case; about 10 % of neuron-steps spike.
    let s = seed >>> 0;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    return {
      T,
      M,
      x: Array.from({ length: T * M }, () => next() * 0.7 - 0.05),
      v0: Array.from({ length: M }, () => next() * 1.2 - 0.1),
      i0: Array.from({ length: M }, () => next() * 0.5),
    };
  });

afterAll(async () => {
  await terminateThreads();
});

describe('compileThreaded', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const threads of [2, 3, 4]) {
      it(`equals compileJs bit for bit for LIF in ${dtype} on ${threads} threads (sizes not divisible by the thread count)`, () => {
        const js = (recording: boolean) => compileJs(lifKernel, dtype, recording);
        const threaded = (recording: boolean) =>
          compileThreaded(lifKernel, dtype, recording, { threads, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
        expect(threaded(false).engine).toBe('wasm');
        expect(threaded(true).engine).toBe('wasm');
        fc.assert(
          fc.property(chunk, fc.boolean(), fc.boolean(), ({ T, M, x, v0, i0 }, recording, shared) => {
            const a = runCopy(js(recording), dtype, T, M, x, v0, i0, recording, false);
            const b = runCopy(threaded(recording), dtype, T, M, x, v0, i0, recording, shared);
            a.forEach((arr, k) => {
              expect(firstDifference(arr, b[k] as TensorData)).toBe(-1);
            });
          }),
          { numRuns: 40 },
        );
      });
    }
  }

  it('splits a layer across threads and spikes where the js loop does (a hand-checked case)', () => {
    // Constant input 0.5 from rest: v rises by 0.1·(i − v) per step (i accumulates 0.5 and decays by
    // 20 %), so every neuron crosses v_th = 1 at the same step; all M neurons must agree.
    const T = 20;
    const M = 1003;
    const threaded = compileThreaded(lifKernel, 'float64', false, { threads: 3, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    expect(threaded.plan(T, M).threads).toBe(3);
    const x = new Float64Array(T * M).fill(0.5);
    const out = allocateShared('float64', T * M);
    threaded({ T, M, inputs: [x], out, state: [new Float64Array(M), new Float64Array(M)], params: lifParams('float64'), dt: 0.001 });
    // Hand iteration of the same equations for one neuron.
    let v = 0;
    let i = 0;
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      const iJ = i + 0.5;
      const vDec = v + 0.1 * (0 - v + iJ);
      const iDec = iJ + -0.2 * iJ;
      const z = vDec - 1 > 0 ? 1 : 0;
      v = (1 - z) * vDec + z * 0;
      i = iDec;
      expected.push(z);
    }
    expect(expected.some((z) => z === 1)).toBe(true);
    for (let t = 0; t < T; t++) {
      const row = Array.from(out.subarray(t * M, (t + 1) * M));
      expect(row.every((z) => z === expected[t])).toBe(true);
    }
  });

  it('runs only the neurons [lo, hi) of a call and leaves the others untouched', () => {
    const T = 5;
    const M = 500;
    const threaded = compileThreaded(lifKernel, 'float64', false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    const x = new Float64Array(T * M).fill(2);
    const out = new Float64Array(T * M).fill(7);
    const v = new Float64Array(M);
    const i = new Float64Array(M);
    threaded({ T, M, inputs: [x], out, state: [v, i], params: lifParams('float64'), dt: 0.001, lo: 100, hi: 400 });
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < M; n++) {
        const inside = n >= 100 && n < 400;
        if (!inside) expect(out[t * M + n]).toBe(7);
        else expect(out[t * M + n] === 0 || out[t * M + n] === 1).toBe(true);
      }
    }
    expect(v[99]).toBe(0);
    expect(v[100]).not.toBe(0);
    expect(v[400]).toBe(0);
  });

  it('keeps small runs on the main thread and splits large ones (planThreads)', () => {
    expect(planThreads(1000, 10_000, 2, 262_144).threads).toBe(2);
    expect(planThreads(10, 10_000, 2, 262_144).threads).toBe(1); // 1e5 neuron-steps pay for no second thread
    expect(planThreads(100_000, 1000, 8, 1).threads).toBe(1); // fewer than 1536 neurons for a second thread
    expect(planThreads(100_000, 1000, 8, 1, 100).threads).toBe(8);
    expect(planThreads(1000, 1_000_000, 4, 262_144).threads).toBe(4);
    const k = compileThreaded(lifKernel, 'float32', false, { threads: 2 });
    expect(k.plan(1000, 1000).threads).toBe(1);
    expect(k.plan(1, 100_000).threads).toBe(1);
    expect(k.plan(1000, 100_000).threads).toBe(2);
  });

  it('rejects invalid options with errors naming them', () => {
    expect(() => compileThreaded(lifKernel, 'float32', false, { threads: 0 })).toThrow(/threads must be an integer ≥ 1, received 0/);
    expect(() => compileThreaded(lifKernel, 'float32', false, { minNeuronStepsPerThread: -1 })).toThrow(SpikeflowError);
    expect(() => compileThreaded(lifKernel, 'float32', false, { engine: 'gpu' as 'js' })).toThrow(/engine must be/);
    expect(() => compileThreaded(lifKernel, 'float32', false, { minNeuronsPerThread: 0.5 })).toThrow(
      /minNeuronsPerThread must be an integer/,
    );
  });

  it('reports a failing job as an error and stays usable', () => {
    const threaded = compileThreaded(lifKernel, 'float64', false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    const M = 256;
    const T = 4;
    const call = (inputs: TensorData[]) => ({
      T,
      M,
      inputs,
      out: allocateShared('float64', T * M),
      state: [allocateShared('float64', M), allocateShared('float64', M)],
      params: lifParams('float64'),
      dt: 0.001,
    });
    expect(() => threaded(call([]))).toThrow();
    // Input 30 from rest: v_d = 0.1·30 = 3 > 1 at the first step, and every step after a reset.
    const ok = call([allocateShared('float64', T * M).fill(30)]);
    threaded(ok);
    expect(ok.out[0]).toBe(1);
    expect(ok.out[M - 1]).toBe(1);
  });
});

describe('wasm translation', () => {
  const kernel = (body: string): NeuronKernel => ({ name: 'k', inputs: ['x'], state: ['v'], params: ['a'], output: 'v', body });

  it('translates every feed-forward model of the registry in both dtypes', () => {
    for (const m of Object.values(models)) {
      if (m.recurrent) continue;
      for (const dtype of ['float32', 'float64'] as const) {
        const w = compileWasmKernel(m.update, dtype, true);
        expect('unsupported' in w ? `${m.name}: ${w.unsupported}` : m.name).toBe(m.name);
      }
    }
  });

  it('refuses float32 arithmetic left unrounded, and literals that are not float32 values', () => {
    const unrounded = compileWasmKernel(kernel('v = R(R(v * a) + x) + R(v * x) * a;'), 'float32', false);
    expect('unsupported' in unrounded && unrounded.unsupported).toMatch(/used before rounding/);
    expect('unsupported' in compileWasmKernel(kernel('v = R(R(v * a) + x) + R(v * x) * a;'), 'float64', false)).toBe(false);
    const literal = compileWasmKernel(kernel('v = R(v * 0.1);'), 'float32', false);
    expect('unsupported' in literal && literal.unsupported).toMatch(/0\.1 is not a float32 value/);
    const modulo = compileWasmKernel(kernel('v = v % 2;'), 'float64', false);
    expect('unsupported' in modulo && modulo.unsupported).toMatch(/operator % is not supported/);
  });

  it('falls back to the js loop for a kernel it cannot translate, with the same results', () => {
    const k = kernel('v = R(v * 0.1) + x;');
    const threaded = compileThreaded(k, 'float32', false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    expect(threaded.engine).toBe('js');
    expect(threaded.wasmUnsupported).toMatch(/0\.1/);
    expect(() => compileThreaded(k, 'float32', false, { engine: 'wasm' })).toThrow(/cannot run kernel k/);
    const T = 3;
    const M = 300;
    const x = new Float32Array(T * M).map((_, j) => (j % 7) / 3);
    const run = (fn: (c: KernelCall) => void) => {
      const out = new Float32Array(T * M);
      fn({ T, M, inputs: [x], out, state: [new Float32Array(M).fill(0.3)], params: [0], dt: Math.fround(0.001) });
      return out;
    };
    expect(firstDifference(run(compileJs(k, 'float32', false)), run(threaded))).toBe(-1);
  });

  it('if-converts if/else and matches the js loop (ternaries, Math functions, compound assignment)', () => {
    const k = kernel(`
      let w = v;
      let q = x;
      q *= a;
      if (x > a) { w = R(w + x); } else { w = R(w - R(q)); }
      const m = Math.max(Math.min(w, 4), -4);
      v = x > 0 && !(x > 3) ? R(m * R(Math.exp(R(-x)))) : R(m + Math.abs(x));
    `);
    for (const dtype of ['float32', 'float64'] as const) {
      const threaded = compileThreaded(k, dtype, false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
      expect(threaded.engine).toBe('wasm');
      const T = 6;
      const M = 333;
      const x = arrayOf(dtype, T * M).map((_, j) => Math.sin(j) * 4);
      const run = (fn: (c: KernelCall) => void) => {
        const out = arrayOf(dtype, T * M);
        const v = arrayOf(dtype, M).map((_, j) => Math.cos(j));
        fn({ T, M, inputs: [x], out, state: [v], params: [dtype === 'float32' ? Math.fround(0.7) : 0.7], dt: dtOf(dtype) });
        return [out, v];
      };
      const a = run(compileJs(k, dtype, false));
      const b = run(threaded);
      expect(firstDifference(a[0] as TensorData, b[0] as TensorData)).toBe(-1);
      expect(firstDifference(a[1] as TensorData, b[1] as TensorData)).toBe(-1);
    }
  });
});

describe('compileThreadedLinear', () => {
  const case_ = fc.record({
    rows: fc.integer({ min: 1, max: 40 }),
    K: fc.integer({ min: 1, max: 90 }),
    O: fc.integer({ min: 1, max: 40 }),
    density: fc.constantFrom(0, 0.1, 0.5, 1),
    binary: fc.boolean(),
    seed: fc.integer(),
    bias: fc.boolean(),
  });
  for (const dtype of ['float32', 'float64'] as const) {
    it(`equals the js product bit for bit in ${dtype}, skipping zero inputs (spikes and dense values, 1–3 threads)`, () => {
      fc.assert(
        fc.property(case_, fc.integer({ min: 1, max: 3 }), ({ rows, K, O, density, binary, seed, bias }, threads) => {
          let s = seed >>> 0;
          const next = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32;
          };
          // Inputs: zeros, spikes (1) and arbitrary values, as a raster feeding a linear map holds.
          // Spikes only (the kernel then adds weights without multiplying) or mixed values.
          const x = arrayOf(dtype, rows * K).map(() => (next() < density ? (binary || next() < 0.5 ? 1 : next() * 4 - 2) : 0));
          const w = arrayOf(dtype, O * K).map(() => next() - 0.5);
          const b = bias ? arrayOf(dtype, O).map(() => next() * 2 - 1) : undefined;
          const expected = arrayOf(dtype, rows * O);
          matmulFor(dtype)(x, rows, K, w, O, b, expected);
          const got = arrayOf(dtype, rows * O);
          compileThreadedLinear(dtype, { threads, minNeuronStepsPerThread: 1 })(x, rows, K, w, O, b, got);
          expect(firstDifference(expected, got)).toBe(-1);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('equals the js product bit for bit over several chunks of inputs and blocks of rows', () => {
    // K > 1024 (float32) / 512 (float64) inputs: three chunks; 1700·2500 > 2^22 inputs: two blocks of rows.
    const cases = [
      ['float64', 40, 2500],
      ['float32', 40, 2500],
      ['float32', 1700, 2500],
    ] as const;
    for (const [dtype, rows, K] of cases) {
      const O = 21;
      let s = 7;
      const next = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32;
      };
      const x = arrayOf(dtype, rows * K);
      for (let k = 0; k < x.length; k++) x[k] = next() < 0.09 ? 1 : 0;
      x[3] = 0.25; // one value that is not a spike: the multiplying path
      const w = arrayOf(dtype, O * K);
      for (let k = 0; k < w.length; k++) w[k] = next() - 0.5;
      const b = arrayOf(dtype, O).map(() => next() - 0.5);
      const expected = arrayOf(dtype, rows * O);
      matmulFor(dtype)(x, rows, K, w, O, b, expected);
      for (const threads of [1, 2]) {
        const got = arrayOf(dtype, rows * O);
        compileThreadedLinear(dtype, { threads, minNeuronStepsPerThread: 1 })(x, rows, K, w, O, b, got);
        expect(firstDifference(expected, got)).toBe(-1);
      }
    }
  });

  it('sums a hand-computed spike product', () => {
    // Two steps, three inputs, two outputs: y = x Wᵀ + b.
    const x = new Float64Array([1, 0, 1, 0, 1, 0]);
    const w = new Float64Array([0.5, 2, -1, 3, 4, 0.25]); // rows: [0.5, 2, −1], [3, 4, 0.25]
    const out = new Float64Array(4);
    compileThreadedLinear('float64', { threads: 2, minNeuronStepsPerThread: 1 })(x, 2, 3, w, 2, new Float64Array([10, 20]), out);
    expect(Array.from(out)).toEqual([10 + 0.5 - 1, 20 + 3 + 0.25, 10 + 2, 20 + 4]);
  });
});

describe('threads backend', () => {
  const backend = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });

  it('runs every feed-forward model as the js backend does, bit for bit, with recorded states', () => {
    const T = 12;
    const N = 150;
    for (const m of Object.values(models)) {
      if (m.recurrent) continue;
      for (const dtype of ['float64', 'float32'] as const) {
        const x = arrayOf(dtype, T * 2 * N).map((_, j) => Math.abs(Math.sin(j * 12.9898) * 43758.5453) % 1.5);
        const xs = fromTypedArray(x, [T, 2, N]);
        const [o1, s1, r1] = m.run({}, 0.001, { record: true, backend: 'js' })(xs);
        const [o2, s2, r2] = m.run({}, 0.001, { record: true, backend })(xs);
        expect(firstDifference(o1.data, o2.data)).toBe(-1);
        for (const name of m.stateNames) {
          expect(
            firstDifference(
              (s1 as Record<string, { data: TensorData }>)[name]?.data as TensorData,
              (s2 as Record<string, { data: TensorData }>)[name]?.data as TensorData,
            ),
          ).toBe(-1);
          expect(
            firstDifference(
              (r1 as Record<string, { data: TensorData }>)[name]?.data as TensorData,
              (r2 as Record<string, { data: TensorData }>)[name]?.data as TensorData,
            ),
          ).toBe(-1);
        }
        expect(executionOf(o2)?.backend).toBe('threads');
        expect(executionOf(o2)?.note).toMatch(/2 thread\(s\).*wasm simd/);
      }
    }
  });

  it('runs LIF → Linear → LI with the threads linear map as js does', async () => {
    const { linear, linearInit } = await import('../../src/ops/linear.js');
    const { sequential, neuron, stateless } = await import('../../src/neurons/sequential.js');
    const { li } = await import('../../src/neurons/li.js');
    const w = linearInit(300, 30, { seed: 3, dtype: 'float64' });
    const x = fromTypedArray(
      new Float64Array(20 * 300).map((_, j) => (j % 11) / 12),
      [20, 1, 300],
    );
    const net = (b: 'js' | typeof backend) =>
      sequential(
        neuron(lif, {}, 0.001, { backend: b }),
        stateless('Linear', linear(w, { backend: b })),
        neuron(li, {}, 0.001, { backend: b }),
      );
    const [a] = net('js').run(x);
    const [b, , recorded] = net(backend).run(x);
    expect(firstDifference(a.data, b.data)).toBe(-1);
    expect((recorded as { data: TensorData }[]).map((r) => executionOf(r)?.backend)).toEqual(['threads', 'threads', 'threads']);
  });

  it('is chosen by name and leaves recurrent models to js', () => {
    const xs = fromTypedArray(new Float64Array(3 * 4).fill(0.4), [3, 1, 4]);
    const [out] = lif.run({}, 0.001, { backend: 'threads' })(xs);
    expect(executionOf(out)?.backend).toBe('threads');
    const rec = models.LIFRecurrent;
    if (rec === undefined) throw new Error('LIFRecurrent missing');
    const p = { inputWeights: [[1, 0, 0, 0]], recurrentWeights: [[0]] };
    expect(() => rec.run(p, 0.001, { backend })(xs)).toThrow(/recurrent models are not split/);
  });
});

/**
 * Child-program helpers of the worker-lifetime tests: `turn()` (an event-loop turn of 20 ms) and
 * `freedSince(held, bytes)` — the workers collect after answering, so wait (up to 2 s, collecting)
 * until 90 % of `bytes` of shared memory are gone since `held`, and return how much went.
 */
const FREED_SINCE = `
  const turn = () => new Promise((r) => setTimeout(r, 20));
  const freedSince = async (held, bytes) => {
    let freed = 0;
    for (let k = 0; k < 100 && freed < 0.9 * bytes; k++) {
      await turn(); globalThis.gc();
      freed = held - process.memoryUsage().arrayBuffers;
    }
    return freed;
  };
`;

/**
 * Runs a worker-lifetime `program` (with {@link FREED_SINCE}) that prints `{ during, after, freed,
 * bytes, … }`: it must end cleanly, the workers must not collect during its calls (`during`) and
 * the `bytes` it let go must be freed (not held by worker handles). Returns the printed record.
 */
const collectsOnlyAfter = (program: string): Record<string, number> => {
  const r = runWithGc(FREED_SINCE + program);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const rec = JSON.parse(r.stdout.trim()) as Record<string, number>;
  expect(rec.during).toBe(0);
  expect(rec.freed).toBeGreaterThan(0.9 * (rec.bytes as number));
  return rec;
};

describe('worker lifetime', () => {
  it('releases the shared buffers of finished runs (workers collect their handles)', () => {
    // Eight runs whose outputs are 48 MB each; only the input and the outputs still referenced may stay.
    const program = `
      import { compileThreaded, allocateShared, terminateThreads } from './src/ops/backends/threads.ts';
      import { lifKernel } from './src/neurons/lif.ts';
      const M = 12_000, T = 1000;
      const k = compileThreaded(lifKernel, 'float32', false, { threads: 2 });
      const x = allocateShared('float32', T * M).fill(0.5);
      const sizes = [];
      for (let r = 0; r < 8; r++) {
        const out = allocateShared('float32', T * M);
        k({ T, M, inputs: [x], out, state: [allocateShared('float32', M), allocateShared('float32', M)], params: [200, 100, 0, 1, 0, 0, 0], dt: Math.fround(0.001) });
        globalThis.gc();
        sizes.push(process.memoryUsage().arrayBuffers);
      }
      console.log(JSON.stringify({ plan: k.plan(T, M).threads, bytes: T * M * 4, sizes }));
      await terminateThreads();
    `;
    const r = runWithGc(program);
    expect(r.status).toBe(0);
    const { plan, bytes, sizes } = JSON.parse(r.stdout.trim()) as { plan: number; bytes: number; sizes: number[] };
    expect(plan).toBe(2);
    // Input, the last output and at most one more output not yet collected by a worker; without the
    // workers' collections this grows by one output per run (eight outputs after eight runs).
    for (const b of sizes) expect(b).toBeLessThan(3.5 * bytes);
  });

  it('chunks of one large shared input make the workers collect once, not once per chunk', () => {
    // 10 chunks of 100 steps × 12 000 neurons, views of one 48 MB shared input (as fromTensor hands
    // them): the input's buffer is handed over once; a collection per chunk cost ~5 ms each.
    const M = 12_000;
    const k = compileThreaded(lifKernel, 'float32', false, { threads: 2 });
    const x = allocateShared('float32', 1000 * M).fill(0.5);
    const out = allocateShared('float32', 100 * M);
    const state = [allocateShared('float32', M), allocateShared('float32', M)];
    const pool = poolOf() as unknown as { collections: number };
    const before = pool.collections;
    for (let c = 0; c < 10; c++) {
      k({
        T: 100,
        M,
        inputs: [x.subarray(c * 100 * M, (c + 1) * 100 * M)],
        out,
        state,
        params: [200, 100, 0, 1, 0, 0, 0],
        dt: Math.fround(0.001),
      });
    }
    expect(k.plan(100, M).threads).toBe(2);
    expect(pool.collections - before).toBeLessThanOrEqual(1);
  });

  it('pooled fresh outputs, chunk after chunk, make the workers collect only once the pool lets them go', () => {
    // 20 chunks of 100 steps × 12 000 neurons with fresh pooled outputs (4.8 MB each, 96 MB in
    // all: counted as handed over, they made the workers collect, ~5–25 ms each, every 7 chunks
    // and, at N = 1e5, every chunk). The pool holds their memory; once it lets it go, the workers'
    // handles would be all that keeps it: they must collect then, and the memory be freed.
    const program = `
      import { compileThreaded, allocateShared, terminateThreads } from './src/ops/backends/threads.ts';
      import { poolOf } from './src/ops/backends/threads/workerPool.ts';
      import { allocateOutput, releaseOutputPool } from './src/ops/outputPool.ts';
      import { lifKernel } from './src/neurons/lif.ts';
      const M = 12_000, T = 100;
      const k = compileThreaded(lifKernel, 'float32', false, { threads: 2 });
      const x = allocateShared('float32', T * M).fill(0.5);
      const pool = poolOf();
      const start = pool.collections;
      const run = () => {
        for (let c = 0; c < 20; c++) {
          const out = allocateOutput('float32', T * M, true);
          const state = [allocateOutput('float32', M, true), allocateOutput('float32', M, true)];
          k({ T, M, inputs: [x], out, state, params: [200, 100, 0, 1, 0, 0, 0], dt: Math.fround(0.001) });
        }
      };
      run();
      const during = pool.collections - start;
      // (after a turn: the pool's WeakRef to each output lent in this turn keeps it alive until the turn ends)
      await turn(); globalThis.gc(); await turn(); await turn();
      const held = process.memoryUsage().arrayBuffers;
      releaseOutputPool();
      const freed = await freedSince(held, 20 * T * M * 4);
      console.log(JSON.stringify({ plan: k.plan(T, M).threads, during, after: pool.collections - start - during, freed, bytes: 20 * T * M * 4 }));
      await terminateThreads();
    `;
    // the 20 outputs' memory is freed (not held by worker handles)
    const { plan, after } = collectsOnlyAfter(program);
    expect(plan).toBe(2);
    expect(after).toBe(1);
  });

  it('kept outputs (outputs: reuse) of two run functions, alternated, make the workers collect only once they are dropped', () => {
    // Two run functions with 36 MB kept outputs, called in turn (a stream beside a fused run, the
    // layers of a network): each kept output handed over after the workers collected counted as new
    // memory again, so the workers collected on every call. Held by their run functions, they are
    // counted once dropped: the workers collect then, and the memory is freed.
    const program = `
      import { lif } from './src/neurons/lif.ts';
      import { createThreadsBackend } from './src/ops/backends/threadsBackend.ts';
      import { poolOf } from './src/ops/backends/threads/workerPool.ts';
      import { allocateShared, terminateThreads } from './src/ops/backends/threads.ts';
      import { fromTypedArray } from './src/ops/tensor.ts';
      const M = 90_000, T = 100;
      const backend = createThreadsBackend({ threads: 2 });
      const xs = fromTypedArray(allocateShared('float32', T * M).fill(0.5), [T, 1, M]);
      let a = lif.run({}, 1e-3, { backend, outputs: 'reuse' });
      let b = lif.run({}, 1e-3, { backend, outputs: 'reuse' });
      const pool = poolOf();
      a(xs); b(xs);
      const start = pool.collections;
      let spikes = 0;
      for (let k = 0; k < 10; k++) { spikes += a(xs)[0].data[(T - 1) * M]; b(xs); }
      const during = pool.collections - start;
      globalThis.gc(); await turn();
      const held = process.memoryUsage().arrayBuffers;
      a = undefined; b = undefined;
      const freed = await freedSince(held, 2 * T * M * 4);
      console.log(JSON.stringify({ threads: pool.workers.length + 1, during, after: pool.collections - start - during, freed, bytes: 2 * T * M * 4 }));
      await terminateThreads();
    `;
    const { threads, after } = collectsOnlyAfter(program);
    expect(threads).toBe(2);
    expect(after).toBeGreaterThanOrEqual(1);
  });

  it('a ring of caller-given shared out arrays makes the workers collect only once the arrays are dropped', () => {
    // 12 distinct 4 MB outputs given by the caller (run(xs, state, { out })), used in turn: each new
    // buffer handed over counted towards the workers' 32 MB collection trigger, so they collected
    // every 8 calls. Held by the caller, they are counted once dropped.
    const program = `
      import { lif } from './src/neurons/lif.ts';
      import { createThreadsBackend } from './src/ops/backends/threadsBackend.ts';
      import { poolOf } from './src/ops/backends/threads/workerPool.ts';
      import { allocateShared, terminateThreads } from './src/ops/backends/threads.ts';
      import { fromTypedArray } from './src/ops/tensor.ts';
      const M = 10_000, T = 100;
      const backend = createThreadsBackend({ threads: 2 });
      const xs = fromTypedArray(allocateShared('float32', T * M).fill(0.5), [T, 1, M]);
      const run = lif.run({}, 1e-3, { backend });
      let ring = Array.from({ length: 12 }, () => allocateShared('float32', T * M));
      const pool = poolOf();
      run(xs);
      const start = pool.collections;
      let spikes = 0;
      for (let k = 0; k < 36; k++) spikes += run(xs, undefined, { out: ring[k % 12] })[0].data[(T - 1) * M];
      const during = pool.collections - start;
      globalThis.gc(); await turn();
      const held = process.memoryUsage().arrayBuffers;
      ring = undefined;
      const freed = await freedSince(held, 12 * T * M * 4);
      console.log(JSON.stringify({ threads: pool.workers.length + 1, during, after: pool.collections - start - during, freed, bytes: 12 * T * M * 4, spikes }));
      await terminateThreads();
    `;
    const { threads, after, spikes } = collectsOnlyAfter(program);
    expect(threads).toBe(2);
    expect(after).toBeGreaterThanOrEqual(1);
    expect(spikes).toBe(36);
  });

  it('starts workers on demand and terminates them', async () => {
    const threaded = compileThreaded(lifKernel, 'float64', false, { threads: 3, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    const M = 300;
    threaded({
      T: 2,
      M,
      inputs: [new Float64Array(2 * M)],
      out: new Float64Array(2 * M),
      state: [new Float64Array(M), new Float64Array(M)],
      params: lifParams('float64'),
      dt: 0.001,
    });
    expect(activeWorkers()).toBeGreaterThanOrEqual(2);
    await terminateThreads();
    expect(activeWorkers()).toBe(0);
  });

  it('never keeps a process alive: a program that used threads and never terminated them exits', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const program = `
      import { compileThreaded, activeWorkers } from './src/ops/backends/threads.ts';
      import { lifKernel } from './src/neurons/lif.ts';
      const M = 512, T = 4;
      const k = compileThreaded(lifKernel, 'float64', false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
      const out = new Float64Array(T * M);
      k({ T, M, inputs: [new Float64Array(T * M).fill(30)], out, state: [new Float64Array(M), new Float64Array(M)], params: [200, 100, 0, 1, 0, 0, 0, 0], dt: 0.001 });
      console.log(JSON.stringify({ workers: activeWorkers(), first: out[0], last: out[T * M - 1] }));
    `;
    // Input 30 from rest: v_d = 0.1·30 = 3 > 1 at the first step and at every step after a reset.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
      cwd: root,
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ workers: 1, first: 1, last: 1 });
  });
});
