/**
 * Input values of a run, checked in the run's dtype (float32): scaled by `--gain`, every value
 * must stay finite and must not overflow float32 (a double such as 1e308 would become Infinity).
 * @module
 */
import { allocate, dtypeOf, fromTypedArray, type Tensor } from '../../ops/tensor.js';
import { UsageError } from '../usageErrors.js';

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Returns `t × gain` as float32, refusing values that are not finite or overflow float32.
 * @param t - a chunk `[T, B, ...]`
 * @param gain - the input scale (1: no scaling)
 * @param firstStep - index of the chunk's first step in the run (for messages)
 * @param what - what the values are, e.g. `CSV value`
 * @throws UsageError naming `--gain` (when scaling overflows) or the input
 */
export const checkedInput = (t: Tensor, gain: number, firstStep: number, what: string): Tensor => {
  const d = t.data;
  const f32 = dtypeOf(t) === 'float32';
  const out = gain === 1 && f32 ? d : allocate('float32', d.length);
  const perStep = d.length / Math.max(1, t.shape[0] as number);
  for (let k = 0; k < d.length; k++) {
    const raw = d[k] as number;
    const v = raw * gain;
    if (!(Math.abs(v) <= FLOAT32_MAX)) {
      const step = firstStep + Math.floor(k / perStep);
      const at = `step ${step}, feature ${k % perStep}`;
      if (!(Math.abs(raw) <= FLOAT32_MAX)) {
        throw new UsageError(`${what} ${raw} at ${at} is not a finite float32 number (largest ${FLOAT32_MAX}); check the input`, '--input');
      }
      throw new UsageError(
        `--gain ${gain} × ${what} ${raw} at ${at} = ${v} overflows float32 (largest ${FLOAT32_MAX}); use a smaller --gain`,
        '--gain',
      );
    }
    if (out !== d) out[k] = v;
  }
  return out === d ? t : fromTypedArray(out, t.shape);
};
