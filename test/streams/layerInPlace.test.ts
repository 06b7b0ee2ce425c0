/**
 * The `layer` operator's in-place state (src/streams/layer.ts, `run(xs, state, { inPlace: true })`
 * in src/neurons/runOutput.ts): without a probe it updates the state it alone holds in place,
 * with results equal to one fused run; nothing the caller can see (its `options.state`, a
 * probe's emitted states, the emitted chunk outputs) ever changes after it was handed over.
 */
import fc from 'fast-check';
import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import type { NeuronState } from '../../src/neurons/model.js';
import { markInPlace, type RunCallOptions } from '../../src/neurons/runOutput.js';
import { type Layer, linearLayer, neuron, sequential } from '../../src/neurons/sequential.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { linearParameters } from '../../src/ops/linear.js';
import { concat, fromTypedArray, slice, type Tensor } from '../../src/ops/tensor.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { layer } from '../../src/streams/layer.js';
import { network } from '../../src/streams/networkStream.js';
import type { LayerStep } from '../../src/streams/scanLayer.js';
import { fromNorse, loadTrace, seq } from '../golden.js';
import { collect } from './helpers.js';

const expectSame = (actual: Tensor, expected: Tensor): void => {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.data.constructor).toBe(expected.data.constructor);
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
};

const copyOf = (s: NeuronState<'v' | 'i'>) => ({ v: Array.from(s.v.data), i: Array.from(s.i.data) });

const chunkSizes = fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 });

/** `[T, 1, N]` input in [0, 0.6) (about 9 % of neuron-steps spike with LIF's defaults). */
const input = (T: number, N: number, dtype: 'float32' | 'float64'): Tensor => {
  const d = dtype === 'float32' ? new Float32Array(T * N) : new Float64Array(T * N);
  for (let k = 0; k < d.length; k++) d[k] = 0.6 * (((k * 7919) % 1009) / 1009);
  return fromTypedArray(d, [T, 1, N]);
};

describe('layer without a probe: state updated in place, results as one fused run', () => {
  it('LIF (Norse trace, float64), random chunk sizes: spikes bit for bit', () => {
    const trace = loadTrace('LIF_default_a_const_0.3.json');
    const xs = seq(trace.input, 'float64');
    const l = neuron(lif, fromNorse(trace.params), trace.dt);
    const [zs] = l.run(xs);
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        expectSame(concat(collect(fromTensor(xs, { chunk: sizes }).pipe(layer(l)))), zs);
        expectSame(concat(collect(fromTensor(xs, { chunk: sizes }).pipe(layer(lif.run(fromNorse(trace.params), trace.dt))))), zs);
      }),
      { numRuns: 30 },
    );
  });

  it('LIFRecurrent (js backend, recurrent feedback from the state updated in place): spikes bit for bit', () => {
    const trace = loadTrace('LIFRecurrent_default_a_const_0.3.json') as ReturnType<typeof loadTrace> & {
      input_weights: number[][];
      recurrent_weights_given: number[][];
    };
    const p = { ...fromNorse(trace.params), inputWeights: trace.input_weights, recurrentWeights: trace.recurrent_weights_given };
    const xs = seq(trace.input, 'float64');
    const l = neuron(lifRecurrent, p, trace.dt);
    const [zs] = l.run(xs);
    for (const sizes of [[1], [7, 3], [50]]) expectSame(concat(collect(fromTensor(xs, { chunk: sizes }).pipe(layer(l)))), zs);
  });

  it('sequential LIF → Linear → LI as one layer and as a network: outputs bit for bit', () => {
    const xs = input(120, 6, 'float64');
    const w = linearParameters(
      [
        [0.5, -0.2, 0.3, 0.1, 0.4, -0.1],
        [0.2, 0.6, -0.3, 0.2, 0.1, 0.3],
      ],
      [0.01, -0.02],
      'float64',
    );
    const seqL = sequential(neuron(lif), linearLayer(w), neuron(li));
    const [out] = seqL.run(xs);
    for (const sizes of [[7], [1, 50, 3], [100, 20]]) {
      expectSame(concat(collect(fromTensor(xs, { chunk: sizes }).pipe(layer(seqL)))), out);
      expectSame(concat(collect(fromTensor(xs, { chunk: sizes }).pipe(network(neuron(lif), linearLayer(w), neuron(li))))), out);
    }
  });

  it('threads backend on 2 threads (shared state updated in place by both), float32 and float64', async () => {
    const backend = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 });
    for (const dtype of ['float32', 'float64'] as const) {
      const xs = input(250, 96, dtype);
      const l = neuron(lif, {}, 0.001, { backend });
      const [zs] = l.run(xs);
      expectSame(concat(collect(fromTensor(xs, { chunk: [40, 100, 3] }).pipe(layer(l)))), zs);
    }
    await terminateThreads();
  });
});

describe('in-place state never reaches what the caller sees', () => {
  const xs = input(60, 5, 'float64');

  it('is used: from the second chunk on, the layer gets back the state it returned, with { inPlace: true }', () => {
    const inner = neuron(lif);
    const calls: { state: unknown; inPlace: boolean; returned: unknown }[] = [];
    const spy: Layer<NeuronState<'v' | 'i'>> = {
      name: 'spy',
      run: markInPlace((x: Tensor, state?: NeuronState<'v' | 'i'>, call?: RunCallOptions) => {
        const r = inner.run(x, state, call);
        calls.push({ state, inPlace: call?.inPlace === true, returned: r[1] });
        return r;
      }),
    };
    const [, start] = inner.run(slice(xs, 0, 10));
    collect(fromTensor(slice(xs, 10), { chunk: 10 }).pipe(layer(spy, { state: start })));
    expect(calls.map((c) => c.inPlace)).toEqual([false, true, true, true, true]);
    expect(calls[0]?.state).toBe(start);
    for (let k = 1; k < calls.length; k++) {
      expect(calls[k]?.state).toBe(calls[k - 1]?.returned);
      expect(calls[k]?.returned).toBe(calls[k]?.state); // the same state object, updated
    }
    // with a probe the operator never asks for it
    calls.length = 0;
    collect(fromTensor(xs, { chunk: 10 }).pipe(layer(spy, { probe: () => undefined })));
    expect(calls.map((c) => c.inPlace)).toEqual([false, false, false, false, false, false]);
  });

  it('an error stops the stream: the layer runs no chunk after it, and take(n) runs exactly n chunks', () => {
    let runs = 0;
    const failing: Layer<NeuronState<'v' | 'i'>> = {
      name: 'failing',
      run: markInPlace((x: Tensor, state?: NeuronState<'v' | 'i'>, call?: RunCallOptions) => {
        runs++;
        if (runs === 3) throw new Error('chunk 3 failed');
        return neuron(lif).run(x, state, call);
      }),
    };
    const seen: Tensor[] = [];
    let error: unknown;
    fromTensor(xs, { chunk: 10 })
      .pipe(layer(failing))
      .subscribe({ next: (z) => seen.push(z), error: (e: unknown) => (error = e) });
    expect((error as Error).message).toBe('chunk 3 failed');
    expect(seen.length).toBe(2);
    expect(runs).toBe(3);
    runs = 0;
    const two = collect(fromTensor(xs, { chunk: 10 }).pipe(layer(neuron(lif)), take(2)));
    let counted = 0;
    collect(
      fromTensor(xs, { chunk: 10 }).pipe(
        layer((x: Tensor, s?: NeuronState<'v' | 'i'>) => {
          counted++;
          return lif.run()(x, s);
        }),
        take(2),
      ),
    );
    expect(two.length).toBe(2);
    expect(counted).toBe(2);
    // each subscription starts from the initial state: two subscriptions of one operator agree
    const op = layer(neuron(lif));
    const a = collect(fromTensor(xs, { chunk: 7 }).pipe(op));
    const b = collect(fromTensor(xs, { chunk: 7 }).pipe(op));
    expectSame(concat(b), concat(a));
  });

  it('the caller’s options.state is never written', () => {
    const l = neuron(lif);
    const [, start] = l.run(slice(xs, 0, 10));
    const before = copyOf(start);
    const [zWhole] = l.run(slice(xs, 10), start);
    const outs = collect(fromTensor(slice(xs, 10), { chunk: 7 }).pipe(layer(l, { state: start })));
    expectSame(concat(outs), zWhole);
    expect(copyOf(start)).toEqual(before);
  });

  it('a probe’s emitted states (and recorded traces) are never changed by later chunks', () => {
    const l = neuron(lif, {}, 0.001, { record: true });
    const emitted: { step: LayerStep<NeuronState<'v' | 'i'>>; state: ReturnType<typeof copyOf>; v: number[] }[] = [];
    collect(
      fromTensor(xs, { chunk: 8 }).pipe(
        layer(l, {
          probe: (step) =>
            emitted.push({ step, state: copyOf(step.state), v: Array.from((step.recorded as NeuronState<'v' | 'i'>).v.data) }),
        }),
      ),
    );
    expect(emitted).toHaveLength(8);
    expect(new Set(emitted.map((e) => e.step.state)).size).toBe(8); // a new state per chunk
    for (const e of emitted) {
      expect(copyOf(e.step.state)).toEqual(e.state);
      expect(Array.from((e.step.recorded as NeuronState<'v' | 'i'>).v.data)).toEqual(e.v);
    }
  });

  it('emitted chunk outputs are never changed by later chunks', () => {
    const seen: { out: Tensor; copy: number[] }[] = [];
    fromTensor(xs, { chunk: 9 })
      .pipe(layer(neuron(lif, { vTh: 0.2 })))
      .subscribe((out) => seen.push({ out, copy: Array.from(out.data) }));
    expect(seen.length).toBe(7);
    expect(seen.some((s) => s.copy.some((z) => z === 1))).toBe(true);
    for (const s of seen) expect(Array.from(s.out.data)).toEqual(s.copy);
  });

  it('run(xs, state, { inPlace: true }) returns the given state with the new values; without it the state is untouched', () => {
    for (const backend of ['js', 'threads'] as const) {
      const run = lif.run({}, 0.001, { backend });
      const [, s0] = run(slice(xs, 0, 20));
      const before = copyOf(s0);
      const [z1, s1] = run(slice(xs, 20), s0);
      expect(copyOf(s0)).toEqual(before);
      const [z2, s2] = run(slice(xs, 20), s0, { inPlace: true });
      expect(s2).toBe(s0);
      expectSame(z2, z1);
      expect(copyOf(s2)).toEqual(copyOf(s1));
    }
    expect(() => lif.run()(xs, undefined, { inPlac: true } as never)).toThrow(/unknown option "inPlac"; expected out, inPlace/);
  });
});

describe('run(xs, state, { inPlace }) input checks', () => {
  it('refuses a non-boolean inPlace by name, and leaves the state it was given untouched', () => {
    const run = lif.run({}, 1e-3);
    const xs = fromTypedArray(new Float32Array(6).fill(0.5), [2, 1, 3]);
    const [, state] = run(xs);
    const before = Float32Array.from(state.v.data as Float32Array);
    const bad = { inPlace: 'yes' } as unknown as RunCallOptions;
    expect(() => run(xs, state, bad)).toThrow('lif.run: inPlace must be true or false, received "yes"');
    expect(Array.from(state.v.data as Float32Array)).toEqual(Array.from(before));
  });
});
