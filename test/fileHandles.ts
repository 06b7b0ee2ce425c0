/**
 * A leak check for files opened through `node:fs/promises`: Node closes a forgotten `FileHandle`
 * only when it is garbage-collected, with warning DEP0137, so a test that waited for that warning
 * would depend on the collector. This one counts the handles instead.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

type Read = (this: FileHandle, ...args: unknown[]) => unknown;

/**
 * Runs `body` and returns how many `FileHandle`s it read from and left open (a closed handle's
 * `fd` is −1). Every reader of spikeflow reads its file before anything can fail, so a handle it
 * opens and forgets is counted. `FileHandle.prototype.read` is wrapped while `body` runs.
 */
export const unclosedFileHandles = async (body: () => Promise<unknown>): Promise<number> => {
  const probe = await open(fileURLToPath(import.meta.url), 'r');
  const proto = Object.getPrototypeOf(probe) as { read: Read };
  await probe.close();
  const { read } = proto;
  const seen = new Set<FileHandle>();
  proto.read = function (this: FileHandle, ...args: unknown[]) {
    seen.add(this);
    return read.apply(this, args);
  };
  try {
    await body();
  } finally {
    proto.read = read;
  }
  return [...seen].filter((h) => h.fd !== -1).length;
};
