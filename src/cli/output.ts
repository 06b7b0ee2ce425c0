/**
 * Output paths of the CLI, checked before any work starts: `run --out DIR` must be a directory or
 * be creatable; `simulate --out FILE` must be creatable in an existing directory; `train --out FILE`
 * must be writable before the training starts. Nothing is
 * written through a symbolic link, and files spikeflow did not create are not overwritten unless
 * `--force` is given.
 * @module
 */
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './usageErrors.js';

/** Marker file listing what `spikeflow run` wrote in an output folder (so reruns may overwrite it). */
export const MARKER = '.spikeflow-out.json';

const lstat = (path: string) => {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`cannot examine ${JSON.stringify(path)}: ${(e as Error).message}`, '--out');
  }
};

/** An output folder ready for writing: the files it may write, and a clean-up for failed runs. */
export interface OutputDir {
  /** Absolute path of the folder. */
  readonly path: string;
  /** Writes `name` in the folder (never through a symlink; refusing a file spikeflow did not write unless forced). */
  readonly write: (name: string, text: string) => string;
  /** Removes the folders this check created, if they are still empty (after a failed run). */
  readonly abandon: () => void;
}

const createdHere = (dir: string): Set<string> => {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as { files?: unknown };
    return new Set(Array.isArray(parsed.files) ? parsed.files.filter((f): f is string => typeof f === 'string') : []);
  } catch {
    return new Set();
  }
};

/**
 * Writes `text` to `path` without following a final symlink (`O_NOFOLLOW`); with `replace` false,
 * refuses an existing file (`O_EXCL`).
 */
const writeNew = (path: string, text: string, replace: boolean, flag: string): void => {
  const st = lstat(path);
  if (st?.isSymbolicLink()) {
    throw new UsageError(`${flag}: ${JSON.stringify(path)} is a symbolic link; spikeflow does not write through links (remove it)`, flag);
  }
  if (st !== undefined && !st.isFile()) throw new UsageError(`${flag}: ${JSON.stringify(path)} exists and is not a regular file`, flag);
  if (st !== undefined && !replace) {
    throw new UsageError(
      `${flag}: ${JSON.stringify(path)} exists and was not written by spikeflow; give --force to overwrite it, or choose another path`,
      flag,
    );
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (st === undefined ? constants.O_EXCL : constants.O_TRUNC);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o644);
  } catch (e) {
    throw new UsageError(`${flag}: cannot write ${JSON.stringify(path)}: ${(e as Error).message}`, flag);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`${flag}: ${JSON.stringify(path)} is not a regular file`, flag);
    const bytes = Buffer.from(text, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
};

/**
 * Checks (and creates, one level at a time) the output folder of `spikeflow run` before the run
 * starts. Refuses: a path that exists and is not a directory, a symbolic link, a parent that
 * cannot be created (e.g. under `/proc`), or a folder that cannot be written.
 * @param out - the `--out` path
 * @param force - overwrite files spikeflow did not write
 * @throws UsageError naming `--out`
 */
export const prepareOutputDir = (out: string, force: boolean): OutputDir => {
  if (typeof out !== 'string' || out.length === 0) throw new UsageError('--out must be a folder path, received an empty string', '--out');
  if (out.includes('\0')) throw new UsageError('--out must not contain a NUL character', '--out');
  const path = resolve(out);
  const created: string[] = [];
  const st = lstat(path);
  if (st?.isSymbolicLink()) {
    throw new UsageError(`--out ${JSON.stringify(out)} is a symbolic link; give the folder it points to instead`, '--out');
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new UsageError(
      `--out ${JSON.stringify(out)} exists and is not a folder; --out names the folder for report.html and summary.json`,
      '--out',
    );
  }
  if (st === undefined) {
    // Create the missing folders one level at a time: a recursive mkdir can loop forever on
    // file systems such as /proc, and a failure here names the level that could not be made.
    const missing: string[] = [];
    for (let p = path; lstat(p) === undefined; p = dirname(p)) {
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
    const parent = dirname(missing[0] ?? path);
    const pst = lstat(parent);
    if (pst !== undefined && !pst.isDirectory()) {
      throw new UsageError(`--out ${JSON.stringify(out)}: ${JSON.stringify(parent)} is not a folder`, '--out');
    }
    for (const p of missing) {
      try {
        mkdirSync(p);
        created.unshift(p);
      } catch (e) {
        for (const c of created) rmdirSync(c);
        throw new UsageError(`--out ${JSON.stringify(out)}: cannot create ${JSON.stringify(p)}: ${(e as Error).message}`, '--out');
      }
    }
  }
  // Can we write there? Create and remove a probe file.
  const probe = join(path, `.spikeflow-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    unlinkSync(probe);
  } catch (e) {
    for (const c of created) rmdirSync(c);
    throw new UsageError(`--out ${JSON.stringify(out)}: cannot write in this folder: ${(e as Error).message}`, '--out');
  }
  const ours = createdHere(path);
  const written: string[] = [];
  return {
    path,
    write: (name, text) => {
      const file = join(path, name);
      writeNew(file, text, force || ours.has(name), '--out');
      written.push(name);
      ours.add(name);
      writeMarker(path, [...ours]);
      return file;
    },
    abandon: () => {
      if (written.length > 0) return;
      for (const c of created) {
        try {
          rmdirSync(c);
        } catch {
          // not empty or already gone: leave it
        }
      }
    },
  };
};

const writeMarker = (dir: string, files: readonly string[]): void => {
  const marker = join(dir, MARKER);
  const st = lstat(marker);
  if (st?.isSymbolicLink() || (st !== undefined && !st.isFile())) {
    throw new UsageError(`--out: ${JSON.stringify(marker)} is not a regular file`, '--out');
  }
  writeNew(marker, `${JSON.stringify({ writer: 'spikeflow run', files: [...files].sort() })}\n`, true, '--out');
};

/** An output file opened before the work: write to `fd`, then `close()`; `discard()` after a failure. */
export interface OutputFile {
  readonly path: string;
  readonly fd: number;
  /** Closes the file. */
  readonly close: () => void;
  /** Closes the file and removes it if this check created it (after a failed run). */
  readonly discard: () => void;
}

/**
 * Checks and opens the output file of `spikeflow simulate` before the simulation: its folder
 * exists, it is not a symbolic link, and it does not exist unless `force`.
 * @throws UsageError naming `--out`
 */
export const prepareOutputFile = (out: string, force: boolean): OutputFile => {
  if (typeof out !== 'string' || out.length === 0 || out.includes('\0')) {
    throw new UsageError(`--out must be a file path, received ${JSON.stringify(out)}`, '--out');
  }
  const path = resolve(out);
  const st = lstat(path);
  if (st?.isSymbolicLink())
    throw new UsageError(`--out ${JSON.stringify(out)} is a symbolic link; spikeflow does not write through links`, '--out');
  if (st !== undefined && !st.isFile()) throw new UsageError(`--out ${JSON.stringify(out)} exists and is not a regular file`, '--out');
  if (st !== undefined && !force) {
    throw new UsageError(`--out ${JSON.stringify(out)} exists; give --force to overwrite it, or choose another path`, '--out');
  }
  const parent = lstat(dirname(path));
  if (parent === undefined || !parent.isDirectory()) {
    throw new UsageError(`--out ${JSON.stringify(out)}: the folder ${JSON.stringify(dirname(path))} does not exist`, '--out');
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (st === undefined ? constants.O_EXCL : constants.O_TRUNC);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o644);
  } catch (e) {
    throw new UsageError(`--out ${JSON.stringify(out)}: cannot write: ${(e as Error).message}`, '--out');
  }
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    path,
    fd,
    close,
    discard: () => {
      close();
      if (st === undefined) unlinkSync(path);
    },
  };
};

/**
 * Checks, before long work, that a file can be written at the end (`train --out`): a file path
 * whose folder exists, not a folder or a symbolic link, and writable if it exists (it is then
 * overwritten). Creates nothing.
 * @returns the absolute path
 * @throws UsageError naming `flag`
 */
export const checkWritableFile = (out: string, flag = '--out'): string => {
  if (typeof out !== 'string' || out.length === 0 || out.includes('\0')) {
    throw new UsageError(`${flag} must be a file path, received ${JSON.stringify(out)}`, flag);
  }
  const path = resolve(out);
  const st = lstat(path);
  if (st?.isSymbolicLink())
    throw new UsageError(`${flag} ${JSON.stringify(out)} is a symbolic link; spikeflow does not write through links`, flag);
  if (st !== undefined && !st.isFile()) throw new UsageError(`${flag} ${JSON.stringify(out)} exists and is not a regular file`, flag);
  const parent = lstat(dirname(path));
  if (parent === undefined || !parent.isDirectory()) {
    throw new UsageError(`${flag} ${JSON.stringify(out)}: the folder ${JSON.stringify(dirname(path))} does not exist`, flag);
  }
  try {
    accessSync(st === undefined ? dirname(path) : path, constants.W_OK);
  } catch (e) {
    throw new UsageError(`${flag} ${JSON.stringify(out)}: cannot write: ${(e as Error).message}`, flag);
  }
  return path;
};
