/**
 * `trainable(model, p, dt, { outputs: 'reuse' })`: the layer writes its outputs and ∂input into
 * the same buffers call after call (no fresh memory per training step). The results equal the
 * default fresh outputs bit for bit over several steps (the WebAssembly kernels of the LIF layer
 * and the JavaScript loops of LI, float32 and float64), the buffers are really the same ones, and
 * a backward pass over a tape whose outputs a later forward pass overwrote is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { type DType, fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { trainable } from '../../src/training/neurons.js';

const T = 30;
const B = 2;
const N = 50;

const inputs = (dtype: DType, count: number): Tensor[] => {
  const rng = uniformSource(5);
  return Array.from({ length: count }, () => {
    const a = dtype === 'float64' ? new Float64Array(T * B * N) : new Float32Array(T * B * N);
    for (let k = 0; k < a.length; k++) a[k] = 0.9 * rng.next() - 0.1;
    return fromTypedArray(a, [T, B, N]);
  });
};

const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

/** Three training steps; copies of each step's outputs and ∂input, and the arrays themselves. */
const steps = (model: typeof lif | typeof li, dtype: DType, outputs: 'fresh' | 'reuse') => {
  const p = model === lif ? { tauMemInv: 120, vTh: 0.3 } : { tauMemInv: 120 };
  const layer = trainable(model as typeof lif, p, 0.001, { outputs });
  const rng = uniformSource(9);
  return inputs(dtype, 3).map((xs) => {
    const r = layer.forward(xs);
    const g = new Float64Array(r.out.data.length).map(() => rng.next() - 0.5);
    const b = layer.backward(r.tape, g);
    return { out: Float64Array.from(r.out.data), gx: Float64Array.from(b.gx as Float64Array), outArray: r.out.data, gxArray: b.gx };
  });
};

describe("trainable: outputs 'reuse'", () => {
  for (const [name, model] of [
    ['LIF (wasm kernels)', lif],
    ['LI (js loops)', li],
  ] as const)
    for (const dtype of ['float32', 'float64'] as const)
      it(`${name}, ${dtype}: equal to fresh outputs bit for bit over 3 steps, in the same buffers`, () => {
        const fresh = steps(model, dtype, 'fresh');
        const kept = steps(model, dtype, 'reuse');
        for (let k = 0; k < 3; k++) {
          expect([k, firstDiff(kept[k]?.out as Float64Array, fresh[k]?.out as Float64Array)]).toEqual([k, -1]);
          expect([k, firstDiff(kept[k]?.gx as Float64Array, fresh[k]?.gx as Float64Array)]).toEqual([k, -1]);
        }
        expect(fresh[0]?.out.some((v) => v !== 0)).toBe(true);
        expect(kept[2]?.outArray).toBe(kept[0]?.outArray);
        expect(kept[2]?.gxArray).toBe(kept[0]?.gxArray);
        expect(fresh[2]?.outArray).not.toBe(fresh[0]?.outArray);
      });

  it('a backward pass over a tape whose outputs a later forward pass overwrote is refused', () => {
    const layer = trainable(lif, undefined, 0.001, { outputs: 'reuse' });
    const [a, b] = inputs('float32', 2) as [Tensor, Tensor];
    const g = new Float64Array(T * B * N).fill(1);
    const r1 = layer.forward(a);
    layer.forward(b);
    expect(() => layer.backward(r1.tape, g)).toThrow(
      'LIF.backward: with options.outputs "reuse" a backward pass needs the tape of the last forward pass',
    );
    const r3 = layer.forward(a);
    layer.forward(b, undefined, { tape: false });
    expect(() => layer.backward(r3.tape, g)).toThrow('needs the tape of the last forward pass');
  });

  it("feeding a layer its own kept outputs, or its kept ∂input as ∂output, gives the fresh layer's results", () => {
    const [x] = inputs('float64', 1) as [Tensor];
    const run = (outputs: 'fresh' | 'reuse') => {
      const layer = trainable(li, undefined, 0.001, { outputs });
      const r1 = layer.forward(x);
      const r2 = layer.forward(r1.out);
      const b1 = layer.backward(r2.tape, new Float64Array(T * B * N).fill(1));
      const r3 = layer.forward(x);
      const b2 = layer.backward(r3.tape, b1.gx as Float64Array);
      return [Float64Array.from(r2.out.data), Float64Array.from(b1.gx as Float64Array), Float64Array.from(b2.gx as Float64Array)];
    };
    const fresh = run('fresh');
    const kept = run('reuse');
    expect(kept.map((a, k) => firstDiff(a, fresh[k] as Float64Array))).toEqual([-1, -1, -1]);
  });

  it('an outputs value other than fresh or reuse, or reuse with derived adjoints or trained parameters, is refused by name', () => {
    expect(() => trainable(lif, undefined, 0.001, { outputs: 'keep' as 'reuse' })).toThrow(
      'trainable: options.outputs must be "fresh" or "reuse", received "keep"',
    );
    expect(() => trainable(lif, undefined, 0.001, { outputs: 'reuse', adjoint: 'derived' })).toThrow('options.outputs "reuse"');
    expect(() => trainable(lif, undefined, 0.001, { outputs: 'reuse', train: ['vTh'], features: 4 })).toThrow('options.outputs "reuse"');
  });
});
