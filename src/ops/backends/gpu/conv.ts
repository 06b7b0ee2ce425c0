/**
 * The gpu.js convolution and pooling kernels: one thread per output element, looping over the
 * input channels of its group and the kernel window in the `js` loop's order (float32 rounding
 * markers kept in gpu.js's `cpu` mode, so that mode gives the `js` kernel's bits; on GL the GPU
 * rounds every operation to float32 itself). Zero inputs and padding taps are not skipped: a zero
 * adds `±0`, which changes no sum. The result is read back to the host.
 * @module
 */
import { fromTypedArray } from '../../tensor.js';
import type { Backend, KernelConfig } from '../backendRegistry.js';
import type { ConvRequest, MapResult, PoolRequest } from '../convRequest.js';
import { deviceGroupOf } from '../device.js';
import { executed, floatsOf, held, isCpuMode, otherKernel, release, stateOf } from './state.js';

/** Emits `q = floor(value / d)`, `r = value − q·d` exactly also where GL divides in float32. */
const divmod = (q: string, r: string, value: string, d: string): string => `
  let ${q} = Math.floor(${value} / ${d});
  let ${r} = ${value} - ${q} * ${d};
  if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${d}; }
  if (${r} > ${d} - 0.5) { ${q} = ${q} + 1; ${r} = ${r} - ${d}; }`;

/** Source of the convolution kernel (one thread per output `[n, o, i, j]`). */
export const convSource = (cpu: boolean): string => {
  const f = (e: string): string => (cpu ? `Math.fround(${e})` : `(${e})`);
  return `function (sfX, sfWt, sfB, sfC, sfH, sfW, sfCo, sfHo, sfWo, sfCig, sfCog, sfKh, sfKw, sfSh, sfSw, sfPh, sfPw, sfDh, sfDw) {
  const sfQ = this.thread.x;
  ${divmod('sfT1', 'sfJ', 'sfQ', 'sfWo')}
  ${divmod('sfT2', 'sfI', 'sfT1', 'sfHo')}
  ${divmod('sfN', 'sfO', 'sfT2', 'sfCo')}
  ${divmod('sfG', 'sfOg', 'sfO', 'sfCog')}
  const sfC0 = sfG * sfCig;
  let sfAcc = 0;
  for (let c = 0; c < sfCig; c++) {
    for (let a = 0; a < sfKh; a++) {
      const sfY = sfI * sfSh - sfPh + a * sfDh;
      for (let b = 0; b < sfKw; b++) {
        const sfXx = sfJ * sfSw - sfPw + b * sfDw;
        if (sfY >= 0 && sfY < sfH && sfXx >= 0 && sfXx < sfW) {
          sfAcc = ${f(`sfAcc + ${f('sfX[((sfN * sfC + sfC0 + c) * sfH + sfY) * sfW + sfXx] * sfWt[((sfO * sfCig + c) * sfKh + a) * sfKw + b]')}`)};
        }
      }
    }
  }
  return ${f('sfAcc + sfB[sfO]')};
}`;
};

/** Source of the pooling kernel (one thread per output `[plane, i, j]`; `sfAvg` 1 divides by the window). */
export const poolSource = (cpu: boolean): string => {
  const f = (e: string): string => (cpu ? `Math.fround(${e})` : `(${e})`);
  return `function (sfX, sfH, sfW, sfHo, sfWo, sfKh, sfKw, sfSh, sfSw, sfPh, sfPw, sfAvg) {
  const sfQ = this.thread.x;
  ${divmod('sfT1', 'sfJ', 'sfQ', 'sfWo')}
  ${divmod('sfP', 'sfI', 'sfT1', 'sfHo')}
  let sfAcc = 0;
  for (let a = 0; a < sfKh; a++) {
    const sfY = sfI * sfSh - sfPh + a;
    for (let b = 0; b < sfKw; b++) {
      const sfXx = sfJ * sfSw - sfPw + b;
      if (sfY >= 0 && sfY < sfH && sfXx >= 0 && sfXx < sfW) {
        sfAcc = ${f('sfAcc + sfX[(sfP * sfH + sfY) * sfW + sfXx]')};
      }
    }
  }
  if (sfAvg > 0.5) { return ${f('sfAcc / (sfKh * sfKw)')}; }
  return sfAcc;
}`;
};

const LIMIT = 2 ** 24;

const unsupported = (r: { x: { data: unknown } }, sizes: readonly number[]): true | string => {
  if (!(r.x.data instanceof Float32Array) && deviceGroupOf(r.x as never) === undefined)
    return 'float64 is not supported (gpu.js computes in single precision; use float32 or the js backend)';
  if (sizes.some((s) => s >= LIMIT)) return 'the maps are too large for exact float32 indexing (2²⁴ elements)';
  return true;
};

const runConv = (backend: Backend, r: ConvRequest): MapResult => {
  const st = stateOf(backend);
  const g = r.geometry;
  const n = g.N * g.cOut * g.Ho * g.Wo;
  const cInG = g.C / g.groups;
  const key = `conv|${n}|${cInG}|${g.kH}|${g.kW}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(convSource(isCpuMode(st)), {
      output: [n],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: Math.max(1, cInG, g.kH, g.kW),
      argumentTypes: {
        sfX: 'Array',
        sfWt: 'Array',
        sfB: 'Array',
        ...Object.fromEntries(
          [
            'sfC',
            'sfH',
            'sfW',
            'sfCo',
            'sfHo',
            'sfWo',
            'sfCig',
            'sfCog',
            'sfKh',
            'sfKw',
            'sfSh',
            'sfSw',
            'sfPh',
            'sfPw',
            'sfDh',
            'sfDw',
          ].map((a) => [a, 'Integer']),
        ),
      },
    }),
  );
  const bias = r.bias === undefined ? new Float32Array(g.cOut) : Float32Array.from(r.bias.data);
  st.uploaded += r.x.data.length + r.weight.data.length + g.cOut;
  const y = held(
    st,
    k(
      Float32Array.from(r.x.data),
      Float32Array.from(r.weight.data),
      bias,
      g.C,
      g.H,
      g.W,
      g.cOut,
      g.Ho,
      g.Wo,
      cInG,
      g.cOut / g.groups,
      g.kH,
      g.kW,
      g.sH,
      g.sW,
      g.pH,
      g.pW,
      g.dH,
      g.dW,
    ),
  );
  const out = floatsOf(st, y, n);
  release(st, y);
  return { out: fromTypedArray(out, r.outShape), executed: executed(st, k) };
};

const runPool = (backend: Backend, r: PoolRequest): MapResult => {
  const st = stateOf(backend);
  const g = r.geometry;
  const n = g.planes * g.Ho * g.Wo;
  const key = `pool|${n}|${g.kH}|${g.kW}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(poolSource(isCpuMode(st)), {
      output: [n],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: Math.max(1, g.kH, g.kW),
      argumentTypes: {
        sfX: 'Array',
        ...Object.fromEntries(
          ['sfH', 'sfW', 'sfHo', 'sfWo', 'sfKh', 'sfKw', 'sfSh', 'sfSw', 'sfPh', 'sfPw', 'sfAvg'].map((a) => [a, 'Integer']),
        ),
      },
    }),
  );
  st.uploaded += r.x.data.length;
  const y = held(st, k(Float32Array.from(r.x.data), g.H, g.W, g.Ho, g.Wo, g.kH, g.kW, g.sH, g.sW, g.pH, g.pW, r.average ? 1 : 0));
  const out = floatsOf(st, y, n);
  release(st, y);
  return { out: fromTypedArray(out, r.outShape), executed: executed(st, k) };
};

/** The gpu.js convolution (float32). */
export const gpuConv: KernelConfig<'conv'> = {
  kernelName: 'conv',
  backendName: 'gpu',
  supports: (r) => {
    const g = r.geometry;
    return unsupported(r, [g.N * g.C * g.H * g.W, g.N * g.cOut * g.Ho * g.Wo, r.weight.data.length]);
  },
  run: (r, b) => runConv(b, r),
};

/** The gpu.js sum/average pooling (float32). */
export const gpuPool: KernelConfig<'pool'> = {
  kernelName: 'pool',
  backendName: 'gpu',
  supports: (r) => unsupported(r, [r.geometry.planes * r.geometry.H * r.geometry.W]),
  run: (r, b) => runPool(b, r),
};
