/**
 * The answers kept from the last call for a stream's repeated chunks: `planThreads`
 * (`threads/plan.ts`), the compiled kernel and run note of the threads neuron run
 * (`threadsBackend.ts`) and the execution record of a run (`neurons/modelRun.ts`). Whatever a
 * kept answer depends on may change from one call to the next; each call must then get what a
 * first call would, and every validation error must still be raised.
 */
import { from, lastValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { planThreads } from '../../src/ops/backends/threads/plan.js';
import { terminateThreads } from '../../src/ops/backends/threads.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { layer } from '../../src/streams/layer.js';

afterAll(async () => {
  await terminateThreads();
});

/** `[T, 1, N]` input in [0, 0.6), deterministic. */
const input = (T: number, N: number, dtype: 'float32' | 'float64'): Tensor => {
  const d = dtype === 'float32' ? new Float32Array(T * N) : new Float64Array(T * N);
  for (let k = 0; k < d.length; k++) d[k] = 0.6 * (((k * 7919) % 1009) / 1009);
  return fromTypedArray(d, [T, 1, N]);
};

const same = (a: Tensor, b: Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  expect(a.data.constructor).toBe(b.data.constructor);
  expect(Array.from(a.data)).toEqual(Array.from(b.data));
};

describe('planThreads keeps only the answer to the same question', () => {
  it('answers each question, asked in turn and again, with the hand-derived plan', () => {
    // [T, M, maxThreads, minNeuronStepsPerThread, minNeuronsPerThread] → [threads, reason]
    const asked: [[number, number, number, number, number], number, string][] = [
      [[100, 1000, 2, 262_144, 1536], 1, '1 thread(s): T·M = 100000 pays for 1 at ≥ 262144 neuron-steps each'],
      [[1000, 10_000, 2, 262_144, 1536], 2, '2 thread(s), all allowed (T·M = 10000000)'],
      [[1000, 10_000, 1, 262_144, 1536], 1, '1 thread(s), all allowed (T·M = 10000000)'],
      [[1000, 10_000, 2, 1e9, 1536], 1, '1 thread(s): T·M = 10000000 pays for 1 at ≥ 1000000000 neuron-steps each'],
      [[1000, 10_000, 2, 262_144, 20_000], 1, '1 thread(s): M = 10000 gives ≥ 20000 neurons to 1'],
      [[100, 10_000, 2, 262_144, 1536], 2, '2 thread(s), all allowed (T·M = 1000000)'],
    ];
    for (const round of [0, 1]) {
      for (const [q, threads, reason] of round === 0 ? asked : [...asked].reverse()) {
        expect(planThreads(...q)).toEqual({ threads, reason });
        expect(planThreads(...q)).toEqual({ threads, reason });
      }
    }
  });
});

describe('a run function called again with other shapes, dtypes, parameters or backends', () => {
  const threads = createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 64 });

  it('gives each call the result and execution record of the js run / a first call', () => {
    const run = lif.run({}, 0.001, { backend: threads });
    const js = lif.run({}, 0.001, { backend: 'js' });
    const calls: ['float32' | 'float64', number, RegExp][] = [
      ['float32', 8, /^1 thread\(s\): M = 8 gives ≥ 64 neurons to 1; wasm simd$/],
      ['float32', 256, /^2 thread\(s\), all allowed \(T·M = 7680\); wasm simd$/],
      ['float64', 8, /^1 thread\(s\): M = 8 gives ≥ 64 neurons to 1; wasm simd$/],
      ['float32', 8, /^1 thread\(s\): M = 8 gives ≥ 64 neurons to 1; wasm simd$/],
      ['float32', 8, /^1 thread\(s\): M = 8 gives ≥ 64 neurons to 1; wasm simd$/],
    ];
    let previous: ReturnType<typeof executionOf>;
    for (const [k, [dtype, N, note]] of calls.entries()) {
      const xs = input(30, N, dtype);
      const [o, s] = run(xs);
      const [e, es] = js(xs);
      same(o, e);
      same(s.v, es.v);
      const info = executionOf(o);
      expect(info).toEqual({
        backend: 'threads',
        device: 'cpu',
        requested: 'threads',
        renderer: undefined,
        note: expect.stringMatching(note),
      });
      expect(executionOf(s)).toBe(info);
      // The js run between them ran something else: its record is its own.
      expect(executionOf(e)).toEqual({ backend: 'js', device: 'cpu', requested: 'js', renderer: undefined, note: undefined });
      if (k === 4) expect(info).toEqual(previous);
      previous = info;
    }
  });

  it('follows per-neuron parameters, recording and options: the kept kernel is never the wrong one', () => {
    const N = 96;
    const vTh = fromTypedArray(
      Float32Array.from({ length: N }, (_, k) => 0.2 + (k % 7) / 10),
      [N],
    );
    const xs = input(40, N, 'float32');
    for (let round = 0; round < 2; round++) {
      for (const [p, options] of [
        [{}, {}],
        [{ vTh }, {}],
        [{}, { record: true }],
        [{ vTh }, { record: true }],
        [{ vTh: 0.3 }, {}],
      ] as const) {
        const [o, s, r] = lif.run(p, 0.001, { ...options, backend: threads })(xs);
        const [e, es, er] = lif.run(p, 0.001, { ...options, backend: 'js' })(xs);
        same(o, e);
        same(s.i, es.i);
        expect(r === undefined).toBe(er === undefined);
        if (r !== undefined && er !== undefined) same(r.v, er.v);
      }
    }
  });

  it('still raises every input and state error after cached calls, and runs well again after it', () => {
    const run = lif.run({}, 0.001, { backend: threads });
    const xs = input(20, 16, 'float32');
    const [, s] = run(xs);
    run(xs, s);
    const bad = input(20, 16, 'float32');
    (bad.data as Float32Array)[3 * 16 + 5] = Number.NaN;
    expect(() => run(bad, s)).toThrow(/lif\.run: input must be finite, received NaN at index \[3, 0, 5\]/);
    expect(() => run(input(20, 17, 'float32'), s)).toThrow(
      /lif\.run: input step shape \[1, 17\] does not match state shape \[1, 16\] \(state\.v\)/,
    );
    expect(() => run(input(20, 16, 'float64'), s)).toThrow(/state\.v has dtype float32 but the input has dtype float64/);
    expect(() => run(xs, s, { inPlace: true, out: 1 } as never)).toThrow(/lif\.run/);
    const [o] = run(xs, s);
    const [e] = lif.run({}, 0.001, { backend: 'js' })(xs, s);
    same(o, e);
  });

  it('errors a layer stream whose chunk no longer fits the state it holds', async () => {
    const op = layer(lif.run({}, 0.001, { backend: threads }));
    const chunks = [input(10, 16, 'float32'), input(10, 16, 'float32'), input(10, 12, 'float32')];
    await expect(lastValueFrom(from(chunks).pipe(op))).rejects.toThrow(
      /lif\.run: input step shape \[1, 12\] does not match state shape \[1, 16\] \(state\.v\)/,
    );
    const bad = input(10, 16, 'float32');
    (bad.data as Float32Array)[0] = Number.POSITIVE_INFINITY;
    await expect(lastValueFrom(from([input(10, 16, 'float32'), input(10, 16, 'float32'), bad]).pipe(op))).rejects.toThrow(
      /lif\.run: input must be finite, received Infinity at index \[0, 0, 0\]/,
    );
  });
});

describe('a model keeps the run values of its last call (neurons/modelDerived.ts runValues)', () => {
  it('a run function called with another batch shape or dtype in turn gives what a first call gives', () => {
    // per-neuron thresholds: their arrays are expanded to the state shape, so the shape matters
    const vTh = fromTypedArray(Float64Array.from([0.2, 0.35, 0.5, 0.65, 0.8]), [5]);
    const one = input(40, 5, 'float64');
    const two = fromTypedArray(
      Float64Array.from({ length: 40 * 10 }, (_, k) => one.data[Math.floor(k / 10) * 5 + (k % 5)] as number),
      [40, 2, 5],
    );
    const one32 = fromTypedArray(Float32Array.from(one.data), [40, 1, 5]);
    const calls: [string, Tensor][] = [
      ['one', one],
      ['two', two],
      ['one32', one32],
    ];
    // references: each from a run function of its own, called once (nothing kept from another call)
    const reference = new Map(calls.map(([name, xs]) => [name, lif.run({ vTh }, 1e-3, { backend: 'js' })(xs)[0]]));
    const ref = (name: string) => reference.get(name) as Tensor;
    // hand-derived: both rows of the batch of two get the batch of one's spikes; float32 rounds differently
    const r2 = ref('two').data;
    expect(Array.from({ length: 40 * 5 }, (_, k) => r2[Math.floor(k / 5) * 10 + 5 + (k % 5)])).toEqual(Array.from(ref('one').data));
    expect(Array.from(ref('one').data).some((z) => z === 1)).toBe(true);
    for (const backend of ['js', createThreadsBackend({ threads: 2, minNeuronStepsPerThread: 1, minNeuronsPerThread: 1 })] as const) {
      const run = lif.run({ vTh }, 1e-3, { backend });
      for (const order of [calls, [...calls].reverse(), calls]) for (const [name, xs] of order) same(run(xs)[0], ref(name));
    }
  });
});
