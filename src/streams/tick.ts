/**
 * Clocks: what drives a stream's time steps. A clock is an `Observable<Tick>`; each tick asks the
 * sources to produce the steps `[step, step + steps)` as one chunk `[steps, batch, ...]`.
 * {@link virtualClock} ticks as fast as possible, {@link realTimeClock} paces ticks to wall time.
 * @module
 */
import type { Observable } from 'rxjs';

/** One tick of a clock: the simulation steps to produce now. */
export interface Tick {
  /** Index of the first step of this chunk (simulated time `step · dt`). */
  readonly step: number;
  /** Number of steps in this chunk (T ≥ 1). */
  readonly steps: number;
  /** Steps already due by wall time but not yet produced after this tick (0 for a virtual clock). */
  readonly lag: number;
  /** Steps skipped so far under the `drop` policy of a real-time clock (0 otherwise). */
  readonly dropped: number;
}

/** A source of ticks; see {@link virtualClock} and {@link realTimeClock}. */
export type Clock = Observable<Tick>;
