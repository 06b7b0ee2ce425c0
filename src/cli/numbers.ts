/**
 * Numbers checked in the run's dtype: values finite as doubles can still overflow float32
 * (1e39 → Infinity) or underflow to 0 (1e-46 → 0), and products with `dt` (the decay factors
 * `dt·tau…Inv`) can overflow or vanish. Such input is refused with exit 2 before the run; what
 * overflows during the run (an unstable integration) is caught on the state afterwards.
 * @module
 */
import type { DType, TensorData } from '../ops/tensor.js';
import { UsageError } from './usageErrors.js';

/** Largest finite value and smallest normal value per dtype. */
export const RANGE: Readonly<Record<DType, { readonly max: number; readonly minNormal: number; readonly minPositive: number }>> = {
  float32: { max: 3.4028234663852886e38, minNormal: 1.1754943508222875e-38, minPositive: 1.401298464324817e-45 },
  float64: { max: Number.MAX_VALUE, minNormal: 2.2250738585072014e-308, minPositive: Number.MIN_VALUE },
};

/**
 * Refuses a value that is not finite, overflows `dtype`, or is non-zero but underflows to 0 in it.
 * @param name - what the value is, for the message (e.g. `params.tauMemInv`)
 * @param flag - the flag or argument to blame
 * @throws UsageError (`flag`) naming the value, the dtype and its range
 */
export const checkInDtype = (value: number, dtype: DType, name: string, flag: string): void => {
  const { max, minPositive } = RANGE[dtype];
  // Only `simulate` has a --dtype (its --params and --input); `run` computes in float32.
  const alt = dtype === 'float32' && (flag === '--params' || flag === '--input') ? '--dtype float64 or ' : '';
  if (!Number.isFinite(value)) throw new UsageError(`${name} must be a finite number, received ${value}`, flag);
  if (Math.abs(value) > max)
    throw new UsageError(`${name} = ${value} overflows ${dtype} (largest ${max}); use ${alt}a smaller value`, flag);
  if (value !== 0 && Math.abs(value) < minPositive / 2) {
    throw new UsageError(`${name} = ${value} underflows to 0 in ${dtype} (smallest ${minPositive}); use ${alt}a larger value`, flag);
  }
};

/**
 * Refuses a time step that is not a normal number in `dtype` (a denormal step is 0 for practical purposes).
 * @throws UsageError (`--dt`)
 */
export const checkDtIn = (dt: number, dtype: DType): void => {
  checkInDtype(dt, dtype, '--dt', '--dt');
  if (dt < RANGE[dtype].minNormal) {
    throw new UsageError(
      `--dt ${dt} s is below the smallest normal ${dtype} number (${RANGE[dtype].minNormal}); it would act as 0`,
      '--dt',
    );
  }
};

/**
 * Checks the numeric parameters of a model (numbers and arrays of numbers) in `dtype`, and for each
 * rate parameter (name ending in `Inv`, e.g. `tauMemInv`) the decay factor `dt·value`.
 * @param params - parameters as given (spikeflow names)
 * @param where - a prefix for names, e.g. `params` or `layers[1].params`
 * @throws UsageError (`flag`) naming the first parameter out of range for `dtype`, or whose `dt·value` overflows or underflows
 */
export const checkParamsIn = (params: unknown, dtype: DType, dt: number, where: string, flag: string): void => {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return;
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    const values: unknown[] = typeof value === 'number' ? [value] : Array.isArray(value) ? value.flat(2) : [];
    for (const v of values) {
      if (typeof v !== 'number') continue;
      checkInDtype(v, dtype, `${where}.${key}`, flag);
      if (key.endsWith('Inv') && v !== 0) {
        const factor = dt * v;
        if (!(Math.abs(factor) <= RANGE[dtype].max)) {
          throw new UsageError(`dt·${key} = ${dt}·${v} = ${factor} overflows ${dtype}; use a smaller --dt or ${where}.${key}`, flag);
        }
        if (Math.abs(factor) < RANGE[dtype].minNormal) {
          throw new UsageError(
            `dt·${key} = ${dt}·${v} = ${factor} underflows in ${dtype}: the state would never change; use a larger --dt or ${where}.${key}`,
            flag,
          );
        }
      }
    }
  }
};

/** Index of the first non-finite element, or -1. */
export const firstNonFinite = (d: TensorData): number => {
  for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k] as number)) return k;
  return -1;
};
