/**
 * Gradients derived from the models' one update definition (src/training/derived.ts, through
 * ops/update/derivative.ts) equal the hand-written adjoints (src/training/neuronBackward.ts) for
 * every built-in trainable model, reset and surrogate, to 1e-12 in float64: input, initial-state,
 * weight and parameter gradients. (Against Norse's own gradients: grad-reference.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lsnn, lsnnRecurrent } from '../../src/neurons/lsnn.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { trainable } from '../../src/training/neurons.js';
import { type DerivedCase, pass, seededRandom, weights } from './fixtures.js';

/** max |a − e| / max(1, max |e|) */
const relErr = (a: ArrayLike<number>, e: ArrayLike<number>): number => {
  expect(a.length).toBe(e.length);
  let worst = 0;
  let scale = 1;
  for (let k = 0; k < e.length; k++) {
    worst = Math.max(worst, Math.abs((a[k] as number) - (e[k] as number)));
    scale = Math.max(scale, Math.abs(e[k] as number));
  }
  return worst / scale;
};

const T = 60;
const B = 2;

const cases = (): DerivedCase[] => {
  const r = seededRandom(11);
  const out: DerivedCase[] = [];
  for (const method of ['super', 'triangle', 'tanh', 'circ', 'heavi_erfc', 'logistic'])
    out.push({ label: `LIF ${method}`, model: lif, params: { method, alpha: method === 'triangle' ? 0.3 : 100 }, nIn: 3, gain: 6 });
  for (const resetMethod of ['subtract', 'none'])
    out.push({ label: `LIF reset ${resetMethod}`, model: lif, params: { resetMethod, tauMemInv: 150 }, nIn: 3, gain: 6 });
  out.push({ label: 'LI', model: li, params: { tauMemInv: 120, vLeak: 0.1 }, nIn: 3, gain: 2 });
  out.push({ label: 'LIFBox', model: lifBox, params: { vTh: 0.8 }, nIn: 3, gain: 4 });
  out.push({ label: 'LIFBox subtract', model: lifBox, params: { resetMethod: 'subtract' }, nIn: 3, gain: 4 });
  out.push({ label: 'LIBox', model: liBox, params: { vLeak: -0.2 }, nIn: 3, gain: 2 });
  out.push({ label: 'LSNN', model: lsnn, params: { beta: 1.5, tauAdaptInv: 300 }, nIn: 3, gain: 6 });
  out.push({ label: 'LSNN subtract', model: lsnn, params: { resetMethod: 'subtract' }, nIn: 3, gain: 6 });
  out.push({
    label: 'LIFRecurrent',
    model: lifRecurrent,
    params: { inputWeights: weights(r, 4, 3, 4), recurrentWeights: weights(r, 4, 4, 2) },
    nIn: 3,
    gain: 3,
  });
  out.push({
    label: 'LIFRecurrent autapses',
    model: lifRecurrent,
    params: { inputWeights: weights(r, 4, 3, 4), recurrentWeights: weights(r, 4, 4, 2), autapses: true },
    nIn: 3,
    gain: 3,
  });
  out.push({
    label: 'LSNNRecurrent',
    model: lsnnRecurrent,
    params: { inputWeights: weights(r, 4, 3, 8), recurrentWeights: weights(r, 4, 4, 2), beta: 0.5 },
    nIn: 3,
    gain: 6,
  });
  return out;
};

describe('derived gradients equal the hand-written adjoints (float64)', () => {
  for (const c of cases()) {
    it(c.label, () => {
      const r = seededRandom(c.label.length * 7 + 3);
      const xs = fromTypedArray(
        Float64Array.from({ length: T * B * c.nIn }, () => r() * c.gain * 0.1),
        [T, B, c.nIn],
      );
      const hand = trainable(c.model, c.params as never, 0.001, { paramGrads: true, kernel: 'js' });
      const derived = trainable(c.model, c.params as never, 0.001, { paramGrads: true, adjoint: 'derived' });
      const N = hand.outFeatures(c.nIn);
      const gOut = Float64Array.from({ length: T * B * N }, () => r() - 0.3);
      const h = pass(hand, xs, gOut);
      const d = pass(derived, xs, gOut);
      expect(Array.from(d.f.out.data)).toEqual(Array.from(h.f.out.data));
      const spikes = Array.from(h.f.out.data).filter((z) => z === 1).length;
      if (!c.label.startsWith('LI')) expect(spikes, 'spikes').toBeGreaterThan(5);
      expect(relErr(d.b.gx as Float64Array, h.b.gx as Float64Array), 'gx').toBeLessThanOrEqual(1e-12);
      for (const k of Object.keys(h.b.gState))
        expect(relErr(d.b.gState[k] as Float64Array, h.b.gState[k] as Float64Array), `gState.${k}`).toBeLessThanOrEqual(1e-12);
      const names = Object.keys(hand.grads).filter((k) => !['method', 'alpha'].includes(k));
      expect(names.length).toBeGreaterThan(0);
      for (const k of names) {
        expect(derived.grads[k], k).toBeDefined();
        expect(relErr(derived.grads[k] as Float64Array, hand.grads[k] as Float64Array), `grads.${k}`).toBeLessThanOrEqual(1e-12);
      }
    });
  }
});
