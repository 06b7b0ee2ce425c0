/**
 * The `js` convolution and pooling kernels: plain loops in torch's summation order (input channel,
 * kernel row, kernel column; float32 rounding after every operation), the reference of the other
 * backends' `conv` and `pool` kernels. Zero inputs (most of a spike map) are skipped, which is
 * exact: they add `±0`.
 * @module
 */
import { allocate, dtypeOf, fromTypedArray, type TensorData } from '../tensor.js';
import type { Backend, KernelConfig } from './backendRegistry.js';
import type { ConvGeometry, ConvRequest, MapResult, PoolGeometry, PoolRequest } from './convRequest.js';

/**
 * The convolution loop: `x` `[N, C, H, W]`, `w` `[C_out, C/groups, kH, kW]`, `b` `[C_out]` or
 * undefined → `[N, C_out, Ho, Wo]` written to `out`; `f32` rounds every operation to float32.
 */
export const convInto = (
  g: ConvGeometry,
  xd: TensorData,
  wd: TensorData,
  bd: TensorData | undefined,
  out: TensorData,
  f32: boolean,
): void => {
  const R = f32 ? Math.fround : (v: number) => v;
  const { N, C, H, W, cOut, Ho, Wo, kH, kW, sH, sW, pH, pW, dH, dW } = g;
  const cInG = C / g.groups;
  const cOutG = cOut / g.groups;
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
                if (xv !== 0) acc = R(acc + R(xv * (wd[wc + a * kW + b] as number)));
              }
            }
          }
          out[on + i * Wo + j] = bd === undefined ? acc : R(acc + (bd[o] as number));
        }
      }
    }
  }
};

/** The pooling loop: `x` `[planes, H, W]` → `[planes, Ho, Wo]` window sums (divided by `kH·kW` when `average`). */
export const poolInto = (g: PoolGeometry, xd: TensorData, out: TensorData, average: boolean, f32: boolean): void => {
  const R = f32 ? Math.fround : (v: number) => v;
  const { planes, H, W, Ho, Wo, kH, kW, sH, sW, pH, pW } = g;
  const area = kH * kW;
  for (let n = 0; n < planes; n++) {
    const xn = n * H * W;
    const on = n * Ho * Wo;
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        let acc = 0;
        for (let a = 0; a < kH; a++) {
          const y = i * sH - pH + a;
          if (y < 0 || y >= H) continue;
          for (let b = 0; b < kW; b++) {
            const xx = j * sW - pW + b;
            if (xx < 0 || xx >= W) continue;
            acc = R(acc + (xd[xn + y * W + xx] as number));
          }
        }
        out[on + i * Wo + j] = average ? R(acc / area) : acc;
      }
    }
  }
};

const runConv = (r: ConvRequest): MapResult => {
  const g = r.geometry;
  const dtype = dtypeOf(r.x);
  const out = allocate(dtype, g.N * g.cOut * g.Ho * g.Wo);
  convInto(g, r.x.data, r.weight.data, r.bias?.data, out, dtype === 'float32');
  return { out: fromTypedArray(out, r.outShape) };
};

const runPool = (r: PoolRequest): MapResult => {
  const g = r.geometry;
  const dtype = dtypeOf(r.x);
  const out = allocate(dtype, g.planes * g.Ho * g.Wo);
  poolInto(g, r.x.data, out, r.average, dtype === 'float32');
  return { out: fromTypedArray(out, r.outShape) };
};

/** The `js` convolution (both dtypes). */
export const jsConv: KernelConfig<'conv'> = {
  kernelName: 'conv',
  backendName: 'js',
  supports: () => true,
  run: (r: ConvRequest, _b: Backend) => runConv(r),
};

/** The `js` sum/average pooling (both dtypes). */
export const jsPool: KernelConfig<'pool'> = {
  kernelName: 'pool',
  backendName: 'js',
  supports: () => true,
  run: (r: PoolRequest, _b: Backend) => runPool(r),
};
