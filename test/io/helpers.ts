/** Helpers shared by the reader tests. */
import { expect } from 'vitest';
import type { EventBatch } from '../../src/io/formats/events.js';

/** Index of the first event where two batches differ (-1 when equal); fast on large batches. */
export const firstDifference = (a: EventBatch, b: EventBatch): number => {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    if (a.t[k] !== b.t[k] || a.x[k] !== b.x[k] || a.y[k] !== b.y[k] || a.p[k] !== b.p[k]) return k;
  }
  return a.length === b.length ? -1 : n;
};

/** Asserts two batches hold the same events, naming the first difference. */
export const expectSameEvents = (actual: EventBatch, expected: EventBatch): void => {
  const k = firstDifference(actual, expected);
  const show = (e: EventBatch) => (k < e.length ? [e.t[k], e.x[k], e.y[k], e.p[k]] : 'none');
  expect(
    k === -1
      ? 'same'
      : `event ${k}: ${JSON.stringify(show(actual))} vs ${JSON.stringify(show(expected))} (lengths ${actual.length}, ${expected.length})`,
  ).toBe('same');
};

/** A batch from arrays of [t, x, y, p] tuples. */
export const batchOf = (events: readonly (readonly [number, number, number, number])[]): EventBatch => ({
  length: events.length,
  t: Float64Array.from(events, (e) => e[0]),
  x: Uint16Array.from(events, (e) => e[1]),
  y: Uint16Array.from(events, (e) => e[2]),
  p: Uint8Array.from(events, (e) => e[3]),
});
