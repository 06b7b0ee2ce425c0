/**
 * `npm run bench:training-derived`: forward + backward (BPTT) neuron-steps per second of a LIF
 * layer with the gradients derived from its update (`adjoint: 'derived'`) on the `threads` backend
 * (WebAssembly SIMD, neurons split over worker threads) and on the `js` backend, beside the
 * hand-written adjoints (default kernels: wasm SIMD, one thread), in one run: batch 1, T = 100,
 * float32, default LIF parameters (SuperSpike, α 100), input uniform in [0, 0.6), loss Σz with
 * ∂input computed (and given back to the scratch pool, as `trainableSequential` does). Median of the timed runs after warm-ups, in wall time and in CPU time of the
 * process (all threads: the figure to read on a loaded machine). Prints a Markdown table with the
 * ratios to the hand-written layer, the load average before and after, and the CPU count.
 * Options: `--sizes 1e4,1e5`, `--steps 100`, `--batch 1`, `--runs 5`, `--warmup 2`, `--threads <n>`
 * (most threads of the threads backend, default all).
 * @module
 */
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { lif } from '../src/neurons/lif.js';
import { terminateThreads } from '../src/ops/backends/threads/workerPool.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { allocateShared, fromTypedArray } from '../src/ops/tensor.js';
import { uniformSource } from '../src/training/data.js';
import { giveScratch } from '../src/training/kernels/scratch.js';
import { trainable } from '../src/training/neurons.js';
import type { TrainableLayer } from '../src/training/trainableLayer.js';

const opts = new Command()
  .option('--sizes <list>', 'neurons N', '1e4,1e5')
  .option('--steps <T>', 'time steps', (v) => Number(v), 100)
  .option('--batch <B>', 'batch', (v) => Number(v), 1)
  .option('--runs <n>', 'timed runs', (v) => Number(v), 5)
  .option('--warmup <n>', 'untimed runs before', (v) => Number(v), 2)
  .option('--threads <n>', 'most threads of the threads backend (default: all)', (v) => Number(v))
  .parse()
  .opts<{ sizes: string; steps: number; batch: number; runs: number; warmup: number; threads?: number }>();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const threads = createThreadsBackend(opts.threads === undefined ? {} : { threads: opts.threads });
const layers: Record<string, () => TrainableLayer> = {
  'derived, threads (wasm SIMD)': () => trainable(lif, {}, 0.001, { adjoint: 'derived', backend: threads }),
  'derived, js': () => trainable(lif, {}, 0.001, { adjoint: 'derived', backend: 'js' }),
  'hand-written (wasm kernels)': () => trainable(lif, {}, 0.001),
};

const T = opts.steps;
const B = opts.batch;
const load0 = loadavg();
const rows: string[] = [];
for (const N of opts.sizes.split(',').map(Number)) {
  const rng = uniformSource(1);
  const data = allocateShared('float32', T * B * N);
  for (let k = 0; k < data.length; k++) data[k] = 0.6 * rng.next();
  const xs = fromTypedArray(data, [T, B, N]);
  const gOut = new Float64Array(T * B * N).fill(1);
  const rates: Record<string, number> = {};
  const cpuRates: Record<string, number> = {};
  for (const [name, make] of Object.entries(layers)) {
    const layer = make();
    const once = () => {
      const r = layer.forward(xs);
      // ∂input given back to the scratch pool once read, as a sequence of layers does
      giveScratch(layer.backward(r.tape, gOut, undefined, true).gx);
    };
    for (let k = 0; k < opts.warmup; k++) once();
    const seconds: number[] = [];
    const cpu: number[] = [];
    for (let k = 0; k < opts.runs; k++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      once();
      seconds.push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1e6);
    }
    rates[name] = (T * B * N) / median(seconds);
    cpuRates[name] = (T * B * N) / median(cpu);
    console.error(`N=${N}: ${name} ${(rates[name] / 1e6).toFixed(1)} M neuron-steps/s`);
  }
  const hand = rates['hand-written (wasm kernels)'] as number;
  const handCpu = cpuRates['hand-written (wasm kernels)'] as number;
  for (const [name, r] of Object.entries(rates)) {
    const c = cpuRates[name] as number;
    rows.push(
      `| ${N.toExponential(0)} | ${name} | ${(r / 1e6).toFixed(1)} | ${(r / hand).toFixed(2)}× | ${(c / 1e6).toFixed(1)} | ${(c / handCpu).toFixed(2)}× |`,
    );
  }
}
const load1 = loadavg();
console.log(`LIF fwd+bwd, T = ${T}, batch ${B}, float32, median of ${opts.runs} after ${opts.warmup} warm-ups; ${cpus().length} CPUs`);
console.log(`load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${load1.map((x) => x.toFixed(1)).join(' ')}\n`);
console.log(
  '| N | layer | M neuron-steps/s (wall) | vs hand-written | M neuron-steps per CPU second (all threads) | vs hand-written |\n|---|---|---|---|---|---|',
);
console.log(rows.join('\n'));
await terminateThreads();
