/**
 * Prophesee EVT 3.0 `.raw` files: an ASCII `%` header, then 16-bit little-endian words, stateful
 * (each word updates part of a current state) and vectorised. The 4 most significant bits give the
 * type:
 * ```
 * 0x0 EVT_ADDR_Y     y (bits 10..0) (bit 11: master/slave camera)
 * 0x2 EVT_ADDR_X     one event at x (bits 10..0), polarity bit 11, current y and time
 * 0x3 VECT_BASE_X    base x (bits 10..0) and polarity (bit 11) for the vectors that follow
 * 0x4 VECT_12        events at base + k for each set bit k of bits 11..0; then base += 12
 * 0x5 VECT_8         events at base + k for each set bit k of bits 7..0;  then base += 8
 * 0x6 EVT_TIME_LOW   low 12 bits of the 24-bit time base
 * 0x8 EVT_TIME_HIGH  high 12 bits of the 24-bit time base (time low restarts at 0 when it changes)
 * 0x7 CONTINUED_4, 0xA EXT_TRIGGER, 0xD IMU, 0xE OTHERS, 0xF CONTINUED_12   (skipped)
 * ```
 * Other types are reserved (an error, or dropped with `invalidEvents: 'drop'`). As in Metavision,
 * words before the first EVT_TIME_HIGH are skipped (events among them counted in `dropped`), and
 * a time-high more than 2¹¹ below the previous one is a wrap of the 24-bit counter (t += 2²⁴ µs).
 * An event before any EVT_ADDR_Y, or a vector before any VECT_BASE_X, is invalid. Timestamps are
 * the sensor's, not shifted to start at 0.
 * Source: Prophesee, "EVT 3.0 Format" (docs.prophesee.ai); OpenEB `evt3_decoder.h` for the time-high
 * wrap and the handling of words before the first time base.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';
import { parsePropheseeHeader } from './propheseeHeader.js';

const TIME_RANGE = 2 ** 24;

const popcount = (v: number): number => {
  let n = 0;
  for (let b = v; b !== 0; b &= b - 1) n++;
  return n;
};

class Evt3Decoder extends ChunkedDecoder {
  readonly format = 'evt3' as const;
  private started = false;
  private high = 0;
  private low = 0;
  private loops = 0;
  private y = -1;
  private baseX = -1;
  private basePol = 0;

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    const h = parsePropheseeHeader(bytes, final);
    if (h === undefined) return undefined;
    if (h.encoding !== undefined && h.encoding !== 'EVT3') {
      this.fail('unsupported', 0, `header says the encoding is ${h.encoding}, not EVT3 (use format "${h.encoding.toLowerCase()}")`);
    }
    const camera = h.fields.plugin_name ?? h.fields.camera_integrator_name;
    return { length: h.length, info: { format: 'evt3', sensorSize: h.sensorSize, origin: 'upper-left', fields: h.fields, camera } };
  }

  private vector(mask: number, n: number, at: number): void {
    if (this.y < 0 || this.baseX < 0) {
      this.invalid(at, `vector event before any ${this.y < 0 ? 'EVT_ADDR_Y' : 'VECT_BASE_X'} word`);
    } else if (mask !== 0) {
      const t = this.loops * TIME_RANGE + this.high * 4096 + this.low;
      this.out.reserve(n);
      for (let k = 0; k < n; k++) if ((mask >> k) & 1) this.emit(t, this.baseX + k, this.y, this.basePol, at);
    }
    if (this.baseX >= 0) this.baseX += n;
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    let i = start;
    this.out.reserve((b.length - i) >> 1);
    for (; i + 2 <= b.length; i += 2) {
      const w = (b[i] as number) | ((b[i + 1] as number) << 8);
      const type = w >> 12;
      const v = w & 0xfff;
      if (!this.started) {
        if (type === 0x8) this.started = true;
        else {
          if (type === 0x2) this.dropped++;
          else if (type === 0x4 || type === 0x5) this.dropped += popcount(type === 0x4 ? v : v & 0xff);
          continue;
        }
      }
      switch (type) {
        case 0x0:
          this.y = w & 0x7ff;
          break;
        case 0x2:
          if (this.y < 0) this.invalid(abs + i, 'EVT_ADDR_X event before any EVT_ADDR_Y word');
          else this.emit(this.loops * TIME_RANGE + this.high * 4096 + this.low, w & 0x7ff, this.y, (w >> 11) & 1, abs + i);
          break;
        case 0x3:
          this.baseX = w & 0x7ff;
          this.basePol = (w >> 11) & 1;
          break;
        case 0x4:
          this.vector(v, 12, abs + i);
          break;
        case 0x5:
          this.vector(v & 0xff, 8, abs + i);
          break;
        case 0x6:
          this.low = v;
          break;
        case 0x8:
          if (this.high >= v + 2048) this.loops++;
          if (v !== this.high) this.low = 0;
          this.high = v;
          break;
        case 0x7:
        case 0xa:
        case 0xd:
        case 0xe:
        case 0xf:
          break;
        default:
          this.invalid(abs + i, `reserved EVT 3.0 word type 0x${type.toString(16)} (word 0x${w.toString(16).padStart(4, '0')})`);
      }
    }
    return i;
  }
}

/**
 * An incremental EVT 3.0 decoder (see the module docs for the layout and state rules).
 * @param options - `sensorSize` override (else from the header), `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset) for
 *   reserved word types, events outside the sensor or before their address words, a header naming
 *   another encoding, or a file ending mid-word
 */
export const evt3Decoder = (options: EventDecoderOptions = {}): EventDecoder =>
  new Evt3Decoder(checkDecoderOptions('evt3Decoder', options));
