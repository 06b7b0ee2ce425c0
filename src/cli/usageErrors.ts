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

/**
 * A library function's error re-worded for the command line: thrown by `where`, its option names
 * (keys of `flags`, e.g. `trainSize`) become the flags the user typed (`--train-size`) and the
 * function's name is dropped, so that the message speaks of what the user gave. Any other error
 * is returned unchanged.
 * @param e - the error caught
 * @param where - the library function whose errors are re-worded (`SpikeflowError.where`)
 * @param flags - option name → flag
 * @returns a {@link UsageError} naming the flag, or `e`
 */
export const asFlagError = (e: unknown, where: string, flags: Readonly<Record<string, string>>): unknown => {
  if (!(e instanceof SpikeflowError) || e.where !== where) return e;
  let message = e.message.startsWith(`${where}: `) ? e.message.slice(where.length + 2) : e.message;
  for (const [name, flag] of Object.entries(flags)) message = message.replace(new RegExp(`(?<![\\w-])${name}(?![\\w-])`, 'g'), flag);
  return new UsageError(message, flags[e.argument]);
};

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
