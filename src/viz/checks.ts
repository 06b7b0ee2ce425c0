/**
 * Checks of accessor arguments shared by the sinks. Each returns the checked value or throws a
 * SpikeflowError naming the sink, the argument, what was expected and what arrived.
 * @module
 */
import { color as d3color } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import type { AttachTarget } from './types.js';

export { checkOption, checkPositiveInteger } from '../ops/validate.js';

/**
 * A finite number > 0 (e.g. a width in pixels, a time step in seconds).
 * @throws SpikeflowError (`argument`) for anything else
 */
export const checkPositive = (where: string, argument: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new SpikeflowError(where, argument, `${argument} must be a finite number > 0, received ${show(v)}`);
  }
  return v;
};

/**
 * A string (titles, labels).
 * @throws SpikeflowError (`argument`) for anything else
 */
export const checkString = (where: string, argument: string, v: unknown): string => {
  if (typeof v !== 'string') throw new SpikeflowError(where, argument, `${argument} must be a string, received ${show(v)}`);
  return v;
};

/**
 * The element a chart attaches to: a DOM element, or the node of a d3 selection.
 * @throws SpikeflowError (`target`) for anything else
 */
export const resolveTarget = (where: string, target: AttachTarget): Element => {
  const node = typeof (target as { node?: unknown }).node === 'function' ? (target as { node(): Element | null }).node() : target;
  if (node === null || typeof node !== 'object' || typeof (node as Element).appendChild !== 'function') {
    throw new SpikeflowError(where, 'target', `target must be a DOM element or a d3 selection of one, received ${show(node)}`);
  }
  return node as Element;
};

/**
 * Checks a selection of neurons (for accessors that take one): undefined (all neurons) or a
 * non-empty array of neuron indices (non-negative integers); returns a frozen copy.
 * @throws SpikeflowError (`argument`) for anything else
 */
export const checkNeurons = (where: string, argument: string, v: unknown): readonly number[] | undefined => {
  if (v === undefined) return undefined;
  if (!(Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n) && n >= 0))) {
    throw new SpikeflowError(where, argument, `${argument} must be a non-empty array of neuron indices, received ${show(v)}`);
  }
  return Object.freeze([...(v as number[])]);
};

/**
 * Checks a CSS colour (for accessors that take one).
 * @throws SpikeflowError (`argument`) when it is not a colour d3 can parse
 */
export const checkColor = (where: string, argument: string, c: unknown): string => {
  if (typeof c !== 'string' || d3color(c) === null) {
    throw new SpikeflowError(where, argument, `${argument} must be a CSS colour, received ${show(c)}`);
  }
  return c;
};
