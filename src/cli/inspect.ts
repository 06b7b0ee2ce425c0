/**
 * `spikeflow inspect FILE [--json]`: what a user checks first about a recording. For event files:
 * the format, event count, time range (µs), sensor size, x and y ranges, events per polarity; for
 * audio: sample rate, channels, duration; for CSV time series: rows, channels, time range. The file
 * is streamed once through its reader (bounded memory), so a malformed or truncated file is
 * reported with the byte offset of the fault.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { detectFormat, FILE_FORMATS, type FileFormat, isEventFormat, SNIFF_BYTES } from '../io/formats/detect.js';
import { readCsvFile } from '../io/node/csvFile.js';
import { openEventFile } from '../io/node/eventFile.js';
import { openWavFile } from '../io/node/wavFile.js';
import { fileProblem, SpikeflowError, show } from '../ops/errors.js';

/** Summary of an event recording. Times in µs; ranges are `[min, max]`, `null` when there are no events. */
export interface EventFileSummary {
  readonly kind: 'events';
  readonly path: string;
  /** File size, bytes. */
  readonly bytes: number;
  readonly format: FileFormat;
  /** Sensor `[width, height]` from the header, `null` when the file does not say. */
  readonly sensorSize: readonly [number, number] | null;
  /** Pixel `(0, 0)`: upper-left or lower-left. */
  readonly origin: 'upper-left' | 'lower-left';
  /** Camera or chip named by the header, `null` when none. */
  readonly camera: string | null;
  readonly eventCount: number;
  /** Events skipped (before the first time base in EVT files). */
  readonly dropped: number;
  readonly timeRange: readonly [number, number] | null;
  /** `timeRange[1] − timeRange[0]`, µs (0 without events). */
  readonly duration: number;
  readonly xRange: readonly [number, number] | null;
  readonly yRange: readonly [number, number] | null;
  /** Events per polarity. */
  readonly polarity: { readonly off: number; readonly on: number };
  /** Whether timestamps never decrease through the file. */
  readonly monotonic: boolean;
}

/** Summary of a WAV file. */
export interface AudioFileSummary {
  readonly kind: 'audio';
  readonly path: string;
  readonly bytes: number;
  readonly format: 'wav';
  /** Hz. */
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly encoding: 'pcm' | 'float';
  /** Frames (samples per channel) in the file. */
  readonly frames: number;
  /** Seconds. */
  readonly duration: number;
}

/** Summary of a CSV time series. */
export interface CsvFileSummary {
  readonly kind: 'timeseries';
  readonly path: string;
  readonly bytes: number;
  readonly format: 'csv';
  readonly rows: number;
  readonly channels: readonly string[];
  /** Time column range, in the file's units; `null` without rows. */
  readonly timeRange: readonly [number, number] | null;
}

/** What {@link inspect} returns. */
export type InspectSummary = EventFileSummary | AudioFileSummary | CsvFileSummary;

/** Options of {@link inspect}. */
export interface InspectOptions {
  /** Format, overriding detection (one of the event formats, `wav`, `csv`). */
  readonly format?: FileFormat;
}

const sniff = async (path: string): Promise<Uint8Array> => {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
};

/**
 * Reads a file through its reader and summarises it.
 * @param path - file path
 * @param options - `format` to override detection
 * @returns an {@link EventFileSummary}, {@link AudioFileSummary} or {@link CsvFileSummary}
 * @throws SpikeflowError for an unreadable file, an unknown format or invalid options; FormatError
 *   (with the byte offset) for a malformed or truncated file
 */
export const inspect = async (path: string, options: InspectOptions = {}): Promise<InspectSummary> => {
  const where = 'inspect';
  if (typeof path !== 'string' || path === '')
    throw new SpikeflowError(where, 'path', `path must be a non-empty string, received ${show(path)}`);
  if (options.format !== undefined && !(FILE_FORMATS as readonly string[]).includes(options.format)) {
    throw new SpikeflowError(where, 'format', `format must be one of ${FILE_FORMATS.join(', ')}, received ${show(options.format)}`);
  }
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (e) {
    throw new SpikeflowError(where, 'path', `cannot read ${show(path)}: ${fileProblem(e)}`);
  }
  const format = options.format ?? detectFormat(basename(path), await sniff(path));

  if (format === 'wav') {
    const reader = await openWavFile(path);
    let frames = 0;
    for await (const block of reader) frames += block.frames;
    const { sampleRate, channels, bitsPerSample, encoding } = reader.info;
    return { kind: 'audio', path, bytes, format, sampleRate, channels, bitsPerSample, encoding, frames, duration: frames / sampleRate };
  }

  if (format === 'csv') {
    let rows = 0;
    let channels: readonly string[] = [];
    let tMin = Number.POSITIVE_INFINITY;
    let tMax = Number.NEGATIVE_INFINITY;
    for await (const block of readCsvFile(path, { header: 'auto' })) {
      rows += block.t.length;
      channels = block.channels;
      for (const t of block.t) {
        if (t < tMin) tMin = t;
        if (t > tMax) tMax = t;
      }
    }
    return { kind: 'timeseries', path, bytes, format, rows, channels, timeRange: rows > 0 ? [tMin, tMax] : null };
  }

  if (!isEventFormat(format)) throw new SpikeflowError(where, 'format', `no reader for ${show(format)}`);
  const reader = await openEventFile(path, { format });
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = Number.NEGATIVE_INFINITY;
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  let on = 0;
  let n = 0;
  let last = Number.NEGATIVE_INFINITY;
  let monotonic = true;
  for await (const b of reader) {
    for (let k = 0; k < b.length; k++) {
      const t = b.t[k] as number;
      const x = b.x[k] as number;
      const y = b.y[k] as number;
      if (t < last) monotonic = false;
      last = t;
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
      on += b.p[k] as number;
    }
    n += b.length;
  }
  const some = n > 0;
  return {
    kind: 'events',
    path,
    bytes,
    format,
    sensorSize: reader.info.sensorSize ?? null,
    origin: reader.info.origin,
    camera: reader.info.camera ?? null,
    eventCount: n,
    dropped: reader.dropped,
    timeRange: some ? [tMin, tMax] : null,
    duration: some ? tMax - tMin : 0,
    xRange: some ? [xMin, xMax] : null,
    yRange: some ? [yMin, yMax] : null,
    polarity: { off: n - on, on },
    monotonic,
  };
};

const FORMAT_NAMES: Readonly<Record<FileFormat, string>> = {
  nmnist: 'N-MNIST .bin (ATIS, 5-byte events)',
  evt2: 'Prophesee EVT 2.0 RAW',
  evt3: 'Prophesee EVT 3.0 RAW',
  dat: 'Prophesee DAT',
  aedat2: 'AEDAT 1.0/2.0 (jAER)',
  aedat3: 'AEDAT 3.x (cAER)',
  aedat4: 'AEDAT 4.0 (iniVation DV)',
  jsonl: 'JSON lines',
  wav: 'WAV audio',
  csv: 'CSV time series',
};

const size = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

const span = (us: number): string => (us < 1000 ? `${us} µs` : us < 1e6 ? `${(us / 1000).toFixed(3)} ms` : `${(us / 1e6).toFixed(3)} s`);

/**
 * The text form of a summary: one `label  value` line per figure.
 * @param summary - what {@link inspect} returned
 */
export const formatInspect = (summary: InspectSummary): string => {
  const rows: [string, string][] = [
    ['file', `${summary.path} (${size(summary.bytes)})`],
    ['format', `${summary.format} — ${FORMAT_NAMES[summary.format]}`],
  ];
  if (summary.kind === 'audio') {
    rows.push(
      ['sample rate', `${summary.sampleRate} Hz`],
      ['channels', String(summary.channels)],
      ['samples', `${summary.bitsPerSample}-bit ${summary.encoding}`],
      ['frames', String(summary.frames)],
      ['duration', `${summary.duration.toFixed(3)} s`],
    );
  } else if (summary.kind === 'timeseries') {
    rows.push(
      ['rows', String(summary.rows)],
      ['channels', `${summary.channels.length} (${summary.channels.join(', ')})`],
      ['time', summary.timeRange === null ? '—' : `${summary.timeRange[0]} – ${summary.timeRange[1]}`],
    );
  } else {
    const range = (r: readonly [number, number] | null): string => (r === null ? '—' : `${r[0]} – ${r[1]}`);
    rows.push(
      ['camera', summary.camera ?? '—'],
      [
        'sensor',
        summary.sensorSize === null
          ? 'not given by the file'
          : `${summary.sensorSize[0]} × ${summary.sensorSize[1]} (origin ${summary.origin})`,
      ],
      [
        'events',
        `${summary.eventCount} (${summary.polarity.off} OFF, ${summary.polarity.on} ON)${summary.dropped > 0 ? `, ${summary.dropped} skipped` : ''}`,
      ],
      [
        'time',
        summary.timeRange === null
          ? '—'
          : `${summary.timeRange[0]} – ${summary.timeRange[1]} µs (${span(summary.duration)})${summary.monotonic ? '' : ', not monotonic'}`,
      ],
      ['x range', range(summary.xRange)],
      ['y range', range(summary.yRange)],
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return `${rows.map(([k, v]) => k.padEnd(width) + v).join('\n')}\n`;
};
