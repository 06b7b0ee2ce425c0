/**
 * The benchmark cases. Each case builds its inputs once, then times whole runs with tinybench
 * (one warm-up run, then `runs` runs) and returns one {@link Row} per configuration.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
import { seededGenerator, uniforms } from '../src/ops/random.js';
import { fromTypedArray, type Tensor } from '../src/ops/tensor.js';
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
