/**
 * The clock-driven chunk source behind every tensor source (not part of the public API).
 * @module
 */
import { EMPTY, filter, map, Observable, takeWhile } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import type { Tensor } from '../ops/tensor.js';
import { checkChunk, DEFAULT_CHUNK } from './internal.js';
import type { Tick } from './tick.js';
import { virtualClock } from './virtualClock.js';

/** Options every tensor source shares. */
export interface ClockedOptions {
  /** Steps per chunk for the default virtual clock (integer ≥ 1 or a list of sizes; default 100). Not allowed with `clock`. */
  readonly chunk?: number | readonly number[];
  /**
   * The clock that decides when and how many steps to produce: default a {@link virtualClock} (as
   * fast as possible, `chunk` steps per chunk); a {@link realTimeClock} paces the source to wall time.
   */
  readonly clock?: Observable<Tick>;
}

/**
 * The clock of a source: `options.clock`, or a virtual clock of `total` steps in chunks of `options.chunk`.
 * @throws SpikeflowError (`clock`, `chunk`) for a clock that is not an Observable, a bad chunk, or both given
 */
export const resolveClock = (where: string, options: ClockedOptions, total: number): Observable<Tick> => {
  if (options.clock === undefined) return virtualClock({ steps: total, chunk: checkChunk(where, options.chunk ?? DEFAULT_CHUNK) });
  if (!(options.clock instanceof Observable)) {
    throw new SpikeflowError(
      where,
      'clock',
      `clock must be an Observable of ticks (virtualClock, realTimeClock), received ${show(options.clock)}`,
    );
  }
  if (options.chunk !== undefined) {
    throw new SpikeflowError(where, 'chunk', `chunk cannot be combined with clock: the clock's ticks set the chunk sizes`);
  }
  return options.clock;
};

/**
 * A source driven by a clock: for every tick, emits `make(start, end)` for the steps
 * `[start, end)` of the tick clipped to `[0, total)`, and completes after the step `total − 1`
 * (or when the clock completes). Built from operators, so unsubscribing stops even a synchronous
 * (virtual) clock at once. An error thrown by `make` errors the stream.
 */
export const clockedSource = (clock: Observable<Tick>, total: number, make: (start: number, end: number) => Tensor): Observable<Tensor> =>
  total === 0
    ? EMPTY
    : clock.pipe(
        takeWhile((tick) => tick.step + tick.steps < total, true),
        filter((tick) => tick.step < total),
        map((tick) => make(tick.step, Math.min(tick.step + tick.steps, total))),
      );

/**
 * A source of `total` steps in chunks `make(start, end)`: over `options.clock` when given (see
 * {@link clockedSource}); else, for the default virtual clock, one synchronous loop over the chunk
 * sizes in turn (the last chunk cut to the remaining steps) — the chunks `clockedSource(virtualClock(…))`
 * emits, without a tick and three operators per chunk.
 * @throws SpikeflowError for an invalid `chunk` or `clock` option (as {@link resolveClock})
 */
export const chunkedSource = (
  where: string,
  options: ClockedOptions,
  total: number,
  make: (start: number, end: number) => Tensor,
): Observable<Tensor> => {
  if (options.clock !== undefined) return clockedSource(resolveClock(where, options, total), total, make);
  const sizes = checkChunk(where, options.chunk ?? DEFAULT_CHUNK);
  if (total === 0) return EMPTY;
  return new Observable<Tensor>((subscriber) => {
    let step = 0;
    let k = 0;
    while (step < total && !subscriber.closed) {
      const end = Math.min(step + (sizes[k] as number), total);
      k = k + 1 === sizes.length ? 0 : k + 1;
      subscriber.next(make(step, end));
      step = end;
    }
    subscriber.complete();
  });
};
