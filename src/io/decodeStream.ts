/**
 * Decoding a stream of byte chunks (a file read in chunks, a `Blob`'s stream, stdin, WebSocket
 * messages) into event batches, as an async generator and as an RxJS `Observable`. Platform
 * neutral: works in Node and in browsers.
 * @module
 */
import { Observable } from 'rxjs';
import type { EventBatch, EventDecoder } from './formats/events.js';

/** Anything that yields byte chunks in order. */
export type ByteChunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Feeds byte chunks through a decoder and yields the non-empty event batches; ends the decoder
 * when the chunks end (so a truncated input throws).
 * @param chunks - the bytes, in order (Node `Readable`s, web `ReadableStream`s and arrays of chunks are iterable)
 * @param decoder - a fresh decoder of the right format (e.g. `eventDecoder('evt3')`)
 * @throws FormatError from the decoder, with the byte offset
 */
export async function* decodeEventChunks(chunks: ByteChunks, decoder: EventDecoder): AsyncGenerator<EventBatch, void, undefined> {
  for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
    const batch = decoder.push(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBufferLike));
    if (batch.length > 0) yield batch;
  }
  const last = decoder.end();
  if (last.length > 0) yield last;
}

/**
 * The chunks of a web `ReadableStream` (e.g. `blob.stream()`, `response.body`) as an async
 * iterable, through its reader (for browsers whose streams are not async-iterable themselves).
 * The reader's lock is released when the iteration ends or is broken off.
 * @param stream - a byte stream
 */
export async function* readableStreamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * An RxJS `Observable` over an async iterable: each value is emitted as it arrives, errors go to
 * the error channel, and unsubscribing stops the iteration (its `finally` blocks run, closing files
 * or sockets).
 * @param make - called on each subscription for a fresh iterable (cold observable)
 */
export const fromAsyncGenerator = <T>(make: () => AsyncIterable<T>): Observable<T> =>
  new Observable<T>((subscriber) => {
    const iterator = make()[Symbol.asyncIterator]();
    let stopped = false;
    const run = async (): Promise<void> => {
      for (;;) {
        const r = await iterator.next();
        if (r.done === true || stopped) break;
        subscriber.next(r.value);
      }
      if (!stopped) subscriber.complete();
    };
    run().catch((e: unknown) => {
      if (!stopped) subscriber.error(e);
    });
    return () => {
      if (stopped) return;
      stopped = true;
      // Ends the generator at its next `yield`, running its `finally` blocks.
      void iterator.return?.()?.catch(() => undefined);
    };
  });

/**
 * Byte chunks as an `Observable<EventBatch>`.
 * @param chunks - called on each subscription for the bytes
 * @param decoder - called on each subscription for a fresh decoder
 */
export const eventBatches = (chunks: () => ByteChunks, decoder: () => EventDecoder): Observable<EventBatch> =>
  fromAsyncGenerator(() => decodeEventChunks(chunks(), decoder()));
