import { defineModel } from '../../src/neurons/model.js';

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
