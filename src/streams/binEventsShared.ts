/**
 * What the two `binEvents` operators share: the event and option types, the validated
 * configuration ({@link binEventsConfig}), and the per-pixel queue and bounded event buffer.
 * @module
 */
import { Observable } from 'rxjs';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import type { DType, TensorData } from '../ops/tensor.js';
import { checkDtype, checkInteger, checkOption, checkOptions, type Sink, sinkOf } from './internal.js';
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

const UNITS_PER_SECOND: Readonly<Record<TimeUnit, number>> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/** Events waiting for steps, per pixel/channel; produces one step at a time. */
export class Pending {
  private readonly counts: Float64Array;
  private readonly active: number[] = [];
  /** Events held. */
  total = 0;

  constructor(
    size: number,
    private readonly queue: boolean,
  ) {
    this.counts = new Float64Array(size);
  }

  add(index: number): void {
    if (this.counts[index] === 0) this.active.push(index);
    this.counts[index] = (this.counts[index] as number) + 1;
    this.total++;
  }

  /** Writes one step into `row` at `offset` and removes what it used. */
  emit(row: TensorData, offset: number): void {
    const { counts, active } = this;
    if (!this.queue) {
      for (const n of active) {
        row[offset + n] = counts[n] as number;
        counts[n] = 0;
      }
      active.length = 0;
      this.total = 0;
      return;
    }
    let w = 0;
    for (const n of active) {
      row[offset + n] = 1;
      const left = (counts[n] as number) - 1;
      counts[n] = left;
      this.total--;
      if (left > 0) active[w++] = n;
    }
    active.length = w;
  }
}

/**
 * The bounded FIFO of a clocked `binEvents`: timestamps and flat indices in typed arrays that grow
 * (doubling) up to `capacity` events and never beyond.
 */
export class EventRing {
  private t = new Float64Array(0);
  private index = new Int32Array(0);
  private head = 0;
  /** Events held. */
  length = 0;

  constructor(readonly capacity: number) {}

  /** Appends an event; the caller keeps `length < capacity`. */
  push(t: number, index: number): void {
    if (this.length === this.t.length) {
      const size = Math.min(this.capacity, Math.max(1024, 2 * this.t.length));
      const t2 = new Float64Array(size);
      const i2 = new Int32Array(size);
      for (let k = 0; k < this.length; k++) {
        const j = (this.head + k) % this.t.length;
        t2[k] = this.t[j] as number;
        i2[k] = this.index[j] as number;
      }
      this.t = t2;
      this.index = i2;
      this.head = 0;
    }
    const j = (this.head + this.length) % this.t.length;
    this.t[j] = t;
    this.index[j] = index;
    this.length++;
  }

  /** Timestamp of the oldest event. */
  firstT(): number {
    return this.t[this.head] as number;
  }

  /** Flat index of the oldest event. */
  firstIndex(): number {
    return this.index[this.head] as number;
  }

  /** Removes the oldest event. */
  shift(): void {
    this.head = (this.head + 1) % this.t.length;
    this.length--;
  }

  /** Releases the storage. */
  clear(): void {
    this.t = new Float64Array(0);
    this.index = new Int32Array(0);
    this.head = 0;
    this.length = 0;
  }
}

/** The validated options of {@link binEvents}, with the sensor's geometry and batch readers. */
export type BinEventsConfig = ReturnType<typeof binEventsConfig>;

/**
 * Validates {@link BinEventsOptions} and derives what both operators need: step width in the
 * timestamps' unit, sensor size `M` and chunk shape, a reader of input batches, the late-event error.
 * @throws SpikeflowError naming the option that is invalid
 */
export const binEventsConfig = (options: BinEventsOptions) => {
  const where = 'binEvents';
  checkOptions(where, options, [
    'dt',
    'timeUnit',
    'sensor',
    'policy',
    't0',
    'late',
    'maxChunk',
    'dtype',
    'clock',
    'capacity',
    'overflow',
    'stats',
  ]);
  const dt = orThrow(where)(checkDt(options.dt));
  const unit = checkOption(where, 'timeUnit', options.timeUnit, ['s', 'ms', 'us', 'ns'] as const);
  let width = dt * UNITS_PER_SECOND[unit];
  const rounded = Math.round(width);
  if (rounded > 0 && Math.abs(width - rounded) <= 1e-9 * rounded) width = rounded;
  const policy = checkOption(where, 'policy', options.policy ?? 'sum', ['sum', 'queue'] as const);
  const t0Option = options.t0 ?? 0;
  if (t0Option !== 'first' && !(typeof t0Option === 'number' && Number.isFinite(t0Option))) {
    throw new SpikeflowError(where, 't0', `t0 must be a finite number or "first", received ${show(t0Option)}`);
  }
  const clock = options.clock;
  if (clock !== undefined && !(clock instanceof Observable)) {
    throw new SpikeflowError(where, 'clock', `clock must be an Observable of ticks (e.g. realTimeClock), received ${show(clock)}`);
  }
  const late = checkOption(where, 'late', options.late ?? (clock === undefined ? 'error' : 'drop'), ['error', 'drop'] as const);
  const maxChunk = checkInteger(where, 'maxChunk', options.maxChunk ?? 100, 1);
  const dtype = checkDtype(where, options.dtype);
  const capacity = checkInteger(where, 'capacity', options.capacity ?? 100_000, 1);
  const overflow = checkOption(where, 'overflow', options.overflow ?? 'dropNewest', ['dropNewest', 'dropOldest'] as const);
  const report = sinkOf(where, 'stats', options.stats);

  // The sensor: step shape and the flat index of an event.
  const sensor = options.sensor as Partial<Record<'width' | 'height' | 'polarities' | 'channels', unknown>> | null;
  if (sensor === null || typeof sensor !== 'object') {
    throw new SpikeflowError(where, 'sensor', `sensor must be { width, height, polarities? } or { channels }, received ${show(sensor)}`);
  }
  /** Validates one coordinate; `name` is how the message names it, e.g. `events[3].x` or `events.x[3]`. */
  const coordinate = (name: string, v: unknown, size: number): number => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < size) return v;
    throw new SpikeflowError(where, 'events', `${name} must be an integer in [0, ${size}), received ${show(v)}`);
  };
  const polarity = (name: string, p: unknown, planes: number): number => {
    if (typeof p !== 'boolean' && !(typeof p === 'number' && !Number.isNaN(p))) {
      throw new SpikeflowError(where, 'events', `${name} must be a number or a boolean, received ${show(p)}`);
    }
    return planes === 2 && (p === true || (typeof p === 'number' && p > 0)) ? 1 : 0;
  };
  const column = (b: EventColumns, name: 'x' | 'y' | 'p' | 'channel'): ArrayLike<number> => {
    const c = b[name];
    if (c === null || typeof c !== 'object' || typeof c.length !== 'number' || c.length < b.length) {
      throw new SpikeflowError(where, 'events', `events.${name} must be an array of at least ${b.length} numbers, received ${show(c)}`);
    }
    return c;
  };
  let shape: readonly number[];
  /** Flat index of event k of a batch of objects. */
  let indexOf: (e: SensorEvent, k: number) => number;
  /** Flat indices of a struct-of-arrays batch, as a function of k. */
  let indexIn: (b: EventColumns) => (k: number) => number;
  if ('channels' in sensor) {
    const C = checkInteger(where, 'sensor.channels', sensor.channels, 1);
    shape = [C];
    indexOf = (e, k) => coordinate(`events[${k}].channel`, (e as ChannelEvent).channel, C);
    indexIn = (b) => {
      const ch = column(b, 'channel');
      return (k) => coordinate(`events.channel[${k}]`, ch[k], C);
    };
  } else {
    const W = checkInteger(where, 'sensor.width', sensor.width, 1);
    const H = checkInteger(where, 'sensor.height', sensor.height, 1);
    const P = sensor.polarities ?? 2;
    if (P !== 1 && P !== 2) throw new SpikeflowError(where, 'sensor.polarities', `sensor.polarities must be 1 or 2, received ${show(P)}`);
    shape = [P, H, W];
    indexOf = (e, k) => {
      const c = e as CameraEvent;
      const x = coordinate(`events[${k}].x`, c.x, W);
      const y = coordinate(`events[${k}].y`, c.y, H);
      return (polarity(`events[${k}].p`, c.p, P) * H + y) * W + x;
    };
    indexIn = (b) => {
      const xs = column(b, 'x');
      const ys = column(b, 'y');
      const ps = column(b, 'p');
      return (k) => {
        const x = coordinate(`events.x[${k}]`, xs[k], W);
        const y = coordinate(`events.y[${k}]`, ys[k], H);
        return (polarity(`events.p[${k}]`, ps[k], P) * H + y) * W + x;
      };
    };
  }
  const M = shape.reduce((a, b) => a * b, 1);
  const chunkShape = (T: number): number[] => [T, 1, ...shape];
  const finiteTime = (name: string, t: unknown): number => {
    if (typeof t !== 'number' || !Number.isFinite(t))
      throw new SpikeflowError(where, 'events', `${name} must be a finite number, received ${show(t)}`);
    return t;
  };
  /** Reads a batch (array of event objects or struct of arrays): count, time and flat index of event k. */
  const readBatch = (batch: unknown): { length: number; time: (k: number) => number; index: (k: number) => number } => {
    if (Array.isArray(batch)) {
      const events = batch as readonly SensorEvent[];
      const eventAt = (k: number): SensorEvent => {
        const e = events[k];
        if (e === null || typeof e !== 'object')
          throw new SpikeflowError(where, 'events', `events[${k}] must be an event object, received ${show(e)}`);
        return e;
      };
      return { length: events.length, time: (k) => finiteTime(`events[${k}].t`, eventAt(k).t), index: (k) => indexOf(eventAt(k), k) };
    }
    const b = batch as EventColumns | null;
    if (b !== null && typeof b === 'object' && typeof b.length === 'number' && Number.isInteger(b.length) && b.length >= 0) {
      const ts = b.t;
      if (ts === null || typeof ts !== 'object' || typeof ts.length !== 'number' || ts.length < b.length) {
        throw new SpikeflowError(where, 'events', `events.t must be an array of at least ${b.length} numbers, received ${show(ts)}`);
      }
      return { length: b.length, time: (k) => finiteTime(`events.t[${k}]`, ts[k]), index: indexIn(b) };
    }
    throw new SpikeflowError(
      where,
      'events',
      `each input must be an array of events or a batch { length, t, x, y, p } / { length, t, channel }, received ${show(batch)}`,
    );
  };
  const lateError = (k: number, t: number, step: number, next: number): SpikeflowError =>
    new SpikeflowError(
      where,
      'events',
      `event ${k} of the batch, at t = ${show(t)} ${unit}, belongs to step ${step}, but steps before ${next} were already emitted ` +
        `(timestamps must not go back; set late: 'drop' to drop and count such events)`,
    );

  return {
    where,
    unit,
    width,
    policy,
    t0Option,
    clock,
    late,
    maxChunk,
    dtype,
    capacity,
    overflow,
    report,
    M,
    chunkShape,
    readBatch,
    lateError,
  };
};
