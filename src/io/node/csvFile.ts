/**
 * CSV time series (sensor logs: a time column plus channels), parsed by `csv-parse` as the file
 * streams in bounded chunks (Node), into blocks of rows: the time column as a Float64Array and
 * the channels as a chunk `[T, 1, channels]` — one row per step — ready for `lifSpikes` (currents)
 * or `deltaSpikes` (send-on-delta spikes).
 * ```ts
 * csvFile('imu.csv', { timeColumn: 'time' }).pipe(map((b) => b.values), deltaSpikes(0.05))
 * ```
 * Every cell must be a finite number (an error names the line, column and byte offset), the time
 * column must not decrease, and every row must have the header's number of cells.
 * @module
 */
import { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import type { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import { allocate, type DType, fromTypedArray } from '../../ops/tensor.js';
import { checkOptions } from '../../ops/validate.js';
import { fromAsyncGenerator } from '../decodeStream.js';
import type { CsvBlock } from '../formats/csvBlock.js';
import { FormatError } from '../formats/formatError.js';
import { checkChunkBytes, fileChunks } from './fileChunks.js';

/** Options of {@link readCsvFile}. */
export interface CsvFileOptions {
  /** The time column, by name or index (default: the column named t, time or timestamp, else column 0). */
  readonly timeColumn?: string | number;
  /** The channel columns, by name or index, in output order (default: all columns but the time column). */
  readonly columns?: readonly (string | number)[];
  /**
   * Whether the first row names the columns (default `true`); `'auto'`: it does unless every one of
   * its cells is a finite number (then it is the first data row).
   */
  readonly header?: boolean | 'auto';
  /** Cell delimiter (default `,`). */
  readonly delimiter?: string;
  /** Rows per block (default 1024). */
  readonly blockRows?: number;
  /** dtype of the channel chunks (default `float32`). */
  readonly dtype?: DType;
  /** Bytes read per chunk (default 256 KiB). */
  readonly chunkBytes?: number;
}

const KNOWN = ['timeColumn', 'columns', 'header', 'delimiter', 'blockRows', 'dtype', 'chunkBytes'];

const checkCsvOptions = (where: string, options: CsvFileOptions) => {
  checkOptions(where, options, KNOWN);
  const { header = true, delimiter = ',', blockRows = 1024, dtype = 'float32', chunkBytes = 256 * 1024 } = options;
  if (typeof header !== 'boolean' && header !== 'auto')
    throw new SpikeflowError(where, 'header', `header must be a boolean or "auto", received ${show(header)}`);
  if (typeof delimiter !== 'string' || delimiter.length === 0)
    throw new SpikeflowError(where, 'delimiter', `delimiter must be a non-empty string, received ${show(delimiter)}`);
  if (!(Number.isInteger(blockRows) && blockRows >= 1))
    throw new SpikeflowError(where, 'blockRows', `blockRows must be an integer ≥ 1, received ${show(blockRows)}`);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError(where, 'dtype', `dtype must be "float32" or "float64", received ${show(dtype)}`);
  return { header, delimiter, blockRows, dtype, chunkBytes: checkChunkBytes(where, chunkBytes) };
};

/**
 * The rows of a CSV file in blocks (see the module docs).
 * @param path - file path
 * @param options - time and channel columns, header, delimiter, block size, dtype, chunk size
 * @throws SpikeflowError for invalid options, an unreadable file or unknown column names; FormatError (unit `rows`,
 *   with the byte offset of the row) for malformed rows, non-numeric cells or a decreasing time column
 */
export async function* readCsvFile(path: string, options: CsvFileOptions = {}): AsyncGenerator<CsvBlock, void, undefined> {
  const where = 'readCsvFile';
  const { header, delimiter, blockRows, dtype, chunkBytes } = checkCsvOptions(where, options);
  // csv-parse loads at the first CSV read, not with spikeflow/node.
  const { parse } = await import('csv-parse');
  const parser = parse({ info: true, delimiter, trim: true, skip_empty_lines: true, comment: '#', relax_column_count: true });
  const source = Readable.from(fileChunks(where, path, chunkBytes));
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let names: string[] | undefined;
  let width = 0;
  let short: string | undefined; // a short row: a truncation if it is the last one
  let timeIndex = -1;
  let channelIndex: number[] = [];
  let rows = 0;
  let before = 0; // bytes consumed before the current row
  let lastT = Number.NEGATIVE_INFINITY;
  let t = new Float64Array(blockRows);
  let values = allocate(dtype, 0);
  let n = 0;
  const fail = (kind: 'corrupt' | 'truncated', message: string): never => {
    throw new FormatError('csv', kind, before, rows, message, 'rows');
  };
  const resolve = (width: number, head: readonly string[] | undefined): void => {
    const indexOf = (c: string | number, what: string): number => {
      const k = typeof c === 'number' ? c : (head?.indexOf(c) ?? -1);
      if (!(Number.isInteger(k) && k >= 0 && k < width)) {
        throw new SpikeflowError(
          where,
          what,
          `${what} ${show(c)} is not one of the ${width} columns${head ? ` (${head.join(', ')})` : ''}`,
        );
      }
      return k;
    };
    const guess = head?.findIndex((h) => /^(t|time|timestamp)$/i.test(h)) ?? -1;
    timeIndex = options.timeColumn === undefined ? Math.max(0, guess) : indexOf(options.timeColumn, 'timeColumn');
    channelIndex =
      options.columns === undefined
        ? Array.from({ length: width }, (_, k) => k).filter((k) => k !== timeIndex)
        : options.columns.map((c) => indexOf(c, 'columns'));
    names = channelIndex.map((k) => head?.[k] ?? `column ${k}`);
    values = allocate(dtype, blockRows * channelIndex.length);
  };
  const flush = (): CsvBlock => {
    const C = channelIndex.length;
    const block = Object.freeze({
      start: rows - n,
      channels: names as string[],
      t: t.slice(0, n),
      values: fromTypedArray(values.slice(0, n * C), [n, 1, C]),
    });
    n = 0;
    return block;
  };
  try {
    for await (const item of parser as AsyncIterable<{ info: { bytes: number; lines: number }; record: string[] }>) {
      const { record, info } = item;
      if (short !== undefined) fail('corrupt', short);
      if (names === undefined) {
        width = record.length;
        const named = header === 'auto' ? !record.every((c) => c.trim() !== '' && Number.isFinite(Number(c))) : header;
        resolve(width, named ? record : undefined);
        if (named) {
          before = info.bytes;
          continue;
        }
      }
      if (record.length !== width) {
        const message = `line ${info.lines} has ${record.length} cells, the first row ${width}`;
        if (record.length > width) fail('corrupt', message);
        short = message;
        continue;
      }
      const cell = (k: number): number => {
        const text = record[k] as string;
        const v = text === '' ? Number.NaN : Number(text);
        if (!Number.isFinite(v)) fail('corrupt', `line ${info.lines}, column ${k}: ${JSON.stringify(text)} is not a finite number`);
        return v;
      };
      const time = cell(timeIndex);
      if (time < lastT) fail('corrupt', `line ${info.lines}: time ${time} is before the previous row's ${lastT}`);
      lastT = time;
      t[n] = time;
      channelIndex.forEach((k, c) => {
        values[n * channelIndex.length + c] = cell(k);
      });
      n++;
      rows++;
      before = info.bytes;
      if (n === blockRows) {
        yield flush();
        t = new Float64Array(blockRows);
        values = allocate(dtype, blockRows * channelIndex.length);
      }
    }
  } catch (e) {
    if (e instanceof FormatError || e instanceof SpikeflowError) throw e;
    // csv-parse's codes: CSV_* in some versions, bare (INVALID_OPENING_QUOTE) in others.
    if ((e as Error).name === 'CsvError') {
      const err = e as CsvError;
      const kind = /QUOTE_NOT_CLOSED$/.test(String(err.code)) ? 'truncated' : 'corrupt';
      fail(kind, `csv-parse: ${err.message}`);
    }
    throw e;
  } finally {
    source.destroy();
    parser.destroy();
  }
  if (n > 0) yield flush(); // the rows before a truncation are delivered before the error
  if (short !== undefined) fail('truncated', `the file ends with a short row: ${short}`);
}

/**
 * The rows of a CSV file in blocks, as a cold `Observable<CsvBlock>` (see {@link readCsvFile}).
 * @param path - file path
 * @param options - as for {@link readCsvFile}
 */
export const csvFile = (path: string, options: CsvFileOptions = {}): Observable<CsvBlock> => {
  checkCsvOptions('csvFile', options);
  return fromAsyncGenerator(() => readCsvFile(path, options));
};
