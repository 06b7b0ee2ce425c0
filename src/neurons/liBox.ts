/**
 * Leaky integrator without a current term (Norse's `LIBox` / `li_box_feed_forward_step`): the
 * input acts on the voltage directly ("box" currents).
 * ```
 * v' = v + (dt·τ_mem⁻¹)·((v_leak − v) + x),   out = v'
 * ```
 * Initial state: `v = v_leak`. The input `x` is already a current held over the step (results
 * converge as `dt → 0`), so there is no `inputConvention`. Options beyond Norse: `integration`
 * `'euler'` (above, Norse's), `'exponentialEuler'` or `'exact'` (identical here:
 * `v' = (x + v_leak) + (v − x − v_leak)·e^{−dt·τ_mem⁻¹}`), `allowUnstableEuler`. Source: Norse `functional/leaky_integrator_box.py`.
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { eulerStabilityCheck, integrationSpec, optionUpdateParams, withOptionValues } from './lifOptions.js';
import { defineModel, type ParamsOf } from './model.js';

/** Norse's `LIBoxParameters`: `tauMemInv` (100 1/s, > 0), `vLeak` (0). */
export const liBoxParameterSpecs = {
  tauMemInv: { kind: 'number', default: 100, range: 'positive' },
  vLeak: { kind: 'number', default: 0, range: 'finite' },
  ...integrationSpec,
} as const;

/**
 * Update code of the box models' voltage step, declaring `vDec`: Norse's forward Euler
 * `v + (dt·τ_mem⁻¹)·drive` with the model's own `drive` expression (Norse's operand order), or
 * (exponential Euler and exact, which coincide here because the drive's target `x + v_leak` is
 * constant over the step) `(x + v_leak) + (v − (x + v_leak))·e^{−dt·τ_mem⁻¹}`.
 */
export const boxStepCode = (drive: string): string => `
  const vDec = scheme > 0.5
    ? R(R(x + vLeak) + R(R(v - R(x + vLeak)) * R(Math.exp(R(-dt * tauMemInv)))))
    : R(v + R(R(dt * tauMemInv) * ${drive}));
`;

/** Forward Euler's stability check of the box models: `dt·τ_mem⁻¹ < 1`. */
export const boxStability = eulerStabilityCheck((p) => ({ tauMemInv: p.tauMemInv }));

/** Validated LIBox parameters. */
export type LIBoxParameters = ParamsOf<typeof liBoxParameterSpecs>;

/** The per-neuron LIBox update (input `x`, state `v`, output `v`). */
export const liBoxUpdate: NeuronUpdate = {
  name: 'li_box',
  inputs: ['x'],
  state: ['v'],
  params: ['tauMemInv', 'vLeak', ...optionUpdateParams],
  output: 'v',
  body: `
  ${boxStepCode('R(R(vLeak - v) + x)')}
  v = vDec;
`,
};

/** The box leaky integrator: `xs` `[T, batch, N]` → voltages, state `{ v }`. */
export const liBox = defineModel({
  name: 'LIBox',
  id: 'liBox',
  parameters: liBoxParameterSpecs,
  update: liBoxUpdate,
  state: ['v'],
  updateParams: withOptionValues,
  initialState: (p) => ({ v: p.vLeak }),
  outputName: 'out',
  checkStep: boxStability,
});
