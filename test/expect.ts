/** Assertions on the errors the library throws, shared by the tests. */
import { expect } from 'vitest';
import { SpikeflowError } from '../src/ops/errors.js';

/** Runs `fn`, asserts that it throws a SpikeflowError, and returns that error. */
export const catchSpikeflowError = (fn: () => unknown): SpikeflowError => {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SpikeflowError);
  return caught as SpikeflowError;
};

/**
 * Asserts that `fn` throws a SpikeflowError whose message matches `message` (a substring or a
 * pattern) and, when given, that names `argument`.
 */
export const expectSpikeflowError = (fn: () => unknown, message: string | RegExp, argument?: string): void => {
  const e = catchSpikeflowError(fn);
  expect(e.message).toMatch(message);
  if (argument !== undefined) expect(e.argument).toBe(argument);
};

/**
 * Asserts that `fn` throws a SpikeflowError about `argument` whose message, when `message` is
 * given, matches it (a substring or a pattern).
 */
export const expectArgumentError = (fn: () => unknown, argument: string, message?: string | RegExp): void => {
  const e = catchSpikeflowError(fn);
  expect(e.argument).toBe(argument);
  if (message !== undefined) expect(e.message).toMatch(message);
};

/**
 * Worst error relative to the expected array's largest magnitude: max |a − e| / max(max |e|, 1e-30);
 * asserts first that both have the same length.
 */
export const relWorst = (a: ArrayLike<number> | undefined, e: ArrayLike<number> | undefined): number => {
  expect(a?.length).toBe(e?.length);
  let worst = 0;
  let scale = 1e-30;
  for (let k = 0; k < (e?.length ?? 0); k++) {
    worst = Math.max(worst, Math.abs((a?.[k] as number) - (e?.[k] as number)));
    scale = Math.max(scale, Math.abs(e?.[k] as number));
  }
  return worst / scale;
};
