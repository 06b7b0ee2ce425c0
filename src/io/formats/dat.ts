/**
 * Prophesee `.dat` files (also N-CARS, Gen1 automotive): an ASCII `%` header (`% Version 2`,
 * optional `% Width`/`% Height`), then — from version 2 on — one byte of event type and one of
 * event size, then 8-byte little-endian events:
 * ```
 * uint32 t (µs) | uint32 data: x = bits 13..0, y = bits 27..14, p = bits 31..28
 * ```
 * Event types 0 (Event2d) and 12 (EventCD) are polarity events; 14 (external triggers) and others
 * are not (an `unsupported` error). Files before version 2 have no type/size bytes (type 0, size 8).
 * Source: Prophesee, "DAT File Format" (docs.prophesee.ai), and Prophesee's `dat_events_tools.py`.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';
import { parsePropheseeHeader } from './propheseeHeader.js';

/** Bytes per `.dat` event. */
export const DAT_EVENT_BYTES = 8;

class DatDecoder extends ChunkedDecoder {
  readonly format = 'dat' as const;

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    const h = parsePropheseeHeader(bytes, final);
    if (h === undefined) return undefined;
    const version = Number.parseInt(h.fields.Version ?? h.fields.version ?? '0', 10);
    let length = h.length;
    const fields: Record<string, string> = { ...h.fields };
    if (version >= 2) {
      if (bytes.length < length + 2) {
        if (final) this.fail('truncated', length, 'file ends before the event type and size bytes');
        return undefined;
      }
      const type = bytes[length] as number;
      const size = bytes[length + 1] as number;
      fields['event type'] = String(type);
      fields['event size'] = String(size);
      if (type !== 0 && type !== 12) {
        const what = type === 14 ? 'external-trigger events (type 14)' : `events of type ${type}`;
        this.fail('unsupported', length, `this .dat file holds ${what}, not polarity (CD) events (type 0 or 12)`);
      }
      if (size !== DAT_EVENT_BYTES) this.fail('corrupt', length + 1, `event size byte is ${size}, expected 8`);
      length += 2;
    }
    return { length, info: { format: 'dat', sensorSize: h.sensorSize, origin: 'upper-left', fields } };
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let i = start;
    this.out.reserve((b.length - i) >> 3);
    for (; i + DAT_EVENT_BYTES <= b.length; i += DAT_EVENT_BYTES) {
      const t = view.getUint32(i, true);
      const d = view.getUint32(i + 4, true);
      this.emit(t, d & 0x3fff, (d >>> 14) & 0x3fff, d >>> 28, abs + i);
    }
    return i;
  }
}

/**
 * An incremental Prophesee `.dat` decoder (see the module docs for the layout).
 * @param options - `sensorSize` override (else `% Width`/`% Height` when present), `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset) for
 *   non-CD event types, polarities other than 0/1, events outside the sensor, or a file ending mid-event
 */
export const datDecoder = (options: EventDecoderOptions = {}): EventDecoder => new DatDecoder(checkDecoderOptions('datDecoder', options));
