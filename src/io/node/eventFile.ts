/**
 * Event files in Node: read in bounded chunks through a `FileHandle` and decoded incrementally, so
 * a recording of any size is streamed in constant memory. Format detection by header sniffing and
 * extension (or `format`).
 * ```ts
 * const reader = await openEventFile('recording.raw');
 * reader.info.sensorSize;                        // [1280, 720]
 * for await (const batch of reader) { ... }      // EventBatch { t (µs), x, y, p }
 * eventFile('recording.raw').pipe(...)           // the same as an Observable<EventBatch>
 * ```
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import { fromAsyncGenerator } from '../decodeStream.js';
import { type AnyEventDecoderOptions, detectFormat, eventDecoder, isEventFormat, SNIFF_BYTES } from '../formats/detect.js';
import type { EventBatch, EventFormat, EventStreamInfo } from '../formats/events.js';
import { closingIterator } from './fileChunks.js';

/** Options of {@link openEventFile}. */
export interface EventFileOptions extends AnyEventDecoderOptions {
  /** Format, overriding detection. */
  readonly format?: EventFormat;
  /** Bytes read per chunk (default 1 MiB): bounds the memory used besides the events of one chunk. */
  readonly chunkBytes?: number;
}

/** An open event file: header information, then its events as an async iterable of batches. */
export interface EventFileReader extends AsyncIterable<EventBatch> {
  /** The file's path. */
  readonly path: string;
  /** Its format. */
  readonly format: EventFormat;
  /** What its header says (sensor size, camera, fields). */
  readonly info: EventStreamInfo;
  /** Events decoded so far. */
  readonly eventCount: number;
  /** Events skipped so far (see `EventDecoder.dropped`). */
  readonly dropped: number;
  /** Closes the file (also done when the iteration ends, fails or is broken off). */
  close(): Promise<void>;
}

const checkFileOptions = (
  where: string,
  options: EventFileOptions,
): { format?: EventFormat; chunkBytes: number; rest: AnyEventDecoderOptions } => {
  if (options === null || typeof options !== 'object') {
    throw new SpikeflowError(where, 'options', `options must be an object, received ${show(options)}`);
  }
  const { format, chunkBytes = 1 << 20, ...rest } = options;
  if (format !== undefined && !isEventFormat(format)) {
    throw new SpikeflowError(
      where,
      'format',
      `format must be an event format (nmnist, evt2, evt3, dat, aedat2, aedat3, aedat4, jsonl), received ${show(format)}`,
    );
  }
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 16)) {
    throw new SpikeflowError(where, 'chunkBytes', `chunkBytes must be an integer ≥ 16, received ${show(chunkBytes)}`);
  }
  return { format, chunkBytes, rest };
};

/**
 * Opens an event file and reads its header (detecting the format unless given).
 * @param path - file path
 * @param options - `format`, `chunkBytes` (default 1 MiB), and the decoder options (`sensorSize`,
 *   `invalidEvents`, `chipLayout` for AEDAT 2, `stream`/`maxPacketBytes` for AEDAT 4)
 * @returns a reader: iterate it (once) for the event batches
 * @throws SpikeflowError for invalid options, an unreadable file, or an undetectable format; FormatError
 *   for a malformed header
 */
export const openEventFile = async (path: string, options: EventFileOptions = {}): Promise<EventFileReader> => {
  const where = 'openEventFile';
  const { format: given, chunkBytes, rest } = checkFileOptions(where, options);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new SpikeflowError(where, 'path', `cannot open ${show(path)}: ${(e as Error).message}`);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  try {
    // The first read is large enough to detect the format; later ones read `chunkBytes`.
    const buffer = new Uint8Array(given === undefined ? Math.max(chunkBytes, SNIFF_BYTES) : chunkBytes);
    let position = 0;
    const read = async (length = chunkBytes): Promise<Uint8Array> => {
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      position += bytesRead;
      return buffer.subarray(0, bytesRead);
    };
    let chunk = await read(buffer.length);
    const detected = given ?? detectFormat(basename(path), chunk);
    if (!isEventFormat(detected)) {
      throw new SpikeflowError(where, 'path', `${show(path)} is a ${detected} file, not an event recording`);
    }
    const decoder = eventDecoder(detected, rest);
    // Read until the header is parsed, keeping the events decoded on the way.
    const pending: EventBatch[] = [];
    let eof = chunk.length === 0;
    for (;;) {
      const batch = eof ? decoder.end() : decoder.push(chunk);
      if (batch.length > 0) pending.push(batch);
      if (decoder.info !== undefined || eof) break;
      chunk = await read();
      eof = chunk.length === 0;
    }
    const info = decoder.info as EventStreamInfo;
    let iterated = false;
    async function* batches(): AsyncGenerator<EventBatch, void, undefined> {
      try {
        yield* pending.splice(0);
        while (!eof) {
          chunk = await read();
          eof = chunk.length === 0;
          const batch = eof ? decoder.end() : decoder.push(chunk);
          if (batch.length > 0) yield batch;
        }
      } finally {
        await close();
      }
    }
    return {
      path,
      format: detected,
      info,
      get eventCount() {
        return decoder.eventCount;
      },
      get dropped() {
        return decoder.dropped;
      },
      close,
      [Symbol.asyncIterator]() {
        if (iterated)
          throw new SpikeflowError('EventFileReader', 'this', `the events of ${show(path)} can be iterated only once; open the file again`);
        iterated = true;
        return closingIterator(batches(), close);
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
};

/**
 * The events of a file as an async generator of batches (opens, streams and closes the file).
 * @param path - file path
 * @param options - as for {@link openEventFile}
 * @throws as {@link openEventFile}, and FormatError (with the byte offset) for malformed or truncated data
 */
export async function* readEventFile(path: string, options: EventFileOptions = {}): AsyncGenerator<EventBatch, void, undefined> {
  const reader = await openEventFile(path, options);
  try {
    yield* reader;
  } finally {
    await reader.close();
  }
}

/**
 * The events of a file as a cold `Observable<EventBatch>`: each subscription opens the file and
 * streams it; unsubscribing closes it; malformed data errors the stream with an FormatError.
 * @param path - file path
 * @param options - as for {@link openEventFile}
 */
export const eventFile = (path: string, options: EventFileOptions = {}): Observable<EventBatch> => {
  checkFileOptions('eventFile', options);
  return fromAsyncGenerator(() => readEventFile(path, options));
};
