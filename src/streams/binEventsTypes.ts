/**
 * The event and option types of `binEvents`: camera and channel events, struct-of-arrays batches,
 * the sensor, binning and overflow policies, counters and options.
 * @module
 */
import type { Observable } from 'rxjs';
import type { DType } from '../ops/tensor.js';
import type { Sink } from './internal.js';
import type { Tick } from './tick.js';

/** An event-camera event: pixel `(x, y)`, polarity `p` (> 0 or `true`: ON, else OFF), timestamp `t`. */
export interface CameraEvent {
  /** Timestamp in `timeUnit`s. */
  readonly t: number;
  /** Column, integer in `[0, width)`. */
  readonly x: number;
  /** Row, integer in `[0, height)`. */
  readonly y: number;
  /** Polarity: ON when `p > 0` (or `true`), OFF otherwise. */
  readonly p: number | boolean;
}

/** An event of a channel sensor (e.g. a silicon cochlea or a spike recording): `channel` fired at `t`. */
export interface ChannelEvent {
  /** Timestamp in `timeUnit`s. */
  readonly t: number;
  /** Channel, integer in `[0, channels)`. */
  readonly channel: number;
}

/** Any sensor event {@link binEvents} accepts. */
export type SensorEvent = CameraEvent | ChannelEvent;

/**
 * A batch of events as a struct of arrays (as the file and device readers produce): `length`
 * events with timestamps `t`, and either camera columns `x`, `y`, `p` or a `channel` column.
 */
export interface EventColumns {
  /** Number of events. */
  readonly length: number;
  /** Timestamps in `timeUnit`s. */
  readonly t: ArrayLike<number>;
  /** Pixel columns (camera sensors). */
  readonly x?: ArrayLike<number>;
  /** Pixel rows (camera sensors). */
  readonly y?: ArrayLike<number>;
  /** Polarities, ON when > 0 (camera sensors). */
  readonly p?: ArrayLike<number>;
  /** Channels (channel sensors). */
  readonly channel?: ArrayLike<number>;
}

/** What {@link binEvents} takes from its input: an array of event objects, or a struct-of-arrays batch. */
export type EventInput = readonly SensorEvent[] | EventColumns;

/**
 * The sensor's geometry, which fixes the step shape: a camera gives steps `[1, polarities, height, width]`
 * (Tonic's `ToFrame` layout, batch 1; with `polarities: 1` ON and OFF events share one channel),
 * a channel sensor steps `[1, channels]`.
 */
export type EventSensor = { readonly width: number; readonly height: number; readonly polarities?: 1 | 2 } | { readonly channels: number };

/**
 * How events that fall in the same step are turned into input:
 * - `'sum'`: each element of a step holds the number of events of its pixel/channel in that step;
 * - `'queue'`: none is merged: a step holds at most one event (1) per pixel/channel; further
 *   events of the same pixel/channel wait, in order, for the following steps (delayed, never lost;
 *   at the end of the input the stream runs extra steps until the queue is empty).
 */
export type BinPolicy = 'sum' | 'queue';

/** Unit of the events' timestamps. */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

/** What to do with a new event when the buffer of a clocked `binEvents` is full. */
export type OverflowPolicy = 'dropNewest' | 'dropOldest';

/** Counters reported by {@link binEvents} after every chunk it emits. */
export interface EventStats {
  /** Events received so far. */
  readonly received: number;
  /** Events placed in a step (or, with `'queue'`, in the queue) so far. */
  readonly binned: number;
  /** Events discarded because the buffer was full (clocked mode; see `overflow`). */
  readonly dropped: number;
  /** Events discarded because their step had already been emitted (`late: 'drop'`). */
  readonly late: number;
  /** Events waiting in the buffer for a later tick (clocked mode). */
  readonly buffered: number;
  /** Events waiting in the queue (`'queue'` policy). */
  readonly queued: number;
  /** Steps emitted so far: the index of the next step. */
  readonly step: number;
  /** The clock's lag after the last tick, in steps (clocked mode; see {@link realTimeClock}). */
  readonly lag: number;
  /** Steps the clock skipped so far (clocked mode, `drop` policy). */
  readonly droppedSteps: number;
}

/** Options of {@link binEvents}. */
export interface BinEventsOptions {
  /** Step length in seconds (> 0). */
  readonly dt: number;
  /** Unit of the events' `t` (required: event cameras usually count µs, `'us'`). */
  readonly timeUnit: TimeUnit;
  /** The sensor's geometry (see {@link EventSensor}). */
  readonly sensor: EventSensor;
  /** `'sum'` (default) or `'queue'`; see {@link BinPolicy}. */
  readonly policy?: BinPolicy;
  /**
   * Timestamp of the start of step 0, in `timeUnit`s (default 0). `'first'`: the first event
   * received starts the step that is next to be emitted (step 0 without a clock).
   */
  readonly t0?: number | 'first';
  /**
   * An event whose step was already emitted (out of time order, or too late for a real-time
   * clock): `'error'` errors the stream, `'drop'` discards it and counts it in `late`. Default
   * `'error'` without a clock, `'drop'` with one.
   */
  readonly late?: 'error' | 'drop';
  /** Without a clock: most steps per emitted chunk (integer ≥ 1, default 100); long gaps give several chunks. */
  readonly maxChunk?: number;
  /** dtype of the chunks (default `float32`). */
  readonly dtype?: DType;
  /**
   * A clock (e.g. {@link realTimeClock}) for live sensors: events are buffered as they arrive and
   * every tick emits its steps, with or without events. Without a clock, time advances with the
   * events' timestamps (as fast as possible, for recordings).
   */
  readonly clock?: Observable<Tick>;
  /** Clocked mode: most events held in the buffer between ticks (integer ≥ 1, default 100 000). */
  readonly capacity?: number;
  /**
   * Clocked mode, when an event arrives and the buffer is full: `'dropNewest'` (default) discards
   * the arriving event, `'dropOldest'` discards the oldest buffered one; both count it in `dropped`.
   */
  readonly overflow?: OverflowPolicy;
  /** Receives {@link EventStats} after every emitted chunk. */
  readonly stats?: Sink<EventStats>;
}
