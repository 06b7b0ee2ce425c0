/**
 * Per-neuron parameters (issue 13): any numeric parameter may be a tensor that broadcasts against
 * the state shape, on every backend. Golden: Norse's `*_per_neuron_*` traces (LIF, LI, LSNN with a
 * different value of every parameter per neuron), float64 bit for bit on `js` and `threads`
 * (wasm SIMD); float32 gpu.js (cpu mode) and threads equal the `js` float32 run bit for bit.
 * Properties: scalars and all-equal tensors give the same bits; `[N]`, `[1, N]` and `[B, N]`
 * broadcast as NumPy does. Errors name the parameter, the expected and the received shape.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { izhikevich } from '../../src/neurons/izhikevich.js';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { lifAdEx } from '../../src/neurons/lifAdEx.js';
import { lsnn } from '../../src/neurons/lsnn.js';
// Registers the gpu backend's kernels, as `import 'spikeflow/gpu'` does.
import '../../src/gpu.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { type DType, fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { expectSpikeflowError } from '../expect.js';
import { camel, fixtureDir, fromNorse, loadTrace, maxAbsError, seq } from '../golden.js';

const family: Record<string, NeuronModel> = {
  LIF: lif as unknown as NeuronModel,
  LI: li as unknown as NeuronModel,
  LSNN: lsnn as unknown as NeuronModel,
};
const files = readdirSync(fixtureDir).filter((f) => f.includes('_per_neuron_') && family[loadTrace(f).model] !== undefined);

const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
const gpuCpu = createGpuBackend({ mode: 'cpu' });

const run = (model: NeuronModel, p: Record<string, unknown>, xs: Tensor, backend: unknown = 'js') =>
  model.run(p as never, 0.001, { record: true, backend: backend as never })(xs);

describe("Norse's per-neuron traces", () => {
  it('covers LIF, LI and LSNN with three inputs each, every parameter per neuron', () => {
    expect(files.length).toBe(9);
    for (const f of files) expect(Array.isArray(loadTrace(f).params.tau_mem_inv)).toBe(true);
  });

  for (const file of files) {
    const tr = loadTrace(file);
    const model = family[tr.model] as NeuronModel;
    const p = fromNorse(tr.params);
    for (const [label, backend] of [
      ['js', 'js'],
      ['threads (wasm simd, 2 threads)', threads],
    ] as const) {
      it(`${file}: ${label}, float64, bit for bit`, () => {
        const [outs, , rec] = run(model, p, seq(tr.input, 'float64'), backend);
        if (label !== 'js') expect(executionOf(outs)?.note).toMatch(/wasm simd/);
        for (const key of Object.keys(tr.outputs)) {
          const got = key === 'z' || key === 'out' ? outs : ((rec as Record<string, Tensor>)[camel(key)] as Tensor);
          expect(maxAbsError(got, tr.outputs[key] as number[][]), key).toBe(0);
        }
      });
    }
    it(`${file}: float32 on threads and gpu.js (cpu mode) equals the js float32 run bit for bit`, () => {
      const xs = seq(tr.input, 'float32');
      const [a, , ra] = run(model, p, xs, 'js');
      for (const backend of [threads, gpuCpu]) {
        const [b, , rb] = run(model, p, xs, backend);
        expect(executionOf(b)?.backend).toBe(backend.name);
        expect(Array.from(b.data)).toEqual(Array.from(a.data));
        for (const name of model.stateNames) {
          expect(Array.from(((rb as Record<string, Tensor>)[name] as Tensor).data), name).toEqual(
            Array.from(((ra as Record<string, Tensor>)[name] as Tensor).data),
          );
        }
      }
    });
  }
});

describe('broadcasting and scalars', () => {
  const B = 2;
  const N = 5;
  const T = 40;
  const input = (dtype: DType) =>
    fromTypedArray(
      tensor(
        Array.from({ length: T * B * N }, (_, k) => 0.05 + ((k * 7) % 11) / 20),
        dtype,
      ).data,
      [T, B, N],
    );

  it('a tensor whose elements are all equal gives the bits of the scalar (every backend, both dtypes)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 2, noNaN: true }), fc.double({ min: 20, max: 300, noNaN: true }), (vTh, tauMemInv) => {
        for (const dtype of ['float32', 'float64'] as const) {
          for (const backend of dtype === 'float32' ? ['js', threads, gpuCpu] : ['js', threads]) {
            const xs = input(dtype);
            const [a, sa] = run(lif as unknown as NeuronModel, { vTh, tauMemInv }, xs, backend);
            const [b, sb] = run(
              lif as unknown as NeuronModel,
              { vTh: Array(N).fill(vTh), tauMemInv: tensor([Array(N).fill(tauMemInv)], 'float64') },
              xs,
              backend,
            );
            expect(Array.from(b.data)).toEqual(Array.from(a.data));
            expect(Array.from((sb.v as Tensor).data)).toEqual(Array.from((sa.v as Tensor).data));
          }
        }
      }),
      { numRuns: 8 },
    );
  });

  it('[N], [1, N] and [B, N] broadcast as in NumPy: each neuron runs with its own values', () => {
    const vTh = [0.5, 0.75, 1, 1.25, 1.5];
    const vLeak = [0, 0.1, 0, -0.1, 0.2];
    const xs = input('float64');
    const [a] = run(lif as unknown as NeuronModel, { vTh, vLeak: [vLeak] }, xs);
    const [b] = run(lif as unknown as NeuronModel, { vTh: [vTh], vLeak: [vLeak, vLeak] }, xs);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    // Each neuron equals a scalar run of that neuron alone.
    const at = (t: number, r: number, n: number) => t * B * N + r * N + n;
    for (let n = 0; n < N; n++) {
      const one = fromTypedArray(
        Float64Array.from({ length: T * B }, (_, k) => xs.data[at(Math.floor(k / B), k % B, n)] as number),
        [T, B, 1],
      );
      const [c] = run(lif as unknown as NeuronModel, { vTh: vTh[n], vLeak: vLeak[n] }, one);
      for (let k = 0; k < T * B; k++) expect(a.data[at(Math.floor(k / B), k % B, n)]).toBe(c.data[k]);
    }
    // Rows of a [B, N] parameter apply to batch rows.
    const [d] = run(li as unknown as NeuronModel, { tauMemInv: [Array(N).fill(50), Array(N).fill(150)] }, xs);
    const [e0] = run(li as unknown as NeuronModel, { tauMemInv: 50 }, xs);
    const [e1] = run(li as unknown as NeuronModel, { tauMemInv: 150 }, xs);
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        expect(d.data[at(t, 0, n)]).toBe(e0.data[at(t, 0, n)]);
        expect(d.data[at(t, 1, n)]).toBe(e1.data[at(t, 1, n)]);
      }
    }
  });

  it('the initial state follows per-neuron parameters (v = v_leak per neuron, LSNN b = v_th)', () => {
    const s = lsnn.initialState([2, 3], { vLeak: [0, 0.5, -0.5], vTh: [[1], [2]] }, 'float64');
    expect(Array.from(s.v.data)).toEqual([0, 0.5, -0.5, 0, 0.5, -0.5]);
    expect(Array.from(s.b.data)).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('derived values are computed per neuron (Izhikevich behaviour overrides, LIFAdEx exp terms)', () => {
    const T2 = 60;
    const xs = fromTypedArray(
      Float64Array.from({ length: T2 * 3 }, () => 10),
      [T2, 1, 3],
    );
    const [a] = run(izhikevich as unknown as NeuronModel, { behavior: 'tonic_spiking', d: [2, 6, 8] }, xs);
    for (const [n, d] of [2, 6, 8].entries()) {
      const one = fromTypedArray(
        Float64Array.from({ length: T2 }, () => 10),
        [T2, 1, 1],
      );
      const [b] = run(izhikevich as unknown as NeuronModel, { behavior: 'tonic_spiking', d }, one);
      expect(Array.from({ length: T2 }, (_, t) => a.data[t * 3 + n])).toEqual(Array.from(b.data));
    }
    const small = fromTypedArray(
      Float64Array.from({ length: T2 * 3 }, () => 0.2),
      [T2, 1, 3],
    );
    const [, , rc] = run(lifAdEx as unknown as NeuronModel, { deltaT: [0.25, 0.5, 1] }, small);
    const [, , r1] = run(lifAdEx as unknown as NeuronModel, { deltaT: 0.5 }, small);
    expect(((rc as Record<string, Tensor>).v as Tensor).data[30 * 3 + 1]).toBe(
      ((r1 as Record<string, Tensor>).v as Tensor).data[30 * 3 + 1],
    );
    expect(((rc as Record<string, Tensor>).v as Tensor).data[30 * 3]).not.toBe(((r1 as Record<string, Tensor>).v as Tensor).data[30 * 3]);
  });
});

describe('errors', () => {
  const xs = fromTypedArray(new Float32Array(10 * 2 * 4), [10, 2, 4]);
  it('names the parameter, its shape and the state shape when it does not broadcast', () => {
    expectSpikeflowError(
      () => lif.run({ vTh: [1, 2, 3] })(xs),
      'lif.run: parameter vTh has shape [3], which does not broadcast to the state shape [2, 4]',
      'vTh',
    );
    expectSpikeflowError(
      () =>
        lif.run({
          vTh: [
            [1, 2, 3, 4],
            [1, 2, 3, 4],
            [1, 2, 3, 4],
          ],
        })(xs),
      'vTh has shape [3, 4]',
      'vTh',
    );
    expectSpikeflowError(() => lif.initialState([2, 4], { vLeak: [1, 2] }), 'parameter vLeak has shape [2]', 'vLeak');
  });

  it('rejects per-neuron parameters that do not broadcast together', () => {
    expectSpikeflowError(
      () => lif.parameters({ vTh: [1, 2, 3], vLeak: [0, 0] }),
      'lif.parameters: vTh has shape [3], which does not broadcast with vLeak [2] (dimension -1 is 3, not 2 or 1)',
      'vTh',
    );
  });

  it('checks every element: finite and in range, naming the element', () => {
    expectSpikeflowError(() => lif.parameters({ tauMemInv: [100, 0, 50] }), 'tauMemInv[1] must be > 0, received 0', 'tauMemInv');
    expectSpikeflowError(() => lif.parameters({ vTh: [[1, Number.NaN]] }), 'vTh[0, 1] must be a finite number, received NaN', 'vTh');
    expectSpikeflowError(
      () => lif.parameters({ vTh: [[1, 2], [3]] as never }),
      'vTh must be a number, a tensor or nested arrays of numbers',
      'vTh',
    );
  });

  it('keeps a 0-d tensor a scalar', () => {
    expect(lif.parameters({ vTh: { shape: [], data: new Float64Array([0.5]) } }).vTh).toBe(0.5);
  });
});
