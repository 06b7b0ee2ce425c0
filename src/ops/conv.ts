/**
 * Convolutions over channels-first feature maps (torch's `nn.Conv1d` / `nn.Conv2d` and NIR's
 * `Conv1d` / `Conv2d`): cross-correlation with stride, zero padding, dilation and groups.
 *
 * ```
 * y[n, o, i, j] = b[o] + Σ_{c ∈ group(o)} Σ_{p, q} W[o, c, p, q] · x[n, g(o)·C/G + c, i·s₀ − p₀ + p·d₀, j·s₁ − p₁ + q·d₁]
 * ```
 * Output size per spatial dimension: `⌊(L + 2·pad − dil·(K − 1) − 1) / stride⌋ + 1` (torch's
 * formula); `padding: 'same'` keeps `L` (stride 1 only, as torch), `'valid'` is padding 0.
 * Any leading dimensions (`[batch, C, H, W]`, or a chunk `[T, batch, C, H, W]`) are folded into the
 * batch, so one call maps a whole chunk. Float32 inputs are accumulated with float32 rounding after
 * every operation; float64 inputs in float64. The arithmetic is a backend's `conv` kernel
 * (`backends/jsConv.ts` the reference; threads and gpu in their own files).
 * Source: torch `nn.Conv2d` documentation; NIR `nir.Conv2d` (`nir/ir/conv.py`).
 * @module
 */
import './backends/builtin.js';
import {
  type BackendChoice,
  checkBackendChoice,
  executionInfo,
  type KernelSignatures,
  registerKernel,
  resolveBackend,
  tagExecution,
} from './backends/backendRegistry.js';
import type { ConvRequest } from './backends/convRequest.js';
import { jsConv, jsPool } from './backends/jsConv.js';
import { SpikeflowError, show } from './errors.js';
import { allocate, type DType, dtypeOf, fromTypedArray, showShape, sizeOf, type Tensor } from './tensor.js';
import { checkOptions, checkPositiveInteger } from './validate.js';

// the js conv/pool kernels register with the ops that use them (the core bundle stays without them)
registerKernel(jsConv);
registerKernel(jsPool);

/** Padding of a convolution: a number per spatial dimension, `'same'` or `'valid'`. */
export type ConvPadding = number | readonly number[] | 'same' | 'valid';

/** Parameters of a convolution (torch's names). */
export interface ConvParameters {
  /** Kernel `[C_out, C_in / groups, K]` (1-d) or `[C_out, C_in / groups, K_h, K_w]` (2-d). */
  readonly weight: Tensor;
  /** Bias `[C_out]`, or undefined for none. */
  readonly bias?: Tensor | undefined;
  /** Step between output positions (default 1; one number or one per spatial dimension). */
  readonly stride?: number | readonly number[];
  /** Zero padding on both sides (default 0), `'same'` or `'valid'`. */
  readonly padding?: ConvPadding;
  /** Spacing between kernel taps (default 1). */
  readonly dilation?: number | readonly number[];
  /** Number of channel groups (default 1); divides both C_in and C_out. */
  readonly groups?: number;
}

const perDim = (
  where: string,
  name: string,
  v: number | readonly number[] | undefined,
  dims: number,
  dflt: number,
  min: number,
): number[] => {
  const arr = v === undefined ? new Array<number>(dims).fill(dflt) : typeof v === 'number' ? new Array<number>(dims).fill(v) : [...v];
  if (arr.length !== dims || !arr.every((x) => Number.isInteger(x) && x >= min)) {
    throw new SpikeflowError(where, name, `${name} must be an integer ≥ ${min} or ${dims} of them, received ${show(v)}`);
  }
  return arr;
};

/** Output length of one spatial dimension (torch's formula). */
export const convOutputLength = (length: number, kernel: number, stride: number, padding: number, dilation: number): number =>
  Math.floor((length + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;

/** Resolved geometry of a convolution over `dims` spatial dimensions. */
interface Geometry {
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
}

const resolvePadding = (
  where: string,
  p: ConvPadding | undefined,
  dims: number,
  kernel: readonly number[],
  dilation: readonly number[],
  stride: readonly number[],
): number[] => {
  if (p === 'valid') return new Array<number>(dims).fill(0);
  if (p === 'same') {
    if (!stride.every((s) => s === 1)) {
      throw new SpikeflowError(where, 'padding', `padding 'same' needs stride 1 (as torch), received stride ${showShape(stride)}`);
    }
    return kernel.map((k, d) => {
      const total = (dilation[d] as number) * (k - 1);
      if (total % 2 !== 0) {
        throw new SpikeflowError(
          where,
          'padding',
          `padding 'same' with an even extent dilation·(kernel − 1) = ${total} is asymmetric; give the padding explicitly`,
        );
      }
      return total / 2;
    });
  }
  return perDim(where, 'padding', p as number | readonly number[] | undefined, dims, 0, 0);
};

/**
 * The output shape of a convolution for an input of spatial sizes `spatial` (channels excluded).
 * @throws SpikeflowError when the geometry is invalid or the output would be empty
 */
export const convOutputShape = (where: string, p: ConvParameters, channels: number, spatial: readonly number[]): number[] => {
  const g = geometry(where, p, channels, spatial.length);
  const kernel = p.weight.shape.slice(2);
  const out = spatial.map((L, d) =>
    convOutputLength(L, kernel[d] as number, g.stride[d] as number, g.padding[d] as number, g.dilation[d] as number),
  );
  if (!out.every((o) => o >= 1)) {
    throw new SpikeflowError(
      where,
      'input',
      `input of spatial size ${showShape(spatial)} is smaller than the kernel ${showShape(kernel)} (output ${showShape(out)})`,
    );
  }
  return [p.weight.shape[0] as number, ...out];
};

const geometry = (where: string, p: ConvParameters, channels: number, dims: number): Geometry => {
  const w = p.weight;
  if (w.shape.length !== dims + 2) {
    throw new SpikeflowError(
      where,
      'weight',
      `weight must have ${dims + 2} dimensions [C_out, C_in/groups, ...kernel], received shape ${showShape(w.shape)}`,
    );
  }
  const groups = checkPositiveInteger(where, 'groups', p.groups ?? 1);
  const cOut = w.shape[0] as number;
  if (cOut % groups !== 0) throw new SpikeflowError(where, 'groups', `groups ${groups} must divide C_out ${cOut}`);
  if (channels !== (w.shape[1] as number) * groups) {
    throw new SpikeflowError(
      where,
      'input',
      `input has ${channels} channels but weight ${showShape(w.shape)} with groups ${groups} expects ${(w.shape[1] as number) * groups}`,
    );
  }
  if (p.bias !== undefined && (p.bias.shape.length !== 1 || p.bias.shape[0] !== cOut)) {
    throw new SpikeflowError(where, 'bias', `bias must have shape [${cOut}], received ${showShape(p.bias.shape)}`);
  }
  const stride = perDim(where, 'stride', p.stride, dims, 1, 1);
  const dilation = perDim(where, 'dilation', p.dilation, dims, 1, 1);
  const padding = resolvePadding(where, p.padding, dims, w.shape.slice(2), dilation, stride);
  return { stride, padding, dilation };
};

/** Options of the convolution and pooling ops. */
export interface MapOptions {
  /** Backend (default `auto`: the best registered one that can run it); what ran: `executionOf(y)`. */
  readonly backend?: BackendChoice;
}

/**
 * Runs a validated conv/pool request on the chosen backend and tags the result with what ran.
 * @throws SpikeflowError (argument `backend`) when the chosen backend cannot run it
 */
export const dispatchMap = <K extends 'conv' | 'pool'>(
  where: string,
  backend: BackendChoice,
  kernel: K,
  request: KernelSignatures[K]['request'],
): Tensor => {
  const chosen = resolveBackend(where, backend, kernel, request);
  const { out, executed } = chosen.kernel.run(request, chosen.backend);
  return tagExecution(out, executionInfo(chosen, executed));
};

/**
 * Validates `x` against `p` and resolves the 2-d geometry (1-d as height 1); `outShape` keeps x's leading dimensions.
 * @throws SpikeflowError naming the argument (`x`, `input`, `weight`, `bias`, `stride`, `padding`, `dilation`, `groups`) that does not fit
 */
export const convRequestOf = (where: string, x: Tensor, p: ConvParameters, dims: 1 | 2, owner: object): ConvRequest => {
  const rank = dims + 1;
  if (x.shape.length < rank) {
    throw new SpikeflowError(where, 'x', `x must be [..., C, ${dims === 1 ? 'L' : 'H, W'}], received shape ${showShape(x.shape)}`);
  }
  const lead = x.shape.slice(0, x.shape.length - rank);
  const C = x.shape[x.shape.length - rank] as number;
  const spatial = x.shape.slice(x.shape.length - dims);
  const outShape = convOutputShape(where, p, C, spatial);
  const g = geometry(where, p, C, dims);
  const two = dims === 2;
  const dtype = dtypeOf(x);
  return {
    where,
    x,
    weight: castTo(p.weight, dtype),
    bias: p.bias === undefined ? undefined : castTo(p.bias, dtype),
    outShape: [...lead, ...outShape],
    owner,
    geometry: {
      N: sizeOf(lead),
      C,
      H: two ? (spatial[0] as number) : 1,
      W: spatial[dims - 1] as number,
      cOut: outShape[0] as number,
      Ho: two ? (outShape[1] as number) : 1,
      Wo: outShape[dims] as number,
      groups: p.groups ?? 1,
      kH: two ? (p.weight.shape[2] as number) : 1,
      kW: p.weight.shape[dims + 1] as number,
      sH: two ? (g.stride[0] as number) : 1,
      sW: g.stride[dims - 1] as number,
      pH: two ? (g.padding[0] as number) : 0,
      pW: g.padding[dims - 1] as number,
      dH: two ? (g.dilation[0] as number) : 1,
      dW: g.dilation[dims - 1] as number,
    },
  };
};

/** `t` in `dtype` (itself when it already is; the weights of a float32 file in a float64 run are widened exactly). */
const castTo = (t: Tensor, dtype: DType): Tensor => {
  if (dtypeOf(t) === dtype) return t;
  const d = allocate(dtype, t.data.length);
  d.set(t.data);
  return fromTypedArray(d, t.shape);
};

const convOp = (where: string, p: ConvParameters, dims: 1 | 2, options: MapOptions): ((x: Tensor) => Tensor) => {
  checkOptions(where, options, ['backend']);
  const backend = checkBackendChoice(where, options.backend);
  const owner = {};
  return (x) => dispatchMap(where, backend, 'conv', convRequestOf(where, x, p, dims, owner));
};

/**
 * 1-d convolution (torch's `nn.Conv1d`): `x` `[..., C_in, L]` → `[..., C_out, L_out]`.
 * @param p - `weight` `[C_out, C_in/groups, K]`, optional `bias`, `stride`, `padding`, `dilation`, `groups`
 * @throws SpikeflowError naming the argument for mismatched channels, bad geometry or a kernel larger than the padded input
 */
export const conv1d = (p: ConvParameters, options: MapOptions = {}): ((x: Tensor) => Tensor) => convOp('conv1d', p, 1, options);

/**
 * 2-d convolution (torch's `nn.Conv2d`): `x` `[..., C_in, H, W]` → `[..., C_out, H_out, W_out]`.
 * @param p - `weight` `[C_out, C_in/groups, K_h, K_w]`, optional `bias`, `stride`, `padding`, `dilation`, `groups`
 * @throws SpikeflowError naming the argument for mismatched channels, bad geometry or a kernel larger than the padded input
 */
export const conv2d = (p: ConvParameters, options: MapOptions = {}): ((x: Tensor) => Tensor) => convOp('conv2d', p, 2, options);

/**
 * Convolution as a stateless layer over chunks (`{ name, run }`, the shape of `Layer` in
 * `neurons/sequential.ts`), for `sequential(...)` and the stream operators: a chunk
 * `[T, batch, C, ...]` maps to `[T, batch, C_out, ...]`, state `undefined`.
 * @param p - as {@link conv1d} / {@link conv2d}
 * @param dims - 1 or 2 spatial dimensions (default 2)
 * @param options - `{ backend }` as {@link conv2d}
 * @throws SpikeflowError (at run) as {@link conv2d}
 */
export const convLayer = (p: ConvParameters, dims: 1 | 2 = 2, options: MapOptions = {}) => {
  const f = dims === 1 ? conv1d(p, options) : conv2d(p, options);
  return Object.freeze({ name: dims === 1 ? 'Conv1d' : 'Conv2d', run: (xs: Tensor) => [f(xs), undefined] as const });
};
