/**
 * Prophesee EVT 2.0 `.raw` files: an ASCII `%` header, then 32-bit little-endian words whose
 * 4 most significant bits give their type:
 * ```
 * 0x0 CD_OFF, 0x1 CD_ON   t_low (bits 27..22, 6 bits) | x (21..11) | y (10..0)
 * 0x8 EVT_TIME_HIGH       t_high (bits 27..0): t = t_high·2⁶ + t_low  (µs)
 * 0xA EXT_TRIGGER, 0xD IMU, 0xE OTHERS, 0xF CONTINUED   (not polarity events: skipped)
 * ```
 * Other types are reserved: an error (or dropped with `invalidEvents: 'drop'`). As Metavision does,
 * words before the first EVT_TIME_HIGH are skipped (their time is unknown; counted in `dropped`),
 * and a time-high more than half the 2³⁴ µs range below the previous one is a wrap of the counter.
 * Timestamps are the sensor's, not shifted to start at 0.
 * Source: Prophesee, "EVT 2.0 Format" (docs.prophesee.ai), OpenEB `evt2_decoder.h`.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';
import { parsePropheseeHeader } from './propheseeHeader.js';

const TIME_RANGE = 2 ** 34;

class Evt2Decoder extends ChunkedDecoder {
  readonly format = 'evt2' as const;
  private timeHigh = -1;
  private loops = 0;

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    const h = parsePropheseeHeader(bytes, final);
    if (h === undefined) return undefined;
    if (h.encoding !== undefined && h.encoding !== 'EVT2') {
      this.fail('unsupported', 0, `header says the encoding is ${h.encoding}, not EVT2 (use format "${h.encoding.toLowerCase()}")`);
    }
    const camera = h.fields.plugin_name ?? h.fields.camera_integrator_name;
    return { length: h.length, info: { format: 'evt2', sensorSize: h.sensorSize, origin: 'upper-left', fields: h.fields, camera } };
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let i = start;
    this.out.reserve((b.length - i) >> 2);
    for (; i + 4 <= b.length; i += 4) {
      const w = view.getUint32(i, true);
      const type = w >>> 28;
      if (type <= 1) {
        if (this.timeHigh < 0) {
          this.dropped++;
          continue;
        }
        const t = this.loops * TIME_RANGE + this.timeHigh * 64 + ((w >>> 22) & 0x3f);
        this.emit(t, (w >>> 11) & 0x7ff, w & 0x7ff, type, abs + i);
      } else if (type === 0x8) {
        const th = w & 0x0fffffff;
        if (this.timeHigh >= 0 && (this.timeHigh - th) * 64 > TIME_RANGE / 2) this.loops++;
        this.timeHigh = th;
      } else if (type !== 0xa && type !== 0xd && type !== 0xe && type !== 0xf) {
        this.invalid(abs + i, `reserved EVT 2.0 word type 0x${type.toString(16)} (word 0x${w.toString(16).padStart(8, '0')})`);
      }
    }
    return i;
  }
}

/**
 * An incremental EVT 2.0 decoder (see the module docs for the layout).
 * @param options - `sensorSize` override (else from the header), `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset) for
 *   reserved word types, events outside the sensor, a header naming another encoding, or a file ending mid-word
 */
export const evt2Decoder = (options: EventDecoderOptions = {}): EventDecoder =>
  new Evt2Decoder(checkDecoderOptions('evt2Decoder', options));
