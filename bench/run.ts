/**
 * `npm run bench`: spikeflow's benchmarks, written to bench/results/ as JSON and Markdown. The
 * `lif` case runs `lif.run` beside Norse in child processes, alternating, under glibc's default
 * allocator and then the tuned one (bench/sideBySide.ts; Norse found through SPIKEFLOW_NORSE_PYTHON,
 * SPIKEFLOW_NORSE_SRC, SPIKEFLOW_NORSE_SHIMS with defaults /usr/bin/python3, ../norse,
 * ../shared/tools). The `lif-stream` case (bench/streamCase.ts) runs each side in a child process of
 * its own (bench/streamServe.ts, no `--expose-gc`). The other cases (bench/cases.ts) run in this
 * process, under the allocator this process was started with (the default; `--tuned-malloc` re-runs
 * them with the tuned one; the `lif-stream` processes inherit it).
 *
 * Options: `--quick` (3 runs, N ≤ 1e5, cases lif and lif-stream), `--runs <n>`, `--steps <T>`,
 * `--sizes 1e3,1e4,...`, `--cases lif,lif-stream,lif-detail,lif-linear-li,models,poisson,memory`,
 * `--allocators default,tuned`, `--threads <n>`, `--max-n <n>`, `--js-max-n <n>`, `--out <dir>`,
 * `--no-write`, `--tuned-malloc`, `--memory-floor <GiB>` (the side-by-side case stops, with a message
 * naming N and the memory, when less is available: bench/memoryGuard.ts; default 1.5 GiB or 6 %
 * of the machine), `--memory-mode auto|keep|free|respawn` (how the side-by-side processes hold
 * their memory; `auto`, the default, plans it per N and allocator; a forced mode is still refused
 * where it cannot fit). Exit status 1 when the side-by-side run stopped for memory.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import '../src/ops/backends/builtin.js';
import '../src/ops/backends/threadsBackend.js';
import { hardwareThreads, terminateThreads } from '../src/ops/backends/threads.js';
import { type CaseContext, lifCase, lifLinearLiCase, memoryCase, modelsCase, poissonCase } from './cases.js';
import { defaultFloorBytes, GiB, type MemoryMode } from './memoryGuard.js';
import { anchorsReference, machine, markdown, type NorseReference, type Row, writeReport } from './report.js';
import { type SideBySide, sideBySide, TUNED_MALLOC } from './sideBySide.js';
import { lifStreamCase } from './streamCase.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const program = new Command()
  .name('bench')
  .option('--quick', '3 runs, N ≤ 1e5, cases lif and lif-stream (a few minutes)', false)
  .option('--runs <n>', 'timed runs per configuration (after one warm-up)', (v) => Number(v))
  .option('--steps <T>', 'time steps per run', (v) => Number(v), 1000)
  .option('--sizes <list>', 'N for the LIF cases', '1e3,1e4,1e5,1e6')
  .option('--cases <list>', 'cases to run (default: all; with --quick: lif,lif-stream)')
  .option('--allocators <list>', 'allocators of the side-by-side lif case', 'default,tuned')
  .option('--threads <n>', 'most threads for the threads backend (default: all)', (v) => Number(v))
  .option('--max-n <n>', 'largest N to run', (v) => Number(v))
  .option('--js-max-n <n>', 'skip single-thread js rows from this N on', (v) => Number(v), 1e7)
  .option('--out <dir>', 'results directory', 'bench/results')
  .option('--no-write', 'print only')
  .option('--render <json>', 'only rewrite the Markdown of a results JSON (e.g. bench/results/latest.json)')
  .option('--memory-floor <GiB>', 'least memory left available (side-by-side case; default 1.5 GiB or 6 % of memory)', (v) => Number(v))
  .addOption(
    new Option('--memory-mode <mode>', 'how the side-by-side processes hold memory (bench/memoryGuard.ts)')
      .choices(['auto', 'keep', 'free', 'respawn'])
      .default('auto'),
  )
  .option('--tuned-malloc', 'run the in-process cases with glibc told to keep freed memory (MALLOC_MMAP_MAX_=0 …)', false)
  // Usage errors (commander prints them) exit 2, as --memory-floor's does.
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
program.parse();
const o = program.opts<{
  quick: boolean;
  runs?: number;
  steps: number;
  sizes: string;
  cases?: string;
  allocators: string;
  threads?: number;
  maxN?: number;
  jsMaxN: number;
  out: string;
  write: boolean;
  tunedMalloc: boolean;
  render?: string;
  memoryFloor?: number;
  memoryMode: 'auto' | MemoryMode;
}>();
if (o.memoryFloor !== undefined && !(o.memoryFloor >= 0)) {
  console.error(`--memory-floor must be a number of GiB ≥ 0, received ${o.memoryFloor}`);
  process.exit(2);
}

if (o.render !== undefined) {
  const json = JSON.parse(readFileSync(o.render, 'utf8')) as Parameters<typeof markdown>[0];
  const target = o.render.replace(/\.json$/, '.md');
  writeFileSync(target, markdown(json));
  console.log(`written: ${target}`);
  process.exit(0);
}

// The in-process cases run under the allocator this process has: glibc's defaults unless
// --tuned-malloc, which re-runs this process with freed memory kept (the side-by-side lif case
// starts its own processes with each allocator either way).
const mallocSetting =
  process.env.MALLOC_MMAP_MAX_ === undefined
    ? 'glibc defaults'
    : `MALLOC_MMAP_MAX_=${process.env.MALLOC_MMAP_MAX_} MALLOC_TRIM_THRESHOLD_=${process.env.MALLOC_TRIM_THRESHOLD_}`;
const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
if ((o.tunedMalloc && process.platform === 'linux' && process.env.MALLOC_MMAP_MAX_ === undefined) || !gcExposed) {
  // --expose-gc: the cases collect garbage between runs (large runs hold gigabytes).
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...(o.tunedMalloc ? TUNED_MALLOC : {}) },
  });
  process.exit(r.status ?? 1);
}

const sizes = o.sizes.split(',').map((s) => Number(s));
const cases = new Set(
  (o.cases ?? (o.quick ? 'lif,lif-stream' : 'lif,lif-stream,lif-detail,lif-linear-li,models,poisson,memory')).split(','),
);
const ctx: CaseContext = {
  T: o.steps,
  runs: o.runs ?? (o.quick ? 3 : 5),
  threads: o.threads === undefined ? {} : { threads: o.threads },
  maxN: o.maxN ?? (o.quick ? 1e5 : 1e6),
  jsMaxN: o.jsMaxN,
  log: (line) => console.log(line),
};

/** Norse's figures for the in-process rows: the side-by-side run's (default allocator) when Norse ran, else the anchors. */
const norseReference = (side: SideBySide | undefined): NorseReference => {
  const rows = side?.rows.filter((r) => r.allocator === 'default' && Number.isFinite(r.norseBest)) ?? [];
  if (side === undefined || rows.length === 0) return anchorsReference(root);
  return {
    source: 'side-by-side',
    detail: `${side.norse}, glibc's default allocator, measured in this run`,
    figures: rows.map((r) => ({ N: r.N, lifSequence: r.norseSequence, cellLoop: r.norseCell, best: r.norseBest })),
  };
};

const main = async () => {
  const date = new Date().toISOString();
  const before = machine();
  console.log(`spikeflow bench on ${before.cpu} (${before.cores} cores), Node ${before.node}, load ${before.loadAverage.join(' ')}`);
  const lifSizes = sizes.filter((n) => n <= ctx.maxN);
  const side = cases.has('lif')
    ? await sideBySide(
        root,
        lifSizes,
        ctx.T,
        ctx.runs,
        o.threads ?? hardwareThreads(),
        o.allocators.split(',').filter((a): a is 'default' | 'tuned' => a === 'default' || a === 'tuned'),
        (line) => console.log(line),
        {
          floorBytes: o.memoryFloor === undefined ? defaultFloorBytes() : o.memoryFloor * GiB,
          ...(o.memoryMode === 'auto' ? {} : { force: o.memoryMode }),
        },
      )
    : undefined;
  const norse = norseReference(side);
  console.log(`Norse reference for the other rows: ${norse.source}`);
  const rows: Row[] = [];
  if (cases.has('lif-detail')) rows.push(...(await lifCase(ctx, sizes)));
  if (cases.has('lif-stream')) rows.push(...(await lifStreamCase(ctx, sizes)));
  if (cases.has('lif-linear-li'))
    rows.push(
      ...(await lifLinearLiCase(
        ctx,
        sizes.filter((n) => n <= 1e4),
      )),
    );
  if (cases.has('models')) rows.push(...(await modelsCase(ctx, 1e5)));
  if (cases.has('poisson')) rows.push(...(await poissonCase(ctx, 1e5)));
  // Cases run their largest N first; report every case in increasing N.
  const order = ['lif', 'lif-stream', 'lif-linear-li', 'izhikevich', 'lsnn', 'poisson'];
  const levels = ['lif.run', 'kernel'];
  rows.sort((a, b) => order.indexOf(a.case) - order.indexOf(b.case) || a.N - b.N || levels.indexOf(a.level) - levels.indexOf(b.level));
  const memory = cases.has('memory') ? memoryCase() : [];
  await terminateThreads();
  const after = machine().loadAverage;
  const options = { ...o, runs: ctx.runs, maxN: ctx.maxN, threadsAvailable: hardwareThreads(), malloc: mallocSetting };
  const report = { date, machine: before, machineAfter: after, norse, sideBySide: side, rows, memory, options };
  const md = markdown(report);
  console.log(`\n${md}`);
  if (o.write) {
    const stamp = date.replace(/[:.]/g, '-');
    const files = writeReport(`${root}${o.out}`, stamp, report, md);
    console.log(`written: ${files.join(', ')}`);
  }
  if (side?.stopped !== undefined) {
    console.error(`\n${side.stopped}`);
    process.exitCode = 1;
  }
};

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
