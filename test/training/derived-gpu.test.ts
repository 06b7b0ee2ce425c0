/**
 * The derived layer (src/training/derived.ts) on the `gpu` backend, in gpu.js's `cpu` mode (Node has
 * no GL context here; the WebGL2 run is test/browser/gpuTraining.browser.test.ts): its forward pass
 * (with tape) and its derived backward pass run the gpu `updateRun` kernel.
 *
 * - Forward: the built-in models' updates run as marked, so outputs and final state equal the `js`
 *   float32 run bit for bit (spikes identical); a `defineModel` update without `R(…)` markers runs
 *   with every operation in float32 on gpu (on `js`, float64 within a step): within 1e-6.
 * - Backward: float32 on gpu (gpu.js computes in single precision), float64 on `js`: not the same
 *   operations, so a tolerance — every gradient within 2e-4 of the largest magnitude of its kind
 *   (measured ≤ 8e-5, most ≤ 1e-5, for these 30-step runs; float32's 2⁻²⁴ ≈ 6e-8 per operation, accumulated over
 *   30 reversed steps of a few hundred operations, plus parameter gradients summed per neuron over
 *   the steps in float32). That the kernel itself computes exactly the float32 steps is
 *   test/backends/gpuUpdateRun.test.ts (bit for bit).
 * - All 19 built-in models with every parameter's gradient (20 steps): forward bit for bit, ∂input
 *   within 2e-4, scalar parameter gradients (sums that cancel) within 2e-3 (measured ≤ 8.3e-4).
 * - Against Norse's autograd (test/fixtures/norse-grad, float64): LIF (5 surrogates × 3 inputs),
 *   LI and LIFBox on gpu with float32 inputs: spikes identical, ∂input within 5e-5 of its largest
 *   magnitude, parameter gradients within 2e-4 relative — the same order as the `js` backend's with
 *   a float32 forward pass (the float32 tape dominates; asserted: gpu's error ≤ 2 × js's + 5e-6).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import '../../src/ops/backends/gpuBackend.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import { adam } from '../../src/training/optimizers.js';
import { forwardBackward } from '../../src/training/train.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';
import { relWorst } from '../expect.js';
import { camel, fromNorse, seq } from '../golden.js';
import { builtinDerivedCases, type DerivedCase, pass, seededRandom, smoothLeaky, weights } from './fixtures.js';

const gpu = createGpuBackend({ mode: 'cpu' });

const N = 23;
const cases = (): DerivedCase[] => {
  const r = seededRandom(3);
  const out: DerivedCase[] = builtinDerivedCases(N, r, ['subtract']);
  out.push({
    label: 'defineModel SmoothLeaky, train tauInv, gain',
    model: smoothLeaky('derivedGpuSmooth') as unknown as NeuronModel,
    params: {},
    nIn: N,
    gain: 3,
    options: { train: ['tauInv', 'gain'], features: N },
  });
  return out;
};

const T = 30;
const B = 2;

const TOL = 2e-4;

describe('derived layer on gpu (gpu.js cpu mode) against js: forward bit for bit, float32 backward within 2e-4', () => {
  for (const c of cases()) {
    it(c.label, () => {
      const r = seededRandom(c.label.length * 7 + 3);
      const xs = fromTypedArray(
        Float32Array.from({ length: T * B * c.nIn }, () => r() * c.gain * 0.1),
        [T, B, c.nIn],
      );
      const opts = { paramGrads: true, adjoint: 'derived', ...c.options } as const;
      const js = trainable(c.model, c.params as never, 0.001, { ...opts, backend: 'js' });
      const g = trainable(c.model, c.params as never, 0.001, { ...opts, backend: gpu });
      const M = js.outFeatures(c.nIn);
      const gOut = Float64Array.from({ length: T * B * M }, () => r() - 0.3);
      const a = pass(js, xs, gOut);
      const b = pass(g, xs, gOut);
      if (c.options?.train === undefined || c.model === lif) {
        expect(Array.from(b.f.out.data), 'out').toEqual(Array.from(a.f.out.data));
        for (const k of Object.keys(a.f.state))
          expect(Array.from(b.f.state[k] ?? []), `state.${k}`).toEqual(Array.from(a.f.state[k] ?? []));
      } else {
        // an update without rounding markers: every operation float32 on gpu, float64 between steps on js
        expect(relWorst(b.f.out.data, a.f.out.data), 'out').toBeLessThanOrEqual(1e-6);
        expect(relWorst(b.f.out.data, a.f.out.data), 'out').toBeGreaterThan(0);
      }
      if (c.model === lif || c.model === lsnn || c.model === lifBox)
        expect(Array.from(a.f.out.data).filter((z) => z === 1).length, 'spikes').toBeGreaterThan(5);
      expect(relWorst(b.b.gx, a.b.gx), 'gx').toBeLessThanOrEqual(TOL);
      for (const k of Object.keys(a.b.gState)) expect(relWorst(b.b.gState[k], a.b.gState[k]), `gState.${k}`).toBeLessThanOrEqual(TOL);
      for (const k of Object.keys(js.grads)) expect(relWorst(g.grads[k], js.grads[k]), `grads.${k}`).toBeLessThanOrEqual(TOL);
      // not the float64 figures: the backward really ran in float32 on gpu
      expect(relWorst(b.b.gx, a.b.gx)).toBeGreaterThan(0);
    });
  }
});

describe('every built-in model: derived layer on gpu (gpu.js cpu mode) against js', () => {
  it('19 models, every parameter gradient: forward bit for bit, ∂input within 2e-4, parameter gradients within 2e-3', () => {
    const r = seededRandom(17);
    const win = weights(r, 40, 3, 3);
    const wrec = weights(r, 40, 40, 0.3);
    expect(Object.keys(models).length).toBe(19);
    for (const [name, m] of Object.entries(models)) {
      const p = m.recurrent ? { inputWeights: win, recurrentWeights: wrec } : {};
      const F = m.recurrent ? 3 : 40;
      const gain = name.startsWith('Izhikevich') ? 20 : name === 'CobaLIF' ? 5 : 3;
      const xs = fromTypedArray(
        Float32Array.from({ length: 20 * 2 * F }, (_, k) => gain * (((k * 37) % 11) / 10)),
        [20, 2, F],
      );
      const js = trainable(m, p as never, 0.001, { adjoint: 'derived', paramGrads: true, backend: 'js' });
      const g = trainable(m, p as never, 0.001, { adjoint: 'derived', paramGrads: true, backend: gpu });
      const gOut = Float64Array.from({ length: 20 * 2 * 40 }, (_, k) => Math.sin(k));
      const a = pass(js, xs, gOut);
      const b = pass(g, xs, gOut);
      expect(Array.from(b.f.out.data), `${name} out`).toEqual(Array.from(a.f.out.data));
      expect(relWorst(b.b.gx, a.b.gx), `${name} gx`).toBeLessThanOrEqual(2e-4);
      for (const k of Object.keys(js.grads)) {
        // a scalar parameter's gradient is a sum over neurons, steps and the batch that cancels:
        // its float32 error relative to the sum is larger (measured up to 8.3e-4, LIFAdExRecurrent vTh)
        expect(relWorst(g.grads[k], js.grads[k]), `${name} grads.${k}`).toBeLessThanOrEqual(2e-3);
      }
    }
  });
});

describe('training LIF → Linear → LI with derived layers on gpu', () => {
  it('8 Adam steps: the loss falls, and follows the js run within 1e-3', () => {
    const T2 = 25;
    const B2 = 4;
    const F2 = 12;
    const r = seededRandom(21);
    // two classes: input drive on the first or the second half of the features
    const targets = [0, 1, 0, 1];
    const xs = fromTypedArray(
      Float32Array.from({ length: T2 * B2 * F2 }, (_, k) => {
        const b = Math.floor(k / F2) % B2;
        const f = k % F2;
        return f < F2 / 2 === (targets[b] === 0) ? 4 * r() : 0.5 * r();
      }),
      [T2, B2, F2],
    );
    const net = (backend: 'js' | typeof gpu) =>
      trainableSequential(
        trainable(lif, {}, 0.001, { adjoint: 'derived', backend }),
        trainableLinear([F2, 2], { seed: 3 }),
        trainable(li, {}, 0.001, { adjoint: 'derived', backend }),
      );
    const losses = (backend: 'js' | typeof gpu): number[] => {
      const n = net(backend);
      const opt = adam(n, { lr: 0.05 });
      const out: number[] = [];
      for (let s = 0; s < 8; s++) {
        n.zeroGrad();
        out.push(forwardBackward(n, xs, targets).loss.loss);
        opt.step();
      }
      return out;
    };
    const before = gpu.transfers().uploadedFloats;
    const onGpu = losses(gpu);
    expect(gpu.transfers().uploadedFloats).toBeGreaterThan(before); // the neuron layers ran on gpu
    const onJs = losses('js');
    expect(onGpu[7] as number).toBeLessThan((onGpu[0] as number) * 0.9);
    onGpu.forEach((l, s) => {
      expect(Math.abs(l - (onJs[s] as number)) / (onJs[s] as number), `step ${s}`).toBeLessThanOrEqual(1e-3);
    });
  });
});

describe('derived layer on gpu: what cannot run there', () => {
  it('float64 input: a SpikeflowError naming the backend, the model and why (gpu.js is single precision)', () => {
    const layer = trainable(lif, {}, 0.001, { adjoint: 'derived', backend: 'gpu' });
    const xs = fromTypedArray(new Float64Array(4 * 3), [4, 1, 3]);
    expect(() => layer.forward(xs)).toThrow(SpikeflowError);
    expect(() => layer.forward(xs)).toThrow(
      'trainable: backend "gpu" cannot run this updateRun: lif: float64 is not supported (gpu.js computes in single precision; run float32, or use the js or threads backend)',
    );
    // float32 input runs on the registry's gpu backend (gpu.js cpu mode here)
    const r = layer.forward(fromTypedArray(new Float32Array(4 * 3).fill(0.5), [4, 1, 3]));
    expect(r.out.data).toBeInstanceOf(Float32Array);
  });
});

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'norse-grad');
// biome-ignore lint/suspicious/noExplicitAny: JSON fixtures
const load = (f: string): any => JSON.parse(readFileSync(join(dir, f), 'utf8'));

describe("derived gradients on gpu against Norse's autograd (float32 tolerance)", () => {
  for (const f of readdirSync(dir).filter((x) => /^grad_(LIF|LI|LIFBox)_/.test(x))) {
    it(f, () => {
      const d = load(f);
      const model = { 'grad:LIF': lif, 'grad:LI': li, 'grad:LIFBox': lifBox }[d.model as string] as typeof lif;
      const s = d.model === 'grad:LIFBox' ? 4 : 1;
      const xs = seq(
        (d.input as number[][]).map((row) => row.map((x) => x * s)),
        'float32',
      );
      const run = (backend: 'js' | typeof gpu) => {
        const layer = trainable(model, fromNorse(d.params) as never, d.dt, { paramGrads: true, adjoint: 'derived', backend });
        const fw = layer.forward(xs);
        const bw = layer.backward(fw.tape, new Float64Array(fw.out.data.length).fill(1));
        return { layer, out: fw.out.data, gx: Array.from(bw.gx as Float64Array, (g) => g * s) };
      };
      const onGpu = run(gpu);
      const onJs = run('js');
      const key = d.model === 'grad:LI' ? 'out' : 'z';
      if (key === 'z') expect(Array.from(onGpu.out), 'spikes').toEqual(d.outputs.z.flat());
      else expect(relWorst(onGpu.out, d.outputs.out.flat()), 'voltage').toBeLessThanOrEqual(1e-5);
      const e = d.outputs.grad_input.flat() as number[];
      const gxErr = relWorst(onGpu.gx, e);
      expect(gxErr, 'grad_input').toBeLessThanOrEqual(5e-5);
      expect(gxErr, 'grad_input vs js float32 forward').toBeLessThanOrEqual(2 * relWorst(onJs.gx, e) + 5e-6);
      for (const [k, v] of Object.entries(d.outputs.grad_params as Record<string, number>)) {
        const got = (onGpu.layer.grads[camel(k)] as Float64Array)[0] as number;
        const js = (onJs.layer.grads[camel(k)] as Float64Array)[0] as number;
        const err = Math.abs(got - v) / Math.abs(v);
        expect(err, `grad ${k}`).toBeLessThanOrEqual(2e-4);
        expect(err, `grad ${k} vs js float32 forward`).toBeLessThanOrEqual(2 * (Math.abs(js - v) / Math.abs(v)) + 5e-6);
      }
    });
  }
});
