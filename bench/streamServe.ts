/**
 * One side of the `lif-stream` benchmark case (bench/streamCase.ts starts one process per side and
 * output policy, through bench/childServer.ts): the fused `lif.run` over the whole input, or the
 * same layer as a stream, `fromTensor(xs, { chunk: 100 })` through `layer(neuron(lif))`. Started
 * WITHOUT `--expose-gc`, as users run Node: dropped fresh outputs come back to the output pool only
 * through the collections spikeflow runs itself (src/ops/sharedPressure.ts) or V8's own, and no
 * other side's collections return this side's outputs. Reads one JSON request per line on stdin,
 * answers one JSON line on stdout:
 *
 * - `{ "cmd": "sample", "N": 1e3, "T": 1000, "side": "fused" | "stream", "outputs": "fresh" | "reuse",
 *   "seconds": 0.2, "threads"?: 2 }`: runs that side over `[T, 1, N]` float32 input uniform in
 *   [0, 0.6) in shared memory (`uniformInput`, made once per N and T), on the threads backend, back to
 *   back with one event-loop turn (`setImmediate`) after each run, until `seconds` of wall time have
 *   passed (at least one run); no collection is forced. The first request of a configuration
 *   warms it up first, untimed: ≥ {@link WARMUP_SECONDS} and ≥ 3 runs, each followed by a turn.
 *   Answers `{ wallMs, cpuMs, runs, recycled, pooled, unpooled, collections, collectionMs, ran,
 *   spikes, rssMB, lentMB, freeMB, pid, gcExposed }`: wall and CPU time per run over the whole sample (the turns and every
 *   collection inside it included; CPU time from `process.cpuUsage`, every thread of this process:
 *   the main thread, the worker threads and V8's helper threads), the output pool's counts over the
 *   sample (`outputPoolStats()`: outputs served from free slots, new slots, outside the pool;
 *   collections spikeflow ran and their milliseconds), what ran (`executionOf` of the last run's
 *   output, the last chunk's for a stream), the fraction of neuron-steps that spiked in the first
 *   warm-up run (both sides compute the same spikes), the resident memory and the pool's lent and
 *   free megabytes after the sample, and
 *   whether a global `gc` exists (it should not).
 * - `{ "cmd": "exit" }` (or stdin closed): ends the worker threads and exits.
 * @module
 */
import { lastValueFrom, reduce } from 'rxjs';
import { lif } from '../src/neurons/lif.js';
import { neuron } from '../src/neurons/sequential.js';
import { type Backend, executionOf } from '../src/ops/backends/backendRegistry.js';
import { terminateThreads } from '../src/ops/backends/threads.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { outputPoolStats } from '../src/ops/outputPool.js';
import type { Tensor } from '../src/ops/tensor.js';
import { fromTensor } from '../src/streams/fromTensor.js';
import { layer } from '../src/streams/layer.js';
import { uniformInput } from './cases.js';
import { serveRequests } from './childServer.js';

/** A sample request. */
export interface SampleRequest {
  readonly cmd: 'sample';
  readonly N: number;
  readonly T: number;
  readonly side: 'fused' | 'stream';
  readonly outputs: 'fresh' | 'reuse';
  /** Least wall time of the sample, seconds. */
  readonly seconds: number;
  /** Most threads of the threads backend (default: all). */
  readonly threads?: number;
}

/** The answer to a {@link SampleRequest} (times per run, counts over the sample). */
export interface SampleAnswer {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly runs: number;
  readonly recycled: number;
  readonly pooled: number;
  readonly unpooled: number;
  readonly collections: number;
  readonly collectionMs: number;
  readonly ran: string;
  readonly spikes: number;
  readonly rssMB: number;
  /** Megabytes the output pool had lent and held free after the sample. */
  readonly lentMB: number;
  readonly freeMB: number;
  readonly pid: number;
  /** Whether this process has a global `gc` (it should not: started as users run Node). */
  readonly gcExposed: boolean;
}

/** Least wall time of a configuration's warm-up, seconds. */
export const WARMUP_SECONDS = 0.5;

const DT = 0.001;
const CHUNK = 100;

/** One turn of the event loop (finalizers of dropped outputs run in such turns). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const sum = (z: Tensor): number => {
  let s = 0;
  const d = z.data;
  for (let k = 0; k < d.length; k++) s += d[k] as number;
  return s;
};

const ranOf = (z: Tensor | undefined): string => {
  const e = z === undefined ? undefined : executionOf(z);
  return e === undefined ? 'unknown' : `${e.backend}${e.note === undefined ? '' : `: ${e.note}`}`;
};

interface Config {
  /** One run; resolves with its output (the last chunk's for a stream). */
  readonly once: () => Promise<Tensor>;
  /** Spike fraction of the first run. */
  readonly spikes: number;
}

let input: { N: number; T: number; xs: Tensor } | undefined;
const configs = new Map<string, Config>();
const backends = new Map<number | undefined, Backend>();

const check = (r: SampleRequest): void => {
  for (const k of ['N', 'T'] as const)
    if (!(Number.isInteger(r[k]) && r[k] > 0)) throw new Error(`${k} must be a positive integer, received ${r[k]}`);
  if (r.side !== 'fused' && r.side !== 'stream') throw new Error(`side must be 'fused' or 'stream', received ${String(r.side)}`);
  if (r.outputs !== 'fresh' && r.outputs !== 'reuse') throw new Error(`outputs must be 'fresh' or 'reuse', received ${String(r.outputs)}`);
  if (!(r.seconds >= 0)) throw new Error(`seconds must be ≥ 0, received ${r.seconds}`);
};

/** Builds and warms up a configuration (untimed). */
const configure = async (r: SampleRequest): Promise<Config> => {
  if (input === undefined || input.N !== r.N || input.T !== r.T) {
    input = undefined;
    configs.clear();
    input = { N: r.N, T: r.T, xs: uniformInput(r.T, r.N, 0.6, true) };
  }
  const key = `${r.side} ${r.outputs} ${r.threads}`;
  const known = configs.get(key);
  if (known !== undefined) return known;
  let backend = backends.get(r.threads);
  if (backend === undefined) {
    backend = createThreadsBackend(r.threads === undefined ? {} : { threads: r.threads });
    backends.set(r.threads, backend);
  }
  const options = { backend, outputs: r.outputs };
  const xs = input.xs;
  let once: () => Promise<Tensor>;
  let spikes: number;
  if (r.side === 'fused') {
    const run = lif.run({}, DT, options);
    once = async () => run(xs)[0];
    spikes = sum(await once());
  } else {
    const op = layer(neuron(lif, {}, DT, options));
    once = () => lastValueFrom(fromTensor(xs, { chunk: CHUNK }).pipe(op));
    // Summed chunk by chunk as they arrive (with reused outputs each chunk overwrites the last).
    spikes = await lastValueFrom(
      fromTensor(xs, { chunk: CHUNK }).pipe(
        op,
        reduce((s, z) => s + sum(z), 0),
      ),
    );
  }
  await turn();
  const t0 = performance.now();
  for (let k = 1; k < 3 || performance.now() - t0 < WARMUP_SECONDS * 1000; k++) {
    await once();
    await turn();
  }
  const c: Config = { once, spikes: spikes / (r.T * r.N) };
  configs.set(key, c);
  return c;
};

/** Answers a {@link SampleRequest}. */
const sample = async (r: SampleRequest): Promise<SampleAnswer> => {
  check(r);
  const c = await configure(r);
  const p0 = outputPoolStats();
  const c0 = cpuNow();
  const t0 = performance.now();
  let runs = 0;
  let last: Tensor | undefined;
  do {
    last = await c.once();
    await turn();
    runs++;
  } while (performance.now() - t0 < r.seconds * 1000);
  const wall = performance.now() - t0;
  const cpu = cpuNow() - c0;
  const p1 = outputPoolStats();
  return {
    wallMs: wall / runs,
    cpuMs: cpu / runs,
    runs,
    recycled: p1.recycled - p0.recycled,
    pooled: p1.pooled - p0.pooled,
    unpooled: p1.unpooled - p0.unpooled,
    collections: p1.collections - p0.collections,
    collectionMs: p1.collectionMs - p0.collectionMs,
    ran: ranOf(last),
    spikes: c.spikes,
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
    lentMB: Math.round(p1.lentBytes / 2 ** 20),
    freeMB: Math.round(p1.freeBytes / 2 ** 20),
    pid: process.pid,
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
};

serveRequests(
  async (request) => {
    const r = request as SampleRequest | { cmd: 'exit' };
    if (r.cmd === 'exit') return undefined;
    if (r.cmd !== 'sample') throw new Error(`cmd must be 'sample' or 'exit', received ${String((r as { cmd: unknown }).cmd)}`);
    return sample(r);
  },
  () => {
    void terminateThreads();
  },
);
