/**
 * The WebAssembly SIMD kernels of the common LIF layer (`src/training/kernels/lifGrad.ts`) against
 * the JavaScript loops (`kernel: 'js'`): spikes, final state, recorded voltages, ∂input and
 * ∂(initial state) equal bit for bit, float32 and float64, over several chunks of steps, from a
 * nonzero initial state with a nonzero ∂(final state).
 */
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { type DType, fromTypedArray } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { lifWasmAvailable } from '../../src/training/kernels/lifGrad.js';
import { CHUNK_BYTES } from '../../src/training/kernels/linearGrad.js';
import { trainable } from '../../src/training/neurons.js';

const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

const run = (T: number, B: number, N: number, dtype: DType, kernel: 'js' | 'wasm') => {
  const rng = uniformSource(11);
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const x = new Arr(T * B * N).map(() => 0.9 * rng.next() - 0.1);
  const layer = trainable(lif, { tauMemInv: 120, vTh: 0.4, vReset: -0.1, vLeak: 0.05 }, 0.001, { kernel });
  const s0 = { v: new Arr(B * N).map(() => 0.3 * rng.next()), i: new Arr(B * N).map(() => rng.next() - 0.5) };
  const r = layer.forward(fromTypedArray(x, [T, B, N]), s0);
  const gOut = new Float64Array(T * B * N).map(() => rng.next() - 0.5);
  const gState = { v: new Float64Array(B * N).map(() => rng.next()), i: new Float64Array(B * N).map(() => rng.next()) };
  const b = layer.backward(r.tape, gOut, gState);
  const tape = r.tape as { vd: ArrayLike<number> };
  return {
    z: r.out.data,
    v: r.state.v as ArrayLike<number>,
    i: r.state.i as ArrayLike<number>,
    vd: tape.vd,
    gx: b.gx as Float64Array,
    gv: b.gState.v as Float64Array,
    gi: b.gState.i as Float64Array,
  };
};

describe.runIf(lifWasmAvailable())('trainable LIF: wasm kernels = js loops', () => {
  const cases: [number, number, number, DType][] = [
    [20, 2, 7, 'float64'],
    [20, 2, 7, 'float32'],
    [9, 1, 64, 'float32'],
    [Math.ceil(CHUNK_BYTES / (16 + 8) / 100) * 2 + 5, 1, 100, 'float64'],
  ];
  for (const [T, B, N, dtype] of cases) {
    it(`${dtype} T=${T} batch=${B} N=${N}`, () => {
      const a = run(T, B, N, dtype, 'js');
      const w = run(T, B, N, dtype, 'wasm');
      let spikes = 0;
      for (const z of a.z) spikes += z;
      expect(spikes).toBeGreaterThan(0.05 * a.z.length);
      expect(spikes).toBeLessThan(0.95 * a.z.length);
      for (const key of ['z', 'v', 'i', 'vd', 'gx', 'gv', 'gi'] as const) expect([key, firstDiff(w[key], a[key])]).toEqual([key, -1]);
    });
  }
  it('an odd neurons × batch runs the js loops (same results)', () => {
    const a = run(5, 1, 3, 'float64', 'js');
    const w = run(5, 1, 3, 'float64', 'wasm');
    expect(firstDiff(w.gx, a.gx)).toBe(-1);
  });
});
