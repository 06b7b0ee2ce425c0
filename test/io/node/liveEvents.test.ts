/**
 * Live sources: events from a readable byte stream (stdin's path) and over a WebSocket (a local
 * `ws` server started by the test), in JSON lines and in a binary format.
 */
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { concatBatches } from '../../../src/io/formats/events.js';
import { FormatError } from '../../../src/io/formats/formatError.js';
import { eventsFromReadable, webSocketEvents } from '../../../src/io/node/liveEvents.js';
import { type Ev, encodeEvt2 } from '../formatEncoders.js';
import { batchOf, expectSameEvents } from '../helpers.js';

const EVENTS: Ev[] = [
  [10, 1, 2, 1],
  [20, 3, 4, 0],
  [35, 5, 6, 1],
  [1000, 7, 8, 0],
];

describe('events from a readable stream', () => {
  it('JSON lines split across chunks', async () => {
    const text = '{"t":10,"x":1,"y":2,"p":1}\n[20,3,4,0]\n{"t":35,"x":5,"y":6,"p":true}\n[1000,7,8,false]';
    const chunks = [text.slice(0, 7), text.slice(7, 40), text.slice(40)];
    const got = await lastValueFrom(eventsFromReadable(Readable.from(chunks)).pipe(toArray()));
    expectSameEvents(concatBatches(got), batchOf(EVENTS));
  });

  it('a binary format (EVT 2.0) piped in pieces', async () => {
    const bytes = encodeEvt2(EVENTS, [640, 480]);
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 61), bytes.subarray(61)];
    const got = await lastValueFrom(eventsFromReadable(() => Readable.from(chunks), { format: 'evt2' }).pipe(toArray()));
    expectSameEvents(concatBatches(got), batchOf(EVENTS));
  });

  it('malformed input errors the stream with an offset', async () => {
    const text = '[1,2,3,1]\n[2,2,3,7]\n';
    await expect(lastValueFrom(eventsFromReadable(Readable.from([text])))).rejects.toThrow(FormatError);
    await expect(lastValueFrom(eventsFromReadable(Readable.from([text])))).rejects.toThrow(/at byte offset 10 \(1 events read before it\)/);
    expect(() => eventsFromReadable(Readable.from([]), { format: 'mp3' as never })).toThrow(/format must be an event format/);
  });
});

describe('events over a WebSocket', () => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  const serve = (send: (socket: import('ws').WebSocket) => void): Promise<string> =>
    new Promise((resolve) => {
      const s: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1' }, (): void => {
        resolve(`ws://127.0.0.1:${(s.address() as AddressInfo).port}`);
      });
      s.on('connection', (socket) => send(socket));
      server = s;
    });

  it('JSON text messages, one event each', async () => {
    const url = await serve((socket) => {
      for (const [t, x, y, p] of EVENTS) socket.send(JSON.stringify({ t, x, y, p }));
      socket.close(1000);
    });
    const got = await lastValueFrom(webSocketEvents(url).pipe(toArray()));
    expectSameEvents(concatBatches(got), batchOf(EVENTS));
  });

  it('binary messages carrying an EVT 2.0 byte stream', async () => {
    const bytes = encodeEvt2(EVENTS, [640, 480]);
    const url = await serve((socket) => {
      socket.send(bytes.subarray(0, 30));
      socket.send(bytes.subarray(30));
      socket.close(1000);
    });
    const got = await lastValueFrom(webSocketEvents(url, { format: 'evt2' }).pipe(toArray()));
    expectSameEvents(concatBatches(got), batchOf(EVENTS));
  });

  it('a malformed message, an abnormal close and a bad URL error the stream', async () => {
    const url = await serve((socket) => socket.send('{"t": 1, "x": -4, "y": 0, "p": 1}'));
    await expect(lastValueFrom(webSocketEvents(url))).rejects.toThrow(/line is not an event/);
    expect(() => webSocketEvents('http://example.org')).toThrow(/url must be a ws:\/\/ or wss:\/\/ URL/);
  });
});
