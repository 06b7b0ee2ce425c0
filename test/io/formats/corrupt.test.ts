/**
 * Truncated and corrupted files: every reader stops with an FormatError giving a byte offset
 * (and the number of events read before it), or — when a cut falls between records — returns a
 * prefix of the events; it never throws anything else, never returns events that are not in the
 * file's prefix (for truncation), and never hangs (every case below runs to completion).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvents, eventDecoder } from '../../../src/io/formats/detect.js';
import { concatBatches, type EventBatch, type EventFormat } from '../../../src/io/formats/events.js';
import { FormatError } from '../../../src/io/formats/formatError.js';
import {
  type Ev,
  encodeAedat2,
  encodeAedat3,
  encodeAedat4,
  encodeDat,
  encodeEvt2,
  encodeEvt3,
  encodeJsonl,
  encodeNmnist,
} from '../formatEncoders.js';
import { firstDifference } from '../helpers.js';
import { describeSharedData, eventsDir } from '../shared.js';

/** Fixed synthetic events (deterministic), valid for every format's encoder. */
const EVENTS: Ev[] = Array.from({ length: 120 }, (_, k) => [1000 + 37 * k + (k % 3 === 0 ? 0 : 5), (k * 7) % 34, (k * 11) % 34, k % 2]);

const FILES: Readonly<Record<EventFormat, Uint8Array>> = {
  nmnist: encodeNmnist(EVENTS),
  evt2: encodeEvt2(EVENTS),
  evt3: encodeEvt3(EVENTS),
  dat: encodeDat(EVENTS),
  aedat2: encodeAedat2(EVENTS),
  aedat3: encodeAedat3(EVENTS),
  aedat4: encodeAedat4(EVENTS, 'LZ4'),
  jsonl: encodeJsonl(EVENTS),
};

/** Decodes, collecting the events returned before any error. */
const attempt = (format: EventFormat, bytes: Uint8Array): { events: EventBatch; error: unknown } => {
  const d = eventDecoder(format);
  const got: EventBatch[] = [];
  try {
    got.push(d.push(bytes));
    got.push(d.end());
    return { events: concatBatches(got), error: undefined };
  } catch (error) {
    return { events: concatBatches(got), error };
  }
};

const isPrefix = (part: EventBatch, whole: EventBatch): boolean => {
  if (part.length > whole.length) return false;
  const k = firstDifference(part, whole);
  return k === -1 || k === part.length;
};

/** The checks every truncated file must pass. */
const checkTruncated = (format: EventFormat, full: EventBatch, cut: Uint8Array): void => {
  const { events, error } = attempt(format, cut);
  expect(isPrefix(events, full)).toBe(true);
  if (error === undefined) return;
  expect(error).toBeInstanceOf(FormatError);
  const e = error as FormatError;
  expect(e.offset).toBeGreaterThanOrEqual(0);
  expect(e.offset).toBeLessThanOrEqual(cut.length);
  expect(e.message).toContain(`at byte offset ${e.offset}`);
  expect(e.message).toContain(`(${e.eventsRead} events read before it)`);
  // A file cut short reports a truncation with the count of events read (the decoder pushed them all).
  expect(e.kind).toBe('truncated');
  expect(e.eventsRead).toBeLessThanOrEqual(full.length);
};

/** The checks every corrupted file must pass. */
const checkCorrupted = (format: EventFormat, bytes: Uint8Array): void => {
  const { error } = attempt(format, bytes);
  if (error === undefined) return;
  if (!(error instanceof FormatError)) throw error;
  expect(error.offset).toBeGreaterThanOrEqual(0);
  expect(error.offset).toBeLessThanOrEqual(bytes.length);
  expect(['truncated', 'corrupt', 'unsupported']).toContain(error.kind);
};

const flipsArb = (n: number) =>
  fc.array(fc.record({ at: fc.integer({ min: 0, max: n - 1 }), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 });

const flip = (bytes: Uint8Array, flips: readonly { at: number; xor: number }[]): Uint8Array => {
  const out = bytes.slice();
  for (const { at, xor } of flips) out[at] = (out[at] as number) ^ xor;
  return out;
};

describe('truncated synthetic files', () => {
  for (const [format, bytes] of Object.entries(FILES) as [EventFormat, Uint8Array][]) {
    it(`${format}: cut at any offset → a prefix of the events, then a truncation error with offset and count`, () => {
      const full = decodeEvents(bytes, format).events;
      expect(full.length).toBe(EVENTS.length);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => checkTruncated(format, full, bytes.subarray(0, cut))),
        { numRuns: 300 },
      );
    });
  }

  it('nmnist: a file ending 3 bytes into its 6th record reports offset 25 and 5 events read', () => {
    // Hand-derived: records are 5 bytes; 5 whole records (25 bytes) then 3 bytes.
    const { events, error } = attempt('nmnist', FILES.nmnist.subarray(0, 28));
    expect(events.length).toBe(5);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).offset).toBe(25);
    expect((error as FormatError).eventsRead).toBe(5);
    expect((error as Error).message).toMatch(
      /read nmnist: file ends inside a record: 3 trailing bytes .* at byte offset 25 \(5 events read before it\)/,
    );
  });

  it('an empty file: the formats with a header report a truncated header, the others no events', () => {
    for (const format of ['evt2', 'evt3', 'dat', 'aedat2', 'aedat3', 'aedat4'] as const) {
      const { error } = attempt(format, new Uint8Array(0));
      expect(format + String((error as FormatError | undefined)?.kind)).toBe(`${format}truncated`);
    }
    for (const format of ['nmnist', 'jsonl'] as const) expect(attempt(format, new Uint8Array(0)).events.length).toBe(0);
  });
});

const CORRUPTIBLE: readonly [string, EventFormat, Uint8Array][] = [
  ...(Object.entries(FILES) as [EventFormat, Uint8Array][]).map(([f, b]) => [f, f, b] as [string, EventFormat, Uint8Array]),
  ['aedat4 (Zstandard)', 'aedat4', encodeAedat4(EVENTS, 'ZSTD')],
  ['aedat4 (uncompressed)', 'aedat4', encodeAedat4(EVENTS, 'NONE')],
];

describe('corrupted synthetic files', () => {
  for (const [label, format, bytes] of CORRUPTIBLE) {
    it(`${label}: flipped bytes → events or an FormatError with an offset, nothing else, no hang`, () => {
      fc.assert(
        fc.property(flipsArb(bytes.length), (flips) => checkCorrupted(format, flip(bytes, flips))),
        { numRuns: 400 },
      );
    });
  }

  it('errors name the offset of the faulty record (hand-placed faults)', () => {
    const offsetOf = (format: EventFormat, bytes: Uint8Array): [string, number] => {
      const { error } = attempt(format, bytes);
      expect(error).toBeInstanceOf(FormatError);
      return [(error as FormatError).kind, (error as FormatError).offset];
    };
    // N-MNIST: x = 200 in record 3 (bytes 15..19) is outside the 34×34 sensor.
    const nm = FILES.nmnist.slice();
    nm[15] = 200;
    expect(offsetOf('nmnist', nm)).toEqual(['corrupt', 15]);
    // EVT 2.0: the word at data offset 8 made reserved type 0x3.
    const evt2 = FILES.evt2.slice();
    const h2 = evt2.indexOf(0x0a, evt2.indexOf(0x0a, evt2.indexOf(0x0a) + 1) + 1) + 1; // after the 3 header lines
    evt2[h2 + 8 + 3] = 0x30;
    expect(offsetOf('evt2', evt2)).toEqual(['corrupt', h2 + 8]);
    // DAT: polarity 5 in event 2 (data offset 2 + 16).
    const dat = FILES.dat.slice();
    const hd = dat.length - 2 - 8 * EVENTS.length;
    dat[hd + 2 + 16 + 7] = 0x50;
    expect(offsetOf('dat', dat)).toEqual(['corrupt', hd + 2 + 16]);
    // AEDAT 3.1: the first packet's eventNumber made larger than its capacity.
    const a3 = FILES.aedat3.slice();
    const h3 = a3.indexOf(0x0a, a3.indexOf('#!END-HEADER'.charCodeAt(0), 60)) + 1;
    const headerEnd = new TextDecoder().decode(a3.subarray(0, 200)).indexOf('#!END-HEADER\r\n') + 14;
    expect(h3).toBeGreaterThan(0);
    new DataView(a3.buffer).setInt32(headerEnd + 20, 99, true);
    expect(offsetOf('aedat3', a3)).toEqual(['corrupt', headerEnd]);
    // AEDAT 4: a packet whose LZ4 frame magic is broken (the second packet, stream 3).
    const a4 = FILES.aedat4.slice();
    const view = new DataView(a4.buffer);
    const first = 14 + 4 + view.getInt32(14, true);
    const second = first + 8 + view.getInt32(first + 4, true);
    a4[second + 8] = 0;
    expect(offsetOf('aedat4', a4)).toEqual(['corrupt', second]);
  });
});

describeSharedData('truncated and corrupted real recordings', () => {
  const REAL: readonly [string, EventFormat][] = [
    ['sample_nmnist.bin', 'nmnist'],
    ['evt2_sample.raw', 'evt2'],
    ['evt3_sample.raw', 'evt3'],
    ['sample_ncars.dat', 'dat'],
    ['sample.aedat4', 'aedat4'],
    ['sample_aedat_header.aedat', 'aedat2'],
  ];
  for (const [file, format] of REAL) {
    it(`${file}: cut at random offsets and with flipped bytes`, () => {
      const bytes = new Uint8Array(readFileSync(join(eventsDir, file)));
      const full = decodeEvents(bytes, format).events;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => checkTruncated(format, full, bytes.subarray(0, cut))),
        { numRuns: 12 },
      );
      fc.assert(
        fc.property(flipsArb(bytes.length), (flips) => checkCorrupted(format, flip(bytes, flips))),
        { numRuns: 12 },
      );
    });
  }
});
