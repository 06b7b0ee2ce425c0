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
 * every operation; float64 inputs in float64.
 * Source: torch `nn.Conv2d` documentation; NIR `nir.Conv2d` (`nir/ir/conv.py`).
 * @module
 */
import { SpikeflowError, show } from './errors.js';
import { allocate, dtypeOf, fromTypedArray, showShape, sizeOf, type Tensor } from './tensor.js';
import { checkPositiveInteger } from './validate.js';

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

/** The 2-d kernel shared by conv1d (as height 1) and conv2d. */
const conv2dCore = (where: string, x: Tensor, p: ConvParameters, dims: 1 | 2): Tensor => {
  const rank = dims + 1;
  if (x.shape.length < rank) {
    throw new SpikeflowError(where, 'x', `x must be [..., C, ${dims === 1 ? 'L' : 'H, W'}], received shape ${showShape(x.shape)}`);
  }
  const lead = x.shape.slice(0, x.shape.length - rank);
  const C = x.shape[x.shape.length - rank] as number;
  const spatial = x.shape.slice(x.shape.length - dims);
  const outShape = convOutputShape(where, p, C, spatial);
  const g = geometry(where, p, C, dims);
  const H = dims === 2 ? (spatial[0] as number) : 1;
  const W = spatial[dims - 1] as number;
  const Ho = dims === 2 ? (outShape[1] as number) : 1;
  const Wo = outShape[dims] as number;
  const kH = dims === 2 ? (p.weight.shape[2] as number) : 1;
  const kW = p.weight.shape[dims + 1] as number;
  const [sH, sW] = dims === 2 ? [g.stride[0] as number, g.stride[1] as number] : [1, g.stride[0] as number];
  const [pH, pW] = dims === 2 ? [g.padding[0] as number, g.padding[1] as number] : [0, g.padding[0] as number];
  const [dH, dW] = dims === 2 ? [g.dilation[0] as number, g.dilation[1] as number] : [1, g.dilation[0] as number];
  const cOut = outShape[0] as number;
  const groups = p.groups ?? 1;
  const cInG = p.weight.shape[1] as number;
  const cOutG = cOut / groups;
  const N = sizeOf(lead);
  const dtype = dtypeOf(x);
  const f32 = dtype === 'float32';
  const R = f32 ? Math.fround : (v: number) => v;
  const out = allocate(dtype, N * cOut * Ho * Wo);
  const xd = x.data;
  const wd = p.weight.data;
  const bd = p.bias?.data;
  for (let n = 0; n < N; n++) {
    const xn = n * C * H * W;
    for (let o = 0; o < cOut; o++) {
      const c0 = Math.floor(o / cOutG) * cInG;
      const on = (n * cOut + o) * Ho * Wo;
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let acc = 0;
          for (let c = 0; c < cInG; c++) {
            const xc = xn + (c0 + c) * H * W;
            const wc = (o * cInG + c) * kH * kW;
            for (let a = 0; a < kH; a++) {
              const y = i * sH - pH + a * dH;
              if (y < 0 || y >= H) continue;
              for (let b = 0; b < kW; b++) {
                const xx = j * sW - pW + b * dW;
                if (xx < 0 || xx >= W) continue;
                const xv = xd[xc + y * W + xx] as number;
                // zeros (most of a spike map) add nothing: skipping them is exact
                if (xv !== 0) acc = R(acc + R(xv * (wd[wc + a * kW + b] as number)));
              }
            }
          }
          out[on + i * Wo + j] = bd === undefined ? acc : R(acc + (bd[o] as number));
        }
      }
    }
  }
  return fromTypedArray(out, [...lead, ...outShape]);
};

/**
 * 1-d convolution (torch's `nn.Conv1d`): `x` `[..., C_in, L]` → `[..., C_out, L_out]`.
 * @param p - `weight` `[C_out, C_in/groups, K]`, optional `bias`, `stride`, `padding`, `dilation`, `groups`
 * @throws SpikeflowError naming the argument for mismatched channels, bad geometry or a kernel larger than the padded input
 */
export const conv1d =
  (p: ConvParameters) =>
  (x: Tensor): Tensor =>
    conv2dCore('conv1d', x, p, 1);

/**
 * 2-d convolution (torch's `nn.Conv2d`): `x` `[..., C_in, H, W]` → `[..., C_out, H_out, W_out]`.
 * @param p - `weight` `[C_out, C_in/groups, K_h, K_w]`, optional `bias`, `stride`, `padding`, `dilation`, `groups`
 * @throws SpikeflowError naming the argument for mismatched channels, bad geometry or a kernel larger than the padded input
 */
export const conv2d =
  (p: ConvParameters) =>
  (x: Tensor): Tensor =>
    conv2dCore('conv2d', x, p, 2);

/**
 * Convolution as a stateless layer over chunks (`{ name, run }`, the shape of `Layer` in
 * `neurons/sequential.ts`), for `sequential(...)` and the stream operators: a chunk
 * `[T, batch, C, ...]` maps to `[T, batch, C_out, ...]`, state `undefined`.
 * @param p - as {@link conv1d} / {@link conv2d}
 * @param dims - 1 or 2 spatial dimensions (default 2)
 * @throws SpikeflowError (at run) as {@link conv2d}
 */
export const convLayer = (p: ConvParameters, dims: 1 | 2 = 2) => {
  const f = dims === 1 ? conv1d(p) : conv2d(p);
  return Object.freeze({ name: dims === 1 ? 'Conv1d' : 'Conv2d', run: (xs: Tensor) => [f(xs), undefined] as const });
};
