/**
 * The machinery every event decoder shares (`ChunkedDecoder`): a header phase (bytes accumulate
 * until the header parses), then a body phase that consumes whole records and carries the bytes of
 * an incomplete record over to the next `push`; the validation of the common decoder options; and
 * the byte and header helpers (ASCII text, `%`-marked header lines, sensor sizes).
 * @module
 */
import { SpikeflowError, show } from '../../ops/errors.js';
import { checkOptions } from '../../ops/validate.js';
import {
  BatchBuilder,
  type EventBatch,
  type EventDecoder,
  type EventDecoderOptions,
  type EventFormat,
  type EventStreamInfo,
  emptyBatch,
} from './events.js';
import { FormatError, type FormatErrorKind } from './formatError.js';

const EMPTY = new Uint8Array(0);

/** Joins the bytes held back from the previous chunk with the next chunk (copies only when both are non-empty). */
const join = (carry: Uint8Array, bytes: Uint8Array): Uint8Array => {
  if (carry.length === 0) return bytes;
  if (bytes.length === 0) return carry;
  const out = new Uint8Array(carry.length + bytes.length);
  out.set(carry);
  out.set(bytes, carry.length);
  return out;
};

/** Result of header parsing: bytes the header occupies and what it says. */
export interface ParsedHeader {
  /** Header length in bytes (the event data starts there). */
  readonly length: number;
  /** Information for {@link EventDecoder.info}; `dataOffset` is filled in by the base class. */
  readonly info: Omit<EventStreamInfo, 'dataOffset'>;
}

/** Validated common options. */
export interface CommonOptions {
  readonly sensorSize: readonly [number, number] | null | undefined;
  readonly invalidEvents: 'error' | 'drop';
  readonly maxHeaderBytes: number;
}

/**
 * Validates {@link EventDecoderOptions} (and rejects unknown option names).
 * @throws SpikeflowError naming the option (unknown names, a bad sensor size, invalidEvents or maxHeaderBytes)
 */
export const checkDecoderOptions = (where: string, options: EventDecoderOptions, extra: readonly string[] = []): CommonOptions => {
  checkOptions(where, options, ['sensorSize', 'invalidEvents', 'maxHeaderBytes', ...extra]);
  const { sensorSize, invalidEvents = 'error', maxHeaderBytes = 16 << 20 } = options;
  if (sensorSize !== undefined && sensorSize !== null) {
    const ok = Array.isArray(sensorSize) && sensorSize.length === 2 && sensorSize.every((s) => Number.isInteger(s) && s > 0 && s <= 65536);
    if (!ok) {
      throw new SpikeflowError(
        where,
        'sensorSize',
        `sensorSize must be [width, height], positive integers ≤ 65536, received ${show(sensorSize)}`,
      );
    }
  }
  if (invalidEvents !== 'error' && invalidEvents !== 'drop') {
    throw new SpikeflowError(where, 'invalidEvents', `invalidEvents must be "error" or "drop", received ${show(invalidEvents)}`);
  }
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes <= 0) {
    throw new SpikeflowError(where, 'maxHeaderBytes', `maxHeaderBytes must be a positive integer, received ${show(maxHeaderBytes)}`);
  }
  return { sensorSize, invalidEvents, maxHeaderBytes };
};

/**
 * The machinery shared by the decoders: a header phase (bytes accumulate until `parseHeader`
 * can parse it), then a body phase where `decodeBody` consumes whole records and the bytes of an
 * incomplete record are carried over to the next `push`.
 * @throws FormatError (from `push`/`end`) for malformed bytes, naming format, offset and event; SpikeflowError for
 *   `push` after `end` or bytes that are not a Uint8Array
 */
export abstract class ChunkedDecoder implements EventDecoder {
  abstract readonly format: EventFormat;
  /** Header information once parsed. */
  info: EventStreamInfo | undefined = undefined;
  /** Events decoded so far. */
  eventCount = 0;
  /** Events skipped. */
  dropped = 0;
  /** Validated options. */
  protected readonly options: CommonOptions;
  /** Events of the current chunk. */
  protected readonly out = new BatchBuilder();
  /** Absolute offset of `carry[0]`. */
  private base = 0;
  private carry: Uint8Array = EMPTY;
  private ended = false;
  /** True during the last `decodeBody` call, made by `end()` (for formats whose last record needs no terminator). */
  protected final = false;
  /** False for formats without a header, for which an empty input is an empty recording. */
  protected readonly needsHeader: boolean = true;
  /** Sensor width and height used for bounds checks (0 when unchecked). */
  protected width = 0;
  protected height = 0;

  constructor(options: CommonOptions) {
    this.options = options;
  }

  /** Absolute offset of the first byte not yet decoded. */
  get offset(): number {
    return this.base;
  }

  /**
   * Parses the header from the start of `bytes` (the file's first bytes).
   * @param final - true when no more bytes will come
   * @returns the header, or `undefined` when more bytes are needed
   */
  protected abstract parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined;

  /**
   * Decodes records from `bytes[start..]`; `abs` is the absolute offset of `bytes[0]`.
   * @returns the index of the first byte not consumed (the rest is carried over)
   */
  protected abstract decodeBody(bytes: Uint8Array, start: number, abs: number): number;

  /** Called by `end()` after the last `decodeBody`: checks for state left incomplete (AEDAT 4 packets). */
  protected finish(_abs: number): void {}

  /** Throws an {@link FormatError} of this decoder. */
  protected fail(kind: FormatErrorKind, offset: number, message: string): never {
    throw new FormatError(this.format, kind, offset, this.eventCount, message);
  }

  /**
   * Adds an event after checking its pixel against the sensor size and its polarity; an invalid one
   * throws or is dropped per `invalidEvents`.
   */
  protected emit(t: number, x: number, y: number, p: number, offset: number): void {
    if ((this.width > 0 && (x >= this.width || y >= this.height)) || (p !== 0 && p !== 1)) {
      this.invalid(
        offset,
        `event (x=${x}, y=${y}, p=${p}) outside the ${this.width}×${this.height} sensor or with a polarity other than 0/1`,
      );
      return;
    }
    this.out.add(t, x, y, p);
    this.eventCount++;
  }

  /** Reports an invalid event: throws, or counts it as dropped. */
  protected invalid(offset: number, message: string): void {
    if (this.options.invalidEvents === 'drop') this.dropped++;
    else this.fail('corrupt', offset, message);
  }

  /** Sets the sensor size used by bounds checks from the caller's override or the header's value. */
  private setGeometry(header: readonly [number, number] | undefined): readonly [number, number] | undefined {
    const o = this.options.sensorSize;
    const size = o === null ? undefined : (o ?? header);
    if (size !== undefined) [this.width, this.height] = size;
    return o === null ? header : (o ?? header);
  }

  push(bytes: Uint8Array): EventBatch {
    if (this.ended) throw new SpikeflowError(`read ${this.format}`, 'bytes', 'push() called after end()');
    if (!(bytes instanceof Uint8Array)) {
      throw new SpikeflowError(`read ${this.format}`, 'bytes', `bytes must be a Uint8Array, received ${show(bytes)}`);
    }
    this.step(join(this.carry, bytes), false);
    return this.out.take();
  }

  end(): EventBatch {
    if (this.ended) return emptyBatch();
    this.final = true;
    this.step(this.carry, true);
    this.ended = true;
    if (this.carry.length > 0) {
      this.fail('truncated', this.base, `file ends inside a record: ${this.carry.length} trailing bytes do not make a whole record`);
    }
    this.finish(this.base);
    return this.out.take();
  }

  private step(buf: Uint8Array, final: boolean): void {
    let i = 0;
    if (this.info === undefined) {
      const header = final && buf.length === 0 && this.needsHeader ? undefined : this.parseHeader(buf, final);
      if (header === undefined) {
        if (buf.length > this.options.maxHeaderBytes) {
          this.fail('corrupt', 0, `no end of header within the first ${this.options.maxHeaderBytes} bytes`);
        }
        if (final) this.fail('truncated', 0, `file ends inside the header (${buf.length} bytes)`);
        this.carry = buf === this.carry ? buf : buf.slice();
        return;
      }
      const sensorSize = this.setGeometry(header.info.sensorSize);
      this.info = Object.freeze({ ...header.info, sensorSize, dataOffset: header.length });
      i = header.length;
      this.base = 0;
    }
    const used = this.decodeBody(buf, i, this.base);
    this.carry = used >= buf.length ? EMPTY : buf.slice(used);
    this.base += used;
  }
}

/** Decodes ASCII bytes (header lines). */
export const ascii = (bytes: Uint8Array, start = 0, end = bytes.length): string => {
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(bytes[k] as number);
  return s;
};

/** True when `bytes[from..to)` is text: no control characters other than tab and carriage return. */
const isText = (bytes: Uint8Array, from: number, to: number): boolean => {
  for (let k = from; k < to; k++) {
    const c = bytes[k] as number;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0d) || c === 0x7f) return false;
  }
  return true;
};

/**
 * Reads a header made of text lines that begin with `marker` (`%` for Prophesee, `#` for AEDAT),
 * each ending in `\n`. The header ends at the first line that does not start with the marker or is
 * not text (binary data may begin with the marker byte: such a "line" holds control bytes before
 * its newline), or right after a line equal to `endLine` (e.g. `% end`, `#!END-HEADER`).
 * @returns the lines (without their line ending) and the header length, or `undefined` when more bytes
 *   are needed (at the end of the input: the header is truncated)
 */
export const readMarkedLines = (
  bytes: Uint8Array,
  marker: number,
  final: boolean,
  endLine?: string,
): { readonly lines: readonly string[]; readonly length: number } | undefined => {
  const lines: string[] = [];
  let i = 0;
  while (i < bytes.length && bytes[i] === marker) {
    const nl = bytes.indexOf(0x0a, i);
    if (!isText(bytes, i, nl < 0 ? bytes.length : nl)) break;
    // A text line without its newline: more bytes will come, or (at the end) the header is cut short.
    if (nl < 0) return undefined;
    const line = ascii(bytes, i, nl).replace(/\r$/, '');
    lines.push(line);
    i = nl + 1;
    if (endLine !== undefined && line.trim() === endLine) return { lines, length: i };
  }
  if (i >= bytes.length && !final) return undefined;
  return { lines, length: i };
};

/** Parses a `[width, height]` pair from `"640x480"`-style text or width/height fields. */
export const sizeFrom = (width: string | undefined, height: string | undefined): readonly [number, number] | undefined => {
  const w = Number(width);
  const h = Number(height);
  return Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0 ? [w, h] : undefined;
};
