/**
 * The benchmark cases. Each case builds its inputs once, then times whole runs with tinybench
 * (one warm-up run, then `runs` runs) and returns one {@link Row} per configuration.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { Bench } from 'tinybench';
import { izhikevich } from '../src/neurons/izhikevich.js';
import { li } from '../src/neurons/li.js';
import { lif, lifKernel } from '../src/neurons/lif.js';
import { withOptionValues } from '../src/neurons/lifOptions.js';
import { lsnn } from '../src/neurons/lsnn.js';
import type { NeuronModel } from '../src/neurons/model.js';
import { models } from '../src/neurons/registry.js';
import { linearLayer, neuron, sequential } from '../src/neurons/sequential.js';
import { type Backend, executionOf } from '../src/ops/backends/backendRegistry.js';
import { allocateShared, compileThreaded, type ThreadsOptions } from '../src/ops/backends/threads.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { compileJs } from '../src/ops/kernel.js';
import { linearInit } from '../src/ops/linear.js';
import { outputPoolStats } from '../src/ops/outputPool.js';
import { seededGenerator, uniforms } from '../src/ops/random.js';
import { fromTypedArray, slice, type Tensor } from '../src/ops/tensor.js';
import type { Row } from './report.js';

/** Settings every case receives. */
export interface CaseContext {
  readonly T: number;
  readonly runs: number;
  readonly threads: ThreadsOptions;
  /** Largest N to run (memory: a float32 LIF run at N holds 8·T·N bytes of input and output). */
  readonly maxN: number;
  /** Skip the slow single-thread `js` rows at N ≥ this. */
  readonly jsMaxN: number;
  readonly log: (line: string) => void;
}

const DT = 0.001;

/**
 * With --expose-gc (run.ts passes it), collects the previous run's garbage (gigabytes at N = 1e6)
 * outside the timing, as Python frees Norse's tensors at once, and lets the event loop turn twice
 * so that dropped fresh outputs return to the output pool (src/ops/outputPool.ts), as in any
 * asynchronous program once its collector has run.
 */
export const collectGarbage = async (): Promise<void> => {
  (globalThis as { gc?: () => void }).gc?.();
  for (let k = 0; k < 2; k++) await new Promise((resolve) => setImmediate(resolve));
};

/** Median, MAD, min, max of `runs` timed runs after one warm-up (garbage collected before each, {@link collectGarbage}). */
export const measure = async (fn: () => unknown, runs: number) => {
  await collectGarbage();
  const bench = new Bench({ iterations: runs, time: 0, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add('case', fn, { beforeEach: collectGarbage });
  await bench.run();
  const task = bench.tasks[0];
  const r = task?.result;
  if (r === undefined || r.state !== 'completed') throw new Error(`benchmark did not complete: ${r?.state}`);
  return { medianMs: r.latency.p50, madMs: r.latency.mad, minMs: r.latency.min, maxMs: r.latency.max, runs: r.latency.samplesCount };
};

// Inputs: uniform draws from pure-rand (src/ops/random.ts), a pool of a prime length tiled over
// the input so that no two neurons of a step share a sequence.
const POOL = 1_048_573;
let pool: Float64Array | undefined;
const uniformPool = (): Float64Array => {
  pool ??= uniforms(seededGenerator(20240601), POOL)[0];
  return pool;
};

/** `[T, 1, N]` float32 input uniform in `[0, scale)`, in shared memory or not. */
export const uniformInput = (T: number, N: number, scale: number, shared: boolean): Tensor => {
  const u = uniformPool();
  const data = shared ? allocateShared('float32', T * N) : new Float32Array(T * N);
  let j = 0;
  for (let k = 0; k < data.length; k++) {
    data[k] = scale * (u[j] as number);
    j = j + 1 === POOL ? 0 : j + 1;
  }
  return fromTypedArray(data, [T, 1, N]);
};

/**
 * Sizes to run, largest first: the largest runs allocate gigabytes, and with glibc keeping freed
 * memory (see run.ts) later, smaller allocations reuse those blocks instead of growing the heap.
 */
const largestFirst = (sizes: readonly number[], maxN: number): number[] => sizes.filter((n) => n <= maxN).sort((a, b) => b - a);

/** Milliseconds with 3 significant digits at least (runs of a millisecond differ in the second decimal). */
const ms = (x: number): string => x.toFixed(x < 10 ? 3 : x < 100 ? 2 : 1);

const ranOf = (out: Tensor): string => {
  const e = executionOf(out);
  return e === undefined ? 'unknown' : `${e.backend}${e.note === undefined ? '' : `: ${e.note}`}`;
};

const spikeFraction = (out: Tensor): number => {
  let s = 0;
  const d = out.data;
  for (let k = 0; k < d.length; k++) s += d[k] as number;
  return s / d.length;
};

/** LIF fused runs through `lif.run` (layer) and the compiled kernel alone (kernel), js and threads. */
export const lifCase = async (ctx: CaseContext, sizes: readonly number[]): Promise<Row[]> => {
  const rows: Row[] = [];
  const T = ctx.T;
  const threads = createThreadsBackend(ctx.threads);
  const p = lif.parameters();
  const kvalues = withOptionValues(p as unknown as Record<string, number>);
  const kparams = lif.kernel.params.map((n) => Math.fround(kvalues[n] as number));
  for (const N of largestFirst(sizes, ctx.maxN)) {
    const xs = uniformInput(T, N, 0.6, true);
    const add = (level: string, backend: string, ran: string, t: Awaited<ReturnType<typeof measure>>, note?: string) => {
      const row: Row = { case: 'lif', level, N, T, backend, ran, ...t, neuronStepsPerSecond: (T * N) / (t.medianMs / 1000), note };
      rows.push(row);
      ctx.log(
        `lif ${level} N=${N} ${backend}: ${row.medianMs.toFixed(1)} ms, ${((row.neuronStepsPerSecond ?? 0) / 1e6).toFixed(0)} M neuron-steps/s (${ran})`,
      );
    };
    // Layer: the public API, validation and allocation included.
    for (const backend of ['threads', 'js'] as const) {
      if (backend === 'js' && N >= ctx.jsMaxN) continue;
      const run = lif.run(p, DT, { backend: backend === 'js' ? 'js' : (threads as Backend) });
      let ran = '';
      let spikes: number | undefined;
      const t = await measure(() => {
        const [out] = run(xs);
        ran = ranOf(out);
        spikes ??= spikeFraction(out); // on the warm-up run only; no output outlives its run
      }, ctx.runs);
      add('lif.run', backend, ran, t, `input in shared memory; ${((spikes ?? Number.NaN) * 100).toFixed(1)} % of neuron-steps spike`);
    }
    // Layer with an input in ordinary memory: too large to stage for workers, so the threads backend runs it on one thread.
    if (N <= 1e5) {
      const plain = fromTypedArray(new Float32Array(xs.data), xs.shape);
      const run = lif.run(p, DT, { backend: threads });
      let ran = '';
      const t = await measure(() => {
        ran = ranOf(run(plain)[0]);
      }, ctx.runs);
      add('lif.run', 'threads', ran, t, 'input in ordinary memory (too large to stage: one thread, no copy)');
    }
    // Kernel alone: preallocated output and state, no validation.
    const M = N;
    for (const backend of ['threads', 'js'] as const) {
      if (backend === 'js' && N >= ctx.jsMaxN) continue;
      const out = allocateShared('float32', T * M);
      const v = allocateShared('float32', M);
      const i = allocateShared('float32', M);
      const threaded = backend === 'js' ? undefined : compileThreaded(lifKernel, 'float32', false, ctx.threads);
      const k = threaded ?? compileJs(lifKernel, 'float32', false);
      const call = { T, M, inputs: [xs.data], out, state: [v, i], params: kparams, dt: Math.fround(DT) };
      const t = await measure(() => k(call), ctx.runs);
      const plan = threaded?.plan(T, M);
      add('kernel', backend, plan === undefined ? 'compileJs loop, 1 thread' : `${plan.engine}: ${plan.reason}`, t, 'preallocated buffers');
    }
  }
  return rows;
};

/** Least wall time of one timed sample of {@link alternate} (short runs repeat until then). */
export const SAMPLE_SECONDS = 0.2;
/** Least wall time of each configuration's warm-up in {@link alternate}. */
const WARMUP_SECONDS = 0.5;

/**
 * Milliseconds {@link alternate} waits after each forced collection before a timed run: a full
 * collection hands its sweeping to helper threads, which otherwise ran during the next timed run
 * and were counted in it (process CPU time includes them; on 2 cores they also take the run's
 * core): measured at N = 1e3, the 90th percentile of a run's CPU time was 3–4 ms instead of 1.3–2
 * ms. The work is the forced collection's, which a program running chunks does not pay per run.
 */
const SETTLE_MS = 5;

/** One turn of the event loop (dropped pooled outputs return to the output pool in such turns). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** Most runs in one sample of {@link alternate} when a collection is forced before each run. */
const MAX_COLLECTED_REPS = 20;

/**
 * Times configurations alternately, as an asynchronous program runs them: after one forced garbage
 * collection, each configuration warms up (≥ {@link WARMUP_SECONDS} and 3 runs); then `runs`
 * rounds in which every configuration takes one sample: runs back to back until their summed wall
 * time reaches {@link SAMPLE_SECONDS} (a run of a millisecond is near the CPU clock's resolution and
 * single runs are bimodal), with one turn of the event loop after each run (outside the timing).
 * The figure per sample is its runs' summed time over their number, by wall time and by CPU time
 * of the process (all threads: the work, whatever other processes took of the cores). Median,
 * MAD, min, max over the samples.
 *
 * `collect` (fresh outputs): before each timed run the previous runs' garbage is collected and the
 * event loop turns ({@link collectGarbage}, outside the timing), so that their dropped outputs are
 * back in the output pool, and the collection's concurrent sweeping finishes ({@link SETTLE_MS}) —
 * a fresh output measured as an asynchronous program gets it once its collector has run (V8's own collections come too seldom for that: without this a loop of fresh
 * runs writes new pages each run). A sample then has at most {@link MAX_COLLECTED_REPS} runs, and
 * `rewarm[k]` runs untimed after each collection: a full collection empties V8's inline-cache stub
 * cache and discards optimised code that refers to objects it frees, so the JavaScript right after
 * it is slower (~0.25 ms for a `fromTensor` pipeline) — a cost a program pays once per full
 * collection, which would otherwise weigh on every run, the more so on the path with more
 * JavaScript (a stream of chunks). Without `collect` no collection is forced between timed runs:
 * V8 collects when the runs' allocations call for it, inside the runs that pay for it.
 */
export const alternate = async (
  fns: readonly (() => unknown)[],
  runs: number,
  collect = false,
  rewarm: readonly (() => unknown)[] = [],
) => {
  await collectGarbage();
  for (const f of fns) {
    const t0 = performance.now();
    for (let calls = 0; calls < 3 || performance.now() - t0 < WARMUP_SECONDS * 1000; calls++) {
      if (collect) await collectGarbage();
      await f();
      await turn();
    }
  }
  const times = fns.map(() => [] as number[]);
  const cpu = fns.map(() => [] as number[]);
  const reps = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [k, f] of fns.entries()) {
      let wall = 0;
      let work = 0;
      let n = 0;
      while (n === 0 || (wall < SAMPLE_SECONDS * 1000 && !(collect && n >= MAX_COLLECTED_REPS))) {
        if (collect) {
          await collectGarbage();
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          await rewarm[k]?.();
        }
        const c0 = cpuMs();
        const t0 = performance.now();
        await f();
        wall += performance.now() - t0;
        work += cpuMs() - c0;
        n++;
        await turn();
      }
      times[k]?.push(wall / n);
      cpu[k]?.push(work / n);
      reps[k]?.push(n);
    }
  }
  return times.map((ts, k) => {
    const m = median(ts);
    return {
      medianMs: m,
      madMs: median(ts.map((x) => Math.abs(x - m))),
      minMs: Math.min(...ts),
      maxMs: Math.max(...ts),
      runs: ts.length,
      /** Median runs per sample. */
      reps: median(reps[k] as number[]),
      /** Median CPU time of the process (every thread) per run: the work, without the time other processes took the cores. */
      cpuMs: median(cpu[k] as number[]),
    };
  });
};

/**
 * The same LIF layer through the stream operator `layer` (src/streams/layer.ts) over
 * `fromTensor(xs, { chunk: 100 })`, beside the fused `lif.run` over the whole input, alternately,
 * with fresh outputs (the default) and with `outputs: 'reuse'`; each stream row's note gives its
 * ratio to the fused run of the same output policy, by wall and by CPU time (both timed the same
 * way: samples of ≥ 0.2 s; with fresh outputs a collection before each run; see {@link alternate}). Streams alone: `npm run bench -- --quick --cases lif-stream --runs 15 --no-write`.
 */
export const lifStreamCase = async (ctx: CaseContext, sizes: readonly number[]): Promise<Row[]> => {
  const { layer } = await import('../src/streams/layer.js');
  const { fromTensor } = await import('../src/streams/fromTensor.js');
  const rows: Row[] = [];
  const T = ctx.T;
  const threads = createThreadsBackend(ctx.threads);
  for (const N of largestFirst(sizes, ctx.maxN)) {
    const xs = uniformInput(T, N, 0.6, true);
    for (const outputs of ['fresh', 'reuse'] as const) {
      const options = { backend: threads as Backend, outputs };
      const op = layer(neuron(lif, {}, DT, options));
      const fused = lif.run({}, DT, options);
      let ran = '';
      const tiny = slice(xs, 0, 2);
      const pool0 = outputPoolStats();
      const [tf, ts] = await alternate(
        [
          () => {
            ran = ranOf(fused(xs)[0]);
          },
          () => lastValueFrom(fromTensor(xs, { chunk: 100 }).pipe(op)),
        ],
        ctx.runs,
        outputs === 'fresh',
        // After each forced collection (fresh outputs) both re-warm on 2 steps of the input (see `alternate`).
        [() => fused(tiny), () => lastValueFrom(fromTensor(tiny, { chunk: 1 }).pipe(op))],
      );
      const pool1 = outputPoolStats();
      const { cpuMs: fCpu, reps: fReps, ...f } = tf as Awaited<ReturnType<typeof alternate>>[number];
      const { cpuMs: sCpu, reps: sReps, ...t } = ts as Awaited<ReturnType<typeof alternate>>[number];
      const base = { case: 'lif-stream', N, T, backend: 'threads', ran } as const;
      const fusedRate = (T * N) / (f.medianMs / 1000);
      const streamRate = (T * N) / (t.medianMs / 1000);
      const sample = (reps: number) => `median of ${t.runs} samples of ${reps} run${reps === 1 ? '' : 's'} each`;
      rows.push({ ...base, level: `lif.run fused, outputs ${outputs}`, ...f, neuronStepsPerSecond: fusedRate, note: sample(fReps) });
      rows.push({
        ...base,
        level: `fromTensor → layer, chunk 100, outputs ${outputs}`,
        ...t,
        neuronStepsPerSecond: streamRate,
        note: `${((100 * streamRate) / fusedRate).toFixed(1)} % of the fused run (alternated with it; CPU time ${((100 * fCpu) / sCpu).toFixed(1)} %); ${sample(sReps)}`,
      });
      ctx.log(
        `lif-stream N=${N} outputs ${outputs}: fused ${ms(f.medianMs)} ms, stream ${ms(t.medianMs)} ms (${((100 * streamRate) / fusedRate).toFixed(1)} %); CPU per run ${ms(fCpu)} / ${ms(sCpu)} ms (${((100 * fCpu) / sCpu).toFixed(1)} %); runs per sample ${fReps} / ${sReps}; output pool: ${pool1.recycled - pool0.recycled} recycled, ${pool1.pooled - pool0.pooled} new slots, ${pool1.unpooled - pool0.unpooled} unpooled`,
      );
    }
  }
  return rows;
};

/** LIF → Linear(N → N/10) → LI as one sequential network. */
export const lifLinearLiCase = async (ctx: CaseContext, sizes: readonly number[]): Promise<Row[]> => {
  const rows: Row[] = [];
  const T = ctx.T;
  const threads = createThreadsBackend(ctx.threads);
  for (const N of sizes.filter((n) => n <= ctx.maxN)) {
    const xs = uniformInput(T, N, 0.6, true);
    const w = linearInit(N, N / 10, { seed: 1 });
    for (const backend of ['threads', 'js'] as const) {
      // As the README writes it: sequential(neuron(lif), linearLayer(...), neuron(li)), one backend for every layer.
      const b = backend === 'js' ? 'js' : threads;
      const net = sequential(neuron(lif, {}, DT, { backend: b }), linearLayer(w, { backend: b }), neuron(li, {}, DT, { backend: b }));
      let ran = '';
      const t = await measure(
        () => {
          const [out, , recorded] = net.run(xs);
          const parts = (recorded as Tensor[]).map((r) => executionOf(r)?.backend ?? '?');
          ran = `${parts.join(' → ')} (${executionOf(out)?.note ?? ''})`;
        },
        Math.min(ctx.runs, 3),
      );
      const row: Row = {
        case: 'lif-linear-li',
        level: 'sequential',
        N,
        T,
        backend,
        ran,
        ...t,
        neuronStepsPerSecond: (T * (N + N / 10)) / (t.medianMs / 1000),
        note: `neuron-steps count LIF (N) and LI (N/10); the linear map is ${T}·${N}·${N / 10} multiply-adds`,
      };
      rows.push(row);
      ctx.log(`lif-linear-li N=${N} ${backend}: ${t.medianMs.toFixed(1)} ms (${ran})`);
    }
  }
  return rows;
};

/** Other neuron models at one size: Izhikevich and LSNN. */
export const modelsCase = async (ctx: CaseContext, N: number): Promise<Row[]> => {
  const rows: Row[] = [];
  const T = ctx.T;
  const threads = createThreadsBackend(ctx.threads);
  const cases: [string, NeuronModel, number, string][] = [
    ['izhikevich', izhikevich as unknown as NeuronModel, 20, 'input uniform in [0, 20) (tonic spiking currents)'],
    ['lsnn', lsnn as unknown as NeuronModel, 0.6, 'input uniform in [0, 0.6)'],
  ];
  for (const [id, model, scale, note] of cases) {
    const xs = uniformInput(T, N, scale, true);
    for (const backend of ['threads', 'js'] as const) {
      const run = model.run({}, DT, { backend: backend === 'js' ? 'js' : threads });
      let ran = '';
      const t = await measure(() => {
        ran = ranOf(run(xs)[0]);
      }, ctx.runs);
      rows.push({
        case: id,
        level: `${model.id}.run`,
        N,
        T,
        backend,
        ran,
        ...t,
        neuronStepsPerSecond: (T * N) / (t.medianMs / 1000),
        note,
      });
      ctx.log(`${id} N=${N} ${backend}: ${t.medianMs.toFixed(1)} ms (${ran})`);
    }
  }
  return rows;
};

/** The Poisson encoder (src/ops/encoders/poisson.ts) drawing `[T, 1, N]` spikes. */
export const poissonCase = async (ctx: CaseContext, N: number): Promise<Row[]> => {
  const here = fileURLToPath(new URL('../src/ops/encoders/', import.meta.url));
  if (!existsSync(here) || !readdirSync(here).includes('poisson.ts')) {
    ctx.log('poisson: src/ops/encoders/poisson.ts is missing, case skipped');
    return [];
  }
  const { poissonEncode } = await import('../src/ops/encoders/poisson.js');
  const T = ctx.T;
  const u = uniformPool();
  const x = fromTypedArray(
    Float32Array.from({ length: N }, (_, k) => u[k] as number),
    [1, N],
  );
  const encode = poissonEncode(T, { fMax: 100 }, DT);
  const rng = seededGenerator(7);
  let spikes: number | undefined;
  const t = await measure(() => {
    const [out] = encode(x, rng);
    spikes ??= spikeFraction(out); // on the warm-up run only
  }, ctx.runs);
  ctx.log(`poisson N=${N}: ${t.medianMs.toFixed(1)} ms`);
  return [
    {
      case: 'poisson',
      level: 'poissonEncode',
      N,
      T,
      backend: 'js',
      ran: 'plain TypeScript loop (pure-rand xoroshiro128+)',
      ...t,
      neuronStepsPerSecond: (T * N) / (t.medianMs / 1000),
      note: `fMax 100 Hz, rates uniform in [0, 1); ${((spikes ?? Number.NaN) * 100).toFixed(1)} % spikes`,
    },
  ];
};

/** Bytes of state per neuron of every model (all state variables are `[batch, N]` tensors of the dtype). */
export const memoryCase = (): { model: string; stateVariables: string; float32: number; float64: number }[] =>
  Object.entries(models).map(([name, m]) => {
    const per = (dtype: 'float32' | 'float64'): number => {
      if (m.recurrent) return m.stateNames.length * (dtype === 'float32' ? 4 : 8);
      const s = m.initialState([1, 1000], {}, dtype) as Readonly<Record<string, Tensor>>;
      return Object.values(s).reduce((a, t) => a + t.data.byteLength, 0) / 1000;
    };
    return { model: name, stateVariables: m.stateNames.join(', '), float32: per('float32'), float64: per('float64') };
  });
