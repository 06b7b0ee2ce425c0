/**
 * jAER's AEDAT 2.0 files (and AEDAT 1.0): `#` header lines (`#!AER-DAT2.0`, `# AEChip: <class>`…),
 * then big-endian records of an address and a 32-bit timestamp in µs — 8 bytes (int32 address)
 * in 2.0, 6 bytes (int16 address) in 1.0 or when the version line is missing. The address layout
 * depends on the jAER chip class named by the `AEChip` line:
 * ```
 * DVS128 (and files without AEChip)  bit 15 external/sync | y bits 14..8 | x bits 7..1 | p bit 0
 * DAVIS (Davis240, Davis346, …)      bit 31 APS/IMU | y bits 30..22 | x bits 21..12 | p bit 11 | bit 10 external
 * ```
 * Records flagged external, sync, APS or IMU are not polarity events and are skipped. `(0, 0)` is
 * the lower-left pixel (jAER's convention); coordinates are returned as stored. A timestamp more
 * than 2³¹ µs below the previous one is a wrap of the 32-bit counter (t += 2³² µs).
 * Source: iniVation, "AEDAT 1.0" and "AEDAT 2.0" file-format pages (docs.inivation.com); jAER's
 * `DavisChip` address masks.
 * @module
 */
import { SpikeflowError, show } from '../../ops/errors.js';
import { ChunkedDecoder, type CommonOptions, checkDecoderOptions, type ParsedHeader, readMarkedLines } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';

/** Address layouts of jAER chip classes. */
export type AedatChipLayout = 'dvs128' | 'davis';

/** Options of the AEDAT 1.0/2.0 decoder. */
export interface Aedat2DecoderOptions extends EventDecoderOptions {
  /** Address layout, overriding the one implied by the `AEChip` header line (needed for unknown chips). */
  readonly chipLayout?: AedatChipLayout;
}

/** Address layout and sensor size of known jAER chip classes (matched on the class name, case-insensitively). */
export const AEDAT_CHIPS: readonly {
  readonly pattern: RegExp;
  readonly layout: AedatChipLayout;
  readonly size?: readonly [number, number];
}[] = [
  { pattern: /dvs128|tmpdiff128/i, layout: 'dvs128', size: [128, 128] },
  { pattern: /davis346/i, layout: 'davis', size: [346, 260] },
  { pattern: /davis240/i, layout: 'davis', size: [240, 180] },
  { pattern: /davis640/i, layout: 'davis', size: [640, 480] },
  { pattern: /davis208/i, layout: 'davis', size: [208, 192] },
  { pattern: /davis128/i, layout: 'davis', size: [128, 128] },
  { pattern: /davis/i, layout: 'davis' },
];

class Aedat2Decoder extends ChunkedDecoder {
  readonly format = 'aedat2' as const;
  private recordBytes = 8;
  private layout: AedatChipLayout = 'dvs128';
  private lastT = -1;
  private wraps = 0;

  constructor(
    options: CommonOptions,
    private readonly chipLayout: AedatChipLayout | undefined,
  ) {
    super(options);
  }

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    const read = readMarkedLines(bytes, 0x23, final);
    if (read === undefined) return undefined;
    const first = read.lines[0] ?? '';
    const version = /^#!AER-DAT(\d+)\.(\d+)/.exec(first);
    const major = version === null ? 1 : Number(version[1]);
    if (major !== 1 && major !== 2) {
      this.fail('unsupported', 0, `version line ${JSON.stringify(first)} is not AEDAT 1.0 or 2.0 (use format "aedat${major}")`);
    }
    this.recordBytes = major === 2 ? 8 : 6;
    const fields: Record<string, string> = { version: version === null ? '1.0' : `${version[1]}.${version[2]}` };
    for (const line of read.lines) {
      const m = /^#\s*([A-Za-z][\w -]*?):\s*(.*)$/.exec(line);
      if (m !== null && !((m[1] as string) in fields)) fields[m[1] as string] = (m[2] as string).trim();
    }
    const chip = fields.AEChip;
    const known = chip === undefined ? AEDAT_CHIPS[0] : AEDAT_CHIPS.find((c) => c.pattern.test(chip));
    if (this.chipLayout !== undefined) this.layout = this.chipLayout;
    else if (known !== undefined) this.layout = known.layout;
    else this.fail('unsupported', 0, `unknown AEChip class ${JSON.stringify(chip)}; pass chipLayout: "dvs128" or "davis"`);
    if (this.recordBytes === 6 && this.layout === 'davis')
      this.fail('unsupported', 0, 'AEDAT 1.0 (16-bit addresses) cannot hold DAVIS addresses');
    return { length: read.length, info: { format: 'aedat2', sensorSize: known?.size, origin: 'lower-left', fields, camera: chip } };
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const n = this.recordBytes;
    const davis = this.layout === 'davis';
    let i = start;
    this.out.reserve(Math.floor((b.length - i) / n));
    for (; i + n <= b.length; i += n) {
      const addr = n === 8 ? view.getUint32(i, false) : view.getUint16(i, false);
      const raw = view.getUint32(i + n - 4, false);
      if (this.lastT >= 0 && raw + 2 ** 31 < this.lastT) this.wraps++;
      this.lastT = raw;
      const t = raw + this.wraps * 2 ** 32;
      if (davis) {
        if ((addr & 0x80000400) !== 0) continue; // APS, IMU or external input
        this.emit(t, (addr >>> 12) & 0x3ff, (addr >>> 22) & 0x1ff, (addr >>> 11) & 1, abs + i);
      } else {
        if ((addr & 0x80008000) !== 0) continue; // special / sync event
        this.emit(t, (addr >>> 1) & 0x7f, (addr >>> 8) & 0x7f, addr & 1, abs + i);
      }
    }
    return i;
  }
}

/**
 * An incremental AEDAT 1.0/2.0 decoder (see the module docs for the layouts).
 * @param options - `chipLayout` override, `sensorSize` override (else from the chip class), `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError for unknown chip classes
 *   (without `chipLayout`), events outside the sensor, or a file ending mid-record
 */
export const aedat2Decoder = (options: Aedat2DecoderOptions = {}): EventDecoder => {
  const common = checkDecoderOptions('aedat2Decoder', options, ['chipLayout']);
  const { chipLayout } = options;
  if (chipLayout !== undefined && chipLayout !== 'dvs128' && chipLayout !== 'davis') {
    throw new SpikeflowError('aedat2Decoder', 'chipLayout', `chipLayout must be "dvs128" or "davis", received ${show(chipLayout)}`);
  }
  return new Aedat2Decoder(common, chipLayout);
};
