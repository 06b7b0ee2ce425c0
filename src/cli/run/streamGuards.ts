/**
 * The operators that stand between an input file and a run: reading paced by a gate (real-time
 * pacing holds reading back), scaling and checking values, and the step limits of streamed inputs.
 * @module
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Tensor } from '../../ops/tensor.js';
import { checkSteps, checkWork, type Limits } from '../limits.js';
import { checkedInput } from './input.js';

/** An async iterable as an Observable that awaits `gate` before each read (backpressure for pacing). */
export const gated = <T>(iterable: AsyncIterable<T>, gate: (() => Promise<void>) | undefined): Observable<T> =>
  new Observable<T>((subscriber) => {
    const it = iterable[Symbol.asyncIterator]();
    let stopped = false;
    (async () => {
      for (;;) {
        if (gate !== undefined) await gate();
        if (stopped) return;
        const r = await it.next();
        if (r.done === true || stopped) break;
        subscriber.next(r.value);
      }
      if (!stopped) subscriber.complete();
    })().catch((e: unknown) => {
      if (!stopped) subscriber.error(e);
    });
    return () => {
      stopped = true;
      void it.return?.()?.catch(() => undefined);
    };
  });

/**
 * Scales and checks chunks, counting steps (for messages).
 * @param gain - factor applied to every value
 * @param what - what the values are, for error messages
 * @returns an operator erroring (RxJS error channel) with the {@link checkedInput} error on a non-finite or out-of-range value
 */
export const checked =
  (gain: number, what: string): OperatorFunction<Tensor, Tensor> =>
  (source) =>
    new Observable<Tensor>((subscriber) => {
      let step = 0;
      return source.subscribe({
        next: (t) => {
          let out: Tensor;
          try {
            out = checkedInput(t, gain, step, what);
          } catch (e) {
            subscriber.error(e);
            return;
          }
          step += t.shape[0] as number;
          subscriber.next(out);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });

/**
 * Refuses streamed inputs once they pass `--max-steps` or `--max-neuron-steps`.
 * @param limits - the run's limits
 * @param neurons - neurons of the network (for the neuron-step limit)
 * @param what - the input, for error messages
 * @returns an operator erroring with a `UsageError` (RxJS error channel) once a limit is passed
 */
export const stepGuard =
  (limits: Limits, neurons: number, what: string): OperatorFunction<Tensor, Tensor> =>
  (source) =>
    new Observable<Tensor>((subscriber) => {
      let steps = 0;
      return source.subscribe({
        next: (t) => {
          steps += t.shape[0] as number;
          try {
            checkSteps(limits, steps, what);
            checkWork(limits, steps, neurons, what);
          } catch (e) {
            subscriber.error(e);
            return;
          }
          subscriber.next(t);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
