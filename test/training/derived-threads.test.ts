/**
 * The derived layer (src/training/derived.ts) on the `threads` backend: its forward pass (with
 * tape) and its derived backward pass run the updates' WebAssembly SIMD translation, split over
 * two threads by neurons (small thresholds, so that small layers split, with ranges that end
 * inside a SIMD vector), and equal the `js` lowering bit for bit — outputs, final state, ∂input,
 * ∂(initial state) and every parameter / weight gradient — in float32 and float64 runs.
 * `engine: 'wasm'` makes a run fail if an update (forward or reverse) did not translate.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { defineModel, surrogateParams } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { type DType, fromTypedArray } from '../../src/ops/tensor.js';
import { trainable } from '../../src/training/neurons.js';
import { builtinDerivedCases, type DerivedCase, pass, seededRandom, weights } from './fixtures.js';

afterAll(async () => {
  await terminateThreads();
});

const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16, engine: 'wasm' });

/** A spiking custom neuron with an exponential leak, its threshold and reset written as an `if`. */
const expLeaky = defineModel({
  name: 'ExpLeaky',
  id: 'expLeaky',
  parameters: {
    tauInv: { kind: 'number', default: 80, range: 'positive' },
    vTh: { kind: 'number', default: 0.6, range: 'finite' },
    ...surrogateParams,
  },
  update: {
    name: 'exp_leaky',
    inputs: ['x'],
    state: ['v'],
    params: ['tauInv', 'vTh'],
    output: 'z',
    body: 'v = R(R(v * R(Math.exp(R(-dt * tauInv)))) + x);\nlet z = 0;\nif (v > vTh) {\n  z = 1;\n  v = R(v - vTh);\n}',
  },
  state: ['v'],
  initialState: () => ({ v: 0 }),
  outputName: 'z',
});

const N = 37;
const cases = (): DerivedCase[] => {
  const r = seededRandom(3);
  const out: DerivedCase[] = builtinDerivedCases(N, r, ['subtract', 'none']);
  out.push({ label: 'defineModel ExpLeaky (heavi_erfc)', model: expLeaky, params: { method: 'heavi_erfc', alpha: 20 }, nIn: N, gain: 3 });
  return out;
};

const T = 30;
const B = 3;

/** Elements whose bits differ (Object.is: −0 ≠ +0, NaN = NaN). */
const differing = (a: ArrayLike<number> | undefined, e: ArrayLike<number> | undefined): number => {
  expect(a?.length).toBe(e?.length);
  let n = 0;
  for (let k = 0; k < (e?.length ?? 0); k++) if (!Object.is(a?.[k], e?.[k])) n++;
  return n;
};

describe('derived layer: threads (wasm SIMD, 2 threads) = js, bit for bit', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    for (const c of cases()) {
      it(`${c.label} (${dtype})`, () => {
        const r = seededRandom(c.label.length * 7 + 3);
        const data = Float64Array.from({ length: T * B * c.nIn }, () => r() * c.gain * 0.1);
        const xs = fromTypedArray(dtype === 'float64' ? data : Float32Array.from(data), [T, B, c.nIn]);
        const opts = { paramGrads: true, adjoint: 'derived', ...c.options } as const;
        const js = trainable(c.model, c.params as never, 0.001, { ...opts, backend: 'js' });
        const th = trainable(c.model, c.params as never, 0.001, { ...opts, backend: threads });
        const M = js.outFeatures(c.nIn);
        const gOut = Float64Array.from({ length: T * B * M }, () => r() - 0.3);
        const a = pass(js, xs, gOut);
        const b = pass(th, xs, gOut);
        expect(b.f.out.data.constructor).toBe(a.f.out.data.constructor);
        expect(differing(b.f.out.data, a.f.out.data), 'out').toBe(0);
        if (c.model !== li) expect(Array.from(a.f.out.data).filter((z) => z === 1).length, 'spikes').toBeGreaterThan(10);
        for (const k of Object.keys(a.f.state)) expect(differing(b.f.state[k], a.f.state[k]), `state.${k}`).toBe(0);
        expect(differing(b.b.gx, a.b.gx), 'gx').toBe(0);
        for (const k of Object.keys(a.b.gState)) expect(differing(b.b.gState[k], a.b.gState[k]), `gState.${k}`).toBe(0);
        const names = Object.keys(js.grads);
        for (const k of names) expect(differing(th.grads[k], js.grads[k]), `grads.${k}`).toBe(0);
        // every gradient is nonzero but vReset's where the reset does not read it
        const zero = names.filter((k) => !Array.from(js.grads[k] as Float64Array).some((g) => g !== 0));
        expect(zero).toEqual(c.params.resetMethod === undefined ? [] : ['vReset']);
      });
    }
  }
});

describe('every built-in model: derived layer on threads = js, bit for bit', () => {
  it('19 models (float64; float32 runs above): outputs, state, ∂input, ∂state, parameter gradients', () => {
    const auto = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16 });
    const r = seededRandom(17);
    const win = weights(r, 40, 3, 3);
    const wrec = weights(r, 40, 40, 0.3);
    expect(Object.keys(models).length).toBe(19);
    for (const [name, m] of Object.entries(models)) {
      for (const dtype of ['float64'] as DType[]) {
        const p = m.recurrent ? { inputWeights: win, recurrentWeights: wrec } : {};
        const F = m.recurrent ? 3 : 40;
        const gain = name.startsWith('Izhikevich') ? 20 : name === 'CobaLIF' ? 5 : 3;
        const data = Float64Array.from({ length: 20 * 2 * F }, (_, k) => gain * (((k * 37) % 11) / 10));
        const xs = fromTypedArray(dtype === 'float64' ? data : Float32Array.from(data), [20, 2, F]);
        const js = trainable(m, p as never, 0.001, { adjoint: 'derived', paramGrads: true, backend: 'js' });
        const th = trainable(m, p as never, 0.001, { adjoint: 'derived', paramGrads: true, backend: auto });
        const g = Float64Array.from({ length: 20 * 2 * 40 }, (_, k) => Math.sin(k));
        const a = pass(js, xs, g);
        const b = pass(th, xs, g);
        const what = `${name} ${dtype}`;
        expect(differing(b.f.out.data, a.f.out.data), `${what} out`).toBe(0);
        for (const k of Object.keys(a.f.state)) expect(differing(b.f.state[k], a.f.state[k]), `${what} state.${k}`).toBe(0);
        expect(differing(b.b.gx, a.b.gx), `${what} gx`).toBe(0);
        for (const k of Object.keys(a.b.gState)) expect(differing(b.b.gState[k], a.b.gState[k]), `${what} gState.${k}`).toBe(0);
        for (const k of Object.keys(js.grads)) expect(differing(th.grads[k], js.grads[k]), `${what} grads.${k}`).toBe(0);
      }
    }
  });
});
