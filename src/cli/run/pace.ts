/**
 * Real-time pacing of `spikeflow run --realtime`: the input's chunks are released step by step as
 * {@link realTimeClock} says they are due, and reading is held back (a gate the source awaits
 * before each read) while more than a few chunks wait, so a file is not read ahead into memory.
 * @module
 */
import { interval, Observable, type OperatorFunction } from 'rxjs';
import { slice, type Tensor } from '../../ops/tensor.js';
import { realTimeClock } from '../../streams/realTimeClock.js';

/** A pacer: the operator that releases chunks on the clock, and the gate the source awaits. */
export interface Pacer {
  readonly pace: OperatorFunction<Tensor, Tensor>;
  readonly gate: () => Promise<void>;
}

/**
 * Paces chunks `[T, ...]` to wall time with `realTimeClock` (policy `lag`: no step is dropped, a
 * stall is caught up in pieces of at most `4·chunkSteps` steps, never one huge chunk).
 * @param dt - seconds per step
 * @param chunkSteps - the run's chunk length (bounds the catch-up and the read-ahead)
 */
export const pacer = (dt: number, chunkSteps: number): Pacer => {
  const high = 4 * chunkSteps;
  let queued = 0;
  let waiters: (() => void)[] = [];
  const release = (): void => {
    if (queued >= high || waiters.length === 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const gate = (): Promise<void> => (queued < high ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));
  const pace: OperatorFunction<Tensor, Tensor> = (source) =>
    new Observable<Tensor>((subscriber) => {
      const queue: Tensor[] = [];
      let owed = 0;
      let done = false;
      const drain = (): void => {
        while (owed > 0 && queue.length > 0) {
          const head = queue[0] as Tensor;
          const T = head.shape[0] as number;
          const n = Math.min(owed, T);
          if (n === T) queue.shift();
          else queue[0] = slice(head, n);
          owed -= n;
          queued -= n;
          subscriber.next(n === T ? head : slice(head, 0, n));
        }
        release();
        if (done && queue.length === 0 && !subscriber.closed) subscriber.complete();
      };
      const tickMs = Math.max(1, Math.min(50, dt * 1000 * chunkSteps));
      const clock = realTimeClock({ dt, maxSteps: high, policy: 'lag', trigger: interval(tickMs) }).subscribe((tick) => {
        owed += tick.steps;
        drain();
      });
      const input = source.subscribe({
        next: (t) => {
          queue.push(t);
          queued += t.shape[0] as number;
          drain();
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          done = true;
          drain();
        },
      });
      return () => {
        clock.unsubscribe();
        input.unsubscribe();
        queued = 0;
        release();
      };
    });
  return { pace, gate };
};
