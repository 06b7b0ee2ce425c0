/**
 * Recurrent LIF with an absolute refractory period (Norse's `LIFRefracRecurrent` / `lif_refrac_step`).
 * Current jump `i_j = (i + x·W_inᵀ) + z·W_recᵀ` (see `lifRecurrent.ts`), then the refractory LIF
 * update of `lifRefrac.ts`. State `{ z, v, i, rho }`, initial `z = 0`, `v = v_leak`, `i = 0`, `ρ = 0`.
 * The options `resetMethod` and `integration` (defaults Norse's) act as in `lif.ts`.
 * Source: Norse `functional/lif_refrac.py` (`lif_refrac_step`).
 * @module
 */
import type { NeuronKernel } from '../ops/kernel.js';
import { withOptionValues } from './lifOptions.js';
import { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './lifRecurrent.js';
import { lifRefracKernel, lifRefracParameterSpecs, lifRefracUpdate } from './lifRefrac.js';
import { defineModel } from './model.js';

/** The per-neuron recurrent LIFRefrac update (inputs `xa` = x·W_inᵀ, `xb` = z·W_recᵀ). */
export const lifRefracRecurrentKernel: NeuronKernel = recurrentKernel(
  'lif_refrac_recurrent',
  lifRefracKernel,
  `
  ${recurrentCurrentJump}
  ${lifRefracUpdate}
`,
);

/** The recurrent refractory LIF model; state `{ z, v, i, rho }`. */
export const lifRefracRecurrent = defineModel({
  name: 'LIFRefracRecurrent',
  id: 'lifRefracRecurrent',
  parameters: { ...lifRefracParameterSpecs, ...recurrentWeightSpecs },
  kernel: lifRefracRecurrentKernel,
  kernelParams: withOptionValues,
  state: ['z', 'v', 'i', 'rho'],
  initialState: (p) => ({ z: 0, v: p.vLeak, i: 0, rho: 0 }),
  outputName: 'z',
  recurrent: recurrentWiring,
});
