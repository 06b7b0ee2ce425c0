/**
 * Files of `spikeflow run`: size and first bytes of an input, and JSON files read whole within
 * `--max-memory`.
 * @module
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { SNIFF_BYTES } from '../../io/formats/detect.js';
import { fileProblem } from '../../ops/errors.js';
import { bytes, type Limits } from '../limits.js';
import { UsageError } from '../usageErrors.js';

/**
 * The size in bytes of an input file.
 * @throws UsageError (`--input`) when it cannot be read, is a folder or is not a regular file
 */
export const fileSize = (path: string): number => {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read input file ${JSON.stringify(path)} (--input): ${fileProblem(e)}`, '--input');
  }
  if (st.isDirectory()) throw new UsageError(`--input ${JSON.stringify(path)} is a folder; give a recording file`, '--input');
  if (!st.isFile()) throw new UsageError(`--input ${JSON.stringify(path)} is not a regular file`, '--input');
  return st.size;
};

/** The first bytes of a file (at most `SNIFF_BYTES`), for format detection. */
export const sniff = (path: string, size: number): Uint8Array => {
  const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head;
};

/**
 * Reads a JSON file whole, refusing one larger than an eighth of `--max-memory` (parsing takes several times its size).
 * @param path - the file
 * @param what - what it holds, for messages (`input`, `network`)
 * @param flag - the flag that named it (`--input`, `--network`)
 * @param hint - appended to the message when the file is not JSON (what to give instead)
 * @throws UsageError naming `flag` (unreadable, a folder, not JSON) or `--max-memory` (too large)
 */
export const readJsonFile = (path: string, what: string, flag: string, limits: Limits, hint = ''): unknown => {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${flag} ${JSON.stringify(path)} is a folder; give a JSON file`, flag);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} file ${JSON.stringify(path)} (${flag}): ${fileProblem(e)}`, flag);
  }
  if (size * 8 > limits.maxMemory) {
    throw new UsageError(
      `${what} file ${JSON.stringify(path)} is ${bytes(size)}; JSON is parsed whole and needs about ${bytes(size * 8)}, more than --max-memory ${bytes(limits.maxMemory)}; raise --max-memory`,
      '--max-memory',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} file ${JSON.stringify(path)} (${flag}): ${fileProblem(e)}`, flag);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message;
    throw new UsageError(`${what} file ${JSON.stringify(path)} is not valid JSON: ${message}${hint}`, flag);
  }
};
