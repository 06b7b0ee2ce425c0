/**
 * JSON-lines events (`.jsonl`, `.ndjson`; live sources): one event per line, either an object
 * `{"t": 12.5, "x": 3, "y": 7, "p": 1}` or an array `[t, x, y, p]`; `t` in µs (finite), `x`, `y`
 * non-negative integers below 65536, `p` 0/1 (or false/true). Blank lines are skipped; the last line
 * needs no newline. A line that is not such an event is an error with the byte offset of the line.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';

/** Longest line accepted, bytes. */
const MAX_LINE_BYTES = 1 << 20;

const decoder = new TextDecoder('utf-8', { fatal: true });

class JsonlDecoder extends ChunkedDecoder {
  protected override readonly needsHeader = false;
  readonly format = 'jsonl' as const;

  protected parseHeader(): ParsedHeader {
    return { length: 0, info: { format: 'jsonl', sensorSize: undefined, origin: 'upper-left', fields: {} } };
  }

  /** Decodes one line; `last` marks a final line without its newline (a failure there is a truncation). */
  private line(b: Uint8Array, from: number, to: number, at: number, last = false): void {
    const kind = last ? 'truncated' : 'corrupt';
    let text: string;
    try {
      text = decoder.decode(b.subarray(from, to)).trim();
    } catch {
      this.fail(kind, at, 'line is not valid UTF-8');
    }
    if (text === '') return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.fail(kind, at, `${last ? 'last line (no newline) ' : 'line '}is not JSON: ${JSON.stringify(text.slice(0, 60))}`);
    }
    const o = v as Record<string, unknown> | unknown[] | null;
    const [t, x, y, p] = Array.isArray(o) ? o : o !== null && typeof o === 'object' ? [o.t, o.x, o.y, o.p] : [];
    const pol = p === true ? 1 : p === false ? 0 : p;
    const coord = (c: unknown): boolean => Number.isInteger(c) && (c as number) >= 0 && (c as number) < 65536;
    if (typeof t !== 'number' || !Number.isFinite(t) || !coord(x) || !coord(y) || (pol !== 0 && pol !== 1)) {
      this.invalid(at, `line is not an event {t, x, y, p} or [t, x, y, p]: ${JSON.stringify(text.slice(0, 60))}`);
      return;
    }
    this.emit(t, x as number, y as number, pol, at);
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    let i = start;
    for (;;) {
      const nl = b.indexOf(0x0a, i);
      if (nl < 0) break;
      this.line(b, i, nl, abs + i);
      i = nl + 1;
    }
    if (b.length - i > MAX_LINE_BYTES) this.fail('corrupt', abs + i, `line longer than ${MAX_LINE_BYTES} bytes without a newline`);
    if (this.final && i < b.length) {
      this.line(b, i, b.length, abs + i, true);
      i = b.length;
    }
    return i;
  }
}

/**
 * An incremental JSON-lines event decoder (see the module docs).
 * @param options - `sensorSize` (events outside it are invalid), `invalidEvents`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset of the
 *   line) for lines that are not events
 */
export const jsonlDecoder = (options: EventDecoderOptions = {}): EventDecoder =>
  new JsonlDecoder(checkDecoderOptions('jsonlDecoder', options));
