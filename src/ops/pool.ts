/**
 * 2-d pooling over channels-first maps and flattening (NIR's `SumPool2d`, `AvgPool2d`,
 * `Flatten`; torch's `nn.LPPool2d(1, …)` on non-negative input, `nn.AvgPool2d`, `nn.Flatten`).
 *
 * ```
 * sum:  y[n, c, i, j] = Σ_{p < K_h, q < K_w} x[n, c, i·s₀ − p₀ + p, j·s₁ − p₁ + q]   (zero padding)
 * avg:  y = sum / (K_h·K_w)                       (padding counted, torch's count_include_pad = true)
 * ```
 * Output size: `⌊(L + 2·pad − K) / stride⌋ + 1`. Leading dimensions (`[batch, C, H, W]` or
 * `[T, batch, C, H, W]`) are folded into the batch. Float32 sums round after every addition.
 * The arithmetic is a backend's `pool` kernel (`backends/jsConv.ts` the reference).
 * Source: torch `nn.AvgPool2d` documentation; NIR `nir/ir/pooling.py`.
 * @module
 */

import { checkBackendChoice } from './backends/backendRegistry.js';
import type { PoolRequest } from './backends/convRequest.js';
import { dispatchMap, type MapOptions } from './conv.js';
import { SpikeflowError, show } from './errors.js';
import { fromTypedArray, showShape, sizeOf, type Tensor } from './tensor.js';
import { checkOptions } from './validate.js';

/** Parameters of 2-d pooling. */
export interface Pool2dParameters {
  /** Window `[K_h, K_w]` or one number for both. */
  readonly kernelSize: number | readonly number[];
  /** Step between windows (default: the kernel size, as torch). */
  readonly stride?: number | readonly number[] | undefined;
  /** Zero padding on both sides (default 0). */
  readonly padding?: number | readonly number[] | undefined;
}

const pair = (
  where: string,
  name: string,
  v: number | readonly number[] | undefined,
  dflt: readonly number[],
  min: number,
): [number, number] => {
  const arr = v === undefined ? [...dflt] : typeof v === 'number' ? [v, v] : [...v];
  if (arr.length !== 2 || !arr.every((x) => Number.isInteger(x) && x >= min)) {
    throw new SpikeflowError(where, name, `${name} must be an integer ≥ ${min} or two of them, received ${show(v)}`);
  }
  return [arr[0] as number, arr[1] as number];
};

const resolve = (where: string, p: Pool2dParameters) => {
  const kernel = pair(where, 'kernelSize', p.kernelSize, [1, 1], 1);
  const stride = pair(where, 'stride', p.stride, kernel, 1);
  const padding = pair(where, 'padding', p.padding, [0, 0], 0);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new SpikeflowError(
      where,
      'padding',
      `padding ${showShape(padding)} must be at most half the kernel ${showShape(kernel)} (as torch)`,
    );
  }
  return { kernel, stride, padding };
};

/**
 * Output shape `[C, H_out, W_out]` of 2-d pooling for an input `[C, H, W]`.
 * @throws SpikeflowError when the parameters are invalid or the window exceeds the padded input
 */
export const pool2dOutputShape = (where: string, p: Pool2dParameters, input: readonly number[]): number[] => {
  if (input.length !== 3) throw new SpikeflowError(where, 'input', `input must be [C, H, W], received ${showShape(input)}`);
  const { kernel, stride, padding } = resolve(where, p);
  const out = [0, 1].map((d) => Math.floor(((input[d + 1] as number) + 2 * padding[d]! - kernel[d]!) / stride[d]!) + 1);
  if (!out.every((o) => o >= 1))
    throw new SpikeflowError(where, 'input', `input ${showShape(input)} is smaller than the window ${showShape(kernel)}`);
  return [input[0] as number, ...out];
};

/**
 * Validates `x` `[..., C, H, W]` and resolves the pooling geometry (leading dimensions and channels folded into planes).
 * @throws SpikeflowError naming the argument (`x`, `input`, `kernelSize`, `stride`, `padding`) that does not fit
 */
export const poolRequestOf = (where: string, x: Tensor, p: Pool2dParameters, average: boolean, owner: object): PoolRequest => {
  if (x.shape.length < 3) throw new SpikeflowError(where, 'x', `x must be [..., C, H, W], received shape ${showShape(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [C, H, W] = x.shape.slice(-3) as [number, number, number];
  const [, Ho, Wo] = pool2dOutputShape(where, p, [C, H, W]) as [number, number, number];
  const { kernel, stride, padding } = resolve(where, p);
  return {
    where,
    x,
    average,
    owner,
    outShape: [...lead, C, Ho, Wo],
    geometry: {
      planes: sizeOf(lead) * C,
      H,
      W,
      Ho,
      Wo,
      kH: kernel[0],
      kW: kernel[1],
      sH: stride[0],
      sW: stride[1],
      pH: padding[0],
      pW: padding[1],
    },
  };
};

const pool2d = (where: string, p: Pool2dParameters, average: boolean, options: MapOptions): ((x: Tensor) => Tensor) => {
  checkOptions(where, options, ['backend']);
  const backend = checkBackendChoice(where, options.backend);
  const owner = {};
  return (x) => dispatchMap(where, backend, 'pool', poolRequestOf(where, x, p, average, owner));
};

/**
 * Sum pooling (NIR `SumPool2d`): `x` `[..., C, H, W]` → `[..., C, H_out, W_out]`, each output the
 * sum of its window.
 * @param options - `{ backend }` (default `auto`; the `pool` kernel of js, threads or gpu)
 * @throws SpikeflowError for invalid kernel/stride/padding or an input smaller than the window
 */
export const sumPool2d = (p: Pool2dParameters, options: MapOptions = {}): ((x: Tensor) => Tensor) => pool2d('sumPool2d', p, false, options);

/**
 * Average pooling (torch `nn.AvgPool2d`, NIR `AvgPool2d`): the window's sum divided by
 * `K_h·K_w` (padding counted).
 * @param options - `{ backend }` (default `auto`; the `pool` kernel of js, threads or gpu)
 * @throws SpikeflowError for invalid kernel/stride/padding or an input smaller than the window
 */
export const avgPool2d = (p: Pool2dParameters, options: MapOptions = {}): ((x: Tensor) => Tensor) => pool2d('avgPool2d', p, true, options);

/**
 * The shape after flattening dimensions `startDim..endDim` (inclusive; negative counts from the
 * end) of `shape` into one (NIR's `calc_flatten_output`, torch's `flatten`).
 * @throws SpikeflowError when the dimensions are out of range or reversed
 */
export const flattenShape = (shape: readonly number[], startDim: number, endDim: number): number[] => {
  const r = shape.length;
  const s = startDim < 0 ? startDim + r : startDim;
  const e = endDim < 0 ? endDim + r : endDim;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e >= r || s > e) {
    throw new SpikeflowError('flatten', 'startDim', `dimensions ${startDim}..${endDim} are not a valid range of shape ${showShape(shape)}`);
  }
  return [...shape.slice(0, s), sizeOf(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
};

/**
 * Flattens the trailing feature dimensions: `x` `[...lead, ...features]` → `[...lead, ...flattenShape(features)]`,
 * where `features` are the last `featureRank` dimensions (the data are shared, row-major order kept).
 * @param startDim - first feature dimension to merge (default 0)
 * @param endDim - last feature dimension to merge (default −1)
 * @param featureRank - how many trailing dimensions are features (default: all but the first)
 * @throws SpikeflowError for an invalid range
 */
export const flatten =
  (startDim = 0, endDim = -1, featureRank?: number) =>
  (x: Tensor): Tensor => {
    const rank = featureRank ?? x.shape.length - 1;
    if (!Number.isInteger(rank) || rank < 1 || rank > x.shape.length) {
      throw new SpikeflowError('flatten', 'featureRank', `featureRank must be 1..${x.shape.length}, received ${show(featureRank)}`);
    }
    const lead = x.shape.slice(0, x.shape.length - rank);
    return fromTypedArray(x.data, [...lead, ...flattenShape(x.shape.slice(x.shape.length - rank), startDim, endDim)]);
  };

/**
 * Pooling or flattening as a stateless layer over chunks (`{ name, run }`, the shape of `Layer`):
 * `poolLayer('sum', p)`, `poolLayer('avg', p)` map `[T, batch, C, H, W]`; `flattenLayer()` merges
 * every feature dimension of `[T, batch, ...]` into one.
 * @param options - `{ backend }` as {@link sumPool2d}
 * @throws SpikeflowError (at run) as {@link sumPool2d} / {@link avgPool2d}
 */
export const poolLayer = (kind: 'sum' | 'avg', p: Pool2dParameters, options: MapOptions = {}) => {
  const f = kind === 'sum' ? sumPool2d(p, options) : avgPool2d(p, options);
  return Object.freeze({ name: kind === 'sum' ? 'SumPool2d' : 'AvgPool2d', run: (xs: Tensor) => [f(xs), undefined] as const });
};

/** Flattens the features of chunks `[T, batch, ...features]` to `[T, batch, N]` as a stateless layer. */
export const flattenLayer = () =>
  Object.freeze({ name: 'Flatten', run: (xs: Tensor) => [flatten(0, -1, xs.shape.length - 2)(xs), undefined] as const });
