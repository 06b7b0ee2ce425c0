/**
 * The NIR page of the playground (examples/nir/) in headless Chromium against Vite's dev server:
 * the demo network runs on the synthetic bar; a dropped reference NIR file (read by h5wasm in the
 * browser) replaces it and runs on Poisson input; an unsupported file is reported on the page.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, findChromium, launchChromium } from './chromium.js';

const root = resolve(import.meta.dirname, '../..');
const configFile = resolve(root, 'examples/vite.config.ts');
const artifacts = resolve(root, 'test-artifacts/playground');
const executablePath = findChromium();

const statusSteps = async (page: Page): Promise<number> => Number(/(\d+) steps/.exec((await page.textContent('#status')) ?? '')?.[1] ?? 0);

if (executablePath === undefined) {
  it('runs the NIR page in headless Chromium', (ctx) => chromiumMissing(ctx, 'the NIR page browser tests'));
} else {
  describe('NIR page in headless Chromium', () => {
    let browser: Browser;
    let vite: ViteDevServer;
    let cacheDir: string;
    let url: string;

    beforeAll(async () => {
      await mkdir(artifacts, { recursive: true });
      cacheDir = await mkdtemp(join(tmpdir(), 'spikeflow-vite-nir-'));
      vite = await createServer({ configFile, cacheDir, logLevel: 'error', server: { port: 0, strictPort: false, host: '127.0.0.1' } });
      await vite.listen();
      url = new URL('nir/index.html', vite.resolvedUrls?.local[0]).href;
      browser = await launchChromium([], executablePath);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await vite?.close();
      if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
    });

    it('runs the demo, then a dropped NIR file, without console errors', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      // the demo network fires on the moving bar
      await page.waitForFunction(
        () => Number(/(\d+) output spikes/.exec(document.querySelector('#status')?.textContent ?? '')?.[1] ?? 0) > 0,
        undefined,
        {
          timeout: 90_000,
        },
      );
      expect(await page.textContent('#graph')).toMatch(/demo network[\s\S]*conv\s+Conv2d\s+\[8, 17, 17\]/);
      expect(await page.textContent('#source-info')).toMatch(/events binned onto 2×34×34/);

      await page.setInputFiles('#model-file', resolve(root, 'test/fixtures/nir/cuba_lif_mlp.nir'));
      // h5wasm (4 MB of WebAssembly) loads on first use
      await page.waitForFunction(() => /cuba_lif_mlp\.nir/.test(document.querySelector('#graph')?.textContent ?? ''), undefined, {
        timeout: 90_000,
      });
      expect(await page.textContent('#graph')).toMatch(/lif1\s+CubaLIF\s+\[16\]/);
      expect(await page.textContent('#source-info')).toMatch(/Poisson spikes on 4 inputs/);
      const before = await statusSteps(page);
      await page.waitForFunction(
        (n) => Number(/(\d+) steps/.exec(document.querySelector('#status')?.textContent ?? '')?.[1] ?? 0) > n + 200,
        before,
        {
          timeout: 30_000,
        },
      );
      await page.screenshot({ path: join(artifacts, 'nir.png') });

      await page.setInputFiles('#model-file', {
        name: 'broken.nir',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('not hdf5'),
      });
      await page.waitForFunction(() => /not an HDF5 file/.test(document.querySelector('#error')?.textContent ?? ''), undefined, {
        timeout: 30_000,
      });
      expect(errors).toEqual([]);
      await page.close();
    }, 300_000);
  });
}
