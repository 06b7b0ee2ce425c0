/**
 * Gradient checks by central finite differences on the smooth parts (property tests with
 * fast-check): LI and LIBox layers, linear maps, sequences of them, and the losses. The loss is
 * `Σ w·out` (or the loss function itself); each check perturbs one input or weight by ±h.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { trainableLinear } from '../../src/training/linear.js';
import { crossEntropy, maxOverTimeCrossEntropy, mse, rateRegularization, spikeCountLoss } from '../../src/training/losses.js';
import { trainable } from '../../src/training/neurons.js';
import type { LayerState, TrainableLayer } from '../../src/training/trainableLayer.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';

const h = 1e-6;
const T = 12;
const B = 2;

const weighted = (net: TrainableLayer, xs: Float64Array, F: number, w: Float64Array, state?: LayerState): number => {
  const r = net.forward(fromTypedArray(xs, [T, B, F]), state, { tape: false });
  let s = 0;
  for (let k = 0; k < w.length; k++) s += (w[k] as number) * (r.out.data[k] as number);
  return s;
};

const arr = (n: number) => fc.float64Array({ minLength: n, maxLength: n, min: -1, max: 1, noNaN: true, noDefaultInfinity: true });

/** Checks ∂(Σ w·out)/∂x and ∂/∂params of a smooth net against central differences at a few coordinates. */
const check = (makeNet: () => TrainableLayer, F: number, O: number) =>
  fc.assert(
    fc.property(arr(T * B * F), arr(T * B * O), fc.nat(), (xs, w, pick) => {
      const net = makeNet();
      const r = net.forward(fromTypedArray(xs, [T, B, F]));
      net.zeroGrad();
      const g = net.backward(r.tape, w).gx as Float64Array;
      for (const k of [pick % xs.length, (pick * 7 + 3) % xs.length]) {
        const xp = xs.slice();
        const xm = xs.slice();
        xp[k] = xp[k]! + h;
        xm[k] = xm[k]! - h;
        const fd = (weighted(net, xp, F, w) - weighted(net, xm, F, w)) / (2 * h);
        expect(Math.abs(fd - g[k]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
      for (const [name, p] of Object.entries(net.params)) {
        const k = pick % p.length;
        const old = p[k]!;
        p[k] = old + h;
        const up = weighted(net, xs, F, w);
        p[k] = old - h;
        const down = weighted(net, xs, F, w);
        p[k] = old;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(fd - net.grads[name]![k]!), name).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }),
    { numRuns: 25 },
  );

const f64 = { dtype: 'float64' } as const;

describe('finite differences', () => {
  it('LI layer: input gradient', () => check(() => trainable(li, {}, 0.001), 3, 3));
  it('LIBox layer: input gradient', () => check(() => trainable(liBox, { tauMemInv: 50 }, 0.001), 3, 3));
  it('linear map: input, weight and bias gradients', () => check(() => trainableLinear([4, 3], { ...f64, seed: 5 }), 4, 3));
  it('Linear → LI → Linear → LI', () =>
    check(
      () =>
        trainableSequential(
          trainableLinear([4, 5], { ...f64, seed: 1 }),
          trainable(li),
          trainableLinear([5, 2], { ...f64, seed: 2 }),
          trainable(li),
        ),
      4,
      2,
    ));

  it('LI parameter gradients (tauMemInv, tauSynInv, vLeak)', () =>
    fc.assert(
      fc.property(arr(T * B * 3), arr(T * B * 3), (xs, w) => {
        const base = { tauSynInv: 150, tauMemInv: 80, vLeak: 0.1 };
        const layer = trainable(li, base, 0.001, { paramGrads: true });
        const r = layer.forward(fromTypedArray(xs, [T, B, 3]));
        layer.backward(r.tape, w);
        for (const name of ['tauSynInv', 'tauMemInv', 'vLeak'] as const) {
          const step = name === 'vLeak' ? 1e-6 : 1e-3;
          // the initial state stays at the base v_leak (Norse detaches it from the parameter)
          const s0 = layer.initialState(B, 3, 'float64');
          const f = (d: number) => weighted(trainable(li, { ...base, [name]: base[name] + d }, 0.001), xs, 3, w, s0);
          const fd = (f(step) - f(-step)) / (2 * step);
          expect(Math.abs(fd - layer.grads[name]![0]!), name).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
        }
      }),
      { numRuns: 15 },
    ));

  const lossCheck = (f: (x: Float64Array) => { loss: number; grad: Float64Array }, n: number) =>
    fc.assert(
      fc.property(arr(n), fc.nat(), (x, pick) => {
        const { grad } = f(x);
        const k = pick % n;
        const xp = x.slice();
        const xm = x.slice();
        xp[k] = xp[k]! + h;
        xm[k] = xm[k]! - h;
        const fd = (f(xp).loss - f(xm).loss) / (2 * h);
        expect(Math.abs(fd - grad[k]!)).toBeLessThanOrEqual(1e-6);
      }),
      { numRuns: 50 },
    );

  it('cross-entropy', () => lossCheck((x) => crossEntropy(x, 3, 4, [0, 3, 2]), 12));
  // ties broken by a ramp of 1e-3 ≫ h, so the argmax does not move under the perturbation
  const untied = (x: Float64Array) => x.map((v, k) => v + k * 1e-3);
  it('cross-entropy of the max over time (away from ties)', () =>
    lossCheck((x) => maxOverTimeCrossEntropy(fromTypedArray(untied(x), [4, 2, 3]), [2, 0]), 24));
  it('MSE', () => lossCheck((x) => mse(fromTypedArray(x, [2, 2, 2]), [0.5, -0.5, 0, 1, 0.25, 0, 0, 1]), 8));
  it('spike-count loss (as a function of the counts)', () =>
    lossCheck((x) => spikeCountLoss(fromTypedArray(x, [3, 2, 2]), [1, 0], 2, 0.5), 12));
  it('rate regularisation (as a function of the rates)', () =>
    lossCheck((x) => rateRegularization(fromTypedArray(x, [3, 2, 2]), 0.1, 0.7), 12));
});

describe('losses: hand-derived values', () => {
  it('cross-entropy of equal logits is ln C', () => {
    expect(crossEntropy(new Float64Array(4), 1, 4, [2]).loss).toBeCloseTo(Math.log(4), 14);
  });
  it('cross-entropy stays finite for logits of ±1000', () => {
    const r = crossEntropy(Float64Array.from([1000, -1000]), 1, 2, [1]);
    expect(r.loss).toBe(2000);
    expect(Array.from(r.grad)).toEqual([1, -1]);
  });
  it('max over time sends the gradient to the step of the maximum', () => {
    const out = fromTypedArray(Float64Array.from([0, 5, 3, 1]), [2, 1, 2]); // t0: [0, 5], t1: [3, 1]
    const r = maxOverTimeCrossEntropy(out, [0]);
    expect(Array.from(r.logits)).toEqual([3, 5]);
    expect(r.grad[0]).toBe(0);
    expect(r.grad[1]).toBeGreaterThan(0);
    expect(r.grad[2]).toBeLessThan(0);
    expect(r.grad[3]).toBe(0);
    expect(r.correct).toBe(0);
  });
  it('spike count: counts and predictions', () => {
    const z = fromTypedArray(Float64Array.from([1, 0, 1, 1, 0, 1]), [3, 1, 2]);
    const r = spikeCountLoss(z, [1], 3, 0);
    expect(Array.from(r.logits)).toEqual([2, 2]);
    expect(r.loss).toBeCloseTo((4 + 1) / 2, 14);
  });
});
