/**
 * The linear map `y = x Wᵀ + b` over the last dimension (torch's `nn.Linear`), dispatched through
 * the backend registry, and ReLU.
 * @module
 */
// The js backend is always registered: importing it here makes `linear` usable on its own.
import './backends/builtin.js';
import {
  type BackendChoice,
  checkBackendChoice,
  executionInfo,
  type LinearRequest,
  resolveBackend,
  tagExecution,
} from './backends/backendRegistry.js';
import { isDeviceTensor } from './backends/device.js';
import { orThrow, SpikeflowError } from './errors.js';
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
  sizeOf,
  type Tensor,
  tensor,
} from './tensor.js';
import { checkOptions, checkPositiveInteger } from './validate.js';

/** Weights of a linear map: `weight` `[out, in]`, optional `bias` `[out]`. */
export interface LinearParameters {
  /** Weight matrix `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** Bias `[outFeatures]`, or undefined for no bias. */
  readonly bias?: Tensor | undefined;
}

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
    checkPositiveInteger('linearInit', name, v);
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

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Backend (default `auto`: the best registered one that can run it); what ran: `executionOf(y)`. */
  readonly backend?: BackendChoice;
}

/**
 * Applies `y = x Wᵀ + b` over the last dimension: `[..., in] → [..., out]`, dispatched through
 * the backend registry (`auto`: the best registered one — `threads` after `import 'spikeflow/node'`).
 * On `js` and `threads` the product is spike-driven: only the nonzero inputs are accumulated (a
 * spike raster is ~90 % zeros), in torch's summation order, so the result equals the dense
 * product bit for bit; `threads` runs it in WebAssembly SIMD on worker threads. When every input
 * is 0 or 1 the kernel says so and the pass checking that the input is finite is skipped;
 * otherwise that check runs after the kernel (the output is discarded if it fails). On `gpu` (after
 * `import 'spikeflow/gpu'`) a gpu.js kernel whose result stays on the device, so that a following
 * neuron layer on the same backend reads it there. Each returned function is one layer: on `gpu`
 * its previous result is retired when it runs again.
 * Source: torch.nn.functional.linear.
 * @example
 * ```ts
 * import { linear, linearParameters, tensor } from 'spikeflow';
 * const y = linear(linearParameters([[1, 2], [3, 4]], [0.5, -0.5]))(tensor([[1, 1]]));
 * // y: [[3.5, 6.5]]
 * ```
 * @param p - weights from {@link linearParameters} or {@link linearInit}
 * @param options - `{ backend }` (default `auto`)
 * @returns a function of `x` `[..., in]` returning a new tensor `[..., out]` of x's dtype
 * @throws SpikeflowError for bad options (at construction); when the last dimension of `x` differs
 *   from `in`, dtypes differ, `x` is not finite, or the chosen backend cannot run it (at call)
 */
export const linear = (p: LinearParameters, options: LinearOptions = {}): ((x: Tensor) => Tensor) => {
  const where = 'linear';
  checkOptions(where, options, ['backend']);
  const backend = checkBackendChoice(where, options.backend);
  const owner = {};
  return (x: Tensor): Tensor => {
    const device = isDeviceTensor(x);
    if (!device) orThrow(where)(isTensor('input', x));
    const [O, K] = checkLinearInput(where, p, x.shape, device ? 'float32' : dtypeOf(x));
    const request: LinearRequest = { where, x, weight: p.weight, bias: p.bias, rows: sizeOf(x.shape) / K, K, O, owner };
    const chosen = resolveBackend(where, backend, 'linear', request);
    const { out, executed, inputSpikes } = chosen.kernel.run(request, chosen.backend);
    // Spikes (0/1) are finite: a kernel that saw only spikes saves the pass over the input.
    if (!device && inputSpikes !== true) orThrow(where)(finiteTensor('input', x));
    return tagExecution(out, executionInfo(chosen, executed));
  };
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
 * @throws SpikeflowError (`input`) when `x` is not a tensor
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
