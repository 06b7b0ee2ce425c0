/**
 * Options of the current-driven models beyond Norse, named as other simulators name them
 * (snnTorch's `reset_mechanism`, Brian2's integration methods, NEST's `t_ref`). Norse has none of
 * them: the defaults (`'value'`, `'euler'`, `'jump'`) are Norse's behaviour, and with them every
 * model stays bit for bit equal to Norse.
 *
 * - `resetMethod` — after a spike (`z = 1`), with the pre-reset voltage `v_d`:
 *   `'value'`    `v' = (1 − z)·v_d + z·v_reset`       (Norse; default)
 *   `'subtract'` `v' = (1 − z)·v_d + z·(v_d − v_th)`  (Norse's `reset_subtract`, as LIFBox)
 *   `'none'`     `v' = v_d`                          (spikes are emitted, `v` is left alone)
 * - `integration` — how the linear dynamics advance over one step `h = dt`:
 *   `'euler'`    forward Euler, `x' = x + (h·τ⁻¹)·(x_∞ − x)` (Norse; default). Unstable once
 *                `h·τ⁻¹ ≥ 1` (it oscillates at 2, diverges beyond): the models then throw unless
 *                `allowUnstableEuler: true` (see {@link eulerStabilityCheck}).
 *   `'exponentialEuler'` `x' = x + (1 − e^{−h·τ⁻¹})·(x_∞ − x)`: each leak decays exactly with its
 *                drive held constant over the step (the current `i_j` for `v`, the exponential term
 *                of LIFEx/LIFAdEx, the conductances of CobaLIF). Stable for any `h`; first order.
 *   `'exact'`    the closed-form solution of the model's linear subsystem over the step: for the
 *                LIF family `v` and `i` jointly, with `a = τ_syn⁻¹`, `b = τ_mem⁻¹`, `E_a = e^{−a·h}`,
 *                `E_b = e^{−b·h}`, the current `i_j` after the step's jump and the held input current
 *                `x_c` (0 in the `'jump'` convention):
 *                `i' = x_c + (i_j − x_c)·E_a`,
 *                `v' = (v_leak + x_c) + (v − v_leak − x_c)·E_b + (i_j − x_c)·G`,
 *                `G = b·(E_a − E_b)/(b − a)`, and `G = b·h·E_b` when `a = b` (a series in
 *                `(b − a)·h` is used when `|b − a|·h < 2⁻¹⁰`, so no cancellation). Only models whose
 *                sub-threshold dynamics are linear offer it (LIF, LIFRefrac, LI, LSNN, LIFBox,
 *                LIBox and their recurrent variants); LIFEx, LIFAdEx and CobaLIF reject it.
 * - `inputConvention` — what the input `x` of a step is:
 *   `'jump'`    an instantaneous jump of the synaptic current, `i_j = i + x` (Norse; default). It is
 *               never multiplied by `dt`, so a constant input drives `dt`-dependent results
 *               (the steady current is `x/(dt·τ_syn⁻¹)`): right for spikes (events), not for currents.
 *   `'current'` a physical input current held over the step: `τ_syn·di/dt = −i + x` (for IAF, which
 *               has no current, `dv/dt = x`). A constant `x` gives the steady current `i = x` (and
 *               `v = v_leak + x` for LIF, as LIFBox's `x` does) whatever `dt`, and results converge
 *               as `dt → 0` (first order with `'euler'` and `'exponentialEuler'`, exact with
 *               `'exact'`). Per scheme: forward Euler jumps `i_j = i + (h·a)·x` and then decays
 *               `i_j` as Norse does (so `'current'` x equals `'jump'` `h·a·x` step for step);
 *               exponential Euler and exact hold `x_c = x` over the step, `i' = x + (i − x)·E_a`
 *               (exponential Euler drives `v` with the step's initial `i`). Recurrent spikes
 *               (`z·W_recᵀ`) stay jumps in either convention.
 * @module
 */
import type { ParamSpecs, ParamValue } from './model.js';

/** Reset rules: `value` (Norse), `subtract`, `none`. */
export const RESET_METHODS = ['value', 'subtract', 'none'] as const;

/** Integration schemes: `euler` (Norse), `exponentialEuler`, `exact` (closed form of the linear subsystem). */
export const INTEGRATIONS = ['euler', 'exponentialEuler', 'exact'] as const;

/** Input conventions: `jump` (Norse: the input jumps the current) and `current` (a current held over the step). */
export const INPUT_CONVENTIONS = ['jump', 'current'] as const;

/** The `resetMethod` parameter (default `'value'`, Norse's). */
export const resetMethodSpec = { resetMethod: { kind: 'enum', default: 'value', options: RESET_METHODS } } as const;

/**
 * The `integration` parameter (default `'euler'`, Norse's) and `allowUnstableEuler` (default
 * false: forward Euler with `dt·τ⁻¹ ≥ 1` on any time constant throws).
 */
export const integrationSpec = {
  integration: { kind: 'enum', default: 'euler', options: INTEGRATIONS },
  allowUnstableEuler: { kind: 'boolean', default: false },
} as const;

/** The `inputConvention` parameter (default `'jump'`, Norse's). */
export const inputConventionSpec = { inputConvention: { kind: 'enum', default: 'jump', options: INPUT_CONVENTIONS } } as const;

/**
 * Update parameters the options become: `resetMode` (0 value, 1 subtract, 2 none), `scheme`
 * (0 euler, 1 exponential Euler, 2 exact) and `currentInput` (0 jump, 1 current).
 */
export const optionUpdateParams = ['resetMode', 'scheme', 'currentInput'] as const;

/**
 * Update parameter values of validated parameters: every numeric parameter as is, plus
 * `resetMode`, `scheme` and `currentInput` from the options (absent options take their defaults).
 */
export const withOptionValues = (p: Readonly<Record<string, ParamValue | undefined>>): Readonly<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'number') out[k] = v;
  out.resetMode = RESET_METHODS.indexOf((p.resetMethod ?? 'value') as (typeof RESET_METHODS)[number]);
  out.scheme = INTEGRATIONS.indexOf((p.integration ?? 'euler') as (typeof INTEGRATIONS)[number]);
  out.currentInput = p.inputConvention === 'current' ? 1 : 0;
  return out;
};

/** A rejected parameter combination, as {@link ModelSpec.check} returns it. */
export type Rejection = { argument: string; message: string } | undefined;

/** Runs checks in order and returns the first rejection. */
export const allChecks =
  <P>(...checks: readonly ((p: P) => Rejection)[]) =>
  (p: P): Rejection => {
    for (const c of checks) {
      const r = c(p);
      if (r !== undefined) return r;
    }
    return undefined;
  };

/**
 * Rejects `integration: 'exact'` for a model whose sub-threshold dynamics are nonlinear (no closed
 * form over a step), pointing at the schemes it has.
 */
export const noExactIntegration =
  (model: string, why: string) =>
  (p: Readonly<Record<string, unknown>>): Rejection =>
    p.integration === 'exact'
      ? {
          argument: 'integration',
          message: `integration 'exact' is not available for ${model}: ${why}, so its step has no closed form; use 'exponentialEuler' (linear terms exact, the rest held over the step) or 'euler'`,
        }
      : undefined;

/** The largest magnitude of a number or of a tensor's values (0 for anything else). */
export const largest = (v: unknown): number => {
  if (typeof v === 'number') return Math.abs(v);
  if (v !== null && typeof v === 'object' && 'data' in v) {
    let m = 0;
    const data = (v as { data: ArrayLike<number> }).data;
    for (let k = 0; k < data.length; k++) m = Math.max(m, Math.abs(data[k] as number));
    return m;
  }
  return 0;
};

/**
 * A `checkStep` hook: with forward Euler (`integration` `'euler'`, or a model without the option)
 * and `allowUnstableEuler` not set, rejects a `dt` for which `dt·rate ≥ 1` for any of the model's
 * rates (inverse time constants, named as parameters; tensors count by their largest value).
 * Forward Euler of `ẋ = −r·x` multiplies `x` by `1 − dt·r` per step: at `dt·r = 1` it jumps to the
 * fixed point in one step, at 2 it oscillates without decay, beyond it diverges.
 */
export const eulerStabilityCheck =
  (rates: (p: Readonly<Record<string, unknown>>) => Readonly<Record<string, unknown>>) =>
  (p: Readonly<Record<string, unknown>>, dt: number): Rejection => {
    if (p.integration !== undefined && p.integration !== 'euler') return undefined;
    if (p.allowUnstableEuler === true) return undefined;
    for (const [name, rate] of Object.entries(rates(p))) {
      const k = dt * largest(rate);
      if (k >= 1) {
        const alternatives = p.integration === undefined ? '' : ", integration: 'exponentialEuler' or 'exact' where the model has it,";
        return {
          argument: 'dt',
          message: `forward Euler is unstable: dt·${name} = ${k} ≥ 1 (dt ${dt} s); use a smaller dt${alternatives} or allowUnstableEuler: true`,
        };
      }
    }
    return undefined;
  };

/** The stability parameter alone, for models without an `integration` option (Izhikevich). */
export const allowUnstableEulerSpec = { allowUnstableEuler: { kind: 'boolean', default: false } } as const satisfies ParamSpecs;

/**
 * Update code for the reset: declares `out` from the pre-reset voltage `vd`, the spike `z`, the
 * threshold expression `th` and the reset value `reset` (with `resetMode` in scope).
 */
export const resetCode = (out: string, vd: string, th: string, reset: string): string => `
  const ${out} = resetMode < 0.5 ? R(R(R(1 - z) * ${vd}) + R(z * ${reset})) : resetMode < 1.5 ? R(R(R(1 - z) * ${vd}) + R(z * R(${vd} - ${th}))) : ${vd};
`;

/**
 * Update code for the step factor of a linear leak with inverse time constant `tauInv`: declares
 * `k` = `dt·τ⁻¹` (Euler, Norse's rounding) or `1 − e^{−dt·τ⁻¹}` (exponential Euler and exact),
 * with `scheme` in scope.
 */
export const leakFactorCode = (k: string, tauInv: string): string => `
  const ${k} = scheme > 0.5 ? R(1 - R(Math.exp(R(-dt * ${tauInv})))) : R(dt * ${tauInv});
`;

/**
 * Update code for a pure decay of `x` with inverse time constant `tauInv`: declares `out` =
 * `x + (−dt·τ⁻¹)·x` (Euler, Norse's operand order) or `x·e^{−dt·τ⁻¹}` (exponential Euler, exact).
 */
export const decayCode = (out: string, x: string, tauInv: string): string => `
  const ${out} = scheme > 0.5 ? R(${x} * R(Math.exp(R(-dt * ${tauInv})))) : R(${x} + R(R(-dt * ${tauInv}) * ${x}));
`;

/**
 * Update code of the input reaching the synaptic current (see `inputConvention` in the module
 * docs): declares `out`, the current after the step's jump (`i + x` in Norse's convention), and
 * `held`, the input current held over the step (non-zero only for `'current'` with `'exact'`).
 * `tauInv` names the synaptic inverse time constant; `currentInput` and `scheme` are in scope.
 */
export const inputCurrentCode = (out: string, held: string, i: string, x: string, tauInv: string): string => `
  const ${out} = currentInput > 0.5 ? (scheme > 0.5 ? ${i} : R(${i} + R(R(dt * ${tauInv}) * ${x}))) : R(${i} + ${x});
  const ${held} = currentInput > 0.5 ? (scheme > 0.5 ? ${x} : 0) : 0;
`;

/**
 * Update code of the synaptic current's step, declaring `iDec` from the current after the jump
 * `iJ` and the held input current `iHeld`: forward Euler `i_j + (−dt·τ_syn⁻¹)·i_j` (Norse's
 * operations), or (exponential Euler and exact) the exact `iHeld + (i_j − iHeld)·e^{−dt·τ_syn⁻¹}`.
 */
export const synapticDecayCode = `
  const iDec = scheme > 0.5 ? R(iHeld + R(R(iJ - iHeld) * R(Math.exp(R(-dt * tauSynInv))))) : R(iJ + R(R(-dt * tauSynInv) * iJ));
`;

/**
 * Update code of the LIF family's linear subsystem over one step: from `v`, the current `iJ`
 * after the jump and the held input current `iHeld`, declares `vDec` and `iDec` — forward Euler
 * (Norse's operations), exponential Euler, or the exact joint solution (see the module docs).
 * Parameters `tauSynInv`, `tauMemInv`, `vLeak` and `scheme` are in scope.
 */
export const lifLinearCode = `
  const eMem = scheme > 0.5 ? R(Math.exp(R(-dt * tauMemInv))) : 0;
  const eSyn = scheme > 0.5 ? R(Math.exp(R(-dt * tauSynInv))) : 0;
  const dRate = R(tauMemInv - tauSynInv);
  const dh = R(dRate * dt);
  const gMix = scheme > 1.5
    ? (Math.abs(dh) > 0.0009765625
      ? R(R(tauMemInv * R(eSyn - eMem)) / dRate)
      : R(R(R(tauMemInv * dt) * eMem) * R(1 + R(dh * R(0.5 + R(dh * R(R(1 / 6) + R(dh / 24))))))))
    : 0;
  const vDec = scheme > 1.5
    ? R(R(R(vLeak + iHeld) + R(R(R(v - vLeak) - iHeld) * eMem)) + R(R(iJ - iHeld) * gMix))
    : R(v + R(R(scheme > 0.5 ? R(1 - eMem) : R(dt * tauMemInv)) * R(R(vLeak - v) + iJ)));
  const iDec = scheme > 0.5 ? R(iHeld + R(R(iJ - iHeld) * eSyn)) : R(iJ + R(R(-dt * tauSynInv) * iJ));
`;
