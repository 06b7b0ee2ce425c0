/**
 * `FormatError`: the error every format decoder throws for malformed, truncated or unsupported input.
 * @module
 */
import { SpikeflowError } from '../../ops/errors.js';

/** Kinds of decoding failure. */
export type FormatErrorKind = 'truncated' | 'corrupt' | 'unsupported';

/**
 * A malformed, truncated or unsupported file: the one error of every file format spikeflow reads
 * (event recordings; WAV and CSV files, where the count is of frames or rows). `offset` is the byte offset (from the start of the file) of the
 * record at fault; `eventsRead` how many events (frames, rows) were decoded before it.
 */
export class FormatError extends SpikeflowError {
  /** Byte offset of the faulty record, from the start of the file. */
  readonly offset: number;
  /** Events (or frames, rows: see `unit`) decoded before the fault. */
  readonly eventsRead: number;
  /** Format being decoded. */
  readonly format: string;
  /** `truncated` (input ends mid-record), `corrupt` (impossible content) or `unsupported` (valid but not handled). */
  readonly kind: FormatErrorKind;
  /** What `eventsRead` counts: `events`, `frames` (audio) or `rows` (CSV). */
  readonly unit: string;
  /**
   * @param format - format being decoded (used as the function name in the message)
   * @param kind - the kind of failure
   * @param offset - byte offset of the faulty record
   * @param eventsRead - events (frames, rows) decoded before it
   * @param message - what was expected and what was found
   * @param unit - what is counted (default `events`)
   */
  constructor(format: string, kind: FormatErrorKind, offset: number, eventsRead: number, message: string, unit = 'events') {
    super(`read ${format}`, 'bytes', `${message} at byte offset ${offset} (${eventsRead} ${unit} read before it)`);
    this.name = 'FormatError';
    this.offset = offset;
    this.eventsRead = eventsRead;
    this.format = format;
    this.kind = kind;
    this.unit = unit;
  }
}
