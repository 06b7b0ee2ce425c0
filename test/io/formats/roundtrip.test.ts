/**
 * Round trips on the project's own synthetic files: events → tiny encoder (formatEncoders.ts,
 * written from the format specifications) → bytes split at arbitrary points → incremental
 * decoder → the same events. Also the header information and targeted format features
 * (N-MNIST overflow records, EVT counter wraps, AEDAT 3 overflow, AEDAT 4 compressions).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvents, detectFormat, eventDecoder } from '../../../src/io/formats/detect.js';
import { concatBatches, type EventBatch, type EventFormat } from '../../../src/io/formats/events.js';
import {
  type Ev,
  encodeAedat1,
  encodeAedat2,
  encodeAedat3,
  encodeAedat4,
  encodeDat,
  encodeEvt2,
  encodeEvt3,
  encodeJsonl,
  encodeNmnist,
} from '../formatEncoders.js';
import { batchOf, expectSameEvents } from '../helpers.js';

interface Gen {
  readonly t0: number;
  readonly maxDt: number;
  readonly width: number;
  readonly height: number;
  /** Runs of events with the same t, y, p and consecutive x (EVT 3.0 vectors). */
  readonly runs?: boolean;
}

/** Sorted events: a start time, then steps of at most `maxDt` µs. */
const eventsArb = (g: Gen): fc.Arbitrary<Ev[]> =>
  fc
    .array(
      fc.record({
        dt: fc.integer({ min: 0, max: g.maxDt }),
        x: fc.integer({ min: 0, max: g.width - 1 }),
        y: fc.integer({ min: 0, max: g.height - 1 }),
        p: fc.integer({ min: 0, max: 1 }),
        run: g.runs === true ? fc.integer({ min: 1, max: 30 }) : fc.constant(1),
      }),
      { minLength: 1, maxLength: 60 },
    )
    .map((items) => {
      const out: Ev[] = [];
      let t = g.t0;
      for (const { dt, x, y, p, run } of items) {
        t += dt;
        const n = Math.min(run, g.width - x);
        for (let k = 0; k < n; k++) out.push([t, x + k, y, p]);
      }
      return out;
    });

/** Decodes `bytes` pushed in pieces cut at `cuts` (fractions of the length). */
const decodeSplit = (format: EventFormat, bytes: Uint8Array, cuts: readonly number[], options = {}): EventBatch => {
  const d = eventDecoder(format, options);
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const batches: EventBatch[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    batches.push(d.push(bytes.subarray(prev, c)));
    prev = c;
  }
  batches.push(d.end());
  return concatBatches(batches);
};

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

interface Case {
  readonly format: EventFormat;
  readonly gen: Gen;
  readonly encode: (e: readonly Ev[]) => Uint8Array;
  readonly sensorSize: readonly [number, number] | undefined;
  /** Header bytes of `encode`'s output, for AEDAT 1/2 whose header has no end line. */
  readonly open?: number;
}

/**
 * iniVation's docs note that an AEDAT 1/2/3.0 header cannot be told from data whose first byte is
 * '#' (it has no end line); the decoder takes a '#' line for header only when it is text up to its
 * newline. Generated files where the first record is such a text "line" are left out (a separate
 * test checks that a '#' byte followed by binary data is read as data).
 */
const ambiguousStart = (bytes: Uint8Array, open: number | undefined): boolean => {
  if (open === undefined || bytes[open] !== 0x23) return false;
  const nl = bytes.indexOf(0x0a, open);
  const end = nl < 0 ? bytes.length : nl;
  return bytes.subarray(open, end).every((c) => (c >= 0x20 && c !== 0x7f) || c === 0x09 || c === 0x0d);
};

const AEDAT2_HEADER = encodeAedat2([]).length;
const AEDAT1_HEADER = encodeAedat1([]).length;

const CASES: readonly Case[] = [
  { format: 'nmnist', gen: { t0: 0, maxDt: 50_000, width: 34, height: 34 }, encode: (e) => encodeNmnist(e), sensorSize: [34, 34] },
  // Around 2³⁴ µs: the 28-bit time-high counter wraps inside the recording.
  {
    format: 'evt2',
    gen: { t0: 2 ** 34 - 200_000, maxDt: 20_000, width: 1280, height: 720 },
    encode: (e) => encodeEvt2(e),
    sensorSize: [1280, 720],
  },
  // Steps below 2²² µs, so that the 24-bit time base wraps (every 2²⁴ µs) unambiguously.
  {
    format: 'evt3',
    gen: { t0: 0, maxDt: 2 ** 21, width: 1280, height: 720, runs: true },
    encode: (e) => encodeEvt3(e),
    sensorSize: [1280, 720],
  },
  { format: 'dat', gen: { t0: 0, maxDt: 100_000_000, width: 304, height: 240 }, encode: (e) => encodeDat(e), sensorSize: [304, 240] },
  // Around 2³² µs: the 32-bit timestamp wraps.
  {
    format: 'aedat2',
    gen: { t0: 2 ** 32 - 300_000, maxDt: 20_000, width: 240, height: 180 },
    encode: (e) => encodeAedat2(e),
    sensorSize: [240, 180],
    open: AEDAT2_HEADER,
  },
  // Around 2³¹ µs: packets change their eventTSOverflow.
  {
    format: 'aedat3',
    gen: { t0: 2 ** 31 - 300_000, maxDt: 20_000, width: 240, height: 180 },
    encode: (e) => encodeAedat3(e),
    sensorSize: [240, 180],
  },
  {
    format: 'aedat4',
    gen: { t0: 1_605_537_493_718_345, maxDt: 5000, width: 640, height: 480 },
    encode: (e) => encodeAedat4(e, 'LZ4'),
    sensorSize: [640, 480],
  },
  { format: 'jsonl', gen: { t0: 0, maxDt: 1000, width: 65535, height: 65535 }, encode: encodeJsonl, sensorSize: undefined },
];

describe('round trips through each format, split at arbitrary byte offsets', () => {
  for (const c of CASES) {
    it(`${c.format}: decode(encode(events)) = events, whatever the chunking`, () => {
      fc.assert(
        fc.property(eventsArb(c.gen), cutsArb, (events, cuts) => {
          const bytes = c.encode(events);
          fc.pre(!ambiguousStart(bytes, c.open));
          expectSameEvents(decodeSplit(c.format, bytes, cuts), batchOf(events));
        }),
        { numRuns: 60 },
      );
    });

    it(`${c.format}: header information and format detection`, () => {
      const events: Ev[] = [
        [10, 1, 2, 1],
        [20, 3, 4, 0],
      ];
      const bytes = c.encode(events);
      const { info, events: got } = decodeEvents(bytes, c.format);
      expect(info?.format).toBe(c.format);
      expect(info?.sensorSize).toEqual(c.sensorSize);
      expect(got.length).toBe(2);
      const ext = {
        nmnist: 'bin',
        evt2: 'raw',
        evt3: 'raw',
        dat: 'dat',
        aedat2: 'aedat',
        aedat3: 'aedat',
        aedat4: 'aedat4',
        jsonl: 'jsonl',
      };
      expect(detectFormat(`file.${ext[c.format]}`, bytes)).toBe(c.format);
    });
  }

  it('aedat4: LZ4, Zstandard and uncompressed packets decode to the same events', () => {
    fc.assert(
      fc.property(eventsArb({ t0: 1e15, maxDt: 3000, width: 640, height: 480 }), cutsArb, (events, cuts) => {
        for (const compression of ['NONE', 'LZ4', 'ZSTD'] as const) {
          const bytes = encodeAedat4(events, compression);
          expectSameEvents(decodeSplit('aedat4', bytes, cuts), batchOf(events));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('aedat2: AEDAT 1.0 files (DVS128 16-bit addresses, no version line) decode too', () => {
    fc.assert(
      fc.property(eventsArb({ t0: 0, maxDt: 10_000, width: 128, height: 128 }), cutsArb, (events, cuts) => {
        const bytes = encodeAedat1(events);
        fc.pre(!ambiguousStart(bytes, AEDAT1_HEADER));
        const got = decodeSplit('aedat2', bytes, cuts);
        expectSameEvents(got, batchOf(events));
      }),
      { numRuns: 30 },
    );
    const { info } = decodeEvents(encodeAedat1([[1, 2, 3, 1]]), 'aedat2');
    expect(info?.fields.version).toBe('1.0');
    expect(info?.sensorSize).toEqual([128, 128]);
  });
});

describe('format features', () => {
  it('nmnist: a y = 240 record adds 2¹³ µs to every later timestamp and is not an event', () => {
    // Hand-derived: raw timestamps 100, 50, 60 with an overflow record after the first event:
    // the later ones become 50 + 8192 and 60 + 8192.
    const bytes = Uint8Array.from([1, 2, 0x80, 0, 100, 0, 240, 0, 0, 0, 3, 4, 0, 0, 50, 5, 6, 0x80, 0, 60]);
    const { events } = decodeEvents(bytes, 'nmnist');
    expectSameEvents(
      events,
      batchOf([
        [100, 1, 2, 1],
        [8242, 3, 4, 0],
        [8252, 5, 6, 1],
      ]),
    );
    // and the encoder's overflow records round-trip
    const ev: Ev[] = [
      [5, 1, 1, 1],
      [9000, 2, 2, 0],
      [20000, 3, 3, 1],
    ];
    expectSameEvents(decodeEvents(encodeNmnist(ev, [0, 1]), 'nmnist').events, batchOf(ev));
  });

  it('evt3: a VECT_12 with holes, then a VECT_8, emit x = base + bit index and advance the base by 12 then 8', () => {
    // Hand-built words (hand-derived expectation): TIME_HIGH 1, TIME_LOW 5 → t = 4096 + 5 = 4101;
    // ADDR_Y 7; VECT_BASE_X x=100 p=1; VECT_12 mask 0b1000_0000_0101 → x 100, 102, 111;
    // VECT_8 mask 0b1000_0001 → base 112: x 112, 119.
    const header = Uint8Array.from('% evt 3.0\n', (ch) => ch.charCodeAt(0));
    const words = [0x8001, 0x6005, 0x0007, 0x3000 | (1 << 11) | 100, 0x4805, 0x5081];
    const body = new Uint8Array(words.length * 2);
    words.forEach((w, k) => {
      new DataView(body.buffer).setUint16(2 * k, w, true);
    });
    const bytes = new Uint8Array([...header, ...body]);
    const { events, info } = decodeEvents(bytes, 'evt3');
    expect(info?.sensorSize).toBeUndefined();
    expectSameEvents(
      events,
      batchOf([
        [4101, 100, 7, 1],
        [4101, 102, 7, 1],
        [4101, 111, 7, 1],
        [4101, 112, 7, 1],
        [4101, 119, 7, 1],
      ]),
    );
  });

  it('aedat2: data starting with a "#" byte followed by binary bytes is data, not a header line', () => {
    // x = 0, y = 140, p = 0 gives the address 0x23000000: its first byte is '#' (the case fast-check found).
    const ev: Ev[] = [
      [4294686872, 0, 140, 0],
      [4294691291, 0, 0, 0],
    ];
    const bytes = encodeAedat2(ev, false);
    expect(bytes[AEDAT2_HEADER]).toBe(0x23);
    const { events, info } = decodeEvents(bytes, 'aedat2');
    expect(info?.dataOffset).toBe(AEDAT2_HEADER);
    expectSameEvents(events, batchOf(ev));
  });

  it('evt2 / evt3: events before the first time-high word are skipped and counted as dropped', () => {
    const header = Uint8Array.from('% evt 2.0\n% geometry 640x480\n', (ch) => ch.charCodeAt(0));
    const words = [(1 << 28) | (5 << 11) | 6, 0x80000002, (1 << 28) | (3 << 22) | (7 << 11) | 8];
    const body = new Uint8Array(12);
    words.forEach((w, k) => {
      new DataView(body.buffer).setUint32(4 * k, w >>> 0, true);
    });
    const d = eventDecoder('evt2');
    const got = concatBatches([d.push(new Uint8Array([...header, ...body])), d.end()]);
    // Hand-derived: t = 2·64 + 3 = 131 for the event after the time high.
    expectSameEvents(got, batchOf([[131, 7, 8, 1]]));
    expect(d.dropped).toBe(1);
    expect(d.info?.sensorSize).toEqual([640, 480]);
  });

  it('aedat3: events with the valid bit clear, beyond eventNumber, or in other packet types are not events', () => {
    const ev: Ev[] = [
      [1, 1, 1, 1],
      [2, 2, 2, 0],
      [3, 3, 3, 1],
    ];
    const d = eventDecoder('aedat3');
    const got = concatBatches([d.push(encodeAedat3(ev, 2)), d.end()]);
    expectSameEvents(got, batchOf(ev));
    expect(d.info?.origin).toBe('upper-left');
    expect(d.info?.camera).toBe('DAVIS240C');
  });

  it('options: sensorSize overrides the header, null disables the bounds check, drop skips invalid events', () => {
    const ev: Ev[] = [
      [1, 10, 10, 1],
      [2, 300, 10, 0],
      [3, 20, 20, 1],
    ];
    const bytes = encodeDat(ev, [640, 480]);
    expect(decodeEvents(bytes, 'dat').events.length).toBe(3);
    expect(() => decodeEvents(bytes, 'dat', { sensorSize: [100, 100] })).toThrow(/outside the 100×100 sensor/);
    const dropped = decodeEvents(bytes, 'dat', { sensorSize: [100, 100], invalidEvents: 'drop' });
    expect(dropped.dropped).toBe(1);
    expectSameEvents(dropped.events, batchOf([ev[0] as Ev, ev[2] as Ev]));
    expect(decodeEvents(bytes, 'dat', { sensorSize: null }).info?.sensorSize).toEqual([640, 480]);
    expect(() => eventDecoder('dat', { sensorSize: [0, 4] })).toThrow(/sensorSize must be \[width, height\]/);
    expect(() => eventDecoder('evt3', { stream: 2 })).toThrow(/unknown option "stream"/);
    expect(() => eventDecoder('mp4' as EventFormat)).toThrow(/format must be one of/);
  });
});
