/**
 * The options beyond Norse on every backend available in Node: the `threads` backend
 * (WebAssembly SIMD translation of the same update) equals the `js` backend bit for bit, and
 * gpu.js in `cpu` mode (the kernel gpu.js compiles to GLSL in browsers) gives the same spikes and
 * values within float32 precision.
 */
import { describe, expect, it } from 'vitest';
import '../../src/gpu.js';
import { izhikevich } from '../../src/neurons/izhikevich.js';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { lif } from '../../src/neurons/lif.js';
import { lifAdEx } from '../../src/neurons/lifAdEx.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lifRefrac } from '../../src/neurons/lifRefrac.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { type DType, fromTypedArray, type Tensor } from '../../src/ops/tensor.js';

const asModel = (m: unknown): NeuronModel => m as NeuronModel;
const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
const gpuCpu = createGpuBackend({ mode: 'cpu' });

const cases: [string, unknown, Record<string, unknown>][] = [
  ['LIF exact current', lif, { integration: 'exact', inputConvention: 'current', vTh: 0.5 }],
  ['LIF exact τ_mem = τ_syn', lif, { integration: 'exact', tauSynInv: 100, vTh: 0.5 }],
  ['LIF exact nearly equal', lif, { integration: 'exact', tauSynInv: 100.01, vTh: 0.5 }],
  ['LIF exponentialEuler current', lif, { integration: 'exponentialEuler', inputConvention: 'current', vTh: 0.5 }],
  ['LIF euler current', lif, { inputConvention: 'current', vTh: 0.5 }],
  ['LI exact', li, { integration: 'exact', inputConvention: 'current' }],
  ['LSNN exact current', lsnn, { integration: 'exact', inputConvention: 'current', vTh: 0.3 }],
  ['LSNN exponentialEuler current', lsnn, { integration: 'exponentialEuler', inputConvention: 'current', vTh: 0.3 }],
  ['LIFBox exact', lifBox, { integration: 'exact', vTh: 0.5 }],
  ['LIBox exact', liBox, { integration: 'exact' }],
  ['LIFAdEx current', lifAdEx, { inputConvention: 'current', integration: 'exponentialEuler' }],
  ['LIFRefrac tauRef', lifRefrac, { tauRef: 0.003, integration: 'exact', vTh: 0.3 }],
  ['Izhikevich figure1 order', izhikevich, { updateOrder: 'izhikevich', uLeak: 0, uOffset: -65, behavior: 'accomodation' }],
];

const input = (dtype: DType, T: number, M: number, scale: number) => {
  const d = dtype === 'float64' ? new Float64Array(T * M) : new Float32Array(T * M);
  for (let j = 0; j < d.length; j++) d[j] = scale * ((Math.abs(Math.sin(j * 12.9898) * 43758.5453) % 1.5) + 0.2);
  return fromTypedArray(d, [T, 2, M / 2]);
};

describe('options beyond Norse on every Node backend', () => {
  for (const [label, m, p] of cases) {
    it(`${label}: threads = js bit for bit; gpu.js (cpu mode) same spikes, values within 1e-4 relative`, () => {
      const model = asModel(m);
      const scale = model.name === 'Izhikevich' ? 10 : 1;
      for (const dtype of ['float64', 'float32'] as const) {
        const xs = input(dtype, 30, 64, scale);
        const [o1, s1] = model.run(p as never, 0.001, { backend: 'js' })(xs);
        const [o2, s2] = model.run(p as never, 0.001, { backend: threads })(xs);
        expect(executionOf(o2)?.backend).toBe('threads');
        expect(Array.from(o2.data)).toEqual(Array.from(o1.data));
        for (const k of model.stateNames) expect(Array.from((s2[k] as Tensor).data)).toEqual(Array.from((s1[k] as Tensor).data));
      }
      const xs = input('float32', 30, 64, scale);
      const [o1, s1] = model.run(p as never, 0.001, { backend: 'js' })(xs);
      const [o3, s3] = model.run(p as never, 0.001, { backend: gpuCpu })(xs);
      expect(executionOf(o3)?.backend).toBe('gpu');
      if (model.outputName === 'z') expect(Array.from(o3.data)).toEqual(Array.from(o1.data));
      for (const k of model.stateNames) {
        const a = (s1[k] as Tensor).data;
        const b = (s3[k] as Tensor).data;
        for (let j = 0; j < a.length; j++) {
          expect(Math.abs((a[j] as number) - (b[j] as number))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a[j] as number)));
        }
      }
    });
  }
});
