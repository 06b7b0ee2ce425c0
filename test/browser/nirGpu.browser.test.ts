/**
 * NIR graphs on the gpu backend on a real WebGL2 context (headless Chromium, SwiftShader: the GLSL
 * path gpu.js generates, on the CPU). Neuron nodes, linear maps, convolutions and pools run as
 * gpu.js WebGL2 kernels; every node's output is compared with the js run in the same page.
 * On GL the GPU rounds each operation itself (a driver may fuse a multiply-add), so values are
 * compared within a tolerance: the three Norse reference files give identical spikes and values
 * within 1e-5 of js; the synthetic graphs (conv2d/conv1d/pools/recurrent, see
 * test/nir/backendGraphs.ts) give identical spikes and values within 1e-5 relative to their scale.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { readNirFile } from '../../src/nir/hdf5.js';
import { toPlain } from '../nir/backendGraphs.js';
import { openBundledPage, pageCaller } from './bundle.js';
import { chromiumMissing, findChromium } from './chromium.js';
import type { NirPageRun } from './nirGpu.page.js';

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = findChromium();

let browser: Browser | undefined;
let page: Page | undefined;

const pageOr = (ctx: TestContext): Page => page ?? chromiumMissing(ctx, 'NIR gpu backend browser test');

beforeAll(async () => {
  if (chromiumPath === undefined) return;
  ({ browser, page } = await openBundledPage(join(here, 'nirGpu.page.ts'), 'spikeflowNir', chromiumPath));
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const call = pageCaller('spikeflowNir');

const spiking = new Set(['CubaLIF', 'LIF', 'IF', 'Threshold']);
const backendRun = new Set(['CubaLIF', 'CubaLI', 'LIF', 'LI', 'IF', 'I', 'Affine', 'Linear', 'Conv1d', 'Conv2d', 'SumPool2d', 'AvgPool2d']);

/** Every node: spikes identical, values within `tol` of js relative to max(1, the node's largest |value|). */
const compare = (gpu: NirPageRun, js: NirPageRun, tol: number) => {
  let spikesSeen = 0;
  for (const { name, type } of js.nodes) {
    const a = gpu.layers[name] as number[];
    const b = js.layers[name] as number[];
    expect(a.length, name).toBe(b.length);
    if (backendRun.has(type)) expect(gpu.executions[name], name).toEqual({ backend: 'gpu', device: 'webgl2' });
    if (spiking.has(type)) {
      expect(a.filter((v, k) => v !== b[k]).length, `${name} spike mismatches`).toBe(0);
      spikesSeen += b.filter((v) => v === 1).length;
    } else {
      const scale = Math.max(1, ...b.map(Math.abs));
      const worst = Math.max(0, ...a.map((v, k) => Math.abs(v - (b[k] as number))));
      expect(worst / scale, name).toBeLessThanOrEqual(tol);
    }
  }
  expect(spikesSeen).toBeGreaterThan(10);
};

describe('NIR graphs on gpu.js WebGL2 (headless Chromium, SwiftShader)', () => {
  it('the three Norse reference files: identical spikes, values within 1e-5 of js', async (ctx) => {
    const p = pageOr(ctx);
    expect((await call<{ device: string }>(p, 'describe')).device).toBe('webgl2');
    for (const name of ['cuba_lif_mlp', 'lifbox_libox', 'iaf']) {
      const file = await readNirFile(readFileSync(new URL(`../fixtures/nir/${name}.nir`, import.meta.url)));
      const ref = JSON.parse(readFileSync(new URL(`../fixtures/nir/${name}.json`, import.meta.url), 'utf8')) as {
        dt: number;
        input: number[][][];
      };
      const input = { shape: [ref.input.length, ref.input[0]?.length, ref.input[0]?.[0]?.length], data: ref.input.flat(2) };
      const graph = toPlain(file.graph);
      const gpu = await call<NirPageRun>(p, 'runPlain', graph, input, 'gpu', ref.dt);
      const js = await call<NirPageRun>(p, 'runPlain', graph, input, 'js', ref.dt);
      compare(gpu, js, 1e-5);
    }
  }, 120_000);

  it('conv2d, conv1d (pools, flatten, every neuron node) and recurrent graphs: identical spikes, values within 1e-5', async (ctx) => {
    const p = pageOr(ctx);
    for (const name of await call<string[]>(p, 'names')) {
      const gpu = await call<NirPageRun>(p, 'runBuilt', name, 'gpu');
      const js = await call<NirPageRun>(p, 'runBuilt', name, 'js');
      compare(gpu, js, 1e-5);
    }
  }, 120_000);
});
