/**
 * A file read through a `FileHandle` in chunks of bounded size (Node only): the byte source of the
 * file readers. The handle is closed when the iteration ends, fails or is broken off.
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import { SpikeflowError, show } from '../../ops/errors.js';

/**
 * Opens a file for chunked reading.
 * @param where - function name for error messages
 * @param path - file path
 * @throws SpikeflowError when the file cannot be opened
 */
export const openFile = async (where: string, path: string): Promise<FileHandle> => {
  if (typeof path !== 'string' || path === '')
    throw new SpikeflowError(where, 'path', `path must be a non-empty string, received ${show(path)}`);
  try {
    return await open(path, 'r');
  } catch (e) {
    throw new SpikeflowError(where, 'path', `cannot open ${show(path)}: ${(e as Error).message}`);
  }
};

/**
 * Checks a chunk size in bytes (integer ≥ 16).
 * @throws SpikeflowError (`chunkBytes`) for anything else
 */
export const checkChunkBytes = (where: string, chunkBytes: unknown): number => {
  if (!(Number.isInteger(chunkBytes) && (chunkBytes as number) >= 16)) {
    throw new SpikeflowError(where, 'chunkBytes', `chunkBytes must be an integer ≥ 16, received ${show(chunkBytes)}`);
  }
  return chunkBytes as number;
};

/**
 * The bytes of a file, `chunkBytes` at a time, each chunk in its own buffer (consumers such as
 * stream pipes may hold several chunks at once).
 * @param where - function name for error messages
 * @param path - file path
 * @param chunkBytes - bytes per read (default 1 MiB)
 * @throws SpikeflowError when the file cannot be opened or read
 */
export async function* fileChunks(where: string, path: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array, void, undefined> {
  checkChunkBytes(where, chunkBytes);
  const handle = await openFile(where, path);
  try {
    let position = 0;
    for (;;) {
      const buffer = new Uint8Array(chunkBytes);
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The iterator of a reader's generator that also runs `close` when it is returned or thrown into
 * before its first `next()`: a generator that has not started skips its own `finally`, which would
 * leave the reader's file open (Node then closes it on garbage collection, with warning DEP0137).
 * `close` runs once the generator is done by `return`/`throw` (it may run twice: it must be idempotent).
 * @param gen - the reader's generator (closes the file in its `finally`)
 * @param close - closes the reader's file
 */
export const closingIterator = <T>(gen: AsyncGenerator<T, void, undefined>, close: () => Promise<void>): AsyncIterableIterator<T> => {
  const settle = async (result: Promise<IteratorResult<T, void>>): Promise<IteratorResult<T, void>> => {
    let r: IteratorResult<T, void>;
    try {
      r = await result;
    } catch (e) {
      await close();
      throw e;
    }
    if (r.done === true) await close();
    return r;
  };
  const iterator: AsyncIterableIterator<T> = {
    next: () => gen.next(),
    return: (value?: unknown) => settle(gen.return(value as undefined)),
    throw: (error?: unknown) => settle(gen.throw(error)),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
};
