/**
 * Binning timestamped events into steps: the bin-edge rule (an event exactly on a boundary goes to
 * the later step), the sum and queue policies, camera and channel sensors, struct-of-arrays
 * batches, gaps, late events; with a clock: per-tick bins, the bounded buffer and its counted
 * drops under overload, completion and teardown (marble tests on RxJS's TestScheduler).
 */
import { from, map, type Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { concat, type Tensor, toNested } from '../../src/ops/tensor.js';
import { type BinEventsOptions, binEvents, type EventInput, type EventStats, type SensorEvent } from '../../src/streams/binEvents.js';
import { realTimeClock } from '../../src/streams/realTimeClock.js';
import type { Tick } from '../../src/streams/tick.js';
import { collect, streamError } from './helpers.js';

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A chunk `[T, 1, C]` as rows `T × C`. */
const rows = (t: Tensor): number[][] => (toNested(t) as number[][][]).map((r) => r[0] as number[]);

const ch = (t: number, channel: number): SensorEvent => ({ t, channel });

const us3: BinEventsOptions = { dt: 0.001, timeUnit: 'us', sensor: { channels: 3 } };

describe('binEvents without a clock (recordings)', () => {
  it('an event exactly on a bin boundary goes to the later step; each batch emits the steps it completed', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold<EventInput>('a b |', {
        a: [ch(0, 0), ch(999, 1), ch(1000, 2)],
        b: [ch(1999, 0), ch(2000, 1), ch(2000, 1)],
      });
      expectObservable(events.pipe(binEvents(us3), map(rows))).toBe('a b (c|)', {
        a: [[1, 1, 0]], // step 0 = [0, 1000) µs, closed by the event at 1000
        b: [[1, 0, 1]], // step 1 = [1000, 2000) µs
        c: [[0, 2, 0]], // step 2, emitted when the input completes (sum: two events of channel 1)
      });
    });
  });

  it("policy 'queue' merges nothing: repeated events of a channel wait for the next steps", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const events = cold<EventInput>('a b |', {
        a: [ch(0, 0), ch(10, 0), ch(20, 0), ch(1500, 1)],
        b: [ch(2000, 1), ch(2000, 1)],
      });
      expectObservable(events.pipe(binEvents({ ...us3, policy: 'queue' }), map(rows))).toBe('a b (c|)', {
        a: [[1, 0, 0]],
        b: [[1, 1, 0]], // the second channel-0 event of step 0 is delayed to step 1
        c: [
          [1, 1, 0], // the third, plus one of the two channel-1 events of step 2
          [0, 1, 0], // extra step at the end: the queue drains, no event lost
        ],
      });
    });
  });

  it('in seconds, boundaries that floating point misses by an ulp still follow the rule', () => {
    const events = [ch(0.0029999, 1), ch(0.003, 0), ch(0.043, 0), ch(0.1 + 0.2, 2)];
    const out = rows(concat(collect(binEvents({ dt: 0.001, timeUnit: 's', sensor: { channels: 3 } })(fromBatches([events])))));
    const stepOf = (c: number): number[] => out.flatMap((r, k) => ((r[c] as number) > 0 ? [k] : []));
    expect(0.043 / 0.001).toBeLessThan(43); // 42.99999999999999
    expect(stepOf(1)).toEqual([2]);
    expect(stepOf(0)).toEqual([3, 43]);
    expect(stepOf(2)).toEqual([300]);
    expect(0.7 / 0.1).toBeLessThan(7); // 6.999999999999999
    expect(stepOfMs(0.7)).toBe(7);
    expect(stepOfMs(0.69)).toBe(6);
    expect(stepOfMs(0.1 + 0.2)).toBe(3); // 0.30000000000000004
  });

  it('a camera sensor gives steps [1, 2, H, W] (ON plane 1); polarities: 1 merges them', () => {
    const events = [
      { t: 0, x: 1, y: 2, p: 1 },
      { t: 0, x: 3, y: 0, p: 0 },
      { t: 0, x: 3, y: 0, p: true },
      { t: 0, x: 0, y: 1, p: -1 },
    ];
    const [frame] = collect(binEvents({ dt: 0.001, timeUnit: 'us', sensor: { width: 4, height: 3 } })(fromBatches([events])));
    expect(frame?.shape).toEqual([1, 1, 2, 3, 4]);
    const off = [
      [0, 0, 0, 1],
      [1, 0, 0, 0],
      [0, 0, 0, 0],
    ];
    const on = [
      [0, 0, 0, 1],
      [0, 0, 0, 0],
      [0, 1, 0, 0],
    ];
    expect(toNested(frame as Tensor)).toEqual([[[off, on]]]);
    const [merged] = collect(
      binEvents({ dt: 0.001, timeUnit: 'us', sensor: { width: 4, height: 3, polarities: 1 } })(fromBatches([events])),
    );
    expect(merged?.shape).toEqual([1, 1, 1, 3, 4]);
    expect(Array.from(merged?.data ?? [])).toEqual([0, 0, 0, 2, 1, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('struct-of-arrays batches (as the readers produce) bin like event objects', () => {
    const objects = [
      { t: 10, x: 1, y: 0, p: 1 },
      { t: 1200, x: 0, y: 1, p: 0 },
      { t: 1300, x: 0, y: 1, p: 0 },
    ];
    const columns = {
      length: 3,
      t: Float64Array.from([10, 1200, 1300]),
      x: Uint16Array.from([1, 0, 0]),
      y: Uint16Array.from([0, 1, 1]),
      p: Uint8Array.from([1, 0, 0]),
    };
    const options: BinEventsOptions = { dt: 0.001, timeUnit: 'us', sensor: { width: 2, height: 2 } };
    const a = concat(collect(binEvents(options)(fromBatches([objects]))));
    const b = concat(collect(binEvents(options)(fromBatches([columns]))));
    expect(b.shape).toEqual([2, 1, 2, 2, 2]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(b.data)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
  });

  it('a gap emits its empty steps, at most maxChunk per chunk', () => {
    const chunks = collect(binEvents({ ...us3, maxChunk: 4 })(fromBatches([[ch(500, 0)], [ch(10_000, 2)]])));
    expect(chunks.map((c) => c.shape[0])).toEqual([4, 4, 2, 1]);
    const all = rows(concat(chunks));
    expect(all[0]).toEqual([1, 0, 0]);
    expect(all.slice(1, 10).every((r) => r.every((v) => v === 0))).toBe(true);
    expect(all[10]).toEqual([0, 0, 1]);
  });

  it("t0 sets the start of step 0; 'first' starts at the first event", () => {
    const first = rows(concat(collect(binEvents({ ...us3, t0: 'first' })(fromBatches([[ch(5_000_300, 1), ch(5_001_300, 2)]])))));
    expect(first).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const shifted = rows(concat(collect(binEvents({ ...us3, t0: 300 })(fromBatches([[ch(1299, 0), ch(1300, 1)]])))));
    expect(shifted).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it("late events error the stream by default; late: 'drop' drops and counts them", () => {
    const batches = [[ch(3000, 0)], [ch(1000, 1), ch(3500, 2)]];
    expect(streamError(binEvents(us3)(fromBatches(batches))).message).toBe(
      "binEvents: event 0 of the batch, at t = 1000 us, belongs to step 1, but steps before 3 were already emitted (timestamps must not go back; set late: 'drop' to drop and count such events)",
    );
    const stats: EventStats[] = [];
    const out = rows(concat(collect(binEvents({ ...us3, late: 'drop', stats: (s) => stats.push(s) })(fromBatches(batches)))));
    expect(out).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [1, 0, 1],
    ]);
    expect(stats[stats.length - 1]).toEqual({
      received: 3,
      binned: 2,
      dropped: 0,
      late: 1,
      buffered: 0,
      queued: 0,
      step: 4,
      lag: 0,
      droppedSteps: 0,
    });
  });

  it('bad events error the stream, naming the event', () => {
    const camera: BinEventsOptions = { dt: 0.001, timeUnit: 'us', sensor: { width: 4, height: 3 } };
    const run = (batch: unknown, o: BinEventsOptions = camera): string =>
      streamError(binEvents(o)(fromBatches([batch as EventInput]))).message;
    expect(
      run([
        { t: 0, x: 0, y: 0, p: 1 },
        { t: 1, x: 4, y: 0, p: 1 },
      ]),
    ).toBe('binEvents: events[1].x must be an integer in [0, 4), received 4');
    expect(run([{ t: Number.NaN, x: 0, y: 0, p: 1 }])).toBe('binEvents: events[0].t must be a finite number, received NaN');
    expect(run([{ t: 0, x: 0, y: 0, p: 'on' }])).toBe('binEvents: events[0].p must be a number or a boolean, received "on"');
    expect(run([ch(0, 3)], us3)).toBe('binEvents: events[0].channel must be an integer in [0, 3), received 3');
    expect(run({ length: 2, t: [0, 1], x: [0, 0], y: [0, 5], p: [1, 1] })).toBe(
      'binEvents: events.y[1] must be an integer in [0, 3), received 5',
    );
    expect(run({ length: 2, t: [0, 1], x: [0, 0], y: [0, 0] })).toBe(
      'binEvents: events.p must be an array of at least 2 numbers, received undefined',
    );
    expect(run(5)).toBe(
      'binEvents: each input must be an array of events or a batch { length, t, x, y, p } / { length, t, channel }, received 5',
    );
  });

  it('rejects bad options at construction', () => {
    expect(() => binEvents({ dt: 0.001, sensor: { channels: 2 } } as never)).toThrow(
      'binEvents: timeUnit must be one of "s", "ms", "us", "ns", received undefined',
    );
    expect(() => binEvents({ ...us3, dt: 0 })).toThrow('binEvents: dt must be > 0, received 0');
    expect(() => binEvents({ ...us3, policy: 'max' as never })).toThrow('binEvents: policy must be one of "sum", "queue", received "max"');
    expect(() => binEvents({ ...us3, sensor: { width: 0, height: 2 } })).toThrow(
      'binEvents: sensor.width must be an integer >= 1, received 0',
    );
    expect(() => binEvents({ ...us3, t0: Number.NaN })).toThrow('binEvents: t0 must be a finite number or "first", received NaN');
    expect(() => binEvents({ ...us3, capacity: 0 })).toThrow('binEvents: capacity must be an integer >= 1, received 0');
  });
});

describe('binEvents with a clock (live sensors)', () => {
  const ms2: BinEventsOptions = { dt: 0.01, timeUnit: 'ms', sensor: { channels: 2 } };

  it('every tick emits its steps; later events wait in the buffer, late ones are dropped and counted', () => {
    const stats: EventStats[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const clock = realTimeClock({ dt: 0.01, trigger: cold('10ms x 9ms x 9ms x 9ms x') });
      const events = cold<EventInput>('2ms a 9ms b 18ms c', {
        a: [ch(2, 0)],
        b: [ch(12, 1), ch(25, 0)], // t = 25 ms belongs to step 2: kept for the tick at 30 ms
        c: [ch(5, 1)], // arrives at 31 ms for step 0: late
      });
      expectObservable(events.pipe(binEvents({ ...ms2, clock, stats: (s) => stats.push(s) }), map(rows))).toBe('10ms a 9ms b 9ms c 9ms d', {
        a: [[1, 0]],
        b: [[0, 1]],
        c: [[1, 0]],
        d: [[0, 0]],
      });
    });
    expect(stats.map((s) => [s.received, s.binned, s.buffered, s.late, s.step])).toEqual([
      [1, 1, 0, 0, 1],
      [3, 2, 1, 0, 2],
      [3, 3, 0, 0, 3],
      [4, 3, 0, 1, 4],
    ]);
  });

  it('a full buffer drops events and counts them: dropNewest keeps the oldest, dropOldest the newest', () => {
    for (const [overflow, expected] of [
      ['dropNewest', [1, 1, 1, 0, 0]],
      ['dropOldest', [0, 0, 1, 1, 1]],
    ] as const) {
      const stats: EventStats[] = [];
      testScheduler().run(({ cold, expectObservable }) => {
        const clock = realTimeClock({ dt: 0.01, trigger: cold('10ms x') });
        const events = cold<EventInput>('1ms a', { a: [0, 1, 2, 3, 4].map((c) => ch(1, c)) });
        const options: BinEventsOptions = { ...ms2, sensor: { channels: 5 }, clock, capacity: 3, overflow, stats: (s) => stats.push(s) };
        expectObservable(events.pipe(binEvents(options), map(rows))).toBe('10ms a', { a: [expected] });
      });
      expect(stats[0]).toMatchObject({ received: 5, dropped: 2, binned: 3, buffered: 0 });
    }
  });

  it('under sustained overload memory stays bounded: the buffer never exceeds capacity and every event is counted', () => {
    const clock = new Subject<Tick>();
    const events = new Subject<EventInput>();
    const stats: EventStats[] = [];
    const sums: number[] = [];
    events
      .pipe(binEvents({ ...ms2, clock, capacity: 500, stats: (s) => stats.push(s) }))
      .subscribe((c) => sums.push(Array.from(c.data).reduce((a, v) => a + v, 0)));
    for (let k = 0; k < 100; k++) {
      // 2000 events for step k arrive before its tick: four times what the buffer holds
      for (let b = 0; b < 4; b++) events.next(Array.from({ length: 500 }, (_, j) => ch(10 * k + (j % 10), j % 2)));
      clock.next({ step: k, steps: 1, lag: 0, dropped: 0 });
    }
    expect(sums).toEqual(new Array(100).fill(500));
    expect(stats.every((s) => s.buffered <= 500)).toBe(true);
    expect(stats[99]).toMatchObject({ received: 200_000, binned: 50_000, dropped: 150_000, late: 0, buffered: 0, step: 100 });
  });

  it("policy 'queue' carries waiting events over to the next ticks", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const clock = realTimeClock({ dt: 0.01, trigger: cold('10ms x 9ms x 9ms x 9ms x') });
      const events = cold<EventInput>('1ms a', { a: [ch(1, 0), ch(2, 0), ch(3, 0), ch(4, 1)] });
      expectObservable(events.pipe(binEvents({ ...ms2, clock, policy: 'queue' }), map(rows))).toBe('10ms a 9ms b 9ms c 9ms d', {
        a: [[1, 1]],
        b: [[1, 0]],
        c: [[1, 0]],
        d: [[0, 0]],
      });
    });
  });

  it("t0 'first' aligns the first event with the next step to emit", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const clock = realTimeClock({ dt: 0.01, trigger: cold('10ms x 9ms x 9ms x') });
      const events = cold<EventInput>('12ms a 9ms b', { a: [ch(1_000_000, 1)], b: [ch(1_000_011, 0)] });
      expectObservable(events.pipe(binEvents({ ...ms2, clock, t0: 'first' }), map(rows))).toBe('10ms a 9ms b 9ms c', {
        a: [[0, 0]],
        b: [[0, 1]],
        c: [[1, 0]],
      });
    });
  });

  it('completes once the input has completed and every event is emitted; unsubscribing stops input and clock', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('10ms x 9ms x 9ms x 9ms x');
      const events = cold<EventInput>('1ms a 2ms |', { a: [ch(15, 1)] });
      expectObservable(events.pipe(binEvents({ ...ms2, clock: realTimeClock({ dt: 0.01, trigger }) }), map(rows))).toBe('10ms a 9ms (b|)', {
        a: [[0, 0]],
        b: [[0, 1]],
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 19ms !');
      const empty = cold<EventInput>('5ms |');
      expectObservable(empty.pipe(binEvents({ ...ms2, clock: realTimeClock({ dt: 0.01, trigger: cold('10ms x') }) }))).toBe('5ms |');
    });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('10ms x 9ms x 9ms x 9ms x');
      const events = cold<EventInput>('1ms a 30ms b', { a: [ch(1, 0)], b: [ch(31, 0)] });
      expectObservable(events.pipe(binEvents({ ...ms2, clock: realTimeClock({ dt: 0.01, trigger }) })), '^ 14ms !').toBe('10ms a', {
        a: expect.anything() as unknown as Tensor,
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 14ms !');
      expectSubscriptions(events.subscriptions).toBe('^ 14ms !');
    });
  });

  it("late: 'error' errors on an event that arrives after its step", () => {
    const clock = new Subject<Tick>();
    const events = new Subject<EventInput>();
    let error: unknown;
    events.pipe(binEvents({ ...ms2, clock, late: 'error' })).subscribe({ error: (e: unknown) => (error = e) });
    clock.next({ step: 0, steps: 2, lag: 0, dropped: 0 });
    events.next([ch(15, 0)]);
    clock.next({ step: 2, steps: 1, lag: 0, dropped: 0 });
    expect((error as Error).message).toBe(
      "binEvents: an event at t = 15 ms belongs to step 1, but the clock is at step 2 (set late: 'drop' to drop and count events that arrive too late)",
    );
    expect(events.observed).toBe(false);
    expect(clock.observed).toBe(false);
  });
});

/** A synchronous source of batches. */
const fromBatches = (batches: readonly EventInput[]): Observable<EventInput> => from(batches);

/** The step of one event at `t` ms for steps of 0.1 ms (= 0.0001 s). */
const stepOfMs = (t: number): number => {
  const chunks = collect(binEvents({ dt: 0.0001, timeUnit: 'ms', sensor: { channels: 1 } })(fromBatches([[ch(t, 0)]])));
  return (concat(chunks).shape[0] as number) - 1;
};
