/**
 * The argument checks shared across spikeflow, in one place: option records (unknown names
 * rejected), one-of-a-set strings, positive integers and counts, and the small parameter records
 * used by encoders, decoders and plasticity rules (Norse's field names in camelCase, Norse's
 * defaults, unknown names rejected). Each check returns the checked value or throws a
 * {@link SpikeflowError} naming the function, the argument, what was expected and what arrived.
 *
 * (`src/ops` cannot import the neuron layer's parameter machinery; instead the neuron layer's
 * validation, `src/neurons/model.ts`, builds on {@link parameterRecord} and {@link scalarParameter}.)
 * @module
 */
import { finiteNumber, nonNegativeNumber, orThrow, positiveNumber, SpikeflowError, show } from './errors.js';

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
 * Rejects names that are not parameters: the first key of `record` not in `known` throws.
 * @throws SpikeflowError naming the unknown key and listing the known ones
 */
export const checkKnownKeys = (where: string, known: readonly string[], record: object): void => {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new SpikeflowError(where, key, `unknown parameter ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
    }
  }
};

/**
 * The caller's parameter record: `given`, or `{}` when it is undefined or null, checked to be an
 * object with only `known` keys.
 * @throws SpikeflowError when `given` is not an object or has an unknown key
 */
export const parameterRecord = (where: string, known: readonly string[], given: unknown): Readonly<Record<string, unknown>> => {
  const p = given ?? {};
  if (typeof p !== 'object' || Array.isArray(p)) {
    throw new SpikeflowError(where, 'parameters', `parameters must be an object, received ${show(p)}`);
  }
  checkKnownKeys(where, known, p);
  return p as Readonly<Record<string, unknown>>;
};

/**
 * One validated parameter: `value`, or the spec's default when it is undefined, checked against
 * the spec (a number in its range, one of the options, or a boolean).
 * @throws SpikeflowError naming `key` when the value does not fit the spec
 */
export const scalarParameter = (where: string, key: string, spec: ScalarParamSpec, given: unknown): number | string | boolean => {
  const value = given === undefined ? spec.default : given;
  if (spec.kind === 'number') {
    const check = spec.range === 'positive' ? positiveNumber : spec.range === 'nonNegative' ? nonNegativeNumber : finiteNumber;
    return orThrow(where)(check(key, value));
  }
  if (spec.kind === 'enum') return checkOption(where, key, value, spec.options);
  if (typeof value !== 'boolean') throw new SpikeflowError(where, key, `${key} must be true or false, received ${show(value)}`);
  return value;
};

/**
 * Validates a parameter record against its specs and fills in the defaults.
 * @param where - function name for error messages, e.g. `stdpStepLinear`
 * @param specs - the parameter specs
 * @param given - the caller's (partial) record, or undefined for all defaults
 * @returns a frozen record with every parameter
 * @throws SpikeflowError when `given` is not an object, has an unknown key, or a value is out of range
 */
export const scalarParameters = <S extends ScalarParamSpecs>(where: string, specs: S, given: unknown): ScalarParamsOf<S> => {
  const record = parameterRecord(where, Object.keys(specs), given);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = scalarParameter(where, key, spec, record[key]);
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

/**
 * Checks an options record: an object (or undefined, read as `{}`) whose keys are all in `known`.
 * @returns the record (`{}` for undefined)
 * @throws SpikeflowError for argument `options` when it is not an object or has an unknown key
 */
export const checkOptions = <O extends object>(where: string, options: O | undefined, known: readonly string[]): O => {
  const o = options ?? ({} as O);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new SpikeflowError(where, 'options', `options must be an object, received ${show(o)}`);
  }
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new SpikeflowError(where, 'options', `unknown option ${JSON.stringify(unknown[0])}; expected ${known.join(', ')}`);
  }
  return o;
};

/**
 * Checks that `value` is one of the strings `options`.
 * @throws SpikeflowError naming `argument` and listing the options (quoted as JSON) otherwise
 */
export const checkOption = <T extends string>(where: string, argument: string, value: unknown, options: readonly T[]): T => {
  if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
  throw new SpikeflowError(
    where,
    argument,
    `${argument} must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, received ${show(value)}`,
  );
};

/**
 * Checks a positive integer (a size, a count of steps, a batch).
 * @throws SpikeflowError `<argument> must be a positive integer, received <value>` otherwise
 */
export const checkPositiveInteger = (where: string, argument: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SpikeflowError(where, argument, `${argument} must be a positive integer, received ${show(value)}`);
  }
  return value;
};
