import { describe, expect, it } from 'vitest';
import { GiB, memoryNeeds, PROCESS_BASE_BYTES, planMemory, startWatchdog, watchdogMessage } from '../../bench/memoryGuard.js';

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
    expect(planMemory({ ...q, allocator: 'default' })).toEqual({ mode: 'free', needBytes: 4 * 4e9 + 2 * PROCESS_BASE_BYTES });
    // respawn: the other process has exited before a turn starts, one process base less
    expect(planMemory({ ...q, allocator: 'tuned' })).toEqual({ mode: 'respawn', needBytes: 4 * 4e9 + PROCESS_BASE_BYTES });
  });

  it('refuses a size that does not fit, naming N, T and the memory', () => {
    // 14.5 GiB above the floor: free needs 16e9 B + 1.5 GiB = 16.4 GiB, respawn 16e9 B + 0.75 GiB = 15.65 GiB
    const plan = planMemory({ N: 1e6, T: 1000, allocator: 'default', availableBytes: 16 * GiB, floorBytes });
    expect(plan).toBe(
      "N = 1000000, T = 1000 in memory mode respawn needs about 15.7 GiB (Norse's LIF over the sequence peaks at 4 × " +
        '3.7 GiB: input, per-step outputs and their stack; the other process ended) and 1.5 GiB must stay free; 16.0 GiB ' +
        'available now',
    );
    // the same N at T = 250 fits in a turn
    expect(planMemory({ N: 1e6, T: 250, allocator: 'default', availableBytes: 10 * GiB, floorBytes })).toMatchObject({ mode: 'free' });
  });
});

describe('planMemory at a small size, at the edges of each mode', () => {
  // N = 1e3, T = 100: one array B = 4·100·1e3 = 4e5 bytes; P = 0.75 GiB = 805 306 368 bytes
  const P = 805_306_368;
  const q = { N: 1e3, T: 100, floorBytes: 0 } as const;
  const plan = (allocator: 'default' | 'tuned', availableBytes: number, force?: 'keep' | 'free' | 'respawn') =>
    planMemory({ ...q, allocator, availableBytes, ...(force === undefined ? {} : { force }) });

  it('needs 7B + 2P to keep, 4B + 2P to free, 4B + P to respawn', () => {
    expect(PROCESS_BASE_BYTES).toBe(P);
    expect(memoryNeeds(1e3, 100)).toEqual({ keep: 2_800_000 + 2 * P, free: 1_600_000 + 2 * P, respawn: 1_600_000 + P });
  });

  it('keep up to half the room; then free (default) or respawn (tuned); respawn when only it fits; else refused', () => {
    const keepEdge = 2 * (2_800_000 + 2 * P); // 3 226 825 472
    expect(plan('default', keepEdge)).toEqual({ mode: 'keep', needBytes: 1_613_412_736 });
    expect(plan('tuned', keepEdge)).toMatchObject({ mode: 'keep' });
    expect(plan('default', keepEdge - 1)).toEqual({ mode: 'free', needBytes: 1_612_212_736 });
    expect(plan('tuned', keepEdge - 1)).toEqual({ mode: 'respawn', needBytes: 806_906_368 });
    // under glibc's defaults free needs 1 612 212 736 bytes; one byte less and only respawn fits
    expect(plan('default', 1_612_212_735)).toEqual({ mode: 'respawn', needBytes: 806_906_368 });
    expect(plan('default', 806_906_368)).toMatchObject({ mode: 'respawn' });
    expect(plan('default', 806_906_367)).toMatch(/^N = 1000, T = 100 in memory mode respawn needs about 0\.8 GiB/);
    // the floor counts: the same memory with a 1-byte floor is refused
    expect(planMemory({ ...q, allocator: 'tuned', availableBytes: 806_906_368, floorBytes: 1 })).toBeTypeOf('string');
  });

  it('takes a forced mode when it fits in the whole room, refuses it otherwise, and never frees under the tuned allocator', () => {
    // keep forced: 7B + 2P = 1 613 412 736 bytes in the room, not half of it
    expect(plan('default', 1_613_412_736, 'keep')).toEqual({ mode: 'keep', needBytes: 1_613_412_736 });
    expect(plan('default', 1_613_412_735, 'keep')).toMatch(
      /^N = 1000, T = 100 in memory mode keep needs about 1\.5 GiB \(both processes keep input and outputs\)/,
    );
    // respawn forced where keep would be planned (the flag that exercises the respawn path at small N)
    expect(plan('default', 64 * GiB, 'respawn')).toEqual({ mode: 'respawn', needBytes: 806_906_368 });
    expect(plan('tuned', 64 * GiB, 'free')).toBe(
      'memory mode free cannot return memory under the tuned allocator (glibc keeps freed memory in the process, ' +
        'MALLOC_TRIM_THRESHOLD_): use respawn or auto for N = 1000',
    );
    expect(plan('default', 64 * GiB, 'free')).toEqual({ mode: 'free', needBytes: 1_612_212_736 });
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
