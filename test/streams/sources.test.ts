/**
 * Tensor sources on the default virtual clock: recorded tensors, constant currents, generator
 * functions and seeded Poisson trains — their chunks, values, chunk-size invariance and errors.
 */
import fc from 'fast-check';
import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { seededGenerator, uniforms } from '../../src/ops/random.js';
import { concat, fromTypedArray, type Tensor, tensor, toNested } from '../../src/ops/tensor.js';
import { constantCurrent } from '../../src/streams/constantCurrent.js';
import { fromSteps } from '../../src/streams/fromSteps.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { poissonSpikes } from '../../src/streams/poissonSpikes.js';
import { virtualClock } from '../../src/streams/virtualClock.js';
import { collect, streamError } from './helpers.js';

describe('fromTensor', () => {
  const xs = fromTypedArray(
    Float64Array.from({ length: 10 * 2 }, (_, k) => k),
    [10, 1, 2],
  );

  it('splits along time into views of the input (no copy), the last chunk shorter', () => {
    const chunks = collect(fromTensor(xs, { chunk: 4 }));
    expect(chunks.map((c) => c.shape)).toEqual([
      [4, 1, 2],
      [4, 1, 2],
      [2, 1, 2],
    ]);
    expect(chunks.every((c) => c.data.buffer === xs.data.buffer)).toBe(true);
    expect(Array.from(concat(chunks).data)).toEqual(Array.from(xs.data));
  });

  it('takes nested arrays (float32 by default) and converts dtype on request', () => {
    const [c] = collect(fromTensor([[[1, 2]], [[3, 4]]]));
    expect(c?.data).toEqual(new Float32Array([1, 2, 3, 4]));
    const [d] = collect(fromTensor(xs, { dtype: 'float32', chunk: 10 }));
    expect(d?.data).toBeInstanceOf(Float32Array);
    expect(Array.from(d?.data ?? [])).toEqual(Array.from(xs.data));
  });

  it('the default chunk is 100 steps', () => {
    const long = fromTypedArray(new Float32Array(250), [250, 1, 1]);
    expect(collect(fromTensor(long)).map((c) => c.shape[0])).toEqual([100, 100, 50]);
  });

  it('without a clock emits the chunks a virtual clock of the same sizes gives, and stops when unsubscribed', () => {
    const long = fromTypedArray(
      Float64Array.from({ length: 23 * 2 }, (_, k) => k),
      [23, 1, 2],
    );
    for (const chunk of [1, 4, 23, 30, [1, 7, 3], [5, 2]]) {
      const direct = collect(fromTensor(long, { chunk }));
      const clocked = collect(fromTensor(long, { clock: virtualClock({ chunk }) }));
      expect(direct.map((c) => c.shape)).toEqual(clocked.map((c) => c.shape));
      expect(direct.map((c) => Array.from(c.data))).toEqual(clocked.map((c) => Array.from(c.data)));
    }
    expect(collect(fromTensor(long, { chunk: [1, 7, 3] })).map((c) => c.shape[0])).toEqual([1, 7, 3, 1, 7, 3, 1]);
    expect(collect(fromTensor(fromTypedArray(new Float32Array(0), [0, 1, 2])))).toEqual([]);
    // The loop stops once the subscriber is closed: take(2) sees exactly two chunks, the first two.
    const firstTwo = collect(fromTensor(long, { chunk: 5 }).pipe(take(2)));
    expect(firstTwo.map((c) => c.data[0])).toEqual([0, 10]);
  });

  it('rejects inputs without a time dimension and conflicting options', () => {
    expect(() => fromTensor(tensor([1, 2, 3]))).toThrow('fromTensor: input must be [T, batch, ...] (time first), received shape [3]');
    expect(() => fromTensor(5 as never)).toThrow('fromTensor: input must be a tensor or nested arrays [T, batch, ...], received 5');
    expect(() => fromTensor(xs, { chunk: 2, clock: virtualClock() })).toThrow(
      "fromTensor: chunk cannot be combined with clock: the clock's ticks set the chunk sizes",
    );
    expect(() => fromTensor(xs, { chunk: 0 })).toThrow('fromTensor: chunk must be an integer >= 1, received 0');
    expect(() => fromTensor(xs, { clock: [] as never })).toThrow('fromTensor: clock must be an Observable of ticks');
  });
});

describe('constantCurrent', () => {
  it('repeats one step; chunks of equal length are one immutable tensor', () => {
    const chunks = collect(constantCurrent([[0.5, -1]], { steps: 7, chunk: 3, dtype: 'float64' }));
    expect(chunks.map((c) => toNested(c))).toEqual([
      [[[0.5, -1]], [[0.5, -1]], [[0.5, -1]]],
      [[[0.5, -1]], [[0.5, -1]], [[0.5, -1]]],
      [[[0.5, -1]]],
    ]);
    expect(chunks[0]).toBe(chunks[1]);
    expect(Object.isFrozen(chunks[0])).toBe(true);
  });

  it('a number needs a step shape; an infinite current stops with take', () => {
    const chunks: Tensor[] = [];
    constantCurrent(2, { shape: [2, 3], chunk: 10 })
      .pipe(take(4))
      .subscribe((c) => chunks.push(c));
    expect(chunks).toHaveLength(4);
    expect(chunks[0]?.shape).toEqual([10, 2, 3]);
    expect(Array.from(chunks[3]?.data ?? []).every((v) => v === 2)).toBe(true);
    expect(() => constantCurrent(2)).toThrow('constantCurrent: shape (the step shape [batch, ...]) is required when value is a number');
    expect(() => constantCurrent([[1, 2]], { shape: [1, 3] })).toThrow('constantCurrent: value has shape [1, 2] but shape is [1, 3]');
  });
});

describe('fromSteps', () => {
  it('groups the steps of a generator function into chunks, anew for every subscription', () => {
    const sine = fromSteps(
      function* () {
        for (let k = 0; k < 5; k++) yield [[k, -k]];
      },
      { chunk: 2, dtype: 'float64' },
    );
    const first = collect(sine);
    expect(first.map((c) => toNested(c))).toEqual([[[[0, -0]], [[1, -1]]], [[[2, -2]], [[3, -3]]], [[[4, -4]]]]);
    expect(collect(sine).map((c) => toNested(c))).toEqual(first.map((c) => toNested(c)));
  });

  it('takes iterables and tensors, stops after `steps`, and closes the generator on unsubscribe', () => {
    let closed = false;
    const chunks = collect(
      fromSteps(
        function* () {
          try {
            for (let k = 0; ; k++) yield tensor([[k]]);
          } finally {
            closed = true;
          }
        },
        { steps: 3, chunk: 2 },
      ),
    );
    expect(chunks.map((c) => Array.from(c.data))).toEqual([[0, 1], [2]]);
    expect(closed).toBe(true);
    closed = false;
    const infinite = fromSteps(function* () {
      try {
        for (;;) yield [[1]];
      } finally {
        closed = true;
      }
    });
    infinite.pipe(take(2)).subscribe();
    expect(closed).toBe(true);
    expect(collect(fromSteps([[[1]], [[2]], [[3]]], { chunk: 5 })).map((c) => c.shape)).toEqual([[3, 1, 1]]);
  });

  it('errors when a step changes shape or is not an array', () => {
    const ragged = fromSteps(function* () {
      yield [[1, 2]];
      yield [[1, 2, 3]];
    });
    expect(streamError(ragged).message).toBe('fromSteps: step 1 has shape [1, 3] but step 0 had [1, 2]');
    expect(streamError(fromSteps(['a' as never])).message).toBe(
      'fromSteps: step 0 must be a number, nested arrays or a tensor, received "a"',
    );
    expect(() => fromSteps(5 as never)).toThrow('fromSteps: input must be a generator function or an iterable of steps, received 5');
  });
});

describe('poissonSpikes', () => {
  it("follows Norse's rule u < dt·rate on the seeded generator's draws, in row-major order", () => {
    const rates = [[0, 50, 200, 1000]];
    const chunks = collect(poissonSpikes(rates, { dt: 0.001, seed: 7, steps: 300, chunk: 300, dtype: 'float64' }));
    const [u] = uniforms(seededGenerator(7), 300 * 4);
    const expected = Array.from(u, (v, k) => (v < 0.001 * ((rates[0] as number[])[k % 4] as number) ? 1 : 0));
    expect(Array.from((chunks[0] as Tensor).data)).toEqual(expected);
    const z = (chunks[0] as Tensor).data;
    const count = (n: number): number => Array.from(z).filter((v, k) => k % 4 === n && v === 1).length;
    expect(count(0)).toBe(0); // rate 0 never fires
    expect(count(3)).toBe(300); // dt·rate = 1 always fires
  });

  it('is the same train whatever the chunk sizes (fast-check)', () => {
    const whole = concat(collect(poissonSpikes(100, { shape: [2, 5], seed: 3, steps: 200, chunk: 200 })));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }), (sizes) => {
        const chunked = concat(collect(poissonSpikes(100, { shape: [2, 5], seed: 3, steps: 200, chunk: sizes })));
        expect(chunked.shape).toEqual([200, 2, 5]);
        expect(Array.from(chunked.data)).toEqual(Array.from(whole.data));
      }),
      { numRuns: 30 },
    );
  });

  it('fires at the requested rate; seeds give reproducible, different trains', () => {
    const a = concat(collect(poissonSpikes(100, { shape: [1, 100], seed: 1, steps: 1000 })));
    const mean = Array.from(a.data).reduce((s, v) => s + v, 0) / a.data.length;
    // 1e5 Bernoulli(0.1) draws: standard deviation of the mean 9.5e-4
    expect(Math.abs(mean - 0.1)).toBeLessThan(0.005);
    const again = concat(collect(poissonSpikes(100, { shape: [1, 100], seed: 1, steps: 1000 })));
    const other = concat(collect(poissonSpikes(100, { shape: [1, 100], seed: 2, steps: 1000 })));
    expect(Array.from(again.data)).toEqual(Array.from(a.data));
    expect(Array.from(other.data)).not.toEqual(Array.from(a.data));
  });

  it('rejects negative or non-finite rates and bad options', () => {
    expect(() => poissonSpikes([[1, -2]])).toThrow('poissonSpikes: rates must be finite and >= 0 (Hz), received -2 at flat index 1');
    expect(() => poissonSpikes(10, { shape: [1, 2], dt: -1 })).toThrow('poissonSpikes: dt must be > 0, received -1');
    expect(() => poissonSpikes(10, { shape: [1, 2], seed: Number.NaN })).toThrow(
      'seededGenerator: seed must be a finite number, received NaN',
    );
    expect(() => poissonSpikes(10, { shape: [1, 2], rate: 3 } as never)).toThrow('poissonSpikes: unknown option "rate"');
  });
});
