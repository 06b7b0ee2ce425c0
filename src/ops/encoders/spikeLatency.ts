/**
 * Spike-latency encoding of a spike train (Norse's `spike_latency_encode` / `SpikeLatencyEncoder`):
 * keeps each neuron's first spike and removes all later ones, so the train codes the time to the
 * first spike (Van Rullen & Thorpe 2001, doi:10.1162/08997660152002852).
 *
 * Per step `t`: `out[t] = mask > 0 ? 0 : x[t]`, then `mask = mask + out[t]` (Norse adds the kept
 * value, so for 0/1 spikes `mask` becomes 1 at the first spike and stays 1).
 * Source: Norse `norse/torch/functional/encode.py` (`spike_latency_encode`), commit 065a3b45.
 * @module
 */
import { orThrow, SpikeflowError } from '../errors.js';
import { allocate, dtypeOf, finiteTensor, fromTypedArray, isTensor, sameShape, showShape, sizeOf, type Tensor } from '../tensor.js';
import { rounderFor } from '../validate.js';

/**
 * Keeps only the first spike of every neuron.
 *
 * `spikeLatencyEncode(spikes, mask?) → [firstSpikes, mask']`
 * @param spikes - `[T, ...S]` (time first, e.g. `[T, batch, N]`), finite; spikes are 0/1
 * @param mask - state from a previous chunk, shape `S`, same dtype (default zeros: nothing spiked
 *   yet). Passing the returned `mask'` on continues the encoding, so chunks equal one call
 * @returns `firstSpikes` `[T, ...S]` (the input with every value after a neuron's first kept
 *   spike set to 0) and `mask'` (shape `S`)
 * @throws SpikeflowError when `spikes` is not a tensor of rank >= 1, is not finite, or `mask` has
 *   another shape or dtype
 */
export const spikeLatencyEncode = (spikes: Tensor, mask?: Tensor): readonly [Tensor, Tensor] => {
  const where = 'spikeLatencyEncode';
  const x = orThrow(where)(isTensor('spikes', spikes));
  if (x.shape.length < 1) {
    throw new SpikeflowError(where, 'spikes', `spikes must be [T, ...] (time first), received shape ${showShape(x.shape)}`);
  }
  orThrow(where)(finiteTensor('spikes', x));
  const dtype = dtypeOf(x);
  const inner = x.shape.slice(1);
  const M = sizeOf(inner);
  const m = allocate(dtype, M);
  if (mask !== undefined) {
    const given = orThrow(where)(isTensor('mask', mask));
    if (!sameShape(given.shape, inner)) {
      throw new SpikeflowError(where, 'mask', `mask shape ${showShape(given.shape)} must equal the spikes' step shape ${showShape(inner)}`);
    }
    if (dtypeOf(given) !== dtype) {
      throw new SpikeflowError(where, 'mask', `mask has dtype ${dtypeOf(given)} but spikes have dtype ${dtype}`);
    }
    orThrow(where)(finiteTensor('mask', given));
    m.set(given.data);
  }
  const round = rounderFor(dtype);
  const T = x.shape[0] as number;
  const out = allocate(dtype, T * M);
  for (let t = 0; t < T; t++) {
    const base = t * M;
    for (let n = 0; n < M; n++) {
      const kept = (m[n] as number) > 0 ? 0 : (x.data[base + n] as number);
      out[base + n] = kept;
      m[n] = round((m[n] as number) + kept);
    }
  }
  return [fromTypedArray(out, x.shape), fromTypedArray(m, inner)];
};
