/**
 * Live sources let go (issue 14, item 6): unsubscribing from `stdinEvents` lets the process exit
 * while stdin stays open; a WebSocket whose server ignores the close handshake is dropped after
 * `closeTimeoutMs`; messages are bounded by `maxMessageBytes`; a huge text message without a
 * newline fails at the line limit instead of being copied.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { nodeStreamEvents, webSocketEvents } from '../../../src/io/node/liveEvents.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('stdinEvents and Node streams', () => {
  it('a process that unsubscribes from stdinEvents exits while stdin stays open', async () => {
    const script = `
      import { stdinEvents } from ${JSON.stringify(join(root, 'src/io/node/liveEvents.ts'))};
      const sub = stdinEvents().subscribe((b) => { process.stdout.write('got ' + b.length + '\\n'); sub.unsubscribe(); });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write('{"t":1,"x":2,"y":3,"p":1}\n'); // and stdin is never closed
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(-1);
      }, 30_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, out }).toEqual({ code: 0, out: 'got 1\n' });
  }, 40_000);

  it('unsubscribing removes the listeners and pauses the stream; the stream is not destroyed', () => {
    const stream = new PassThrough();
    const seen: number[] = [];
    const sub = nodeStreamEvents(stream).subscribe((b) => seen.push(b.length));
    stream.write('{"t":1,"x":2,"y":3,"p":1}\n');
    expect(stream.listenerCount('data')).toBe(1);
    sub.unsubscribe();
    expect([
      stream.listenerCount('data'),
      stream.listenerCount('end'),
      stream.listenerCount('error'),
      stream.isPaused(),
      stream.destroyed,
    ]).toEqual([0, 0, 0, true, false]);
  });

  it('an ended stream completes; a malformed line errors with its offset', async () => {
    const ok = new PassThrough();
    const done = lastValueFrom(nodeStreamEvents(ok).pipe(toArray()));
    ok.end('{"t":1,"x":2,"y":3,"p":1}\n[5,1,1,0]');
    expect((await done).reduce((a, b) => a + b.length, 0)).toBe(2);
    const bad = new PassThrough();
    const failed = lastValueFrom(nodeStreamEvents(bad));
    bad.end('{"t":1,"x":2,"y":3,"p":1}\nnot json\n');
    await expect(failed).rejects.toThrow(/offset 26/);
  });
});

describe('webSocketEvents lets go', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  /** A server that completes the WebSocket handshake, sends one text frame, then ignores everything (no close reply). */
  const deafServer = (): Promise<{ url: string; closed: Promise<number> }> =>
    new Promise((resolve) => {
      const server: Server = createServer();
      let onClosed: (t: number) => void = () => {};
      const closed = new Promise<number>((r) => (onClosed = r));
      const sockets: Socket[] = [];
      server.on('upgrade', (req, socket: Socket) => {
        sockets.push(socket);
        const accept = createHash('sha1')
          .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        const payload = Buffer.from('{"t":1,"x":2,"y":3,"p":1}\n');
        socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
        socket.on('data', () => {}); // the close frame is read and ignored
        // http servers are half-open: the client's drop shows as the end of the stream.
        socket.on('end', () => onClosed(performance.now()));
      });
      server.listen(0, '127.0.0.1', () => resolve({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, closed }));
      closers.push(
        () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      );
    });

  it('drops a connection whose server ignores the close handshake after closeTimeoutMs', async () => {
    const { url, closed } = await deafServer();
    const first = await lastValueFrom(webSocketEvents(url, { closeTimeoutMs: 200 }).pipe(take(1)));
    const unsubscribed = performance.now();
    expect(first.length).toBe(1);
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 10_000))]);
    // ws alone would wait 30 s for the close frame; the connection is dropped after the timeout.
    expect(at - unsubscribed).toBeLessThan(5_000);
  });

  const serve = (send: (socket: import('ws').WebSocket) => void): Promise<string> =>
    new Promise((resolve) => {
      const s: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1' }, (): void =>
        resolve(`ws://127.0.0.1:${(s.address() as AddressInfo).port}`),
      );
      s.on('connection', (socket: import('ws').WebSocket) => send(socket));
      closers.push(
        () =>
          new Promise((r) => {
            for (const c of s.clients) c.terminate();
            s.close(() => r());
          }),
      );
    });

  it('refuses a message larger than maxMessageBytes', async () => {
    const url = await serve((socket) => socket.send(`[1,2,3,1]\n${' '.repeat(2048)}`));
    await expect(lastValueFrom(webSocketEvents(url, { maxMessageBytes: 1024 }))).rejects.toThrow(
      /a message was larger than maxMessageBytes \(1024 bytes\)/,
    );
    expect(() => webSocketEvents(url, { maxMessageBytes: 0 })).toThrow(/maxMessageBytes must be an integer ≥ 1/);
    expect(() => webSocketEvents(url, { closeTimeoutMs: -1 })).toThrow(/closeTimeoutMs must be a number ≥ 0/);
  });

  it('a 50 MB text message without a newline fails at the line limit, without a copy per byte', async () => {
    const big = 'a'.repeat(50 << 20);
    const url = await serve((socket) => socket.send(big));
    const before = process.memoryUsage().arrayBuffers;
    await expect(lastValueFrom(webSocketEvents(url, { maxMessageBytes: 64 << 20 }))).rejects.toThrow(/line longer than 1048576 bytes/);
    // The message itself (50 MB on each side of the socket in this one process) and no more: the
    // old `[...bytes, 0x0a]` copy took ~60 bytes of memory per byte (3 GB).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(400 << 20);
  }, 60_000);
});
