/**
 * Spikes-to-times decoding (Norse's `SpikesToTimesDecoder` / `ToSpikeTimes`): for every neuron,
 * the time indices (or times) of its first `spikeCount` spikes, in ascending order.
 *
 * For a raster `[T, ...S]`, the result `[min(spikeCount, T), ...S]` holds at `[k, ...]` the index
 * `t` of the neuron's `(k+1)`-th spike, or `t·dt` seconds when `convertIndicesToTimes` is set,
 * and `Infinity` where the neuron spiked fewer than `k+1` times (Norse writes `inf`).
 * Source: Norse `norse/torch/functional/spikes_to_times_decoder.py` (`ToSpikeTimes.forward`) and
 * `norse/torch/module/spikes_to_times_decoder.py`, commit 065a3b45. Norse requires exactly
 * `[T, batch, N]`; any rank >= 1 is accepted here, with the same result for `[T, batch, N]`.
 * @module
 */

import { checkDt, orThrow, SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, fromTypedArray, isTensor, showShape, sizeOf, stridesOf, type Tensor } from '../tensor.js';
import { checkCount, checkKnownKeys, rounderFor } from '../validate.js';

/** Parameters of {@link spikesToTimes} (Norse's `SpikesToTimesDecoder` arguments in camelCase). */
export interface SpikesToTimesParameters {
  /** How many spikes to report per neuron (integer >= 1, default 1: the first spike only). */
  readonly spikeCount?: number;
  /** Report times `t·dt` in seconds (default true) instead of step indices `t`. */
  readonly convertIndicesToTimes?: boolean;
}

/**
 * Builds a spikes-to-times decoder.
 * @param p - `{ spikeCount = 1, convertIndicesToTimes = true }`
 * @param dt - time step of the raster in seconds (> 0, default 0.001), used for times
 * @returns a function of a raster `[T, ...S]` (values 0 or 1) returning `[min(spikeCount, T), ...S]`
 *   of the raster's dtype: ascending spike indices or times, `Infinity` where there are fewer spikes
 * @throws SpikeflowError for unknown parameters, a bad `spikeCount`, `dt <= 0`, a raster of rank 0
 *   or with a value other than 0 and 1 (including NaN)
 */
export const spikesToTimes = (p: SpikesToTimesParameters = {}, dt = 0.001) => {
  const where = 'spikesToTimes';
  if (p === null || typeof p !== 'object')
    throw new SpikeflowError(where, 'parameters', `parameters must be an object, received ${show(p)}`);
  checkKnownKeys(where, ['spikeCount', 'convertIndicesToTimes'], p);
  const count = checkCount(where, 'spikeCount', p.spikeCount ?? 1, 1);
  const toTimes = p.convertIndicesToTimes ?? true;
  if (typeof toTimes !== 'boolean') {
    throw new SpikeflowError(where, 'convertIndicesToTimes', `convertIndicesToTimes must be true or false, received ${show(toTimes)}`);
  }
  orThrow(where)(checkDt(dt));
  return (spikes: Tensor): Tensor => {
    const x = orThrow(where)(isTensor('spikes', spikes));
    if (x.shape.length < 1) {
      throw new SpikeflowError(where, 'spikes', `spikes must be [T, ...] (time first), received shape ${showShape(x.shape)}`);
    }
    for (let k = 0; k < x.data.length; k++) {
      const v = x.data[k] as number;
      if (v !== 0 && v !== 1) {
        const idx = stridesOf(x.shape).map((s, j) => Math.floor(k / s) % (x.shape[j] as number));
        throw new SpikeflowError(where, 'spikes', `spikes must be 0 or 1, received ${show(v)} at index ${showShape(idx)}`);
      }
    }
    const T = x.shape[0] as number;
    const inner = x.shape.slice(1);
    const M = sizeOf(inner);
    const K = Math.min(count, T);
    const dtype = dtypeOf(x);
    const round = rounderFor(dtype);
    const step = round(dt);
    const out = allocate(dtype, K * M);
    out.fill(Number.POSITIVE_INFINITY);
    for (let n = 0; n < M; n++) {
      let k = 0;
      for (let t = 0; t < T && k < K; t++) {
        if (x.data[t * M + n] === 1) {
          out[k * M + n] = toTimes ? round(t * step) : t;
          k++;
        }
      }
    }
    return fromTypedArray(out, [K, ...inner]);
  };
};
