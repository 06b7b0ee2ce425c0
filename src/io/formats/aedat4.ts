/**
 * AEDAT 4.0 files (iniVation DV): `#!AER-DAT4.0\r\n`, an int32 length and that many bytes of
 * `IOHeader` FlatBuffer (identifier `IOHE`: `compression`, `dataTablePosition`, `infoNode` — an XML
 * description of the streams), then packets until `dataTablePosition` (or the end of the file):
 * ```
 * int32 streamId | int32 size | size bytes: a size-prefixed FlatBuffer, LZ4- or Zstd-framed when compressed
 * ```
 * Event streams (`typeIdentifier` EVTS) hold `EventPacket { elements: [Event] }` buffers, with
 * `struct Event { t: int64 (µs, Unix time); x: int16; y: int16; on: bool }` (16 bytes). Packets of
 * other streams (frames, IMU, triggers) are skipped without decompressing them. The sensor size is
 * the event stream's `sizeX`/`sizeY`; `(0, 0)` is the upper-left pixel.
 *
 * FlatBuffers are read with the `flatbuffers` package's `ByteBuffer`, with every offset checked
 * against the buffer first (its accessors are unchecked); frames are decompressed with `lz4js` and
 * `fzstd`, never beyond `maxPacketBytes`. These libraries (and linkedom's `DOMParser` for the XML)
 * load at their first use (`libraries.ts`).
 * Source: iniVation, "AEDAT 4.0" file-format page (docs.inivation.com); the FlatBuffers schemas
 * `IOHeader.fbs` and `events.fbs` of dv-processing.
 * @module
 */
import type { ByteBuffer } from 'flatbuffers';
import { SpikeflowError, show } from '../../ops/errors.js';
import { ascii, ChunkedDecoder, type CommonOptions, checkDecoderOptions, type ParsedHeader, sizeFrom } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';
import { formatLibrary } from './libraries.js';

/** The AEDAT 4.0 version line. */
export const AEDAT4_MAGIC = '#!AER-DAT4.0\r\n';

/** Compression of AEDAT 4 packets (IOHeader `CompressionType`). */
export const AEDAT4_COMPRESSION = ['NONE', 'LZ4', 'LZ4_HIGH', 'ZSTD', 'ZSTD_HIGH'] as const;

/** One stream described by the IOHeader's `infoNode`. */
export interface Aedat4Stream {
  /** Stream ID used in packet headers. */
  readonly id: number;
  /** Four-letter type: EVTS, FRME, IMUS, TRIG… */
  readonly type: string;
  /** Sensor size for EVTS/FRME streams. */
  readonly sensorSize: readonly [number, number] | undefined;
  /** Camera named by the stream's `source` attribute. */
  readonly source: string | undefined;
}

/** Options of the AEDAT 4 decoder. */
export interface Aedat4DecoderOptions extends EventDecoderOptions {
  /** ID of the event stream to read (default: the first EVTS stream of the infoNode). */
  readonly stream?: number;
  /** Largest packet accepted, compressed or decompressed, bytes (default 64 MiB). */
  readonly maxPacketBytes?: number;
}

/** Parses the IOHeader's XML `infoNode` into its streams (`outInfo/<id>` nodes). */
export const parseAedat4Streams = (xml: string): Aedat4Stream[] => {
  const { DOMParser } = formatLibrary('parseAedat4Streams', 'linkedom');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const outInfo = doc.querySelector('node[name="outInfo"]');
  if (outInfo === null) return [];
  return [...outInfo.children]
    .filter((n) => n.tagName === 'node' && /^\d+$/.test(n.getAttribute('name') ?? ''))
    .map((n) => {
      const attr = (key: string, scope = ':scope >'): string | undefined =>
        n.querySelector(`${scope} attr[key="${key}"]`)?.textContent?.trim() ?? undefined;
      const info = (key: string): string | undefined => attr(key, ':scope > node[name="info"] >');
      return {
        id: Number(n.getAttribute('name')),
        type: attr('typeIdentifier') ?? '',
        sensorSize: sizeFrom(info('sizeX'), info('sizeY')),
        source: info('source'),
      };
    });
};

type Fail = (message: string) => never;

/** LZ4 frame block maximum sizes by the BD byte's index (4..7). */
const LZ4_BLOCK_MAX: Readonly<Record<number, number>> = { 4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22 };

/**
 * Decompresses one LZ4 frame: the frame structure (magic, descriptor, block sizes within the frame
 * and the block maximum, end mark) is checked here, and each block is decoded by `lz4js`'s block
 * decoder into an output grown as needed, never beyond `limit` bytes. (lz4js's own frame decoder
 * trusts the block sizes — a corrupt one makes it copy up to 2³¹ bytes — and allocates the frame's
 * largest possible size up front.) Checksums, when present, are skipped (lz4js does not verify them).
 * Source: LZ4 Frame Format Description (lz4/lz4 `doc/lz4_Frame_format.md`).
 * @returns the decompressed bytes, or what is wrong with the frame
 */
export const lz4DecompressFrame = (src: Uint8Array, limit: number): Uint8Array | string => {
  const u32 = (k: number): number =>
    ((src[k] as number) | ((src[k + 1] as number) << 8) | ((src[k + 2] as number) << 16) | ((src[k + 3] as number) << 24)) >>> 0;
  if (src.length < 7 || u32(0) !== 0x184d2204) return 'not an LZ4 frame (bad magic number)';
  const { decompressBlock } = formatLibrary('aedat4Decoder', 'lz4js');
  const flg = src[4] as number;
  if (flg >> 6 !== 1) return `unsupported LZ4 frame version ${flg >> 6}`;
  const maxBlock = LZ4_BLOCK_MAX[((src[5] as number) >> 4) & 7];
  if (maxBlock === undefined) return `invalid LZ4 block maximum size code ${((src[5] as number) >> 4) & 7}`;
  let i = 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
  let out = new Uint8Array(0);
  let n = 0;
  for (;;) {
    if (i + 4 > src.length) return 'LZ4 frame ends without its end mark';
    const word = u32(i);
    i += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const stored = word >= 0x80000000;
    if (size > maxBlock) return `LZ4 block of ${size} bytes exceeds the frame's block maximum ${maxBlock}`;
    if (i + size + (flg & 0x10 ? 4 : 0) > src.length) return 'LZ4 block runs past the end of the frame';
    // A block decodes to at most its maximum size, and to at most ~255 bytes per input byte.
    const need = n + (stored ? size : Math.min(maxBlock, 280 * size + 64));
    if (need > limit) return `decompressed size would exceed maxPacketBytes ${limit}`;
    if (need > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(need, 2 * out.length)));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    if (stored) {
      out.set(src.subarray(i, i + size), n);
      n += size;
    } else {
      const end = decompressBlock(src, out, i, size, n);
      if (!(Number.isInteger(end) && end >= n && end <= out.length)) return 'corrupt LZ4 block';
      n = end;
    }
    i += size + (flg & 0x10 ? 4 : 0);
  }
  return out.subarray(0, n);
};

/** Offset of field `slot` of the table at `table`, 0 when absent; every position checked against the buffer. */
const fieldOffset = (bb: ByteBuffer, table: number, slot: number, fail: Fail): number => {
  const len = bb.capacity();
  if (table < 0 || table + 4 > len) fail(`table offset ${table} outside the ${len}-byte buffer`);
  const vtable = table - bb.readInt32(table);
  if (vtable < 0 || vtable + 4 > len) fail(`vtable offset ${vtable} outside the ${len}-byte buffer`);
  const vtableBytes = bb.readUint16(vtable);
  if (vtableBytes < 4 || vtable + vtableBytes > len) fail(`vtable of ${vtableBytes} bytes does not fit the buffer`);
  const o = bb.__offset(table, 4 + 2 * slot);
  if (o !== 0 && table + o + 4 > len) fail(`field ${slot} at ${table + o} outside the ${len}-byte buffer`);
  return o === 0 ? 0 : table + o;
};

/** Root table offset of a FlatBuffer starting at `start`, with its 4-letter identifier checked. */
const root = (bb: ByteBuffer, start: number, identifier: string, fail: Fail): number => {
  const len = bb.capacity();
  if (start + 8 > len) fail(`buffer of ${len - start} bytes is too short for a FlatBuffer`);
  const id = ascii(bb.bytes(), start + 4, start + 8);
  if (id !== identifier) fail(`FlatBuffer identifier is ${JSON.stringify(id)}, expected ${JSON.stringify(identifier)}`);
  return start + bb.readUint32(start);
};

class Aedat4Decoder extends ChunkedDecoder {
  readonly format = 'aedat4' as const;
  private compression = 0;
  private dataEnd = -1;
  private streamId = -1;
  /** Current packet: header parsed, bytes being collected. */
  private packet: { id: number; size: number; at: number; chunks: Uint8Array[]; have: number } | undefined;

  constructor(
    options: CommonOptions,
    private readonly wanted: number | undefined,
    private readonly maxPacketBytes: number,
  ) {
    super(options);
  }

  protected parseHeader(bytes: Uint8Array, final: boolean): ParsedHeader | undefined {
    const m = AEDAT4_MAGIC.length;
    if (bytes.length < m + 4) {
      if (final) this.fail('truncated', 0, `file of ${bytes.length} bytes ends inside the AEDAT 4 header`);
      return undefined;
    }
    if (ascii(bytes, 0, m) !== AEDAT4_MAGIC) this.fail('corrupt', 0, `first line is not ${JSON.stringify(AEDAT4_MAGIC)}`);
    const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(m, true);
    if (size <= 0 || size > this.options.maxHeaderBytes)
      this.fail('corrupt', m, `IOHeader size ${size} is not in 1..${this.options.maxHeaderBytes}`);
    if (bytes.length < m + 4 + size) {
      if (final) this.fail('truncated', m + 4, `file ends inside the ${size}-byte IOHeader`);
      return undefined;
    }
    const header = bytes.slice(m + 4, m + 4 + size);
    const fail: Fail = (message) => this.fail('corrupt', m + 4, `invalid IOHeader: ${message}`);
    const { ByteBuffer } = formatLibrary('aedat4Decoder', 'flatbuffers');
    const bb = new ByteBuffer(header);
    const table = root(bb, 0, 'IOHE', fail);
    const c = fieldOffset(bb, table, 0, fail);
    this.compression = c === 0 ? 0 : bb.readInt32(c);
    if (!(this.compression >= 0 && this.compression < AEDAT4_COMPRESSION.length)) fail(`unknown compression ${this.compression}`);
    const d = fieldOffset(bb, table, 1, fail);
    if (d !== 0 && d + 8 > header.length) fail('dataTablePosition outside the buffer');
    this.dataEnd = d === 0 ? -1 : Number(bb.readInt64(d));
    const s = fieldOffset(bb, table, 2, fail);
    let xml = '';
    if (s !== 0) {
      const at = s + bb.readUint32(s);
      if (at + 4 > header.length || at + 4 + bb.readUint32(at) > header.length) fail('infoNode string outside the buffer');
      xml = bb.__string(s) as string;
    }
    let streams: Aedat4Stream[] = [];
    try {
      streams = parseAedat4Streams(xml);
    } catch (e) {
      fail(`infoNode is not readable XML: ${(e as Error).message}`);
    }
    const events = streams.filter((st) => st.type === 'EVTS');
    const chosen = this.wanted === undefined ? events[0] : events.find((st) => st.id === this.wanted);
    if (chosen === undefined) {
      const what = this.wanted === undefined ? 'no event (EVTS) stream' : `no event stream with id ${this.wanted}`;
      this.fail(
        'unsupported',
        m + 4,
        `${what} in the IOHeader; streams: ${streams.map((st) => `${st.id}:${st.type}`).join(', ') || 'none'}`,
      );
    }
    this.streamId = chosen.id;
    const fields: Record<string, string> = {
      compression: AEDAT4_COMPRESSION[this.compression] as string,
      dataTablePosition: String(this.dataEnd),
      streams: streams.map((st) => `${st.id}:${st.type}`).join(', '),
      stream: String(chosen.id),
    };
    return {
      length: m + 4 + size,
      info: { format: 'aedat4', sensorSize: chosen.sensorSize, origin: 'upper-left', fields, camera: chosen.source },
    };
  }

  private decompress(body: Uint8Array, at: number): Uint8Array {
    const limit = this.maxPacketBytes;
    const bad = (why: unknown): never =>
      this.fail(
        'corrupt',
        at,
        `cannot decompress ${AEDAT4_COMPRESSION[this.compression]} packet: ${why instanceof Error ? why.message : String(why)}`,
      );
    const kind = AEDAT4_COMPRESSION[this.compression];
    if (kind === 'NONE') return body;
    if (kind === 'LZ4' || kind === 'LZ4_HIGH') {
      let out: Uint8Array | string;
      try {
        out = lz4DecompressFrame(body, limit);
      } catch (e) {
        return bad(e);
      }
      return typeof out === 'string' ? bad(out) : out;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      const { Decompress } = formatLibrary('aedat4Decoder', 'fzstd');
      const z = new Decompress((data) => {
        total += data.length;
        if (total > limit) throw new Error(`decompressed size exceeds maxPacketBytes ${limit}`);
        chunks.push(data);
      });
      z.push(body, true);
    } catch (e) {
      bad(e);
    }
    const out = new Uint8Array(total);
    let k = 0;
    for (const c of chunks) {
      out.set(c, k);
      k += c.length;
    }
    return out;
  }

  private decodePacket(body: Uint8Array, at: number): void {
    const buf = this.decompress(body, at);
    const fail: Fail = (message) => this.fail('corrupt', at, `invalid event packet: ${message}`);
    if (buf.length < 4) fail(`decompressed packet of ${buf.length} bytes has no size prefix`);
    const { ByteBuffer } = formatLibrary('aedat4Decoder', 'flatbuffers');
    const bb = new ByteBuffer(buf);
    const size = bb.readUint32(0);
    if (size + 4 > buf.length) fail(`size prefix ${size} exceeds the ${buf.length - 4} bytes that follow`);
    const table = root(bb, 4, 'EVTS', fail);
    const f = fieldOffset(bb, table, 0, fail);
    if (f === 0) return;
    const vec = f + bb.readUint32(f);
    if (vec + 4 > buf.length) fail(`elements vector at ${vec} outside the buffer`);
    const n = bb.readUint32(vec);
    if (vec + 4 + 16 * n > buf.length) fail(`${n} events of 16 bytes do not fit after byte ${vec + 4} of ${buf.length}`);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.out.reserve(n);
    for (let k = 0, e = vec + 4; k < n; k++, e += 16) {
      const t = view.getUint32(e, true) + view.getInt32(e + 4, true) * 2 ** 32;
      const x = view.getInt16(e + 8, true);
      const y = view.getInt16(e + 10, true);
      const p = buf[e + 12] as number;
      if (t < 0 || x < 0 || y < 0) this.invalid(at, `event ${k} of the packet has t=${t}, x=${x}, y=${y}`);
      else this.emit(t, x, y, p, at);
    }
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    let i = start;
    while (i < b.length) {
      if (this.dataEnd >= 0 && abs + i >= this.dataEnd) return b.length; // data table and beyond: not packets
      const pk = this.packet;
      if (pk === undefined) {
        if (i + 8 > b.length) break;
        const view = new DataView(b.buffer, b.byteOffset + i, 8);
        const id = view.getInt32(0, true);
        const size = view.getInt32(4, true);
        if (id < 0 || size < 0 || size > this.maxPacketBytes) {
          this.fail('corrupt', abs + i, `invalid packet header: stream ${id}, size ${size} (maxPacketBytes ${this.maxPacketBytes})`);
        }
        if (this.dataEnd >= 0 && abs + i + 8 + size > this.dataEnd) {
          this.fail('corrupt', abs + i, `packet of ${size} bytes runs past dataTablePosition ${this.dataEnd}`);
        }
        this.packet = { id, size, at: abs + i, chunks: [], have: 0 };
        i += 8;
        continue;
      }
      const take = Math.min(pk.size - pk.have, b.length - i);
      if (pk.id === this.streamId) pk.chunks.push(b.slice(i, i + take));
      pk.have += take;
      i += take;
      if (pk.have === pk.size) {
        this.packet = undefined;
        if (pk.id === this.streamId) {
          const body = pk.chunks.length === 1 ? (pk.chunks[0] as Uint8Array) : concatBytes(pk.chunks, pk.size);
          this.decodePacket(body, pk.at);
        }
      }
    }
    return i;
  }

  protected override finish(abs: number): void {
    const pk = this.packet;
    if (pk !== undefined)
      this.fail('truncated', pk.at, `file ends inside a ${pk.size}-byte packet (${pk.have} bytes present, ending at ${abs})`);
    if (this.dataEnd >= 0 && abs < this.dataEnd)
      this.fail('truncated', abs, `file ends before the data table at dataTablePosition ${this.dataEnd}`);
  }
}

const concatBytes = (chunks: readonly Uint8Array[], size: number): Uint8Array => {
  const out = new Uint8Array(size);
  let k = 0;
  for (const c of chunks) {
    out.set(c, k);
    k += c.length;
  }
  return out;
};

/**
 * An incremental AEDAT 4.0 decoder (see the module docs for the layout).
 * @param options - `stream` (event stream ID), `maxPacketBytes` (default 64 MiB), `sensorSize` override,
 *   `invalidEvents`, `maxHeaderBytes`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError (with the byte offset of the
 *   packet) for a bad magic line or IOHeader, undecompressible or inconsistent packets, events outside the
 *   sensor, or a file ending inside a packet
 */
export const aedat4Decoder = (options: Aedat4DecoderOptions = {}): EventDecoder => {
  const common = checkDecoderOptions('aedat4Decoder', options, ['stream', 'maxPacketBytes']);
  const { stream, maxPacketBytes = 64 << 20 } = options;
  if (stream !== undefined && !(Number.isInteger(stream) && stream >= 0)) {
    throw new SpikeflowError('aedat4Decoder', 'stream', `stream must be a non-negative integer, received ${show(stream)}`);
  }
  if (!(Number.isInteger(maxPacketBytes) && maxPacketBytes > 0)) {
    throw new SpikeflowError(
      'aedat4Decoder',
      'maxPacketBytes',
      `maxPacketBytes must be a positive integer, received ${show(maxPacketBytes)}`,
    );
  }
  return new Aedat4Decoder(common, stream, maxPacketBytes);
};
