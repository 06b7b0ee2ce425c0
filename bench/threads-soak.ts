/**
 * Soak benchmark of the `threads` backend's shared memory (issue 14, item 7): 10 000 fused LIF runs
 * at N = 100 000 neurons, T = 8 steps, each result dropped at once, sampling the process's RSS every
 * 500 runs. Before the fix the workers kept a handle on every run's shared buffers (each run's
 * 3.2 MB output is under the 8 MB per-job collection threshold) and RSS reached 2 GB; the pool now
 * has its workers collect after every 32 MB of shared buffers, so RSS stays flat.
 *
 * Run: `nice -n 10 node --import tsx bench/threads-soak.ts [--runs 10000] [--n 100000] [--t 8]`.
 * Prints one JSON line per sample and a verdict (RSS growth after the first 10 % of runs).
 */
import { lif } from '../src/neurons/lif.js';
import { fromTypedArray } from '../src/ops/tensor.js';
import { activeWorkers, terminateThreads } from '../src/threads.js';

const arg = (name: string, fallback: number): number => {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? Number(process.argv[k + 1]) : fallback;
};
const RUNS = arg('runs', 10_000);
const N = arg('n', 100_000);
const T = arg('t', 8);
const EVERY = Math.max(1, Math.floor(RUNS / 20));
const LIMIT_MB = 200;

const x = new Float32Array(T * N);
for (let k = 0; k < x.length; k++) x[k] = (0.6 * ((k * 7919) % 1000)) / 1000;
const xs = fromTypedArray(x, [T, 1, N]);
const run = lif.run({}, 0.001, { backend: 'threads' });

const mb = (b: number): number => Math.round(b / 2 ** 20);
const samples: { run: number; rssMB: number }[] = [];
const started = performance.now();
let spikes = 0;
for (let r = 1; r <= RUNS; r++) {
  const [z] = run(xs);
  spikes += z.data[N - 1] as number;
  if (r % EVERY === 0 || r === RUNS) {
    const s = { run: r, rssMB: mb(process.memoryUsage().rss) };
    samples.push(s);
    console.log(JSON.stringify(s));
  }
}
const seconds = (performance.now() - started) / 1000;
const warm = samples.find((s) => s.run >= RUNS / 10) ?? samples[0];
const peak = Math.max(...samples.map((s) => s.rssMB));
const last = samples[samples.length - 1];
const growth = (last?.rssMB ?? 0) - (warm?.rssMB ?? 0);
console.log(
  JSON.stringify({
    runs: RUNS,
    N,
    T,
    workers: activeWorkers(),
    seconds: Number(seconds.toFixed(1)),
    neuronStepsPerSecond: Number(((RUNS * N * T) / seconds).toExponential(3)),
    rssAfterWarmupMB: warm?.rssMB,
    rssLastMB: last?.rssMB,
    rssPeakMB: peak,
    growthMB: growth,
    verdict: growth < LIMIT_MB && peak < 1024 ? 'flat' : 'GROWS',
    checksum: spikes,
  }),
);
await terminateThreads();
