/**
 * The WebAssembly SIMD kernels of the trainable linear map (`src/training/kernels/linearGrad.ts`)
 * against the plain loops (`kernel: 'js'`): float64 outputs, ∂x, ∂W and ∂b equal bit for bit;
 * float32 equal except ∂x, computed in float32 (as torch does), within float32 rounding of a
 * sum of `O` products. Shapes cover the paddings (inputs not a multiple of 32, outputs not a
 * multiple of 8), inputs over several blocks of the sparse kernels, spike and analog inputs, several chunks of rows, and a layer without bias.
 */
import { describe, expect, it } from 'vitest';
import { type DType, fromTypedArray } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { instantiate } from '../../src/training/kernels/asm.js';
import {
  CHUNK_BYTES,
  CSR_TABLE_BYTES,
  linearGradModule,
  linearWasmAvailable,
  SPARSE_BLOCK,
} from '../../src/training/kernels/linearGrad.js';
import { trainableLinear } from '../../src/training/linear.js';

const run = (T: number, B: number, K: number, O: number, dtype: DType, kernel: 'js' | 'wasm', bias = true) => {
  const rng = uniformSource(7);
  const n = T * B * K;
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = rng.next();
    x[k] = u < 0.1 ? 1 : u < 0.15 ? rng.next() - 0.5 : 0;
  }
  const g = new Float64Array(T * B * O);
  for (let k = 0; k < g.length; k++) g[k] = rng.next() - 0.5;
  const l = trainableLinear([K, O], { seed: 2, dtype, kernel, bias });
  const r = l.forward(fromTypedArray(x, [T, B, K]));
  const b = l.backward(r.tape, g);
  // a second backward accumulates into the same gradients
  l.backward(r.tape, g, undefined, false);
  return {
    out: Array.from(r.out.data),
    gx: Array.from(b.gx as Float64Array),
    gw: Array.from(l.grads.weight as Float64Array),
    gb: l.grads.bias,
  };
};

/** Index of the first element that differs (Object.is), or -1. */
const firstDiff = (a: readonly number[], b: readonly number[]): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

describe.runIf(linearWasmAvailable())('trainable linear: wasm kernels = js loops', () => {
  const shapes: [number, number, number, number][] = [
    [3, 2, 5, 3],
    [7, 3, 37, 11],
    [4, 2, 64, 16],
    [5, 1, 33, 9],
    [2, 2, 4133, 13], // three blocks of inputs of the sparse kernels (SPARSE_BLOCK = 2048), run input by input (fwdc, dwc: blocks > 1024 inputs)
  ];
  it('a shape spans several blocks of inputs of the sparse kernels', () => {
    expect(Math.max(...shapes.map((sh) => sh[2]))).toBeGreaterThan(2 * SPARSE_BLOCK);
  });
  for (const [T, B, K, O] of shapes) {
    it(`float64 [${T}, ${B}, ${K}] → ${O}: equal bit for bit`, () => {
      const a = run(T, B, K, O, 'float64', 'js');
      const w = run(T, B, K, O, 'float64', 'wasm');
      expect(w.out).toEqual(a.out);
      expect(w.gx).toEqual(a.gx);
      expect(w.gw).toEqual(a.gw);
      expect(Array.from(w.gb as Float64Array)).toEqual(Array.from(a.gb as Float64Array));
    });
    it(`float32 [${T}, ${B}, ${K}] → ${O}: equal, ∂x within float32 rounding`, () => {
      const a = run(T, B, K, O, 'float32', 'js');
      const w = run(T, B, K, O, 'float32', 'wasm');
      expect(w.out).toEqual(a.out);
      expect(w.gw).toEqual(a.gw);
      const scale = Math.max(...a.gx.map(Math.abs));
      const worst = Math.max(...a.gx.map((v, k) => Math.abs(v - (w.gx[k] as number))));
      expect(scale).toBeGreaterThan(Math.min(0.05, 0.5 / Math.sqrt(K))); // weights are within ±1/√K
      expect(worst / scale).toBeLessThan(O * 2 ** -23);
    });
  }
  it('several chunks of rows and no bias: equal bit for bit (float64)', () => {
    const K = 700;
    const rows = Math.ceil(CHUNK_BYTES / 8 / (K + 8 + K + 32)) * 2 + 3;
    const a = run(rows, 1, K, 5, 'float64', 'js', false);
    const w = run(rows, 1, K, 5, 'float64', 'wasm', false);
    expect(a.gx.length).toBe(rows * K);
    expect(firstDiff(w.out, a.out)).toBe(-1);
    expect(firstDiff(w.gx, a.gx)).toBe(-1);
    expect(firstDiff(w.gw, a.gw)).toBe(-1);
    expect(w.gb).toBeUndefined();
  });
  // blocks over 1024 inputs run ∂W input by input (dwc): its sums start from +0 on the first chunk of
  // rows and go straight into ∂W's columns on the last (no tiles zeroed, no tga): several chunks,
  // outputs not a multiple of 8, ∂W already holding a first backward's sums
  for (const dtype of ['float64', 'float32'] as const)
    it(`∂W input by input over several chunks of rows = js bit for bit (${dtype})`, () => {
      const [K, O] = [1100, 13];
      const rows = Math.ceil(CHUNK_BYTES / 8 / (2 * K + 3 * K)) * 2 + 5; // ≥ 3 chunks of the backward
      const a = run(rows, 1, K, O, dtype, 'js');
      const w = run(rows, 1, K, O, dtype, 'wasm');
      expect(firstDiff(w.gw, a.gw)).toBe(-1);
      expect(firstDiff(w.out, a.out)).toBe(-1);
      expect(Array.from(w.gb as Float64Array)).toEqual(Array.from(a.gb as Float64Array));
      if (dtype === 'float64') expect(firstDiff(w.gx, a.gx)).toBe(-1);
    });
  // float32 ∂x is computed in float32 (products and sums rounded to float32, o increasing from +0):
  // its bits are part of the contract, whatever the register blocking of the kernel (rows left over included)
  for (const [T, B, K, O] of [
    [7, 1, 37, 11],
    [5, 2, 1030, 100],
    [3, 1, 19, 8],
  ] as [number, number, number, number][]) {
    it(`float32 ∂x [${T}, ${B}, ${K}] → ${O} = the float32 sum in increasing o, bit for bit`, () => {
      const rng = uniformSource(11);
      const rows = T * B;
      const x = new Float32Array(rows * K).map(() => (rng.next() < 0.2 ? 1 : 0));
      const g = new Float64Array(rows * O).map(() => rng.next() - 0.5);
      const l = trainableLinear([K, O], { seed: 3, dtype: 'float32', kernel: 'wasm' });
      const gx = l.backward(l.forward(fromTypedArray(x, [T, B, K])).tape, g).gx as Float64Array;
      const W = l.params.weight as Float32Array;
      const f = Math.fround;
      let differ = -1;
      for (let r = 0; r < rows && differ < 0; r++)
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let o = 0; o < O; o++) s = f(s + f(f(g[r * O + o] as number) * (W[o * K + k] as number)));
          if (!Object.is(gx[r * K + k], s)) {
            differ = r * K + k;
            break;
          }
        }
      expect(differ).toBe(-1);
    });
  }
  // csr32 packs four inputs per step (a lane-packing table): its lists must be the scalar loop's,
  // entry for entry — every row length mod 4, −0 left out, NaN / subnormals / analog values kept, a row stride
  it('csr32 = the nonzero entries row by row in increasing k (idx, val, ptr), entry for entry', () => {
    const mod = instantiate<string>(linearGradModule());
    const rng = uniformSource(5);
    for (const [R, K, stride] of [
      [1, 1, 1],
      [3, 3, 5],
      [4, 4, 4],
      [5, 7, 9],
      [6, 13, 13],
      [9, 66, 70],
    ] as [number, number, number][]) {
      const pool = [1, 1, 1, 0.25, -0, Number.NaN, 1e-40, -3.5];
      const x = new Float32Array(R * stride).map(() => (rng.next() < 0.6 ? 0 : (pool[Math.floor(rng.next() * pool.length)] as number)));
      const [xB, idxB] = [0, R * stride * 4];
      const valB = idxB + R * K * 4 + 16;
      const ptrB = valB + R * K * 8;
      const tabB = ptrB + (R + 1) * 4 + 16;
      mod.ensure(tabB + CSR_TABLE_BYTES);
      mod.f32().set(x, xB / 4);
      mod.fn.csr32?.(R, K, stride, xB, idxB, valB, ptrB, tabB);
      const i32 = new Int32Array(mod.f64().buffer);
      const idx: number[] = [];
      const val: number[] = [];
      const ptr: number[] = [0];
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          const v = x[r * stride + k] as number;
          if (v !== 0) {
            idx.push(k);
            val.push(v);
          }
        }
        ptr.push(idx.length);
      }
      expect(Array.from(i32.subarray(ptrB / 4, ptrB / 4 + R + 1))).toEqual(ptr);
      expect(Array.from(i32.subarray(idxB / 4, idxB / 4 + idx.length))).toEqual(idx);
      expect(Array.from(mod.f64().subarray(valB / 8, valB / 8 + val.length))).toEqual(val);
    }
  });
  it('rejects an unknown kernel', () => {
    expect(() => trainableLinear([3, 2], { kernel: 'gpu' as 'js' })).toThrow(/options.kernel must be "wasm" or "js", received "gpu"/);
  });
  it('rejects an unknown option by name instead of ignoring it (a typo of threads)', () => {
    const typo = { thread: 2 } as unknown as { threads: number };
    expect(() => trainableLinear([3, 2], typo)).toThrow(
      'trainableLinear: unknown option "thread"; expected seed, bias, dtype, gain, kernel, threads',
    );
  });
});
