/**
 * WAV files in Node, streamed in bounded chunks through {@link wavDecoder}: as an async generator
 * of {@link AudioBlock}s (after the header has been read) and as an `Observable<AudioBlock>`.
 * @module
 */
import type { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import { checkOptions } from '../../ops/validate.js';
import { fromAsyncGenerator } from '../decodeStream.js';
import { type AudioBlock, type WavInfo, wavDecoder } from '../formats/wav.js';
import { checkChunkBytes, closingIterator, fileChunks } from './fileChunks.js';

/** Options of {@link openWavFile}. */
export interface WavFileOptions {
  /** Bytes read per chunk (default 256 KiB): each block holds the frames of one chunk. */
  readonly chunkBytes?: number;
}

/** An open WAV file: its header, then its blocks as an async iterable. */
export interface WavFileReader extends AsyncIterable<AudioBlock> {
  /** The file's path. */
  readonly path: string;
  /** Header information. */
  readonly info: WavInfo;
  /** Closes the file (also done when the iteration ends, fails or is broken off). */
  close(): Promise<void>;
}

const checkWavOptions = (where: string, options: WavFileOptions): number => {
  checkOptions(where, options, ['chunkBytes']);
  return checkChunkBytes(where, options.chunkBytes ?? 256 * 1024);
};

/**
 * Opens a WAV file and reads its header.
 * @param path - file path
 * @param options - `chunkBytes` (default 256 KiB)
 * @throws SpikeflowError when the file cannot be opened; FormatError for a file that is not a
 *   supported WAV file or is truncated
 */
export const openWavFile = async (path: string, options: WavFileOptions = {}): Promise<WavFileReader> => {
  const chunkBytes = checkWavOptions('openWavFile', options);
  const chunks = fileChunks('openWavFile', path, chunkBytes);
  const decoder = wavDecoder();
  const pending: AudioBlock[] = [];
  let done = false;
  try {
    while (decoder.info === undefined) {
      const r = await chunks.next();
      const block = r.done === true ? decoder.end() : decoder.push(r.value);
      if (block.frames > 0) pending.push(block);
      if (r.done === true) {
        done = true;
        break;
      }
    }
  } catch (e) {
    await chunks.return();
    throw e;
  }
  let iterated = false;
  async function* blocks(): AsyncGenerator<AudioBlock, void, undefined> {
    try {
      yield* pending.splice(0);
      if (done) return;
      for await (const chunk of chunks) {
        const block = decoder.push(chunk);
        if (block.frames > 0) yield block;
      }
      const last = decoder.end();
      if (last.frames > 0) yield last;
    } finally {
      await chunks.return();
    }
  }
  return {
    path,
    info: decoder.info as WavInfo,
    close: async () => {
      await chunks.return();
    },
    [Symbol.asyncIterator]() {
      if (iterated)
        throw new SpikeflowError('WavFileReader', 'this', `the blocks of ${show(path)} can be iterated only once; open the file again`);
      iterated = true;
      return closingIterator(blocks(), async () => {
        await chunks.return();
      });
    },
  };
};

/**
 * The audio blocks of a WAV file as a cold `Observable<AudioBlock>` (each subscription reads the
 * file; unsubscribing closes it; malformed data errors the stream).
 * @param path - file path
 * @param options - `chunkBytes`
 */
export const wavFile = (path: string, options: WavFileOptions = {}): Observable<AudioBlock> => {
  checkWavOptions('wavFile', options);
  return fromAsyncGenerator(async function* () {
    const reader = await openWavFile(path, options);
    try {
      yield* reader;
    } finally {
      await reader.close();
    }
  });
};
