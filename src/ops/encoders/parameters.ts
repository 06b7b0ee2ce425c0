/**
 * Validation of the small parameter records used by encoders, decoders and plasticity rules:
 * Norse's field names in camelCase, Norse's defaults, unknown names rejected.
 *
 * (`src/ops` cannot import the neuron layer's parameter machinery, so this is the `ops`-level
 * equivalent for records of numbers, enums and booleans.)
 * @module
 */
import { finiteNumber, nonNegativeNumber, orThrow, positiveNumber, SpikeflowError, show } from '../errors.js';

/** One parameter: a number with a range, one of a set of strings, or a boolean; with Norse's default. */
export type ScalarParamSpec =
  | { readonly kind: 'number'; readonly default: number; readonly range: 'finite' | 'positive' | 'nonNegative' }
  | { readonly kind: 'enum'; readonly default: string; readonly options: readonly string[] }
  | { readonly kind: 'boolean'; readonly default: boolean };

/** Specs of a parameter record, keyed by spikeflow name. */
export type ScalarParamSpecs = Readonly<Record<string, ScalarParamSpec>>;

/** The validated record described by a set of specs. */
export type ScalarParamsOf<S extends ScalarParamSpecs> = {
  readonly [K in keyof S]: S[K] extends { kind: 'number' }
    ? number
    : S[K] extends { kind: 'enum'; options: readonly (infer O)[] }
      ? O
      : boolean;
};

/** What callers may pass: any subset of the record's fields. */
export type ScalarParamsInput<S extends ScalarParamSpecs> = Partial<Record<keyof S, number | string | boolean>>;

/**
 * Validates a parameter record against its specs and fills in the defaults.
 * @param where - function name for error messages, e.g. `stdpStepLinear`
 * @param specs - the parameter specs
 * @param given - the caller's (partial) record, or undefined for all defaults
 * @returns a frozen record with every parameter
 * @throws SpikeflowError when `given` is not an object, has an unknown key, or a value is out of range
 */
export const scalarParameters = <S extends ScalarParamSpecs>(where: string, specs: S, given: unknown): ScalarParamsOf<S> => {
  const p = given ?? {};
  if (typeof p !== 'object' || Array.isArray(p)) {
    throw new SpikeflowError(where, 'parameters', `parameters must be an object, received ${show(p)}`);
  }
  const record = p as Record<string, unknown>;
  const known = Object.keys(specs);
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new SpikeflowError(where, key, `unknown parameter ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = record[key] === undefined ? spec.default : record[key];
    if (spec.kind === 'number') {
      const check = spec.range === 'positive' ? positiveNumber : spec.range === 'nonNegative' ? nonNegativeNumber : finiteNumber;
      out[key] = orThrow(where)(check(key, value));
    } else if (spec.kind === 'enum') {
      if (typeof value !== 'string' || !spec.options.includes(value)) {
        throw new SpikeflowError(
          where,
          key,
          `${key} must be one of ${spec.options.map((o) => JSON.stringify(o)).join(', ')}, received ${show(value)}`,
        );
      }
      out[key] = value;
    } else {
      if (typeof value !== 'boolean') throw new SpikeflowError(where, key, `${key} must be true or false, received ${show(value)}`);
      out[key] = value;
    }
  }
  return Object.freeze(out) as ScalarParamsOf<S>;
};

/**
 * Checks a count argument (sequence length, spike count…): an integer >= `min`.
 * @throws SpikeflowError naming the argument otherwise
 */
export const checkCount = (where: string, argument: string, value: unknown, min = 0): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SpikeflowError(where, argument, `${argument} must be an integer >= ${min}, received ${show(value)}`);
  }
  return value;
};

/** Rounding of one operation's result for a dtype: `Math.fround` for float32, identity for float64. */
export const rounderFor = (dtype: 'float32' | 'float64'): ((x: number) => number) => (dtype === 'float32' ? Math.fround : (x) => x);
