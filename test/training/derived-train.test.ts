/**
 * `options.train` with derived gradients (src/training/derivedParams.ts, derived.ts): named neuron
 * parameters become trainable tensors `[N]`, equal to the hand-written per-neuron layers for LIF
 * and LI (1e-12), available for every model the hand-written path refuses (LSNN, recurrent and
 * `defineModel` models; checked against finite differences), optimised in place (the next forward
 * pass reads the new values), and the same bits on the `threads` backend as on `js`. Also the
 * `updateRun` kernel's reversed runs over several tiles: threads = js.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import { getKernel } from '../../src/ops/backends/backendRegistry.js';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import { createThreadsBackend, threadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { allocateShared, type DType, fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { trainable } from '../../src/training/neurons.js';
import { adam } from '../../src/training/optimizers.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';
import { seededRandom, smoothLeaky } from './fixtures.js';

afterAll(async () => {
  await terminateThreads();
});

const rel = (a: ArrayLike<number>, e: ArrayLike<number>): number => {
  expect(a.length).toBe(e.length);
  let w = 0;
  let sc = 1;
  for (let k = 0; k < e.length; k++) {
    w = Math.max(w, Math.abs((a[k] as number) - (e[k] as number)));
    sc = Math.max(sc, Math.abs(e[k] as number));
  }
  return w / sc;
};

const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16, engine: 'wasm' });
const T = 40;
const B = 2;
const N = 5;

const input = (seed: number, gain: number, features = N): Tensor => {
  const r = seededRandom(seed);
  return fromTypedArray(
    Float64Array.from({ length: T * B * features }, () => r() * gain),
    [T, B, features],
  );
};

/** A smooth custom neuron: leaky voltage, squashed output y = tanh(gain·v). */
const smooth = smoothLeaky('smoothLeakyTrain');

describe('options.train with derived gradients', () => {
  it('LIF and LI: equal to the hand-written per-neuron trained layers (1e-12); threads = js bit for bit', () => {
    const cases = [
      [lif, { vLeak: 0.05, vTh: 0.7 }, ['tauMemInv', 'tauSynInv', 'vLeak', 'vTh', 'vReset'], 0.6],
      [li, { tauMemInv: tensor([90, 120, 200, 150, 60], 'float64') }, ['tauMemInv', 'tauSynInv', 'vLeak'], 1],
    ] as const;
    for (const [model, p, train, gain] of cases) {
      const xs = input(7, gain);
      const hand = trainable(model as typeof lif, p as never, 0.001, { train, features: N });
      const js = trainable(model as typeof lif, p as never, 0.001, { train, features: N, adjoint: 'derived', backend: 'js' });
      const th = trainable(model as typeof lif, p as never, 0.001, { train, features: N, adjoint: 'derived', backend: threads });
      for (const k of train) {
        expect(js.paramShapes[k], k).toEqual([N]);
        expect(Array.from(js.params[k] as Float64Array), k).toEqual(Array.from(hand.params[k] as Float64Array));
      }
      const fh = hand.forward(xs);
      const fj = js.forward(xs);
      const ft = th.forward(xs);
      expect(Array.from(fj.out.data)).toEqual(Array.from(fh.out.data));
      expect(Array.from(ft.out.data)).toEqual(Array.from(fj.out.data));
      if (model === lif) expect(Array.from(fh.out.data).filter((z) => z === 1).length).toBeGreaterThan(10);
      const r = seededRandom(9);
      const g = Float64Array.from(fh.out.data, () => r() - 0.4);
      const bh = hand.backward(fh.tape, g);
      const bj = js.backward(fj.tape, g);
      const bt = th.backward(ft.tape, g);
      expect(rel(bj.gx as Float64Array, bh.gx as Float64Array)).toBeLessThanOrEqual(1e-12);
      expect(Array.from(bt.gx as Float64Array)).toEqual(Array.from(bj.gx as Float64Array));
      for (const k of train) {
        expect(js.grads[k]?.length, k).toBe(N);
        expect(rel(js.grads[k] as Float64Array, hand.grads[k] as Float64Array), k).toBeLessThanOrEqual(1e-12);
        expect(Array.from(th.grads[k] as Float64Array), k).toEqual(Array.from(js.grads[k] as Float64Array));
      }
    }
  });

  it('trained parameters are optimised in place and the next forward pass reads them', () => {
    const xs = input(3, 0.9);
    const layer = trainable(lsnn, { vTh: 0.5 }, 0.001, { train: ['tauMemInv', 'vTh', 'beta'], features: N, backend: threads });
    const before = Float64Array.from(layer.params.vTh as Float64Array);
    const r = layer.forward(xs);
    expect(Array.from(r.out.data).filter((z) => z === 1).length).toBeGreaterThan(10);
    layer.backward(r.tape, new Float64Array(T * B * N).fill(1));
    const g = Float64Array.from(layer.grads.vTh as Float64Array);
    adam(layer, { lr: 0.05 }).step();
    const after = Float64Array.from(layer.params.vTh as Float64Array);
    for (let n = 0; n < N; n++) {
      expect(g[n]).not.toBe(0);
      expect(Math.sign((after[n] as number) - (before[n] as number))).toBe(-Math.sign(g[n] as number));
    }
    // the next pass equals a layer given the optimised values as per-neuron tensors
    const fresh = trainable(
      lsnn,
      {
        vTh: tensor(Array.from(after), 'float64'),
        tauMemInv: tensor(Array.from(layer.params.tauMemInv as Float64Array), 'float64'),
        beta: tensor(Array.from(layer.params.beta as Float64Array), 'float64'),
      },
      0.001,
      { adjoint: 'derived', backend: 'js' },
    );
    expect(Array.from(layer.forward(xs).out.data)).toEqual(Array.from(fresh.forward(xs).out.data));
  });

  it('defineModel and recurrent models: trained parameter gradients = central finite differences / hand-checked shapes', () => {
    const xs = input(5, 0.8);
    const w = Float64Array.from({ length: T * B * N }, (_, k) => Math.sin(k));
    const layer = trainable(smooth, { gain: 1.5 }, 0.001, { train: ['tauInv', 'gain'], features: N, backend: threads });
    const loss = (l: TrainableLayer): number => {
      const out = l.forward(xs, undefined, { tape: false }).out.data;
      let s = 0;
      for (let k = 0; k < out.length; k++) s += (w[k] as number) * (out[k] as number);
      return s;
    };
    const f = layer.forward(xs);
    layer.backward(f.tape, w);
    for (const [k, h] of [
      ['tauInv', 1e-3],
      ['gain', 1e-6],
    ] as const) {
      const p = layer.params[k] as Float64Array;
      for (let n = 0; n < N; n++) {
        const v0 = p[n] as number;
        p[n] = v0 + h;
        const lp = loss(layer);
        p[n] = v0 - h;
        const lm = loss(layer);
        p[n] = v0;
        const fd = (lp - lm) / (2 * h);
        const g = (layer.grads[k] as Float64Array)[n] as number;
        expect(Math.abs(g - fd), `${k}[${n}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
    // a recurrent model takes N from its weights
    const r = seededRandom(2);
    const rec = trainable(
      lifRecurrent,
      {
        inputWeights: tensor(
          Array.from({ length: 4 }, () => Array.from({ length: N }, () => r() * 3)),
          'float64',
        ),
        recurrentWeights: tensor(
          Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => r() - 0.5)),
          'float64',
        ),
      },
      0.001,
      { train: ['vTh'], backend: threads },
    );
    expect(rec.paramShapes.vTh).toEqual([4]);
    const fr = rec.forward(xs);
    rec.backward(fr.tape, new Float64Array(T * B * 4).fill(1));
    expect(Array.from(rec.grads.vTh as Float64Array).every((g) => g !== 0)).toBe(true);
  });

  it('refuses unknown names, parameters read through a derived value, a missing or wrong features', () => {
    expect(() => trainable(lsnn, {}, 0.001, { train: ['tau'], features: 2 })).toThrow(
      /options.train names parameters the update of LSNN reads .*received "tau"/,
    );
    expect(() => trainable(smooth, {}, 0.001, { train: ['gain'] })).toThrow(/options.train .* needs options.features/);
    expect(() => trainable(smooth, { gain: tensor([1, 2], 'float64') }, 0.001, { train: ['tauInv'], features: 3 })).toThrow(
      /options.features must equal the layer's 2 neurons, received 3/,
    );
    expect(() => trainable(lsnn, {}, 0.001, { train: ['vTh'], features: 0 })).toThrow(
      /options.features must be an integer ≥ 1, received 0/,
    );
    expect(() => trainable(lif, {}, 0.001, { backend: 'js', adjoint: 'handWritten' })).toThrow(
      /options.backend is for the derived adjoints .* with options.adjoint "handWritten"/,
    );
    expect(() => trainable(smooth, {}, 0.001, { backend: 'nope' })).toThrow(/backend must be "auto", .* received "nope"/);
    // a tape's buffers go to the next forward pass once a backward pass has run over it
    const layer = trainable(smooth, {}, 0.001, { backend: threads });
    const xs = input(1, 1);
    const g = new Float64Array(T * B * N).fill(1);
    const first = layer.forward(xs);
    const b1 = layer.backward(first.tape, g);
    const again = layer.backward(first.tape, g);
    expect(Array.from(again.gx as Float64Array)).toEqual(Array.from(b1.gx as Float64Array));
    layer.forward(xs);
    expect(() => layer.backward(first.tape, g)).toThrow(/its buffers went to a later forward pass/);
  });
});

describe('updateRun kernel, steps reversed', () => {
  it('threads (2 threads, several tiles of steps per block) = js, bit for bit, float32 and float64', () => {
    const M = 20011;
    const Tn = 13;
    const run = (backend: 'js' | 'threads', dtype: DType) => {
      const r = seededRandom(4);
      const x = allocateShared(dtype, Tn * M).map(() => r() * 4);
      const out = allocateShared(dtype, Tn * M);
      const rec = [allocateShared(dtype, Tn * M), allocateShared(dtype, Tn * M)];
      const state = [allocateShared(dtype, M).map(() => r() * 0.5), allocateShared(dtype, M)];
      const kernel = getKernel('updateRun', backend);
      expect(kernel).toBeDefined();
      const params = lif.updateValues(lif.parameters({}) as never, 0.001).map(dtype === 'float32' ? Math.fround : (v) => v);
      kernel?.run(
        {
          where: 'test',
          update: lif.update,
          dtype,
          recording: true,
          reverse: true,
          call: { T: Tn, M, inputs: [x], out, state, record: rec, params, dt: dtype === 'float32' ? Math.fround(0.001) : 0.001 },
        },
        backend === 'js' ? (undefined as never) : threadsBackend,
      );
      return [out, ...rec, ...state];
    };
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const a = run('js', dtype);
      const b = run('threads', dtype);
      expect(Array.from(a[0] as ArrayLike<number>).filter((z) => z === 1).length).toBeGreaterThan(100);
      a.forEach((e, k) => {
        let differ = 0;
        for (let j = 0; j < e.length; j++) if (!Object.is(e[j], (b[k] as ArrayLike<number>)[j])) differ++;
        expect(differ, `array ${k}`).toBe(0);
      });
    }
  });
});
