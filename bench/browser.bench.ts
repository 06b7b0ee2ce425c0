/**
 * `npm run bench:browser`: LIF throughput in headless Chromium (Debian's package, driven by
 * playwright-core), per backend, in two pages served side by side by one local server:
 * - `plain`: no special headers (no `SharedArrayBuffer`): `threads` runs the WebAssembly SIMD
 *   kernel on the page's main thread;
 * - `isolated`: `Cross-Origin-Opener-Policy: same-origin` + `Cross-Origin-Embedder-Policy:
 *   require-corp`: `threads` runs on the main thread plus Web Workers over shared memory.
 * Backends: `js` (the reference loop), `threads`, and `gpu` (gpu.js WebGL2 — SwiftShader, a CPU
 * rasterizer, without a GPU; Chromium launched with SwiftShader's flags).
 *
 * Rows: `lif.run` over the whole `[T, 1, N]` float32 input at once, default parameters, input
 * uniform in [0, 0.6) (the setting of issue 19's targets and of `npm run bench`): median of
 * `--runs` runs after one warm-up, the public API with validation and output allocation included
 * (fresh output arrays, the default, and `outputs: 'reuse'`, which keeps one output array per run
 * function; in the isolated page also with the input in shared memory from the start,
 * `sharedTensor`, instead of ordinary memory, which runs on one thread when too large to stage); the `threads`
 * kernel alone (preallocated buffers); and
 * for every backend chunks of 100 steps threaded through the state (`measureLif`, within a time
 * budget: what a stream does). The machine's load average is printed before and after: figures
 * on a loaded machine are pessimistic. Kernel rows also give neuron-steps per CPU-second of the
 * renderer processes (Linux): a figure that a loaded machine changes little, so one and several
 * threads can be compared even when other processes leave this one a fraction of the cores.
 *
 * Usage: `npm run bench:browser -- [--quick] [--sizes 1e4,1e5] [--steps 1000] [--runs 5] [--budget 10]
 * [--backends js,threads,gpu] [--no-chunks] [--json out.json]`. `--quick` (about 2 minutes):
 * N = 1e5, `threads` only, 3 runs, no chunked rows — the figures of issue 19's browser targets
 * (≥ 5e8 neuron-steps/s in a plain page, ≥ 8e8 cross-origin isolated), compared at the end.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { iifeBundle } from '../test/browser/bundle.js';
import { CHROMIUM_MISSING, findChromium, launchChromium, SWIFTSHADER_ARGS } from '../test/browser/chromium.js';
import { pageLoading, servePages } from '../test/browser/server.js';
import type { RunMeasurement } from './backends.page.js';
import type { LifMeasurement } from './lifMeasure.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1e4,1e5' },
    steps: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    budget: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'js,threads,gpu' },
    quick: { type: 'boolean', default: false },
    'no-chunks': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const quick = args.quick === true;
const given = (name: string): boolean => process.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const sizes = String(quick && !given('sizes') ? '1e5' : args.sizes)
  .split(',')
  .map(Number);
const T = Number(args.steps);
const runs = Number(quick && !given('runs') ? '3' : args.runs);
const budgetMs = Number(args.budget) * 1000;
const backends = String(quick && !given('backends') ? 'threads' : args.backends).split(',');
const chunks = !(quick || args['no-chunks'] === true);

const fmt = (r: number): string => (r >= 1e9 ? `${(r / 1e9).toFixed(2)} G` : `${(r / 1e6).toFixed(1)} M`);
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * CPU seconds (user + system) used so far by the renderer processes of the Chromium this bench
 * started (descendants of this process; Linux `/proc`; NaN elsewhere).
 */
const rendererCpuSeconds = (): number => {
  try {
    const stats = new Map<number, { parent: number; ticks: number; renderer: boolean }>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
        const renderer = readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
        stats.set(Number(pid), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), renderer });
      } catch {
        // the process ended meanwhile
      }
    }
    const ours = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 64; p = stats.get(p)?.parent ?? 0, hops++) if (p === process.pid) return true;
      return false;
    };
    let ticks = 0;
    for (const [pid, st] of stats) if (st.renderer && ours(pid)) ticks += st.ticks;
    return ticks / 100; // USER_HZ
  } catch {
    return Number.NaN;
  }
};

const chromiumPath = findChromium();
if (chromiumPath === undefined) {
  console.log(`browser bench not run: ${CHROMIUM_MISSING}`);
  process.exit(1);
}

interface Row {
  readonly page: string;
  readonly N: number;
  readonly backend: string;
  readonly level: string;
  readonly rate: number;
  readonly ms: number;
  readonly note: string;
}
const rows: Row[] = [];
const show = (r: Row): void => {
  rows.push(r);
  console.log(`| ${r.page} | ${r.N.toExponential(0)} | ${r.backend} | ${r.level} | ${fmt(r.rate)} | ${r.ms.toFixed(1)} | ${r.note} |`);
};

const code = await iifeBundle(join(here, 'backends.page.ts'), 'spikeflowBench');
const server = await servePages({ 'index.html': pageLoading('bench.js'), 'bench.js': { body: code, type: 'text/javascript' } });
const browser = await launchChromium([...SWIFTSHADER_ARGS, '--js-flags=--max-old-space-size=8192 --expose-gc'], chromiumPath);

type Api = Record<string, (...a: unknown[]) => unknown>;
const api = <R>(page: Page, fn: string, ...a: unknown[]): Promise<R> =>
  page.evaluate(
    ([f, x]) =>
      ((globalThis as unknown as { spikeflowBench: Api }).spikeflowBench[f as string] as (...b: unknown[]) => unknown)(...(x as unknown[])),
    [fn, a] as const,
  ) as Promise<R>;

console.log(`spikeflow browser bench, ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before: ${load()}`);
console.log(
  `LIF float32, batch 1, input uniform [0, 0.6), T = ${T}; median of ${runs} runs after one warm-up; chunked rows: chunks of 100 within ${budgetMs / 1000} s`,
);

try {
  const pages: Record<string, Page> = {};
  for (const kind of ['plain', 'isolated'] as const) {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    await page.goto(`${server.origin}/${kind}/`);
    const env = await api<{ isolated: boolean; hardwareThreads: number; userAgent: string }>(page, 'env');
    const threads = await api<number>(page, 'start');
    console.log(`${kind} page: crossOriginIsolated ${env.isolated}, threads ready ${threads} of ${env.hardwareThreads}; ${env.userAgent}`);
    if (kind === 'plain')
      console.log(
        `gpu backend: ${JSON.stringify(await api(page, 'describe'))}; auto may pick it: ${String(await api(page, 'autoSelectable'))}`,
      );
    pages[kind] = page;
  }
  console.log('| page | N | backend | measured | neuron-steps/s | ms (median run; mean chunk) | what ran |');
  console.log('| --- | ---: | --- | --- | ---: | ---: | --- |');
  for (const N of sizes) {
    for (const kind of ['plain', 'isolated'] as const) {
      const page = pages[kind] as Page;
      console.log(`| ${kind} | ${N.toExponential(0)} | auto picks ${await api<string>(page, 'autoPick', N)} | | | | |`);
      for (const backend of backends) {
        if (backend === 'gpu') continue; // chunked rows only: a whole run on SwiftShader takes minutes at N = 1e5
        // threads: fresh outputs (default) and outputs: 'reuse'; in the isolated page also the input
        // in shared memory from the start (sharedTensor: the shared heap there), on one thread and on all.
        const variants: [boolean, boolean, number | undefined][] =
          backend !== 'threads'
            ? [[false, false, undefined]]
            : kind === 'isolated'
              ? [
                  [false, false, undefined],
                  [false, true, undefined],
                  [true, true, 1],
                  [true, true, undefined],
                  [true, false, undefined],
                ]
              : [
                  [false, false, undefined],
                  [false, true, undefined],
                ];
        for (const [shared, reuse, threads] of variants) {
          const m = await api<RunMeasurement>(page, 'measureRun', N, T, runs, backend, shared, reuse, threads);
          const where = `${shared ? 'input in shared memory' : 'input in ordinary memory'}, ${reuse ? "outputs: 'reuse'" : 'fresh outputs'}${threads === undefined ? '' : `, at most ${threads} thread`}`;
          show({
            page: kind,
            N,
            backend,
            level: `lif.run T=${T} (${where})`,
            rate: m.rate,
            ms: m.medianMs,
            note: `${m.note}; ${(m.spikeFraction * 100).toFixed(1)} % spike`,
          });
        }
        if (backend === 'threads') {
          for (const threads of kind === 'isolated' ? [1, undefined] : [undefined]) {
            await api(page, 'prepareKernel', N, T, threads);
            const cpu0 = rendererCpuSeconds();
            const k = await api<RunMeasurement>(page, 'timeKernel', runs);
            const cpu = rendererCpuSeconds() - cpu0;
            const level = `kernel alone T=${T}${threads === undefined ? '' : `, at most ${threads} thread`}`;
            // CPU time of the renderers over the timed runs (Linux): work per CPU-second does not
            // depend on how much of the machine other processes leave to this one.
            const perCpu = Number.isNaN(cpu) || cpu <= 0 ? '' : `; ${fmt((T * N * runs) / cpu)} per renderer CPU-second`;
            show({ page: kind, N, backend, level, rate: k.rate, ms: k.medianMs, note: `${k.note}${perCpu}` });
          }
        }
      }
      for (const backend of chunks ? backends : []) {
        try {
          const m = await api<LifMeasurement>(page, 'measure', N, T, 100, budgetMs, backend);
          const device = `${m.info?.device ?? '?'}${m.info?.renderer ? ` (${m.info.renderer.replace(/^ANGLE \(|\)$/g, '').slice(0, 50)})` : ''}`;
          const steps = m.warmupOnly ? 'first chunk only, incl. compile' : `${m.steps} steps`;
          show({
            page: kind,
            N,
            backend,
            level: `chunks of 100 (${steps})`,
            rate: m.rate,
            ms: (m.seconds * 1000) / Math.max(1, m.steps / 100),
            note: `${device}; ${m.info?.note ?? ''}`,
          });
        } catch (e) {
          console.log(
            `| ${kind} | ${N.toExponential(0)} | ${backend} | chunks of 100 | failed: ${String(e).split('\n')[0]?.slice(0, 120)} | | |`,
          );
        }
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`load average after: ${load()}`);
// Issue 19's browser targets at N = 1e5: the best lif.run and kernel figure per page.
for (const [page, target] of [
  ['plain', 5e8],
  ['isolated', 8e8],
] as const) {
  const best = (level: string) =>
    Math.max(0, ...rows.filter((r) => r.page === page && r.N === 1e5 && r.level.startsWith(level)).map((r) => r.rate));
  const run = best('lif.run');
  if (run > 0) {
    console.log(
      `target ${page} page, N = 1e5: best lif.run ${fmt(run)} (${(run / target).toFixed(2)} of ${fmt(target)}), kernel alone ${fmt(best('kernel'))}`,
    );
  }
}
// Issue 19: the isolated page's multi-threaded lif.run against its best one-thread lif.run (same run, same load).
{
  const iso = rows.filter((r) => r.page === 'isolated' && r.N === 1e5 && r.level.startsWith('lif.run'));
  const threadsOf = (r: Row): number => Number(/^(\d+) thread/.exec(r.note)?.[1] ?? '0');
  const multi = Math.max(0, ...iso.filter((r) => threadsOf(r) > 1).map((r) => r.rate));
  const one = Math.max(0, ...iso.filter((r) => threadsOf(r) === 1).map((r) => r.rate));
  if (multi > 0 && one > 0) {
    console.log(
      `isolated page, N = 1e5: best multi-threaded lif.run ${fmt(multi)}, best one-thread ${fmt(one)}: ${(multi / one).toFixed(2)}×`,
    );
  }
}
if (args.json) writeFileSync(String(args.json), `${JSON.stringify(rows, null, 2)}\n`);
