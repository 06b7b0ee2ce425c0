/** Training loop pieces: optimisers, schedules, checkpointing, the progress observable, parameters as JSON, data. */
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { neuron } from '../../src/neurons/sequential.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { encodeBatch, seededPermutation, uniformSource } from '../../src/training/data.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import { adam, cosineLr, exponentialLr, sgd, stepLr } from '../../src/training/optimizers.js';
import { type Dataset, evaluate, forwardBackward, loadParams, saveParams, train } from '../../src/training/train.js';
import type { TrainableLayer } from '../../src/training/trainableLayer.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';
import { expectArgumentError } from '../expect.js';

const f64 = { dtype: 'float64' } as const;
const net = (seed = 1) =>
  trainableSequential(
    trainableLinear([6, 16], { ...f64, seed, gain: 6 }),
    trainable(lif),
    trainableLinear([16, 3], { ...f64, seed: seed + 1, gain: 4 }),
    trainable(li),
  );

/** A toy task: class = which third of the 6 inputs is active. */
const toy = (n: number, seed: number): Dataset => {
  const rng = uniformSource(seed);
  const x = new Float64Array(n * 6);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    y[k] = k % 3;
    x[k * 6 + 2 * y[k]!] = 0.8 + 0.2 * rng.next();
    x[k * 6 + 2 * y[k]! + 1] = 0.8 + 0.2 * rng.next();
  }
  return {
    size: n,
    batch: (idx) => {
      const T = 20;
      const xs = new Float64Array(T * idx.length * 6);
      for (let t = 0; t < T; t++)
        for (let b = 0; b < idx.length; b++) for (let f = 0; f < 6; f++) xs[(t * idx.length + b) * 6 + f] = x[idx[b]! * 6 + f]!;
      return { xs: fromTypedArray(xs, [T, idx.length, 6]), targets: Array.from(idx, (i) => y[i]!) };
    },
  };
};

describe('optimisers', () => {
  it('SGD with momentum follows b ← μb + g, θ ← θ − lr·b (hand-derived)', () => {
    const l = trainableLinear({ weight: fromTypedArray(Float64Array.from([1]), [1, 1]) });
    const opt = sgd(l, { lr: 0.1, momentum: 0.9 });
    l.grads.weight![0] = 2;
    opt.step(); // b = 2, w = 1 − 0.2
    expect(l.params.weight![0]).toBeCloseTo(0.8, 15);
    opt.step(); // b = 0.9·2 + 2 = 3.8, w = 0.8 − 0.38
    expect(l.params.weight![0]).toBeCloseTo(0.42, 15);
  });
  it("Adam's first step is lr·g/(|g| + ε) (bias-corrected)", () => {
    const l = trainableLinear({ weight: fromTypedArray(Float64Array.from([1, 1]), [1, 2]) });
    const opt = adam(l, { lr: 0.01 });
    l.grads.weight!.set([3, -0.5]);
    opt.step();
    expect(l.params.weight![0]).toBeCloseTo(1 - 0.01 * (3 / (3 + 1e-8)), 14);
    expect(l.params.weight![1]).toBeCloseTo(1 + 0.01 * (0.5 / (0.5 + 1e-8)), 14);
  });
  it('rejects a bad learning rate by name', () => {
    expectArgumentError(() => sgd(trainableLinear([1, 1]), { lr: -1 }), 'lr');
    expectArgumentError(() => adam(trainableLinear([1, 1]), { lr: 0 }), 'lr');
  });
  it('tells how to make a neuron model or an inference layer trainable in trainableSequential', () => {
    const model = lif as unknown as TrainableLayer;
    expect(() => trainableSequential(trainableLinear([2, 3]), model)).toThrow(
      'layers[1] must be a trainable layer (this is the neuron model "LIF" itself: wrap it as trainable(lif))',
    );
    const inference = neuron(li) as unknown as TrainableLayer;
    expect(() => trainableSequential(inference)).toThrow('use trainable(model) or trainableLinear(...)');
  });
  it("refuses a forward pass's unknown option (a typo of tape) in every kind of layer", () => {
    const typo = { tapes: false } as unknown as { tape: boolean };
    const xs = fromTypedArray(new Float32Array(2 * 1 * 3), [2, 1, 3]);
    const net = trainableSequential(trainableLinear([3, 3]), trainable(lif), trainable(li, {}, 0.001, { adjoint: 'derived' }));
    expect(() => net.forward(xs, undefined, typo)).toThrow('trainableSequential.forward: unknown option "tapes"; expected tape');
    expect(() => trainableLinear([3, 2]).forward(xs, undefined, typo)).toThrow('Linear(3→2).forward: unknown option "tapes"');
    expect(() => trainable(lif).forward(xs, undefined, typo)).toThrow('LIF.forward: unknown option "tapes"');
    expect(() => trainable(li, {}, 0.001, { adjoint: 'derived' }).forward(xs, undefined, typo)).toThrow(
      'LI.forward: unknown option "tapes"',
    );
    const perNeuron = trainable(lif, {}, 0.001, { train: ['vTh'], features: 3 });
    expect(() => perNeuron.forward(xs, undefined, { tape: 'no' as unknown as boolean })).toThrow(
      'options.tape must be true or false, received "no"',
    );
    expect(net.forward(xs, undefined, { tape: false }).tape).toBeUndefined();
  });
  it('refuses a ∂output that is not a Float64Array by name in every kind of layer (was a wasm out-of-bounds crash)', () => {
    // T = 2, batch 32, 100 neurons: the LIF layer runs the WebAssembly kernels, which read gOut as float64
    const xs = fromTypedArray(new Float32Array(2 * 32 * 100).fill(0.5), [2, 32, 100]);
    const layers: [string, TrainableLayer][] = [
      ['LIF', trainable(lif)],
      ['LIF', trainable(lif, {}, 0.001, { outputs: 'reuse' })],
      ['LI', trainable(li, {}, 0.001, { adjoint: 'derived' })],
      ['LIF', trainable(lif, {}, 0.001, { train: ['vTh'], features: 100 })],
      ['Linear(100→100)', trainableLinear([100, 100])],
      ['trainableSequential', trainableSequential(trainable(lif), trainableLinear([100, 100]))],
    ];
    for (const [name, layer] of layers) {
      const r = layer.forward(xs);
      const wrong = new Float32Array(r.out.data.length).fill(1);
      expectArgumentError(() => layer.backward(r.tape, wrong as unknown as Float64Array), 'gOut');
      expect(() => layer.backward(r.tape, wrong as unknown as Float64Array)).toThrow(
        `${name}.backward: gOut must be a Float64Array (∂loss/∂outputs, float64), received Float32Array(6400)`,
      );
      // the refused call changed nothing: the same tape still runs backward
      expect(layer.backward(r.tape, new Float64Array(r.out.data.length).fill(1)).gx?.length).toBe(xs.data.length);
    }
  });
  it('refuses an unknown optimiser option by name instead of ignoring it', () => {
    const typo = { learningRate: 1 } as unknown as { lr: number };
    expect(() => adam(trainableLinear([1, 1]), typo)).toThrow('adam: unknown option "learningRate"; expected lr, betas, eps, weightDecay');
    expect(() => sgd(trainableLinear([1, 1]), { lr: 0.1, ...{ nesterov: true } })).toThrow(
      'sgd: unknown option "nesterov"; expected lr, momentum, weightDecay',
    );
  });
  it('schedules', () => {
    expect(stepLr(1, 2, 0.5)(5)).toBe(0.25);
    expect(exponentialLr(2, 0.5)(3)).toBe(0.25);
    expect(cosineLr(1, 10)(0)).toBe(1);
    expect(cosineLr(1, 10)(5)).toBeCloseTo(0.5, 15);
    expect(cosineLr(1, 10, 0.1)(10)).toBeCloseTo(0.1, 15);
  });
});

describe('memory options', () => {
  const data = toy(4, 3).batch(Int32Array.from([0, 1, 2, 3]));
  const full = net();
  forwardBackward(full, data.xs, data.targets);
  it('checkpointing gives the gradients of full BPTT', () => {
    for (const k of [1, 3, 7, 20]) {
      const n = net();
      const r = forwardBackward(n, data.xs, data.targets, undefined, { checkpoint: k });
      for (const [name, g] of Object.entries(full.grads)) {
        const worst = g.reduce((m, v, j) => Math.max(m, Math.abs(v - n.grads[name]![j]!)), 0);
        expect(worst, `${name}, k = ${k}`).toBeLessThanOrEqual(1e-12);
      }
      expect(r.loss.loss).toBeGreaterThan(0);
    }
  });
  it('truncated BPTT differs from full BPTT (gradients stop at segment boundaries)', () => {
    const n = net();
    forwardBackward(n, data.xs, data.targets, undefined, { truncate: 5 });
    const d = full.grads['0.weight']!.reduce((m, v, j) => Math.max(m, Math.abs(v - n.grads['0.weight']![j]!)), 0);
    expect(d).toBeGreaterThan(1e-6);
  });
  it('rejects both options at once', () => {
    expectArgumentError(() => forwardBackward(net(), data.xs, data.targets, undefined, { checkpoint: 2, truncate: 2 }), 'memory');
  });
});

describe('train (observable)', () => {
  const options = (n = net(), epochs = 3) => ({
    net: n,
    train: toy(48, 1),
    test: toy(24, 2),
    optimizer: adam(n, { lr: 0.02 }),
    epochs,
    batchSize: 8,
    order: (() => {
      const rng = uniformSource(9);
      return () => seededPermutation(48, rng);
    })(),
  });
  it('learns a toy task and reports batches and epochs', async () => {
    const n = net();
    const before = evaluate(n, toy(24, 2));
    const records = await firstValueFrom(train(options(n, 4)).pipe(toArray()));
    expect(records.filter((r) => r.kind === 'batch')).toHaveLength(4 * 6);
    const epochs = records.filter((r) => r.kind === 'epoch');
    expect(epochs).toHaveLength(4);
    expect(epochs[3]!.testAccuracy).toBe(1);
    expect(before.accuracy).toBeLessThan(1);
    expect(Object.keys(epochs[0]!.spikes)).toEqual(['1.LIF']);
  });
  it('is replayable: the same seeds give the same losses', async () => {
    const a = await firstValueFrom(train(options(net(), 1)).pipe(toArray()));
    const b = await firstValueFrom(train(options(net(), 1)).pipe(toArray()));
    expect(a.map((r) => r.loss)).toEqual(b.map((r) => r.loss));
  });
  it('stops when unsubscribed: no more updates', async () => {
    const n = net();
    const got = await firstValueFrom(train(options(n, 50)).pipe(take(2), toArray()));
    expect(got).toHaveLength(2);
    const snapshot = Float64Array.from(n.params['0.weight']!);
    await new Promise((r) => setTimeout(r, 50));
    expect(Array.from(n.params['0.weight']!)).toEqual(Array.from(snapshot));
  });
  it('errors on bad epochs or batch size', () => {
    expectArgumentError(() => train({ ...options(), epochs: 0 }), 'epochs');
    expectArgumentError(() => train({ ...options(), batchSize: 1.5 }), 'batchSize');
  });
});

describe('parameters as JSON', () => {
  it('round-trips through JSON text exactly', () => {
    const a = net(1);
    const b = net(7);
    loadParams(b, JSON.parse(JSON.stringify(saveParams(a))));
    for (const name of Object.keys(a.params)) expect(Array.from(b.params[name]!)).toEqual(Array.from(a.params[name]!));
    expect(saveParams(a).params['2.weight']!.shape).toEqual([3, 16]);
  });
  it('rejects another format, a wrong shape, a missing or non-finite value', () => {
    const p = saveParams(net());
    expectArgumentError(() => loadParams(net(), { format: 'other' }), 'json', /spikeflow-params/);
    const wrong = structuredClone(p) as unknown as { params: Record<string, { shape: number[]; data: number[] }> };
    wrong.params['0.weight']!.shape = [6, 16];
    expectArgumentError(() => loadParams(net(), wrong), 'json', /shape \[16, 6\]/);
    const nan = structuredClone(p) as unknown as { params: Record<string, { shape: number[]; data: number[] }> };
    nan.params['0.bias']!.data[0] = Number.NaN;
    expectArgumentError(() => loadParams(net(), nan), 'json', /finite/);
    const missing = structuredClone(p) as unknown as { params: Record<string, unknown> };
    delete missing.params['2.bias'];
    expectArgumentError(() => loadParams(net(), missing), 'json', /missing/);
  });
});

describe('data', () => {
  it('seeded permutations replay and are permutations', () => {
    const a = seededPermutation(100, uniformSource(5));
    expect(Array.from(a)).toEqual(Array.from(seededPermutation(100, uniformSource(5))));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, k) => k));
    expect(Array.from(a)).not.toEqual(Array.from(seededPermutation(100, uniformSource(6))));
  });
  it('poisson rates follow rate·x; latency puts one spike per bright feature, brightest first', () => {
    const features = Float32Array.from([1, 0.5, 0, 0.05]);
    const xs = encodeBatch(features, 4, [0], { T: 4000, encoding: 'poisson', rate: 0.4 }, uniformSource(1));
    const count = (f: number) => Array.from({ length: 4000 }, (_, t) => xs.data[t * 4 + f]!).reduce((a, b) => a + b, 0);
    expect(count(0) / 4000).toBeCloseTo(0.4, 1);
    expect(count(1) / 4000).toBeCloseTo(0.2, 1);
    expect(count(2)).toBe(0);
    const lat = encodeBatch(features, 4, [0], { T: 11, encoding: 'latency', latencySpan: 1 });
    const when = (f: number) => Array.from({ length: 11 }, (_, t) => lat.data[t * 4 + f]!).indexOf(1);
    expect([when(0), when(1), when(2), when(3)]).toEqual([0, 5, -1, -1]);
  });
  it('rejects a bad encoding by name', () => {
    expectArgumentError(() => encodeBatch([0], 1, [0], { T: 2, encoding: 'rank' as never }), 'encoding');
  });
});
