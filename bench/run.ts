/**
 * `npm run bench`: spikeflow's benchmarks (see bench/cases.ts), written to bench/results/ as JSON
 * and Markdown, with Norse's LIF measured side by side when a Python with PyTorch and Norse is
 * given (SPIKEFLOW_NORSE_PYTHON, optionally SPIKEFLOW_NORSE_SRC for its PYTHONPATH), else compared
 * with the anchors in ../shared/anchors.md.
 *
 * Options: `--quick` (fewer runs, N ≤ 1e5), `--runs <n>`, `--steps <T>`, `--sizes 1e3,1e4,...`,
 * `--cases lif,lif-stream,lif-linear-li,models,poisson,memory`, `--threads <n>`, `--max-n <n>`,
 * `--js-max-n <n>`, `--out <dir>`, `--no-write`, `--default-malloc` (see below).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import '../src/ops/backends/builtin.js';
import '../src/ops/backends/threadsBackend.js';
import { hardwareThreads, terminateThreads } from '../src/ops/backends/threads.js';
import { type CaseContext, lifCase, lifLinearLiCase, lifStreamCase, memoryCase, modelsCase, poissonCase } from './cases.js';
import { anchorsReference, machine, markdown, type NorseReference, type Row, writeReport } from './report.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const program = new Command()
  .name('bench')
  .option('--quick', 'fewer runs and N ≤ 1e5', false)
  .option('--runs <n>', 'timed runs per configuration (after one warm-up)', (v) => Number(v))
  .option('--steps <T>', 'time steps per run', (v) => Number(v), 1000)
  .option('--sizes <list>', 'N for the LIF cases', '1e3,1e4,1e5,1e6')
  .option('--cases <list>', 'cases to run', 'lif,lif-stream,lif-linear-li,models,poisson,memory')
  .option('--threads <n>', 'most threads for the threads backend (default: all)', (v) => Number(v))
  .option('--max-n <n>', 'largest N to run', (v) => Number(v))
  .option('--js-max-n <n>', 'skip single-thread js rows from this N on', (v) => Number(v), 1e7)
  .option('--out <dir>', 'results directory', 'bench/results')
  .option('--no-write', 'print only')
  .option('--render <json>', 'only rewrite the Markdown of a results JSON (e.g. bench/results/latest.json)')
  .option(
    '--default-malloc',
    "keep glibc's default (return large freed blocks to the OS: every run's output pays fresh page faults)",
    false,
  );
program.parse();
const o = program.opts<{
  quick: boolean;
  runs?: number;
  steps: number;
  sizes: string;
  cases: string;
  threads?: number;
  maxN?: number;
  jsMaxN: number;
  out: string;
  write: boolean;
  defaultMalloc: boolean;
  render?: string;
}>();

if (o.render !== undefined) {
  const json = JSON.parse(readFileSync(o.render, 'utf8')) as Parameters<typeof markdown>[0];
  const target = o.render.replace(/\.json$/, '.md');
  writeFileSync(target, markdown(json));
  console.log(`written: ${target}`);
  process.exit(0);
}

// As for the Norse anchors (../shared/anchors.md), glibc is told to keep freed memory, so a run's
// output reuses the previous run's pages instead of faulting in fresh ones; the bench re-runs
// itself with that setting unless --default-malloc is given.
const KEEP_FREED_MEMORY = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' };
const mallocSetting =
  process.env.MALLOC_MMAP_MAX_ === undefined
    ? 'glibc defaults'
    : `MALLOC_MMAP_MAX_=${process.env.MALLOC_MMAP_MAX_} MALLOC_TRIM_THRESHOLD_=${process.env.MALLOC_TRIM_THRESHOLD_}`;
if (!o.defaultMalloc && process.platform === 'linux' && process.env.MALLOC_MMAP_MAX_ === undefined) {
  // --expose-gc: the cases collect garbage between configurations (large runs hold gigabytes).
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...KEEP_FREED_MEMORY },
  });
  process.exit(r.status ?? 1);
}

const sizes = o.sizes.split(',').map((s) => Number(s));
const cases = new Set(o.cases.split(','));
const ctx: CaseContext = {
  T: o.steps,
  runs: o.runs ?? (o.quick ? 3 : 5),
  threads: o.threads === undefined ? {} : { threads: o.threads },
  maxN: o.maxN ?? (o.quick ? 1e5 : 1e6),
  jsMaxN: o.jsMaxN,
  log: (line) => console.log(line),
};

/** Norse measured here when SPIKEFLOW_NORSE_PYTHON is set; else the anchors. */
const norseReference = (): NorseReference => {
  const python = process.env.SPIKEFLOW_NORSE_PYTHON;
  if (python === undefined || python === '') return anchorsReference(root);
  const src = process.env.SPIKEFLOW_NORSE_SRC;
  const env = { ...process.env, ...(src ? { PYTHONPATH: [src, process.env.PYTHONPATH].filter(Boolean).join(':') } : {}) };
  const args = [
    `${root}bench/norse_lif.py`,
    '--sizes',
    sizes.filter((n) => n <= ctx.maxN).join(','),
    '--steps',
    String(ctx.T),
    '--runs',
    '3',
    '--threads',
    String(o.threads ?? hardwareThreads()),
  ];
  console.log(`Norse side by side: ${python} ${args.join(' ')}`);
  const r = spawnSync(python, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    const fallback = anchorsReference(root);
    const why = (r.error?.message ?? r.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${r.status}`).slice(0, 300);
    console.log(`Norse side by side failed (${why}); comparing with the anchors instead`);
    return { ...fallback, detail: `${fallback.detail}; side-by-side run failed: ${why}` };
  }
  const parsed = JSON.parse(r.stdout.trim().split('\n').slice(-1)[0] as string) as {
    torch: string;
    norse: string;
    threads: number;
    rows: { N: number; lifSequence: number; cellLoop: number }[];
  };
  return {
    source: 'side-by-side',
    detail: `measured in this session: Norse ${parsed.norse}, PyTorch ${parsed.torch}, ${parsed.threads} threads, float32, batch 1, T = ${ctx.T}, median of 3`,
    figures: parsed.rows.map((f) => ({ ...f, best: Math.max(f.lifSequence, f.cellLoop) })),
  };
};

const main = async () => {
  const date = new Date().toISOString();
  const before = machine();
  console.log(`spikeflow bench on ${before.cpu} (${before.cores} cores), Node ${before.node}, load ${before.loadAverage.join(' ')}`);
  const norse = norseReference();
  console.log(`Norse reference: ${norse.source}`);
  const rows: Row[] = [];
  if (cases.has('lif')) rows.push(...(await lifCase(ctx, sizes)));
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
  const report = { date, machine: before, machineAfter: after, norse, rows, memory, options };
  const md = markdown(report);
  console.log(`\n${md}`);
  if (o.write) {
    const stamp = date.replace(/[:.]/g, '-');
    const files = writeReport(`${root}${o.out}`, stamp, report, md);
    console.log(`written: ${files.join(', ')}`);
  }
};

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
