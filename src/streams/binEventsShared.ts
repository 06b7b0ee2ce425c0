/**
 * What the two `binEvents` operators share: the validated configuration ({@link binEventsConfig}).
 * The types are in `binEventsTypes.ts`, the buffers in `eventBuffers.ts`.
 * @module
 */
import { Observable } from 'rxjs';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import type { BinEventsOptions, CameraEvent, ChannelEvent, EventColumns, SensorEvent, TimeUnit } from './binEventsTypes.js';
import { checkDtype, checkInteger, checkOption, checkOptions, sinkOf } from './internal.js';

const UNITS_PER_SECOND: Readonly<Record<TimeUnit, number>> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

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
