/**
 * Event streams read from event-camera recordings: the batch type every reader produces, the
 * incremental decoder interface, the error they throw, and the shared byte/header machinery.
 *
 * An **event** is `{ t, x, y, p }`: timestamp `t` in microseconds, pixel column `x` and row `y`
 * (as stored in the file, see {@link EventStreamInfo.origin}), polarity `p` (1 ON = brightness
 * increase, 0 OFF). Readers hand events out in **batches**, struct-of-arrays typed arrays that
 * binning sources turn into `[T, batch, 2, H, W]` frames.
 *
 * A **decoder** is pure and incremental: `push(bytes)` decodes what it can and keeps at most one
 * incomplete record (or one compressed packet, for AEDAT 4) for the next call, so memory stays
 * bounded whatever the file size; `end()` says the input is over and reports a file that stops
 * mid-event. The same decoder runs in Node (fed from a file handle) and in browsers (fed from a
 * `File`/`ArrayBuffer`).
 * @module
 */
import { SpikeflowError, show } from '../../ops/errors.js';
import { checkOptions } from '../../ops/validate.js';
import { FormatError, type FormatErrorKind } from './formatError.js';

/** Event file formats with a decoder. `jsonl` is one JSON event per line (live sources). */
export const EVENT_FORMATS = ['nmnist', 'evt2', 'evt3', 'dat', 'aedat2', 'aedat3', 'aedat4', 'jsonl'] as const;

/** An event file format: see {@link EVENT_FORMATS}. */
export type EventFormat = (typeof EVENT_FORMATS)[number];

/**
 * A batch of events, struct of arrays, all of length `length`:
 * - `t` timestamps in microseconds (Float64Array: exact up to 2⁵³ µs, absolute clocks included)
 * - `x` column and `y` row of the pixel (Uint16Array)
 * - `p` polarity, 1 ON (brightness increase) or 0 OFF (Uint8Array)
 *
 * Events keep the order of the file (non-decreasing `t` in well-formed recordings).
 */
export interface EventBatch {
  /** Number of events in the batch. */
  readonly length: number;
  /** Timestamps, µs. */
  readonly t: Float64Array;
  /** Pixel columns. */
  readonly x: Uint16Array;
  /** Pixel rows. */
  readonly y: Uint16Array;
  /** Polarities: 1 ON, 0 OFF. */
  readonly p: Uint8Array;
}

/** What a decoder learnt from a file's header. */
export interface EventStreamInfo {
  /** The format being decoded. */
  readonly format: EventFormat;
  /** Sensor `[width, height]` in pixels, when the file (or the caller) says; `undefined` when unknown. */
  readonly sensorSize: readonly [number, number] | undefined;
  /** Where `(0, 0)` lies: jAER's AEDAT 1.0–3.0 put it lower-left, the other formats upper-left. */
  readonly origin: 'upper-left' | 'lower-left';
  /** Byte offset where the event data starts (after the header). */
  readonly dataOffset: number;
  /** Header fields as key → value strings (e.g. `system_ID → 48`, `AEChip → …Davis346red`). */
  readonly fields: Readonly<Record<string, string>>;
  /** Camera or sensor named by the header, when it names one. */
  readonly camera?: string;
}

/** Options shared by every event decoder. */
export interface EventDecoderOptions {
  /**
   * Sensor `[width, height]`, overriding the header's (or N-MNIST's 34×34). `null` disables the
   * bounds check when the size is unknown or wrong in the header.
   */
  readonly sensorSize?: readonly [number, number] | null;
  /**
   * What to do with an event that cannot be right (pixel outside the sensor, polarity other than
   * 0/1, vector event before its base address): `error` (default) throws an
   * {@link FormatError} with its byte offset; `drop` skips it and counts it in `dropped`.
   */
  readonly invalidEvents?: 'error' | 'drop';
  /** Largest header accepted, bytes (default 16 MiB): a longer one is an error, not an endless wait. */
  readonly maxHeaderBytes?: number;
}

/**
 * An incremental decoder of one event format. Feed it the file's bytes in order, in chunks of
 * any size; it returns the events completed by each chunk.
 */
export interface EventDecoder {
  /** The format decoded. */
  readonly format: EventFormat;
  /** Header information, once the header has been read (else `undefined`). */
  readonly info: EventStreamInfo | undefined;
  /** Bytes consumed so far (absolute offset of the first byte not yet decoded). */
  readonly offset: number;
  /** Events decoded so far (not counting dropped ones). */
  readonly eventCount: number;
  /**
   * Events skipped: invalid ones (with `invalidEvents: 'drop'`) and events whose time is unknown
   * (EVT 2.0/3.0 events before the first time-high word). Records that are not polarity events
   * (APS frames, IMU samples, triggers) are not events and are not counted.
   */
  readonly dropped: number;
  /**
   * Decodes the next bytes of the file.
   * @returns the events they complete (possibly none)
   * @throws FormatError for malformed input, with its byte offset
   */
  push(bytes: Uint8Array): EventBatch;
  /**
   * Ends the input.
   * @returns the last events, if any were held back
   * @throws FormatError (`kind: 'truncated'`) when the input ends inside the header, an event or a packet
   */
  end(): EventBatch;
}

/** A batch with no events. */
export const emptyBatch = (): EventBatch =>
  Object.freeze({ length: 0, t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) });

/**
 * Concatenates batches into one (copies).
 * @param batches - batches in order
 */
export const concatBatches = (batches: readonly EventBatch[]): EventBatch => {
  const n = batches.reduce((s, b) => s + b.length, 0);
  const out = { length: n, t: new Float64Array(n), x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) };
  let k = 0;
  for (const b of batches) {
    out.t.set(b.t.subarray(0, b.length), k);
    out.x.set(b.x.subarray(0, b.length), k);
    out.y.set(b.y.subarray(0, b.length), k);
    out.p.set(b.p.subarray(0, b.length), k);
    k += b.length;
  }
  return Object.freeze(out);
};

/**
 * Growable struct-of-arrays event buffer used by decoders. `take()` hands the events over as a
 * batch and starts afresh, so a decoder holds no events between `push` calls.
 */
export class BatchBuilder {
  private t: Float64Array;
  private x: Uint16Array;
  private y: Uint16Array;
  private p: Uint8Array;
  private n = 0;
  /** @param capacity - initial capacity in events */
  constructor(private readonly capacity = 4096) {
    this.t = new Float64Array(capacity);
    this.x = new Uint16Array(capacity);
    this.y = new Uint16Array(capacity);
    this.p = new Uint8Array(capacity);
  }
  /** Number of events held. */
  get length(): number {
    return this.n;
  }
  /** Makes room for `extra` more events. */
  reserve(extra: number): void {
    const need = this.n + extra;
    if (need <= this.t.length) return;
    let cap = Math.max(this.t.length * 2, 16);
    while (cap < need) cap *= 2;
    const grow = <A extends Float64Array | Uint16Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.t = grow(this.t, (c) => new Float64Array(c));
    this.x = grow(this.x, (c) => new Uint16Array(c));
    this.y = grow(this.y, (c) => new Uint16Array(c));
    this.p = grow(this.p, (c) => new Uint8Array(c));
  }
  /** Appends one event (the caller has checked the values). */
  add(t: number, x: number, y: number, p: number): void {
    if (this.n === this.t.length) this.reserve(1);
    const k = this.n++;
    this.t[k] = t;
    this.x[k] = x;
    this.y[k] = y;
    this.p[k] = p;
  }
  /** Hands over the events held as a batch and empties the builder. */
  take(): EventBatch {
    const n = this.n;
    if (n === 0) return emptyBatch();
    const batch = Object.freeze({
      length: n,
      t: this.t.subarray(0, n),
      x: this.x.subarray(0, n),
      y: this.y.subarray(0, n),
      p: this.p.subarray(0, n),
    });
    this.n = 0;
    const cap = Math.max(this.capacity, Math.min(n, 1 << 20));
    this.t = new Float64Array(cap);
    this.x = new Uint16Array(cap);
    this.y = new Uint16Array(cap);
    this.p = new Uint8Array(cap);
    return batch;
  }
}

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

/** Validates {@link EventDecoderOptions} (and rejects unknown option names). */
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
