/**
 * Properties of every LIF-family model (fast-check): a fused run equals repeated steps; a run
 * split into chunks of any sizes equals one run; nothing mutates its arguments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NeuronModel, NeuronState } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import { concat, fromTypedArray, slice, type Tensor } from '../../src/ops/tensor.js';

const family = ['LIF', 'LI', 'LIBox', 'LIFBox', 'IAF', 'LIFRefrac', 'LIFRecurrent', 'LIFRefracRecurrent'];

const weights = (rows: number, cols: number, seed: number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.sin(seed + 7 * r + c) * 0.8));

/** Parameters that make every model spike now and then on inputs in [-0.5, 1.5). */
const paramsFor = (m: NeuronModel, inputs: number, hidden: number): Record<string, unknown> => {
  const p: Record<string, unknown> = {};
  if ('vTh' in m.specs) p.vTh = 0.3;
  if (m.recurrent) {
    p.inputWeights = weights(hidden, inputs, 1);
    p.recurrentWeights = weights(hidden, hidden, 2);
  }
  return p;
};

const arbInput = fc
  .record({ T: fc.integer({ min: 1, max: 40 }), B: fc.integer({ min: 1, max: 3 }), N: fc.integer({ min: 1, max: 5 }) })
  .chain(({ T, B, N }) =>
    fc
      .array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { minLength: T * B * N, maxLength: T * B * N })
      .map((values) => fromTypedArray(Float64Array.from(values), [T, B, N])),
  );

const expectStatesEqual = (a: NeuronState, b: NeuronState): void => {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  for (const k of Object.keys(a)) expect(Array.from((a[k] as Tensor).data)).toEqual(Array.from((b[k] as Tensor).data));
};

describe.each(family)('%s', (name) => {
  const m = models[name] as NeuronModel;

  it('run equals repeated step (float64, bit for bit)', () => {
    fc.assert(
      fc.property(arbInput, (xs) => {
        const [T, B, N] = xs.shape as [number, number, number];
        const p = paramsFor(m, N, 3);
        const [outs, final] = m.run(p as never)(xs);
        let state: NeuronState | undefined;
        const stepped: number[] = [];
        for (let t = 0; t < T; t++) {
          const x = fromTypedArray(slice(xs, t, t + 1).data, [B, N]);
          const [out, next] = m.step(p as never)(x, state);
          stepped.push(...out.data);
          state = next;
        }
        expect(Array.from(outs.data)).toEqual(stepped);
        expectStatesEqual(final, state as NeuronState);
      }),
      { numRuns: 40 },
    );
  });

  it('a run split into chunks of any sizes equals one run', () => {
    fc.assert(
      fc.property(arbInput, fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 10 }), (xs, sizes) => {
        const T = xs.shape[0] as number;
        const p = paramsFor(m, xs.shape[2] as number, 3);
        const run = m.run(p as never, 0.001, { record: true });
        const [whole, final, rec] = run(xs);
        const outs: Tensor[] = [];
        const recs: NeuronState[] = [];
        let state: NeuronState | undefined;
        let t = 0;
        let k = 0;
        while (t < T) {
          const end = Math.min(T, t + (sizes[k++ % sizes.length] as number));
          const [o, s, r] = run(slice(xs, t, end), state);
          outs.push(o);
          recs.push(r as NeuronState);
          state = s;
          t = end;
        }
        expect(Array.from(concat(outs).data)).toEqual(Array.from(whole.data));
        expectStatesEqual(final, state as NeuronState);
        for (const v of m.stateNames) {
          expect(Array.from(concat(recs.map((r) => r[v] as Tensor)).data)).toEqual(Array.from(((rec as NeuronState)[v] as Tensor).data));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('does not mutate its input or state (frozen copies stay equal)', () => {
    fc.assert(
      fc.property(arbInput, (xs) => {
        const p = paramsFor(m, xs.shape[2] as number, 3);
        const [, s1] = m.run(p as never)(slice(xs, 0, 1));
        const before = Array.from(xs.data);
        const stateBefore = Object.fromEntries(Object.entries(s1).map(([k, v]) => [k, Array.from((v as Tensor).data)]));
        const [, s2] = m.run(p as never)(xs, s1);
        expect(Array.from(xs.data)).toEqual(before);
        for (const [k, v] of Object.entries(s1)) expect(Array.from((v as Tensor).data)).toEqual(stateBefore[k]);
        for (const k of Object.keys(s2)) expect((s2[k] as Tensor).data).not.toBe((s1[k] as Tensor).data);
        expect(Object.isFrozen(s2)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});
