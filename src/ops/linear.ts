/**
 * The linear map `y = x Wᵀ + b` over the last dimension (torch's `nn.Linear`), and ReLU.
 * @module
 */
import { orThrow, SpikeflowError, show } from './errors.js';
import { seededGenerator, uniforms } from './random.js';
import {
  allocate,
  type DType,
  dtypeOf,
  finiteTensor,
  fromTypedArray,
  isTensor,
  type NestedArray,
  showShape,
  type Tensor,
  type TensorData,
  tensor,
} from './tensor.js';

/** Weights of a linear map: `weight` `[out, in]`, optional `bias` `[out]`. */
export interface LinearParameters {
  /** Weight matrix `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** Bias `[outFeatures]`, or undefined for no bias. */
  readonly bias?: Tensor | undefined;
}

/**
 * Raw dense product over rows: `out[r, o] = (Σ_k x[r, k]·W[o, k]) + b[o]`, summing k in
 * increasing order (the order torch's CPU `linear` uses for the small sizes of the reference
 * traces). Writes `out`; no allocation.
 * @param x - `[rows, K]` row-major
 * @param w - `[O, K]` row-major
 * @param bias - `[O]` or undefined
 * @param out - `[rows, O]`, written
 */
export const matmulInto = (
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
): void => {
  for (let r = 0; r < rows; r++) {
    const xo = r * K;
    const oo = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (x[xo + k] as number) * (w[wo + k] as number);
      out[oo + o] = bias === undefined ? acc : acc + (bias[o] as number);
    }
  }
};

/** Float32 variant of {@link matmulInto}: rounds every product and sum to float32 as torch does. */
const matmulInto32 = (
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
): void => {
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const xo = r * K;
    const oo = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc = f(acc + f((x[xo + k] as number) * (w[wo + k] as number)));
      out[oo + o] = bias === undefined ? acc : f(acc + (bias[o] as number));
    }
  }
};

/** Dispatches to the float32 or float64 dense product. */
export const matmulFor = (dtype: DType): typeof matmulInto => (dtype === 'float32' ? matmulInto32 : matmulInto);

const toTensor = (where: string, argument: string, v: Tensor | NestedArray, dtype?: DType): Tensor => {
  if (v !== null && typeof v === 'object' && 'data' in (v as object)) return orThrow(where)(isTensor(argument, v));
  return tensor(v as NestedArray, dtype);
};

/**
 * Validates linear weights: `weight` is `[out, in]`, `bias` is `[out]`, same dtype, finite.
 * @throws SpikeflowError naming the argument on any mismatch
 */
export const linearParameters = (weight: Tensor | NestedArray, bias?: Tensor | NestedArray, dtype?: DType): LinearParameters => {
  const where = 'linear';
  const w = toTensor(where, 'weight', weight, dtype);
  if (w.shape.length !== 2) {
    throw new SpikeflowError(where, 'weight', `weight must have shape [out, in], received shape ${showShape(w.shape)}`);
  }
  orThrow(where)(finiteTensor('weight', w));
  if (bias === undefined) return Object.freeze({ weight: w });
  const b = toTensor(where, 'bias', bias, dtypeOf(w));
  if (b.shape.length !== 1 || b.shape[0] !== w.shape[0]) {
    throw new SpikeflowError(where, 'bias', `bias must have shape [${w.shape[0]}], received shape ${showShape(b.shape)}`);
  }
  if (dtypeOf(b) !== dtypeOf(w)) {
    throw new SpikeflowError(where, 'bias', `bias dtype ${dtypeOf(b)} does not match weight dtype ${dtypeOf(w)}`);
  }
  orThrow(where)(finiteTensor('bias', b));
  return Object.freeze({ weight: w, bias: b });
};

/** Options of {@link linearInit}. */
export interface LinearInitOptions {
  /** Seed of the generator (default 0). */
  readonly seed?: number;
  /** Whether to create a bias (default true). */
  readonly bias?: boolean;
  /** dtype of the weights (default `float32`). */
  readonly dtype?: DType;
}

/**
 * Seeded default initialisation, as torch's `nn.Linear.reset_parameters`: weight and bias drawn
 * uniformly from `[-1/√in, 1/√in)` (kaiming-uniform with a = √5). Values come from spikeflow's
 * seeded generator, so they equal across runs and platforms but not torch's draws.
 * @param inFeatures - input size (> 0)
 * @param outFeatures - output size (> 0)
 * @throws SpikeflowError for non-positive or non-integer sizes
 */
export const linearInit = (inFeatures: number, outFeatures: number, options: LinearInitOptions = {}): LinearParameters => {
  for (const [name, v] of [
    ['inFeatures', inFeatures],
    ['outFeatures', outFeatures],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new SpikeflowError('linearInit', name, `${name} must be a positive integer, received ${show(v)}`);
    }
  }
  const dtype = options.dtype ?? 'float32';
  const bound = 1 / Math.sqrt(inFeatures);
  const withBias = options.bias ?? true;
  const [u] = uniforms(seededGenerator(options.seed ?? 0), outFeatures * inFeatures + (withBias ? outFeatures : 0));
  const w = allocate(dtype, outFeatures * inFeatures);
  for (let k = 0; k < w.length; k++) w[k] = (2 * (u[k] as number) - 1) * bound;
  const weight = fromTypedArray(w, [outFeatures, inFeatures]);
  if (!withBias) return Object.freeze({ weight });
  const b = allocate(dtype, outFeatures);
  for (let k = 0; k < outFeatures; k++) b[k] = (2 * (u[w.length + k] as number) - 1) * bound;
  return Object.freeze({ weight, bias: fromTypedArray(b, [outFeatures]) });
};

/**
 * Applies `y = x Wᵀ + b` over the last dimension: `[..., in] → [..., out]`.
 * Source: torch.nn.functional.linear.
 * @param p - weights from {@link linearParameters} or {@link linearInit}
 * @returns a function of `x` `[..., in]` returning a new tensor `[..., out]` of x's dtype
 * @throws SpikeflowError when the last dimension of `x` differs from `in`, dtypes differ, or `x` is not finite
 */
export const linear =
  (p: LinearParameters) =>
  (x: Tensor): Tensor => {
    const where = 'linear';
    orThrow(where)(isTensor('input', x));
    const dtype = dtypeOf(x);
    const [O, K] = checkLinearInput(where, p, x.shape, dtype);
    orThrow(where)(finiteTensor('input', x));
    const rows = x.data.length / K;
    const out = allocate(dtype, rows * O);
    matmulFor(dtype)(x.data, rows, K, p.weight.data, O, p.bias?.data, out);
    return fromTypedArray(out, [...x.shape.slice(0, -1), O]);
  };

/**
 * Checks an input of a linear map against its weights `[out, in]`: shape `[..., in]` and the
 * weights' dtype.
 * @param where - the caller, for messages (e.g. `linear`)
 * @param shape - the input's shape
 * @param dtype - the input's dtype
 * @returns `[out, in]`
 * @throws SpikeflowError (argument `input`) when the last dimension differs from `in` or the dtypes differ
 */
export const checkLinearInput = (where: string, p: LinearParameters, shape: readonly number[], dtype: DType): [number, number] => {
  const [O, K] = p.weight.shape as [number, number];
  if (shape[shape.length - 1] !== K) {
    throw new SpikeflowError(
      where,
      'input',
      `input shape ${showShape(shape)} does not end in ${K} (weight shape ${showShape(p.weight.shape)})`,
    );
  }
  if (dtype !== dtypeOf(p.weight)) {
    throw new SpikeflowError(where, 'input', `input dtype ${dtype} does not match weight dtype ${dtypeOf(p.weight)}`);
  }
  return [O, K];
};

/**
 * Rectified linear unit, element-wise `max(0, x)` (torch.nn.functional.relu); any shape.
 * NaN stays NaN (as in torch).
 */
export const relu = (x: Tensor): Tensor => {
  orThrow('relu')(isTensor('input', x));
  const out = allocate(dtypeOf(x), x.data.length);
  for (let k = 0; k < out.length; k++) {
    const v = x.data[k] as number;
    out[k] = v > 0 ? v : v === v ? 0 : v;
  }
  return fromTypedArray(out, x.shape);
};
