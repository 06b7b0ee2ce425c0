import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lsnn, lsnnRecurrent } from '../../src/neurons/lsnn.js';
import { defineModel, type NeuronModel } from '../../src/neurons/model.js';
import { type Tensor, tensor } from '../../src/ops/tensor.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';

/** A seeded uniform generator in [0, 1) (a 32-bit linear congruential generator, Numerical Recipes constants). */
export const seededRandom = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

/**
 * A smooth custom neuron for gradient checks: leaky voltage `v += dt·tauInv·(vLeak − v + x)`, output
 * `y = tanh(gain·v)` (no threshold, so finite differences apply). `id` keeps registrations apart.
 */
export const smoothLeaky = (id: string) =>
  defineModel({
    name: 'SmoothLeaky',
    id,
    parameters: {
      tauInv: { kind: 'number', default: 100, range: 'positive' },
      vLeak: { kind: 'number', default: 0, range: 'finite' },
      gain: { kind: 'number', default: 2, range: 'finite' },
    },
    update: {
      name: 'smooth_leaky',
      inputs: ['x'],
      state: ['v'],
      params: ['tauInv', 'vLeak', 'gain'],
      output: 'y',
      body: 'v = v + dt * tauInv * (vLeak - v + x);\nconst y = Math.tanh(gain * v);',
    },
    state: ['v'],
    initialState: () => ({ v: 0 }),
    outputName: 'out',
  });

/** A derived-gradient test case: a model, its parameters, input features and input gain (`options`: the layer's, e.g. `train`). */
export interface DerivedCase {
  readonly label: string;
  readonly model: NeuronModel;
  readonly params: Record<string, unknown>;
  readonly nIn: number;
  readonly gain: number;
  readonly options?: Record<string, unknown>;
}

/** A float64 `[rows, cols]` weight matrix of `(r() − 0.3)·scale`, drawn row by row. */
export const weights = (r: () => number, rows: number, cols: number, scale: number): Tensor =>
  tensor(
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() - 0.3) * scale)),
    'float64',
  );

/**
 * One forward and one backward pass of `layer` over `xs` with output gradient `gOut` and a
 * seeded state gradient (`seededRandom(5) − 0.5` per element, state variables in name order).
 */
export const pass = (layer: TrainableLayer, xs: Tensor, gOut: Float64Array) => {
  const f = layer.forward(xs);
  const gState: Record<string, Float64Array> = {};
  const r = seededRandom(5);
  for (const k of Object.keys(f.state).sort()) gState[k] = Float64Array.from(f.state[k] as ArrayLike<number>, () => r() - 0.5);
  const b = layer.backward(f.tape, gOut, gState);
  return { f, b };
};

/**
 * The built-in models' derived-gradient cases over `N` neurons: LIF with each of the 7 surrogates and
 * with each reset in `resets` (`tauMemInv` 150), LIF training per-neuron `tauMemInv`/`vTh`, LI, LIFBox,
 * LSNN, LIFRecurrent and LSNNRecurrent (5 input features, weights drawn from `r`).
 */
export const builtinDerivedCases = (N: number, r: () => number, resets: readonly string[]): DerivedCase[] => {
  const out: DerivedCase[] = [];
  for (const method of ['super', 'triangle', 'tanh', 'circ', 'heavi_erfc', 'logistic', 'sigmoid'])
    out.push({ label: `LIF ${method}`, model: lif, params: { method, alpha: method === 'triangle' ? 0.3 : 100 }, nIn: N, gain: 6 });
  for (const resetMethod of resets)
    out.push({ label: `LIF reset ${resetMethod}`, model: lif, params: { resetMethod, tauMemInv: 150 }, nIn: N, gain: 6 });
  out.push({
    label: 'LIF train tauMemInv, vTh (per-neuron)',
    model: lif,
    params: { vLeak: 0.05 },
    nIn: N,
    gain: 6,
    options: { train: ['tauMemInv', 'vTh'], features: N },
  });
  out.push({ label: 'LI', model: li, params: { tauMemInv: 120, vLeak: 0.1 }, nIn: N, gain: 2 });
  out.push({ label: 'LIFBox', model: lifBox, params: { vTh: 0.8 }, nIn: N, gain: 30 });
  out.push({ label: 'LSNN', model: lsnn, params: { beta: 1.5, tauAdaptInv: 300 }, nIn: N, gain: 6 });
  out.push({
    label: 'LIFRecurrent',
    model: lifRecurrent,
    params: { inputWeights: weights(r, N, 5, 4), recurrentWeights: weights(r, N, N, 0.5) },
    nIn: 5,
    gain: 3,
  });
  out.push({
    label: 'LSNNRecurrent',
    model: lsnnRecurrent,
    params: { inputWeights: weights(r, N, 5, 8), recurrentWeights: weights(r, N, N, 0.5), beta: 0.5 },
    nIn: 5,
    gain: 6,
  });
  return out;
};
