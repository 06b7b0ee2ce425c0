/**
 * Per-neuron and trainable neuron parameters (`src/training/perNeuronTrainable.ts`): equal values per
 * neuron give the scalar layer's results; distinct values give, neuron by neuron, the results of
 * one-neuron scalar layers; gradients of the per-neuron parameters by central finite differences
 * (LI, and LIF below threshold where the layer is smooth); the optimisers train them; bad options.
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import { fromTypedArray, tensor } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { trainable } from '../../src/training/neurons.js';
import { adam } from '../../src/training/optimizers.js';

const T = 30;
const B = 2;
const N = 3;
const input = (scale: number, seed = 5): Float64Array => {
  const rng = uniformSource(seed);
  return new Float64Array(T * B * N).map(() => scale * rng.next());
};
const weights = (n: number): Float64Array => {
  const rng = uniformSource(9);
  return new Float64Array(n).map(() => rng.next() - 0.5);
};
/** Largest difference relative to the largest magnitude of `b`. */
const worst = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  let m = 0;
  for (let k = 0; k < b.length; k++) {
    d = Math.max(d, Math.abs((a[k] as number) - (b[k] as number)));
    m = Math.max(m, Math.abs(b[k] as number));
  }
  return d / m;
};
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(a), Math.abs(b));

describe('per-neuron neuron parameters', () => {
  it('LIF: equal values per neuron = the scalar layer (spikes, ∂x, summed parameter gradients)', () => {
    const p = { tauMemInv: 150, tauSynInv: 180, vTh: 0.3, vLeak: 0.02, vReset: -0.05 };
    const scalar = trainable(lif, p, 0.001, { paramGrads: true, kernel: 'js' });
    const per = trainable(lif, { ...p, tauMemInv: tensor([150, 150, 150]) }, 0.001, { paramGrads: true });
    const xs = fromTypedArray(input(0.8), [T, B, N]);
    const w = weights(T * B * N);
    const a = scalar.forward(xs);
    const b = per.forward(xs);
    expect(Array.from(b.out.data)).toEqual(Array.from(a.out.data));
    const spikes = Array.from(a.out.data).reduce((s, z) => s + z, 0);
    expect(spikes).toBeGreaterThan(5);
    const ga = scalar.backward(a.tape, w).gx as Float64Array;
    const gb = per.backward(b.tape, w).gx as Float64Array;
    expect(worst(gb, ga)).toBeLessThan(1e-12);
    for (const name of ['tauMemInv', 'tauSynInv', 'vLeak', 'vTh', 'vReset']) {
      const sum = (per.grads[name] as Float64Array).reduce((s, v) => s + v, 0);
      expect(per.grads[name]?.length).toBe(N);
      expect(rel(sum, (scalar.grads[name] as Float64Array)[0] as number)).toBeLessThan(1e-12);
    }
  });

  it('LIF: distinct values per neuron = one-neuron scalar layers, neuron by neuron', () => {
    const tau = [80, 150, 260];
    const th = [0.2, 0.35, 0.5];
    const per = trainable(lif, { tauMemInv: tensor(tau, 'float64'), vTh: tensor([th], 'float64') }, 0.001, { paramGrads: true });
    const x = input(0.9, 3);
    const w = weights(T * B * N);
    const r = per.forward(fromTypedArray(x, [T, B, N]));
    const g = per.backward(r.tape, w).gx as Float64Array;
    for (let n = 0; n < N; n++) {
      const one = trainable(lif, { tauMemInv: tau[n], vTh: th[n] }, 0.001, { paramGrads: true, kernel: 'js' });
      const pick = (a: ArrayLike<number>) => Float64Array.from({ length: T * B }, (_, k) => a[k * N + n] as number);
      const ro = one.forward(fromTypedArray(pick(x), [T, B, 1]));
      expect(Array.from(ro.out.data)).toEqual(Array.from(pick(r.out.data)));
      const go = one.backward(ro.tape, pick(w)).gx as Float64Array;
      expect(worst(pick(g), go)).toBeLessThan(1e-12);
      expect(rel((per.grads.tauMemInv as Float64Array)[n] as number, (one.grads.tauMemInv as Float64Array)[0] as number)).toBeLessThan(
        1e-12,
      );
      expect(rel((per.grads.vTh as Float64Array)[n] as number, (one.grads.vTh as Float64Array)[0] as number)).toBeLessThan(1e-12);
    }
  });

  const fdCheck = (make: () => ReturnType<typeof trainable>, names: readonly string[], scale: number, h: number, tol: number) => {
    const xs = fromTypedArray(input(scale), [T, B, N]);
    const w = weights(T * B * N);
    // a fixed initial state (the default, v = v_leak, is not differentiated, as in Norse)
    const s0 = { v: new Float64Array(B * N).fill(0.1), i: new Float64Array(B * N).fill(0.2) };
    const loss = (l: ReturnType<typeof trainable>) =>
      Array.from(l.forward(xs, s0, { tape: false }).out.data).reduce((s, v, k) => s + v * (w[k] as number), 0);
    const layer = make();
    const r = layer.forward(xs, s0);
    expect(r.out.data.every((v) => v === 0 || v !== 1)).toBe(true);
    layer.backward(r.tape, w);
    for (const name of names) {
      for (let n = 0; n < N; n++) {
        const p = layer.params[name] as Float64Array;
        const v0 = p[n] as number;
        const step = h * Math.max(1, Math.abs(v0));
        p[n] = v0 + step;
        const lp = loss(layer);
        p[n] = v0 - step;
        const lm = loss(layer);
        p[n] = v0;
        const fd = (lp - lm) / (2 * step);
        const g = (layer.grads[name] as Float64Array)[n] as number;
        expect(Math.abs(g - fd)).toBeLessThan(tol * Math.max(1, Math.abs(fd)));
      }
    }
  };

  it('LI: gradients of trained per-neuron parameters = central finite differences', () => {
    fdCheck(
      () => trainable(li, { tauMemInv: tensor([90, 120, 200]) }, 0.001, { train: ['tauMemInv', 'tauSynInv', 'vLeak'] }),
      ['tauMemInv', 'tauSynInv', 'vLeak'],
      1,
      1e-6,
      1e-6,
    );
  });

  it('LIF below threshold (no spikes, smooth): parameter gradients = central finite differences', () => {
    fdCheck(
      () => trainable(lif, { vTh: 50 }, 0.001, { train: ['tauMemInv', 'tauSynInv', 'vLeak', 'vTh'], features: N }),
      ['tauMemInv', 'tauSynInv', 'vLeak', 'vTh'],
      1,
      1e-6,
      1e-6,
    );
  });

  it('trained parameters are optimised (Adam moves each neuron’s value against its gradient)', () => {
    const layer = trainable(lif, { vTh: 0.3 }, 0.001, { train: ['tauMemInv'], features: N });
    expect(layer.paramShapes.tauMemInv).toEqual([N]);
    const before = Float64Array.from(layer.params.tauMemInv as Float64Array);
    const r = layer.forward(fromTypedArray(input(0.9), [T, B, N]));
    layer.backward(r.tape, new Float64Array(T * B * N).fill(1));
    const g = Float64Array.from(layer.grads.tauMemInv as Float64Array);
    adam(layer, { lr: 0.5 }).step();
    const after = layer.params.tauMemInv as Float64Array;
    for (let n = 0; n < N; n++) {
      expect(g[n]).not.toBe(0);
      expect(Math.sign((after[n] as number) - (before[n] as number))).toBe(-Math.sign(g[n] as number));
    }
  });

  it('rejects per-neuron parameters of other models, unknown names, sizes that disagree', () => {
    expect(() => trainable(lsnn, { vTh: tensor([1, 2]) })).toThrow(/available for LIF and LI, received LSNN with per-neuron vTh/);
    expect(() => trainable(lif, {}, 0.001, { train: ['tau'], features: 2 })).toThrow(
      /options.train lists "tau"; LIF can train tauSynInv, tauMemInv, vLeak, vTh, vReset/,
    );
    expect(() => trainable(lif, {}, 0.001, { train: ['vTh'] })).toThrow(/options.features \(neurons N\) is required/);
    expect(() => trainable(lif, { vTh: tensor([1, 2]) }, 0.001, { features: 3 })).toThrow(/vTh has 2 values, but the layer has 3 neurons/);
    const l = trainable(li, { vLeak: tensor([0, 0.1]) });
    expect(() => l.forward(fromTypedArray(new Float64Array(6), [1, 2, 3]))).toThrow(/input must have 2 features/);
  });
});
