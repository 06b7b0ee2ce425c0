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
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

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
}

/** What was run, for the report. */
export interface SideBySide {
  readonly norse: string;
  readonly protocol: string;
  readonly rows: readonly SideBySideRow[];
}

interface Server {
  readonly ask: (req: object) => Promise<Record<string, unknown>>;
  readonly close: () => void;
}

const server = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Server => {
  const child: ChildProcessWithoutNullStreams = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  lines.on('line', (line) => waiting.shift()?.(line));
  const failed = new Promise<never>((_, reject) => {
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
    child.on('error', reject);
  });
  failed.catch(() => undefined);
  return {
    ask: async (req) => {
      const reply = new Promise<string>((resolve) => waiting.push(resolve));
      child.stdin.write(`${JSON.stringify(req)}\n`);
      const r = JSON.parse(await Promise.race([reply, failed])) as Record<string, unknown>;
      if (typeof r.error === 'string') throw new Error(r.error);
      return r;
    },
    close: () => {
      child.stdin.end();
      child.kill();
    },
  };
};

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

/**
 * Runs the side-by-side LIF protocol (see the module docs).
 * @param root - the repository root (with a trailing slash)
 * @param sizes - N to run, in order
 * @param T - steps per run
 * @param rounds - timed runs per configuration (after one untimed warm-up)
 * @param threads - torch threads (spikeflow uses all hardware threads)
 * @param allocators - which allocator settings, in order
 * @param log - progress lines
 */
export const sideBySide = async (
  root: string,
  sizes: readonly number[],
  T: number,
  rounds: number,
  threads: number,
  allocators: readonly ('default' | 'tuned')[],
  log: (line: string) => void,
): Promise<SideBySide> => {
  const setup = norseSetup(root);
  const rows: SideBySideRow[] = [];
  let norseText = 'missing' in setup ? `Norse not run: ${setup.missing}` : '';
  for (const allocator of allocators) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MALLOC_MMAP_MAX_;
    delete env.MALLOC_TRIM_THRESHOLD_;
    if (allocator === 'tuned') Object.assign(env, TUNED_MALLOC);
    const sf = server(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', 'lifServe.ts')], env, root);
    let py: Server | undefined;
    if (!('missing' in setup)) {
      py = server(
        setup.python,
        [join(root, 'bench', 'norse_lif.py'), '--serve', '--threads', String(threads)],
        {
          ...env,
          PYTHONPATH: setup.pythonPath,
        },
        root,
      );
      try {
        const info = await py.ask({ cmd: 'info' });
        norseText = `Norse (source ${setup.pythonPath.split(':')[0]}) on PyTorch ${info.torch}, ${info.threads} threads, ${setup.python}`;
      } catch (e) {
        norseText = `Norse not run: ${(e as Error).message.slice(0, 300)}`;
        py.close();
        py = undefined;
      }
    }
    try {
      for (const N of sizes) {
        const loadBefore = round2(loadavg());
        // Both processes hold an input and an output of 4·T·N bytes each; when the two together
        // would not fit comfortably, each run makes its input afresh and frees it after.
        const lowMemory = 4 * 4 * T * N > 0.5 * freemem();
        const seconds: Record<string, number[]> = { reuse: [], fresh: [], sequence: [], cell: [] };
        let ran = '';
        let spikes = Number.NaN;
        const norseRun = async (which: 'sequence' | 'cell', r: number) => {
          if (py === undefined) return;
          const a = await py.ask({ cmd: 'measure', N, T, which, warm: r === 0 || lowMemory });
          seconds[which]?.push(a.seconds as number);
          if (lowMemory) await py.ask({ cmd: 'free' });
        };
        const sfRun = async (which: 'reuse' | 'fresh', r: number) => {
          const a = await sf.ask({ cmd: 'measure', N, T, which, warm: r === 0 || lowMemory });
          seconds[which]?.push(a.seconds as number);
          ran = a.ran as string;
          spikes = a.spikes as number;
          if (lowMemory) await sf.ask({ cmd: 'free' });
        };
        for (let r = 0; r < rounds; r++) {
          const norse = async () => {
            await norseRun('sequence', r);
            await norseRun('cell', r);
          };
          const spikeflow = async () => {
            await sfRun('reuse', r);
            await sfRun('fresh', r);
          };
          if (r % 2 === 0) {
            await norse();
            await spikeflow();
          } else {
            await spikeflow();
            await norse();
          }
        }
        await sf.ask({ cmd: 'free' });
        if (py !== undefined) await py.ask({ cmd: 'free' });
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
        };
        rows.push(row);
        const m = (x: number) => `${(x / 1e6).toFixed(0)} M`;
        log(
          `side by side, ${allocator} allocator, N=${N}: spikeflow reuse ${m(row.spikeflowReuse)}, fresh ${m(row.spikeflowFresh)}; ` +
            `Norse LIF ${m(row.norseSequence)}, LIFCell loop ${m(row.norseCell)}; ratio to best ${row.ratioReuse.toFixed(2)}× / ${row.ratioFresh.toFixed(2)}×, ` +
            `fresh to LIF ${row.ratioFreshSequence.toFixed(2)}× ` +
            `(load ${loadBefore.join(' ')} → ${row.loadAfter.join(' ')})`,
        );
      }
    } finally {
      sf.close();
      py?.close();
    }
  }
  return {
    norse: norseText,
    protocol:
      `float32, batch 1, T = ${T}, default LIF parameters, input uniform in [0, 0.6); two child processes per allocator, ` +
      `one run at a time, alternating; median of ${rounds} after one warm-up; spikeflow lif.run with backend auto ` +
      '(threads: all hardware threads), input made by spikeflow (shared memory); Norse: best of norse.torch.LIF over the ' +
      `sequence and LIFCell in a Python loop, torch.no_grad(), ${threads} torch threads`,
    rows,
  };
};

const mega = (x: number): string => (Number.isFinite(x) ? (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : `${(x / 1e6).toFixed(0)} M`) : '–');
const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

/** The side-by-side section of the Markdown report: one table, allocators as column groups. */
export const sideBySideMarkdown = (s: SideBySide): string[] => {
  const out: string[] = ['## LIF `lif.run` beside Norse, in one run', ''];
  out.push(`${s.norse}. Protocol: ${s.protocol}.`, '');
  out.push(
    'Figures in neuron-steps/s. spikeflow _reuse_: `lif.run(p, dt, { outputs: "reuse" })` (or a caller-provided `out`): ' +
      'one output array overwritten call after call; _fresh_: the default, a new `[T, 1, N]` output per call that the ' +
      'caller owns (from 1 MiB on its memory comes from the output pool, which recycles outputs the caller dropped once ' +
      'the garbage collector has run: the server collects and lets the event loop turn before each timed call). ' +
      'Norse _LIF_: `norse.torch.LIF` over the sequence, which also returns a new `[T, 1, N]` output per call — the ' +
      'like-for-like column for spikeflow fresh (_× Norse LIF, fresh_); Norse _LIFCell loop_: `LIFCell` stepped in a ' +
      "Python loop that keeps no `[T, N]` output (only the last state; PyTorch's caching allocator reuses its " +
      'per-step tensors), comparable to spikeflow reuse. _Norse best_ is the faster of the two. ' +
      '_default_: glibc as users run it; _tuned_: both processes with ' +
      '`MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000` (freed memory is kept and reused).',
    '',
  );
  const sizes = [...new Set(s.rows.map((r) => r.N))];
  const allocators = [...new Set(s.rows.map((r) => r.allocator))];
  const head = allocators.flatMap((a) => [
    `spikeflow reuse / fresh (${a})`,
    `Norse LIF / LIFCell loop (${a})`,
    `× Norse best, reuse / fresh (${a})`,
    `× Norse LIF, fresh (${a})`,
  ]);
  out.push(`| N | ${head.join(' | ')} | load before → after |`);
  out.push(`| ---: | ${head.map(() => '---:').join(' | ')} | --- |`);
  for (const N of sizes) {
    const cells: string[] = [];
    const loads: string[] = [];
    for (const a of allocators) {
      const r = s.rows.find((x) => x.N === N && x.allocator === a);
      if (r === undefined) {
        cells.push('–', '–', '–', '–');
        continue;
      }
      cells.push(
        `${mega(r.spikeflowReuse)} / ${mega(r.spikeflowFresh)}`,
        `${mega(r.norseSequence)} / ${mega(r.norseCell)}`,
        `**${times(r.ratioReuse)}** / ${times(r.ratioFresh)}`,
        times(r.ratioFreshSequence),
      );
      loads.push(`${r.loadBefore[0]} → ${r.loadAfter[0]}`);
    }
    out.push(`| ${N.toExponential(0).replace('+', '')} | ${cells.join(' | ')} | ${loads.join('; ')} |`);
  }
  const ran = s.rows[0]?.ran;
  if (ran !== undefined) out.push('', `spikeflow ran: ${ran} (at the largest N: ${s.rows.at(-1)?.ran}).`);
  out.push('');
  return out;
};
