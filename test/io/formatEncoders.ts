/**
 * Tiny encoders for the tests' own synthetic files, one per event format, written from the same
 * published specifications as the decoders (see each decoder's module docs). Events are
 * `[t, x, y, p]` tuples sorted by `t`.
 */
import { Builder } from 'flatbuffers';
import * as lz4 from 'lz4js';

export type Ev = readonly [number, number, number, number];

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
};

/** N-MNIST: 5 bytes per event; `overflowAfter` inserts y = 240 overflow records after those event indices. */
export const encodeNmnist = (events: readonly Ev[], overflowAfter: readonly number[] = []): Uint8Array => {
  const out: number[] = [];
  let shift = 0;
  events.forEach(([t, x, y, p], k) => {
    const raw = t - shift;
    out.push(x, y, (p << 7) | ((raw >> 16) & 0x7f), (raw >> 8) & 0xff, raw & 0xff);
    if (overflowAfter.includes(k)) {
      out.push(0, 240, 0, 0, 0);
      shift += 1 << 13;
    }
  });
  return Uint8Array.from(out);
};

/** EVT 2.0 with a `% format` header giving the geometry; a TIME_HIGH word whenever t >> 6 changes. */
export const encodeEvt2 = (events: readonly Ev[], size: readonly [number, number] = [1280, 720]): Uint8Array => {
  const header = ascii(`% camera synthetic\n% format EVT2;height=${size[1]};width=${size[0]}\n% end\n`);
  const words: number[] = [];
  let high = -1;
  for (const [t, x, y, p] of events) {
    const th = Math.floor(t / 64) % 2 ** 28;
    if (th !== high) {
      words.push(((0x8 << 28) | th) >>> 0);
      high = th;
    }
    words.push((((p & 1) << 28) | ((t % 64) << 22) | (x << 11) | y) >>> 0);
  }
  const body = new Uint8Array(words.length * 4);
  const view = new DataView(body.buffer);
  words.forEach((w, k) => {
    view.setUint32(4 * k, w, true);
  });
  return concatBytes([header, body]);
};

/**
 * EVT 3.0: state words only when they change; runs of events with the same t, y, p and consecutive
 * x are written as VECT_BASE_X + VECT_12/VECT_8 words (when `vectorize`), others as EVT_ADDR_X.
 */
export const encodeEvt3 = (events: readonly Ev[], size: readonly [number, number] = [1280, 720], vectorize = true): Uint8Array => {
  const header = ascii(`% evt 3.0\n% format EVT3;height=${size[1]};width=${size[0]}\n% end\n`);
  const w: number[] = [];
  let high = -1;
  let low = -1;
  let y = -1;
  for (let k = 0; k < events.length; ) {
    const [t, x0, ey, p] = events[k] as Ev;
    const th = Math.floor(t / 4096) % 4096;
    if (th !== high) {
      w.push((0x8 << 12) | th);
      high = th;
      low = 0;
    }
    if (t % 4096 !== low) {
      w.push((0x6 << 12) | (t % 4096));
      low = t % 4096;
    }
    if (ey !== y) {
      w.push(ey);
      y = ey;
    }
    let run = 1;
    while (vectorize && k + run < events.length) {
      const [t2, x2, y2, p2] = events[k + run] as Ev;
      if (t2 !== t || y2 !== ey || p2 !== p || x2 !== x0 + run) break;
      run++;
    }
    if (run < 3) {
      w.push((0x2 << 12) | (p << 11) | x0);
      k++;
      continue;
    }
    w.push((0x3 << 12) | (p << 11) | x0);
    for (let left = run; left > 0; left -= 12) {
      if (left >= 12) w.push((0x4 << 12) | 0xfff);
      else if (left <= 8) w.push((0x5 << 12) | ((1 << left) - 1));
      else w.push((0x4 << 12) | ((1 << left) - 1));
    }
    k += run;
  }
  const body = new Uint8Array(w.length * 2);
  const view = new DataView(body.buffer);
  w.forEach((v, k) => {
    view.setUint16(2 * k, v, true);
  });
  return concatBytes([header, body]);
};

/** Prophesee DAT, version 2, CD events (type 12, size 8), with Width/Height in the header. */
export const encodeDat = (events: readonly Ev[], size: readonly [number, number] = [304, 240]): Uint8Array => {
  const header = ascii(`% Data file containing CD events\n% Version 2\n% Width ${size[0]}\n% Height ${size[1]}\n`);
  const body = new Uint8Array(2 + 8 * events.length);
  body[0] = 12;
  body[1] = 8;
  const view = new DataView(body.buffer);
  events.forEach(([t, x, y, p], k) => {
    view.setUint32(2 + 8 * k, t, true);
    view.setUint32(6 + 8 * k, ((p << 28) | (y << 14) | x) >>> 0, true);
  });
  return concatBytes([header, body]);
};

/** AEDAT 2.0 with a DAVIS240C chip (DAVIS address layout); `extra` APS/IMU records are interleaved after every 3rd event. */
export const encodeAedat2 = (events: readonly Ev[], extra = true): Uint8Array => {
  const header = ascii('#!AER-DAT2.0\r\n# This is a raw AE data file\r\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n');
  const recs: [number, number][] = [];
  events.forEach(([t, x, y, p], k) => {
    recs.push([((y << 22) | (x << 12) | (p << 11)) >>> 0, t % 2 ** 32]);
    if (extra && k % 3 === 0) recs.push([(0x80000000 | (y << 22) | (x << 12)) >>> 0, t % 2 ** 32]); // APS sample
  });
  const body = new Uint8Array(8 * recs.length);
  const view = new DataView(body.buffer);
  recs.forEach(([a, t], k) => {
    view.setUint32(8 * k, a, false);
    view.setUint32(8 * k + 4, t, false);
  });
  return concatBytes([header, body]);
};

/** AEDAT 1.0 (no version line, DVS128 16-bit addresses). */
export const encodeAedat1 = (events: readonly Ev[]): Uint8Array => {
  const header = ascii('# created by a test\r\n');
  const body = new Uint8Array(6 * events.length);
  const view = new DataView(body.buffer);
  events.forEach(([t, x, y, p], k) => {
    view.setUint16(6 * k, (y << 8) | (x << 1) | p, false);
    view.setUint32(6 * k + 2, t, false);
  });
  return concatBytes([header, body]);
};

const packetHeader = (
  type: number,
  size: number,
  tsOffset: number,
  overflow: number,
  capacity: number,
  number: number,
  valid: number,
): Uint8Array => {
  const h = new Uint8Array(28);
  const v = new DataView(h.buffer);
  v.setInt16(0, type, true);
  v.setInt16(2, 1, true);
  v.setInt32(4, size, true);
  v.setInt32(8, tsOffset, true);
  v.setInt32(12, overflow, true);
  v.setInt32(16, capacity, true);
  v.setInt32(20, number, true);
  v.setInt32(24, valid, true);
  return h;
};

/**
 * AEDAT 3.1: polarity packets of up to `perPacket` events (split where the timestamp overflow
 * changes), each followed by a 2-event special-event packet (type 0) to be skipped; one invalid
 * (valid bit 0) event and one spare capacity slot per polarity packet.
 */
export const encodeAedat3 = (events: readonly Ev[], perPacket = 5): Uint8Array => {
  const header = ascii(
    '#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DAVIS240C\r\n#Start-Time: 2016-04-01 10:00:00 (TZ+0000)\r\n#!END-HEADER\r\n',
  );
  const parts: Uint8Array[] = [header];
  for (let k = 0; k < events.length; ) {
    const overflow = Math.floor((events[k] as Ev)[0] / 2 ** 31);
    const group: Ev[] = [];
    while (k < events.length && group.length < perPacket && Math.floor((events[k] as Ev)[0] / 2 ** 31) === overflow)
      group.push(events[k++] as Ev);
    const n = group.length + 1; // + one invalidated event
    const capacity = n + 1; // + one unused slot
    const body = new Uint8Array(8 * capacity);
    const v = new DataView(body.buffer);
    group.forEach(([t, x, y, p], j) => {
      v.setUint32(8 * j, ((x << 17) | (y << 2) | (p << 1) | 1) >>> 0, true);
      v.setInt32(8 * j + 4, t % 2 ** 31, true);
    });
    v.setUint32(8 * group.length, (5 << 17) | (5 << 2) | 2, true); // valid bit clear: skipped
    v.setUint32(8 * n, 0xffffffff, true); // beyond eventNumber: ignored
    parts.push(packetHeader(1, 8, 4, overflow, capacity, n, group.length), body);
    parts.push(packetHeader(0, 8, 4, 0, 2, 2, 2), new Uint8Array(16).fill(0x5a));
  }
  return concatBytes(parts);
};

/** A Zstandard frame made of raw (stored) blocks: a valid frame without compression. */
export const zstdStored = (data: Uint8Array): Uint8Array => {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0]; // magic, single segment, 4-byte content size
  parts.push(data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff, (data.length >>> 24) & 0xff);
  const max = 1 << 17;
  let k = 0;
  do {
    const n = Math.min(max, data.length - k);
    const last = k + n >= data.length ? 1 : 0;
    const h = (n << 3) | last; // block type 0: raw
    parts.push(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, ...data.subarray(k, k + n));
    k += n;
  } while (k < data.length);
  return Uint8Array.from(parts);
};

const infoNode = (size: readonly [number, number]): string =>
  `<dv version="2.0"><node name="outInfo" path="/mainloop/Recorder/outInfo/">` +
  `<node name="1" path="/mainloop/Recorder/outInfo/1/"><attr key="typeIdentifier" type="string">IMUS</attr></node>` +
  `<node name="3" path="/mainloop/Recorder/outInfo/3/"><attr key="compression" type="string">LZ4</attr>` +
  `<attr key="typeIdentifier" type="string">EVTS</attr><node name="info" path="/mainloop/Recorder/outInfo/3/info/">` +
  `<attr key="sizeX" type="int">${size[0]}</attr><attr key="sizeY" type="int">${size[1]}</attr>` +
  `<attr key="source" type="string">SyntheticCam</attr></node></node></node></dv>`;

const eventPacket = (events: readonly Ev[]): Uint8Array => {
  const b = new Builder(64 + 16 * events.length);
  b.startVector(16, events.length, 8);
  for (let k = events.length - 1; k >= 0; k--) {
    const [t, x, y, p] = events[k] as Ev;
    b.prep(8, 16);
    b.pad(3);
    b.writeInt8(p);
    b.writeInt16(y);
    b.writeInt16(x);
    b.writeInt64(BigInt(t));
  }
  const vec = b.endVector();
  b.startObject(1);
  b.addFieldOffset(0, vec, 0);
  b.finishSizePrefixed(b.endObject(), 'EVTS');
  return b.asUint8Array();
};

/** AEDAT 4.0 with an IMU stream (id 1) and an event stream (id 3); packets of `perPacket` events, a data table at the end. */
export const encodeAedat4 = (
  events: readonly Ev[],
  compression: 'NONE' | 'LZ4' | 'ZSTD' = 'LZ4',
  size: readonly [number, number] = [640, 480],
  perPacket = 7,
): Uint8Array => {
  const compress = (d: Uint8Array): Uint8Array => (compression === 'LZ4' ? lz4.compress(d) : compression === 'ZSTD' ? zstdStored(d) : d);
  const packets: Uint8Array[] = [];
  const packet = (id: number, body: Uint8Array): void => {
    const h = new Uint8Array(8);
    new DataView(h.buffer).setInt32(0, id, true);
    new DataView(h.buffer).setInt32(4, body.length, true);
    packets.push(h, body);
  };
  for (let k = 0; k < events.length; k += perPacket) {
    packet(1, compress(Uint8Array.from([4, 0, 0, 0, 1, 2, 3, 4]))); // an IMU packet, skipped undecoded
    packet(3, compress(eventPacket(events.slice(k, k + perPacket))));
  }
  const dataBytes = packets.reduce((n, p) => n + p.length, 0);
  const ioHeader = (tablePosition: number): Uint8Array => {
    const b = new Builder(1024);
    const xml = b.createString(infoNode(size));
    b.startObject(3);
    b.addFieldInt32(0, ['NONE', 'LZ4', 'LZ4_HIGH', 'ZSTD'].indexOf(compression), 0);
    b.addFieldInt64(1, BigInt(tablePosition), BigInt(-1));
    b.addFieldOffset(2, xml, 0);
    b.finish(b.endObject(), 'IOHE');
    return b.asUint8Array();
  };
  const magic = ascii('#!AER-DAT4.0\r\n');
  // The IOHeader's length does not depend on the table position's value: build twice.
  const probe = ioHeader(0);
  const tablePosition = magic.length + 4 + probe.length + dataBytes;
  const header = ioHeader(tablePosition);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setInt32(0, header.length, true);
  const table = compress(Uint8Array.from([8, 0, 0, 0, 0x46, 0x54, 0x41, 0x42, 0, 0, 0, 0])); // stands for the FileDataTable
  return concatBytes([magic, len, header, ...packets, table]);
};

/** JSON lines, alternating object and array forms. */
export const encodeJsonl = (events: readonly Ev[]): Uint8Array =>
  ascii(events.map(([t, x, y, p], k) => (k % 2 === 0 ? JSON.stringify({ t, x, y, p }) : JSON.stringify([t, x, y, p]))).join('\n'));

/** A 16-bit mono PCM WAV file of `frames` samples (a sine) at `rate` Hz. */
export const encodeWav = (frames: number, rate: number): Uint8Array => {
  const b = Buffer.alloc(44 + 2 * frames);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * frames, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * frames, 40);
  for (let k = 0; k < frames; k++) b.writeInt16LE(Math.round(8000 * Math.sin(k / 5)), 44 + 2 * k);
  return b;
};
