/**
 * Networks on the gpu backend on a real WebGL2 context (headless Chromium, SwiftShader: the GLSL
 * path gpu.js generates, on the CPU): each population's step is one gpu.js WebGL2 kernel per step
 * (`src/ops/backends/gpu/population.ts`), compared with the js run of the same network in the same
 * page. On GL the GPU rounds each operation and computes `exp` itself, so the state may differ from
 * js in its last bits; over these runs (200 steps, chunks of 50) the spikes are identical and the
 * state within 1e-4 relative to max(1, |value|). The live-texture count stays bounded over many chunks.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { openBundledPage, pageCaller } from './bundle.js';
import { chromiumMissing, findChromium } from './chromium.js';
import type { NetworkPageRun } from './networksGpu.page.js';

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = findChromium();

let browser: Browser | undefined;
let page: Page | undefined;

const pageOr = (ctx: TestContext): Page => page ?? chromiumMissing(ctx, 'networks gpu backend browser test');

beforeAll(async () => {
  if (chromiumPath === undefined) return;
  ({ browser, page } = await openBundledPage(join(here, 'networksGpu.page.ts'), 'spikeflowNetworks', chromiumPath));
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const call = pageCaller('spikeflowNetworks');

/** Largest |gpu − js| over every state array, relative to max(1, |js|). */
const worst = (a: NetworkPageRun, b: NetworkPageRun): number => {
  let w = 0;
  for (const [pop, vars] of Object.entries(b.state)) {
    for (const [v, ref] of Object.entries(vars)) {
      const got = a.state[pop]?.[v] as number[];
      expect(got.length, `${pop}.${v}`).toBe(ref.length);
      ref.forEach((x, k) => {
        w = Math.max(w, Math.abs((got[k] as number) - x) / Math.max(1, Math.abs(x)));
      });
    }
  }
  return w;
};

describe('networks on gpu.js WebGL2 (headless Chromium, SwiftShader)', () => {
  for (const name of ['cuba', 'coba', 'brunel']) {
    it(`${name}: the population steps run on webgl2 with the spikes of js`, async (ctx) => {
      const p = pageOr(ctx);
      expect((await call<{ device: string }>(p, 'describe')).device).toBe('webgl2');
      const gpu = await call<NetworkPageRun>(p, 'run', name, 'gpu', 200, 50);
      const js = await call<NetworkPageRun>(p, 'run', name, 'js', 200, 50);
      expect(gpu.backend).toBe('gpu');
      for (const e of Object.values(gpu.engines)) expect(e).toBe('gpu.js webgl2');
      let seen = 0;
      for (const [pop, s] of Object.entries(js.spikes)) {
        expect(gpu.spikes[pop], pop).toEqual(s);
        seen += s.i.length;
      }
      expect(seen).toBeGreaterThan(10);
      // Measured 09:21 UTC: worst 1.3e-6 (CUBA), 0 (COBA), 6.2e-5 (Brunel).
      expect(worst(gpu, js)).toBeLessThanOrEqual(1e-4);
    }, 120_000);
  }

  it('the device state is replaced step after step: live textures stay constant over chunks', async (ctx) => {
    const p = pageOr(ctx);
    const [after10, after60] = await call<[number, number]>(p, 'textures');
    expect(after10).toBeGreaterThan(0);
    expect(after60).toBe(after10);
  }, 120_000);

  it('a run nested in a drive frees its own device state: no more live textures than a plain run', async (ctx) => {
    const p = pageOr(ctx);
    const [plain, nested] = await call<[number, number]>(p, 'nestedTextures');
    expect(plain).toBeGreaterThan(0);
    expect(nested).toBe(plain);
  }, 120_000);
});
