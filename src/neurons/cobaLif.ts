/**
 * Conductance-based leaky integrate-and-fire neuron, feed-forward (Norse's
 * `coba_lif_feed_forward_step`): the input is a signed synaptic conductance increment, its
 * positive part excitatory, its negative part inhibitory.
 *
 * Update order of one step (forward Euler), with input `x` `[batch, N]`:
 * ```
 * g_ej = g_e + relu(x),   g_ij = g_i + relu(−x)             (conductance jumps first)
 * g_e' = g_ej + (−dt·τ_e⁻¹)·g_ej                            (then both decay)
 * g_i' = g_ij + (−dt·τ_i⁻¹)·g_ij
 * v_d  = v + (dt·c_m⁻¹)·((g_l·(v_rest − v) + g_e'·(E_e − v)) + g_i'·(E_i − v))
 * z    = Θ(v_d − v_thresh)                                  (strict)
 * v'   = (1 − z)·v_d + z·v_reset                            (reset by value, same step)
 * ```
 * The decayed conductances drive `v` in the same step; the input is never multiplied by `dt`.
 * Initial state: `v = v_rest`, `g_e = g_i = 0` (Norse's functional step has no initial state; its
 * `CobaLIFCell` modules start at `v = 0`, above the default threshold, so they spike at once; pass
 * such a state explicitly to reproduce them).
 *
 * Options beyond Norse (defaults are Norse's; see `lifOptions.ts`): `resetMethod` `'value'` (above),
 * `'subtract'` (`v' = (1 − z)·v_d + z·(v_d − v_thresh)`) or `'none'`; `integration` `'euler'` (above)
 * or `'exponentialEuler'` (`'exact'` is rejected: the conductances make `v` time-varying):
 * `g' = g_j·e^{−dt·τ⁻¹}`, and `v` relaxes exactly towards the reversal potentials
 * weighted by the step's conductances, `g = g_l + g_e' + g_i'`:
 * `v_d = v + (1 − e^{−dt·c_m⁻¹·g})·(drive / g)` with `drive` the bracket above (`v_d = v` when `g = 0`).
 *
 * Only the feed-forward step exists here: Norse's recurrent `coba_lif_step` (commit 065a3b45)
 * lets the recurrent jump overwrite the input jump, so its input weights have no effect.
 * Source: Norse `norse/torch/functional/coba_lif.py` (`coba_lif_feed_forward_step`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import {
  decayCode,
  eulerStabilityCheck,
  integrationSpec,
  largest,
  noExactIntegration,
  optionUpdateParams,
  resetCode,
  resetMethodSpec,
  withOptionValues,
} from './lifOptions.js';
import { defineModel, type ParamsOf, surrogateParams } from './model.js';

/**
 * Norse's `CobaLIFParameters` in camelCase with Norse's defaults (Norse's dimensionless units):
 * - `tauSynExcInv`, `tauSynInhInv` inverse synaptic time constants (default `Math.fround(0.2)`
 *   = 0.20000000298023224 each: Norse's float32 tensor `torch.as_tensor(1.0 / 5)`), > 0
 * - `cMInv` inverse membrane capacitance (5, > 0), `gL` leak conductance (0.25, ≥ 0)
 * - `eRevI` inhibitory (−100) and `eRevE` excitatory (60) reversal potentials
 * - `vRest` (−20), `vReset` (−70), `vThresh` (−10)
 * - `method`, `alpha`: surrogate-gradient choice; accepted for compatibility, no effect on values
 * - `resetMethod`, `integration`: options beyond Norse (defaults Norse's), see `lifOptions.ts`
 *
 * Norse's `coba_lif.default_bio_parameters` are `{ tauSynExcInv: 1 / 0.3, tauSynInhInv: 1 / 0.5,
 * eRevE: 0, eRevI: -70, vThresh: -50, vReset: -65, vRest: -65 }` ({@link cobaLifBioParameters}).
 */
export const cobaLifParameterSpecs = {
  tauSynExcInv: { kind: 'number', default: Math.fround(0.2), range: 'positive' },
  tauSynInhInv: { kind: 'number', default: Math.fround(0.2), range: 'positive' },
  cMInv: { kind: 'number', default: 5, range: 'positive' },
  gL: { kind: 'number', default: 0.25, range: 'nonNegative' },
  eRevI: { kind: 'number', default: -100, range: 'finite' },
  eRevE: { kind: 'number', default: 60, range: 'finite' },
  vRest: { kind: 'number', default: -20, range: 'finite' },
  vReset: { kind: 'number', default: -70, range: 'finite' },
  vThresh: { kind: 'number', default: -10, range: 'finite' },
  ...surrogateParams,
  ...resetMethodSpec,
  ...integrationSpec,
} as const;

/** Validated CobaLIF parameters (Norse's `CobaLIFParameters`). */
export type CobaLIFParameters = ParamsOf<typeof cobaLifParameterSpecs>;

/** Norse's `coba_lif.default_bio_parameters` (biologically plausible values, voltages in mV). */
export const cobaLifBioParameters = Object.freeze({
  tauSynExcInv: 1 / 0.3,
  tauSynInhInv: 1 / 0.5,
  eRevE: 0,
  eRevI: -70,
  vThresh: -50,
  vReset: -65,
  vRest: -65,
});

/** The per-neuron CobaLIF update (input `x`, state `v`, `gE`, `gI`, output `z`). */
export const cobaLifUpdate: NeuronUpdate = {
  name: 'coba_lif',
  inputs: ['x'],
  state: ['v', 'gE', 'gI'],
  params: ['tauSynExcInv', 'tauSynInhInv', 'cMInv', 'gL', 'eRevI', 'eRevE', 'vRest', 'vReset', 'vThresh', ...optionUpdateParams],
  output: 'z',
  body: `
  const gEJ = R(gE + (x > 0 ? x : 0));
  const gIJ = R(gI + (-x > 0 ? -x : 0));
  ${decayCode('gEDec', 'gEJ', 'tauSynExcInv')}
  ${decayCode('gIDec', 'gIJ', 'tauSynInhInv')}
  gE = gEDec;
  gI = gIDec;
  const drive = R(R(R(gL * R(vRest - v)) + R(gE * R(eRevE - v))) + R(gI * R(eRevI - v)));
  const gTot = R(R(gL + gE) + gI);
  const vDec = scheme > 0.5
    ? (gTot > 0 ? R(v + R(R(1 - R(Math.exp(R(R(-dt * cMInv) * gTot)))) * R(drive / gTot))) : v)
    : R(v + R(R(dt * cMInv) * drive));
  const z = R(vDec - vThresh) > 0 ? 1 : 0;
  ${resetCode('vNew', 'vDec', 'vThresh', 'vReset')}
  v = vNew;
`,
};

/**
 * The conductance-based LIF model: `xs` `[T, batch, N]` (signed conductance increments) → spikes
 * `[T, batch, N]`, state `{ v, gE, gI }` (Norse's `v`, `g_e`, `g_i`). See the module docs.
 */
export const cobaLif = defineModel({
  name: 'CobaLIF',
  id: 'cobaLif',
  parameters: cobaLifParameterSpecs,
  update: cobaLifUpdate,
  updateParams: withOptionValues,
  state: ['v', 'gE', 'gI'],
  initialState: (p) => ({ v: p.vRest, gE: 0, gI: 0 }),
  outputName: 'z',
  check: noExactIntegration('CobaLIF', 'the conductances multiply v (g·(E − v) terms with time-varying g)'),
  checkStep: eulerStabilityCheck((p) => ({
    tauSynExcInv: p.tauSynExcInv,
    tauSynInhInv: p.tauSynInhInv,
    cMInv·gL: largest(p.cMInv) * largest(p.gL),
  })),
});

/** State of a CobaLIF layer: `v`, `gE`, `gI`, each `[batch, N]`. */
export type CobaLIFState = ReturnType<typeof cobaLif.initialState>;
