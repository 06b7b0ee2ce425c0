/**
 * Throughput of a LIF layer in an RxJS pipeline against the bare fused run (tinybench).
 *
 * For every layer size N and chunk length T, the same float32 input `[S, 1, N]` (uniform in
 * [0, 0.6), about 9 % of neuron-steps spike with Norse's default LIF) is run three ways:
 * - `fused`: `lif.run(p, dt)` called in a plain loop over the chunks `[T, 1, N]`, threading the state;
 * - `pipeline`: `fromTensor(xs, { chunk: T }).pipe(layer(neuron(lif)))`, subscribed to the end;
 * - `whole`: one fused `lif.run` over all S steps (the ceiling, for reference).
 * The tasks run in several rounds (tinybench runs), fused and pipeline alternating, and each
 * figure is the best round's mean, so that load from other processes hits both alike.
 * Prints a table of neuron-steps/s and steps/s and the pipeline/fused ratio, and checks the
 * targets: pipeline ≥ 90 % of fused for T ≥ 100, and ≥ 50 000 steps/s for T = 1, N = 100.
 *
 * Run: `npx tsx bench/streams.bench.ts` (`--quick` for a short run).
 */
import { Bench } from 'tinybench';
import { lif } from '../src/neurons/lif.js';
import type { NeuronState } from '../src/neurons/model.js';
import { neuron } from '../src/neurons/sequential.js';
import { fromTypedArray, slice, type Tensor } from '../src/ops/tensor.js';
import { fromTensor } from '../src/streams/fromTensor.js';
import { layer } from '../src/streams/layer.js';

const quick = process.argv.includes('--quick');
const Ns = [100, 10_000];
const Ts = [1, 10, 100, 1000];

/** Steps per measured iteration: enough work per iteration for the timer, at least one chunk. */
const stepsFor = (N: number, T: number): number => Math.max(T, N <= 100 ? 5000 : 1000);

/** A deterministic float32 input `[S, 1, N]`, uniform in [0, 0.6). */
const input = (S: number, N: number): Tensor => {
  const data = new Float32Array(S * N);
  let s = 12345;
  for (let k = 0; k < data.length; k++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[k] = (s / 2 ** 32) * 0.6;
  }
  return fromTypedArray(data, [S, 1, N]);
};

interface Row {
  readonly N: number;
  readonly T: number;
  readonly S: number;
  fused?: number;
  pipeline?: number;
  whole?: number;
}

const rows: Row[] = [];
const rounds = quick ? 2 : 5;
const bench = new Bench({ time: quick ? 100 : 250, warmupTime: quick ? 30 : 100 });
let sink = 0;

for (const N of Ns) {
  for (const T of Ts) {
    const S = stepsFor(N, T);
    const xs = input(S, N);
    const chunks: Tensor[] = [];
    for (let t = 0; t < S; t += T) chunks.push(slice(xs, t, Math.min(S, t + T)));
    const run = lif.run({}, 0.001);
    const row: Row = { N, T, S };
    rows.push(row);
    bench.add(`fused N=${N} T=${T}`, () => {
      let state: NeuronState<'v' | 'i'> | undefined;
      for (const c of chunks) {
        const [z, next] = run(c, state);
        state = next;
        sink += z.data[0] as number;
      }
    });
    const pipeline = fromTensor(xs, { chunk: T }).pipe(layer(neuron(lif, {}, 0.001)));
    bench.add(`pipeline N=${N} T=${T}`, () => {
      pipeline.subscribe((z) => {
        sink += z.data[0] as number;
      });
    });
    if (T === Ts[0]) {
      bench.add(`whole N=${N}`, () => {
        const [z] = run(xs);
        sink += z.data[0] as number;
      });
    }
  }
}

/** Best (lowest) mean latency of each task over the rounds, in ms. */
const best = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`task ${task.name} did not complete: ${'error' in r ? String(r.error) : r.state}`);
    best.set(task.name, Math.min(best.get(task.name) ?? Number.POSITIVE_INFINITY, r.latency.mean));
  }
}
const meanMs = (name: string): number => best.get(name) as number;

const fmt = (x: number): string =>
  x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(1)} k`;
const table: Record<string, string>[] = [];
const failures: string[] = [];
for (const row of rows) {
  const { N, T, S } = row;
  const perS = (name: string): number => (S * 1000) / meanMs(name); // steps per second
  const fused = perS(`fused N=${N} T=${T}`);
  const pipeline = perS(`pipeline N=${N} T=${T}`);
  const whole = perS(`whole N=${N}`);
  const ratio = pipeline / fused;
  table.push({
    N: String(N),
    T: String(T),
    'fused neuron-steps/s': fmt(fused * N),
    'pipeline neuron-steps/s': fmt(pipeline * N),
    'pipeline / fused': `${(100 * ratio).toFixed(1)} %`,
    'pipeline steps/s': fmt(pipeline),
    'one run over all S steps, neuron-steps/s': fmt(whole * N),
  });
  if (T >= 100 && ratio < 0.9) failures.push(`N=${N} T=${T}: pipeline keeps ${(100 * ratio).toFixed(1)} % of fused (target ≥ 90 %)`);
  if (T === 1 && N === 100 && pipeline < 50_000) failures.push(`N=100 T=1: ${pipeline.toFixed(0)} steps/s (target ≥ 50 000)`);
}

console.log(
  `LIF layer (float32, default parameters), Node ${process.version}, best of ${rounds} rounds; steps per iteration S = ${[...new Set(rows.map((r) => r.S))].join(' / ')}`,
);
console.table(table);
console.log(failures.length === 0 ? 'targets met' : `targets missed:\n  ${failures.join('\n  ')}`);
if (sink === Number.POSITIVE_INFINITY) console.log(sink);
process.exitCode = failures.length === 0 ? 0 : 1;
