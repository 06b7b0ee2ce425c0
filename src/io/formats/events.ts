/**
 * Event streams read from event-camera recordings: the batch type every reader produces, the
 * incremental decoder interface and the error they throw. The machinery the decoders share is in
 * `chunkedDecoder.ts`.
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
import type { FormatError } from './formatError.js';

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
