/**
 * The gpu backend on a real WebGL2 context: headless Chromium (Debian's `chromium` package driven
 * by playwright-core), where SwiftShader renders WebGL2 on the CPU — the real GLSL path gpu.js
 * generates, without a GPU.
 *
 * Runs the golden-trace suite on gpu.js WebGL2 (spikes identical to Norse, values within 1e-5;
 * see ../backends/cases.ts), asserting each run executed on `webgl2`; a chunked stream through
 * device state; LIF → Linear → LI on the device; and the resource test: 1 000 chunks through
 * that pipeline do not grow the number of live WebGL textures.
 *
 * Chromium is found and launched by ./chromium.ts (with SwiftShader's flags). When it is missing
 * the tests fail under CI (`CI` set) and are reported as not run (skipped) elsewhere.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { distance, type GoldenCase, goldenCases, TOLERANCE } from '../backends/cases.js';
import { loadTrace } from '../golden.js';
import { openBundledPage, pageCaller } from './bundle.js';
import { chromiumMissing, findChromium } from './chromium.js';
import type { PageCase } from './gpu.page.js';

const here = dirname(fileURLToPath(import.meta.url));

const chromiumPath = findChromium();

let browser: Browser | undefined;
let page: Page | undefined;

/** The page, or: fail under CI, else mark the test as not run. */
const pageOr = (ctx: TestContext): Page => page ?? chromiumMissing(ctx, 'gpu backend browser test');

beforeAll(async () => {
  if (chromiumPath === undefined) return;
  ({ browser, page } = await openBundledPage(join(here, 'gpu.page.ts'), 'spikeflowTest', chromiumPath));
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

const call = pageCaller('spikeflowTest');

const pageCase = (c: GoldenCase): PageCase => ({ model: c.trace.model, params: c.params, input: c.trace.input, dt: c.trace.dt });

interface CaseRun {
  out: number[];
  state: Record<string, number[]>;
  recorded: Record<string, number[]>;
  info: { backend: string; device: string; renderer?: string } | undefined;
}

const cases = goldenCases().filter((c) => !c.model.recurrent);

describe('gpu backend on WebGL2 (headless Chromium, SwiftShader)', () => {
  it('gpu.js gets a WebGL2 context; auto declines it because SwiftShader renders in software', async (ctx) => {
    const p = pageOr(ctx);
    const d = await call<{ device: string; renderer: string; accelerated: boolean }>(p, 'describe');
    expect(d.device).toBe('webgl2');
    expect(d.renderer).toMatch(/SwiftShader/);
    expect(d.accelerated).toBe(false);
    expect(await call<string>(p, 'autoSelectable')).toMatch(/renders in software/);
    const run = await call<CaseRun>(p, 'runCase', pageCase(cases[0] as GoldenCase), 'auto');
    expect(run.info?.backend).not.toBe('gpu');
  });

  for (const c of cases) {
    const against = c.departs === undefined ? 'Norse' : `the js float32 run (${c.departs})`;
    it(`${c.file} (${c.trace.dtype} trace) on webgl2 matches ${against}`, async (ctx) => {
      const p = pageOr(ctx);
      const run = await call<CaseRun>(p, 'runCase', pageCase(c), 'gpu');
      expect(run.info).toMatchObject({ backend: 'gpu', device: 'webgl2' });
      const ref = c.departs === undefined ? undefined : await call<CaseRun>(p, 'runCase', pageCase(c), 'js');
      const pick = (r: CaseRun, key: string): number[] | undefined =>
        key === 'z' || key === 'out' ? r.out : r.recorded[key.replace(/_([a-z])/g, (_, l: string) => l.toUpperCase())];
      const d = distance(
        Object.keys(c.trace.outputs),
        (key) => pick(run, key),
        (key) => (ref === undefined ? (c.trace.outputs[key] as number[][]).flat() : (pick(ref, key) ?? [])),
      );
      expect(d.spikeMismatches).toBe(0);
      expect(d.worst, d.worstKey).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('a trace streamed in chunks of 7, 150, 43 steps through device state equals one js run', async (ctx) => {
    const p = pageOr(ctx);
    for (const file of ['LIF_nondefault_c_sawtooth.json', 'LIFRefrac_default_b_const_per_neuron.json', 'LI_default_c_sawtooth.json']) {
      const c = cases.find((k) => k.file === file) as GoldenCase;
      const gpu = await call<{ out: number[]; state: Record<string, number[]>; infos: { device: string }[] }>(
        p,
        'streamCase',
        pageCase(c),
        [0, 7, 157, 200],
        'gpu',
      );
      const js = await call<{ out: number[]; state: Record<string, number[]> }>(p, 'streamCase', pageCase(c), [0, 200], 'js');
      expect(gpu.infos.map((i) => i.device)).toEqual(['webgl2', 'webgl2', 'webgl2']);
      const d = distance(
        ['z', ...Object.keys(js.state)],
        (k) => (k === 'z' ? gpu.out : gpu.state[k]),
        (k) => (k === 'z' ? js.out : (js.state[k] ?? [])),
      );
      expect(d.spikeMismatches).toBe(0);
      expect(d.worst, d.worstKey).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  for (const name of ['a_const_0.3', 'c_sawtooth']) {
    it(`LIF → Linear → LI (net_LIF_Linear_LI_${name}) runs on the device end to end and matches Norse`, async (ctx) => {
      const p = pageOr(ctx);
      const tr = loadTrace(`net_LIF_Linear_LI_${name}.json`);
      const r = await call<Record<string, unknown>>(p, 'network', tr.input, tr.linear_weight, tr.linear_bias, tr.dt, 1, 1, 'gpu');
      expect(r.infos).toMatchObject([
        { backend: 'gpu', device: 'webgl2' },
        { backend: 'gpu', device: 'webgl2' },
        { backend: 'gpu', device: 'webgl2' },
      ]);
      // Between LIF's spikes and LI's voltages only the weights (3·4 + 3) and LI's initial state
      // (2·3) were uploaded: the spikes and the linear map's result stayed on the device.
      expect(r.uploadedBetween).toBe(3 * 4 + 3 + 2 * 3);
      const o = tr.outputs as Record<string, number[][]>;
      const got = r as Record<string, number[]>;
      const d = distance(
        ['z', 'y', 'out', 'v', 'i'],
        (k) => got[k],
        (k) => ({ z: o.lif_z, y: o.linear_out, out: o.li_out, v: o.li_v, i: o.li_i })[k]?.flat() ?? [],
      );
      expect(d.spikeMismatches).toBe(0);
      expect(d.worst, d.worstKey).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('resource test: 1 000 chunks through LIF → Linear → LI do not grow the number of live textures', async (ctx) => {
    const p = pageOr(ctx);
    const N = 16;
    const input = Array.from({ length: 5 }, (_, t) => Array.from({ length: N }, (_, n) => 0.1 + (0.5 * ((t * 7 + n) % N)) / N));
    const weight = Array.from({ length: 4 }, (_, o) => Array.from({ length: N }, (_, n) => ((o + n) % 3) - 1));
    const bias = [0, 0.5, -0.5, 1];
    const gpu = await call<{
      spikes: number;
      out: number[];
      atProbe: { liveTextures: number; liveBuffers: number };
      atEnd: { liveTextures: number; liveBuffers: number };
    }>(p, 'network', input, weight, bias, 0.001, 1000, 10, 'gpu');
    const js = await call<{ spikes: number; out: number[] }>(p, 'network', input, weight, bias, 0.001, 1000, 10, 'js');
    expect(gpu.atEnd.liveTextures).toBe(gpu.atProbe.liveTextures);
    expect(gpu.atEnd.liveBuffers).toBe(gpu.atProbe.liveBuffers);
    expect(gpu.atEnd.liveBuffers).toBeGreaterThan(0); // states and the linear result do live on the device
    expect(gpu.spikes).toBe(js.spikes);
    const d = distance(
      ['out'],
      () => gpu.out,
      () => js.out,
    );
    expect(d.worst).toBeLessThanOrEqual(TOLERANCE);
  }, 300_000);
});
