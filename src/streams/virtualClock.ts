/**
 * The virtual clock: simulated time runs as fast as the code does, with no pacing at all.
 * @module
 */
import { Observable } from 'rxjs';
import { checkChunk, checkInteger, checkOptions, DEFAULT_CHUNK } from './internal.js';
import type { Tick } from './tick.js';

/** Options of {@link virtualClock}. */
export interface VirtualClockOptions {
  /** Total number of steps (integer ≥ 0, or `Infinity` for a clock that stops only when unsubscribed). Default `Infinity`. */
  readonly steps?: number;
  /**
   * Steps per tick (integer ≥ 1, default 100), or a list of sizes used in turn and repeated (e.g.
   * `[1, 7, 3]`); the last tick is cut to the remaining steps.
   */
  readonly chunk?: number | readonly number[];
}

/**
 * A clock that emits all its ticks synchronously on subscription, as fast as the subscribers
 * consume them (a 10 000-step run takes exactly as long as its computation). Ticks cover the
 * steps `0, 1, 2, …` without gaps; `lag` and `dropped` are always 0. An infinite clock stops when
 * the subscriber unsubscribes (e.g. through `take`).
 * @param options - `steps` (default `Infinity`) and `chunk` (default 100)
 * @returns an `Observable<Tick>`, cold: every subscription starts again at step 0
 * @throws SpikeflowError when `steps` or `chunk` are not integers in range
 */
export const virtualClock = (options: VirtualClockOptions = {}): Observable<Tick> => {
  const where = 'virtualClock';
  checkOptions(where, options, ['steps', 'chunk']);
  const steps = checkInteger(where, 'steps', options.steps ?? Number.POSITIVE_INFINITY, 0, true);
  const sizes = checkChunk(where, options.chunk ?? DEFAULT_CHUNK);
  return new Observable<Tick>((subscriber) => {
    let step = 0;
    let k = 0;
    while (step < steps && !subscriber.closed) {
      const n = Math.min(sizes[k] as number, steps - step);
      k = (k + 1) % sizes.length;
      subscriber.next({ step, steps: n, lag: 0, dropped: 0 });
      step += n;
    }
    subscriber.complete();
  });
};
