/**
 * Errors and argument validation shared by every public function of spikeflow.
 *
 * Every check produces a message that names the function and argument, the expected value and
 * the received one, e.g. `lif.step: input shape [1, 5] does not match state shape [1, 4]`.
 * Internally checks are fp-ts `Either`s so they compose; the public boundary throws
 * {@link SpikeflowError}.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';

/** A failed check: argument name plus the message (without the `where:` prefix). */
export interface Invalid {
  /** Name of the rejected argument (or parameter), e.g. `tauMemInv`. */
  readonly argument: string;
  /** What was expected and what was received, e.g. `tauMemInv must be > 0, received -1`. */
  readonly message: string;
}

/** The message of several problems found together: `2 problems: (1) …; (2) …`. */
const problemsMessage = (problems: readonly Invalid[]): string =>
  problems.length === 1
    ? (problems[0] as Invalid).message
    : `${problems.length} problems: ${problems.map((p, k) => `(${k + 1}) ${p.message}`).join('; ')}`;

/**
 * The error every spikeflow validation throws (and every stream errors with).
 * `where` is the function that rejected the value (e.g. `lif.step`), `argument` the argument.
 * When one call had several bad arguments (e.g. two parameters of a record), all of them are
 * reported together: the message lists each (`lif.run: 2 problems: (1) tauMemInv must be > 0,
 * received -1; (2) vTh must be a finite number, received NaN`), `argument` names the first and
 * `problems` holds every one.
 */
export class SpikeflowError extends Error {
  /** Function that rejected the input, e.g. `lif.run`. */
  readonly where: string;
  /** Argument that was rejected (the first one when there are several), e.g. `dt` or `input`. */
  readonly argument: string;
  /** Every problem found, in argument order (one for a single bad argument). */
  readonly problems: readonly Invalid[];
  /**
   * @param where - function that rejected the input
   * @param argument - name of the rejected argument
   * @param message - what was expected and what was received
   */
  constructor(where: string, argument: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'SpikeflowError';
    this.where = where;
    this.argument = argument;
    this.problems = [{ argument, message }];
  }

  /**
   * One error for every problem found in one call (at least one): the message lists each.
   * @param where - function that rejected the input
   * @param problems - the problems, in argument order
   */
  static of(where: string, problems: readonly Invalid[]): SpikeflowError {
    const first = problems[0] ?? { argument: 'arguments', message: 'invalid arguments' };
    const e = new SpikeflowError(where, first.argument, problemsMessage(problems.length === 0 ? [first] : problems));
    (e as { problems: readonly Invalid[] }).problems = Object.freeze(problems.length === 0 ? [first] : [...problems]);
    return e;
  }
}

/** Result of a check: `Right(value)` or `Left(Invalid)`. */
export type Check<A> = E.Either<Invalid, A>;

/** Builds a failed check. */
export const invalid = <A = never>(argument: string, message: string): Check<A> => E.left({ argument, message });

/**
 * Throws a {@link SpikeflowError} for `where` if the check failed, else returns its value: {@link orThrow}
 * not curried, for paths that run per chunk of a stream (no closure made per call: such closures
 * lose their optimised code at every full garbage collection, and V8 compiles them again).
 * @throws SpikeflowError naming the check's argument, with its message
 */
export const orThrowAt = <A>(where: string, check: Check<A>): A => {
  if (check._tag === 'Left') throw new SpikeflowError(where, check.left.argument, check.left.message);
  return check.right;
};

/** Throws a {@link SpikeflowError} for `where` if the check failed, else returns its value. */
export const orThrow =
  (where: string) =>
  <A>(check: Check<A>): A =>
    orThrowAt(where, check);

/** Formats a value for an error message (numbers as written, arrays as `[a, b]`). */
export const show = (value: unknown, depth = 0): string => {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (Array.isArray(value)) {
    // Bounded: a message never grows with the input (deeply nested or huge arrays).
    if (depth >= 4) return `[…${value.length} items]`;
    const head = value.slice(0, 32).map((v) => show(v, depth + 1));
    return `[${head.join(', ')}${value.length > 32 ? `, … (${value.length} items)` : ''}]`;
  }
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as Float64Array).length})`;
  if (typeof value === 'object') return `object with keys ${show(Object.keys(value as object), depth + 1)}`;
  return String(value);
};

/** Checks that `value` is a finite number (not NaN, not ±Infinity). */
export const finiteNumber = (argument: string, value: unknown): Check<number> =>
  typeof value === 'number' && Number.isFinite(value)
    ? E.right(value)
    : invalid(argument, `${argument} must be a finite number, received ${show(value)}`);

/** Checks that `value` is a finite number > 0. */
export const positiveNumber = (argument: string, value: unknown): Check<number> =>
  pipe(
    finiteNumber(argument, value),
    E.chain((v) => (v > 0 ? E.right(v) : invalid(argument, `${argument} must be > 0, received ${show(v)}`))),
  );

/** Checks that `value` is a finite number >= 0. */
export const nonNegativeNumber = (argument: string, value: unknown): Check<number> =>
  pipe(
    finiteNumber(argument, value),
    E.chain((v) => (v >= 0 ? E.right(v) : invalid(argument, `${argument} must be >= 0, received ${show(v)}`))),
  );

/** Checks that `value` is one of `options`. */
export const oneOf = <T extends string>(argument: string, value: unknown, options: readonly T[]): Check<T> =>
  typeof value === 'string' && (options as readonly string[]).includes(value)
    ? E.right(value as T)
    : invalid(argument, `${argument} must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, received ${show(value)}`);

/** Checks the time step `dt` (seconds): finite and > 0. */
export const checkDt = (dt: unknown): Check<number> => positiveNumber('dt', dt);

/**
 * The message of a {@link SpikeflowError} without its `where: ` prefix, for re-wording it under
 * another path (a network file's `layers[1].params`, a CLI flag).
 */
export const errorDetail = (e: SpikeflowError): string =>
  e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message;

/**
 * Which of `keys` (parameter names given by the user) an error is about: the error's argument, else
 * the key it quotes (`unknown parameter "vth"`), else the key its message starts with
 * (`tauMemInv must be > 0`), else one it names anywhere; undefined when none.
 */
export const offendingKey = (e: SpikeflowError, keys: readonly string[]): string | undefined => {
  const detail = errorDetail(e);
  return (
    keys.find((k) => k === e.argument) ??
    keys.find((k) => detail.includes(JSON.stringify(k))) ??
    keys.find((k) => new RegExp(`^(parameter )?${k.replace(/[^\w]/g, '\\$&')}(?![\\w-])`).test(detail)) ??
    keys.find((k) => new RegExp(`(?<![\\w-])${k.replace(/[^\w]/g, '\\$&')}(?![\\w-])`).test(detail))
  );
};

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * Why a file could not be read, in words (`no such file or folder` for Node's
 * `ENOENT: no such file or directory, stat 'x'`), for the CLI's messages that name the file and its
 * flag (`spikeflow run --input`, `inspect`, NIR files). Throws nothing.
 * @param e - what `fs` threw (any value)
 * @returns the reason for the known `fs` error codes, else the error's own message (or `String(e)`)
 */
export const fileProblem = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return (typeof code === 'string' ? FILE_PROBLEMS[code] : undefined) ?? String((e as { message?: unknown } | null)?.message ?? e);
};
