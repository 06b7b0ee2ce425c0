/**
 * Reset and integration options of the LIF-family models, named as other simulators name them
 * (snnTorch's `reset_mechanism`, Brian2's integration methods). Norse has neither option: the
 * defaults (`'value'`, `'euler'`) are Norse's behaviour, and with them every model stays bit for
 * bit equal to Norse.
 *
 * - `resetMethod` — after a spike (`z = 1`), with the pre-reset voltage `v_d`:
 *   `'value'`    `v' = (1 − z)·v_d + z·v_reset`       (Norse; default)
 *   `'subtract'` `v' = (1 − z)·v_d + z·(v_d − v_th)`  (Norse's `reset_subtract`, as LIFBox)
 *   `'none'`     `v' = v_d`                          (spikes are emitted, `v` is left alone)
 * - `integration` — how a linear leak `ẋ = τ⁻¹·(x_∞ − x)` advances over one step `dt`:
 *   `'euler'`    `x' = x + (dt·τ⁻¹)·(x_∞ − x)`       (forward Euler, Norse; default)
 *   `'exact'`    `x' = x + (1 − e^{−dt·τ⁻¹})·(x_∞ − x)` (the exact decay for the drive held constant
 *   over the step, i.e. exponential Euler; a pure decay becomes `x' = x·e^{−dt·τ⁻¹}`). Stable for
 *   any `dt`, and a free decay over `n` steps equals `e^{−n·dt·τ⁻¹}` whatever `dt`.
 * @module
 */
import type { ParamValue } from './model.js';

/** Reset rules: `value` (Norse), `subtract`, `none`. */
export const RESET_METHODS = ['value', 'subtract', 'none'] as const;

/** Integration schemes for linear leaks: `euler` (Norse), `exact`. */
export const INTEGRATIONS = ['euler', 'exact'] as const;

/** The `resetMethod` parameter (default `'value'`, Norse's). */
export const resetMethodSpec = { resetMethod: { kind: 'enum', default: 'value', options: RESET_METHODS } } as const;

/** The `integration` parameter (default `'euler'`, Norse's). */
export const integrationSpec = { integration: { kind: 'enum', default: 'euler', options: INTEGRATIONS } } as const;

/** Kernel parameters the options become: `resetMode` (0 value, 1 subtract, 2 none) and `exact` (0/1). */
export const optionKernelParams = ['resetMode', 'exact'] as const;

/**
 * Kernel parameter values of validated parameters: every numeric parameter as is, plus
 * `resetMode` and `exact` from the options (absent options take their defaults).
 */
export const withOptionValues = (p: Readonly<Record<string, ParamValue | undefined>>): Readonly<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'number') out[k] = v;
  out.resetMode = RESET_METHODS.indexOf((p.resetMethod ?? 'value') as (typeof RESET_METHODS)[number]);
  out.exact = p.integration === 'exact' ? 1 : 0;
  return out;
};

/**
 * Kernel code for the reset: declares `out` from the pre-reset voltage `vd`, the spike `z`, the
 * threshold expression `th` and the reset value `reset` (with `resetMode` in scope).
 */
export const resetCode = (out: string, vd: string, th: string, reset: string): string => `
  const ${out} = resetMode < 0.5 ? R(R(R(1 - z) * ${vd}) + R(z * ${reset})) : resetMode < 1.5 ? R(R(R(1 - z) * ${vd}) + R(z * R(${vd} - ${th}))) : ${vd};
`;

/**
 * Kernel code for the step factor of a linear leak with inverse time constant `tauInv`: declares
 * `k` = `dt·τ⁻¹` (Euler, Norse's rounding) or `1 − e^{−dt·τ⁻¹}` (exact), with `exact` in scope.
 */
export const leakFactorCode = (k: string, tauInv: string): string => `
  const ${k} = exact > 0.5 ? R(1 - R(Math.exp(R(-dt * ${tauInv})))) : R(dt * ${tauInv});
`;

/**
 * Kernel code for a pure decay of `x` with inverse time constant `tauInv`: declares `out` =
 * `x + (−dt·τ⁻¹)·x` (Euler, Norse's operand order) or `x·e^{−dt·τ⁻¹}` (exact).
 */
export const decayCode = (out: string, x: string, tauInv: string): string => `
  const ${out} = exact > 0.5 ? R(${x} * R(Math.exp(R(-dt * ${tauInv})))) : R(${x} + R(R(-dt * ${tauInv}) * ${x}));
`;
