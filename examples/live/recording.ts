/**
 * A recording as a replayable event source: the file's format is detected from its first bytes,
 * and its events are decoded incrementally, a chunk of bytes at a time, a couple of seconds ahead
 * of the replay (memory stays bounded whatever the file's size). At the end it starts over.
 * @module
 */
import { bisectLeft } from 'd3';
import { SpikeflowError } from 'spikeflow';
import {
  concatBatches,
  detectFormat,
  type EventBatch,
  type EventDecoder,
  eventDecoder,
  isEventFormat,
  SNIFF_BYTES,
} from 'spikeflow/formats';
import type { EventSource } from '../lib/events.js';

const sub = (b: EventBatch, from: number, to: number): EventBatch => ({
  length: to - from,
  t: b.t.subarray(from, to),
  x: b.x.subarray(from, to),
  y: b.y.subarray(from, to),
  p: b.p.subarray(from, to),
});

const CHUNK_BYTES = 1 << 20;
const READ_AHEAD_US = 2e6;
const LOOP_GAP_US = 2e5;

/**
 * Opens `file` (a browser `File` or `Blob` with a name) for replay. Times given to `between` are µs
 * since the start of the replay; the recording's first event is at 0.
 * @throws SpikeflowError when the format is not an event format, or the file holds no events
 * @throws FormatError (when decoding) for a malformed file, with its byte offset
 */
export const recordingSource = async (file: File): Promise<EventSource> => {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const format = detectFormat(file.name, head);
  if (!isEventFormat(format)) {
    throw new SpikeflowError('recording', 'file', `${file.name} is a ${format} file, not an event recording`);
  }

  let decoder: EventDecoder = eventDecoder(format, { invalidEvents: 'drop' });
  let offset = 0;
  let ended = false;
  let reading: Promise<void> | undefined;
  let failure: unknown;
  let tFirst: number | undefined;
  let lapShift = 0; // µs added to the file's times on the current lap
  let duration = 0;
  let pending: EventBatch[] = []; // decoded, not yet replayed, in replay time
  let decodedUntil = 0; // replay time of the last decoded event

  const shifted = (b: EventBatch): EventBatch => {
    if (b.length === 0) return b;
    if (tFirst === undefined) tFirst = b.t[0]!;
    const t = new Float64Array(b.length);
    for (let k = 0; k < b.length; k++) t[k] = b.t[k]! - tFirst + lapShift;
    duration = Math.max(duration, b.t[b.length - 1]! - tFirst);
    decodedUntil = t[b.length - 1]!;
    return { ...b, t };
  };

  const readChunk = async (): Promise<void> => {
    if (ended) {
      // start over: a fresh decoder from byte 0, times shifted by one lap
      decoder = eventDecoder(format, { invalidEvents: 'drop' });
      offset = 0;
      ended = false;
      lapShift += duration + LOOP_GAP_US;
    }
    const bytes = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
    offset += bytes.length;
    const batch = bytes.length > 0 ? decoder.push(bytes) : decoder.end();
    if (bytes.length === 0) ended = true;
    pending.push(shifted(batch));
  };

  const fill = (until: number): void => {
    if (reading !== undefined || failure !== undefined || decodedUntil >= until) return;
    reading = readChunk()
      .catch((e: unknown) => {
        failure = e;
      })
      .finally(() => {
        reading = undefined;
        fill(until);
      });
  };

  // Decode until the first events: they give the time origin and (if the header does not) the sensor size.
  while (tFirst === undefined && !(ended && offset >= file.size)) await readChunk();
  if (tFirst === undefined) throw new SpikeflowError('recording', 'file', `${file.name} holds no events`);
  const first = concatBatches(pending);
  const [width, height] = decoder.info?.sensorSize ?? [Math.max(...first.x) + 1, Math.max(...first.y) + 1];

  return {
    label: `${file.name} (${format}, ${width}×${height})`,
    width,
    height,
    lap: (t: number) => {
      // laps are the recording's duration plus the gap (known once the first lap is decoded)
      const period = ended || lapShift > 0 ? duration + LOOP_GAP_US : Number.POSITIVE_INFINITY;
      return { lap: 1 + Math.floor(t / period), duration };
    },
    between(t0: number, t1: number): EventBatch {
      if (failure !== undefined) throw failure;
      fill(t1 + READ_AHEAD_US);
      const parts: EventBatch[] = [];
      const keep: EventBatch[] = [];
      for (const batch of pending) {
        const a = bisectLeft(batch.t, t0);
        const b = bisectLeft(batch.t, t1, a);
        if (b > a) parts.push(sub(batch, a, b));
        if (b < batch.length) keep.push(sub(batch, b, batch.length));
      }
      pending = keep;
      return parts.length === 1 ? parts[0]! : concatBatches(parts);
    },
  };
};
