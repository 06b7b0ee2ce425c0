/**
 * Requests of the convolution and pooling kernels (`conv`, `pool` in the backend registry), as
 * `ops/conv.ts` and `ops/pool.ts` build them after validation: the geometry fully resolved to the
 * 2-d form (a 1-d convolution is a 2-d one of height 1), every leading dimension folded into `N`.
 * @module
 */
import type { Tensor } from '../tensor.js';
import type { Executed } from './executed.js';

/**
 * Resolved geometry of a 2-d convolution `x [N, C, H, W] → y [N, C_out, H_out, W_out]`
 * (torch's `nn.Conv2d`; `ops/conv.ts` documents the sum).
 */
export interface ConvGeometry {
  /** Samples (every leading dimension folded in). */
  readonly N: number;
  /** Input channels, height, width. */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** Output channels, height, width. */
  readonly cOut: number;
  readonly Ho: number;
  readonly Wo: number;
  /** Channel groups; input channels per group `C / groups`, output channels per group `cOut / groups`. */
  readonly groups: number;
  /** Kernel height and width. */
  readonly kH: number;
  readonly kW: number;
  /** Stride, zero padding and dilation, per spatial dimension (height, width). */
  readonly sH: number;
  readonly sW: number;
  readonly pH: number;
  readonly pW: number;
  readonly dH: number;
  readonly dW: number;
}

/** A validated convolution: `y = conv(x, weight) + bias`. */
export interface ConvRequest {
  /** Caller, for error messages. */
  readonly where: string;
  /** Input `[N, C, H, W]` (row-major, any leading shape folded into `N`). */
  readonly x: Tensor;
  /** Kernel `[C_out, C / groups, kH, kW]` in x's dtype. */
  readonly weight: Tensor;
  /** Bias `[C_out]` in x's dtype, or undefined. */
  readonly bias?: Tensor | undefined;
  /** The resolved geometry. */
  readonly geometry: ConvGeometry;
  /** Shape of the result (the caller's leading dimensions kept). */
  readonly outShape: readonly number[];
  /** Identity of the op instance (one per layer), for backends that keep buffers between calls. */
  readonly owner: object;
}

/** Resolved geometry of 2-d pooling `x [planes, H, W] → y [planes, H_out, W_out]`. */
export interface PoolGeometry {
  /** Planes: samples × channels. */
  readonly planes: number;
  readonly H: number;
  readonly W: number;
  readonly Ho: number;
  readonly Wo: number;
  /** Window, stride and zero padding (height, width). */
  readonly kH: number;
  readonly kW: number;
  readonly sH: number;
  readonly sW: number;
  readonly pH: number;
  readonly pW: number;
}

/** A validated pooling: each output the sum of its window, divided by `kH·kW` when `average`. */
export interface PoolRequest {
  /** Caller, for error messages. */
  readonly where: string;
  /** Input `[planes, H, W]` (row-major, any leading shape folded in). */
  readonly x: Tensor;
  /** The resolved geometry. */
  readonly geometry: PoolGeometry;
  /** Average (true, padding counted as torch's `count_include_pad`) or sum pooling. */
  readonly average: boolean;
  /** Shape of the result. */
  readonly outShape: readonly number[];
  /** Identity of the op instance (one per layer). */
  readonly owner: object;
}

/** Result of a convolution or pooling kernel. */
export interface MapResult {
  /** The result, `outShape` of the request, in x's dtype. */
  readonly out: Tensor;
  /** What executed (defaults to the backend's description). */
  readonly executed?: Executed | undefined;
}
