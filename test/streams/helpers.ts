/** Helpers shared by the stream tests. */
import type { Observable } from 'rxjs';
import { expect } from 'vitest';
import { SpikeflowError } from '../../src/ops/errors.js';

/** Subscribes and collects every value synchronously; fails on error or if the stream did not complete. */
export const collect = <A>(o: Observable<A>): A[] => {
  const out: A[] = [];
  let done = false;
  let failure: unknown;
  o.subscribe({ next: (v) => out.push(v), error: (e: unknown) => (failure = e), complete: () => (done = true) });
  if (failure !== undefined) throw failure;
  expect(done).toBe(true);
  return out;
};

/** The error a synchronous stream errors with, asserted to be a SpikeflowError. */
export const streamError = (o: Observable<unknown>): SpikeflowError => {
  let failure: unknown;
  o.subscribe({ error: (e: unknown) => (failure = e) });
  expect(failure).toBeInstanceOf(SpikeflowError);
  return failure as SpikeflowError;
};
