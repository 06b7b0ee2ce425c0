/**
 * Models made with `defineModel` train: `trainable` derives their backward pass from their update
 * text (src/training/derived.ts). A smooth custom neuron's gradients (input, initial state,
 * parameters) equal central finite differences; an LI with the `exact` integration (which the
 * hand-written adjoints refuse) too; a spiking custom neuron behind a linear map learns target
 * spike counts (the loss falls) and its surrogate gradient is the one its `method`/`alpha` choose.
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { defineModel, surrogateParams } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import { fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { trainableLinear } from '../../src/training/linear.js';
import { spikeCountLoss } from '../../src/training/losses.js';
import { trainable } from '../../src/training/neurons.js';
import { adam } from '../../src/training/optimizers.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';
import { seededRandom, smoothLeaky } from './fixtures.js';

/** A smooth custom neuron: leaky voltage, squashed output y = tanh(gain·v). */
const smooth = smoothLeaky('smoothLeaky');

/** A spiking custom neuron, its threshold and reset written as an `if`. */
const leaky = defineModel({
  name: 'CustomLeaky',
  id: 'customLeaky',
  parameters: {
    tauInv: { kind: 'number', default: 100, range: 'positive' },
    vTh: { kind: 'number', default: 1, range: 'finite' },
    ...surrogateParams,
  },
  update: {
    name: 'custom_leaky',
    inputs: ['x'],
    state: ['v'],
    params: ['tauInv', 'vTh'],
    output: 'z',
    body: 'v = v + dt * tauInv * (x - v);\nlet z = 0;\nif (v > vTh) {\n  z = 1;\n  v = 0;\n}',
  },
  state: ['v'],
  initialState: () => ({ v: 0 }),
  outputName: 'z',
});

/** Loss Σ w·out + Σ u·(final state) of a layer, for finite differences. */
const lossOf = (
  layer: TrainableLayer,
  xs: Tensor,
  s0: Record<string, Float64Array>,
  w: Float64Array,
  u: Record<string, Float64Array>,
): number => {
  const f = layer.forward(xs, s0, { tape: false });
  let l = 0;
  f.out.data.forEach((y, k) => {
    l += y * (w[k] as number);
  });
  for (const [k, g] of Object.entries(u)) {
    const s = f.state[k] as Float64Array;
    for (let j = 0; j < s.length; j++) l += (s[j] as number) * (g[j] as number);
  }
  return l;
};

const finiteDifferences = (
  make: (p: Record<string, number>) => TrainableLayer,
  p: Record<string, number>,
  names: readonly string[],
  T: number,
  B: number,
  N: number,
) => {
  const r = seededRandom(3);
  const xs = fromTypedArray(
    Float64Array.from({ length: T * B * N }, () => r() * 0.8),
    [T, B, N],
  );
  const layer = make(p);
  const s0: Record<string, Float64Array> = {};
  for (const [k, s] of Object.entries(layer.initialState(B, N, 'float64'))) s0[k] = Float64Array.from(s as Float64Array, () => r() - 0.5);
  const w = Float64Array.from({ length: T * B * N }, () => r() - 0.5);
  const u: Record<string, Float64Array> = {};
  for (const k of Object.keys(s0)) u[k] = Float64Array.from({ length: B * N }, () => r() - 0.5);
  const f = layer.forward(xs, s0);
  const b = layer.backward(f.tape, w, u);
  const h = 1e-6;
  const central = (fn: (e: number) => number): number => (fn(h) - fn(-h)) / (2 * h);
  const worst = { x: 0, state: 0, params: 0 };
  for (let k = 0; k < xs.data.length; k += 7) {
    const fd = central((e) => {
      const x = Float64Array.from(xs.data);
      x[k] = (x[k] as number) + e;
      return lossOf(layer, fromTypedArray(x, [T, B, N]), s0, w, u);
    });
    worst.x = Math.max(worst.x, Math.abs(fd - (b.gx as Float64Array)[k]!) / Math.max(1, Math.abs(fd)));
  }
  for (const [name, s] of Object.entries(s0))
    for (let j = 0; j < s.length; j++) {
      const fd = central((e) => {
        const s1 = { ...s0, [name]: Float64Array.from(s) };
        (s1[name] as Float64Array)[j] = s[j]! + e;
        return lossOf(layer, xs, s1, w, u);
      });
      worst.state = Math.max(worst.state, Math.abs(fd - b.gState[name]![j]!) / Math.max(1, Math.abs(fd)));
    }
  for (const name of names) {
    const hp = 1e-6 * Math.max(1, Math.abs(p[name] as number));
    const fd =
      (lossOf(make({ ...p, [name]: p[name]! + hp }), xs, s0, w, u) - lossOf(make({ ...p, [name]: p[name]! - hp }), xs, s0, w, u)) /
      (2 * hp);
    const g = layer.grads[name]![0]!;
    worst.params = Math.max(worst.params, Math.abs(fd - g) / Math.max(1, Math.abs(fd)));
  }
  return worst;
};

describe('gradients derived from a defineModel update', () => {
  it('equal central finite differences for a smooth custom neuron (input, initial state, tauInv, vLeak, gain)', () => {
    const make = (p: Record<string, number>) => trainable(smooth, p as never, 0.001, { paramGrads: true });
    const worst = finiteDifferences(make, { tauInv: 80, vLeak: 0.2, gain: 1.5 }, ['tauInv', 'vLeak', 'gain'], 30, 2, 3);
    if (process.env.SHOW_FIGURES) console.log('smooth', worst);
    expect(worst.x).toBeLessThan(1e-7);
    expect(worst.state).toBeLessThan(1e-7);
    expect(worst.params).toBeLessThan(1e-6);
  });

  it("equal central finite differences for LI with integration 'exact' (refused by the hand-written adjoints)", () => {
    expect(() => trainable(li, { integration: 'exact' })).toThrow(/integration 'euler'/);
    const make = (p: Record<string, number>) =>
      trainable(li, { ...p, integration: 'exact' } as never, 0.001, { paramGrads: true, adjoint: 'derived' });
    const worst = finiteDifferences(make, { tauMemInv: 120, tauSynInv: 300, vLeak: 0.1 }, ['tauMemInv', 'tauSynInv', 'vLeak'], 30, 2, 3);
    if (process.env.SHOW_FIGURES) console.log('exact LI', worst);
    expect(worst.x).toBeLessThan(1e-7);
    expect(worst.state).toBeLessThan(1e-7);
    expect(worst.params).toBeLessThan(1e-6);
  });

  it("use the model's surrogate: one step of a custom spiking neuron gives ∂z/∂x = σ'(v − v_th)·dt·τ⁻¹ and ∂v/∂x = (v_reset − v)·σ'·dt·τ⁻¹", () => {
    for (const [method, alpha, sg] of [
      ['super', 100, (x: number) => 1 / (100 * Math.abs(x) + 1) ** 2],
      ['triangle', 0.3, (x: number) => 0.3 * Math.max(0, 1 - Math.abs(x))],
    ] as const) {
      const layer = trainable(leaky, { method, alpha, tauInv: 100 }, 0.001);
      const xs = tensor([[[9]], [[12]]], 'float64'); // v: 0.9 (no spike), then 0.9·0.9 + 1.2 = 2.01 (spike)
      const f = layer.forward(xs);
      expect(Array.from(f.out.data)).toEqual([0, 1]);
      const gz = layer.backward(f.tape, new Float64Array([0, 1])).gx as Float64Array;
      expect(gz[1]).toBeCloseTo(sg(2.01 - 1) * 0.1, 14);
      const gv = layer.backward(f.tape, new Float64Array(2), { v: new Float64Array([1]) }).gx as Float64Array;
      expect(gv[1]).toBeCloseTo(-2.01 * sg(2.01 - 1) * 0.1, 14);
    }
  });

  it('train: Linear → custom spiking neuron learns target spike counts (loss falls by more than half)', () => {
    const r = seededRandom(9);
    const T = 40;
    const B = 4;
    const F = 5;
    const C = 3;
    const weight = tensor(
      Array.from({ length: C }, () => Array.from({ length: F }, () => (r() - 0.5) * 2)),
      'float64',
    );
    const net = trainableSequential(trainableLinear({ weight }), trainable(leaky, { tauInv: 100 }, 0.001));
    const xs = fromTypedArray(
      Float64Array.from({ length: T * B * F }, () => (r() < 0.3 ? 20 : 0)),
      [T, B, F],
    );
    const targets = [0, 1, 2, 1];
    const opt = adam(net, { lr: 0.05 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 60; epoch++) {
      net.zeroGrad();
      const f = net.forward(xs);
      const l = spikeCountLoss(f.out, targets, 12, 1);
      losses.push(l.loss);
      net.backward(f.tape, l.grad);
      opt.step();
    }
    if (process.env.SHOW_FIGURES) console.log('losses', losses[0], Math.min(...losses.slice(-5)));
    expect(losses[0]).toBeGreaterThan(0);
    expect(Math.min(...losses.slice(-5))).toBeLessThan(0.5 * (losses[0] as number));
  });

  it("cover every built-in model: the derived layer's forward pass equals the model's run (js, float64), its gradients are finite and reach every input", () => {
    const win = tensor(
      [
        [1, 2, 0.5],
        [0.3, 1, 2],
        [2, 0.1, 1],
        [1, 1, 1],
      ],
      'float64',
    );
    const wrec = tensor(
      [
        [0, 0.5, -0.3, 0.2],
        [0.4, 0, 0.1, -0.2],
        [0.3, 0.3, 0, 0.3],
        [-0.5, 0.2, 0.1, 0],
      ],
      'float64',
    );
    expect(Object.keys(models).length).toBe(19);
    for (const [name, m] of Object.entries(models)) {
      const p = m.recurrent ? { inputWeights: win, recurrentWeights: wrec } : {};
      const layer = trainable(m, p as never, 0.001, { adjoint: 'derived', paramGrads: true });
      const gain = name.startsWith('Izhikevich') ? 20 : name === 'CobaLIF' ? 5 : 3;
      const xs = fromTypedArray(
        Float64Array.from({ length: 50 * 2 * 3 }, (_, k) => gain * (((k * 37) % 11) / 10)),
        [50, 2, 3],
      );
      const f = layer.forward(xs);
      const [ref] = m.run(p as never, 0.001, { backend: 'js' })(xs);
      expect(Array.from(f.out.data), name).toEqual(Array.from(ref.data));
      const gx = Array.from(layer.backward(f.tape, new Float64Array(f.out.data.length).fill(1)).gx as Float64Array);
      expect(gx.every(Number.isFinite), name).toBe(true);
      expect(gx.filter((g) => g !== 0).length, name).toBeGreaterThan(0.9 * gx.length);
      for (const g of Object.values(layer.grads)) expect(Array.from(g).every(Number.isFinite), name).toBe(true);
    }
    // float32: the forward pass rounds as the model's float32 run does (operation by operation)
    const x32 = fromTypedArray(
      Float32Array.from({ length: 50 * 2 * 3 }, (_, k) => 3 * (((k * 37) % 11) / 10)),
      [50, 2, 3],
    );
    const f32 = trainable(lif, {}, 0.001, { adjoint: 'derived' }).forward(x32);
    expect(f32.out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.out.data)).toEqual(Array.from(lif.run({}, 0.001, { backend: 'js' })(x32)[0].data));
  });

  it('take per-neuron parameters: equal to the hand-written per-neuron LIF and LI layers (1e-12), gradients [N]', () => {
    const r = seededRandom(21);
    const N = 4;
    const xs = fromTypedArray(
      Float64Array.from({ length: 60 * 2 * N }, () => r() * 0.6),
      [60, 2, N],
    );
    const cases = [
      [lif, { tauMemInv: tensor([60, 100, 150, 200], 'float64'), vTh: tensor([0.8, 1, 1.2, 0.9], 'float64'), vLeak: 0.05 }],
      [li, { tauSynInv: tensor([150, 200, 250, 300], 'float64'), vLeak: tensor([0, 0.1, -0.1, 0.2], 'float64') }],
    ] as const;
    for (const [model, p] of cases) {
      const hand = trainable(model as typeof lif, p as never, 0.001, { paramGrads: true });
      const derived = trainable(model as typeof lif, p as never, 0.001, { paramGrads: true, adjoint: 'derived' });
      const fh = hand.forward(xs);
      const fd = derived.forward(xs);
      expect(Array.from(fd.out.data)).toEqual(Array.from(fh.out.data));
      if (model === lif) expect(Array.from(fh.out.data).filter((z) => z === 1).length).toBeGreaterThan(10);
      const g = Float64Array.from(fh.out.data, () => r() - 0.4);
      const bh = hand.backward(fh.tape, g);
      const bd = derived.backward(fd.tape, g);
      const rel = (a: ArrayLike<number>, e: ArrayLike<number>) => {
        let w = 0;
        let sc = 1;
        for (let k = 0; k < e.length; k++) {
          w = Math.max(w, Math.abs((a[k] as number) - (e[k] as number)));
          sc = Math.max(sc, Math.abs(e[k] as number));
        }
        return w / sc;
      };
      expect(rel(bd.gx as Float64Array, bh.gx as Float64Array)).toBeLessThanOrEqual(1e-12);
      for (const [k, v] of Object.entries(p)) {
        const h = hand.grads[k] as Float64Array;
        // a scalar parameter's gradient is one sum here (the hand-written per-neuron layer reports it per feature)
        const expected = typeof v === 'number' ? [h.reduce((a, b) => a + b, 0)] : h;
        expect(derived.grads[k]?.length, k).toBe(typeof v === 'number' ? 1 : N);
        expect(rel(derived.grads[k] as Float64Array, expected), k).toBeLessThanOrEqual(1e-12);
      }
      expect(derived.grads.vLeak?.length).toBe(model === li ? N : 1);
    }
  });

  it('refuse options that need the hand-written adjoints, and per-neuron parameters of the wrong shape', () => {
    expect(() => trainable(smooth, {}, 0.001, { kernel: 'wasm' })).toThrow(/options.kernel needs the hand-written adjoints/);
    // a key trainable does not take (integration is a parameter, the 2nd argument) is named
    expect(() => trainable(lif, {}, 0.001, { integration: 'exact' } as never)).toThrow(/unknown option "integration"; expected paramGrads/);
    expect(() => trainable(lif, {}, 0.001, { adjoint: 'other' as never })).toThrow(
      /options.adjoint must be "handWritten" or "derived", received "other"/,
    );
    expect(() =>
      trainable(smooth, {
        gain: tensor(
          [
            [1, 2],
            [3, 4],
          ],
          'float64',
        ),
      } as never),
    ).toThrow(/per-neuron gain must have shape \[N\] or \[1, N\], received \[2, 2\]/);
    const layer = trainable(smooth, { gain: tensor([1, 2], 'float64') } as never);
    expect(() => layer.forward(fromTypedArray(new Float64Array(3), [1, 1, 3]))).toThrow(/input must have 2 features/);
  });
});
