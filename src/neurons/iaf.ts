/**
 * Integrate-and-fire neuron without leak (Norse's `IAF` / `iaf_feed_forward_step`).
 * ```
 * v_j = v + x,   z = Θ(v_j − v_th) (strict),   v' = (1 − z)·v_j + z·v_reset
 * ```
 * `dt` is accepted for a uniform API and unused, as in Norse. Option beyond Norse:
 * `inputConvention` `'jump'` (above, Norse's) or `'current'` (`dv/dt = x`: `v_j = v + dt·x`). Initial state: `v = v_reset`.
 * Source: Norse `functional/iaf.py`.
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { INPUT_CONVENTIONS, inputConventionSpec } from './lifOptions.js';
import { defineModel, type ParamsOf, surrogateParams } from './model.js';

/** Norse's `IAFParameters`: `vTh` (1), `vReset` (0), `method`, `alpha`; plus `inputConvention` (`'jump'`, Norse's, or `'current'`). */
export const iafParameterSpecs = {
  vTh: { kind: 'number', default: 1, range: 'finite' },
  vReset: { kind: 'number', default: 0, range: 'finite' },
  ...surrogateParams,
  ...inputConventionSpec,
} as const;

/** Validated IAF parameters. */
export type IAFParameters = ParamsOf<typeof iafParameterSpecs>;

/** The per-neuron IAF update (input `x`, state `v`, output `z`). */
export const iafUpdate: NeuronUpdate = {
  name: 'iaf',
  inputs: ['x'],
  state: ['v'],
  params: ['vTh', 'vReset', 'currentInput'],
  output: 'z',
  body: `
  const vJ = currentInput > 0.5 ? R(v + R(dt * x)) : R(v + x);
  const z = R(vJ - vTh) > 0 ? 1 : 0;
  v = R(R(R(1 - z) * vJ) + R(z * vReset));
`,
};

/** The integrate-and-fire model: `xs` `[T, batch, N]` → spikes, state `{ v }`. */
export const iaf = defineModel({
  name: 'IAF',
  id: 'iaf',
  parameters: iafParameterSpecs,
  update: iafUpdate,
  state: ['v'],
  updateParams: (p) => ({ vTh: p.vTh, vReset: p.vReset, currentInput: INPUT_CONVENTIONS.indexOf(p.inputConvention) }),
  initialState: (p) => ({ v: p.vReset }),
  outputName: 'z',
});
