/**
 * CSV time series: the project's own files written by the test (round trip through csv-parse),
 * column selection, errors with line and byte offset, and the path to spikes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { lastValueFrom, map, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvBlock } from '../../../src/io/formats/csvBlock.js';
import { FormatError } from '../../../src/io/formats/formatError.js';
import { csvFile, readCsvFile } from '../../../src/io/node/csvFile.js';
import { deltaSpikes } from '../../../src/ops/encoders/deltaSpikes.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;
const write = (text: string): string => {
  const path = join(dir, `f${serial++}.csv`);
  writeFileSync(path, text);
  return path;
};

const collect = async (path: string, options = {}): Promise<CsvBlock[]> => {
  const out: CsvBlock[] = [];
  for await (const b of readCsvFile(path, options)) out.push(b);
  return out;
};

const failure = async (path: string, options = {}): Promise<FormatError> => {
  try {
    await collect(path, options);
  } catch (e) {
    return e as FormatError;
  }
  throw new Error('expected an error');
};

describe('CSV time series', () => {
  it('round trip: rows written by the test come back in blocks, whatever the chunk and block sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: -50, max: 50 })),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        fc.integer({ min: 16, max: 200 }),
        fc.integer({ min: 1, max: 30 }),
        async (rows, chunkBytes, blockRows) => {
          let t = 0;
          const data = rows.map(([dt, a, b]) => {
            t += dt;
            return [t, a, b] as const;
          });
          const path = write(`time,ax,ay\n${data.map((r) => r.join(',')).join('\n')}\n`);
          const blocks = await collect(path, { chunkBytes, blockRows, dtype: 'float64' });
          expect(blocks.every((b) => b.channels.join() === 'ax,ay')).toBe(true);
          expect(blocks.flatMap((b) => Array.from(b.t))).toEqual(data.map((r) => r[0]));
          // Values as written (String(-0) is "0").
          expect(blocks.flatMap((b) => Array.from(b.values.data))).toEqual(
            data.flatMap((r) => [Number(String(r[1])), Number(String(r[2]))]),
          );
          expect(blocks.map((b) => b.start)).toEqual(blocks.map((_, k) => k * blockRows));
          expect(blocks.every((b) => b.values.shape[1] === 1 && b.values.shape[2] === 2)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('selects the time column and channels by name or index; without a header, by index', async () => {
    const path = write('a;timestamp;b\n1;0.5;10\n2;0.75;20\n');
    const [b] = await collect(path, { delimiter: ';', columns: ['b', 0] });
    expect(Array.from(b?.t ?? [])).toEqual([0.5, 0.75]);
    expect(b?.channels).toEqual(['b', 'a']);
    expect(Array.from(b?.values.data ?? [])).toEqual([10, 1, 20, 2]);
    const raw = write('0,1,2\n1,3,4\n');
    const [c] = await collect(raw, { header: false, timeColumn: 0 });
    expect(c?.channels).toEqual(['column 1', 'column 2']);
    expect(Array.from(c?.values.data ?? [])).toEqual([1, 2, 3, 4]);
    await expect(collect(path, { delimiter: ';', columns: ['z'] })).rejects.toThrow(
      /columns "z" is not one of the 3 columns \(a, timestamp, b\)/,
    );
  });

  it("header 'auto': a first row of numbers is data, a first row with a name is the header", async () => {
    const [c] = await collect(write('0,1,2\n1,3,4\n'), { header: 'auto' });
    expect(c?.channels).toEqual(['column 1', 'column 2']);
    expect(Array.from(c?.t ?? [])).toEqual([0, 1]);
    expect(Array.from(c?.values.data ?? [])).toEqual([1, 2, 3, 4]);
    const [d] = await collect(write('t,x\n0,5\n1,6\n'), { header: 'auto' });
    expect(d?.channels).toEqual(['x']);
    expect(Array.from(d?.values.data ?? [])).toEqual([5, 6]);
    // the default stays true: the numbers of the first row name the columns
    const [e] = await collect(write('0,1,2\n1,3,4\n'));
    expect(e?.channels).toEqual(['1', '2']);
    await expect(collect(write('0,1\n'), { header: 'yes' })).rejects.toThrow(/header must be a boolean or "auto", received "yes"/);
  });

  it('errors name the line, the column and the byte offset of the row', async () => {
    // Hand-derived offsets: "t,x\n" is 4 bytes, "0,1\n" 4 more: the third line starts at byte 8.
    const bad = await failure(write('t,x\n0,1\n1,abc\n2,3\n'));
    expect(bad).toBeInstanceOf(FormatError);
    expect(bad.kind).toBe('corrupt');
    expect(bad.offset).toBe(8);
    expect(bad.eventsRead).toBe(1);
    expect(bad.message).toMatch(/line 3, column 1: "abc" is not a finite number at byte offset 8 \(1 rows read before it\)/);
    const back = await failure(write('t,x\n5,1\n4,2\n'));
    expect(back.message).toMatch(/line 3: time 4 is before the previous row's 5/);
    const wide = await failure(write('t,x\n0,1\n1,2,3\n2,3\n'));
    expect(wide.message).toMatch(/line 3 has 3 cells, the first row 2/);
  });

  it('a file cut inside a row reports a truncation after delivering the whole rows', async () => {
    const text = 't,x,y\n0,1,2\n1,3,4\n2,5,6\n';
    const cut = write(text.slice(0, text.length - 3)); // "2,5" remains of the last row
    const blocks: CsvBlock[] = [];
    let error: unknown;
    try {
      for await (const b of readCsvFile(cut, { blockRows: 10 })) blocks.push(b);
    } catch (e) {
      error = e;
    }
    expect(blocks.flatMap((b) => Array.from(b.t))).toEqual([0, 1]);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).kind).toBe('truncated');
    expect((error as FormatError).offset).toBe(18);
    expect((error as FormatError).eventsRead).toBe(2);
  });

  it('channels → send-on-delta spikes (hand-derived)', async () => {
    // θ = 1: x = 0.5, 1.6 (ON), 1.7, 0.4 (OFF), 0.3
    const path = write('t,x\n0,0.5\n1,1.6\n2,1.7\n3,0.4\n4,0.3\n');
    const spikes = await lastValueFrom(
      csvFile(path, { blockRows: 2 }).pipe(
        map((b) => b.values),
        deltaSpikes(1),
        toArray(),
      ),
    );
    expect(spikes.flatMap((z) => Array.from(z.data))).toEqual([0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
  });
});
