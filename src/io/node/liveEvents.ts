/**
 * Live event sources in Node: a byte stream (stdin, a socket, a child process's output) or a
 * WebSocket, decoded incrementally into `Observable<EventBatch>`. The bytes are JSON lines
 * (default: one event `{"t","x","y","p"}` or `[t, x, y, p]` per line) or any binary event format
 * (e.g. `evt3` from a camera driver piping raw data, header first).
 * ```ts
 * stdinEvents({ format: 'evt3' }).pipe(...)                 // camera-tool | node app.js
 * webSocketEvents('ws://localhost:8080/events').pipe(...)   // JSON text or binary messages
 * ```
 * @module
 */
import { Observable } from 'rxjs';
import { WebSocket } from 'ws';
import { SpikeflowError, show } from '../../ops/errors.js';
import { eventBatches } from '../decodeStream.js';
import { type AnyEventDecoderOptions, eventDecoder, isEventFormat } from '../formats/detect.js';
import type { EventBatch, EventFormat } from '../formats/events.js';

/** Options of the live sources: the format of the bytes and the decoder options. */
export interface LiveEventOptions extends AnyEventDecoderOptions {
  /** Format of the incoming bytes (default `jsonl`). */
  readonly format?: EventFormat;
}

const split = (where: string, options: LiveEventOptions): { format: EventFormat; rest: AnyEventDecoderOptions } => {
  if (options === null || typeof options !== 'object')
    throw new SpikeflowError(where, 'options', `options must be an object, received ${show(options)}`);
  const { format = 'jsonl', ...rest } = options;
  if (!isEventFormat(format)) throw new SpikeflowError(where, 'format', `format must be an event format, received ${show(format)}`);
  eventDecoder(format, rest); // validates the decoder options now rather than at subscription
  return { format, rest };
};

const toBytes = (chunk: unknown): Uint8Array => {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new SpikeflowError('live events', 'chunk', `expected bytes or text, received ${show(chunk)}`);
};

/**
 * Events decoded from a readable byte stream (anything async-iterable over bytes or text:
 * Node `Readable`s such as `process.stdin`, web `ReadableStream`s).
 * @param readable - the byte source; called once per subscription when given as a function
 * @param options - `format` (default `jsonl`) and decoder options
 * @returns a cold `Observable<EventBatch>` that completes when the stream ends and errors with an
 *   FormatError (byte offset included) for malformed or truncated input
 * @throws SpikeflowError for invalid options
 */
export const eventsFromReadable = (
  readable: AsyncIterable<Uint8Array | string> | (() => AsyncIterable<Uint8Array | string>),
  options: LiveEventOptions = {},
): Observable<EventBatch> => {
  const { format, rest } = split('eventsFromReadable', options);
  const source = typeof readable === 'function' ? readable : () => readable;
  return eventBatches(
    () =>
      (async function* () {
        for await (const chunk of source()) yield toBytes(chunk);
      })(),
    () => eventDecoder(format, rest),
  );
};

/**
 * Events read from the process's standard input (see {@link eventsFromReadable}).
 * @param options - `format` (default `jsonl`) and decoder options
 */
export const stdinEvents = (options: LiveEventOptions = {}): Observable<EventBatch> => eventsFromReadable(process.stdin, options);

/** Options of {@link webSocketEvents}. */
export interface WebSocketEventOptions extends LiveEventOptions {
  /** WebSocket sub-protocols to request. */
  readonly protocols?: string | readonly string[];
}

/**
 * Events received over a WebSocket (client, `ws` package). Text messages are JSON lines (a newline
 * is added when a message lacks one); binary messages are consecutive pieces of one byte stream in
 * `format` (e.g. a camera's EVT 3.0 data, header first). The socket opens on subscription and is
 * closed on unsubscription; the stream completes when the server closes the socket (a normal close,
 * code 1000 or 1005; other codes are errors).
 * @param url - `ws://` or `wss://` URL
 * @param options - `format` (default `jsonl`), decoder options, `protocols`
 * @throws SpikeflowError for an invalid URL or options; connection failures and malformed data error the stream
 */
export const webSocketEvents = (url: string, options: WebSocketEventOptions = {}): Observable<EventBatch> => {
  const where = 'webSocketEvents';
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url))
    throw new SpikeflowError(where, 'url', `url must be a ws:// or wss:// URL, received ${show(url)}`);
  const { protocols, ...live } = options;
  const { format, rest } = split(where, live);
  return new Observable<EventBatch>((subscriber) => {
    const decoder = eventDecoder(format, rest);
    const socket = new WebSocket(url, protocols === undefined ? undefined : [protocols].flat());
    socket.binaryType = 'nodebuffer';
    const emit = (f: () => EventBatch): void => {
      try {
        const batch = f();
        if (batch.length > 0) subscriber.next(batch);
      } catch (e) {
        subscriber.error(e);
        socket.terminate();
      }
    };
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (subscriber.closed) return;
      const parts = Array.isArray(data) ? data : [data];
      for (const part of parts) {
        const bytes = toBytes(
          part instanceof ArrayBuffer ? new Uint8Array(part) : new Uint8Array(part.buffer, part.byteOffset, part.byteLength),
        );
        const text = !isBinary && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? new Uint8Array([...bytes, 0x0a]) : bytes;
        emit(() => decoder.push(text));
      }
    });
    socket.on('error', (e) => {
      if (!subscriber.closed) subscriber.error(new SpikeflowError(where, 'url', `WebSocket ${show(url)}: ${e.message}`));
    });
    socket.on('close', (code, reason) => {
      if (subscriber.closed) return;
      if (code !== 1000 && code !== 1005) {
        subscriber.error(
          new SpikeflowError(
            where,
            'url',
            `WebSocket ${show(url)} closed with code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`,
          ),
        );
        return;
      }
      emit(() => decoder.end());
      if (!subscriber.closed) subscriber.complete();
    });
    return () => {
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000);
    };
  });
};
