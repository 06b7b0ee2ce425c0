/**
 * `binEvents` without a clock: time advances with the events' timestamps (see {@link binEvents}).
 * @module
 */
import { Observable, type OperatorFunction, takeWhile } from 'rxjs';
import { allocate, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';
import type { BinEventsConfig } from './binEventsShared.js';
import type { EventInput } from './binEventsTypes.js';
import { Pending } from './eventBuffers.js';
import { stepIndex } from './internal.js';

/** The virtual-time operator of {@link binEvents} for a validated configuration. */
export const binEventsVirtual = (c: BinEventsConfig): OperatorFunction<EventInput, Tensor> => {
  const { width, policy, t0Option, late, maxChunk, dtype, report, M, chunkShape, readBatch, lateError } = c;
  return (source) =>
    new Observable<Tensor>((subscriber) => {
      let t0 = t0Option === 'first' ? undefined : t0Option;
      let next = 0; // first step not yet emitted
      let received = 0;
      let binned = 0;
      let lateCount = 0;
      const pending = new Pending(M, policy === 'queue');
      const stats = (): void =>
        report?.({
          received,
          binned,
          dropped: 0,
          late: lateCount,
          buffered: 0,
          queued: pending.total,
          step: next,
          lag: 0,
          droppedSteps: 0,
        });
      // Virtual mode: time advances with the timestamps.
      let buffer: TensorData | undefined;
      let rows = 0;
      let started = false;
      const flush = (): void => {
        if (rows === 0 || buffer === undefined) return;
        const data = rows === maxChunk ? buffer : buffer.slice(0, rows * M);
        buffer = undefined;
        const T = rows;
        rows = 0;
        subscriber.next(fromTypedArray(data, chunkShape(T)));
        stats();
      };
      const room = (): number => {
        if (buffer === undefined) buffer = allocate(dtype, maxChunk * M);
        return maxChunk - rows;
      };
      /** Emits the steps `next, …, until − 1` (the open step first). */
      const advance = (until: number): void => {
        while (next < until && !subscriber.closed) {
          room();
          if (pending.total > 0) {
            pending.emit(buffer as TensorData, rows * M);
            rows++;
            next++;
          } else {
            const n = Math.min(until - next, room());
            rows += n;
            next += n;
          }
          if (rows === maxChunk) flush();
        }
      };
      return source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (batch) => {
          try {
            const events = readBatch(batch);
            for (let k = 0; k < events.length && !subscriber.closed; k++) {
              const t = events.time(k);
              const index = events.index(k);
              received++;
              if (t0 === undefined) t0 = t;
              const step = stepIndex(t - t0, width);
              if (step < next) {
                if (late === 'error') throw lateError(k, t, step, next);
                lateCount++;
                continue;
              }
              started = true;
              advance(step);
              pending.add(index);
              binned++;
            }
            if (!subscriber.closed) flush();
          } catch (e) {
            subscriber.error(e);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (started) {
            advance(next + 1);
            while (pending.total > 0 && !subscriber.closed) advance(next + 1);
            if (subscriber.closed) return;
            flush();
          }
          subscriber.complete();
        },
      });
    });
};
