/**
 * The point LIF neuron of network benchmarks (Brette et al. 2007; Brunel 2000): the voltage
 * integrates its input directly, with no synaptic current of its own, so synaptic dynamics come
 * from the population's ports (current, conductance or delta):
 * ```
 * v_d = v + (dt·τ_mem⁻¹)·((v_leak − v) + x)      (Euler; 'exponentialEuler' and 'exact', identical here: factor 1 − e^{−dt·τ_mem⁻¹})
 * z   = Θ(v_d − v_th)                          (strict, Brian2's `v > Vt`)
 * v'  = v_reset if z else v_d
 * ```
 * `x` is in voltage units (Brian2's `dv/dt = (ge + gi − (v − El))/τm`). Defaults follow the
 * CUBA/COBA benchmark in millivolts: τ_mem 20 ms, v_leak −60, v_th −50, v_reset −60.
 * Source: Brette et al. (2007), J Comput Neurosci 23:349, Appendix B (CUBA, COBA).
 * @module
 */

import { eulerStabilityCheck, integrationSpec, leakFactorCode, withOptionValues } from '../neurons/lifOptions.js';
import { defineModel, type ParamSpecs } from '../neurons/model.js';
import type { NeuronUpdate } from '../ops/update/ir.js';

/** Parameters of {@link pointLif}: `tauMemInv` (1/s, default 50), `vLeak` (−60), `vTh` (−50), `vReset` (−60), `integration`. */
export const pointLifParameterSpecs = {
  tauMemInv: { kind: 'number', default: 50, range: 'positive' },
  vLeak: { kind: 'number', default: -60, range: 'finite' },
  vTh: { kind: 'number', default: -50, range: 'finite' },
  vReset: { kind: 'number', default: -60, range: 'finite' },
  ...integrationSpec,
} as const satisfies ParamSpecs;

/** The per-neuron point-LIF update (input `x`, state `v`, output `z`). */
export const pointLifUpdate: NeuronUpdate = {
  name: 'point_lif',
  inputs: ['x'],
  state: ['v'],
  params: ['tauMemInv', 'vLeak', 'vTh', 'vReset', 'scheme'],
  output: 'z',
  body: `
  ${leakFactorCode('kMem', 'tauMemInv')}
  const vD = R(v + R(kMem * R(R(vLeak - v) + x)));
  const z = R(vD - vTh) > 0 ? 1 : 0;
  v = z > 0 ? vReset : vD;
`,
};

/**
 * The point LIF model (see module docs): `pointLif.run(p, dt)(xs)` like every model, and the
 * natural model of network populations.
 */
export const pointLif = defineModel({
  name: 'PointLIF',
  id: 'pointLif',
  parameters: pointLifParameterSpecs,
  update: pointLifUpdate,
  updateParams: withOptionValues,
  state: ['v'],
  initialState: (p) => ({ v: p.vLeak }),
  outputName: 'z',
  checkStep: eulerStabilityCheck((p) => ({ tauMemInv: p.tauMemInv })),
});
