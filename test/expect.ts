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
