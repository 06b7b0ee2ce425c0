/**
 * Leaky integrator without a current term (Norse's `LIBox` / `li_box_feed_forward_step`): the
 * input acts on the voltage directly ("box" currents).
 * ```
 * v' = v + (dt·τ_mem⁻¹)·((v_leak − v) + x),   out = v'
 * ```
 * Initial state: `v = v_leak`. Source: Norse `functional/leaky_integrator_box.py`.
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { defineModel, type ParamsOf } from './model.js';

/** Norse's `LIBoxParameters`: `tauMemInv` (100 1/s, > 0), `vLeak` (0). */
export const liBoxParameterSpecs = {
  tauMemInv: { kind: 'number', default: 100, range: 'positive' },
  vLeak: { kind: 'number', default: 0, range: 'finite' },
} as const;

/** Validated LIBox parameters. */
export type LIBoxParameters = ParamsOf<typeof liBoxParameterSpecs>;

/** The per-neuron LIBox update (input `x`, state `v`, output `v`). */
export const liBoxKernel: NeuronKernel = {
  name: 'li_box',
  inputs: ['x'],
  state: ['v'],
  params: ['tauMemInv', 'vLeak'],
  output: 'v',
  body: `
  v = R(v + R(R(dt * tauMemInv) * R(R(vLeak - v) + x)));
`,
};

/** The box leaky integrator: `xs` `[T, batch, N]` → voltages, state `{ v }`. */
export const liBox = defineModel({
  name: 'LIBox',
  id: 'liBox',
  parameters: liBoxParameterSpecs,
  kernel: liBoxKernel,
  state: ['v'],
  initialState: (p) => ({ v: p.vLeak }),
  outputName: 'out',
});
