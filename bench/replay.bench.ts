/**
 * Frames per second of the playground's event-camera replay (examples/live/events.html) in headless
 * Chromium, for each real recording in ../shared/data/events: the page is served by Vite, the file
 * uploaded, and animation frames counted over a few seconds of replay.
 *
 * `npm run bench:replay [-- --seconds 4 --profile --trace --root <checkout>]`; `--profile` also writes a CPU profile per
 * recording (test-artifacts/replay/<name>.cpuprofile) and prints the functions with most self time.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createServer } from 'vite';
import { launchChromium } from '../test/browser/chromium.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 4) || 4;
const profile = args.includes('--profile');
const trace = args.includes('--trace');
const data = resolve(root, '../shared/data/events');
/** `--root <dir>`: serve the playground of another checkout (e.g. an older commit, for a before/after pair in one run). */
const served = args.includes('--root') ? resolve(args[args.indexOf('--root') + 1] as string) : root;
const recordings = ['evt2_sample.raw', 'evt3_sample.raw', 'sample_nmnist.bin'];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const topSelf = (p: CpuProfile, n = 15): string[] => {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  p.samples.forEach((id, k) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anon)'} ${basename(f.url.split('?')[0] ?? '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[k] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
};

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  args?: { name?: string };
}
/** Total duration (ms) per timeline event name on the renderer's main thread (nested events overlap their parents). */
const mainThread = (t: { traceEvents: TraceEvent[] }): string => {
  const main = t.traceEvents.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const sums = new Map<string, number>();
  for (const e of t.traceEvents) {
    if (main === undefined || e.tid !== main.tid || e.pid !== main.pid || e.ph !== 'X' || e.dur === undefined) continue;
    sums.set(e.name, (sums.get(e.name) ?? 0) + e.dur / 1000);
  }
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 18)
    .map(([k, v]) => `${v.toFixed(0).padStart(6)} ms  ${k}`)
    .join('\n  ');
};

const main = async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'spikeflow-vite-'));
  const vite = await createServer({
    configFile: resolve(served, 'examples/vite.config.ts'),
    cacheDir,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1' },
  });
  await vite.listen();
  const url = vite.resolvedUrls!.local[0]!;
  const browser = await launchChromium();
  console.log(
    `Chromium ${browser.version()}, ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const rows: string[] = [];
  try {
    for (const name of recordings) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`${name}: ${e.message}`));
      await page.goto(new URL('live/events.html', url).href);
      await page.locator('#file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: await readFile(join(data, name)) });
      await page.locator('#source-info').filter({ hasText: name }).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1000); // warm up
      const cdp = profile ? await context.newCDPSession(page) : undefined;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      // a string, not a function: tsx would name the closures with a helper the page lacks
      const fps = (await page.evaluate(`new Promise((ok) => {
        let frames = 0, longest = 0, last = performance.now();
        const t0 = last;
        const tick = (t) => {
          longest = Math.max(longest, t - last);
          last = t;
          frames++;
          if (t - t0 < ${seconds * 1000}) requestAnimationFrame(tick);
          else ok({ frames, ms: t - t0, longest });
        };
        requestAnimationFrame(tick);
      })`)) as { frames: number; ms: number; longest: number };
      if (trace) {
        await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
        await page.waitForTimeout(2000);
        const buf = await browser.stopTracing();
        console.log(`${name}: main thread over 2 s\n  ${mainThread(JSON.parse(buf.toString()))}`);
      }
      if (cdp) {
        const { profile: p } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
        await mkdir(resolve(root, 'test-artifacts/replay'), { recursive: true });
        await writeFile(resolve(root, `test-artifacts/replay/${name}.cpuprofile`), JSON.stringify(p));
        console.log(`${name}: top self time\n  ${topSelf(p).join('\n  ')}`);
      }
      const status = await page.locator('#status').textContent();
      rows.push(`| ${name} | ${((1000 * fps.frames) / fps.ms).toFixed(1)} | ${fps.longest.toFixed(0)} | ${status} |`);
      await context.close();
    }
  } finally {
    await browser.close();
    await vite.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
  console.log(`\n| recording | frames/s | longest frame (ms) | status at the end |\n| --- | --- | --- | --- |\n${rows.join('\n')}`);
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
};

await main();
