/**
 * LIF side by side with Norse: spikeflow (bench/lifServe.ts) and Norse (bench/norse_lif.py
 * --serve) run as two child processes of the bench, started once per allocator setting — glibc's
 * defaults first (as users run both), then glibc told to keep freed memory (`tuned`) — and are
 * asked for one run at a time, alternately (even rounds Norse first, odd rounds spikeflow first),
 * so that both see the same load. Medians per N; the load average before and after every N.
 *
 * Norse is found by environment variables with defaults that fit this repository's layout:
 * `SPIKEFLOW_NORSE_PYTHON` (default `/usr/bin/python3`, Debian's, whose `python3-torch` Norse
 * needs), `SPIKEFLOW_NORSE_SRC` (default `../norse`: Norse's source tree, put on PYTHONPATH) and
 * `SPIKEFLOW_NORSE_SHIMS` (default `../shared/tools`, holding `norse_shims.py`, also put on
 * PYTHONPATH). Without a working Norse, spikeflow runs alone and says why.
 * @module
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { lazyServer, type Server, server } from './childServer.js';
import { availableMemory, GiB, type MemoryMode, planMemory, startWatchdog } from './memoryGuard.js';

/** glibc's settings of the `tuned` allocator: freed memory is kept (no fresh pages per large allocation). */
export const TUNED_MALLOC = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' } as const;

/** One N under one allocator: medians in neuron-steps/s (NaN where not measured). */
export interface SideBySideRow {
  readonly N: number;
  readonly T: number;
  readonly allocator: 'default' | 'tuned';
  readonly spikeflowReuse: number;
  readonly spikeflowFresh: number;
  readonly norseSequence: number;
  readonly norseCell: number;
  readonly norseBest: number;
  /** spikeflow (reuse, fresh) over Norse's best. */
  readonly ratioReuse: number;
  readonly ratioFresh: number;
  /**
   * spikeflow fresh over Norse's LIF over the sequence: the like-for-like pair (both return a new
   * `[T, batch, N]` output per call; Norse's LIFCell loop keeps only the last step's state).
   */
  readonly ratioFreshSequence: number;
  readonly rounds: number;
  readonly ran: string;
  readonly spikeFraction: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  /** Seconds of every timed run, per configuration. */
  readonly seconds: Readonly<Record<string, readonly number[]>>;
  /** How the two processes held their memory at this N (bench/memoryGuard.ts). */
  readonly memoryMode: MemoryMode;
  /** Peak resident memory of the process while answering each configuration's requests (largest over the rounds), in bytes. */
  readonly peakRss: Readonly<Record<string, number>>;
  /** Resident memory of each process with nothing big allocated (smallest seen when a request arrived), in bytes. */
  readonly baseRss: Readonly<{ spikeflow: number; norse: number }>;
}

/** What was run, for the report. */
export interface SideBySide {
  readonly norse: string;
  readonly protocol: string;
  readonly rows: readonly SideBySideRow[];
  /** Why the run stopped before its last N (memory), when it did. */
  readonly stopped?: string;
  /** Least memory available during the run, in bytes (the watchdog's samples). */
  readonly leastAvailable?: number;
}

/** Memory settings of {@link sideBySide}. */
export interface SideBySideMemory {
  /** Memory that must stay available (the watchdog stops the run below it), in bytes. */
  readonly floorBytes: number;
  /** A memory mode asked for instead of the planned one (`--memory-mode`; still refused where it cannot fit). */
  readonly force?: MemoryMode;
}

/** Steps of a restarted Norse process's untimed LIFCell loop (memory mode `respawn`). */
export const WARM_CELL_STEPS = 50;

/** Where Norse is, from the environment (see the module docs), or why it cannot run. */
export const norseSetup = (root: string): { python: string; pythonPath: string } | { missing: string } => {
  const python = process.env.SPIKEFLOW_NORSE_PYTHON || '/usr/bin/python3';
  const src = process.env.SPIKEFLOW_NORSE_SRC || join(root, '..', 'norse');
  const shims = process.env.SPIKEFLOW_NORSE_SHIMS || join(root, '..', 'shared', 'tools');
  if (!existsSync(python)) return { missing: `no Python at ${python} (set SPIKEFLOW_NORSE_PYTHON)` };
  if (!existsSync(join(src, 'norse', '__init__.py'))) return { missing: `no Norse source at ${src} (set SPIKEFLOW_NORSE_SRC)` };
  const pythonPath = [src, existsSync(join(shims, 'norse_shims.py')) ? shims : undefined, process.env.PYTHONPATH]
    .filter((p) => p !== undefined && p !== '')
    .join(':');
  return { python, pythonPath };
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? Number.NaN : n % 2 === 1 ? (s[(n - 1) >> 1] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

const round2 = (xs: readonly number[]) => xs.map((x) => Math.round(x * 100) / 100);

/** Bytes as MB below 1 GB, else GB with one decimal. */
export const gb = (bytes: number | undefined): string =>
  bytes === undefined || !Number.isFinite(bytes) ? '–' : bytes < 1e9 ? `${(bytes / 1e6).toFixed(0)} MB` : `${(bytes / 1e9).toFixed(1)} GB`;

/**
 * Runs the side-by-side LIF protocol (see the module docs). Before each N, {@link planMemory}
 * decides from the memory available whether both processes keep their input between runs or drop
 * (or, with the tuned allocator, are restarted to return) their big buffers after each turn, or
 * whether the run stops there with a message naming N and the memory; a watchdog samples the
 * memory available meanwhile and, below `memory.floorBytes`, kills both processes and stops the
 * run with a message (the rows measured so far are kept, `stopped` says why).
 * @param root - the repository root (with a trailing slash)
 * @param sizes - N to run, in order
 * @param T - steps per run
 * @param rounds - timed runs per configuration (after one untimed warm-up)
 * @param threads - torch threads (spikeflow uses all hardware threads)
 * @param allocators - which allocator settings, in order
 * @param log - progress lines
 * @param memory - the floor of available memory
 */
export const sideBySide = async (
  root: string,
  sizes: readonly number[],
  T: number,
  rounds: number,
  threads: number,
  allocators: readonly ('default' | 'tuned')[],
  log: (line: string) => void,
  memory: SideBySideMemory,
): Promise<SideBySide> => {
  const setup = norseSetup(root);
  const rows: SideBySideRow[] = [];
  let norseText = 'missing' in setup ? `Norse not run: ${setup.missing}` : '';
  let stopped: string | undefined;
  const live: Server[] = [];
  const watchdog = startWatchdog(memory.floorBytes, (message) => {
    for (const s of live) s.kill();
    log(message);
  });
  try {
    for (const allocator of allocators) {
      if (stopped !== undefined) break;
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.MALLOC_MMAP_MAX_;
      delete env.MALLOC_TRIM_THRESHOLD_;
      if (allocator === 'tuned') Object.assign(env, TUNED_MALLOC);
      const sf = lazyServer(() =>
        server(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', 'lifServe.ts')], env, root),
      );
      let py: Server | undefined;
      if (!('missing' in setup)) {
        const args = [join(root, 'bench', 'norse_lif.py'), '--serve', '--threads', String(threads)];
        py = lazyServer(() => server(setup.python, args, { ...env, PYTHONPATH: setup.pythonPath }, root));
        try {
          const info = await py.ask({ cmd: 'info' });
          norseText = `Norse (source ${setup.pythonPath.split(':')[0]}) on PyTorch ${info.torch}, ${info.threads} threads, ${setup.python}`;
        } catch (e) {
          norseText = `Norse not run: ${(e as Error).message.slice(0, 300)}`;
          await py.close();
          py = undefined;
        }
      }
      live.splice(0, live.length, sf, ...(py === undefined ? [] : [py]));
      try {
        for (const N of sizes) {
          const availableBytes = availableMemory();
          const plan = planMemory({ N, T, allocator, availableBytes, floorBytes: memory.floorBytes, force: memory.force });
          if (typeof plan === 'string') {
            stopped = `side by side stopped before N = ${N} (${allocator} allocator): ${plan}`;
            log(stopped);
            break;
          }
          log(
            `N=${N} ${allocator}: memory ${plan.mode}${memory.force === undefined ? '' : ' (--memory-mode)'}, needs about ` +
              `${(plan.needBytes / GiB).toFixed(1)} GiB; ${(availableBytes / GiB).toFixed(1)} GiB available, floor ` +
              `${(memory.floorBytes / GiB).toFixed(1)} GiB`,
          );
          rows.push(await oneSize(sf, py, N, T, rounds, allocator, plan.mode, (what) => watchdog.during(what), log));
        }
      } finally {
        // Both exited before the next allocator's plan reads the memory available.
        await Promise.all([sf.close(), py?.close()]);
      }
    }
  } catch (e) {
    stopped = watchdog.tripped();
    if (stopped === undefined) throw e;
  } finally {
    watchdog.stop();
  }
  return {
    norse: norseText,
    protocol:
      `float32, batch 1, T = ${T}, default LIF parameters, input uniform in [0, 0.6); two child processes per allocator, ` +
      `one run at a time, alternating; median of ${rounds}; spikeflow lif.run with backend auto ` +
      '(threads: all hardware threads), input made by spikeflow (shared memory), one untimed warm-up run before the ' +
      'first timed one; Norse: best of norse.torch.LIF over the ' +
      `sequence and LIFCell in a Python loop, torch.no_grad(), ${threads} torch threads, one warm-up run before the first ` +
      'timed one. Where both processes cannot keep their input between runs (memory mode `free`: N = 1e6 on a 24 GiB ' +
      'machine), each process makes its input at the start of its turn and drops input and outputs after it ' +
      '(`respawn`: is ended after its turn, and the next turn starts once it has exited, as the tuned allocator keeps ' +
      'freed memory); spikeflow then warms up before every timed ' +
      'run (its reused output, or the pooled one, written once before, as in a long-running program), Norse in the ' +
      'first round and, restarted, in every turn (its LIFCell loop then over its first ' +
      `${WARM_CELL_STEPS} steps; under the default allocator PyTorch's large tensors take fresh ` +
      'memory on every run, warm or not)',
    rows,
    ...(stopped === undefined ? {} : { stopped }),
    leastAvailable: watchdog.leastAvailable(),
  };
};

/** One N, `rounds` alternating rounds (see {@link sideBySide}). */
const oneSize = async (
  sf: Server,
  py: Server | undefined,
  N: number,
  T: number,
  rounds: number,
  allocator: 'default' | 'tuned',
  mode: MemoryMode,
  during: (what: string) => void,
  log: (line: string) => void,
): Promise<SideBySideRow> => {
  const loadBefore = round2(loadavg());
  const seconds: Record<string, number[]> = { reuse: [], fresh: [], sequence: [], cell: [] };
  const peakRss: Record<string, number> = {};
  const baseRss = { spikeflow: Number.POSITIVE_INFINITY, norse: Number.POSITIVE_INFINITY };
  let ran = '';
  let spikes = Number.NaN;
  const solo = mode !== 'keep';
  // The pool holds at most one output and one state of this size when the processes take turns.
  const pool = solo ? 4 * T * N + 64 * N + 2 ** 20 : undefined;
  const record = (proc: 'spikeflow' | 'norse', which: string, r: number, a: Record<string, unknown>) => {
    if (solo) {
      // Large N: a line per run, so that a long run shows its progress.
      const pool = a.recycled === undefined ? '' : `, recycled ${a.recycled}, lent before ${gb(a.lentBefore as number)}`;
      log(
        `  N=${N} ${allocator} round ${r + 1}: ${proc} ${which} ${(a.seconds as number).toFixed(2)} s, ` +
          `RSS before ${gb(a.rssBefore as number)}, peak ${gb(a.peakRss as number)}${pool}`,
      );
    }
    seconds[which]?.push(a.seconds as number);
    peakRss[which] = Math.max(peakRss[which] ?? 0, a.peakRss as number);
    baseRss[proc] = Math.min(baseRss[proc], a.rssBefore as number);
  };
  const endTurn = async (s: Server) => {
    if (mode === 'free') await s.ask({ cmd: 'free' });
    else if (mode === 'respawn') await s.close();
  };
  const norse = async (r: number) => {
    if (py === undefined) return;
    for (const which of ['sequence', 'cell'] as const) {
      during(`N = ${N}, ${allocator} allocator, round ${r + 1}, Norse ${which === 'sequence' ? 'LIF' : 'LIFCell loop'}`);
      // A restarted process (respawn) warms up each turn, so that the tuned allocator's heap is
      // grown before the timed run; under the default allocator PyTorch's large tensors take fresh
      // memory on every run, warm or not.
      // A restarted process's LIFCell loop warms up over its first steps only: the LIF run before
      // it in the same turn has grown the heap already; the loop's per-step tensors are small.
      const warmSteps = mode === 'respawn' && which === 'cell' ? Math.min(T, WARM_CELL_STEPS) : T;
      record('norse', which, r, await py.ask({ cmd: 'measure', N, T, which, warm: r === 0 || mode === 'respawn', warmSteps }));
    }
    await endTurn(py);
  };
  const spikeflow = async (r: number) => {
    for (const which of ['reuse', 'fresh'] as const) {
      during(`N = ${N}, ${allocator} allocator, round ${r + 1}, spikeflow ${which}`);
      const a = await sf.ask({ cmd: 'measure', N, T, which, warm: solo || r === 0, solo, pool });
      record('spikeflow', which, r, a);
      ran = a.ran as string;
      spikes = a.spikes as number;
    }
    await endTurn(sf);
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      await norse(r);
      await spikeflow(r);
    } else {
      await spikeflow(r);
      await norse(r);
    }
  }
  if (mode === 'keep') {
    await sf.ask({ cmd: 'free' });
    if (py !== undefined) await py.ask({ cmd: 'free' });
  }
  during(`between sizes (after N = ${N}, ${allocator} allocator)`);
  const rate = (k: string) => (T * N) / median(seconds[k] ?? []);
  const norseBest = Math.max(rate('sequence'), rate('cell'));
  const row: SideBySideRow = {
    N,
    T,
    allocator,
    spikeflowReuse: rate('reuse'),
    spikeflowFresh: rate('fresh'),
    norseSequence: rate('sequence'),
    norseCell: rate('cell'),
    norseBest,
    ratioReuse: rate('reuse') / norseBest,
    ratioFresh: rate('fresh') / norseBest,
    ratioFreshSequence: rate('fresh') / rate('sequence'),
    rounds,
    ran,
    spikeFraction: spikes,
    loadBefore,
    loadAfter: round2(loadavg()),
    seconds,
    memoryMode: mode,
    peakRss,
    baseRss,
  };
  const m = (x: number) => `${(x / 1e6).toFixed(0)} M`;
  log(
    `side by side, ${allocator} allocator, N=${N}: spikeflow reuse ${m(row.spikeflowReuse)}, fresh ${m(row.spikeflowFresh)}; ` +
      `Norse LIF ${m(row.norseSequence)}, LIFCell loop ${m(row.norseCell)}; ratio to best ${row.ratioReuse.toFixed(2)}× / ${row.ratioFresh.toFixed(2)}×, ` +
      `fresh to LIF ${row.ratioFreshSequence.toFixed(2)}× (load ${loadBefore.join(' ')} → ${row.loadAfter.join(' ')}); ` +
      `memory ${mode}, peak RSS spikeflow reuse ${gb(peakRss.reuse)} / fresh ${gb(peakRss.fresh)} (base ${gb(baseRss.spikeflow)}), ` +
      `Norse LIF ${gb(peakRss.sequence)} / loop ${gb(peakRss.cell)} (base ${gb(baseRss.norse)})`,
  );
  return row;
};
