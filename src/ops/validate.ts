/**
 * The argument checks shared across spikeflow, in one place: option records (unknown names
 * rejected), one-of-a-set strings, positive integers and counts, and the small parameter records
 * used by encoders, decoders and plasticity rules (Norse's field names in camelCase, Norse's
 * defaults, unknown names rejected).
 *
 * Checks of a whole record collect their results with fp-ts: each field's check is an `Either`
 * ({@link Validated}), combined with `Either`'s validation applicative ({@link Validation}) so
 * that every problem of the record is found, not only the first; the public functions then throw
 * once, at the boundary, a {@link SpikeflowError} whose message names each bad argument, what was
 * expected and what was received ({@link orThrowAll}). A record with a single bad value gives
 * the same message as a single check.
 *
 * (`src/ops` cannot import the neuron layer's parameter machinery; instead the neuron layer's
 * validation, `src/neurons/modelParams.ts`, builds on {@link parameterRecordV} and
 * {@link scalarParameterV}.)
 * @module
 */
import { sequenceT } from 'fp-ts/lib/Apply.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import {
  type Check,
  finiteNumber,
  type Invalid,
  nonNegativeNumber,
  oneOf,
  orThrow,
  positiveNumber,
  SpikeflowError,
  show,
} from './errors.js';

/** Every problem a validation found (at least one), in argument order. */
export type Problems = readonly [Invalid, ...Invalid[]];

/** Result of a validation that collects: `Right(value)` or `Left(problems)`. */
export type Validated<A> = E.Either<Problems, A>;

/**
 * `Either`'s applicative that accumulates failures (fp-ts `getApplicativeValidation`): combining
 * two failed validations keeps the problems of both.
 */
export const Validation = E.getApplicativeValidation<Problems>({ concat: (a, b) => [...a, ...b] });

/** A single check ({@link Check}) as a validation. */
export const validated = <A>(check: Check<A>): Validated<A> =>
  pipe(
    check,
    E.mapLeft((e): Problems => [e]),
  );

/** A failed validation with one problem. */
export const problem = <A = never>(argument: string, message: string): Validated<A> => E.left([{ argument, message }]);

/** All the validations of a list: the values in order, or every problem of every failed one. */
export const validateAll = <A>(vs: readonly Validated<A>[]): Validated<readonly A[]> =>
  vs.reduce<Validated<readonly A[]>>(
    (acc, v) =>
      Validation.ap(
        pipe(
          acc,
          E.map((as) => (a: A) => [...as, a]),
        ),
        v,
      ),
    E.right([]),
  );

/**
 * Validates the fields of a record, keeping its key order: the record of values, or every
 * problem of every field.
 */
export const validateFields = <A>(fields: readonly (readonly [string, Validated<A>])[]): Validated<Record<string, A>> =>
  pipe(
    validateAll(
      fields.map(([key, v]) =>
        pipe(
          v,
          E.map((a) => [key, a] as const),
        ),
      ),
    ),
    E.map((entries) => Object.fromEntries(entries)),
  );

/**
 * Throws at the public boundary: the value of a successful validation, or one
 * {@link SpikeflowError} for `where` listing every problem (see {@link SpikeflowError.of}).
 */
export const orThrowAll =
  (where: string) =>
  <A>(v: Validated<A>): A =>
    pipe(
      v,
      E.getOrElse<Problems, A>((problems) => {
        throw SpikeflowError.of(where, problems);
      }),
    );

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
 * The names of `record` that are not in `known`, as one problem (`unknown parameter "x"; expected
 * one of a, b`, or `unknown parameters "x", "y"; …` for several) named after the first of them.
 */
export const knownKeysV = (known: readonly string[], record: object, what = 'parameter'): Validated<void> => {
  const unknown = Object.keys(record).filter((k) => !known.includes(k));
  if (unknown.length === 0) return E.right(undefined);
  const names = unknown.map((k) => JSON.stringify(k)).join(', ');
  return problem(unknown[0] as string, `unknown ${what}${unknown.length > 1 ? 's' : ''} ${names}; expected one of ${known.join(', ')}`);
};

/**
 * Rejects names that are not parameters (all of them, in one message).
 * @throws SpikeflowError naming the unknown keys and listing the known ones
 */
export const checkKnownKeys = (where: string, known: readonly string[], record: object): void =>
  orThrowAll(where)(knownKeysV(known, record));

/** The caller's parameter record as an object: `given`, or `{}` when it is undefined or null. */
export const recordV = (given: unknown): Validated<Readonly<Record<string, unknown>>> => {
  const p = given ?? {};
  return typeof p !== 'object' || Array.isArray(p)
    ? problem('parameters', `parameters must be an object, received ${show(p)}`)
    : E.right(p as Readonly<Record<string, unknown>>);
};

/**
 * The caller's parameter record (`given`, or `{}` when it is undefined or null), checked to be
 * an object with only `known` keys; see {@link parameterRecord}.
 */
export const parameterRecordV = (known: readonly string[], given: unknown): Validated<Readonly<Record<string, unknown>>> =>
  pipe(
    recordV(given),
    E.chainFirst((p) => knownKeysV(known, p)),
  );

/**
 * The caller's parameter record: `given`, or `{}` when it is undefined or null, checked to be an
 * object with only `known` keys.
 * @throws SpikeflowError when `given` is not an object or has unknown keys
 */
export const parameterRecord = (where: string, known: readonly string[], given: unknown): Readonly<Record<string, unknown>> =>
  orThrowAll(where)(parameterRecordV(known, given));

/** A number check for a range: finite, > 0 or >= 0. */
export const rangeCheck = (range: 'finite' | 'positive' | 'nonNegative'): ((argument: string, value: unknown) => Check<number>) =>
  range === 'positive' ? positiveNumber : range === 'nonNegative' ? nonNegativeNumber : finiteNumber;

/**
 * One parameter: `given`, or the spec's default when it is undefined, checked against the spec
 * (a number in its range, one of the options, or a boolean); see {@link scalarParameter}.
 */
export const scalarParameterV = (key: string, spec: ScalarParamSpec, given: unknown): Validated<number | string | boolean> => {
  const value = given === undefined ? spec.default : given;
  if (spec.kind === 'number') return validated(rangeCheck(spec.range)(key, value));
  if (spec.kind === 'enum') return validated<number | string | boolean>(oneOf(key, value, spec.options));
  return typeof value === 'boolean' ? E.right(value) : problem(key, `${key} must be true or false, received ${show(value)}`);
};

/**
 * One validated parameter: `value`, or the spec's default when it is undefined, checked against
 * the spec (a number in its range, one of the options, or a boolean).
 * @throws SpikeflowError naming `key` when the value does not fit the spec
 */
export const scalarParameter = (where: string, key: string, spec: ScalarParamSpec, given: unknown): number | string | boolean =>
  orThrowAll(where)(scalarParameterV(key, spec, given));

/**
 * A parameter record validated against its specs, defaults filled in; every problem found
 * together: unknown names and each value that does not fit its spec.
 */
export const scalarParametersV = <S extends ScalarParamSpecs>(specs: S, given: unknown): Validated<ScalarParamsOf<S>> =>
  pipe(
    recordV(given),
    E.chain((record) =>
      sequenceT(Validation)(
        knownKeysV(Object.keys(specs), record),
        validateFields(Object.entries(specs).map(([key, spec]) => [key, scalarParameterV(key, spec, record[key])] as const)),
      ),
    ),
    E.map(([, fields]) => Object.freeze(fields) as ScalarParamsOf<S>),
  );

/**
 * Validates a parameter record against its specs and fills in the defaults.
 * @param where - function name for error messages, e.g. `stdpStepLinear`
 * @param specs - the parameter specs
 * @param given - the caller's (partial) record, or undefined for all defaults
 * @returns a frozen record with every parameter
 * @throws SpikeflowError when `given` is not an object, or listing every unknown key and every
 *   value out of range (all of them in one message)
 */
export const scalarParameters = <S extends ScalarParamSpecs>(where: string, specs: S, given: unknown): ScalarParamsOf<S> =>
  orThrowAll(where)(scalarParametersV(specs, given));

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
 * @throws SpikeflowError for argument `options` when it is not an object or has unknown keys (all named)
 */
export const checkOptions = <O extends object>(where: string, options: O | undefined, known: readonly string[]): O => {
  const o = options ?? ({} as O);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new SpikeflowError(where, 'options', `options must be an object, received ${show(o)}`);
  }
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => JSON.stringify(k)).join(', ');
    throw new SpikeflowError(where, 'options', `unknown option${unknown.length > 1 ? 's' : ''} ${names}; expected ${known.join(', ')}`);
  }
  return o;
};

/**
 * Checks that `value` is one of the strings `options`.
 * @throws SpikeflowError naming `argument` and listing the options (quoted as JSON) otherwise
 */
export const checkOption = <T extends string>(where: string, argument: string, value: unknown, options: readonly T[]): T =>
  orThrow(where)(oneOf(argument, value, options));

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
