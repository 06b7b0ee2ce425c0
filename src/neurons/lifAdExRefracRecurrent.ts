/**
 * Recurrent adaptive exponential LIF with an absolute refractory period (Norse's
 * `LIFAdExRefracRecurrent` / `lif_adex_refrac_step`).
 * Current jump `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (see `lifAdExRecurrent.ts`), then the refractory
 * LIFAdEx update of `lifAdExRefrac.ts`. State `{ z, v, i, a, rho }`, initial `z = 0`,
 * `v = v_leak`, `i = 0`, `a = 0`, `ρ = 0`.
 * Source: Norse `functional/lif_adex_refrac.py` (`lif_adex_refrac_step`).
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { lifAdExRefracKernel, lifAdExRefracParameterSpecs, lifAdExRefracUpdate } from './lifAdExRefrac.js';
import { withOptionValues } from './lifOptions.js';
import { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { defineModel, type ParamsOf } from './model.js';

/** LIFAdExRefracRecurrent parameters: LIFAdExRefrac's plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const lifAdExRefracRecurrentParameterSpecs = { ...lifAdExRefracParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated LIFAdExRefracRecurrent parameters. */
export type LIFAdExRefracRecurrentParameters = ParamsOf<typeof lifAdExRefracRecurrentParameterSpecs>;

/** The per-neuron recurrent LIFAdExRefrac update (inputs `xa` = x·W_inᵀ, `xb` = z·W_recᵀ). */
export const lifAdExRefracRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_adex_refrac_recurrent',
  lifAdExRefracKernel,
  `
  ${recurrentCurrentJump}
  ${lifAdExRefracUpdate}
`,
);

/** The recurrent refractory adaptive exponential LIF model; state `{ z, v, i, a, rho }`. */
export const lifAdExRefracRecurrent = defineModel({
  name: 'LIFAdExRefracRecurrent',
  id: 'lifAdExRefracRecurrent',
  parameters: lifAdExRefracRecurrentParameterSpecs,
  kernel: lifAdExRefracRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i', 'a', 'rho'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, a: 0, rho: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
