/**
 * The `threads` backend in a browser (headless Chromium, Debian's package via playwright-core):
 * the WebAssembly SIMD kernels run on a page's main thread and in a dedicated worker without any
 * special header, and multi-threaded over Web Workers and `SharedArrayBuffer` when the page is
 * cross-origin isolated (COOP/COEP headers, see ./server.ts) — in each place bit for bit equal to
 * the `js` backend. `auto` picks `threads` once `spikeflow/browser` is imported.
 *
 * Every comparison runs in the page (./wasm.page.ts): both backends on the same input, every
 * element of the outputs, final states and per-step records compared by bit pattern. Cases: every
 * feed-forward golden trace (real Norse inputs and parameters, a few neurons: one thread), and
 * layers wide enough to be split across threads (partial SIMD vectors, per-neuron parameters,
 * float64, records, imported `Math.exp`, chunked streaming through state), and the event-driven
 * linear map. The bundle is minified, as a production build is: the engine shipped to workers as
 * text is checked minified.
 *
 * When Chromium is missing the tests fail under CI (`CI` set) and are reported as not run elsewhere.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { goldenCases } from '../backends/cases.js';
import { iifeBundle } from './bundle.js';
import { chromiumMissing, findChromium, launchChromium } from './chromium.js';
import { type PageServer, pageLoading, servePages } from './server.js';
import type { CompareCase, Comparison, WasmPageApi } from './wasm.page.js';

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = findChromium();

type Where = 'page' | 'worker' | 'isolated page' | 'isolated worker';
const WHERE: readonly Where[] = ['page', 'worker', 'isolated page', 'isolated worker'];

let browser: Browser | undefined;
let server: PageServer | undefined;
const pages = new Map<Where, Page>();

beforeAll(async () => {
  if (chromiumPath === undefined) return;
  const code = await iifeBundle(join(here, 'wasm.page.ts'), 'spikeflowWasmPage');
  server = await servePages({ 'index.html': pageLoading('wasm.js'), 'wasm.js': { body: code, type: 'text/javascript' } });
  // --expose-gc: the shared-heap test collects garbage between runs, as time passing would.
  browser = await launchChromium(['--js-flags=--expose-gc'], chromiumPath);
  for (const where of WHERE) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`[${where}] ${e.message}`));
    await page.goto(`${server.origin}/${where.startsWith('isolated') ? 'isolated' : 'plain'}/`);
    if (where.endsWith('worker')) {
      // The same bundle in a dedicated worker; calls go through messages.
      await page.evaluate(() => {
        const g = globalThis as unknown as Record<string, unknown>;
        const worker = new Worker('wasm.js');
        const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
        let next = 0;
        worker.onmessage = (e: MessageEvent) => {
          const { id, result, error } = e.data as { id: number; result?: unknown; error?: string };
          const c = calls.get(id);
          calls.delete(id);
          if (error !== undefined) c?.reject(new Error(error));
          else c?.resolve(result);
        };
        g.callWorker = (fn: string, args: unknown[]) =>
          new Promise((resolve, reject) => {
            next++;
            calls.set(next, { resolve, reject });
            worker.postMessage({ id: next, fn, args });
          });
      });
    }
    pages.set(where, page);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Calls the page API in a place (the page itself, or its worker). */
const call = async <K extends keyof WasmPageApi>(
  ctx: TestContext,
  where: Where,
  fn: K,
  ...args: Parameters<WasmPageApi[K]>
): Promise<Awaited<ReturnType<WasmPageApi[K]>>> => {
  const page = pages.get(where) ?? chromiumMissing(ctx, 'wasm backend browser test');
  return (await page.evaluate(
    ([f, a, inWorker]) => {
      const g = globalThis as unknown as Record<string, unknown>;
      if (inWorker) return (g.callWorker as (f: string, a: unknown[]) => Promise<unknown>)(f as string, a as unknown[]);
      return ((g.spikeflowWasm as Record<string, (...x: unknown[]) => unknown>)[f as string] as (...x: unknown[]) => unknown)(
        ...(a as unknown[]),
      );
    },
    [fn, args, where.endsWith('worker')] as const,
  )) as Awaited<ReturnType<WasmPageApi[K]>>;
};

/** Layers wide enough for two threads (T·M ≥ 2 × 262 144, M ≥ 2 × 1536). */
const WIDE: readonly (CompareCase & { readonly label: string })[] = [
  {
    label: 'LIF float32, 5003 neurons (partial vectors), streamed in chunks 7 + 110 + 123, recorded',
    model: 'LIF',
    params: {},
    dt: 0.001,
    dtype: 'float32',
    record: true,
    input: { T: 240, N: 5003, lo: 0, hi: 0.6, seed: 1 },
    bounds: [0, 7, 117, 240],
  },
  {
    label: 'LIFRefrac float64, per-neuron vTh and tauMemInv, 4000 neurons',
    model: 'LIFRefrac',
    params: {
      vTh: Array.from({ length: 4000 }, (_, n) => 0.5 + (n % 7) / 10),
      tauMemInv: Array.from({ length: 4000 }, (_, n) => 50 + (n % 13) * 10),
    },
    dt: 0.001,
    dtype: 'float64',
    record: false,
    input: { T: 150, N: 4000, lo: 0, hi: 0.8, seed: 2 },
  },
  {
    label: 'LIFAdEx float32 (imports Math.exp), 4099 neurons, recorded',
    model: 'LIFAdEx',
    params: {},
    dt: 0.001,
    dtype: 'float32',
    record: true,
    input: { T: 128, N: 4099, lo: 0, hi: 1, seed: 3 },
  },
  {
    label: 'LI float32, 6000 neurons',
    model: 'LI',
    params: {},
    dt: 0.001,
    dtype: 'float32',
    record: false,
    input: { T: 100, N: 6000, lo: -0.5, hi: 0.5, seed: 4 },
  },
];

const golden = goldenCases().filter((c) => !c.model.recurrent);

describe('threads backend (WebAssembly SIMD) in Chromium, bit for bit the js backend', () => {
  for (const where of WHERE) {
    const isolated = where.startsWith('isolated');

    it(`${where}: ${isolated ? 'cross-origin isolated, workers start' : 'no shared memory: one thread'}; auto picks threads`, async (ctx) => {
      const env = await call(ctx, where, 'env');
      expect(env).toMatchObject({ isolated, worker: where.endsWith('worker'), simd: true });
      if (isolated) {
        expect(env.hardwareThreads, 'navigator.hardwareConcurrency of this machine').toBeGreaterThanOrEqual(2);
        expect(await call(ctx, where, 'start')).toBe(env.hardwareThreads);
      } else {
        expect(env.hardwareThreads).toBe(1);
        expect(await call(ctx, where, 'start')).toBe(1);
      }
      const auto = await call(ctx, where, 'autoPick', 100, 64);
      expect(auto.backend).toBe('threads');
      expect(auto.note).toMatch(/auto chose threads.*wasm simd/);
    });

    it(`${where}: every feed-forward golden trace (${golden.length}) equals js bit for bit`, async (ctx) => {
      const failures: string[] = [];
      let wasm = 0;
      for (const c of golden) {
        const r = await call(ctx, where, 'compare', {
          model: c.trace.model,
          params: c.params,
          dt: c.trace.dt,
          dtype: 'float32',
          record: true,
          input: c.trace.input,
        });
        if (r.mismatches !== 0 || r.backends[0] !== 'threads')
          failures.push(`${c.file}: ${r.mismatches} differ (${r.first}) on ${r.backends}`);
        if (/wasm simd/.test(r.notes[0] ?? '')) wasm++;
      }
      expect(failures).toEqual([]);
      // Every model translates to wasm SIMD except those the code generator declines (reported in the note).
      expect(wasm).toBeGreaterThanOrEqual(golden.length * 0.8);
    });

    it(`${where}: wide layers equal js bit for bit${isolated ? ', split across threads' : ', on one thread'}`, async (ctx) => {
      for (const c of WIDE) {
        const r: Comparison = await call(ctx, where, 'compare', c);
        expect(r.mismatches, `${c.label}: ${r.first}`).toBe(0);
        const input = c.input as { T: number; N: number };
        expect(r.compared).toBeGreaterThan(input.T * input.N);
        expect(r.outSum, c.label).toBeGreaterThan(0);
        const bounds = c.bounds ?? [0, input.T];
        r.notes.forEach((note, k) => {
          // A chunk is split when it pays for two threads: T·M ≥ 2 × 262 144 neuron-steps.
          const split = isolated && ((bounds[k + 1] as number) - (bounds[k] as number)) * input.N >= 2 * 262_144;
          expect(note, `${c.label}, chunk ${k}`).toMatch(split ? /^([2-9]|\d{2,}) thread\(s\).*wasm simd/ : /^1 thread\(s\).*wasm simd/);
        });
      }
    }, 60_000);

    if (isolated) {
      it(`${where}: input in the shared heap: run in place (no copies) with 1 and 2 workers, equal to js bit for bit`, async (ctx) => {
        expect(await call(ctx, where, 'startWorkers', 2)).toBe(2);
        const cases: CompareCase[] = [
          { model: 'LIF', params: {}, dt: 0.001, dtype: 'float32', record: true, input: { T: 60, N: 20003, lo: 0, hi: 0.6, seed: 8 } },
          {
            model: 'LIFRefrac',
            params: { vTh: Array.from({ length: 17001 }, (_, n) => 0.5 + (n % 7) / 10) },
            dt: 0.001,
            dtype: 'float64',
            record: false,
            input: { T: 40, N: 17001, lo: 0, hi: 0.8, seed: 9 },
            bounds: [0, 13, 40],
          },
        ];
        for (const threads of [2, 3]) {
          for (const c of cases) {
            const r = await call(ctx, where, 'compare', { ...c, sharedInput: true, threads });
            expect(r.mismatches, `${c.model} on ${threads} threads: ${r.first}`).toBe(0);
            expect(r.outSum).toBeGreaterThan(0);
            for (const note of r.notes)
              expect(note).toMatch(new RegExp(`^${threads} thread\\(s\\).*in place in the shared WebAssembly memory.*wasm simd`));
          }
        }
        // The same layer with its input in ordinary memory: copied into the shared heap, then run there.
        const staged = await call(ctx, where, 'compare', { ...(cases[0] as CompareCase), threads: 2 });
        expect(staged.mismatches).toBe(0);
        expect(staged.notes[0]).toMatch(/^2 thread\(s\).*arrays outside the shared WebAssembly memory copied into it/);
      }, 60_000);

      it(`${where}: the shared heap does not grow over repeated runs (fresh outputs recycled, reuse), held outputs untouched`, async (ctx) => {
        for (const reuse of [false, true]) {
          const g = await call(ctx, where, 'heapGrowth', 20_000, 100, 8, reuse);
          expect(g.gc, 'Chromium started with --expose-gc').toBe('function');
          expect(g.inHeap).toBe(true);
          expect(g.same).toBe(true);
          expect(g.heldIntact).toBe(true);
          expect(g.notes[0]).toMatch(/in place in the shared WebAssembly memory/);
          // After the first calls, every output and state lands in memory freed by the previous call.
          expect(g.sizes.slice(2), `heap bytes per call (${reuse ? 'reuse' : 'fresh'})`).toEqual(g.sizes.slice(2).map(() => g.sizes[2]));
        }
      }, 60_000);
    }

    it(`${where}: the event-driven linear map equals js bit for bit${isolated ? ' on several threads' : ''}`, async (ctx) => {
      for (const dtype of ['float32', 'float64'] as const) {
        const r = await call(ctx, where, 'compareLinear', 300, 2048, 96, 0.09, 7, dtype);
        expect(r.mismatches, `${dtype}: ${r.first}`).toBe(0);
        expect(r.compared).toBe(300 * 96);
        expect(r.outSum).toBeGreaterThan(0);
        expect(r.backends).toEqual(['threads']);
        expect(r.notes[0]).toMatch(isolated ? /^([2-9]|\d{2,}) thread\(s\)/ : /^1 thread\(s\)/);
      }
    });
  }
});
