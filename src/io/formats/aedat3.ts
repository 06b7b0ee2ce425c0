/**
 * AEDAT 3.0 / 3.1 files (iniVation cAER): `#` header lines (`#!AER-DAT3.1`, `#Format: RAW`,
 * `#Source 1: DAVIS346B`, …, closed by `#!END-HEADER` in 3.1), then typed event packets, all
 * little-endian. Each packet is a 28-byte header
 * ```
 * int16 eventType | int16 eventSource | int32 eventSize | int32 eventTSOffset
 * int32 eventTSOverflow | int32 eventCapacity | int32 eventNumber | int32 eventValid
 * ```
 * followed by `eventCapacity × eventSize` bytes. Polarity packets (type 1) hold 8-byte events:
 * ```
 * int32 data: valid bit 0 | polarity bit 1 | y bits 16..2 | x bits 31..17;  int32 timestamp (µs)
 * ```
 * with the 64-bit time `eventTSOverflow·2³¹ + timestamp`. The first `eventNumber` events are used,
 * those with their valid bit set; other packet types (frames, IMU, special events) are skipped.
 * `(0, 0)` is the upper-left pixel in 3.1 and the lower-left one in 3.0. The sensor size is taken
 * from the source's device name (DVS128, DAVIS240, DAVIS346, DAVIS640, DVXplorer).
 * Source: iniVation, "AEDAT 3.1" and "AEDAT 3.0" file-format pages (docs.inivation.com); libcaer
 * `events/common.h` and `events/polarity.h`.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader, readMarkedLines, sizeFrom } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';

/** Bytes of an AEDAT 3 packet header. */
export const AEDAT3_PACKET_HEADER_BYTES = 28;

/** Sensor sizes of iniVation devices named in AEDAT 3 `#Source` lines (first match wins). */
export const AEDAT3_DEVICES: readonly { readonly pattern: RegExp; readonly size: readonly [number, number] }[] = [
  { pattern: /DVS128/i, size: [128, 128] },
  { pattern: /DAVIS\s*240/i, size: [240, 180] },
  { pattern: /DAVIS\s*346/i, size: [346, 260] },
  { pattern: /DAVIS\s*640/i, size: [640, 480] },
  { pattern: /DVXPLORER[\s_-]*LITE/i, size: [320, 240] },
  { pattern: /DVXPLORER/i, size: [640, 480] },
];

const POLARITY_EVENT = 1;

class Aedat3Decoder extends ChunkedDecoder {
  readonly format = 'aedat3' as const;
  /** Bytes left in the current packet's payload (0: next is a packet header). */
  private remaining = 0;
  private polarity = false;
  private index = 0;
  private number = 0;
  private overflow = 0;

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    if (bytes.length < 12 && !final) return undefined;
    const v31 = bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 12)) === '#!AER-DAT3.1';
    const read = readMarkedLines(bytes, 0x23, final, v31 ? '#!END-HEADER' : undefined);
    if (read === undefined) return undefined;
    const first = read.lines[0] ?? '';
    const version = /^#!AER-DAT3\.(\d+)/.exec(first);
    if (version === null) this.fail('unsupported', 0, `version line ${JSON.stringify(first)} is not AEDAT 3.x`);
    if (v31 && read.lines.at(-1)?.trim() !== '#!END-HEADER')
      this.fail('truncated', read.length, 'AEDAT 3.1 header has no #!END-HEADER line');
    const fields: Record<string, string> = { version: `3.${version[1]}` };
    for (const line of read.lines) {
      const m = /^#-?\s*([A-Za-z][\w -]*?):\s*(.*)$/.exec(line);
      if (m !== null && !line.startsWith('#-') && !((m[1] as string) in fields)) fields[m[1] as string] = (m[2] as string).trim();
    }
    const format = fields.Format ?? 'RAW';
    if (format !== 'RAW') this.fail('unsupported', 0, `AEDAT 3 format ${JSON.stringify(format)} is not supported (only RAW)`);
    const source = Object.entries(fields).find(([k]) => /^Source \d+$/.test(k))?.[1];
    const all = read.lines.join('\n');
    let sensorSize = sizeFrom(/dvsSizeX[^>]*>(\d+)/.exec(all)?.[1], /dvsSizeY[^>]*>(\d+)/.exec(all)?.[1]);
    if (sensorSize === undefined && source !== undefined) sensorSize = AEDAT3_DEVICES.find((d) => d.pattern.test(source))?.size;
    const origin = v31 ? 'upper-left' : 'lower-left';
    return { length: read.length, info: { format: 'aedat3', sensorSize, origin, fields, camera: source } };
  }

  private packetHeader(view: DataView, i: number, at: number): void {
    const type = view.getInt16(i, true);
    const size = view.getInt32(i + 4, true);
    const tsOffset = view.getInt32(i + 8, true);
    const overflow = view.getInt32(i + 12, true);
    const capacity = view.getInt32(i + 16, true);
    const number = view.getInt32(i + 20, true);
    const valid = view.getInt32(i + 24, true);
    const bad = (what: string): never => this.fail('corrupt', at, `invalid AEDAT 3 packet header: ${what}`);
    if (type < 0) bad(`eventType ${type}`);
    if (size <= 0) bad(`eventSize ${size}`);
    if (capacity < 0 || number < 0 || number > capacity) bad(`eventNumber ${number} with eventCapacity ${capacity}`);
    if (valid < 0 || valid > number) bad(`eventValid ${valid} with eventNumber ${number}`);
    if (overflow < 0) bad(`eventTSOverflow ${overflow}`);
    if (tsOffset < 0 || tsOffset + 4 > size) bad(`eventTSOffset ${tsOffset} with eventSize ${size}`);
    this.polarity = type === POLARITY_EVENT;
    if (this.polarity && (size !== 8 || tsOffset !== 4))
      bad(`polarity events must have eventSize 8 and eventTSOffset 4, found ${size} and ${tsOffset}`);
    this.remaining = capacity * size;
    this.index = 0;
    this.number = number;
    this.overflow = overflow * 2 ** 31;
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let i = start;
    for (;;) {
      if (this.remaining === 0) {
        if (i + AEDAT3_PACKET_HEADER_BYTES > b.length) break;
        this.packetHeader(view, i, abs + i);
        i += AEDAT3_PACKET_HEADER_BYTES;
      } else if (!this.polarity) {
        const n = Math.min(this.remaining, b.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
      } else {
        this.out.reserve(Math.min(this.remaining, b.length - i) >> 3);
        while (this.remaining > 0 && i + 8 <= b.length) {
          if (this.index < this.number) {
            const data = view.getUint32(i, true);
            const ts = view.getInt32(i + 4, true);
            if (data & 1) {
              if (ts < 0) this.invalid(abs + i, `negative timestamp ${ts}`);
              else this.emit(this.overflow + ts, data >>> 17, (data >>> 2) & 0x7fff, (data >>> 1) & 1, abs + i);
            }
          }
          this.index++;
          i += 8;
          this.remaining -= 8;
        }
        if (this.remaining > 0) break;
      }
    }
    return i;
  }

  protected override finish(abs: number): void {
    if (this.remaining > 0) this.fail('truncated', abs, `file ends inside an event packet, ${this.remaining} bytes short`);
  }
}

/**
 * An incremental AEDAT 3.0/3.1 decoder (see the module docs for the layout).
 * @param options - `sensorSize` override (else from the source device name), `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset) for
 *   inconsistent packet headers, events outside the sensor, or a file ending inside a packet
 */
export const aedat3Decoder = (options: EventDecoderOptions = {}): EventDecoder =>
  new Aedat3Decoder(checkDecoderOptions('aedat3Decoder', options));
