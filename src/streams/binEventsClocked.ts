/**
 * `binEvents` with a clock: a bounded buffer between the sensor and the clock's ticks (see {@link binEvents}).
 * @module
 */
import { Observable, type OperatorFunction, takeWhile } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import { allocate, fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { BinEventsConfig } from './binEventsShared.js';
import type { EventInput } from './binEventsTypes.js';
import { EventRing, Pending } from './eventBuffers.js';
import { stepIndex } from './internal.js';
import type { Tick } from './tick.js';

/** The clocked operator of {@link binEvents}: one chunk per tick of `clock`. */
export const binEventsClocked = (c: BinEventsConfig, clock: Observable<Tick>): OperatorFunction<EventInput, Tensor> => {
  const { where, unit, width, policy, t0Option, late, dtype, capacity, overflow, report, M, chunkShape, readBatch } = c;
  return (source) =>
    new Observable<Tensor>((subscriber) => {
      let t0 = t0Option === 'first' ? undefined : t0Option;
      let next = 0; // first step not yet emitted
      let received = 0;
      let binned = 0;
      let dropped = 0;
      let lateCount = 0;
      let lag = 0;
      let droppedSteps = 0;
      const pending = new Pending(M, policy === 'queue');
      const ring = new EventRing(capacity);
      const stats = (): void =>
        report?.({
          received,
          binned,
          dropped,
          late: lateCount,
          buffered: ring.length,
          queued: pending.total,
          step: next,
          lag,
          droppedSteps,
        });
      // Clocked mode: a bounded buffer between the sensor and the ticks.
      let inputDone = false;
      const drained = (): boolean => ring.length === 0 && pending.total === 0;
      const input = source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (batch) => {
          try {
            const events = readBatch(batch);
            for (let k = 0; k < events.length; k++) {
              const t = events.time(k);
              const index = events.index(k);
              received++;
              if (t0 === undefined) t0 = t - next * width;
              if (ring.length >= capacity) {
                dropped++;
                if (overflow === 'dropNewest') continue;
                ring.shift();
              }
              ring.push(t, index);
            }
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          inputDone = true;
          if (drained()) subscriber.complete();
        },
      });
      const ticks = clock.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (tick) => {
          try {
            const { step, steps } = tick;
            const out = allocate(dtype, steps * M);
            const end = step + steps;
            const rowOf: number[] = [];
            const indexes: number[] = [];
            for (let n = ring.length; n > 0; n--) {
              const et = ring.firstT();
              const ei = ring.firstIndex();
              ring.shift();
              const s = stepIndex(et - (t0 as number), width);
              if (s >= end) {
                ring.push(et, ei);
              } else if (s < step) {
                if (late === 'error') {
                  throw new SpikeflowError(
                    where,
                    'events',
                    `an event at t = ${show(et)} ${unit} belongs to step ${s}, but the clock is at step ${step} ` +
                      `(set late: 'drop' to drop and count events that arrive too late)`,
                  );
                }
                lateCount++;
              } else if (policy === 'sum') {
                out[(s - step) * M + ei] = (out[(s - step) * M + ei] as number) + 1;
                binned++;
              } else {
                rowOf.push(s - step);
                indexes.push(ei);
                binned++;
              }
            }
            if (policy === 'queue') {
              // counting sort of the tick's events by step, then one step at a time
              const starts = new Int32Array(steps + 1);
              for (const r of rowOf) starts[r + 1] = (starts[r + 1] as number) + 1;
              for (let r = 0; r < steps; r++) starts[r + 1] = (starts[r + 1] as number) + (starts[r] as number);
              const order = new Int32Array(rowOf.length);
              const fill = starts.slice(0, steps);
              rowOf.forEach((r, k) => {
                order[fill[r] as number] = k;
                fill[r] = (fill[r] as number) + 1;
              });
              for (let r = 0; r < steps; r++) {
                for (let j = starts[r] as number; j < (starts[r + 1] as number); j++) pending.add(indexes[order[j] as number] as number);
                pending.emit(out, r * M);
              }
            }
            next = end;
            lag = tick.lag;
            droppedSteps = tick.dropped;
            subscriber.next(fromTypedArray(out, chunkShape(steps)));
            stats();
            if (inputDone && drained()) subscriber.complete();
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        input.unsubscribe();
        ticks.unsubscribe();
        ring.clear();
      };
    });
};
