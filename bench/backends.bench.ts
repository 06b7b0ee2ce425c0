/**
 * LIF throughput per backend: neuron-steps per second at N ∈ {1e3, 1e4, 1e5, 1e6} neurons,
 * T = 1000 steps in chunks of 100 (state threaded from chunk to chunk, every chunk's spikes read),
 * default parameters, input uniform in [0, 0.6) — the setting of the Norse anchors in
 * ../shared/anchors.md. Measured in Node (`js`, and `gpu`: gpu.js in the mode it has here) and in
 * headless Chromium (`js`, and `gpu` on WebGL2 — SwiftShader where there is no GPU). Shows what
 * `auto` would choose and what actually ran on which device.
 *
 * Usage: `npx tsx bench/backends.bench.ts [--sizes 1000,10000] [--steps 1000] [--chunk 100]
 * [--budget 20] [--no-browser] [--json results.json]` (`--budget`: seconds per measurement; a
 * measurement stops after whole chunks once it is spent and reports the steps it timed).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { lif } from '../src/neurons/lif.js';
import { executionOf } from '../src/ops/backends/backendRegistry.js';
import { gpuBackend } from '../src/ops/backends/gpuBackend.js';
import { slice } from '../src/ops/tensor.js';
import { CHROMIUM_MISSING, findChromium, launchChromium, SWIFTSHADER_ARGS } from '../test/browser/chromium.js';
import { type LifMeasurement, lifChunkInput, measureLif } from './lifMeasure.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000,1000000' },
    steps: { type: 'string', default: '1000' },
    chunk: { type: 'string', default: '100' },
    budget: { type: 'string', default: '20' },
    'no-browser': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const sizes = String(args.sizes).split(',').map(Number);
const steps = Number(args.steps);
const chunk = Number(args.chunk);
const budgetMs = Number(args.budget) * 1000;

interface Row extends LifMeasurement {
  readonly where: string;
  readonly backend: string;
  readonly auto: string;
}

const rows: Row[] = [];
const fmt = (r: number): string => (r >= 1e9 ? `${(r / 1e9).toFixed(2)} G` : `${(r / 1e6).toFixed(1)} M`);
const show = (row: Row): void => {
  const device = `${row.info?.device ?? '?'}${row.info?.renderer ? ` (${row.info.renderer.replace(/^ANGLE \(|\)$/g, '').slice(0, 60)})` : ''}`;
  console.log(
    `| ${row.where} | ${row.N.toExponential(0)} | ${row.backend} | ${device} | ${row.steps}${row.warmupOnly ? ' (first chunk, incl. compile)' : ''} | ${fmt(row.rate)} | ${row.warmupSeconds.toFixed(2)} | ${row.auto} |`,
  );
};

console.log(`LIF, T = ${steps} in chunks of ${chunk}, budget ${budgetMs / 1000} s per measurement`);
console.log('| where | N | backend | device | steps timed | neuron-steps/s | first chunk s | auto picks |');
console.log('| --- | ---: | --- | --- | ---: | ---: | ---: | --- |');

for (const N of sizes) {
  const xs = lifChunkInput(N, chunk, 1);
  const [probe] = lif.run({}, 0.001, { backend: 'auto' })(slice(xs, 0, 1));
  const auto = executionOf(probe)?.backend ?? '?';
  for (const backend of ['js', 'gpu'] as const) {
    const m = measureLif(xs, steps, budgetMs, backend, executionOf);
    const row = { ...m, where: 'node', backend, auto };
    rows.push(row);
    show(row);
  }
}
console.log(`node: gpu backend ${JSON.stringify(gpuBackend.describe())}; auto: ${String(gpuBackend.autoSelectable())}`);

const chromiumPath = findChromium();

if (!args['no-browser'] && chromiumPath !== undefined) {
  const result = await build({
    configFile: false,
    root: join(here, '..'),
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      lib: { entry: join(here, 'backends.page.ts'), formats: ['iife'], name: 'spikeflowBench', fileName: 'bench' },
    },
  });
  const output = (Array.isArray(result) ? result[0] : result) as { output: { type: string; code?: string }[] };
  const code = output.output.find((o) => o.type === 'chunk')?.code ?? '';
  const browser = await launchChromium([...SWIFTSHADER_ARGS, '--js-flags=--max-old-space-size=8192'], chromiumPath);
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: code });
    type Api = { autoSelectable: () => true | string; measure: (...a: unknown[]) => LifMeasurement; describe: () => unknown };
    const api = <R>(fn: keyof Api, ...a: unknown[]): Promise<R> =>
      page.evaluate(
        ([f, x]) =>
          ((globalThis as unknown as { spikeflowBench: Api }).spikeflowBench[f as keyof Api] as (...b: unknown[]) => unknown)(
            ...(x as unknown[]),
          ),
        [fn, a] as const,
      ) as Promise<R>;
    const selectable = await api<true | string>('autoSelectable');
    for (const N of sizes) {
      for (const backend of ['js', 'gpu'] as const) {
        try {
          const m = await api<LifMeasurement>('measure', N, steps, chunk, budgetMs, backend);
          const row = { ...m, where: 'chromium', backend, auto: selectable === true ? 'gpu' : 'js' };
          rows.push(row);
          show(row);
        } catch (e) {
          console.log(`| chromium | ${N.toExponential(0)} | ${backend} | failed: ${String(e).split('\n')[0]?.slice(0, 120)} | | | | |`);
        }
      }
    }
    console.log(`chromium: gpu backend ${JSON.stringify(await api('describe'))}; auto: ${String(selectable)}`);
  } finally {
    await browser.close();
  }
} else if (!args['no-browser']) {
  console.log(`chromium: not measured (${CHROMIUM_MISSING})`);
}

if (args.json) writeFileSync(String(args.json), `${JSON.stringify(rows, null, 2)}\n`);
