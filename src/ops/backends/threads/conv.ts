/**
 * The `threads` convolution and pooling kernels: the input is unfolded into patches (im2col, one
 * row per output position, columns in the `js` loop's order: input channel, kernel row, kernel
 * column) and multiplied by the kernel through the backend's threaded WebAssembly SIMD linear map,
 * which adds only the nonzero inputs in the `js` product's order. Padding taps are zeros, which
 * that map skips as the `js` loop skips them: the results are the `js` kernel's bits. Pooling is
 * the same product with a kernel of ones per plane (sums), divided by `kH·kW` for averages.
 * @module
 */
import { allocate, type DType, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../../tensor.js';
import { type Backend, getKernel, type KernelConfig, type LinearRequest } from '../backendRegistry.js';
import type { ConvRequest, MapResult, PoolRequest } from '../convRequest.js';

/**
 * Patches of `planes` maps `[cIn, H, W]` starting at plane `c0` of each sample: rows
 * `(n, i, j)`, columns `(c, a, b)`.
 */
const unfold = (
  dtype: DType,
  x: TensorData,
  samples: number,
  planesPerSample: number,
  c0: number,
  cIn: number,
  H: number,
  W: number,
  Ho: number,
  Wo: number,
  g: { kH: number; kW: number; sH: number; sW: number; pH: number; pW: number; dH: number; dW: number },
): TensorData => {
  const K = cIn * g.kH * g.kW;
  const p = allocate(dtype, samples * Ho * Wo * K);
  for (let n = 0; n < samples; n++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        let q = ((n * Ho + i) * Wo + j) * K;
        for (let c = 0; c < cIn; c++) {
          const xc = (n * planesPerSample + c0 + c) * H * W;
          for (let a = 0; a < g.kH; a++) {
            const y = i * g.sH - g.pH + a * g.dH;
            for (let b = 0; b < g.kW; b++, q++) {
              const xx = j * g.sW - g.pW + b * g.dW;
              if (y >= 0 && y < H && xx >= 0 && xx < W) p[q] = x[xc + y * W + xx] as number;
            }
          }
        }
      }
    }
  }
  return p;
};

/** `rows × K` patches times `[O, K]` weights on the threads backend's linear kernel. */
const product = (backend: Backend, owner: object, patches: TensorData, rows: number, K: number, w: Tensor, b?: Tensor): Tensor => {
  const linear = getKernel('linear', backend.name);
  if (linear === undefined) throw new Error(`backend ${backend.name} has no linear kernel`);
  const O = w.shape[0] as number;
  const request: LinearRequest = { where: 'conv', x: fromTypedArray(patches, [rows, K]), weight: w, bias: b, rows, K, O, owner };
  return linear.run(request, backend).out;
};

const runConv = (r: ConvRequest, backend: Backend): MapResult => {
  const g = r.geometry;
  const dtype = dtypeOf(r.x);
  const cInG = g.C / g.groups;
  const cOutG = g.cOut / g.groups;
  const K = cInG * g.kH * g.kW;
  const rows = g.N * g.Ho * g.Wo;
  const out = allocate(dtype, g.N * g.cOut * g.Ho * g.Wo);
  const area = g.Ho * g.Wo;
  for (let group = 0; group < g.groups; group++) {
    const patches = unfold(dtype, r.x.data, g.N, g.C, group * cInG, cInG, g.H, g.W, g.Ho, g.Wo, g);
    const w = fromTypedArray(r.weight.data.subarray(group * cOutG * K, (group + 1) * cOutG * K), [cOutG, K]);
    const b = r.bias === undefined ? undefined : fromTypedArray(r.bias.data.subarray(group * cOutG, (group + 1) * cOutG), [cOutG]);
    const y = product(backend, r.owner, patches, rows, K, w, b).data;
    // y [N·Ho·Wo, cOutG] → out [N, cOut, Ho, Wo]
    for (let n = 0; n < g.N; n++) {
      for (let o = 0; o < cOutG; o++) {
        const dst = (n * g.cOut + group * cOutG + o) * area;
        for (let s = 0; s < area; s++) out[dst + s] = y[(n * area + s) * cOutG + o] as number;
      }
    }
  }
  return { out: fromTypedArray(out, r.outShape), executed: { device: 'cpu', note: 'im2col + threads linear (wasm simd)' } };
};

const runPool = (r: PoolRequest, backend: Backend): MapResult => {
  const g = r.geometry;
  const dtype = dtypeOf(r.x);
  const K = g.kH * g.kW;
  const patches = unfold(dtype, r.x.data, g.planes, 1, 0, 1, g.H, g.W, g.Ho, g.Wo, { ...g, dH: 1, dW: 1 });
  const ones = allocate(dtype, K).fill(1);
  const y = product(backend, r.owner, patches, g.planes * g.Ho * g.Wo, K, fromTypedArray(ones, [1, K])).data;
  const out = allocate(dtype, y.length);
  const R = dtype === 'float32' ? Math.fround : (v: number) => v;
  for (let k = 0; k < y.length; k++) out[k] = r.average ? R((y[k] as number) / K) : (y[k] as number);
  return { out: fromTypedArray(out, r.outShape), executed: { device: 'cpu', note: 'window sums as threads linear (wasm simd)' } };
};

/** The `threads` convolution (both dtypes): im2col + the threaded linear map, the `js` kernel's bits. */
export const threadsConv: KernelConfig<'conv'> = {
  kernelName: 'conv',
  backendName: 'threads',
  supports: () => true,
  run: (r, b) => runConv(r, b),
};

/** The `threads` sum/average pooling (both dtypes): window sums as a threaded product with ones. */
export const threadsPool: KernelConfig<'pool'> = {
  kernelName: 'pool',
  backendName: 'threads',
  supports: () => true,
  run: (r, b) => runPool(r, b),
};
