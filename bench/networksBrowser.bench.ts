/**
 * `npm run bench:networks-browser`: why `auto` keeps networks off the `gpu` backend. The CUBA
 * network (Brette et al. 2007; 80 % E, p = 0.02, dt = 0.1 ms; one step per gpu call) and Brunel's
 * (2000; 1.5 ms delays: 15 steps per gpu call) in headless Chromium (Debian's
 * package, driven by playwright-core, SwiftShader's flags) on `js`, `threads` (WebAssembly SIMD)
 * and `gpu` (gpu.js WebGL2, one kernel launch, one upload and one read-back per population and
 * block of steps; SwiftShader renders on the CPU, so a hardware GPU would compute faster but still pay a
 * launch and a synchronous read-back every step), side by side in one page; and what `auto`
 * picks. Prints milliseconds per step (median of `--runs` chunks of `--steps` after `--warmup`
 * steps) and the load average: figures on a loaded machine are pessimistic.
 *
 * Usage: `npm run bench:networks-browser -- [--cases cuba,brunel] [--sizes 1000,4000] [--steps 200] [--runs 5] [--warmup 1000]`.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { iifeBundle, pageCaller } from '../test/browser/bundle.js';
import { CHROMIUM_MISSING, findChromium, launchChromium, SWIFTSHADER_ARGS } from '../test/browser/chromium.js';
import type { NetworkMeasurement } from './networksBrowser.page.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: 'cuba,brunel' },
    sizes: { type: 'string', default: '1000,4000' },
    steps: { type: 'string', default: '200' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1000' },
  },
});
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const chromiumPath = findChromium();
if (chromiumPath === undefined) {
  console.log(`networks browser bench not run: ${CHROMIUM_MISSING}`);
  process.exit(1);
}
const code = await iifeBundle(join(here, 'networksBrowser.page.ts'), 'spikeflowNetworksBench');
const browser = await launchChromium(SWIFTSHADER_ARGS, chromiumPath);
const api = pageCaller('spikeflowNetworksBench');

console.log(`spikeflow networks browser bench, ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before: ${load()}`);
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(600_000);
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ content: code });
  console.log(`gpu backend: ${JSON.stringify(await api(page, 'describe'))}`);
  const T = Number(args.steps);
  const runs = Number(args.runs);
  console.log(`chunks of ${T} steps, median of ${runs} after a warm-up of ${args.warmup} steps`);
  console.log('| network | N | asked | ran | engine | ms per step | × threads | spikes |');
  console.log('| --- | ---: | --- | --- | --- | ---: | ---: | ---: |');
  for (const name of String(args.cases).split(',')) {
    for (const n of String(args.sizes).split(',').map(Number)) {
      let threadsMs = Number.NaN;
      for (const b of ['threads', 'js', 'gpu', 'auto']) {
        const m = await api<NetworkMeasurement>(page, 'measure', name, n, T, runs, Number(args.warmup), b);
        if (b === 'threads') threadsMs = m.msPerStep;
        console.log(
          `| ${name} | ${n} | ${b} | ${m.backend} | ${m.engine} | ${m.msPerStep.toFixed(3)} | ${(m.msPerStep / threadsMs).toFixed(1)} | ${m.spikes} |`,
        );
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`load average after: ${load()}`);
