import { describe, expect, it } from 'vitest';
import { GiB, PROCESS_BASE_BYTES, planMemory, startWatchdog, watchdogMessage } from '../../bench/memoryGuard.js';

describe('planMemory', () => {
  const floorBytes = 1.5 * GiB;
  it('keeps inputs between runs while both processes fit in half the room', () => {
    // N = 1e5, T = 1000: one array 0.4 GB; 7 of them and two process bases ≈ 4.3 GB
    const plan = planMemory({ N: 1e5, T: 1000, allocator: 'default', availableBytes: 20 * GiB, floorBytes });
    expect(plan).toEqual({ mode: 'keep', needBytes: 7 * 4e8 + 2 * PROCESS_BASE_BYTES });
    // with 8 GiB above the floor, 4.3 GB is more than half of it: turns
    expect(planMemory({ N: 1e5, T: 1000, allocator: 'default', availableBytes: 9.5 * GiB, floorBytes })).toMatchObject({ mode: 'free' });
  });

  it('takes turns at N = 1e6 on a 24 GiB machine: free (default allocator), respawn (tuned)', () => {
    // one array 4e9 bytes: keeping everything needs 28e9 + bases (> room / 2); a turn 4 × 4e9 + bases
    const q = { N: 1e6, T: 1000, availableBytes: 21 * GiB, floorBytes } as const;
    const need = 4 * 4e9 + 2 * PROCESS_BASE_BYTES;
    expect(planMemory({ ...q, allocator: 'default' })).toEqual({ mode: 'free', needBytes: need });
    expect(planMemory({ ...q, allocator: 'tuned' })).toEqual({ mode: 'respawn', needBytes: need });
  });

  it('refuses a size that does not fit, naming N, T and the memory', () => {
    const plan = planMemory({ N: 1e6, T: 1000, allocator: 'default', availableBytes: 16 * GiB, floorBytes });
    expect(plan).toBe(
      "N = 1000000, T = 1000 needs about 16.4 GiB (Norse's LIF over the sequence peaks at 4 × 3.7 GiB: input, per-step " +
        "outputs and their stack, while spikeflow's process waits) and 1.5 GiB must stay free; 16.0 GiB available now",
    );
    // the same N at T = 250 fits in a turn
    expect(planMemory({ N: 1e6, T: 250, allocator: 'default', availableBytes: 10 * GiB, floorBytes })).toMatchObject({ mode: 'free' });
  });
});

describe('watchdog', () => {
  it('decides on one sample: silent at or above the floor, a message naming what ran below it', () => {
    expect(watchdogMessage(2 * GiB, 2 * GiB, 'x')).toBeUndefined();
    expect(watchdogMessage(1 * GiB, 1.5 * GiB, 'N = 1000000, default allocator, round 1, Norse LIF')).toMatch(
      /^memory watchdog: stopped the side-by-side run at N = 1000000, default allocator, round 1, Norse LIF: 1\.0 GiB available, below the 1\.5 GiB floor/,
    );
  });

  it('trips once, on the sample that falls below the floor, and tracks the least memory seen', () => {
    const samples = [8, 5, 1, 0.5].map((g) => g * GiB);
    const trips: string[] = [];
    const w = startWatchdog(
      2 * GiB,
      (m) => trips.push(m),
      1e6,
      () => samples.shift() ?? 0,
    );
    w.during('N = 1e6 (a)');
    w.during('N = 1e6 (b)');
    expect(trips).toEqual([]);
    w.during('N = 1e6 (c)');
    w.during('N = 1e6 (d)');
    w.stop();
    expect(trips).toHaveLength(1);
    expect(trips[0]).toContain('at N = 1e6 (c): 1.0 GiB available');
    expect(w.tripped()).toBe(trips[0]);
    expect(w.leastAvailable()).toBe(0.5 * GiB);
  });
});
