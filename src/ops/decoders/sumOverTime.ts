/**
 * Sum decoding (Norse's `sum_decode`): sums a tensor over one dimension, by default the first
 * (time) dimension, so a spike raster `[T, batch, N]` becomes spike counts `[batch, N]`.
 * Source: Norse `norse/torch/functional/decode.py` (`sum_decode`), commit 065a3b45.
 * @module
 */

import { orThrow, SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, finiteTensor, fromTypedArray, isTensor, showShape, sizeOf, type Tensor } from '../tensor.js';
import { rounderFor } from '../validate.js';

/**
 * Sums `xs` over `dimension`, adding the slices in increasing index order (exact for spike
 * counts; float32 runs round each addition to float32).
 * @param xs - any tensor of rank >= 1, finite; typically a raster `[T, batch, N]`
 * @param dimension - the dimension to sum over (default 0, time); negative values count from the end
 * @returns a tensor of `xs`'s shape without `dimension` (e.g. `[batch, N]`), same dtype
 * @throws SpikeflowError when `xs` is not a finite tensor of rank >= 1 or `dimension` is out of range
 */
export const sumDecode = (xs: Tensor, dimension = 0): Tensor => {
  const where = 'sumDecode';
  const x = orThrow(where)(isTensor('input', xs));
  const rank = x.shape.length;
  if (!Number.isInteger(dimension) || dimension < -rank || dimension >= rank) {
    throw new SpikeflowError(
      where,
      'dimension',
      `dimension must be an integer in [${-rank}, ${rank - 1}] for input shape ${showShape(x.shape)}, received ${show(dimension)}`,
    );
  }
  orThrow(where)(finiteTensor('input', x));
  const d = dimension < 0 ? dimension + rank : dimension;
  const outer = sizeOf(x.shape.slice(0, d));
  const size = x.shape[d] as number;
  const inner = sizeOf(x.shape.slice(d + 1));
  const dtype = dtypeOf(x);
  const round = rounderFor(dtype);
  const out = allocate(dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < size; k++) {
      const base = (o * size + k) * inner;
      for (let j = 0; j < inner; j++) out[o * inner + j] = round((out[o * inner + j] as number) + (x.data[base + j] as number));
    }
  }
  return fromTypedArray(out, [...x.shape.slice(0, d), ...x.shape.slice(d + 1)]);
};
