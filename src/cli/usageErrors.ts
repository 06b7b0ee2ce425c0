/**
 * The one error path of the CLI: every failure becomes a message on stderr and an exit code —
 * 2 for bad arguments or input (anything the user can fix), 1 only for a bug in spikeflow itself,
 * with a line asking to report it.
 * @module
 */
import { CommanderError } from 'commander';
import { SpikeflowError } from '../ops/errors.js';

/** An error the CLI reports with exit code 2 (bad arguments or input); `flag` names the option to change, if any. */
export class UsageError extends Error {
  /** The flag or argument at fault (e.g. `--max-steps`), if one. */
  readonly flag: string | undefined;
  /**
   * @param message - what was expected and what was received
   * @param flag - the flag or argument at fault
   */
  constructor(message: string, flag?: string) {
    super(message);
    this.name = 'UsageError';
    this.flag = flag;
  }
}

/** How {@link asFlagError} re-words the errors of one library function for the command line. */
export interface FlagRule {
  /** `SpikeflowError.where` of the errors to re-word: a name (`mnistTask`) or a pattern (`/\.parameters$/`). */
  readonly where: string | RegExp;
  /** Only errors about this argument (`SpikeflowError.argument`); default any. */
  readonly argument?: string | RegExp;
  /** Put before the message with a colon, e.g. `--params "p.json"`; default nothing. */
  readonly prefix?: string;
  /** Option names replaced in the message by the flags the user typed, e.g. `{ trainSize: '--train-size' }`. */
  readonly names?: Readonly<Record<string, string>>;
  /** Other phrases to replace, e.g. `['pass format', 'pass --format']`. */
  readonly replace?: readonly (readonly [string | RegExp, string])[];
  /** The flag at fault when the argument is not one of `names` (the error's `UsageError.flag`). */
  readonly flag?: string;
}

const matches = (pattern: string | RegExp | undefined, value: string): boolean =>
  pattern === undefined || (typeof pattern === 'string' ? pattern === value : pattern.test(value));

/**
 * A library function's error re-worded for the command line by the first rule that matches it:
 * the function's name is dropped, option names become the flags the user typed (`trainSize` →
 * `--train-size`), and a prefix names the file or flag at fault, so that the message speaks of
 * what the user gave. Any other error is returned unchanged.
 * @param e - the error caught
 * @param rules - tried in order
 * @returns a {@link UsageError} naming the flag, or `e`
 */
export const asFlagError = (e: unknown, rules: readonly FlagRule[]): unknown => {
  if (!(e instanceof SpikeflowError)) return e;
  const rule = rules.find((r) => matches(r.where, e.where) && matches(r.argument, e.argument));
  if (rule === undefined) return e;
  let message = e.message.startsWith(`${e.where}: `) ? e.message.slice(e.where.length + 2) : e.message;
  for (const [name, flag] of Object.entries(rule.names ?? {})) {
    message = message.replace(new RegExp(`(?<![\\w-])${name}(?![\\w-])`, 'g'), flag);
  }
  for (const [from, to] of rule.replace ?? []) message = message.replace(from, to);
  return new UsageError(rule.prefix === undefined ? message : `${rule.prefix}: ${message}`, rule.names?.[e.argument] ?? rule.flag);
};

/**
 * The message of a model's refusal of `dt` (forward Euler unstable) for the command line: the
 * smaller `--dt`, and the parameters that allow a larger one where the user can set them.
 * @param params - where parameters are given (`--params "p.json"`, `the layer's params`), or undefined when they cannot be
 */
export const dtAdvice = (message: string, params: string | undefined): string =>
  message
    .replace(/use a smaller dt/, 'use a smaller --dt')
    .replace(
      /, integration: 'exponentialEuler' or 'exact' where the model has it, or allowUnstableEuler: true$/,
      params === undefined
        ? ''
        : `, or set "integration": "exponentialEuler" or "exact" (where the model has it) or "allowUnstableEuler": true in ${params}`,
    )
    .replace(/ or allowUnstableEuler: true$/, params === undefined ? '' : ` or set "allowUnstableEuler": true in ${params}`);

/** Where to file a bug, printed with exit 1. */
export const REPORT_URL = 'https://github.com/spikeflow/spikeflow/issues';

/** Node system errors (fs) that are about the user's files, not about spikeflow. */
const USER_CODES = new Set([
  'ENOENT',
  'EISDIR',
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'EEXIST',
  'ELOOP',
  'ENAMETOOLONG',
  'EROFS',
  'ENOSPC',
  'EMFILE',
  'EINVAL',
  'EBADF',
  'EFBIG',
  'EIO',
  'ENXIO',
  'ECONNREFUSED',
  'EPIPE',
]);

const cap = (text: string, n = 500): string => (text.length > n ? `${text.slice(0, n)}… (${text.length - n} more characters)` : text);

/**
 * Classifies an error thrown by a command: `{ code: 2, message }` for anything the user's
 * arguments or files caused (spikeflow's validation, file-system errors, CSV syntax, commander's
 * own errors — already printed — and out-of-memory range errors that a limit should have caught),
 * `{ code: 1, message }` with a request to report it for anything else.
 */
export const classify = (e: unknown): { readonly code: 0 | 1 | 2; readonly message: string | undefined } => {
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, message: undefined };
  if (e instanceof UsageError || e instanceof SpikeflowError) return { code: 2, message: cap(e.message, 2000) };
  if (e instanceof Error) {
    const sys = e as NodeJS.ErrnoException;
    if (typeof sys.code === 'string' && USER_CODES.has(sys.code)) return { code: 2, message: cap(sys.message) };
    // csv-parse's errors carry a CSV_* code (e.g. CSV_INVALID_OPENING_QUOTE).
    if (e.name === 'CsvError' || e.constructor.name === 'CsvError' || (typeof sys.code === 'string' && sys.code.startsWith('CSV_'))) {
      return { code: 2, message: `CSV input is malformed: ${cap(e.message)}` };
    }
    if (e instanceof SyntaxError && /JSON/.test(e.message)) return { code: 2, message: `invalid JSON: ${cap(e.message)}` };
    // Allocation failures: the input asks for more memory than this process can have. The limits
    // (`--max-memory`, `--max-neurons`, `--max-steps`) should refuse such runs first.
    if (
      e instanceof RangeError &&
      /Invalid (typed )?array (buffer )?length|Array buffer allocation failed|Invalid string length/.test(e.message)
    ) {
      return { code: 2, message: `out of memory: ${e.message}; the input is too large for this machine (see --max-memory)` };
    }
  }
  const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  return {
    code: 1,
    message: `internal error (a bug in spikeflow): ${cap(detail, 4000)}\nPlease report it at ${REPORT_URL} with the command line that caused it.`,
  };
};
