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

import { createRequire } from 'node:module';
import { Observable } from 'rxjs';
import type * as Ws from 'ws';
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

/** A Node readable byte stream, as far as {@link nodeStreamEvents} needs it. */
export type NodeByteStream = Pick<NodeJS.ReadableStream, 'on' | 'off' | 'pause' | 'resume'> & {
  /** Sockets, pipes and TTYs (e.g. `process.stdin`): whether their handle keeps the process alive. */
  ref?: () => unknown;
  unref?: () => unknown;
};

/**
 * Events decoded from a Node readable stream through its `data` / `end` / `error` events. Unlike
 * async iteration (whose `return()` waits for the next chunk), unsubscribing releases the stream
 * at once: the listeners are removed and the stream is paused, so a process reading `process.stdin`
 * can exit while stdin stays open (sockets, pipes and TTYs are also `unref`ed, and `ref`ed again
 * by the next subscription). The stream itself is not destroyed (it may be read again).
 * @param stream - a Node `Readable` (e.g. `process.stdin`, a socket, a child's stdout)
 * @param options - `format` (default `jsonl`) and decoder options
 * @returns a cold `Observable<EventBatch>`: completes when the stream ends; FormatError for bad bytes
 * @throws SpikeflowError for invalid options
 */
export const nodeStreamEvents = (stream: NodeByteStream, options: LiveEventOptions = {}): Observable<EventBatch> => {
  const where = 'nodeStreamEvents';
  const { format, rest } = split(where, options);
  if (stream === null || typeof stream !== 'object' || typeof stream.on !== 'function' || typeof stream.pause !== 'function') {
    throw new SpikeflowError(where, 'stream', `stream must be a Node readable stream, received ${show(stream)}`);
  }
  return new Observable<EventBatch>((subscriber) => {
    const decoder = eventDecoder(format, rest);
    const release = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      // A paused socket or pipe still holds the event loop: let the process exit.
      stream.unref?.();
    };
    const guard = (f: () => EventBatch): void => {
      let batch: EventBatch;
      try {
        batch = f();
      } catch (e) {
        release();
        subscriber.error(e);
        return;
      }
      if (batch.length > 0) subscriber.next(batch);
    };
    function onData(chunk: unknown): void {
      guard(() => decoder.push(toBytes(chunk)));
    }
    function onEnd(): void {
      release();
      guard(() => decoder.end());
      subscriber.complete();
    }
    function onError(e: Error): void {
      release();
      subscriber.error(new SpikeflowError(where, 'stream', `read error: ${e.message}`));
    }
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.ref?.();
    stream.resume();
    return release;
  });
};

/**
 * Events read from the process's standard input (see {@link nodeStreamEvents}): unsubscribing
 * stops reading stdin at once, so the process may exit while stdin stays open.
 * @param options - `format` (default `jsonl`) and decoder options
 */
export const stdinEvents = (options: LiveEventOptions = {}): Observable<EventBatch> => nodeStreamEvents(process.stdin, options);

/** Options of {@link webSocketEvents}. */
export interface WebSocketEventOptions extends LiveEventOptions {
  /** WebSocket sub-protocols to request. */
  readonly protocols?: string | readonly string[];
  /**
   * Largest message accepted, bytes (default 16 MiB; integer ≥ 1). A larger message errors the
   * stream (the socket is closed with code 1009) rather than being buffered.
   */
  readonly maxMessageBytes?: number;
  /**
   * How long to wait for the server's close handshake after unsubscribing, ms (default 1000;
   * ≥ 0). After it the connection is dropped (`terminate`), so a server that ignores the close
   * frame cannot keep the process alive.
   */
  readonly closeTimeoutMs?: number;
}

/** Default of {@link WebSocketEventOptions.maxMessageBytes}: 16 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;

const NEWLINE = new Uint8Array([0x0a]);

let webSocketClass: typeof Ws.WebSocket | undefined;
/** The `ws` package's client, loaded at the first WebSocket (not with spikeflow/node). */
const loadWebSocket = (): typeof Ws.WebSocket => {
  webSocketClass ??= (createRequire(import.meta.url)('ws') as typeof Ws).WebSocket;
  return webSocketClass;
};

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
  const { protocols, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES, closeTimeoutMs = 1000, ...live } = options ?? {};
  const { format, rest } = split(where, live);
  if (!(Number.isSafeInteger(maxMessageBytes) && maxMessageBytes >= 1)) {
    throw new SpikeflowError(where, 'maxMessageBytes', `maxMessageBytes must be an integer ≥ 1, received ${show(maxMessageBytes)}`);
  }
  if (!(typeof closeTimeoutMs === 'number' && Number.isFinite(closeTimeoutMs) && closeTimeoutMs >= 0)) {
    throw new SpikeflowError(where, 'closeTimeoutMs', `closeTimeoutMs must be a number ≥ 0, received ${show(closeTimeoutMs)}`);
  }
  return new Observable<EventBatch>((subscriber) => {
    const decoder = eventDecoder(format, rest);
    const WebSocket = loadWebSocket();
    const socket = new WebSocket(url, protocols === undefined ? undefined : [protocols].flat(), { maxPayload: maxMessageBytes });
    socket.binaryType = 'nodebuffer';
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Closes politely, then drops the connection if the server does not answer in time. */
    const shut = (): void => {
      if (socket.readyState === WebSocket.CLOSED) return;
      if (socket.readyState === WebSocket.CONNECTING) {
        socket.terminate();
        return;
      }
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      if (timer === undefined) {
        timer = setTimeout(() => socket.terminate(), closeTimeoutMs);
        timer.unref?.();
      }
    };
    socket.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
    });
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
        emit(() => decoder.push(bytes));
        // A text message is one or more whole lines: end its last line without copying the message.
        if (!isBinary && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) emit(() => decoder.push(NEWLINE));
      }
    });
    socket.on('error', (e: Error & { code?: string }) => {
      if (subscriber.closed) return;
      subscriber.error(
        e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? new SpikeflowError(
              where,
              'maxMessageBytes',
              `WebSocket ${show(url)}: a message was larger than maxMessageBytes (${maxMessageBytes} bytes)`,
            )
          : new SpikeflowError(where, 'url', `WebSocket ${show(url)}: ${e.message}`),
      );
    });
    socket.on('close', (code, reason) => {
      if (subscriber.closed) return;
      if (code === 1009) {
        subscriber.error(
          new SpikeflowError(
            where,
            'maxMessageBytes',
            `WebSocket ${show(url)}: a message was larger than maxMessageBytes (${maxMessageBytes} bytes)`,
          ),
        );
        return;
      }
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
    return shut;
  });
};
