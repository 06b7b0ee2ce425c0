/**
 * Layer operators and networks on streams: streaming an input in chunks of random sizes equals one
 * fused run (float64, bit for bit) and Norse's traces; state stays per subscription; errors and
 * teardown.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { map, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import type { NeuronState } from '../../src/neurons/model.js';
import { linearLayer, neuron, sequential } from '../../src/neurons/sequential.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearParameters } from '../../src/ops/linear.js';
import { concat, fromTypedArray, full, slice, type Tensor, tensor } from '../../src/ops/tensor.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { layer } from '../../src/streams/layer.js';
import { network } from '../../src/streams/networkStream.js';
import { type LayerStep, scanLayer } from '../../src/streams/scanLayer.js';
import { catchSpikeflowError } from '../expect.js';
import { fromNorse, loadTrace, seq, type Trace } from '../golden.js';
import { collect, streamError } from './helpers.js';

/** Bit-for-bit equality of two tensors (shape, dtype, every element with Object.is semantics). */
const expectSame = (actual: Tensor, expected: Tensor): void => {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.data.constructor).toBe(expected.data.constructor);
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
};

/** Equality with a Norse `T × N` trace, bit for bit. */
const expectTrace = (actual: Tensor, rows: number[][]): void => {
  expect(Array.from(actual.data)).toEqual(rows.flat());
};

const chunkSizes = fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 });

describe('layer: chunked streaming equals one fused run', () => {
  const lifFiles = ['LIF_default_a_const_0.3.json', 'LIF_default_b_const_per_neuron.json', 'LIF_nondefault_b_const_per_neuron.json'];

  it.each(lifFiles)('LIF %s: spikes and states bit for bit, for random chunk sizes', (file) => {
    const trace = loadTrace(file);
    const xs = seq(trace.input, 'float64');
    const l = neuron(lif, fromNorse(trace.params), trace.dt, { record: true });
    const [zs, final, recorded] = l.run(xs);
    const rec = recorded as NeuronState<'v' | 'i'>;
    expectTrace(zs, trace.outputs.z as number[][]);
    expectTrace(rec.v, trace.outputs.v as number[][]);
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        const steps: LayerStep<NeuronState<'v' | 'i'>>[] = [];
        const outs = collect(fromTensor(xs, { chunk: sizes }).pipe(layer(l, { probe: (s) => steps.push(s) })));
        expectSame(concat(outs), zs);
        expectSame(concat(steps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).v)), rec.v);
        expectSame(concat(steps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).i)), rec.i);
        const last = steps[steps.length - 1] as LayerStep<NeuronState<'v' | 'i'>>;
        expectSame(last.state.v, final.v);
        expectSame(last.state.i, final.i);
      }),
      { numRuns: 40 },
    );
  });

  const netFiles = ['net_LIF_Linear_LI_a_const_0.3.json', 'net_LIF_Linear_LI_b_const_per_neuron.json', 'net_LIF_Linear_LI_c_sawtooth.json'];

  it.each(netFiles)('LIF → Linear → LI %s: every signal equals the fused network and the Norse trace', (file) => {
    const trace = loadTrace(file) as Trace & { linear_weight: number[][]; linear_bias: number[] };
    const params = trace.params as { lif: Record<string, unknown>; li: Record<string, unknown> };
    const xs = seq(trace.input, 'float64');
    const lifL = neuron(lif, fromNorse(params.lif), trace.dt, { record: true });
    const lin = linearParameters(trace.linear_weight, trace.linear_bias, 'float64');
    const liL = neuron(li, fromNorse(params.li), trace.dt, { record: true });
    const fused = sequential(lifL, linearLayer(lin), liL);
    const [fusedOut, fusedState, fusedRec] = fused.run(xs);
    const [lifRec, linOut, liRec] = fusedRec as [NeuronState<'v' | 'i'>, Tensor, NeuronState<'v' | 'i'>];
    const o = trace.outputs;
    expectTrace(fusedOut, o.li_out as number[][]);
    expectTrace(linOut, o.linear_out as number[][]);
    fc.assert(
      fc.property(chunkSizes, (sizes) => {
        const spikes: Tensor[] = [];
        const lifSteps: LayerStep<NeuronState<'v' | 'i'>>[] = [];
        const linear$: Tensor[] = [];
        const liSteps: LayerStep<NeuronState<'v' | 'i'>>[] = [];
        const outs = collect(
          fromTensor(xs, { chunk: sizes }).pipe(
            network(
              layer(lifL, { probe: (s) => lifSteps.push(s) }),
              map((z) => {
                spikes.push(z);
                return z;
              }),
              linearLayer(lin),
              map((y) => {
                linear$.push(y);
                return y;
              }),
              layer(liL, { probe: (s) => liSteps.push(s) }),
            ),
          ),
        );
        const lifV = concat(lifSteps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).v));
        const liV = concat(liSteps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).v));
        // equal to the fused network …
        expectSame(concat(outs), fusedOut);
        expectSame(lifV, lifRec.v);
        expectSame(concat(linear$), linOut);
        expectSame(liV, liRec.v);
        const [lifFinal, , liFinal] = fusedState as [NeuronState<'v' | 'i'>, undefined, NeuronState<'v' | 'i'>];
        expectSame((lifSteps[lifSteps.length - 1] as LayerStep<NeuronState<'v' | 'i'>>).state.i, lifFinal.i);
        expectSame((liSteps[liSteps.length - 1] as LayerStep<NeuronState<'v' | 'i'>>).state.i, liFinal.i);
        // … and to Norse's trace
        expectTrace(concat(spikes), o.lif_z as number[][]);
        expectTrace(lifV, o.lif_v as number[][]);
        expectTrace(concat(lifSteps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).i)), o.lif_i as number[][]);
        expectTrace(concat(linear$), o.linear_out as number[][]);
        expectTrace(concat(outs), o.li_out as number[][]);
        expectTrace(liV, o.li_v as number[][]);
        expectTrace(concat(liSteps.map((s) => (s.recorded as NeuronState<'v' | 'i'>).i)), o.li_i as number[][]);
      }),
      { numRuns: 30 },
    );
  });

  it.each(['LIFRecurrent_default_a_const_0.3.json', 'LIFRecurrent_default_b_const_per_neuron.json'])(
    'LIFRecurrent %s: the recurrent feedback crosses chunk boundaries exactly',
    (file) => {
      const trace = loadTrace(file) as Trace & { input_weights: number[][]; recurrent_weights_given: number[][] };
      const p = { ...fromNorse(trace.params), inputWeights: trace.input_weights, recurrentWeights: trace.recurrent_weights_given };
      const xs = seq(trace.input, 'float64');
      const l = neuron(lifRecurrent, p, trace.dt);
      const [zs, final] = l.run(xs);
      expectTrace(zs, trace.outputs.z as number[][]);
      fc.assert(
        fc.property(chunkSizes, (sizes) => {
          const steps = collect(fromTensor(xs, { chunk: sizes }).pipe(scanLayer(l)));
          expectSame(concat(steps.map((s) => s.out)), zs);
          const last = steps[steps.length - 1] as LayerStep<NeuronState<'z' | 'v' | 'i'>>;
          for (const k of ['z', 'v', 'i'] as const) expectSame(last.state[k], final[k]);
        }),
        { numRuns: 30 },
      );
    },
  );

  it('a network built from layers equals sequential(...).run on a batch of 3 with float32', () => {
    const N = 6;
    const data = new Float32Array(50 * 3 * N).map((_, k) => ((k * 7919) % 97) / 60);
    const xs = fromTypedArray(data, [50, 3, N]);
    const w = linearParameters(
      Array.from({ length: 2 }, (_, o) => Array.from({ length: N }, (_, k) => ((o + 1) * (k - 2)) / 5)),
      [0.1, -0.2],
    );
    const layers = [neuron(lif, { vTh: 0.5 }), linearLayer(w), neuron(li)] as const;
    const [expected] = sequential(...layers).run(xs);
    const outs = collect(fromTensor(xs, { chunk: [7, 1, 13] }).pipe(network(...layers)));
    expect(outs.map((o) => o.shape[0])).toEqual([7, 1, 13, 7, 1, 13, 7, 1]);
    expectSame(concat(outs), expected);
  });
});

describe('layer: chunk functions', () => {
  it('takes a model’s run and a stateless map directly: layer(lif.run(p, dt)), layer(linear(w))', () => {
    const xs = fromTypedArray(
      Float64Array.from({ length: 30 * 4 }, (_, k) => ((k * 37) % 11) / 10),
      [30, 1, 4],
    );
    const w = linearParameters([[1, -1, 0.5, 2]], [0.25], 'float64');
    const [z] = lif.run({ vTh: 0.8 }, 0.001)(xs);
    const y = linear(w)(z);
    const outs = collect(fromTensor(xs, { chunk: [4, 9] }).pipe(layer(lif.run({ vTh: 0.8 }, 0.001)), layer(linear(w))));
    expectSame(concat(outs), y);
    const steps = collect(fromTensor(xs, { chunk: 10 }).pipe(scanLayer(linear(w))));
    expect(steps.map((s) => s.state)).toEqual([undefined, undefined, undefined]);
  });
});

describe('layer: state', () => {
  const xs = full([20, 1, 3], 0.4, 'float64');

  it('starts from options.state and threads it: two halves equal the whole', () => {
    const l = neuron(lif);
    const [, mid] = l.run(slice(xs, 0, 8));
    const [zWhole, endWhole] = l.run(xs);
    const steps = collect(fromTensor(slice(xs, 8), { chunk: 5 }).pipe(scanLayer(l, { state: mid })));
    expectSame(concat(steps.map((s) => s.out)), slice(zWhole, 8));
    expectSame((steps[steps.length - 1] as LayerStep<NeuronState<'v' | 'i'>>).state.v, endWhole.v);
  });

  it('two subscriptions of one pipeline (and two networks sharing a layer) never share state', () => {
    const l = neuron(lif);
    const pipeline = fromTensor(xs, { chunk: 4 }).pipe(layer(l));
    const first = concat(collect(pipeline));
    const second = concat(collect(pipeline));
    expectSame(second, first);
    // interleaved: both pipelines consume the same subject's chunks; each holds its own state
    const source = new Subject<Tensor>();
    const a: Tensor[] = [];
    const b: Tensor[] = [];
    source.pipe(layer(l)).subscribe((z) => a.push(z));
    source.pipe(network(l)).subscribe((z) => b.push(z));
    for (let t = 0; t < 20; t += 4) source.next(slice(xs, t, t + 4));
    source.complete();
    expectSame(concat(a), first);
    expectSame(concat(b), first);
  });

  it('the probe sees voltage traces of a recording layer; an observer works as a probe', () => {
    const l = neuron(lif, {}, 0.001, { record: true });
    const probe = new Subject<LayerStep<NeuronState<'v' | 'i'>>>();
    const v: Tensor[] = [];
    probe.subscribe((s) => v.push((s.recorded as NeuronState<'v' | 'i'>).v));
    const outs = collect(fromTensor(xs, { chunk: 6 }).pipe(layer(l, { probe })));
    const [, , rec] = l.run(xs);
    expectSame(concat(v), (rec as NeuronState<'v' | 'i'>).v);
    expect(outs.map((o) => o.shape[0])).toEqual([6, 6, 6, 2]);
  });
});

describe('layer: errors', () => {
  const good = full([5, 1, 4], 0.2, 'float64');

  const message = (f: () => unknown): string => catchSpikeflowError(f).message;

  it('a NaN in a chunk errors the stream with the functional API message', () => {
    const bad = fromTypedArray(new Float64Array(20).fill(0.2).fill(Number.NaN, 13, 14), [5, 1, 4]);
    const expected = message(() => lif.run()(bad));
    expect(expected).toBe('lif.run: input must be finite, received NaN at index [3, 0, 1]');
    const source = new Subject<Tensor>();
    const seen: Tensor[] = [];
    let error: unknown;
    source.pipe(layer(neuron(lif))).subscribe({ next: (z) => seen.push(z), error: (e: unknown) => (error = e) });
    source.next(good);
    source.next(bad);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(SpikeflowError);
    expect((error as Error).message).toBe(expected);
    expect(source.observed).toBe(false);
  });

  it('a chunk whose shape differs from the state errors with the functional API message', () => {
    const [, state] = lif.run()(good);
    const wide = full([5, 1, 5], 0.2, 'float64');
    const expected = message(() => lif.run()(wide, state));
    expect(expected).toBe('lif.run: input step shape [1, 5] does not match state shape [1, 4] (state.v)');
    const source = new Subject<Tensor>();
    let error: unknown;
    source.pipe(layer(neuron(lif))).subscribe({ error: (e: unknown) => (error = e) });
    source.next(good);
    source.next(wide);
    expect((error as Error).message).toBe(expected);
  });

  it('a chunk of the wrong width for a linear map errors with linear’s message', () => {
    const w = linearParameters([[1, 2, 3]], undefined, 'float64');
    const chunk = full([2, 1, 4], 1, 'float64');
    const expected = message(() => linear(w)(chunk));
    const error = streamError(fromTensor(chunk).pipe(network(linearLayer(w))));
    expect(error.message).toBe(expected);
    expect(expected).toBe('linear: input shape [2, 1, 4] does not end in 3 (weight shape [1, 3])');
  });

  it('rejects non-layers at construction', () => {
    expect(() => layer({} as never)).toThrow(
      'layer: layer must be a layer { name, run } (e.g. neuron(lif)) or a chunk function, received object with keys []',
    );
    expect(() => network()).toThrow('network: expected at least one layer, received none');
    expect(() => network(neuron(lif), 3 as never)).toThrow(
      'network: elements[1] must be a layer { name, run } (e.g. neuron(lif)) or an operator, received 3',
    );
    expect(() => layer(neuron(lif), { probe: 5 as never })).toThrow('layer: probe must be a function or an observer { next }, received 5');
    expect(() => scanLayer(neuron(lif), { initial: 1 } as never)).toThrow('scanLayer: unknown option "initial"; expected state');
  });
});

describe('layer: teardown', () => {
  it('unsubscribing unsubscribes from the source', () => {
    const source = new Subject<Tensor>();
    const sub = source.pipe(network(neuron(lif), neuron(li))).subscribe();
    expect(source.observed).toBe(true);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });

  it('unsubscribing releases the state the layer held (garbage-collected)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const source = new Subject<Tensor>();
    let ref: WeakRef<object> | undefined;
    const sub = source.pipe(scanLayer(neuron(lif))).subscribe((s) => {
      ref = new WeakRef(s.state.v);
    });
    source.next(tensor([[[0.5, 0.5]]], 'float64'));
    const settle = async (): Promise<void> => {
      await new Promise((r) => setImmediate(r));
      gc();
      await new Promise((r) => setImmediate(r));
      gc();
    };
    await settle();
    expect(ref?.deref()).toBeDefined(); // still held while subscribed
    sub.unsubscribe();
    await settle();
    expect(ref?.deref()).toBeUndefined();
    expect(source.observed).toBe(false);
  });
});
