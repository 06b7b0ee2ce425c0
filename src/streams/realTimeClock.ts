/**
 * The real-time clock: paces simulation steps to the wall clock, for live sensors and displays.
 * @module
 */
import {
  animationFrameScheduler,
  animationFrames,
  asyncScheduler,
  defer,
  EMPTY,
  filter,
  interval,
  map,
  Observable,
  type SchedulerLike,
  takeWhile,
} from 'rxjs';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import { checkInteger, checkOption, checkOptions, stepIndex } from './internal.js';
import type { Tick } from './tick.js';

/** What a real-time clock does when more steps are due than `maxSteps`. */
export type LagPolicy = 'lag' | 'drop';

/** Options of {@link realTimeClock}. */
export interface RealTimeClockOptions {
  /** Simulated time per step, in seconds (> 0); step k is due at wall time `start + (k + 1)·dt`. */
  readonly dt: number;
  /** Total number of steps (integer ≥ 0 or `Infinity`, the default). */
  readonly steps?: number;
  /**
   * Most steps in one tick (integer ≥ 1). Default: one second of simulated time, `ceil(1 / dt)`,
   * so that any stall shorter than a second is caught up in a single chunk.
   */
  readonly maxSteps?: number;
  /**
   * When more than `maxSteps` steps are due (the simulation cannot keep up):
   * - `'lag'` (default): emit `maxSteps` steps, fall behind wall time, and report the steps still
   *   due in `tick.lag`; no step is skipped, and later ticks catch up when the simulation is fast enough again;
   * - `'drop'`: skip the oldest due steps so that the tick ends at the current wall time (its
   *   `step` jumps ahead), and count the skipped steps in `tick.dropped`. Simulated time stays
   *   aligned with wall time; skipped steps are never produced.
   */
  readonly policy?: LagPolicy;
  /**
   * The scheduler whose `now()` is the wall clock (ms) and which runs the default trigger.
   * Default: `animationFrameScheduler` where `requestAnimationFrame` exists (browsers), else
   * `asyncScheduler` (Node timers). `TestScheduler.run` replaces both with virtual time.
   */
  readonly scheduler?: SchedulerLike;
  /**
   * When to look at the wall clock and emit the steps that have become due. Default: every
   * animation frame in a browser (`animationFrames()`); otherwise every `max(1, dt·1000)` ms on the
   * scheduler (Node timers). Any observable works (e.g. a marble stream in tests).
   */
  readonly trigger?: Observable<unknown>;
}

/**
 * A clock paced to wall time. On subscription it notes the wall time `start`; whenever its trigger
 * fires it emits one tick with every step whose interval `[k·dt, (k+1)·dt)` has fully elapsed and
 * that it has not emitted yet. A late trigger (a stall: a long frame, GC, a slow chunk) therefore
 * yields one larger chunk that catches up, and the clock never drifts: step k always belongs to
 * wall time `start + k·dt`. When more than `maxSteps` are due, the `policy` decides (see
 * {@link RealTimeClockOptions.policy}). Unsubscribing stops the trigger (its timers).
 * @returns an `Observable<Tick>`, cold: every subscription has its own `start`
 * @throws SpikeflowError for `dt ≤ 0`, bad `steps`/`maxSteps`, an unknown policy
 */
export const realTimeClock = (options: RealTimeClockOptions): Observable<Tick> => {
  const where = 'realTimeClock';
  checkOptions(where, options, ['dt', 'steps', 'maxSteps', 'policy', 'scheduler', 'trigger']);
  const dt = orThrow(where)(checkDt(options.dt));
  const steps = checkInteger(where, 'steps', options.steps ?? Number.POSITIVE_INFINITY, 0, true);
  const maxSteps = checkInteger(where, 'maxSteps', options.maxSteps ?? Math.max(1, Math.ceil(1 / dt)), 1);
  const policy = checkOption(where, 'policy', options.policy ?? 'lag', ['lag', 'drop'] as const);
  const browser = typeof (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame === 'function';
  const scheduler = options.scheduler ?? (browser ? animationFrameScheduler : asyncScheduler);
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.now !== 'function') {
    throw new SpikeflowError(where, 'scheduler', `scheduler must be an RxJS scheduler, received ${show(scheduler)}`);
  }
  const dtMs = dt * 1000;
  const trigger =
    options.trigger ??
    (options.scheduler === undefined && browser
      ? animationFrames()
      : interval(scheduler === animationFrameScheduler ? 0 : Math.max(1, dtMs), scheduler));
  if (!(trigger instanceof Observable)) {
    throw new SpikeflowError(where, 'trigger', `trigger must be an Observable, received ${show(trigger)}`);
  }
  if (steps === 0) return EMPTY;
  return defer(() => {
    const start = scheduler.now();
    let next = 0;
    let dropped = 0;
    const tickNow = (): Tick | undefined => {
      const due = Math.min(stepIndex(scheduler.now() - start, dtMs), steps);
      const n = due - next;
      if (n <= 0) return undefined;
      if (n <= maxSteps) {
        const tick = { step: next, steps: n, lag: 0, dropped };
        next = due;
        return tick;
      }
      if (policy === 'lag') {
        const tick = { step: next, steps: maxSteps, lag: n - maxSteps, dropped };
        next += maxSteps;
        return tick;
      }
      dropped += n - maxSteps;
      next = due;
      return { step: due - maxSteps, steps: maxSteps, lag: 0, dropped };
    };
    return trigger.pipe(
      map(tickNow),
      filter((tick): tick is Tick => tick !== undefined),
      takeWhile(() => next < steps, true),
    );
  });
};
