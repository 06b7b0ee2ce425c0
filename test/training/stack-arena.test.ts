/**
 * The stack LIF → Linear → LI with the LIF layer's `outputs: 'reuse'` (in place in the training
 * arena): inside `trainableSequential` the linear map writes its ∂input into one buffer it keeps in
 * the arena (`src/training/transientGrad.ts`), which the LIF layer's in-place backward pass reads
 * without a copy (path and copy count asserted); outputs, ∂input and every gradient equal the fresh
 * stack's (copying path) bit for bit over three steps. A linear layer called alone (or first in a
 * sequence) still hands out a new ∂input each call, outside the arena, and the hand-off flag is
 * restored after a sequence's backward pass, also when a layer throws.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import '../../src/ops/backends/threads/training.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { arenaCopies, arenaOffset } from '../../src/training/kernels/arena.js';
import { lifWasmAvailable } from '../../src/training/kernels/lifGrad.js';
import { lastLifPath } from '../../src/training/kernels/parallel.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';
import { transientGradInput } from '../../src/training/transientGrad.js';

const [T, B, N, O] = [30, 2, 1100, 13];

const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

const stack = (outputs: 'fresh' | 'reuse') =>
  trainableSequential(
    trainable(lif, { tauMemInv: 150, vTh: 0.25 }, 0.001, { outputs }),
    trainableLinear([N, O], { seed: 4 }),
    trainable(li, undefined, 0.001, { outputs }),
  );

describe.runIf(lifWasmAvailable())('stack LIF → Linear → LI: ∂input handed over in the arena', () => {
  afterAll(async () => {
    await terminateThreads();
  });

  it('the linear ∂input lives in the arena, read in place by the LIF backward; results = the copying (fresh) stack, bit for bit', () => {
    const nets = { reuse: stack('reuse'), fresh: stack('fresh') };
    const rng = uniformSource(9);
    for (let s = 0; s < 3; s++) {
      const x = new Float32Array(T * B * N).map(() => 0.7 * rng.next());
      const g = new Float64Array(T * B * O).map(() => rng.next() - 0.5);
      const res: Record<string, { out: Float64Array; gx: Float64Array; grads: Record<string, Float64Array> }> = {};
      for (const [name, net] of Object.entries(nets) as [string, TrainableLayer][]) {
        net.zeroGrad();
        const r = net.forward(fromTypedArray(x, [T, B, N]));
        const copies0 = arenaCopies.count;
        const b = net.backward(r.tape, g, undefined, true);
        if (name === 'reuse') {
          expect(lastLifPath.lifBwd).toBe('arena');
          expect(arenaCopies.count).toBe(copies0); // ∂z read in place: no copy into the arena
        }
        res[name] = {
          out: Float64Array.from(r.out.data),
          gx: Float64Array.from(b.gx as Float64Array),
          grads: Object.fromEntries(Object.entries(net.grads).map(([k, v]) => [k, Float64Array.from(v)])),
        };
      }
      type Res = { out: Float64Array; gx: Float64Array; grads: Record<string, Float64Array> };
      const [a, f] = [res.reuse as Res, res.fresh as Res];
      expect(firstDiff(a.out, f.out)).toBe(-1);
      expect(firstDiff(a.gx, f.gx)).toBe(-1);
      for (const k of Object.keys(a.grads)) expect([k, firstDiff(a.grads[k] as Float64Array, f.grads[k] as Float64Array)]).toEqual([k, -1]);
      expect(Math.max(...(a.grads['1.weight'] as Float64Array).map(Math.abs))).toBeGreaterThan(0);
    }
    expect(transientGradInput()).toBe(false);
  });

  it('alone, or first in a sequence, the linear map returns a new ∂input each call, outside the arena', () => {
    const rng = uniformSource(2);
    const x = new Float32Array(T * B * N).map(() => (rng.next() < 0.1 ? 1 : 0));
    const g = new Float64Array(T * B * O).map(() => rng.next() - 0.5);
    for (const layer of [trainableLinear([N, O], { seed: 1 }), trainableSequential(trainableLinear([N, O], { seed: 1 }))]) {
      const r = layer.forward(fromTypedArray(x, [T, B, N]));
      const g1 = layer.backward(r.tape, g).gx as Float64Array;
      const g1Copy = g1.slice();
      const g2 = layer.backward(r.tape, g).gx as Float64Array;
      expect(g2).not.toBe(g1);
      expect(arenaOffset(g1)).toBe(-1);
      expect(firstDiff(g1, g1Copy)).toBe(-1); // the first ∂input was not overwritten
      expect(firstDiff(g1, g2)).toBe(-1);
    }
  });

  it('the hand-off flag is restored when an inner layer throws', () => {
    const net = stack('reuse');
    const r = net.forward(fromTypedArray(new Float32Array(T * B * N).fill(0.5), [T, B, N]));
    expect(() => net.backward(r.tape, new Float64Array(3))).toThrow(/gOut/);
    expect(transientGradInput()).toBe(false);
  });
});
