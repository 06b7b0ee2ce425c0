/**
 * `binEvents`: timestamped sensor events (event cameras, cochleas) binned into time steps.
 * @module
 */
import type { OperatorFunction } from 'rxjs';
import type { Tensor } from '../ops/tensor.js';
import { binEventsClocked } from './binEventsClocked.js';
import { binEventsConfig } from './binEventsShared.js';
import type { BinEventsOptions, EventInput } from './binEventsTypes.js';
import { binEventsVirtual } from './binEventsVirtual.js';

export type {
  BinEventsOptions,
  BinPolicy,
  CameraEvent,
  ChannelEvent,
  EventColumns,
  EventInput,
  EventSensor,
  EventStats,
  OverflowPolicy,
  SensorEvent,
  TimeUnit,
} from './binEventsTypes.js';

/**
 * Bins timestamped events into time steps of `dt`: an operator from batches of events (arrays
 * of `{ t, x, y, p }` / `{ t, channel }`, or struct-of-arrays {@link EventColumns} as the file and
 * device readers deliver them) to chunks `[T, 1, ...sensor]`. Any event source plugs in:
 * `from(asyncIterable).pipe(binEvents(...))`, a WebSocket subject, a file reader.
 *
 * **Bins.** Step k covers the timestamps `[t0 + k·dt, t0 + (k+1)·dt)`: an event exactly on a
 * boundary belongs to the later step (half-open bins, as `numpy.histogram` except for its last
 * bin, and Tonic's `ToFrame` with `time_window`). `dt` is converted to `timeUnit`s and snapped to
 * an integer when within 1e-9 of one, and an event within a relative 1e-9 of a boundary counts
 * as on it, so `0.043 s` is in step 43 of `dt = 0.001 s` (`0.043 / 0.001` is 42.99999999999999). Events within a step are combined by the
 * `policy` (`'sum'` counts them, `'queue'` never merges them; see {@link BinPolicy}).
 *
 * **Without a clock** (recordings; as fast as possible): time advances with the timestamps. A
 * step is emitted once an event of a later step arrives, so each batch emits the steps it
 * completed (empty steps in gaps included, at most `maxChunk` per chunk); when the input
 * completes the last open step (and, with `'queue'`, any queued events) is emitted too.
 * Timestamps must not go backwards past an emitted step (`late`).
 *
 * **With a clock** (live sensors): arriving events wait in a bounded buffer of `capacity` events
 * (memory stays bounded however fast they arrive; an overflow drops events by the `overflow`
 * policy and counts them in `dropped`). Every tick emits exactly its steps: the buffered events
 * whose step lies in the tick, and zeros where there are none; events of later steps stay
 * buffered, events of earlier steps (or of steps the clock dropped) are late. The stream completes
 * when the clock completes, or when the input has completed and every event has been emitted.
 *
 * Unsubscribing unsubscribes from the input and the clock and releases the buffer.
 * @param options - see {@link BinEventsOptions}: `dt`, `timeUnit` and `sensor` are required
 * @throws SpikeflowError (at construction) for invalid options; the stream errors with a
 *   SpikeflowError for an event that is not an object (or batch) with integer coordinates inside
 *   the sensor and a finite `t`, and for a late event under `late: 'error'`
 */
export const binEvents = (options: BinEventsOptions): OperatorFunction<EventInput, Tensor> => {
  const c = binEventsConfig(options);
  return c.clock === undefined ? binEventsVirtual(c) : binEventsClocked(c, c.clock);
};
