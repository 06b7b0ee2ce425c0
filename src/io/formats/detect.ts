/**
 * Format detection (by the file's first bytes, then by its extension) and a decoder factory for
 * every event format.
 * @module
 */
import { SpikeflowError, show } from '../../ops/errors.js';
import { type Aedat2DecoderOptions, aedat2Decoder } from './aedat2.js';
import { aedat3Decoder } from './aedat3.js';
import { type Aedat4DecoderOptions, aedat4Decoder } from './aedat4.js';
import { datDecoder } from './dat.js';
import {
  concatBatches,
  EVENT_FORMATS,
  type EventBatch,
  type EventDecoder,
  type EventDecoderOptions,
  type EventFormat,
  type EventStreamInfo,
} from './events.js';
import { evt2Decoder } from './evt2.js';
import { evt3Decoder } from './evt3.js';
import { jsonlDecoder } from './jsonl.js';
import { nmnistDecoder } from './nmnist.js';
import { parsePropheseeHeader } from './propheseeHeader.js';

/** Every file format spikeflow reads: the event formats plus WAV audio and CSV time series. */
export const FILE_FORMATS = [...EVENT_FORMATS, 'wav', 'csv'] as const;

/** A file format: see {@link FILE_FORMATS}. */
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Bytes of the file's start that {@link detectFormat} looks at (it works with fewer). */
export const SNIFF_BYTES = 64 * 1024;

/** Prophesee system IDs whose RAW files default to EVT 3.0 when the header names no encoding (OpenEB's table). */
const EVT3_SYSTEMS = new Set([0x1e, 0x2e, 0x28, 0x30]);

const EXTENSIONS: Readonly<Record<string, FileFormat>> = {
  bin: 'nmnist',
  dat: 'dat',
  aedat4: 'aedat4',
  aedat: 'aedat2',
  aedat2: 'aedat2',
  aedat3: 'aedat3',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  wav: 'wav',
  wave: 'wav',
  csv: 'csv',
  tsv: 'csv',
};

const startsWith = (head: Uint8Array, text: string): boolean =>
  head.length >= text.length && [...text].every((c, k) => head[k] === c.charCodeAt(0));

/**
 * Tells a file's format from its first bytes and its name.
 *
 * Magic lines first (`#!AER-DATx.y`, `RIFF…WAVE`, a Prophesee `%` header naming EVT 2.0/3.0), then
 * the extension: `.bin` N-MNIST, `.dat` Prophesee DAT, `.raw` EVT 2.0 or 3.0 (from the header, else
 * from the camera's system ID), `.aedat`/`.aedat4`, `.wav`, `.csv`, `.jsonl`.
 * @param name - file name or path (only its extension is used); may be empty
 * @param head - the file's first bytes ({@link SNIFF_BYTES} is plenty)
 * @throws SpikeflowError when neither the bytes nor the extension identify a supported format
 */
export const detectFormat = (name: string, head: Uint8Array): FileFormat => {
  const aer = /^#!AER-DAT(\d)\.(\d)/.exec(String.fromCharCode(...head.subarray(0, 16)));
  if (aer !== null) {
    const major = Number(aer[1]);
    if (major === 4) return 'aedat4';
    if (major === 3) return 'aedat3';
    if (major <= 2) return 'aedat2';
  }
  if ((startsWith(head, 'RIFF') || startsWith(head, 'RF64')) && String.fromCharCode(...head.subarray(8, 12)) === 'WAVE') return 'wav';
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  if (head[0] === 0x25 /* % */ && ext !== 'dat') {
    const h = parsePropheseeHeader(head, true);
    const enc = h?.encoding;
    if (enc === 'EVT3') return 'evt3';
    if (enc === 'EVT2') return 'evt2';
    if (enc !== undefined) {
      throw new SpikeflowError(
        'detectFormat',
        'file',
        `${show(name)} is a Prophesee RAW file in ${enc}, which spikeflow does not decode (EVT2, EVT3 only)`,
      );
    }
    if (ext === 'raw' && h !== undefined) return EVT3_SYSTEMS.has(Number(h.fields.system_ID)) ? 'evt3' : 'evt2';
    if (h !== undefined && ('Version' in h.fields || 'Data' in h.fields)) return 'dat';
  }
  const byExt = EXTENSIONS[ext];
  if (byExt !== undefined) return byExt;
  if (ext === 'raw') {
    throw new SpikeflowError(
      'detectFormat',
      'file',
      `${show(name)} has no Prophesee header naming its encoding; pass format "evt2" or "evt3"`,
    );
  }
  throw new SpikeflowError(
    'detectFormat',
    'file',
    `cannot tell the format of ${show(name)} from its first bytes or its extension; pass format, one of ${FILE_FORMATS.join(', ')}`,
  );
};

/** Options accepted by {@link eventDecoder}: the common ones plus those of AEDAT 1/2 and 4. */
export type AnyEventDecoderOptions = EventDecoderOptions &
  Pick<Aedat2DecoderOptions, 'chipLayout'> &
  Pick<Aedat4DecoderOptions, 'stream' | 'maxPacketBytes'>;

/**
 * A fresh incremental decoder for an event format.
 * @param format - one of {@link EVENT_FORMATS}
 * @param options - decoder options (format-specific ones are rejected by the other formats)
 * @throws SpikeflowError for an unknown format or invalid options
 */
export const eventDecoder = (format: EventFormat, options: AnyEventDecoderOptions = {}): EventDecoder => {
  switch (format) {
    case 'nmnist':
      return nmnistDecoder(options);
    case 'evt2':
      return evt2Decoder(options);
    case 'evt3':
      return evt3Decoder(options);
    case 'dat':
      return datDecoder(options);
    case 'aedat2':
      return aedat2Decoder(options);
    case 'aedat3':
      return aedat3Decoder(options);
    case 'aedat4':
      return aedat4Decoder(options);
    case 'jsonl':
      return jsonlDecoder(options);
    default:
      throw new SpikeflowError('eventDecoder', 'format', `format must be one of ${EVENT_FORMATS.join(', ')}, received ${show(format)}`);
  }
};

/** True when `format` is an event format (not WAV or CSV). */
export const isEventFormat = (format: unknown): format is EventFormat => (EVENT_FORMATS as readonly unknown[]).includes(format);

/** Result of {@link decodeEvents}. */
export interface DecodedEvents {
  /** Header information. */
  readonly info: EventStreamInfo | undefined;
  /** All events of the file. */
  readonly events: EventBatch;
  /** Events skipped (see {@link EventDecoder.dropped}). */
  readonly dropped: number;
}

/**
 * Decodes a whole in-memory file (e.g. a browser `File`'s `ArrayBuffer`) in one call.
 * @param bytes - the file's bytes
 * @param format - its format (detect it with {@link detectFormat})
 * @param options - decoder options
 * @throws FormatError for malformed or truncated input
 */
export const decodeEvents = (bytes: Uint8Array, format: EventFormat, options: AnyEventDecoderOptions = {}): DecodedEvents => {
  const d = eventDecoder(format, options);
  const first = d.push(bytes);
  const last = d.end();
  return { info: d.info, events: last.length === 0 ? first : concatBatches([first, last]), dropped: d.dropped };
};
