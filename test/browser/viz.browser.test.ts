/**
 * Live sinks in a real browser: headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) loads test/browser/viz-page, bundled here with vite's JS API and served from
 * memory. The page streams a 10 000-neuron LIF network into every live sink; this test checks the
 * DOM and canvas pixels and saves a screenshot to test-artifacts/viz-browser.png.
 *
 * Chromium is found and launched by ./chromium.ts: when it is missing the test fails under CI
 * (process.env.CI) and is reported as skipped, with the reason, elsewhere.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumMissing, findChromium, launchChromium } from './chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const ORIGIN = 'http://spikeflow.test';

/** Bundles the test page into memory: file name → contents. */
const bundlePage = async (): Promise<Map<string, string | Uint8Array>> => {
  const out = await build({
    root: join(here, 'viz-page'),
    configFile: false,
    logLevel: 'warn',
    build: { write: false, minify: false, target: 'es2022', modulePreload: false },
  });
  const results = Array.isArray(out) ? out : [out];
  const files = new Map<string, string | Uint8Array>();
  for (const r of results) {
    if (!('output' in r)) throw new Error('vite build returned a watcher, expected output');
    for (const f of r.output) files.set(f.fileName, f.type === 'chunk' ? f.code : f.source);
  }
  return files;
};

interface Expected {
  steps: number;
  smallSpikes: number;
  tracedSpikes: number;
  lastSpikes: [number, number][];
  silentFrom: number;
  neurons: number;
}

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

describe('live sinks in headless Chromium', () => {
  it('stream a LIF network into every sink: marks counted, canvas pixels where spikes are, screenshot saved', async (ctx) => {
    const executablePath = findChromium();
    if (executablePath === undefined) return chromiumMissing(ctx, 'live sinks browser test');
    const files = await bundlePage();
    expect(files.has('index.html')).toBe(true);
    browser = await launchChromium([], executablePath);
    const page = await browser.newPage({ viewport: { width: 1320, height: 1000 }, deviceScaleFactor: 1 });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname.replace(/^\//, '') || 'index.html';
      const body = files.get(path);
      if (body === undefined) return route.fulfill({ status: 404, body: 'not found' });
      const contentType = path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'text/html';
      return route.fulfill({ status: 200, body: typeof body === 'string' ? body : Buffer.from(body), contentType });
    });
    await page.goto(`${ORIGIN}/`);

    // Wait until every sink has drawn the whole stream (1000 steps) after it completed.
    await page.waitForFunction(
      () => {
        const ids = ['dense', 'small', 'traces', 'rate', 'heatmap'];
        return ids.every((id) => document.querySelector<HTMLElement>(`#${id} .spikeflow-chart`)?.dataset.received === '1000');
      },
      undefined,
      { timeout: 30_000 },
    );
    // one more frame so that the last draw has happened
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(problems).toEqual([]);

    const expected = (await page.evaluate(() => (window.__viz as { expected: () => unknown }).expected())) as Expected;
    expect(expected.smallSpikes).toBeGreaterThan(100);
    expect(expected.lastSpikes.length).toBeGreaterThan(20);

    const dom = await page.evaluate(() => {
      const root = (id: string) => document.querySelector<HTMLElement>(`#${id} .spikeflow-chart`) as HTMLElement;
      const count = (id: string, sel: string) => root(id).querySelectorAll(sel).length;
      const data = (id: string): Record<string, string | undefined> => ({ ...root(id).dataset });
      return {
        dense: data('dense'),
        small: { renderer: data('small').renderer, circles: count('small', 'circle.spike') },
        traces: {
          ...data('traces'),
          paths: count('traces', 'path.trace'),
          spikes: count('traces', 'line.spike'),
          threshold: count('traces', 'line.threshold'),
        },
        rate: { ...data('rate'), bars: count('rate', 'rect.bar') },
        heatmap: data('heatmap'),
        burst: { ...data('burst'), circles: count('burst', 'circle.spike') },
        axes: ['dense', 'small', 'traces', 'rate', 'heatmap'].map(
          (id) => count(id, 'g.axis.x .tick') > 0 && count(id, 'g.axis.y .tick') > 0,
        ),
        labels: ['dense', 'traces', 'rate', 'heatmap'].map((id) => root(id).querySelector('text.label.x')?.textContent),
      };
    });
    // the small raster draws one SVG circle per spike; the dense one switched to canvas
    expect(dom.small.renderer).toBe('svg');
    expect(dom.small.circles).toBe(expected.smallSpikes);
    expect(dom.dense.renderer).toBe('canvas');
    expect(Number(dom.dense.marks)).toBeGreaterThan(100_000);
    expect(dom.traces.paths).toBe(3);
    expect(dom.traces.spikes).toBe(expected.tracedSpikes);
    expect(dom.traces.threshold).toBe(1);
    expect(dom.rate.bars).toBe(100);
    expect(dom.heatmap.renderer).toBe('canvas');
    expect(dom.axes).toEqual([true, true, true, true, true]);
    expect(dom.labels).toEqual(['time (ms)', 'time (ms)', 'time (ms)', 'x (pixel)']);
    // 500 chunks pushed in one task: one frame drew them all (rendering is decoupled from the stream)
    expect(dom.burst).toMatchObject({ frames: '1', received: '500', marks: '2000', circles: 2000 });

    // Canvas pixels: non-blank where spikes are, blank over the silent block of neurons.
    const pixels = await page.evaluate((spikes: [number, number][]) => {
      const viz = window.__viz as { charts: Record<string, { scales(): { x(v: number): number; y(v: number): number }; dt(): number }> };
      const dense = viz.charts.dense as (typeof viz.charts)['dense'] & object;
      const canvas = document.querySelector('#dense canvas') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const alpha = (x: number, y: number) => img.data[(y * img.width + x) * 4 + 3] as number;
      const s = dense.scales();
      const msPerStep = dense.dt() * 1000;
      const near = (x: number, y: number) => {
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) if (alpha(Math.floor(x) + dx, Math.floor(y) + dy) > 0) return true;
        return false;
      };
      const atSpikes = spikes.map(([step, n]) => near(s.x(step * msPerStep), s.y(n)));
      // rows of the silent neurons (9000..9999): from the top of the plot down to y(9000.5)
      const silentRows = Math.floor(s.y(9000.5)) - 1;
      let silentLit = 0;
      for (let y = 0; y < silentRows; y++) for (let x = 0; x < img.width; x++) if (alpha(x, y) > 0) silentLit++;
      let drivenLit = 0;
      let drivenTotal = 0;
      for (let y = silentRows + 4; y < img.height; y++)
        for (let x = 0; x < img.width; x++) {
          drivenTotal++;
          if (alpha(x, y) > 0) drivenLit++;
        }
      // heatmap: a cell of a neuron that spiked recently is not the colour of 0; the silent rows are
      const hm = document.querySelector('#heatmap canvas') as HTMLCanvasElement;
      const hctx = hm.getContext('2d') as CanvasRenderingContext2D;
      const cell = (n: number) => {
        const r = Math.floor(n / 100);
        const c = n % 100;
        const p = hctx.getImageData(Math.floor(((c + 0.5) * hm.width) / 100), Math.floor(((r + 0.5) * hm.height) / 100), 1, 1).data;
        return [p[0], p[1], p[2], p[3]];
      };
      const zero = cell(9999);
      const active = spikes.map(([, n]) => cell(n)).filter((p) => p.join() !== zero.join()).length;
      return { atSpikes, silentRows, silentLit, drivenLit, drivenTotal, zero, active };
    }, expected.lastSpikes);
    expect(pixels.atSpikes.every(Boolean)).toBe(true);
    expect(pixels.silentRows).toBeGreaterThan(15);
    expect(pixels.silentLit).toBe(0);
    expect(pixels.drivenLit / pixels.drivenTotal).toBeGreaterThan(0.5);
    expect(pixels.zero).toEqual([0, 0, 4, 255]); // inferno(0) = #000004
    expect(pixels.active).toBe(expected.lastSpikes.length);

    // Frame times of the dense raster (informational, not asserted: speed belongs in bench/):
    // a frame with 10 new steps (12 500 new spikes), and a full repaint of the window.
    const timing = await page.evaluate(() => {
      const viz = window.__viz as {
        dense: { draw(): unknown; push(d: unknown): unknown; color(c?: unknown): unknown };
        spikeChunk(): unknown;
      };
      const chunks = Array.from({ length: 20 }, () => viz.spikeChunk());
      let t0 = performance.now();
      for (const c of chunks) {
        viz.dense.push(c);
        viz.dense.draw();
      }
      const frame = (performance.now() - t0) / chunks.length;
      t0 = performance.now();
      for (let k = 0; k < 5; k++) {
        viz.dense.color(viz.dense.color()); // new colours: the strip is repainted from the store
        viz.dense.draw();
      }
      return { frame, full: (performance.now() - t0) / 5 };
    });
    console.info(
      `dense raster, 10 000 neurons × 1 000 steps (${dom.dense.marks} spikes held): ` +
        `${timing.frame.toFixed(1)} ms per frame with 10 new steps, ${timing.full.toFixed(1)} ms per full repaint`,
    );

    mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-artifacts', 'viz-browser.png'), fullPage: true });
  });
});
