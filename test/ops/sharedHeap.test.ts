import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { lifKernel } from '../../src/neurons/lif.js';
import { compileThreaded, terminateThreads } from '../../src/ops/backends/threads.js';
import { heapAllocate, inSharedHeap, sharedHeapEnabled, sharedHeapStats } from '../../src/ops/sharedHeap.js';
import { allocateShared, type DType, type TensorData } from '../../src/ops/tensor.js';
import { compileUpdate } from '../../src/ops/update/lowerJs.js';
import { runWithGc } from '../gcChild.js';

afterAll(async () => {
  await terminateThreads();
});

// LIF update parameters in order: tauSynInv, tauMemInv, vLeak, vTh, vReset, resetMode, scheme, currentInput.
const paramsOf = (dtype: DType, resetMode: number) =>
  [200, 100, 0, 1, 0, resetMode, 0, 0].map(dtype === 'float32' ? Math.fround : (v) => v);
const dtOf = (dtype: DType) => (dtype === 'float32' ? Math.fround(0.001) : 0.001);
const plain = (dtype: DType, n: number): TensorData => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
const inHeap = (dtype: DType, n: number): TensorData => heapAllocate(dtype, n, true) as TensorData;
const firstDifference = (a: TensorData, b: TensorData): number => {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return a.length === b.length ? -1 : -2;
};

describe('shared heap (one shared WebAssembly memory)', () => {
  it('hands out zeroed, aligned, disjoint views, each over its own buffer object', () => {
    const a = heapAllocate('float32', 1000, true) as Float32Array;
    const b = heapAllocate('float64', 3, true) as Float64Array;
    expect(a).toBeInstanceOf(Float32Array);
    expect(b).toBeInstanceOf(Float64Array);
    expect(a.length).toBe(1000);
    expect(a.every((x) => x === 0)).toBe(true);
    expect(a.byteOffset % 64).toBe(0);
    expect(b.byteOffset % 64).toBe(0);
    expect(b.byteOffset >= a.byteOffset + a.byteLength || a.byteOffset >= b.byteOffset + b.byteLength).toBe(true);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(inSharedHeap(a) && inSharedHeap(b)).toBe(true);
    expect(inSharedHeap(new Float32Array(4))).toBe(false);
    expect(inSharedHeap(allocateShared('float32', 4))).toBe(false); // Node: plain SharedArrayBuffers
    expect(sharedHeapEnabled()).toBe(false); // only cross-origin isolated browser realms allocate there by default
    expect(sharedHeapStats().usedBytes).toBeGreaterThanOrEqual(4000 + 64);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`runs LIF in place on heap arrays as the js loop does, bit for bit, in ${dtype} (any width, recorded or not, staged state)`, () => {
      const input = fc.record({
        T: fc.integer({ min: 1, max: 12 }),
        M: fc.integer({ min: 1, max: 150 }),
        lo: fc.integer({ min: 0, max: 20 }),
        resetMode: fc.constantFrom(0, 1),
        recording: fc.boolean(),
        stateInHeap: fc.boolean(),
        perNeuronVth: fc.boolean(),
        seed: fc.integer(),
      });
      fc.assert(
        fc.property(input, ({ T, M, lo: lo0, resetMode, recording, stateInHeap, perNeuronVth, seed }) => {
          let s = seed >>> 0;
          const next = () => {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            return s / 2 ** 32;
          };
          const lo = Math.min(lo0, M - 1);
          const x = Array.from({ length: T * M }, () => next() * 0.9 - 0.1);
          const v0 = Array.from({ length: M }, () => next() * 1.4 - 0.2);
          const vth = Array.from({ length: M }, () => 0.5 + next());
          const mask = perNeuronVth ? [false, false, false, true, false, false, false, false] : undefined;
          const run = (fn: (c: never) => void, heap: boolean) => {
            const big = heap ? inHeap : plain;
            const small = heap && stateInHeap ? inHeap : plain;
            const xs = big(dtype, T * M);
            xs.set(x);
            const v = small(dtype, M);
            v.set(v0);
            const i = small(dtype, M);
            const th = small(dtype, M);
            th.set(vth);
            const out = big(dtype, T * M);
            const record = recording ? [big(dtype, T * M), big(dtype, T * M)] : undefined;
            const paramArrays = perNeuronVth ? [undefined, undefined, undefined, th] : undefined;
            const call = {
              T,
              M,
              lo,
              hi: M,
              inputs: [xs],
              out,
              state: [v, i],
              record,
              params: paramsOf(dtype, resetMode),
              paramArrays,
              dt: dtOf(dtype),
            };
            fn(call as never);
            return [out, v, i, ...(record ?? [])];
          };
          const a = run(compileUpdate(lifKernel, dtype, recording, mask), false);
          const k = compileThreaded(lifKernel, dtype, recording, { threads: 1 }, mask);
          expect(k.engine).toBe('wasm');
          const b = run(k, true);
          a.forEach((arr, j) => {
            expect(firstDifference(arr, b[j] as TensorData)).toBe(-1);
          });
        }),
        { numRuns: 120 },
      );
    });
  }

  it('says so in its plan, and flags a non-finite input it reads in place', () => {
    const T = 5;
    const M = 37;
    const xs = inHeap('float32', T * M);
    xs.fill(0.1);
    xs[3 * M + 35] = Number.NaN;
    const k = compileThreaded(lifKernel, 'float32', false, { threads: 1 });
    expect(k.plan(T, M, [xs]).reason).toMatch(/in place in the shared WebAssembly memory/);
    expect(k.plan(T, M, [new Float32Array(T * M)]).reason).not.toMatch(/shared WebAssembly/);
    const nonFinite = new Int32Array(1);
    const call = {
      T,
      M,
      inputs: [xs],
      out: inHeap('float32', T * M),
      state: [inHeap('float32', M), inHeap('float32', M)],
      params: paramsOf('float32', 0),
      dt: dtOf('float32'),
      nonFinite,
    };
    k(call);
    expect(nonFinite[0]).toBe(1);
    xs[3 * M + 35] = 0.1;
    xs[2 * M + 4] = Number.POSITIVE_INFINITY; // within the whole vectors read in place
    nonFinite[0] = 0;
    k(call);
    expect(nonFinite[0]).toBe(1);
    xs[2 * M + 4] = 0.1;
    nonFinite[0] = 0;
    k(call);
    expect(nonFinite[0]).toBe(0);
  });

  it('returns a block once its buffer object is collected (subarrays and .buffer keep it), zeroed when asked (child process with --expose-gc)', () => {
    const program = `
      import { heapAllocate, sharedHeapStats } from './src/ops/sharedHeap.ts';
      const turn = async () => { globalThis.gc(); for (let k = 0; k < 3; k++) await new Promise((r) => setTimeout(r, 5)); };
      const r = {};
      const held = {};
      (() => {
        const a = heapAllocate('float32', 50000, true);
        a.fill(7);
        r.at = a.byteOffset;
        held.sub = a.subarray(10, 20); // a subarray keeps the block
      })();
      await turn();
      r.keptBySubarray = sharedHeapStats().usedBytes;
      (() => {
        held.buffer = held.sub.buffer; // so does .buffer alone
        delete held.sub;
      })();
      await turn();
      r.keptByBuffer = sharedHeapStats().usedBytes;
      delete held.buffer;
      await turn();
      r.freed = sharedHeapStats().usedBytes;
      const b = heapAllocate('float32', 50000, true);
      r.reusedAt = b.byteOffset;
      r.zeroed = b.every((x) => x === 0);
      r.size = sharedHeapStats().bytes;
      console.log(JSON.stringify(r));
    `;
    const p = runWithGc(program);
    expect(p.stderr).toBe('');
    const r = JSON.parse(p.stdout.trim());
    expect(r.keptBySubarray).toBe(200_000);
    expect(r.keptByBuffer).toBe(200_000);
    expect(r.freed).toBe(0);
    expect(r.reusedAt).toBe(r.at);
    expect(r.zeroed).toBe(true);
    expect(r.size).toBe(4 * 65536); // the first 64 KiB page and the 3 grown for the block: nothing more
  }, 60_000);
});
