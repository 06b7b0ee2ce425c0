/**
 * The streaming plumbing on the project's own synthetic files: files read in small chunks through
 * a FileHandle (closed however the iteration stops), the Observable forms (early unsubscription
 * included), and browser-style sources (a Blob's ReadableStream).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEventChunks, eventBatches, readableStreamChunks } from '../../../src/io/decodeStream.js';
import { eventDecoder } from '../../../src/io/formats/detect.js';
import { concatBatches, type EventBatch } from '../../../src/io/formats/events.js';
import { type EventFileReader, openEventFile } from '../../../src/io/node/eventFile.js';
import { eventFile, readEventFile } from '../../../src/io/node/index.js';
import { openWavFile } from '../../../src/io/node/wavFile.js';
import { unclosedFileHandles } from '../../fileHandles.js';
import { type Ev, encodeAedat4, encodeEvt3, encodeWav } from '../formatEncoders.js';
import { batchOf, expectSameEvents } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVENTS: Ev[] = Array.from({ length: 500 }, (_, k) => [1000 + 13 * k, (k * 37) % 640, (k * 17) % 480, k % 2]);

describe('streaming readers', () => {
  it('a file read 64 bytes at a time: header first, then every event, in order', async () => {
    const path = join(dir, 'a.aedat4');
    writeFileSync(path, encodeAedat4(EVENTS, 'LZ4'));
    const reader = await openEventFile(path, { format: 'aedat4', chunkBytes: 64 });
    expect(reader.format).toBe('aedat4');
    expect(reader.info.sensorSize).toEqual([640, 480]);
    expect(reader.info.camera).toBe('SyntheticCam');
    const batches: EventBatch[] = [];
    for await (const b of reader) batches.push(b);
    expect(batches.length).toBeGreaterThan(10);
    expectSameEvents(concatBatches(batches), batchOf(EVENTS));
    expect(reader.eventCount).toBe(EVENTS.length);
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/can be iterated only once/);
    // Detected from the bytes (the first read is large enough to sniff the header).
    const detected = await openEventFile(path);
    expect(detected.format).toBe('aedat4');
    await detected.close();
  });

  it('eventFile(): an Observable that can be cut short, and that errors with the offset on a truncated file', async () => {
    const path = join(dir, 'b.raw');
    const bytes = encodeEvt3(EVENTS, [640, 480], false);
    writeFileSync(path, bytes);
    const first = await lastValueFrom(eventFile(path, { format: 'evt3', chunkBytes: 100 }).pipe(take(2), toArray()));
    expect(first.length).toBe(2);
    const cut = join(dir, 'cut.raw');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
    await expect(lastValueFrom(eventFile(cut))).rejects.toThrow(
      /file ends inside a record: 1 trailing bytes .*at byte offset \d+ \(499 events read before it\)/,
    );
    const n = { value: 0 };
    for await (const b of readEventFile(path, { format: 'evt3', chunkBytes: 33 })) {
      n.value += b.length;
      if (n.value > 100) break; // closes the file through the generator's finally
    }
    expect(n.value).toBeGreaterThan(100);
    await expect(openEventFile(join(dir, 'missing.raw'))).rejects.toThrow(/cannot open/);
  });

  it('a reader whose iterator is returned or thrown into before its first next() closes its file (events and WAV)', async () => {
    const path = join(dir, 'c.raw');
    writeFileSync(path, encodeEvt3(EVENTS, [640, 480]));
    const audio = join(dir, 'c.wav');
    writeFileSync(audio, encodeWav(4800, 48000));
    const stops = [
      (it: AsyncIterator<unknown>) => it.return?.(),
      (it: AsyncIterator<unknown>) => expect(it.throw?.(new Error('stop'))).rejects.toThrow('stop'),
    ];
    for (const stop of stops) {
      const events = await unclosedFileHandles(async () => {
        const reader = await openEventFile(path, { chunkBytes: 64 });
        await stop(reader[Symbol.asyncIterator]());
      });
      expect(events).toBe(0);
      const blocks = await unclosedFileHandles(async () => {
        const reader = await openWavFile(audio, { chunkBytes: 64 });
        await stop(reader[Symbol.asyncIterator]());
      });
      expect(blocks).toBe(0);
    }
    // the check itself: a reader left open is counted; an iterator returned after some batches, not
    let open: EventFileReader | undefined;
    const left = await unclosedFileHandles(async () => {
      open = await openEventFile(path);
    });
    expect(left).toBe(1);
    await open?.close();
    const later = await unclosedFileHandles(async () => {
      const it = (await openEventFile(path, { chunkBytes: 64 }))[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      await it.return?.();
    });
    expect(later).toBe(0);
  });

  it('a Blob read through its ReadableStream, and the Observable form of any byte source', async () => {
    const bytes = encodeEvt3(EVENTS, [640, 480]);
    const blob = new Blob([new Uint8Array(bytes.subarray(0, 1000)), new Uint8Array(bytes.subarray(1000))]);
    const batches: EventBatch[] = [];
    for await (const b of decodeEventChunks(readableStreamChunks(blob.stream()), eventDecoder('evt3'))) batches.push(b);
    expectSameEvents(concatBatches(batches), batchOf(EVENTS));
    const viaRx = await lastValueFrom(
      eventBatches(
        () => [bytes.subarray(0, 7), bytes.subarray(7)],
        () => eventDecoder('evt3'),
      ).pipe(toArray()),
    );
    expectSameEvents(concatBatches(viaRx), batchOf(EVENTS));
  });
});
