/**
 * End-to-end checks of the playground (examples/) in headless Chromium, driven by playwright-core:
 * against Vite's dev server, and against the static build served from a sub-path (relative base).
 * Screenshots go to test-artifacts/playground/.
 *
 * Needs Debian's `chromium` (or CHROMIUM_PATH), found and launched by ./chromium.ts. Without it the
 * suite fails when CI is set, and otherwise reports (as a skipped test) that it did not run.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, findChromium, launchChromium } from './chromium.js';

const root = resolve(import.meta.dirname, '../..');
const configFile = resolve(root, 'examples/vite.config.ts');
const artifacts = resolve(root, 'test-artifacts/playground');

const executablePath = findChromium();

/** Collects console errors and uncaught exceptions of a page. */
const watchErrors = (page: Page): string[] => {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
};

/** Parses a d3 line path "M x,y L x,y …" into points (pixels). */
const pathPoints = (d: string): { x: number; y: number }[] =>
  [...d.matchAll(/[ML]\s*(-?[\d.e+-]+)[ ,](-?[\d.e+-]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

/** Reads the plotted voltage trace back from the SVG of the traces sink (path, threshold line, axes, spike marks). */
const plottedVoltage = async (page: Page) =>
  page.evaluate(() => {
    const svg = document.querySelector('#voltage-plot svg.traces')!;
    const [lo, hi] = svg.querySelector('g.axis.y')!.getAttribute('data-domain')!.split(',').map(Number) as [number, number];
    const plotHeight = Number(/translate\(0,([^)]+)\)/.exec(svg.querySelector('g.axis.x')!.getAttribute('transform')!)![1]);
    return {
      d: svg.querySelector('path.trace')!.getAttribute('d')!,
      thresholdY: Number(svg.querySelector('line.threshold')!.getAttribute('y1')),
      lo,
      hi,
      plotHeight,
      spikes: svg.querySelectorAll('line.spike').length,
    };
  });

/** Pixel y in the plot area → volts, from the y axis' domain. */
const toVolts = (p: { lo: number; hi: number; plotHeight: number }, y: number): number =>
  p.lo + ((p.plotHeight - y) / p.plotHeight) * (p.hi - p.lo);

/** Marks a spikeflow chart reports it holds (`data-marks` of its SVG). */
const chartMarks = async (page: Page, selector: string): Promise<number> =>
  Number(await page.locator(`${selector} svg.spikeflow`).getAttribute('data-marks'));

/** Counts the canvas pixels that differ from its most common colour (the background). */
const drawnPixels = async (page: Page, selector: string): Promise<number> =>
  page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let k = 0; k < data.length; k += 4) {
      const key = (data[k]! << 16) | (data[k + 1]! << 8) | data[k + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const background = Math.max(...counts.values());
    return data.length / 4 - background;
  }, selector);

/** A tiny static file server for the built playground, mounted under `prefix`. */
const serveStatic = (dir: string, prefix: string): Promise<{ server: Server; url: string }> => {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const server = createHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(dir, path.slice(prefix.length) || 'index.html'));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}${prefix}` })),
  );
};

/** N-MNIST `.bin` bytes (5 bytes per event: x, y, p | t in 23 bits) for a synthetic recording. */
const nmnistBytes = (events: readonly [t: number, x: number, y: number, p: number][]): Buffer => {
  const b = Buffer.alloc(events.length * 5);
  events.forEach(([t, x, y, p], k) => {
    b[k * 5] = x;
    b[k * 5 + 1] = y;
    b[k * 5 + 2] = (p << 7) | ((t >> 16) & 0x7f);
    b[k * 5 + 3] = (t >> 8) & 0xff;
    b[k * 5 + 4] = t & 0xff;
  });
  return b;
};

if (executablePath === undefined) {
  it('runs the playground in headless Chromium', (ctx) => chromiumMissing(ctx, 'the playground browser tests'));
} else {
  describe('playground in headless Chromium', () => {
    let browser: Browser;
    let vite: ViteDevServer;
    let devUrl: string;
    let cacheDir: string;

    beforeAll(async () => {
      await mkdir(artifacts, { recursive: true });
      cacheDir = await mkdtemp(join(tmpdir(), 'spikeflow-vite-'));
      vite = await createServer({ configFile, cacheDir, logLevel: 'error', server: { port: 0, strictPort: false, host: '127.0.0.1' } });
      await vite.listen();
      devUrl = vite.resolvedUrls!.local[0]!;
      browser = await launchChromium([], executablePath);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await vite?.close();
      if (cacheDir !== undefined) await rm(cacheDir, { recursive: true, force: true });
    });

    const open = async (path: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(new URL(path, devUrl).href);
      return { page, errors, close: () => context.close() };
    };

    it('loads the tutorial page without console errors and runs every step', async () => {
      const { page, errors, close } = await open('tutorial/index.html');
      await page.locator('#out-6').filter({ hasText: 'spikes [200, 1, 100]' }).waitFor();
      await expect(page.locator('#out-1').textContent()).resolves.toContain('t.shape = [2, 2, 2]');
      await expect(page.locator('#out-2').textContent()).resolves.toContain('tensor([0, 3, 1], shape=[3], dtype=float32)');
      // step 3 in the page: the hand-derived first voltage under 0.3 is 0.001·100·0.3 = 0.03
      await expect(page.locator('#out-3').textContent()).resolves.toContain('step 1: z = 0, v = 0.030000');
      await expect(page.locator('#code-3').textContent()).resolves.toContain('lif.step({}, 0.001)');
      // step 6's raster holds every spike of the 60 neurons above 0.2 (and none of the 40 below)
      expect(await chartMarks(page, '#raster')).toBeGreaterThan(60);
      await page.screenshot({ path: join(artifacts, 'tutorial.png'), fullPage: true });
      // the charts fill their panels, and the text names the marks the plot draws
      for (const id of ['#voltage-plot', '#raster']) {
        const [panel, chart] = await page.evaluate(
          (sel) => [
            document.querySelector(sel)!.clientWidth,
            (document.querySelector(`${sel} svg.spikeflow`) as SVGSVGElement).getBoundingClientRect().width,
          ],
          id,
        );
        expect(chart / panel, id).toBeGreaterThan(0.95);
      }
      // the illustrations, drawn with spikeflow's traces: LI under constant and sawtooth input (two lines, no spikes), and the state step by step
      await expect(page.locator('#li-voltage svg.traces path.trace').count()).resolves.toBe(2);
      await expect(page.locator('#li-voltage svg.traces line.spike').count()).resolves.toBe(0);
      await expect(page.locator('#li-input g.legend text').allTextContents()).resolves.toEqual(['constant 0.1', 'sawtooth −0.1…0.1']);
      // the state diagram of a LIF step: six boxes, six labelled arrows, inside its panel
      await expect(page.locator('#state-diagram svg.state-diagram g.node').count()).resolves.toBe(6);
      await expect(page.locator('#state-diagram svg.state-diagram g.edge text.label').allTextContents()).resolves.toContain(
        'i′ = i − dt·τsyn⁻¹·i + x',
      );
      const [diagramWidth, diagramPanel] = await page.evaluate(() => [
        document.querySelector('#state-diagram svg')!.getBoundingClientRect().width,
        document.querySelector('#state-diagram')!.clientWidth,
      ]);
      expect(diagramWidth).toBeLessThanOrEqual(diagramPanel);
      await page.locator('#state-diagram').screenshot({ path: join(artifacts, 'state-diagram.png') });
      await expect(page.locator('#state-plot svg.traces path.trace').count()).resolves.toBe(2);
      expect(await page.locator('#state-plot svg.traces line.spike').count()).toBeGreaterThan(0);
      // the exercises: editable cells whose check tells a wrong answer from a right one
      const cell = page.locator('.exercise[data-exercise="tensor"]');
      await cell.getByRole('button', { name: 'Run' }).click();
      await expect(cell.locator('.check').getAttribute('data-state')).resolves.toBe('wrong');
      await cell.locator('textarea').fill('return sf.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);');
      await cell.getByRole('button', { name: 'Run' }).click();
      await expect(cell.locator('.check').getAttribute('data-state')).resolves.toBe('right');
      await expect(cell.locator('.check').textContent()).resolves.toContain('shape [2, 2, 2]');
      await expect(page.locator('.exercise').count()).resolves.toBe(5);
      const prose = await page.locator('main').textContent();
      expect(prose).not.toContain('red dots');
      expect(prose).toContain('blue vertical line');
      await page.locator('#current').fill('0.4');
      await expect(page.locator('#voltage-plot line.spike').first().getAttribute('stroke')).resolves.toBe('#2f6fde');
      expect(errors).toEqual([]);
      await close();
    });

    it('redraws the voltage when the slider moves from 0.1 to 0.4: threshold crossings and resets only at 0.4', async () => {
      const { page, errors, close } = await open('tutorial/index.html');
      const slider = page.locator('#current');
      await slider.fill('0.1');
      await expect(page.locator('#current-value').textContent()).resolves.toBe('0.10');
      const low = await plottedVoltage(page);
      // move to 0.4 as a user would: 15 key presses of one step (0.02) each
      await slider.focus();
      for (let k = 0; k < 15; k++) await page.keyboard.press('ArrowRight');
      await expect(slider.inputValue()).resolves.toBe('0.4');
      await expect(page.locator('#current-value').textContent()).resolves.toBe('0.40');
      const high = await plottedVoltage(page);
      await page.locator('#voltage-plot').screenshot({ path: join(artifacts, 'tutorial-voltage-0.4.png') });

      const volts = (p: typeof low) => pathPoints(p.d).map(({ y }) => toVolts(p, y));
      // the dashed threshold line is drawn at v_th = 1
      expect(toVolts(low, low.thresholdY)).toBeCloseTo(1, 2);
      const vLow = volts(low);
      const vHigh = volts(high);
      expect(vLow).toHaveLength(100);
      expect(vHigh).toHaveLength(100);
      // first plotted voltage, by hand: v1 = 0.1·x, i.e. 0.01 at x = 0.1 and 0.04 at x = 0.4 (to pixel precision)
      expect(vLow[0]).toBeCloseTo(0.01, 2);
      expect(vHigh[0]).toBeCloseTo(0.04, 2);
      // x = 0.1: v rises towards 5·0.1 = 0.5, never reaches the threshold, never drops
      expect(low.spikes).toBe(0);
      expect(Math.max(...vLow)).toBeLessThan(0.55);
      for (let t = 1; t < vLow.length; t++) expect(vLow[t]!).toBeGreaterThanOrEqual(vLow[t - 1]! - 1e-3);
      // x = 0.4: the neuron crosses the threshold and resets to 0 at each spike
      expect(high.spikes).toBeGreaterThan(0);
      const drops = vHigh.flatMap((v, t) => (t > 0 && vHigh[t - 1]! - v > 0.5 ? [t] : []));
      expect(drops.length).toBe(high.spikes);
      for (const t of drops) {
        expect(vHigh[t - 1]!).toBeGreaterThan(0.8); // just below the threshold before the crossing step
        expect(vHigh[t]!).toBeLessThan(0.05); // reset to v_reset = 0
      }
      expect(errors).toEqual([]);
      await close();
    });

    it('replays the synthetic event stream: the heatmap and the output raster are drawn', async () => {
      const { page, errors, close } = await open('live/events.html');
      await page.waitForFunction(() => /[1-9]\d* spikes out/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
        timeout: 20_000,
      });
      await page.waitForTimeout(500);
      // the sinks hold marks (non-zero pixels, spikes, rate bins) and their canvases show them
      expect(await chartMarks(page, '#heatmap')).toBeGreaterThan(20);
      expect(await chartMarks(page, '#raster')).toBeGreaterThan(5);
      expect(await chartMarks(page, '#rates')).toBeGreaterThan(0);
      expect(await drawnPixels(page, '#heatmap canvas')).toBeGreaterThan(20);
      expect(await drawnPixels(page, '#raster canvas')).toBeGreaterThan(5);
      await page.screenshot({ path: join(artifacts, 'events-synthetic.png'), fullPage: true });
      expect(errors).toEqual([]);
      await close();
    });

    it('applies the controls without reloading: parameters, errors and model changes', async () => {
      const { page, errors, close } = await open('live/events.html');
      const spikes = async () => Number(/(\d+) spikes out/.exec((await page.locator('#status').textContent()) ?? '')?.[1] ?? 0);
      await page.waitForFunction(() => /[1-9]\d* spikes out/.test(document.getElementById('status')?.textContent ?? ''));
      const param = (name: string) => page.locator(`#params input[data-param="${name}"]`);
      // a threshold no input reaches: the spike count stops growing
      await param('vTh').fill('1000');
      await param('vTh').dispatchEvent('change');
      await page.waitForTimeout(300);
      const frozen = await spikes();
      await page.waitForTimeout(700);
      expect(await spikes()).toBe(frozen);
      // an invalid parameter is reported in the page, which keeps working
      await param('tauMemInv').fill('-1');
      await param('tauMemInv').dispatchEvent('change');
      await page.locator('#error').filter({ hasText: 'tauMemInv must be > 0, received -1' }).waitFor();
      await page.screenshot({ path: join(artifacts, 'events-parameter-error.png'), fullPage: true });
      await param('tauMemInv').fill('100');
      await param('tauMemInv').dispatchEvent('change');
      await param('vTh').fill('1');
      await param('vTh').dispatchEvent('change');
      await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? 'x') === '');
      await page.waitForFunction(
        (n) => Number(/(\d+) spikes out/.exec(document.getElementById('status')!.textContent!)?.[1] ?? 0) > n + 10,
        frozen,
      );
      // another model: its parameters appear (the shared ones keep their values) and spikes keep coming
      await param('tauMemInv').fill('120');
      await param('tauMemInv').dispatchEvent('change');
      await page.locator('#model').selectOption('LIFRefrac');
      await expect(param('tauMemInv').inputValue()).resolves.toBe('120');
      await expect(param('rhoReset').inputValue()).resolves.toBe('5'); // Norse's default refractory period, in steps
      const before = await spikes();
      await page.waitForFunction(
        (n) => Number(/(\d+) spikes out/.exec(document.getElementById('status')!.textContent!)?.[1] ?? 0) > n + 10,
        before,
      );
      // pause stops simulated time
      await page.locator('#play').click();
      await page.waitForTimeout(200);
      const paused = await page.locator('#status').textContent();
      await page.waitForTimeout(500);
      await expect(page.locator('#status').textContent()).resolves.toBe(paused);
      expect(errors).toEqual([]);
      await close();
    });

    it('drives the microphone demo with the test chirp and the motion demo with the mouse', async () => {
      const mic = await open('live/microphone.html');
      await mic.page.getByRole('button', { name: 'Use a test chirp' }).click();
      await mic.page.locator('#source-info').filter({ hasText: 'test chirp' }).waitFor();
      await mic.page.waitForFunction(
        () => Number(document.querySelector('#raster svg.spikeflow')?.getAttribute('data-marks') ?? 0) > 0,
        undefined,
        {
          timeout: 15_000,
        },
      );
      // the filter bank is a spectrogram with axes, and it draws the chirp
      await expect(mic.page.locator('#bands svg.spikeflow.spectrogram g.axis.y g.tick').count()).resolves.toBeGreaterThan(2);
      await mic.page.waitForFunction(() => Number(document.querySelector('#bands svg.spikeflow')?.getAttribute('data-marks') ?? 0) > 0);
      await mic.page.screenshot({ path: join(artifacts, 'microphone-chirp.png'), fullPage: true });
      // Stop releases the source and the buttons start it again
      await mic.page.getByRole('button', { name: 'Stop' }).click();
      await mic.page.locator('#source-info').filter({ hasText: 'Stopped' }).waitFor();
      await expect(mic.page.getByRole('button', { name: 'Use a test chirp' }).isEnabled()).resolves.toBe(true);
      await expect(mic.page.getByRole('button', { name: 'Stop' }).isDisabled()).resolves.toBe(true);
      expect(mic.errors).toEqual([]);
      await mic.close();

      const motion = await open('live/motion.html');
      const pad = motion.page.locator('#pad');
      const box = (await pad.boundingBox())!;
      for (let k = 0; k < 20; k++) await motion.page.mouse.move(box.x + (box.width * k) / 20, box.y + box.height * 0.3, { steps: 2 });
      // the pad maps y = 0.3 of its height to β = (0.3 − 0.5)·180° = −36°, x = 0.95 of its width to γ = 81°
      await motion.page
        .locator('#status')
        .filter({ hasText: /β -3[5-7]°, γ 8[0-2]°/ })
        .waitFor();
      await motion.page.waitForFunction(() => Number(document.querySelector('#raster svg.spikeflow')?.getAttribute('data-marks') ?? 0) > 0);
      await motion.page.screenshot({ path: join(artifacts, 'motion-mouse.png'), fullPage: true });
      expect(motion.errors).toEqual([]);
      await motion.close();
    });

    it('runs the Brunel network live, measures its regime, and follows the g slider', async () => {
      const { page, errors, close } = await open('live/brunel.html');
      await page.waitForFunction(
        () => Number(document.querySelector('#raster svg.spikeflow')?.getAttribute('data-marks') ?? 0) > 0,
        undefined,
        {
          timeout: 30_000,
        },
      );
      await page
        .locator('#status')
        .filter({ hasText: /→ (SR|AI|SI fast|SI slow)/ })
        .waitFor({ timeout: 30_000 });
      await page.locator('#g').evaluate((el: HTMLInputElement) => {
        el.value = '3';
        el.dispatchEvent(new Event('input'));
      });
      await expect(page.locator('#g-value').textContent()).resolves.toBe('3.0');
      const before = await page.locator('#status').textContent();
      await page.waitForFunction((b) => document.querySelector('#status')?.textContent !== b, before, { timeout: 15_000 });
      // The rate plot draws the whole E population's mean rate per neuron (Hz, 1 ms bars).
      const bars = await page.$$eval('#rates rect.bar', (rs) => rs.length);
      expect(bars).toBeGreaterThan(0);
      await page.screenshot({ path: join(artifacts, 'brunel-live.png'), fullPage: true });
      expect(errors).toEqual([]);
      await close();
    });

    it('replays an uploaded N-MNIST recording, decoded in the browser', async () => {
      const { page, errors, close } = await open('live/events.html');
      // a vertical edge sweeping across the 34×34 sensor, 2 ms per column, repeated: ON events only
      const events: [number, number, number, number][] = [];
      for (let t = 0; t < 300_000; t += 2000) for (let y = 0; y < 34; y++) events.push([t + y, (t / 2000) % 34, y, 1]);
      await page.locator('#file').setInputFiles({ name: 'edge.bin', mimeType: 'application/octet-stream', buffer: nmnistBytes(events) });
      await page.locator('#source-info').filter({ hasText: 'edge.bin (nmnist, 34×34)' }).waitFor({ timeout: 10_000 });
      const before = await page.evaluate(() => document.getElementById('status')!.textContent!);
      const count = (s: string) => Number(/(\d+) events in/.exec(s)?.[1] ?? 0);
      await page.waitForFunction(
        (n) => Number(/(\d+) events in/.exec(document.getElementById('status')!.textContent!)?.[1] ?? 0) > n + 500,
        count(before),
        {
          timeout: 10_000,
        },
      );
      expect(await chartMarks(page, '#heatmap')).toBeGreaterThan(5);
      expect(await drawnPixels(page, '#heatmap canvas')).toBeGreaterThan(5);
      // the 0.3 s recording loops: the status counts the laps, and events keep arriving on the second
      await page
        .locator('#status')
        .filter({ hasText: /recording lap [2-9]/ })
        .waitFor({ timeout: 10_000 });
      await expect(page.locator('#replay').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: join(artifacts, 'events-nmnist.png'), fullPage: true });
      // a file that holds no events: the error stays on the page (until the next action)
      await page.locator('#file').setInputFiles({ name: 'empty.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) });
      await page.locator('#error').filter({ hasText: 'Could not open empty.bin' }).waitFor();
      await page.waitForTimeout(1000);
      await expect(page.locator('#error').textContent()).resolves.toContain('Could not open empty.bin');
      expect(errors).toEqual([]);
      await close();
    });

    it('live coding: a syntax error is reported inline, and the pipeline recovers when it is fixed', async () => {
      const { page, errors, close } = await open('code/index.html');
      await page.locator('#status').filter({ hasText: 'running version 1' }).waitFor();
      await page.waitForFunction(() => Number(document.querySelector('#raster svg.spikeflow')?.getAttribute('data-marks') ?? 0) > 0);
      const editor = page.locator('#editor .cm-content');
      await editor.click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('\nconst broken = ;', { delay: 10 });
      await page.keyboard.press('Escape'); // close a completion popup, if any
      await page.locator('#editor .cm-lintRange-error').first().waitFor();
      await expect(page.locator('#editor').getAttribute('data-state')).resolves.toBe('error');
      const message = await page.locator('#error').textContent();
      expect(message).toMatch(/SyntaxError/);
      // the error is on the line just typed, the last one
      const lastLine = await page.locator('#editor .cm-line').count();
      expect(message).toContain(`(line ${lastLine})`);
      await expect(page.locator('#editor .cm-line').last().textContent()).resolves.toBe('const broken = ;');
      await page.screenshot({ path: join(artifacts, 'code-syntax-error.png'), fullPage: true });
      // the last working pipeline keeps running meanwhile; the page is intact
      await expect(page.locator('#status').textContent()).resolves.toContain('running version 1');

      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('1;', { delay: 10 });
      await page.locator('#status').filter({ hasText: 'running version 2' }).waitFor();
      await expect(page.locator('#error').textContent()).resolves.toBe('');
      await expect(page.locator('#editor .cm-lintRange-error').count()).resolves.toBe(0);
      await expect(page.locator('#editor').getAttribute('data-state')).resolves.toBe('ok');
      await page.screenshot({ path: join(artifacts, 'code-recovered.png'), fullPage: true });

      // a runtime error is located at its line too: a call to an undefined function on line 1
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('nope();\n', { delay: 10 });
      await page.keyboard.press('Escape');
      await page.locator('#error').filter({ hasText: 'ReferenceError: nope is not defined (line 1)' }).waitFor();
      await expect(page.locator('#editor .cm-lintRange-error').first().textContent()).resolves.toBe('nope();');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Delete');
      await page.locator('#status').filter({ hasText: 'running version 3' }).waitFor();
      await expect(page.locator('#error').textContent()).resolves.toBe('');

      // a typo in a spikeflow name: a pointed message at the line of the typo, and a status that says the edit does not run
      const lines = await page.locator('#editor .cm-line').allTextContents();
      const networkLine = lines.findIndex((l) => l.includes('sf.neuron(sf.lif,')) + 1;
      expect(networkLine).toBeGreaterThan(0);
      await page
        .locator('#editor .cm-line')
        .nth(networkLine - 1)
        .click();
      await page.keyboard.press('End');
      const text = lines[networkLine - 1]!;
      const at = text.indexOf('sf.lif,') + 'sf.lif'.length;
      for (let k = 0; k < text.length - at; k++) await page.keyboard.press('ArrowLeft');
      await page.keyboard.type('x', { delay: 10 });
      await page.keyboard.press('Escape');
      await page.locator('#error').filter({ hasText: 'sf.lifx is not part of spikeflow; did you mean sf.lif' }).waitFor();
      await expect(page.locator('#error').textContent()).resolves.toContain(`(line ${networkLine})`);
      await expect(page.locator('#editor .cm-lintRange-error').first().textContent()).resolves.toContain('sf.lifx');
      await expect(page.locator('#status').getAttribute('data-state')).resolves.toBe('stale');
      await expect(page.locator('#status').textContent()).resolves.toContain('has an error and does not run');
      await page.screenshot({ path: join(artifacts, 'code-typo.png'), fullPage: true });
      expect(errors).toEqual([]);
      await close();
    });

    it('builds to static files that work from a sub-path of any static host', async () => {
      const outDir = await mkdtemp(join(tmpdir(), 'spikeflow-playground-'));
      try {
        await build({ configFile, logLevel: 'error', cacheDir, build: { outDir, emptyOutDir: true } });
        const { server, url } = await serveStatic(outDir, '/some/sub/path/');
        try {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const page = await context.newPage();
          const errors = watchErrors(page);
          await page.goto(`${url}index.html`);
          await page.getByRole('link', { name: 'Tutorial', exact: true }).click();
          await page.locator('#out-6').filter({ hasText: 'spikes [200, 1, 100]' }).waitFor();
          expect((await plottedVoltage(page)).spikes).toBeGreaterThan(0); // default 0.3 spikes
          await page.goto(`${url}live/events.html`);
          await page.waitForFunction(() => /[1-9]\d* spikes out/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
            timeout: 20_000,
          });
          await page.goto(`${url}code/index.html`);
          await page.locator('#status').filter({ hasText: 'running version 1' }).waitFor();
          await page.screenshot({ path: join(artifacts, 'built-code.png'), fullPage: true });
          expect(errors).toEqual([]);
          await context.close();
        } finally {
          server.close();
        }
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    });
  });
}
