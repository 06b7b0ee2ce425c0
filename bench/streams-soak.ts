/**
 * Soak test of the streams layer: 1 000 000 steps of a 1 000-neuron LIF layer through an RxJS
 * pipeline in chunks of T = 100 (10 000 chunks, 1e9 neuron-steps), sampling the heap after a full
 * garbage collection every 50 000 steps. Passes when the heap grows by less than 20 MB after the
 * warm-up (the first 100 000 steps), i.e. when nothing accumulates per chunk.
 *
 * Run: `node --expose-gc --import tsx bench/streams-soak.ts` (`--steps N` to change the length).
 */
import { tap } from 'rxjs';
import { lif } from '../src/neurons/lif.js';
import { neuron } from '../src/neurons/sequential.js';
import { fromTypedArray } from '../src/ops/tensor.js';
import { constantCurrent } from '../src/streams/constantCurrent.js';
import { layer } from '../src/streams/layer.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with: node --expose-gc --import tsx bench/streams-soak.ts');
  process.exit(2);
}
const arg = process.argv.indexOf('--steps');
const STEPS = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
const N = 1000;
const T = 100;
const WARMUP = Math.min(100_000, STEPS / 10);
const EVERY = Math.max(T, Math.min(50_000, STEPS / 20));
const LIMIT_MB = 20;

// per-neuron constant currents in [0, 0.6): some neurons spike, some never do
const current = new Float32Array(N).map((_, n) => (0.6 * ((n * 7919) % 1000)) / 1000);
const input = fromTypedArray(current, [1, N]);

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const samples: { step: number; heapMB: string; rssMB: string; sinceWarmupMB: string }[] = [];
let warm = Number.NaN;
let maxAfterWarmup = 0;
let step = 0;
let spikes = 0;
const start = performance.now();

constantCurrent(input, { steps: STEPS, chunk: T })
  .pipe(
    layer(neuron(lif, {}, 0.001)),
    tap((z) => {
      for (let k = 0; k < z.data.length; k++) spikes += z.data[k] as number;
      step += z.shape[0] as number;
      if (step === WARMUP || (step > WARMUP && step % EVERY === 0) || step === STEPS) {
        const h = heap();
        if (step === WARMUP) warm = h;
        else maxAfterWarmup = Math.max(maxAfterWarmup, h);
        samples.push({
          step,
          heapMB: mb(h),
          rssMB: mb(process.memoryUsage().rss),
          sinceWarmupMB: Number.isNaN(warm) ? '' : mb(h - warm),
        });
      }
    }),
  )
  .subscribe();

const seconds = (performance.now() - start) / 1000;
const growth = maxAfterWarmup - warm;
console.table(samples);
console.log(
  `${STEPS} steps × ${N} neurons in chunks of ${T}: ${seconds.toFixed(1)} s, ${((STEPS * N) / seconds / 1e6).toFixed(1)} M neuron-steps/s`,
);
console.log(`spikes: ${spikes} (${((100 * spikes) / (STEPS * N)).toFixed(2)} % of neuron-steps)`);
console.log(`heap after warm-up (${WARMUP} steps): ${mb(warm)} MB; largest later: ${mb(maxAfterWarmup)} MB; growth ${mb(growth)} MB`);
const ok = growth < LIMIT_MB * 2 ** 20;
console.log(ok ? `PASS: growth < ${LIMIT_MB} MB` : `FAIL: growth ≥ ${LIMIT_MB} MB`);
process.exitCode = ok ? 0 : 1;
