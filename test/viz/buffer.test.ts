import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { ChunkWindow } from '../../src/viz/buffer.js';

/** A `[T, 1, 1]` chunk whose values are its global step indices. */
const steps = (first: number, T: number): Tensor =>
  fromTypedArray(
    Float64Array.from({ length: T }, (_, k) => first + k),
    [T, 1, 1],
  );

describe('ChunkWindow', () => {
  it('hands over exactly the last `window` steps, in order, however chunks and frames interleave (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ T: fc.integer({ min: 0, max: 80 }), frame: fc.boolean() }), { maxLength: 40 }),
        (window, plan) => {
          const w = new ChunkWindow(window);
          const seen: number[] = [];
          const consume = (main: Tensor, _aux: Tensor | undefined, first: number) => {
            main.data.forEach((v, k) => {
              expect(v).toBe(first + k); // views start where they say
              seen.push(v);
            });
          };
          let total = 0;
          for (const { T, frame } of plan) {
            w.push(steps(total, T));
            total += T;
            expect(w.pending).toBeLessThanOrEqual(2 * window);
            if (frame) w.drain(consume);
          }
          w.drain(consume);
          expect(w.received).toBe(total);
          expect(w.pending).toBe(0);
          // everything handed over is increasing, and the last `window` steps are all there
          for (let k = 1; k < seen.length; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1] as number);
          const tail = Array.from({ length: Math.min(window, total) }, (_, k) => total - Math.min(window, total) + k);
          expect(seen.slice(seen.length - tail.length)).toEqual(tail);
        },
      ),
    );
  });

  it('never holds more than window + one chunk, and copies chunks longer than the window', () => {
    const w = new ChunkWindow(10);
    const big = steps(0, 1000);
    w.push(big);
    expect(w.pending).toBe(10);
    let view: Tensor | undefined;
    w.drain((m) => {
      view = m;
    });
    expect(view?.data.buffer).not.toBe(big.data.buffer);
    expect(Array.from(view?.data ?? [])).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    for (let k = 0; k < 100; k++) {
      w.push(steps(1000 + k * 3, 3));
      expect(w.pending).toBeLessThanOrEqual(10 + 2);
    }
  });

  it('rejects a window that is not a positive integer', () => {
    expect(() => new ChunkWindow(0)).toThrow(/ChunkWindow: window must be a positive integer number of steps, received 0/);
  });
});
