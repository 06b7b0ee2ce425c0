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
