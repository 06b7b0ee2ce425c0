import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { lifKernel } from '../../src/neurons/lif.js';
import { INPUT_CONVENTIONS, INTEGRATIONS, RESET_METHODS } from '../../src/neurons/lifOptions.js';
import { createEngine } from '../../src/ops/backends/threads/engine.js';
import { callStagesFresh, STAGING_KEEP_BYTES, stagesFresh } from '../../src/ops/backends/threads/staging.js';
import { compileThreaded, terminateThreads } from '../../src/ops/backends/threads.js';
import { compileWasmUpdate } from '../../src/ops/backends/wasm/codegen.js';
import { conditionKey, uniformConditions } from '../../src/ops/backends/wasm/specialize.js';
import { buildGraph } from '../../src/ops/backends/wasm/stepGraph.js';
import { compileJs } from '../../src/ops/kernel.js';
import type { DType, TensorData } from '../../src/ops/tensor.js';
import { allocateShared } from '../../src/ops/tensor.js';
import { updateSource } from '../../src/ops/update/lowerJs.js';
import { irOf } from '../../src/ops/update/parse.js';

afterAll(async () => {
  await terminateThreads();
});

// LIF update parameters in order: tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput.
const paramsOf = (dtype: DType, resetMode: number, scheme: number, currentInput: number, vReset = 0) =>
  [200, 100, 0, 1, vReset, resetMode, scheme, currentInput].map(dtype === 'float32' ? Math.fround : (v: number) => v);
const dtOf = (dtype: DType) => (dtype === 'float32' ? Math.fround(0.001) : 0.001);
const arr = (dtype: DType, n: number): TensorData => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
const firstDifference = (a: TensorData, b: TensorData): number => {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return a.length === b.length ? -1 : -2;
};

const combos = RESET_METHODS.flatMap((_, r) => INTEGRATIONS.flatMap((_, s) => INPUT_CONVENTIONS.map((_, c) => [r, s, c] as const)));

describe('wasm specialization on uniform tests', () => {
  it('gives LIF one key character per uniform test, and different keys to different options', () => {
    const conds = uniformConditions(buildGraph(irOf(lifKernel), 'float32'));
    const keyOf = conditionKey(lifKernel, 'float32');
    expect(keyOf).toBeDefined();
    const keys = combos.map(([r, s, c]) => keyOf?.(paramsOf('float32', r, s, c), dtOf('float32')) ?? '');
    for (const k of keys) expect(k).toMatch(new RegExp(`^[01]{${conds.length}}$`));
    // 18 option combinations; those that compute differently get different keys.
    expect(new Set(keys).size).toBeGreaterThanOrEqual(12);
    expect(() => compileWasmUpdate(lifKernel, 'float32', false, undefined, '1')).toThrow(/does not have/);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`runs every LIF option combination as the js loop does, bit for bit, in ${dtype} (1 and 2 threads, recorded or not)`, () => {
      const input = fc.record({
        T: fc.integer({ min: 1, max: 12 }),
        M: fc.integer({ min: 1, max: 200 }),
        combo: fc.constantFrom(...combos),
        vReset: fc.constantFrom(0, -0.25, 0.1),
        threads: fc.constantFrom(1, 2),
        recording: fc.boolean(),
        seed: fc.integer(),
      });
      fc.assert(
        fc.property(input, ({ T, M, combo, vReset, threads, recording, seed }) => {
          let s = seed >>> 0;
          const next = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32;
          };
          const x = Array.from({ length: T * M }, () => next() * 0.9 - 0.1);
          const v0 = Array.from({ length: M }, () => next() * 1.4 - 0.2);
          const i0 = Array.from({ length: M }, () => next() * 0.5);
          const run = (fn: (c: never) => void) => {
            const xs = arr(dtype, T * M);
            xs.set(x);
            const v = arr(dtype, M);
            v.set(v0);
            const i = arr(dtype, M);
            i.set(i0);
            const out = arr(dtype, T * M);
            const record = recording ? [arr(dtype, T * M), arr(dtype, T * M)] : undefined;
            const call = { T, M, inputs: [xs], out, state: [v, i], record, params: paramsOf(dtype, ...combo, vReset), dt: dtOf(dtype) };
            fn(call as never);
            return [out, v, i, ...(record ?? [])];
          };
          const a = run(compileJs(lifKernel, dtype, recording));
          const b = run(compileThreaded(lifKernel, dtype, recording, { threads, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 }));
          a.forEach((want, k) => {
            expect(firstDifference(want, b[k] as TensorData)).toBe(-1);
          });
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('the modules’ finite(p, n)', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`finds a NaN or ±Infinity at any position of a tile, and only inside the range given (${dtype})`, () => {
      const m = compileWasmUpdate(lifKernel, dtype, false);
      if ('unsupported' in m) throw new Error(m.unsupported);
      const ex = new WebAssembly.Instance(new WebAssembly.Module(m.bytes as Uint8Array<ArrayBuffer>), { math: { exp: Math.exp } })
        .exports as unknown as { finite: (p: number, n: number) => number; memory: WebAssembly.Memory };
      const view = dtype === 'float32' ? new Float32Array(ex.memory.buffer) : new Float64Array(ex.memory.buffer);
      const L = m.lanes;
      const E = m.bytesPerElement;
      for (const vectors of [1, 3, 4, 5, 9]) {
        const count = vectors * L;
        const base = 2 * L; // elements before the range
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          for (let at = -1; at <= count; at++) {
            view.fill(0.5, 0, base + count + L);
            view[base + at] = bad;
            const inside = at >= 0 && at < count;
            expect(ex.finite(base * E, count * E)).toBe(inside ? 0 : 1);
          }
        }
        view.fill(-0, 0, base + count);
        view[base] = 3.4e38;
        expect(ex.finite(base * E, count * E)).toBe(1);
      }
    });
  }
});

describe('the wasm engine’s tiles', () => {
  it('runs ranges split into several blocks and tiles (narrow blocks, short tiles) as the js loop does', () => {
    const dtype = 'float32';
    const m = compileWasmUpdate(lifKernel, dtype, true);
    if ('unsupported' in m) throw new Error(m.unsupported);
    const input = fc.record({
      T: fc.integer({ min: 1, max: 30 }),
      M: fc.integer({ min: 1, max: 300 }),
      blockWidth: fc.integer({ min: 1, max: 70 }),
      tileElements: fc.integer({ min: 1, max: 400 }),
      cut: fc.tuple(fc.nat(), fc.nat()),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(input, ({ T, M, blockWidth, tileElements, cut, seed }) => {
        const lo = cut[0] % M;
        const hi = lo + 1 + (cut[1] % (M - lo));
        let s = seed >>> 0;
        const next = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32;
        };
        const x = Float32Array.from({ length: T * M }, () => next() * 0.9 - 0.1);
        const v0 = Float32Array.from({ length: M }, () => next());
        const make = () => ({
          T,
          M,
          inputs: [x.slice()],
          out: new Float32Array(T * M),
          state: [v0.slice(), v0.slice()],
          record: [new Float32Array(T * M), new Float32Array(T * M)],
          params: paramsOf(dtype, 1, 0, 0),
          dt: dtOf(dtype),
        });
        const a = make();
        compileJs(lifKernel, dtype, true)({ ...a, lo, hi });
        const b = make();
        const spec = {
          jsSource: updateSource(lifKernel, dtype, true),
          wasm: m,
          nIn: 1,
          nState: 2,
          recording: true,
          perNeuron: [],
          blockWidth,
          tileElements,
        };
        const engine = createEngine(spec);
        expect(engine.kind).toBe('wasm');
        engine.runRange(b, lo, hi);
        for (const [p, q] of [
          [a.out, b.out],
          [a.state[0], b.state[0]],
          [a.state[1], b.state[1]],
          [a.record[0], b.record[0]],
          [a.record[1], b.record[1]],
        ] as const) {
          expect(firstDifference(p as TensorData, q as TensorData)).toBe(-1);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('threads plan with arrays outside shared memory', () => {
  it('runs on the calling thread when an array would need a fresh shared copy (larger than the kept staging buffers)', () => {
    const big = STAGING_KEEP_BYTES / 4 + 16;
    const plain = new Float32Array(big);
    const shared = allocateShared('float32', big);
    expect(stagesFresh([plain])).toBe(true);
    expect(stagesFresh([shared, undefined])).toBe(false);
    expect(stagesFresh([new Float32Array(1024)])).toBe(false);
    // the same test over a call's inputs, output and records
    const small = new Float32Array(1024);
    expect(callStagesFresh([plain], shared, undefined)).toBe(true);
    expect(callStagesFresh([shared], plain, undefined)).toBe(true);
    expect(callStagesFresh([small, shared], shared, [shared, plain])).toBe(true);
    expect(callStagesFresh([shared, small], small, [shared])).toBe(false);
    expect(callStagesFresh([], shared, undefined)).toBe(false);
    const k = compileThreaded(lifKernel, 'float32', false, { threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    const T = 16;
    const M = big / T;
    expect(k.plan(T, M, [shared]).threads).toBe(2);
    const p = k.plan(T, M, [plain, undefined]);
    expect(p.threads).toBe(1);
    expect(p.reason).toMatch(/too large to stage/);
  });
});
