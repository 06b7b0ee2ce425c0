/**
 * Leaky integrator (Norse's `LI` / `li_feed_forward_step`): integrates current, never spikes;
 * its output is the membrane voltage.
 *
 * Update order of one step (forward Euler):
 * ```
 * i_j = i + x                                  (current jump first, as LIF)
 * v'  = v + (dt·τ_mem⁻¹)·((v_leak − v) + i_j)
 * i'  = i_j + (−dt·τ_syn⁻¹)·i_j                 (current decays)
 * out = v'
 * ```
 * Initial state: `v = v_leak`, `i = 0`. Options beyond Norse (see `lifOptions.ts`): `integration`
 * `'euler'` (above, Norse's; default), `'exponentialEuler'` (`v' = v + (1 − e^{−dt·τ_mem⁻¹})·((v_leak − v) + i_j)`,
 * `i' = i_j·e^{−dt·τ_syn⁻¹}`) or `'exact'` (LIF's closed form); `inputConvention` `'jump'`
 * (above) or `'current'`; `allowUnstableEuler`. Source: Norse `functional/leaky_integrator.py`.
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { lifInputJump, lifStability } from './lif.js';
import { inputConventionSpec, integrationSpec, lifLinearCode, optionUpdateParams, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';

/**
 * Norse's `LIParameters`: `tauSynInv` (200 1/s, > 0), `tauMemInv` (100 1/s, > 0), `vLeak` (0);
 * plus `integration` (`'euler'`, Norse's, `'exponentialEuler'`, `'exact'`), `allowUnstableEuler`,
 * `inputConvention` (`'jump'`, Norse's, `'current'`); see `lifOptions.ts`.
 */
export const liParameterSpecs = {
  tauSynInv: { kind: 'number', default: 200, range: 'positive' },
  tauMemInv: { kind: 'number', default: 100, range: 'positive' },
  vLeak: { kind: 'number', default: 0, range: 'finite' },
  ...integrationSpec,
  ...inputConventionSpec,
} as const;

/** Validated LI parameters. */
export type LIParameters = ParamsOf<typeof liParameterSpecs>;

/** The per-neuron LI update (input `x`, state `v`, `i`, output `v`). */
export const liUpdate: NeuronUpdate = {
  name: 'li',
  inputs: ['x'],
  state: ['v', 'i'],
  params: ['tauSynInv', 'tauMemInv', 'vLeak', ...optionUpdateParams],
  output: 'v',
  body: `
  ${lifInputJump}
  ${lifLinearCode}
  v = vDec;
  i = iDec;
`,
};

/** The leaky integrator: `xs` `[T, batch, N]` → voltages `[T, batch, N]`, state `{ v, i }`. */
export const li = defineModel({
  name: 'LI',
  id: 'li',
  parameters: liParameterSpecs,
  update: liUpdate,
  updateParams: withOptionValues,
  state: ['v', 'i'],
  initialState: (p) => ({ v: p.vLeak, i: 0 }),
  outputName: 'out',
  checkStep: lifStability,
});
