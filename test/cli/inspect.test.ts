/**
 * `inspect(path)` and `formatInspect(summary)`: on the project's own synthetic files and on the
 * real recordings (figures from test/readers/derive_expected.py, as in realEvents.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatInspect, inspect } from '../../src/cli/inspect.js';
import { FormatError } from '../../src/io/formats/formatError.js';
import { type Ev, encodeDat, encodeEvt3 } from '../io/formatEncoders.js';
import { audioDir, describeSharedData, eventsDir } from '../io/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EVENTS: Ev[] = [
  [100, 5, 9, 1],
  [150, 2, 3, 0],
  [150, 3, 3, 0],
  [150, 4, 3, 0],
  [900, 7, 1, 1],
];

describe('inspect on synthetic files', () => {
  it('a missing file: names path and says why in words, not as Node error text', async () => {
    const path = join(dir, 'nope.bin');
    await expect(inspect(path)).rejects.toThrow(`inspect: cannot read ${JSON.stringify(path)}: no such file or folder`);
  });

  it('an EVT 3.0 file: format, count, time/x/y ranges, polarities, sensor size', async () => {
    const path = join(dir, 'rec.raw');
    const bytes = encodeEvt3(EVENTS, [64, 48]);
    writeFileSync(path, bytes);
    const s = await inspect(path);
    expect(s).toEqual({
      kind: 'events',
      path,
      bytes: bytes.length,
      format: 'evt3',
      sensorSize: [64, 48],
      origin: 'upper-left',
      camera: null,
      eventCount: 5,
      dropped: 0,
      timeRange: [100, 900],
      duration: 800,
      xRange: [2, 7],
      yRange: [1, 9],
      polarity: { off: 3, on: 2 },
      monotonic: true,
    });
    const text = formatInspect(s);
    expect(text).toMatch(/format\s+evt3 — Prophesee EVT 3\.0 RAW/);
    expect(text).toMatch(/sensor\s+64 × 48 \(origin upper-left\)/);
    expect(text).toMatch(/events\s+5 \(3 OFF, 2 ON\)/);
    expect(text).toMatch(/time\s+100 – 900 µs \(800 µs\)/);
    expect(text).toMatch(/x range\s+2 – 7/);
    expect(text).toMatch(/y range\s+1 – 9/);
  });

  it('a format override, an empty recording, a truncated file and an unknown format', async () => {
    const path = join(dir, 'events.data');
    writeFileSync(path, new Uint8Array(0));
    await expect(inspect(path)).rejects.toThrow(/cannot tell the format/);
    const s = await inspect(path, { format: 'nmnist' });
    expect(s.kind === 'events' && s.eventCount === 0 && s.timeRange === null).toBe(true);
    expect(formatInspect(s)).toMatch(/time\s+—/);
    const cut = join(dir, 'cut.dat');
    const full = encodeDat(EVENTS);
    writeFileSync(cut, full.subarray(0, full.length - 3));
    await expect(inspect(cut)).rejects.toThrow(FormatError);
    await expect(inspect(cut)).rejects.toThrow(/file ends inside a record: 5 trailing bytes .*\(4 events read before it\)/);
    await expect(inspect(path, { format: 'mp4' as never })).rejects.toThrow(/format must be one of/);
  });

  it('a CSV time series: rows, channels, time range', async () => {
    const path = join(dir, 'log.csv');
    writeFileSync(path, 'time,gx,gy\n0.5,1,2\n0.75,3,4\n2.5,5,6\n');
    const s = await inspect(path);
    expect(s).toMatchObject({ kind: 'timeseries', format: 'csv', rows: 3, channels: ['gx', 'gy'], timeRange: [0.5, 2.5] });
    expect(formatInspect(s)).toMatch(/channels\s+2 \(gx, gy\)/);
  });
});

describeSharedData('inspect on real recordings', () => {
  // Figures derived by test/readers/derive_expected.py (see realEvents.test.ts and audio.test.ts).
  const EVENTS_EXPECTED = [
    ['sample_nmnist.bin', 'nmnist', [34, 34], 4325, [654, 311175], [0, 33], [0, 33], 2180, 2145],
    ['evt2_sample.raw', 'evt2', [640, 480], 539481, [1317888, 1367888], [60, 599], [18, 475], 171626, 367855],
    ['evt3_sample.raw', 'evt3', [1280, 720], 219596, [11718656, 11727457], [0, 1279], [0, 719], 104064, 115532],
    ['sample_ncars.dat', 'dat', null, 2009, [0, 99952], [0, 77], [0, 41], 659, 1350],
    ['sample.aedat4', 'aedat4', [320, 240], 111954, [1605537493718345, 1605537494308262], [0, 319], [0, 239], 56931, 55023],
    ['sample_aedat_header.aedat', 'aedat2', [346, 260], 0, null, null, null, 0, 0],
  ] as const;
  for (const [file, format, sensorSize, eventCount, timeRange, xRange, yRange, off, on] of EVENTS_EXPECTED) {
    it(`${file}`, async () => {
      const s = await inspect(join(eventsDir, file));
      expect(s).toMatchObject({
        kind: 'events',
        format,
        sensorSize,
        eventCount,
        timeRange,
        xRange,
        yRange,
        polarity: { off, on },
        monotonic: true,
      });
      expect(formatInspect(s)).toContain(`${eventCount} (${off} OFF, ${on} ON)`);
    });
  }

  it('Front_Center.wav and Front_Left.wav: 48 kHz mono 16-bit, frames and duration', async () => {
    for (const [file, frames] of [
      ['Front_Center.wav', 68545],
      ['Front_Left.wav', 71042],
    ] as const) {
      const s = await inspect(join(audioDir, file));
      expect(s).toMatchObject({ kind: 'audio', format: 'wav', sampleRate: 48000, channels: 1, bitsPerSample: 16, encoding: 'pcm', frames });
      expect(s.kind === 'audio' && s.duration).toBeCloseTo(frames / 48000, 12);
      expect(formatInspect(s)).toMatch(new RegExp(`duration\\s+${(frames / 48000).toFixed(3)} s`));
    }
  });
});
