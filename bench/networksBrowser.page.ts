/**
 * Page bundle of bench/networksBrowser.bench.ts: the CUBA network (Brette et al. 2007) and Brunel's (2000) in headless
 * Chromium on each backend — `js`, `threads` (WebAssembly SIMD on the page's thread; the page
 * imports `spikeflow/browser`, which registers it) and `gpu` (gpu.js WebGL2: one kernel per
 * population and step) — and what `auto` picks.
 */
import '../src/io/browser/index.js';
import { brunelNetwork, cubaNetwork } from '../src/networks/index.js';
import { gpuBackend } from '../src/ops/backends/gpuBackend.js';

/** A timed run: milliseconds per simulated step (median of runs after a warm-up), spikes, what ran. */
export interface NetworkMeasurement {
  readonly backend: string;
  readonly engine: string;
  readonly msPerStep: number;
  readonly spikes: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const api = {
  describe: () => gpuBackend.describe(),
  /**
   * Runs CUBA of `n` neurons (or Brunel's network with N_E = 0.8·n, K = 10 %, 1.5 ms delays, in the
   * AI regime g 5, ν 2) for `runs` chunks of `T` steps after a warm-up of `warm` steps.
   */
  measure: (
    name: 'cuba' | 'brunel',
    n: number,
    T: number,
    runs: number,
    warm: number,
    backend: 'js' | 'threads' | 'gpu' | 'auto',
  ): NetworkMeasurement => {
    const b = backend === 'gpu' ? gpuBackend : backend;
    const net =
      name === 'cuba'
        ? cubaNetwork({ n, seed: 1, backend: b })
        : brunelNetwork({ nE: Math.round(0.8 * n), cE: Math.round(0.08 * n), g: 5, nuExtOverNuThr: 2, seed: 1, backend: b });
    let s = net.run(warm)[1];
    const ms: number[] = [];
    let spikes = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const [c, next] = net.run(T, s);
      ms.push((performance.now() - t0) / T);
      s = next;
      spikes += Object.values(c.spikes).reduce((a, l) => a + l.i.length, 0);
    }
    return { backend: net.backend, engine: Object.values(net.engines).join(', '), msPerStep: median(ms), spikes };
  },
};

(globalThis as unknown as { spikeflowNetworksBench: typeof api }).spikeflowNetworksBench = api;
