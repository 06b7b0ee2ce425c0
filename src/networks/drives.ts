/**
 * External drive of populations: Poisson spike counts per step, Brian2's `PoissonInput` binomial
 * drive, constant or time-varying currents, and named stream inputs fed chunk by chunk.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { checkPositiveInteger } from '../ops/validate.js';
import { listOf } from './distributions.js';

/** A drive; see the factories. */
export type Drive =
  | {
      readonly kind: 'poisson';
      readonly to: string;
      readonly port: string;
      readonly rate: number;
      readonly weight: number;
      readonly n: number;
    }
  | {
      readonly kind: 'binomial';
      readonly to: string;
      readonly port: string;
      readonly rate: number;
      readonly weight: number;
      readonly n: number;
    }
  | {
      readonly kind: 'current';
      readonly to: string;
      readonly value: number | ArrayLike<number> | ((t: number) => number | ArrayLike<number>);
    }
  | { readonly kind: 'stream'; readonly name: string; readonly to: string; readonly port?: string };

const rateOf = (where: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new SpikeflowError(where, 'rate', `rate must be a rate >= 0 in Hz, received ${show(v)}`);
  return v;
};
const weightOf = (where: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new SpikeflowError(where, 'weight', `weight must be a finite number, received ${show(v)}`);
  return v;
};
const targetOf = (where: string, to: unknown): string => {
  if (typeof to !== 'string' || to === '') throw new SpikeflowError(where, 'to', `to must be a population name, received ${show(to)}`);
  return to;
};
const portOf = (where: string, port: unknown): string => {
  if (typeof port !== 'string' || port === '')
    throw new SpikeflowError(where, 'port', `port must be the name of a port of the target, received ${show(port)}`);
  return port;
};

/**
 * Independent Poisson spike trains onto every neuron of `to`: each step, each neuron receives a
 * Poisson count of mean `n·rate·dt` (counts above 1 per step are kept), each count adding
 * `weight` to `port`. `n` sources of `rate` each (default 1) are one source of `n·rate`.
 * @throws SpikeflowError for a bad name, port, rate (Hz, >= 0), weight or n
 */
export const poissonDrive = (
  to: string,
  options: { readonly port: string; readonly rate: number; readonly weight: number; readonly n?: number },
): Drive => {
  const where = 'poissonDrive';
  return Object.freeze({
    kind: 'poisson',
    to: targetOf(where, to),
    port: portOf(where, options?.port),
    rate: rateOf(where, options.rate),
    weight: weightOf(where, options.weight),
    n: options.n === undefined ? 1 : checkPositiveInteger(where, 'n', options.n),
  });
};

/**
 * Brian2's `PoissonInput(target, var, N, rate, weight)`: `n` independent Poisson sources of
 * `rate` onto each neuron of `to`, drawn per step as one binomial count of `n` trials with
 * probability `rate·dt` (normal approximation when `n·p > 5` and `n·(1 − p) > 5`, as Brian2), each
 * count adding `weight` to `port`.
 * @throws SpikeflowError for a bad name, port, rate (Hz, >= 0, rate·dt <= 1), weight or n
 */
export const poissonInput = (
  to: string,
  options: { readonly port: string; readonly n: number; readonly rate: number; readonly weight: number },
): Drive => {
  const where = 'poissonInput';
  return Object.freeze({
    kind: 'binomial',
    to: targetOf(where, to),
    port: portOf(where, options?.port),
    rate: rateOf(where, options.rate),
    weight: weightOf(where, options.weight),
    n: checkPositiveInteger(where, 'n', options.n),
  });
};

/**
 * A current added to the model input `x` of every neuron of `to` (e.g. COBA's `I`, or a
 * stimulus): a constant, one value per neuron, or a function of the time `t` (seconds, at the
 * start of the step) returning either.
 * @throws SpikeflowError for a bad name or value
 */
export const currentDrive = (to: string, value: number | ArrayLike<number> | ((t: number) => number | ArrayLike<number>)): Drive => {
  const where = 'currentDrive';
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new SpikeflowError(where, 'value', `value must be finite, received ${show(value)}`);
  if (typeof value !== 'number' && typeof value !== 'function' && listOf(where, 'value', value) === undefined) {
    throw new SpikeflowError(where, 'value', `value must be a number, a list per neuron or a function of t, received ${show(value)}`);
  }
  return Object.freeze({ kind: 'current', to: targetOf(where, to), value });
};

/**
 * A named input fed by the chunks given to `run` / `runNetwork`: a tensor `[T, N]` (or `[T, 1, N]`)
 * added per step to the model input `x` of `to`, or with `port` to that port (e.g. spike counts
 * times a weight). Any stream of chunks (event cameras, audio, other networks) can drive it.
 * @throws SpikeflowError for a bad name
 */
export const streamInput = (name: string, to: string, options: { readonly port?: string } = {}): Drive => {
  const where = 'streamInput';
  if (typeof name !== 'string' || name === '')
    throw new SpikeflowError(where, 'name', `name must be a non-empty string, received ${show(name)}`);
  return Object.freeze({
    kind: 'stream',
    name,
    to: targetOf(where, to),
    ...(options.port === undefined ? {} : { port: portOf(where, options.port) }),
  });
};
