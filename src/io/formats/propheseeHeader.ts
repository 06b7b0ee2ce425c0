/**
 * The ASCII header shared by Prophesee's `.raw` (EVT 2.0/3.0) and `.dat` files: lines
 * `% key value\n`, optionally closed by `% end`. The sensor geometry comes, in this order, from
 * `% format EVT3;height=720;width=1280`, `% geometry 1280x720`, `% Width`/`% Height`, or — for
 * files written by older software — from the camera's `system_ID`, as Metavision does.
 * Source: Prophesee's RAW and DAT file-format documentation; system-ID table from OpenEB
 * (`hal_psee_plugins` `psee_raw_file_header.cpp` and `system_id.h`).
 * @module
 */
import { readMarkedLines, sizeFrom } from './chunkedDecoder.js';

/** Sensor geometry [width, height] of Prophesee systems, by `system_ID` (OpenEB's table). */
export const PROPHESEE_SYSTEM_GEOMETRY: Readonly<Record<number, readonly [number, number]>> = {
  21: [640, 480], // CCAM3 Gen3.0
  28: [640, 480], // CCAM3 Gen3.1
  26: [1280, 720], // CCAM3 Gen4.0
  23: [640, 480], // CCAM4 Gen3.0 (rev A)
  151: [640, 480], // CCAM4 Gen3.0 EVK
  25: [640, 480], // CCAM4 Gen3.0 rev B
  153: [640, 480], // CCAM4 Gen3.0 rev B EVK
  29: [640, 480], // CCAM4 Gen3.0 rev B EVK bridge
  35: [640, 480], // CCAM5 Gen3.1 / EVK3 Gen3.1 EVT2
  30: [1280, 720], // CCAM5 Gen4.0
  46: [1280, 720], // CCAM5 Gen4.0 fixed frame
  33: [640, 480], // VisionCam Gen3.0
  161: [640, 480], // VisionCam Gen3.0 EVK
  34: [640, 480], // VisionCam Gen3.1
  162: [640, 480], // VisionCam Gen3.1 EVK
  41: [640, 480], // EVK2 Gen3.1
  31: [1280, 720], // EVK2 Gen4.0
  39: [1280, 720], // EVK2 Gen4.1
  40: [640, 480], // EVK3 Gen3.1 EVT3
  48: [1280, 720], // EVK3 Gen4.1
};

/** A parsed Prophesee header. */
export interface PropheseeHeader {
  /** Header length in bytes. */
  readonly length: number;
  /** `key → value` of every `% key value` line (first occurrence wins). */
  readonly fields: Readonly<Record<string, string>>;
  /** Lines without their leading `% `. */
  readonly lines: readonly string[];
  /** Sensor [width, height], when the header gives it or its system ID implies it. */
  readonly sensorSize: readonly [number, number] | undefined;
  /** Event encoding named by the header: `EVT2`, `EVT3`, `EVT21`… (upper case), if any. */
  readonly encoding: string | undefined;
}

/**
 * Parses a Prophesee header from the first bytes of a file.
 * @param bytes - the file's first bytes
 * @param final - true when no more bytes will come
 * @returns the header, or `undefined` when more bytes are needed to see where it ends
 */
export const parsePropheseeHeader = (bytes: Uint8Array, final: boolean): PropheseeHeader | undefined => {
  const read = readMarkedLines(bytes, 0x25, final, '% end');
  if (read === undefined) return undefined;
  const fields: Record<string, string> = {};
  const lines = read.lines.map((l) => l.replace(/^%\s?/, ''));
  for (const line of lines) {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (m !== null && !((m[1] as string) in fields)) fields[m[1] as string] = (m[2] as string).trim();
  }
  // `% format EVT3;height=720;width=1280`
  const format = fields.format;
  let encoding: string | undefined;
  let sensorSize: readonly [number, number] | undefined;
  if (format !== undefined) {
    const [name, ...opts] = format.split(';');
    encoding = name?.trim().toUpperCase();
    const kv = Object.fromEntries(opts.map((o) => o.split('=').map((s) => s.trim()) as [string, string]));
    sensorSize = sizeFrom(kv.width, kv.height);
  }
  if (encoding === undefined && fields.evt !== undefined) encoding = `EVT${fields.evt.replace(/\.0$/, '').replace('.', '')}`;
  if (sensorSize === undefined && fields.geometry !== undefined) {
    const [w, h] = fields.geometry.split('x');
    sensorSize = sizeFrom(w, h);
  }
  if (sensorSize === undefined) sensorSize = sizeFrom(fields.Width ?? fields.width, fields.Height ?? fields.height);
  const integrator = fields.integrator_name;
  if (sensorSize === undefined && fields.system_ID !== undefined && (integrator === undefined || integrator === 'Prophesee')) {
    sensorSize = PROPHESEE_SYSTEM_GEOMETRY[Number(fields.system_ID)];
  }
  return { length: read.length, fields, lines, sensorSize, encoding };
};
