/**
 * A recording as a replayable event source: the file's format is detected from its first bytes,
 * and its events are decoded incrementally, a small chunk of bytes at a time, a couple of seconds
 * ahead of the replay. The replay loops; a recording that fits in memory ({@link RecordingOptions})
 * is decoded once and its later laps reuse the decoded events (no decoding, no copies: each lap is
 * the same batches read with a time shift), a longer one is decoded again each lap so that memory
 * stays bounded whatever the file's size.
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
import type { EventRun, EventSource } from '../lib/events.js';

/** Bytes decoded per step of the read-ahead (small, so that no animation frame waits long on it). */
const CHUNK_BYTES = 1 << 18;
const READ_AHEAD_US = 2e6;
const LOOP_GAP_US = 2e5;
/** Replay time decoded before the replay starts. */
const START_US = 5e5;

/** Options of {@link recordingSource}. */
export interface RecordingOptions {
  /** Most events kept decoded for the next laps (default 2^22, about 55 MB); a longer recording is decoded again each lap. */
  readonly keepEvents?: number;
}

/** Decoded events in the file's time (µs since its first event), replayed `shift` µs later. */
interface Shifted {
  readonly b: EventBatch;
  readonly shift: number;
}

/** Events `[from, to)` of `b`, their times shifted by `shift`. */
const slice = (b: EventBatch, from: number, to: number, shift: number): EventBatch => {
  const t = new Float64Array(to - from);
  for (let k = from; k < to; k++) t[k - from] = (b.t[k] as number) + shift;
  return { length: to - from, t, x: b.x.subarray(from, to), y: b.y.subarray(from, to), p: b.p.subarray(from, to) };
};

/**
 * Opens `file` (a browser `File` or `Blob` with a name) for replay. Times given to `between` are µs
 * since the start of the replay; the recording's first event is at 0.
 * @throws SpikeflowError when the format is not an event format, or the file holds no events
 * @throws FormatError (when decoding) for a malformed file, with its byte offset
 */
export const recordingSource = async (file: File, options: RecordingOptions = {}): Promise<EventSource> => {
  const keepEvents = options.keepEvents ?? 1 << 22;
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
  let pending: Shifted[] = []; // decoded, not yet replayed
  let decodedUntil = 0; // replay time of the last decoded event
  // the first lap's batches while they fit in `keepEvents`; complete once the first lap has ended
  let kept: EventBatch[] | undefined = [];
  let keptEvents = 0;
  let complete = false;

  /** The file's times made relative to its first event (one copy, at decoding). */
  const relative = (b: EventBatch): EventBatch => {
    if (tFirst === undefined) tFirst = b.t[0]!;
    const t = new Float64Array(b.length);
    for (let k = 0; k < b.length; k++) t[k] = b.t[k]! - tFirst;
    duration = Math.max(duration, t[b.length - 1]!);
    return { ...b, t };
  };

  const readChunk = async (): Promise<void> => {
    if (ended) {
      lapShift += duration + LOOP_GAP_US;
      if (complete) {
        // the next lap: the kept batches again, later
        for (const b of kept!) pending.push({ b, shift: lapShift });
        decodedUntil = lapShift + duration;
        return;
      }
      // start over: a fresh decoder from byte 0
      decoder = eventDecoder(format, { invalidEvents: 'drop' });
      offset = 0;
      ended = false;
    }
    const bytes = new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
    offset += bytes.length;
    const batch = bytes.length > 0 ? decoder.push(bytes) : decoder.end();
    if (bytes.length === 0) {
      ended = true;
      if (kept !== undefined && lapShift === 0) complete = true;
    }
    if (batch.length === 0) return;
    const b = relative(batch);
    if (kept !== undefined && lapShift === 0) {
      keptEvents += b.length;
      if (keptEvents <= keepEvents) kept.push(b);
      else kept = undefined; // too long to keep: decode each lap
    }
    pending.push({ b, shift: lapShift });
    decodedUntil = lapShift + b.t[b.length - 1]!;
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

  // Decode the first events: they give the time origin and (if the header does not) the sensor
  // size; then on to the first half second, so that the replay starts with its events at hand.
  while (tFirst === undefined && !ended) await readChunk();
  if (tFirst === undefined) throw new SpikeflowError('recording', 'file', `${file.name} holds no events`);
  while (!ended && decodedUntil < START_US) await readChunk();
  const extent = (key: 'x' | 'y'): number => pending.reduce((m, { b }) => b[key].reduce((a, v) => Math.max(a, v), m), 0) + 1;
  const [width, height] = decoder.info?.sensorSize ?? [extent('x'), extent('y')];

  /** The events of `[t0, t1)` (replay µs) as views of the decoded batches; starts decoding what follows. */
  const runs = (t0: number, t1: number): readonly EventRun[] => {
    if (failure !== undefined) throw failure;
    fill(t1 + READ_AHEAD_US);
    const out: EventRun[] = [];
    let done = 0; // leading pending batches replayed in full
    for (const { b, shift } of pending) {
      const from = bisectLeft(b.t, t0 - shift);
      const to = bisectLeft(b.t, t1 - shift, from);
      if (to > from) out.push({ batch: b, from, to, shift });
      if (to < b.length) break; // later batches start later still
      done++;
    }
    if (done > 0) pending = pending.slice(done);
    return out;
  };

  return {
    label: `${file.name} (${format}, ${width}×${height})`,
    width,
    height,
    lap: (t: number) => {
      // laps are the recording's duration plus the gap (known once the first lap is decoded)
      const period = ended || lapShift > 0 ? duration + LOOP_GAP_US : Number.POSITIVE_INFINITY;
      return { lap: 1 + Math.floor(t / period), duration };
    },
    runs,
    between(t0: number, t1: number): EventBatch {
      return concatBatches(runs(t0, t1).map((r) => slice(r.batch, r.from, r.to, r.shift)));
    },
  };
};
