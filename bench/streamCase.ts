/**
 * The `lif-stream` benchmark case: the LIF layer as a stream (`fromTensor(xs, { chunk: 100 })`
 * through `layer(neuron(lif))`) beside the fused `lif.run` over the whole input, each side in a
 * child process of its own (bench/streamServe.ts), alternated.
 * @module
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CaseContext } from './cases.js';
import { type Server, server } from './childServer.js';
import type { Row } from './report.js';
import type { SampleAnswer, SampleRequest } from './streamServe.js';

/** Least wall time of one timed sample (short runs repeat until then). */
export const SAMPLE_SECONDS = 0.2;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** One timed sample: wall and CPU time per run, runs in it, and anything else its sampler reports. */
export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly runs: number;
}

/** What {@link alternate} makes of one sampler's samples. */
export interface Alternated<S extends Sample> {
  /** Median, MAD, min, max of the samples' wall time per run, ms. */
  readonly medianMs: number;
  readonly madMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Samples taken. */
  readonly runs: number;
  /** Median runs per sample. */
  readonly reps: number;
  /** Median CPU time of the process (every thread) per run, ms: the work, without the time other processes took the cores. */
  readonly cpuMs: number;
  /** Every sample, in order. */
  readonly samples: readonly S[];
}

/**
 * Takes `rounds` samples of every sampler alternately (even rounds in the given order, odd rounds
 * reversed, so that neither side always follows the other) and summarises each sampler's samples.
 * A sampler times its own runs (bench/streamServe.ts: in a process of its own, warmed up before
 * the first round).
 * @param samplers - each takes one sample when called
 * @param rounds - samples per sampler (≥ 1)
 */
export const alternate = async <S extends Sample>(samplers: readonly (() => Promise<S>)[], rounds: number): Promise<Alternated<S>[]> => {
  const taken = samplers.map(() => [] as S[]);
  for (let r = 0; r < rounds; r++) {
    const order = samplers.map((_, k) => k);
    if (r % 2 === 1) order.reverse();
    for (const k of order) taken[k]?.push(await (samplers[k] as () => Promise<S>)());
  }
  return taken.map(summarize);
};

/**
 * Summarises samples (of one sampler, possibly from several processes): medians, MAD, range.
 * @param samples - at least one sample
 */
export const summarize = <S extends Sample>(samples: readonly S[]): Alternated<S> => {
  const wall = samples.map((s) => s.wallMs);
  const m = median(wall);
  return {
    medianMs: m,
    madMs: median(wall.map((x) => Math.abs(x - m))),
    minMs: Math.min(...wall),
    maxMs: Math.max(...wall),
    runs: samples.length,
    reps: median(samples.map((s) => s.runs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    samples,
  };
};

/**
 * Pairs of processes (fused, stream) per configuration, taken one pair after the other; the
 * samples of all pairs are pooled. One process's figures depend on the process as well as on the
 * code (heap layout, where its threads run, when its collections fall): at N = 1e4 with fresh
 * outputs the same configuration ran 26.7 and 32.2 ms of CPU per run in two processes minutes
 * apart (2026-12-07), so one pair decided a ratio by its luck; three pairs spread it.
 */
export const PROCESS_PAIRS = 3;

/** Milliseconds with 3 significant digits at least (runs of a millisecond differ in the second decimal). */
const ms = (x: number): string => x.toFixed(x < 10 ? 3 : x < 100 ? 2 : 1);

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const SERVE = fileURLToPath(new URL('./streamServe.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts a side's process: tsx, no `--expose-gc` (spikeflow reaches the collector itself, as in a user's program). */
export const startSide = (): Server => server(process.execPath, ['--import', 'tsx', SERVE], process.env, ROOT);

/** Pool counts summed over samples, as text. */
const poolText = (samples: readonly SampleAnswer[]): string => {
  const total = (k: 'recycled' | 'pooled' | 'unpooled' | 'collections' | 'collectionMs') => samples.reduce((a, s) => a + s[k], 0);
  return `${total('recycled')} recycled, ${total('pooled')} new slots, ${total('unpooled')} unpooled, ${total('collections')} collections (${total('collectionMs').toFixed(0)} ms)`;
};

/**
 * The same LIF layer through the stream operator `layer` (src/streams/layer.ts) over
 * `fromTensor(xs, { chunk: 100 })`, beside the fused `lif.run` over the whole input (`[T, 1, N]`
 * float32, uniform in [0, 0.6), in shared memory; threads backend), with fresh outputs (the
 * default) and with `outputs: 'reuse'`, as a program runs them: each side in its own child process
 * (bench/streamServe.ts, started without `--expose-gc`), runs back to back with one event-loop
 * turn after each, no collection forced — fresh outputs come back to the output pool through the
 * collections spikeflow runs itself (src/ops/sharedPressure.ts), and each process pays its own
 * (in one process, one side's collections would return the other side's dropped outputs). Per N
 * (largest first) and output policy, {@link PROCESS_PAIRS} pairs of processes (fused, stream), one
 * pair after the other: a pair warms up (≥ 0.5 s each), then takes its share of the `ctx.runs`
 * samples per side, alternately, of ≥ {@link SAMPLE_SECONDS} s, and ends (at N = 1e5 each process
 * holds a 400 MB input); the figures are medians over the samples of all pairs. A sample's figure is
 * its wall (and process CPU) time over its runs, turns and collections included. Each stream row's note
 * gives its ratio to the fused run of the same output policy, by wall and by CPU time, the output
 * pool's counts over the samples and the load average. Streams alone:
 * `npm run bench -- --quick --cases lif-stream --runs 15 --no-write`.
 */
export const lifStreamCase = async (ctx: CaseContext, sizes: readonly number[]): Promise<Row[]> => {
  const rows: Row[] = [];
  const T = ctx.T;
  for (const N of sizes.filter((n) => n <= ctx.maxN).sort((a, b) => b - a)) {
    for (const outputs of ['fresh', 'reuse'] as const) {
      const loadBefore = load();
      const pairs = Math.min(PROCESS_PAIRS, ctx.runs);
      const pooled: [SampleAnswer[], SampleAnswer[]] = [[], []];
      for (let p = 0; p < pairs; p++) {
        const sides = { fused: startSide(), stream: startSide() };
        try {
          const ask = (side: 'fused' | 'stream') => async (): Promise<SampleAnswer> => {
            const req: SampleRequest = {
              cmd: 'sample',
              N,
              T,
              side,
              outputs,
              seconds: SAMPLE_SECONDS,
              ...(ctx.threads.threads === undefined ? {} : { threads: ctx.threads.threads }),
            };
            return (await sides[side].ask(req)) as unknown as SampleAnswer;
          };
          // Both warm up (their first request) before the timed rounds.
          await ask('fused')();
          await ask('stream')();
          // this pair's share of the samples (ctx.runs in all)
          const rounds = Math.floor(ctx.runs / pairs) + (p < ctx.runs % pairs ? 1 : 0);
          const [a, b] = await alternate([ask('fused'), ask('stream')], rounds);
          pooled[0].push(...(a as Alternated<SampleAnswer>).samples);
          pooled[1].push(...(b as Alternated<SampleAnswer>).samples);
        } finally {
          await Promise.all([sides.fused.close(), sides.stream.close()]);
        }
      }
      const [rf, rs] = [summarize(pooled[0]), summarize(pooled[1])];
      const { cpuMs: fCpu, reps: fReps, samples: fSamples, ...f } = rf;
      const { cpuMs: sCpu, reps: sReps, samples: sSamples, ...t } = rs;
      const ran = fSamples[0]?.ran ?? 'unknown';
      const base = { case: 'lif-stream', N, T, backend: 'threads', ran } as const;
      const fusedRate = (T * N) / (f.medianMs / 1000);
      const streamRate = (T * N) / (t.medianMs / 1000);
      const wallPct = ((100 * streamRate) / fusedRate).toFixed(1);
      const cpuPct = ((100 * fCpu) / sCpu).toFixed(1);
      // Both sides compute the same spikes; neither process may have a global gc (a NODE_OPTIONS=--expose-gc would give one).
      const differ = fSamples[0]?.spikes !== sSamples[0]?.spikes ? '; SPIKES DIFFER' : '';
      const warn = [...fSamples, ...sSamples].some((s) => s.gcExposed) ? `${differ}; a side ran with a global gc (--expose-gc)` : differ;
      const sample = (reps: number, cpu: number, samples: readonly SampleAnswer[]) =>
        `median of ${samples.length} samples of ${reps} run${reps === 1 ? '' : 's'} each from ${pairs} process${pairs === 1 ? '' : 'es'} (own processes, no forced collection; CPU ${ms(cpu)} ms per run); output pool: ${poolText(samples)}`;
      rows.push({
        ...base,
        level: `lif.run fused, outputs ${outputs}`,
        ...f,
        neuronStepsPerSecond: fusedRate,
        note: sample(fReps, fCpu, fSamples),
      });
      rows.push({
        ...base,
        level: `fromTensor → layer, chunk 100, outputs ${outputs}`,
        ...t,
        neuronStepsPerSecond: streamRate,
        note: `${wallPct} % of the fused run (each in processes of its own, ${pairs} pair${pairs === 1 ? '' : 's'} one after the other, alternated within a pair; CPU time ${cpuPct} %); ${sample(sReps, sCpu, sSamples)}; load ${loadBefore} → ${load()}${warn}`,
      });
      ctx.log(
        `lif-stream N=${N} outputs ${outputs}: fused ${ms(f.medianMs)} ms, stream ${ms(t.medianMs)} ms (${wallPct} %); CPU per run ${ms(fCpu)} / ${ms(sCpu)} ms (${cpuPct} %); runs per sample ${fReps} / ${sReps}; pool fused: ${poolText(fSamples)}; stream: ${poolText(sSamples)}; RSS ${fSamples.at(-1)?.rssMB} / ${sSamples.at(-1)?.rssMB} MB (pool lent + free ${fSamples.at(-1)?.lentMB} + ${fSamples.at(-1)?.freeMB} / ${sSamples.at(-1)?.lentMB} + ${sSamples.at(-1)?.freeMB} MB); load ${loadBefore} → ${load()}${warn}`,
      );
    }
  }
  return rows;
};
