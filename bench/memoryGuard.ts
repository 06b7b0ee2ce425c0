/**
 * Memory planning and a watchdog for the side-by-side benchmark (bench/sideBySide.ts), whose
 * largest size (N = 1e6, T = 1000) holds gigabytes in two processes: a `[T, 1, N]` float32 array
 * is 4 GB there.
 *
 * - {@link planMemory} decides, per N and allocator, whether both processes may keep their input
 *   between runs (`keep`), must drop every big buffer after each of their turns (`free`), must be
 *   ended after each turn because the allocator keeps freed memory (`respawn`, the tuned
 *   allocator), or whether the size cannot fit at all (a message naming N and the memory); a mode
 *   can be forced (`--memory-mode`), and is still refused when it cannot fit.
 * - {@link watchdogMessage} is the watchdog's decision on one sample of available memory;
 *   {@link startWatchdog} samples `/proc/meminfo` while the processes run and calls back once when
 *   memory runs below the floor (the bench then stops its children with a clear message instead
 *   of letting the machine swap or its OOM killer choose).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';

/** Bytes in a GiB. */
export const GiB = 2 ** 30;

/** Memory of a process with nothing big allocated (Node with its workers, or Python with PyTorch and Norse), with margin. */
export const PROCESS_BASE_BYTES = 0.75 * GiB;

/** How the two processes handle their big buffers at one N ({@link planMemory}). */
export type MemoryMode = 'keep' | 'free' | 'respawn';

/** A plan that fits, with the bytes it is expected to need at its peak (both processes together). */
export interface MemoryPlan {
  readonly mode: MemoryMode;
  readonly needBytes: number;
}

/** Inputs of {@link planMemory}. */
export interface MemoryQuestion {
  /** Neurons. */
  readonly N: number;
  /** Steps per run. */
  readonly T: number;
  /** glibc's allocator setting: `tuned` keeps freed memory in the process. */
  readonly allocator: 'default' | 'tuned';
  /** Memory available now (MemAvailable), in bytes. */
  readonly availableBytes: number;
  /** Memory that must stay available, in bytes. */
  readonly floorBytes: number;
  /** A mode asked for (`--memory-mode`) instead of the one the memory suggests; still refused when it cannot fit. */
  readonly force?: MemoryMode;
}

const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`;

/**
 * Bytes both processes need together at their peak in each mode, with `B = 4·T·N` bytes (one
 * float32 `[T, 1, N]` array) and `P` = {@link PROCESS_BASE_BYTES}: `keep` 7B + 2P (spikeflow's
 * input, reused output and one pooled fresh output, Norse's 4B peak, both processes up); `free`
 * 4B + 2P (Norse's turn, spikeflow's process idle with nothing big); `respawn` 4B + P (the other
 * process has exited before a turn starts).
 * @param N - neurons
 * @param T - steps per run
 */
export const memoryNeeds = (N: number, T: number): Readonly<Record<MemoryMode, number>> => {
  const B = 4 * T * N;
  return { keep: 7 * B + 2 * PROCESS_BASE_BYTES, free: 4 * B + 2 * PROCESS_BASE_BYTES, respawn: 4 * B + PROCESS_BASE_BYTES };
};

/**
 * Decides how the side-by-side run of one N uses memory. With `B = 4·T·N` bytes (one float32
 * `[T, 1, N]` array): spikeflow holds at most input, reused output and one pooled fresh output
 * (3B) when it keeps everything, 2B in a turn of its own (input, then one output at a time);
 * Norse's `LIF` over the sequence peaks at 4B (measured: its input, the list of per-step outputs
 * on glibc's heap between the freed per-step temporaries, and their stack). Needs per mode:
 * {@link memoryNeeds}. `keep` when it fits in half of what is available above the floor; else
 * `free` (each process drops its input and outputs after its turn) under glibc's defaults, or
 * `respawn` (each process is ended after its turn, and a turn starts once it has exited) with the
 * tuned allocator, which keeps freed memory inside the process — or under the defaults when only
 * `respawn` fits; else a message naming N, T and the memory. A forced mode (`q.force`) is taken
 * when its need fits in the room above the floor; `free` is refused with the tuned allocator
 * (freed memory stays in the process).
 * @param q - size, allocator, memory and an optional forced mode (see {@link MemoryQuestion})
 * @returns the plan, or a string saying why N cannot run here
 */
export const planMemory = (q: MemoryQuestion): MemoryPlan | string => {
  const B = 4 * q.T * q.N;
  const room = q.availableBytes - q.floorBytes;
  const need = memoryNeeds(q.N, q.T);
  const tooBig = (mode: MemoryMode, why: string) =>
    `N = ${q.N}, T = ${q.T} in memory mode ${mode} needs about ${gib(need[mode])} (${why}) and ${gib(q.floorBytes)} must ` +
    `stay free; ${gib(q.availableBytes)} available now`;
  const peak = `Norse's LIF over the sequence peaks at 4 × ${gib(B)}: input, per-step outputs and their stack`;
  if (q.force !== undefined) {
    if (q.force === 'free' && q.allocator === 'tuned')
      return (
        `memory mode free cannot return memory under the tuned allocator (glibc keeps freed memory in the process, ` +
        `MALLOC_TRIM_THRESHOLD_): use respawn or auto for N = ${q.N}`
      );
    if (need[q.force] <= room) return { mode: q.force, needBytes: need[q.force] };
    const why = { keep: 'both processes keep input and outputs', free: `${peak}, while spikeflow's process waits`, respawn: peak };
    return tooBig(q.force, why[q.force]);
  }
  if (need.keep <= room / 2) return { mode: 'keep', needBytes: need.keep };
  if (q.allocator === 'default' && need.free <= room) return { mode: 'free', needBytes: need.free };
  if (need.respawn <= room) return { mode: 'respawn', needBytes: need.respawn };
  return tooBig('respawn', `${peak}; the other process ended`);
};

/**
 * The watchdog's decision on one sample: a message when available memory is below the floor,
 * else undefined.
 * @param availableBytes - MemAvailable now
 * @param floorBytes - the least that must stay available
 * @param during - what was running (named in the message), e.g. `N = 1e6, default allocator`
 */
export const watchdogMessage = (availableBytes: number, floorBytes: number, during: string): string | undefined =>
  availableBytes >= floorBytes
    ? undefined
    : `memory watchdog: stopped the side-by-side run at ${during}: ${gib(availableBytes)} available, below the ` +
      `${gib(floorBytes)} floor (other programs use the memory, or the size does not fit this machine; ` +
      'run it on a quieter machine, or lower --sizes / --steps, or --memory-floor)';

/** MemAvailable in bytes (Linux), else Node's free memory. */
export const availableMemory = (): number => {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
};

/** The default floor: 1.5 GiB or 6 % of the machine's memory, whichever is more. */
export const defaultFloorBytes = (): number => Math.max(1.5 * GiB, 0.06 * totalmem());

/** A running watchdog. */
export interface Watchdog {
  /** Sets what is running now (named in the message). */
  readonly during: (what: string) => void;
  /** The message once tripped. */
  readonly tripped: () => string | undefined;
  /** Least memory seen available, in bytes. */
  readonly leastAvailable: () => number;
  readonly stop: () => void;
}

/**
 * Samples available memory every `intervalMs` and calls `onTrip` once with
 * {@link watchdogMessage}'s message when it falls below `floorBytes`. The timer does not keep the
 * process alive.
 * @param floorBytes - the least that must stay available
 * @param onTrip - called once, with the message
 * @param intervalMs - sampling period
 * @param sample - reads available memory (tests pass their own)
 */
export const startWatchdog = (
  floorBytes: number,
  onTrip: (message: string) => void,
  intervalMs = 200,
  sample: () => number = availableMemory,
): Watchdog => {
  let what = 'start';
  let message: string | undefined;
  let least = Number.POSITIVE_INFINITY;
  const check = () => {
    const a = sample();
    least = Math.min(least, a);
    if (message !== undefined) return;
    message = watchdogMessage(a, floorBytes, what);
    if (message !== undefined) onTrip(message);
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    during: (w) => {
      what = w;
      check();
    },
    tripped: () => message,
    leastAvailable: () => least,
    stop: () => clearInterval(timer),
  };
};

/** This process's resident memory now and its peak since the last {@link resetPeakRss} (Linux `VmRSS`, `VmHWM`), in bytes. */
export const rssNow = (): { rss: number; peak: number } => {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    const rss = process.memoryUsage.rss();
    return { rss, peak: process.resourceUsage().maxRSS * 1024 };
  }
};

/** Resets the peak resident memory to the present (Linux: writes 5 to `/proc/self/clear_refs`); false where that is not possible. */
export const resetPeakRss = (): boolean => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
};
