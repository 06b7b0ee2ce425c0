/**
 * Clocks, timed with RxJS's TestScheduler (marble diagrams, virtual time): the virtual clock is
 * never paced; the real-time clock paces steps to wall time, catches up after a stall in one
 * chunk, and follows its lag/drop policy; sources follow their clock; unsubscribing stops clocks.
 */
import { count, map, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { neuron } from '../../src/neurons/sequential.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { constantCurrent } from '../../src/streams/constantCurrent.js';
import { fromSteps } from '../../src/streams/fromSteps.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { layer } from '../../src/streams/layer.js';
import { realTimeClock } from '../../src/streams/realTimeClock.js';
import type { Tick } from '../../src/streams/tick.js';
import { virtualClock } from '../../src/streams/virtualClock.js';

const testScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const tick = (step: number, steps: number, lag = 0, dropped = 0): Tick => ({ step, steps, lag, dropped });

describe('virtualClock', () => {
  it('a 10 000-step run is not paced: every tick happens at virtual time 0', () => {
    testScheduler().run(({ expectObservable }) => {
      expectObservable(virtualClock({ steps: 10_000, chunk: 100 }).pipe(count())).toBe('(a|)', { a: 100 });
      expectObservable(virtualClock({ steps: 10_000, chunk: 1 }).pipe(count())).toBe('(a|)', { a: 10_000 });
    });
  });

  it('emits all ticks synchronously, covering the steps without gaps; chunk lists cycle and the last tick is cut', () => {
    const ticks: Tick[] = [];
    virtualClock({ steps: 10, chunk: [1, 3] }).subscribe((t) => ticks.push(t));
    expect(ticks).toEqual([tick(0, 1), tick(1, 3), tick(4, 1), tick(5, 3), tick(8, 1), tick(9, 1)]);
  });

  it('an infinite clock stops when the subscriber unsubscribes', () => {
    const ticks: Tick[] = [];
    virtualClock({ chunk: 5 })
      .pipe(take(3))
      .subscribe((t) => ticks.push(t));
    expect(ticks).toEqual([tick(0, 5), tick(5, 5), tick(10, 5)]);
  });

  it('rejects bad options', () => {
    expect(() => virtualClock({ chunk: 0 })).toThrow('virtualClock: chunk must be an integer >= 1, received 0');
    expect(() => virtualClock({ chunk: [2, 1.5] })).toThrow('virtualClock: chunk[1] must be an integer >= 1, received 1.5');
    expect(() => virtualClock({ steps: -1 })).toThrow('virtualClock: steps must be an integer >= 0 or Infinity, received -1');
  });
});

describe('realTimeClock', () => {
  it('paces one step per dt of wall time (default trigger: a timer every dt)', () => {
    testScheduler().run(({ expectObservable }) => {
      const clock = realTimeClock({ dt: 0.01, steps: 4 });
      expectObservable(clock).toBe('10ms a 9ms b 9ms c 9ms (d|)', { a: tick(0, 1), b: tick(1, 1), c: tick(2, 1), d: tick(3, 1) });
    });
  });

  it('steps shorter than the trigger period come several per tick, aligned to wall time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // dt = 4 ms, looked at every 10 ms: steps due at 10 ms: 2 (0–8 ms), at 20 ms: 5, at 30 ms: 7
      const trigger = cold('10ms x 9ms x 9ms x');
      expectObservable(realTimeClock({ dt: 0.004, trigger })).toBe('10ms a 9ms b 9ms c', { a: tick(0, 2), b: tick(2, 3), c: tick(5, 2) });
    });
  });

  it('catches up after a stall in one chunk, then continues without drift', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // frames at 10, 60 (a 40 ms stall), 70 and 80 ms; dt = 10 ms
      const trigger = cold('10ms x 49ms x 9ms x 9ms x');
      expectObservable(realTimeClock({ dt: 0.01, trigger })).toBe('10ms a 49ms b 9ms c 9ms d', {
        a: tick(0, 1),
        b: tick(1, 5),
        c: tick(6, 1),
        d: tick(7, 1),
      });
    });
  });

  it("policy 'lag': at most maxSteps per tick, reporting the steps still due, until caught up", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('10ms x 49ms x 9ms x 9ms x 9ms x');
      expectObservable(realTimeClock({ dt: 0.01, trigger, maxSteps: 2, policy: 'lag' })).toBe('10ms a 49ms b 9ms c 9ms d 9ms e', {
        a: tick(0, 1),
        b: tick(1, 2, 3), // 5 due at 60 ms
        c: tick(3, 2, 2), // 4 due at 70 ms
        d: tick(5, 2, 1),
        e: tick(7, 2, 0),
      });
    });
  });

  it("policy 'drop': skips the oldest due steps and counts them; simulated time stays on wall time", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('10ms x 49ms x 9ms x 89ms x');
      expectObservable(realTimeClock({ dt: 0.01, trigger, maxSteps: 2, policy: 'drop' })).toBe('10ms a 49ms b 9ms c 89ms d', {
        a: tick(0, 1),
        b: tick(4, 2, 0, 3), // steps 1–3 dropped
        c: tick(6, 1, 0, 3),
        d: tick(14, 2, 0, 10), // steps 7–13 dropped
      });
    });
  });

  it('the default maxSteps (one second) catches up a 0.5 s stall in one chunk', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('1ms x 499ms x');
      expectObservable(realTimeClock({ dt: 0.001, trigger })).toBe('1ms a 499ms b', { a: tick(0, 1), b: tick(1, 500) });
    });
  });

  it('a trigger firing before a step is due emits nothing', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('x 4ms x 4ms x 4ms x');
      expectObservable(realTimeClock({ dt: 0.01, trigger })).toBe('10ms a', { a: tick(0, 1) });
    });
  });

  it('unsubscribing stops the clock’s trigger (its timers)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('5ms x 4ms x 4ms x 4ms x 4ms x 4ms x');
      expectObservable(realTimeClock({ dt: 0.005, trigger }), '^ 11ms !').toBe('5ms a 4ms b', { a: tick(0, 1), b: tick(1, 1) });
      expectSubscriptions(trigger.subscriptions).toBe('^ 11ms !');
    });
  });

  it('completes after `steps` steps and unsubscribes from the trigger', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('10ms x 19ms x 9ms x');
      expectObservable(realTimeClock({ dt: 0.01, steps: 3, trigger })).toBe('10ms a 19ms (b|)', { a: tick(0, 1), b: tick(1, 2) });
      expectSubscriptions(trigger.subscriptions).toBe('^ 29ms !');
    });
  });

  it('in a browser (requestAnimationFrame exists) it looks at the clock on every animation frame', () => {
    vi.stubGlobal('requestAnimationFrame', () => 0);
    try {
      testScheduler().run(({ animate, expectObservable }) => {
        animate('16ms x 15ms x 99ms x');
        // frames at 16, 32 and 132 ms; dt = 10 ms
        expectObservable(realTimeClock({ dt: 0.01 })).toBe('16ms a 15ms b 99ms c', { a: tick(0, 1), b: tick(1, 2), c: tick(3, 10) });
      });
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('rejects bad options', () => {
    expect(() => realTimeClock({ dt: 0 })).toThrow('realTimeClock: dt must be > 0, received 0');
    expect(() => realTimeClock({ dt: 0.001, policy: 'skip' as never })).toThrow(
      'realTimeClock: policy must be one of "lag", "drop", received "skip"',
    );
    expect(() => realTimeClock({ dt: 0.001, maxSteps: 0 })).toThrow('realTimeClock: maxSteps must be an integer >= 1, received 0');
    expect(() => realTimeClock({ dt: 0.001, trigger: 5 as never })).toThrow('realTimeClock: trigger must be an Observable, received 5');
  });
});

describe('sources follow their clock', () => {
  const ramp = (T: number): Tensor =>
    fromTypedArray(
      Float64Array.from({ length: T }, (_, k) => k),
      [T, 1, 1],
    );
  const values = (t: Tensor): number[] => Array.from(t.data);

  it('fromTensor paced in real time: each tick emits its steps; completes after the last one', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('10ms x 29ms x 9ms x 9ms x');
      const clock = realTimeClock({ dt: 0.01, trigger });
      expectObservable(fromTensor(ramp(5), { clock }).pipe(map(values))).toBe('10ms a 29ms b 9ms (c|)', {
        a: [0],
        b: [1, 2, 3],
        c: [4],
      });
    });
  });

  it('a source over a dropping clock skips the dropped steps of its input', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const trigger = cold('10ms x 49ms x 9ms x');
      const clock = realTimeClock({ dt: 0.01, trigger, maxSteps: 2, policy: 'drop' });
      expectObservable(fromTensor(ramp(10), { clock }).pipe(map(values))).toBe('10ms a 49ms b 9ms c', { a: [0], b: [4, 5], c: [6] });
      const steps = fromSteps(
        function* () {
          for (let k = 0; ; k++) yield [[k]];
        },
        { clock },
      );
      expectObservable(steps.pipe(map(values))).toBe('10ms a 49ms b 9ms c', { a: [0], b: [4, 5], c: [6] });
    });
  });

  it('the same pipeline runs paced or as fast as possible with the same spikes', () => {
    const x = constantCurrent(0.3, { shape: [1, 2], dtype: 'float64', steps: 40 });
    const fast: number[] = [];
    x.pipe(layer(neuron(lif))).subscribe((z) => fast.push(...z.data));
    testScheduler().run(({ expectObservable }) => {
      const clock = realTimeClock({ dt: 0.001, steps: 40 });
      const paced = constantCurrent(0.3, { shape: [1, 2], dtype: 'float64', clock }).pipe(
        layer(neuron(lif)),
        map((z) => Array.from(z.data)),
      );
      const expected: Record<string, number[]> = {};
      let marbles = '';
      for (let k = 0; k < 40; k++) {
        const key = k < 26 ? String.fromCharCode(97 + k) : String.fromCharCode(65 + k - 26); // a–z, then A–N
        expected[key] = fast.slice(2 * k, 2 * k + 2);
        marbles += k === 39 ? `(${key}|)` : `${key} `;
      }
      expectObservable(paced).toBe(`1ms ${marbles}`, expected);
    });
    expect(fast.filter((z) => z === 1).length).toBeGreaterThan(0);
  });
});
