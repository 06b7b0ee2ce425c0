/**
 * Page bundle of bench/backends.bench.ts: the same LIF measurement, run inside headless Chromium
 * (WebGL2 through SwiftShader there, or a real GPU in a browser that has one).
 */

import { executionOf } from '../src/ops/backends/backendRegistry.js';
import { gpuBackend } from '../src/ops/backends/gpuBackend.js';
import { lifChunkInput, measureLif } from './lifMeasure.js';

const api = {
  describe: () => gpuBackend.describe(),
  autoSelectable: () => gpuBackend.autoSelectable(),
  measure: (N: number, steps: number, chunk: number, budgetMs: number, backend: 'js' | 'gpu' | 'auto') =>
    measureLif(lifChunkInput(N, chunk, 1), steps, budgetMs, backend, executionOf),
};

(globalThis as unknown as { spikeflowBench: typeof api }).spikeflowBench = api;
