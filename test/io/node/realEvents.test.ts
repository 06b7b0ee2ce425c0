/**
 * The event readers on real recordings (../shared/data/events, third-party files, not copied).
 *
 * Every expected figure below was derived independently of spikeflow by
 * test/readers/derive_expected.py: small Python/NumPy decoders written from the published format
 * specifications (Orchard's N-MNIST layout, Prophesee's EVT 2.0/3.0 and DAT docs, iniVation's
 * AEDAT 4.0 page with its own LZ4 and FlatBuffer walking), run on the same bytes.
 */
import { join } from 'node:path';
import { lastValueFrom, reduce } from 'rxjs';
import { expect, it } from 'vitest';
import { concatBatches, type EventBatch } from '../../../src/io/formats/events.js';
import { eventFile, openEventFile, readEventFile } from '../../../src/io/node/eventFile.js';
import { expectSameEvents } from '../helpers.js';
import { describeSharedData, eventsDir } from '../shared.js';

interface Expected {
  readonly format: string;
  readonly sensorSize: readonly [number, number] | undefined;
  readonly count: number;
  readonly tMin: number;
  readonly tMax: number;
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
  readonly off: number;
  readonly on: number;
  readonly sumX: number;
  readonly sumY: number;
  readonly sumDt: number;
  readonly first: readonly number[];
  readonly last: readonly number[];
}

// Figures printed by `python3 test/readers/derive_expected.py` (see the file header).
// Sensor sizes: N-MNIST 34×34; EVT 2.0 header `system_ID 21` = 0x15 (Gen3.0, 640×480) and EVT 3.0
// `system_ID 48` = 0x30 (EVK3 Gen4.1, 1280×720) per OpenEB's system-ID table; the N-CARS .dat header
// gives no size; AEDAT 4 infoNode sizeX/sizeY 320/240.
const EXPECTED: Readonly<Record<string, Expected>> = {
  'sample_nmnist.bin': {
    format: 'nmnist',
    sensorSize: [34, 34],
    count: 4325,
    tMin: 654,
    tMax: 311175,
    xMin: 0,
    xMax: 33,
    yMin: 0,
    yMax: 33,
    off: 2180,
    on: 2145,
    sumX: 74457,
    sumY: 71931,
    sumDt: 687658855,
    first: [654, 7, 15, 1],
    last: [311175, 21, 14, 1],
  },
  'evt2_sample.raw': {
    format: 'evt2',
    sensorSize: [640, 480],
    count: 539481,
    tMin: 1317888,
    tMax: 1367888,
    xMin: 60,
    xMax: 599,
    yMin: 18,
    yMax: 475,
    off: 171626,
    on: 367855,
    sumX: 171811022,
    sumY: 110162026,
    sumDt: 13364739784,
    first: [1317888, 237, 121, 1],
    last: [1367888, 210, 142, 1],
  },
  'evt3_sample.raw': {
    format: 'evt3',
    sensorSize: [1280, 720],
    count: 219596,
    tMin: 11718656,
    tMax: 11727457,
    xMin: 0,
    xMax: 1279,
    yMin: 0,
    yMax: 719,
    off: 104064,
    on: 115532,
    sumX: 159113225,
    sumY: 85638051,
    sumDt: 954917491,
    first: [11718656, 874, 200, 0],
    last: [11727457, 1218, 572, 1],
  },
  'sample_ncars.dat': {
    format: 'dat',
    sensorSize: undefined,
    count: 2009,
    tMin: 0,
    tMax: 99952,
    xMin: 0,
    xMax: 77,
    yMin: 0,
    yMax: 41,
    off: 659,
    on: 1350,
    sumX: 93457,
    sumY: 40463,
    sumDt: 98196680,
    first: [0, 25, 8, 0],
    last: [99952, 75, 28, 1],
  },
  'sample.aedat4': {
    format: 'aedat4',
    sensorSize: [320, 240],
    count: 111954,
    tMin: 1605537493718345,
    tMax: 1605537494308262,
    xMin: 0,
    xMax: 319,
    yMin: 0,
    yMax: 239,
    off: 56931,
    on: 55023,
    sumX: 18342405,
    sumY: 15105898,
    sumDt: 31685685498,
    first: [1605537493718345, 154, 204, 0],
    last: [1605537494308262, 88, 237, 1],
  },
};

const summarize = (e: EventBatch) => {
  let tMin = Infinity,
    tMax = -Infinity,
    xMin = Infinity,
    xMax = -Infinity,
    yMin = Infinity,
    yMax = -Infinity;
  let on = 0,
    sumX = 0,
    sumY = 0;
  for (let k = 0; k < e.length; k++) {
    const t = e.t[k] as number,
      x = e.x[k] as number,
      y = e.y[k] as number;
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
    on += e.p[k] as number;
    sumX += x;
    sumY += y;
  }
  let sumDt = 0;
  for (let k = 0; k < e.length; k++) sumDt += (e.t[k] as number) - tMin;
  const at = (k: number) => [e.t[k], e.x[k], e.y[k], e.p[k]];
  return {
    count: e.length,
    tMin,
    tMax,
    xMin,
    xMax,
    yMin,
    yMax,
    off: e.length - on,
    on,
    sumX,
    sumY,
    sumDt,
    first: at(0),
    last: at(e.length - 1),
  };
};

const collect = async (path: string, chunkBytes?: number): Promise<EventBatch> => {
  const batches: EventBatch[] = [];
  for await (const b of readEventFile(path, chunkBytes === undefined ? {} : { chunkBytes })) batches.push(b);
  return concatBatches(batches);
};

describeSharedData('event readers on real recordings', () => {
  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}: format, sensor size, count, time/x/y ranges, polarities, sums, first and last events`, async () => {
      const path = join(eventsDir, file);
      const reader = await openEventFile(path);
      expect(reader.format).toBe(want.format);
      expect(reader.info.sensorSize).toEqual(want.sensorSize);
      await reader.close();
      const { format: _f, sensorSize: _s, ...figures } = want;
      expect(summarize(await collect(path))).toEqual(figures);
    });

    it(`${file}: streaming in 4093-byte chunks gives the same events`, async () => {
      const path = join(eventsDir, file);
      const a = await collect(path);
      const b = await collect(path, 4093);
      expect(b.length).toBe(want.count);
      expectSameEvents(b, a);
    });
  }

  it('sample_aedat_header.aedat: an AEDAT 2.0 header (Davis346red, 346×260) with no events', async () => {
    // derive_expected.py: the whole 599-byte file is '#' header lines; its AEChip line names Davis346red.
    const reader = await openEventFile(join(eventsDir, 'sample_aedat_header.aedat'));
    expect(reader.format).toBe('aedat2');
    expect(reader.info.fields.AEChip).toBe('eu.seebetter.ini.chips.davis.Davis346red');
    expect(reader.info.sensorSize).toEqual([346, 260]);
    expect(reader.info.dataOffset).toBe(599);
    expect(reader.info.origin).toBe('lower-left');
    let n = 0;
    for await (const b of reader) n += b.length;
    expect(n).toBe(0);
  });

  it('eventFile() streams the same recording as an Observable', async () => {
    const count = await lastValueFrom(eventFile(join(eventsDir, 'sample_ncars.dat')).pipe(reduce((n, b) => n + b.length, 0)));
    expect(count).toBe(2009);
  });
});
