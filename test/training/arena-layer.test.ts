/**
 * The common LIF layer of `trainable` in the training arena (`src/training/kernels/arena.ts`): with
 * `outputs: 'reuse'` its outputs, ∂input and tape live in the arena, with fresh outputs they are
 * copied out of it; both passes run there in place (path asserted: a silent fallback to the copies
 * fails), with the same results bit for bit as the JavaScript loops
 * and as the copying path (a full arena), over three steps with a carried state, float32 and
 * float64, one and two threads. A previous layer's kept outputs are read in place (not copied);
 * an input outside the arena is copied in once. Nothing the caller holds is written: the input, the
 * ∂output, the returned states and another layer's outputs stay as they were; and what the caller
 * writes into its fresh outputs never reaches the gradients (the tape reads the arena's values, or
 * its own copy of them once a later forward pass came).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import '../../src/ops/backends/threads/training.js';
import { allocateShared, type DType, fromTypedArray, type Tensor, type TensorData } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { arenaCopies, arenaOffset, setArenaFull } from '../../src/training/kernels/arena.js';
import { lifWasmAvailable } from '../../src/training/kernels/lifGrad.js';
import { lastLifPath, lastThreads } from '../../src/training/kernels/parallel.js';
import { trainable } from '../../src/training/neurons.js';
import type { LayerState } from '../../src/training/trainableLayer.js';

// T·B·N = 2 × 66 000 neuron-steps: two threads; B·N ≡ 2 (mod 4) and slices end raggedly
const [T, B, N] = [40, 3, 1100];
const P = { tauMemInv: 120, vTh: 0.3, vReset: -0.05 };

const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

const steps = (dtype: DType, kernel: 'js' | 'wasm', outputs: 'fresh' | 'reuse', threads: number, full = false) => {
  const layer = trainable(lif, P, 0.001, { kernel, outputs, threads });
  const rng = uniformSource(3);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  let state: LayerState | undefined;
  const res = [];
  setArenaFull(full);
  try {
    for (let s = 0; s < 3; s++) {
      // two threads: input and ∂output in shared memory, which each thread copies its slice of into the arena
      const x = threads === 2 ? allocateShared(dtype, T * B * N) : new Arr(T * B * N);
      x.set(new Arr(T * B * N).map(() => 0.9 * rng.next() - 0.1));
      const xCopy = x.slice();
      const g = threads === 2 ? (allocateShared('float64', T * B * N) as Float64Array) : new Float64Array(T * B * N);
      g.set(new Float64Array(T * B * N).map(() => rng.next() - 0.5));
      const gCopy = g.slice();
      const r = layer.forward(fromTypedArray(x, [T, B, N]), state);
      const fwd = { path: lastLifPath.lifFwd, threads: lastThreads.lifFwd };
      const stateCopy = { v: (r.state.v as TensorData).slice(), i: (r.state.i as TensorData).slice() };
      const b = layer.backward(r.tape, g, { v: new Float64Array(B * N).fill(0.25), i: new Float64Array(B * N).fill(-0.5) });
      const bwd = { path: lastLifPath.lifBwd, threads: lastThreads.lifBwd };
      const prev = state;
      const prevCopy = prev === undefined ? undefined : { v: (prev.v as TensorData).slice(), i: (prev.i as TensorData).slice() };
      state = r.state;
      res.push({
        out: Float64Array.from(r.out.data),
        vd: Float64Array.from((r.tape as { vd: TensorData }).vd),
        v: stateCopy.v,
        i: stateCopy.i,
        gx: Float64Array.from(b.gx as Float64Array),
        gv: Float64Array.from(b.gState.v as Float64Array),
        gi: Float64Array.from(b.gState.i as Float64Array),
        outAt: arenaOffset(r.out.data),
        gxAt: arenaOffset(b.gx),
        fwd,
        bwd,
        // the caller's arrays after both passes
        callerChanged:
          Number(firstDiff(x, xCopy) !== -1) +
          Number(firstDiff(g, gCopy) !== -1) +
          Number(firstDiff(r.state.v as TensorData, stateCopy.v) !== -1) +
          Number(prev !== undefined && prevCopy !== undefined && firstDiff(prev.v as TensorData, prevCopy.v) !== -1),
      });
    }
  } finally {
    setArenaFull(false);
  }
  return res;
};

/** Two float32 inputs `[T, B, N]` and a ∂output, from `seed`. */
const twoInputs = (seed: number): { xs: [Tensor, Tensor]; g: Float64Array } => {
  const rng = uniformSource(seed);
  const x = () =>
    fromTypedArray(
      new Float32Array(T * B * N).map(() => 0.9 * rng.next() - 0.1),
      [T, B, N],
    );
  const xs: [Tensor, Tensor] = [x(), x()];
  return { xs, g: new Float64Array(T * B * N).map(() => rng.next() - 0.5) };
};

describe.runIf(lifWasmAvailable())("trainable LIF, outputs 'reuse': in place in the training arena", () => {
  afterAll(async () => {
    await terminateThreads();
  });
  for (const [dtype, threads, outputs] of [
    ['float32', 1, 'reuse'],
    ['float32', 2, 'reuse'],
    ['float64', 1, 'reuse'],
    ['float64', 2, 'reuse'],
    ['float32', 2, 'fresh'],
    ['float64', 1, 'fresh'],
  ] as const)
    it(`${dtype}, ${threads} thread(s), outputs ${outputs}: arena = js loops = copying path, bit for bit, 3 steps`, () => {
      const js = steps(dtype, 'js', 'fresh', threads);
      const copies = steps(dtype, 'wasm', outputs, threads, true);
      const arena = steps(dtype, 'wasm', outputs, threads);
      for (let s = 0; s < 3; s++) {
        const [a, c, j] = [arena[s], copies[s], js[s]] as [(typeof arena)[0], (typeof arena)[0], (typeof arena)[0]];
        expect(a.fwd).toEqual({ path: 'arena', threads });
        expect(a.bwd).toEqual({ path: 'arena', threads });
        expect(c.fwd.path).toBe('copy');
        expect(c.bwd.path).toBe('copy');
        // kept outputs live in the arena; fresh ones are copied out of it into new arrays
        expect(a.outAt > 0).toBe(outputs === 'reuse');
        expect(a.gxAt > 0).toBe(outputs === 'reuse');
        expect(c.outAt).toBe(-1);
        for (const k of ['out', 'vd', 'v', 'i', 'gx', 'gv', 'gi'] as const) {
          expect([s, k, firstDiff(a[k], j[k])]).toEqual([s, k, -1]);
          expect([s, k, firstDiff(c[k], j[k])]).toEqual([s, k, -1]);
        }
        expect(a.callerChanged).toBe(0);
        const rate = a.out.reduce((t, z) => t + z, 0) / a.out.length;
        expect(rate).toBeGreaterThan(0.02);
        expect(rate).toBeLessThan(0.9);
      }
    });

  it('fresh outputs: a tape kept across a later forward pass is copied out of the arena first (both backward passes exact)', () => {
    const { xs, g } = twoInputs(4);
    const layer = trainable(lif, P, 0.001);
    const ref = trainable(lif, P, 0.001, { kernel: 'js' });
    const [ra, rb] = xs.map((x) => layer.forward(x)) as [ReturnType<typeof layer.forward>, ReturnType<typeof layer.forward>];
    expect(lastLifPath.lifFwd).toBe('arena');
    const outA = ra.out.data.slice();
    const gb = layer.backward(rb.tape, g).gx as Float64Array;
    expect(lastLifPath.lifBwd).toBe('arena');
    const ga = layer.backward(ra.tape, g).gx as Float64Array;
    expect(lastLifPath.lifBwd).toBe('copy'); // A's tape was copied out when B's forward pass came
    expect(firstDiff(ra.out.data, outA)).toBe(-1); // A's fresh outputs not overwritten by B
    const [qa, qb] = xs.map((x) => ref.forward(x)) as [ReturnType<typeof layer.forward>, ReturnType<typeof layer.forward>];
    expect(firstDiff(ra.out.data, qa.out.data)).toBe(-1);
    expect(firstDiff(rb.out.data, qb.out.data)).toBe(-1);
    expect(firstDiff(gb, ref.backward(qb.tape, g).gx as Float64Array)).toBe(-1);
    expect(firstDiff(ga, ref.backward(qa.tape, g).gx as Float64Array)).toBe(-1);
  });

  it('fresh outputs: writing into the returned outputs never changes the gradients, with or without a forward pass before the backward', () => {
    const { xs, g } = twoInputs(5);
    const ref = trainable(lif, P, 0.001, { kernel: 'js' });
    const want = ref.backward(ref.forward(xs[0]).tape, g).gx as Float64Array;
    for (const between of [false, true]) {
      const layer = trainable(lif, P, 0.001);
      const r = layer.forward(xs[0]);
      expect(lastLifPath.lifFwd).toBe('arena');
      if (between) layer.forward(xs[1]); // spills r's tape out of the arena
      const z = r.out.data;
      for (let k = 0; k < z.length; k++) z[k] = 1 - (z[k] as number); // the caller's own copy, changed in place
      const got = layer.backward(r.tape, g).gx as Float64Array;
      expect([between, firstDiff(got, want)]).toEqual([between, -1]);
    }
  });

  it("a previous layer's kept outputs are read in place; an input outside the arena is copied once", () => {
    const rng = uniformSource(8);
    const x = new Float32Array(T * B * N).map(() => 2 * rng.next());
    const first = trainable(lif, { tauMemInv: 300, vTh: 0.2 }, 0.001, { outputs: 'reuse' });
    const second = trainable(lif, P, 0.001, { outputs: 'reuse' });
    const ref = trainable(lif, P, 0.001, { kernel: 'js' });
    const copies0 = arenaCopies.count;
    const r1 = first.forward(fromTypedArray(x, [T, B, N]));
    expect(arenaCopies.count).toBe(copies0 + 1); // x copied into the first layer's arena array
    expect(arenaOffset(r1.out.data)).toBeGreaterThan(0);
    const z1 = r1.out.data.slice();
    const r2 = second.forward(r1.out);
    expect(lastLifPath.lifFwd).toBe('arena');
    expect(arenaCopies.count).toBe(copies0 + 1); // read in place
    expect(firstDiff(r1.out.data, z1)).toBe(-1); // the first layer's outputs untouched
    const g = new Float64Array(T * B * N).fill(0.5);
    const b2 = second.backward(r2.tape, g);
    expect(lastLifPath.lifBwd).toBe('arena');
    // ∂input of the second layer (in the arena) is the first layer's ∂output: read in place too
    const b1 = first.backward(r1.tape, b2.gx as Float64Array, undefined, false);
    expect(lastLifPath.lifBwd).toBe('arena');
    expect(arenaCopies.count).toBe(copies0 + 2); // only g (outside the arena) was copied
    expect(b1.gx).toBeUndefined();
    const rr = ref.forward(fromTypedArray(Float32Array.from(z1), [T, B, N]));
    expect(firstDiff(r2.out.data, rr.out.data)).toBe(-1);
    expect(firstDiff(b2.gx as Float64Array, ref.backward(rr.tape, g).gx as Float64Array)).toBe(-1);
  });
});
