/**
 * Population encoding (Norse's `population_encode` / `PopulationEncoder`): each input value is
 * represented by `outFeatures` numbers, the responses of neurons whose receptive fields are
 * centred on `outFeatures` evenly spaced points of `[0, scale]`.
 *
 * For a value `x` and centre `c_k` (`k = 0 … outFeatures−1`):
 * ```
 * c_k = linspace(0, scale, outFeatures)[k]         (computed in float32, as torch's default dtype)
 * d_k = distance(x, c_k) · scale                   (default distance (x − c)²)
 * out = kernel(d_k)                                (default Gaussian RBF exp(−d / (2σ²)), σ = 1)
 * ```
 * The output is not spikes: feed it to a Poisson encoder to get spikes. Values agree with Norse's
 * float64 results to about 1e-16 (V8's `Math.exp` differs from glibc's by at most 1 ulp).
 * Source: Norse `norse/torch/functional/encode.py` (`population_encode`, `gaussian_rbf`,
 * `euclidean_distance`), commit 065a3b45.
 * @module
 */
import { finiteNumber, orThrow, positiveNumber, SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, finiteTensor, fromTypedArray, isTensor, type Tensor } from '../tensor.js';
import { checkCount, checkOptions, rounderFor } from '../validate.js';

/**
 * Norse's `gaussian_rbf`: a Gaussian radial basis kernel of a (squared) distance,
 * `d ↦ exp(−d / (2σ²))`.
 * @param sigma - spread σ (> 0, default 1)
 * @throws SpikeflowError when `sigma` is not a finite number > 0
 */
export const gaussianRbf = (sigma = 1): ((distance: number) => number) => {
  orThrow('gaussianRbf')(positiveNumber('sigma', sigma));
  const denominator = 2 * sigma ** 2;
  return (distance) => Math.exp(-distance / denominator);
};

/** Norse's `euclidean_distance` of two numbers: `(x − y)²` (a squared distance). */
export const euclideanDistance = (x: number, y: number): number => {
  const d = x - y;
  return d * d;
};

/** Options of {@link populationEncode}. */
export interface PopulationEncodeOptions {
  /**
   * Upper end of the receptive-field centres, `[0, scale]` (> 0). Default: the maximum of the
   * input, as in Norse (which also falls back to the maximum for a scale of 0).
   */
  readonly scale?: number;
  /** Kernel applied to each scaled distance; default {@link gaussianRbf}(1). */
  readonly kernel?: (distance: number) => number;
  /** Distance between a value and a centre; default {@link euclideanDistance}. */
  readonly distanceFunction?: (x: number, centre: number) => number;
}

/** torch's float32 `linspace(0, end, n)`: first half counted up from 0, second half down from `end`. */
const centresFloat32 = (end: number, n: number): number[] => {
  const f = Math.fround;
  const e = f(end);
  if (n === 1) return [0];
  const step = f(e / (n - 1));
  const half = Math.floor(n / 2);
  return Array.from({ length: n }, (_, k) => (k < half ? f(step * k) : f(e - f(step * (n - k - 1)))));
};

/**
 * Encodes every value of `x` as the responses of a population of `outFeatures` neurons.
 * @param x - input values, any shape `S` (e.g. `[batch, N]`), finite; not empty when `scale` is omitted
 * @param outFeatures - neurons per value (integer >= 1)
 * @param options - `scale`, `kernel`, `distanceFunction` (see {@link PopulationEncodeOptions})
 * @returns a tensor `[...S, outFeatures]` of `x`'s dtype (each value's responses in the last dimension)
 * @throws SpikeflowError for a non-tensor or non-finite `x`, a bad `outFeatures`, a `scale` that is
 *   not > 0, an empty `x` without `scale`, non-function kernels, or kernel/distance results that are NaN
 */
export const populationEncode = (x: Tensor, outFeatures: number, options: PopulationEncodeOptions = {}): Tensor => {
  const where = 'populationEncode';
  orThrow(where)(isTensor('input', x));
  orThrow(where)(finiteTensor('input', x));
  const n = checkCount(where, 'outFeatures', outFeatures, 1);
  checkOptions(where, options, ['scale', 'kernel', 'distanceFunction']);
  const kernel = options.kernel ?? gaussianRbf(1);
  const distance = options.distanceFunction ?? euclideanDistance;
  if (typeof kernel !== 'function') throw new SpikeflowError(where, 'kernel', `kernel must be a function, received ${show(kernel)}`);
  if (typeof distance !== 'function') {
    throw new SpikeflowError(where, 'distanceFunction', `distanceFunction must be a function, received ${show(distance)}`);
  }
  let scale: number;
  if (options.scale === undefined) {
    if (x.data.length === 0) {
      throw new SpikeflowError(where, 'scale', 'scale is required for an empty input (its default is the maximum of the input)');
    }
    scale = Number.NEGATIVE_INFINITY;
    for (const v of x.data) if (v > scale) scale = v;
  } else {
    scale = orThrow(where)(positiveNumber('scale', options.scale));
  }
  const dtype = dtypeOf(x);
  const round = rounderFor(dtype);
  const s = round(scale);
  const centres = centresFloat32(scale, n);
  const out = allocate(dtype, x.data.length * n);
  for (let j = 0; j < x.data.length; j++) {
    const v = x.data[j] as number;
    for (let k = 0; k < n; k++) {
      const d = round(round(distance(v, centres[k] as number)) * s);
      const value = round(kernel(d));
      if (Number.isNaN(value)) {
        orThrow(where)(finiteNumber('kernel(distance)', value));
      }
      out[j * n + k] = value;
    }
  }
  return fromTypedArray(out, [...x.shape, n]);
};
