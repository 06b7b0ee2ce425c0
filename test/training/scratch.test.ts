/**
 * Reuse of the training passes' scratch buffers (`src/training/kernels/scratch.ts`): a layer or a
 * sequence run batch after batch (forward, backward, forward, …) gives the same values as fresh
 * layers, although the later batches run in buffers recycled from the earlier ones; a tape whose
 * buffers were recycled refuses a second backward pass with a clear error.
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { giveScratch, takeScratch } from '../../src/training/kernels/scratch.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';

const T = 30;
const B = 2;
const N = 600; // T·B·N·8 bytes ≥ the pool's 64 KiB threshold
const input = (seed: number): Tensor => {
  const rng = uniformSource(seed);
  return fromTypedArray(
    new Float64Array(T * B * N).map(() => 0.6 * rng.next()),
    [T, B, N],
  );
};
const stack = (): TrainableLayer =>
  trainableSequential(trainable(lif), trainableLinear([N, 40], { seed: 3, dtype: 'float64' }), trainable(li));

const pass = (net: TrainableLayer, xs: Tensor) => {
  const r = net.forward(xs);
  const g = new Float64Array(r.out.data.length).map((_, k) => Math.sin(k));
  const b = net.backward(r.tape, g);
  return {
    out: Float64Array.from(r.out.data),
    gx: Float64Array.from(b.gx as Float64Array),
    grads: Object.values(net.grads).map((a) => a.slice()),
  };
};
/** Index of the first element that differs (Object.is), −1 when equal. */
const firstDiff = (a: Float64Array, b: Float64Array): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

describe('training scratch buffers', () => {
  it('batch after batch in one network equals fresh networks (LIF and LIF → Linear → LI)', () => {
    for (const make of [() => trainable(lif), stack]) {
      const reused = make();
      for (const seed of [1, 2, 3]) {
        const fresh = make();
        reused.zeroGrad();
        const a = pass(reused, input(seed));
        const b = pass(fresh, input(seed));
        expect(firstDiff(a.out, b.out)).toBe(-1);
        expect(firstDiff(a.gx, b.gx)).toBe(-1);
        expect(a.grads.length).toBe(b.grads.length);
        expect(a.grads.map((ga, k) => firstDiff(ga, b.grads[k] as Float64Array))).toEqual(a.grads.map(() => -1));
        expect(a.out.some((z) => z !== 0)).toBe(true);
      }
    }
  });

  it('refuses a backward pass over a tape whose buffers a later forward pass reused', () => {
    const layer = trainable(lif);
    const g = new Float64Array(T * B * N).fill(1);
    const first = layer.forward(input(1));
    layer.backward(first.tape, g);
    // a second backward before any new forward pass is fine (accumulates again)
    expect(() => layer.backward(first.tape, g)).not.toThrow();
    const second = layer.forward(input(2));
    expect(() => layer.backward(first.tape, g)).toThrow(/reused by a later forward pass/);
    expect(() => layer.backward(second.tape, g)).not.toThrow();
  });

  it('hands a given-back buffer out again, and only buffers of the size asked', () => {
    const a = takeScratch('float64', 1 << 14);
    giveScratch(a);
    expect(takeScratch('float32', 1 << 14)).not.toBe(a);
    expect(takeScratch('float64', 1 << 14)).toBe(a);
    expect(takeScratch('float64', 1 << 14)).not.toBe(a);
  });
});
