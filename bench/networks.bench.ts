/**
 * `npm run bench:networks`: spikeflow's network simulator against Brian2 2.5.1 side by side, in
 * one run on one machine (issue 15).
 *
 * Cases: CUBA and COBA (Brette et al. 2007; 4000 neurons, p = 0.02, 1 s at dt = 0.1 ms) and the
 * CUBA scaling runs at 4000, 16 000 and 64 000 neurons with a fixed in-degree (64 E + 16 I, as the
 * 4000-neuron network on average). Brian2 runs in Debian's `/usr/bin/python3`
 * (`bench/brian_networks.py`) with its cython target and its numpy target; its code generation and
 * compilation are timed apart (a run of 0 ms before the timed run). Each figure is the median of
 * `--reps` runs (default 3; the machine is shared), spikeflow and Brian2 alternating.
 * Reported: run time per simulated second, ratio to Brian2 cython, mean rate, CV of ISIs, peak of
 * the population rate's spectrum (Hz), synaptic events per second and bytes per synapse.
 *
 * Run: `npm run bench:networks` (`-- --quick` for one rep, no numpy target and no 64k run;
 * `-- --scaling=4000,16000,64000` picks the scaling sizes, `-- --scaling-only` skips CUBA/COBA, and
 * `-- --targets=cython` picks Brian2's targets, `--targets=` none; `-- --backends=threads,js` runs
 * CUBA/COBA on each of spikeflow's backends, named in the tool column, instead of `auto`).
 * Results: `bench/results/networks-latest.{json,md}`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { binnedRate, isiCv, meanRate, mergeSpikes, rateSpectrum } from '../src/networks/analysis.js';
import { cobaNetwork, cubaNetwork } from '../src/networks/classic.js';
import type { NetworkChunk, SpikingNetwork } from '../src/networks/network.js';
// Registers the threads backend: its populationRun kernel (WebAssembly SIMD) is what `auto` takes.
import '../src/threads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice(7) ?? (quick ? 1 : 3));
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const targets =
  option('targets')
    ?.split(',')
    .filter((t) => t !== '') ?? (quick ? ['cython'] : ['cython', 'numpy']);
// spikeflow's backends for CUBA/COBA (default: auto, i.e. threads here); e.g. --backends=threads,js
const backends = option('backends')?.split(',') ?? ['auto'];
const scaling =
  option('scaling')
    ?.split(',')
    .filter((x) => x !== '')
    .map(Number) ?? (quick ? [4000, 16000] : [4000, 16000, 64000]);
const scalingOnly = args.includes('--scaling-only');
for (const n of scaling)
  if (!Number.isInteger(n) || n < 100) throw new Error(`--scaling: expected neuron counts (integers ≥ 100), received ${option('scaling')}`);

interface Row {
  readonly tool: string;
  readonly case: string;
  readonly n: number;
  readonly duration: number;
  readonly build: number;
  readonly compile?: number;
  readonly run: number;
  /** CPU seconds of the run (user + system; both sides run on one thread): robust to a loaded machine. */
  readonly cpu: number;
  readonly rate: number;
  readonly cv: number | null;
  readonly peak: number;
  readonly events: number;
  readonly synapses: number;
  readonly bytesPerSynapse?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const spikeflowCase = (name: string, n: number, duration: number, make: () => SpikingNetwork, tool = 'spikeflow'): Row => {
  const runs: number[] = [];
  const cpus: number[] = [];
  const builds: number[] = [];
  let last: { chunk: NetworkChunk; net: SpikingNetwork } | undefined;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const net = make();
    const t1 = performance.now();
    const c0 = process.cpuUsage();
    const [chunk] = net.run(Math.round(duration / net.dt));
    const c1 = process.cpuUsage(c0);
    const t2 = performance.now();
    cpus.push((c1.user + c1.system) / 1e6);
    builds.push((t1 - t0) / 1000);
    runs.push((t2 - t1) / 1000);
    last = { chunk, net };
  }
  const { chunk, net } = last as { chunk: NetworkChunk; net: SpikingNetwork };
  const steps = chunk.steps;
  // E and I as one group of n neurons (I's indices after E's), as Brian2's single group.
  const nE = net.populations[0]?.n ?? 0;
  const e = mergeSpikes([chunk], 'E');
  const i = mergeSpikes([chunk], 'I');
  const all = { i: new Int32Array([...e.i, ...Array.from(i.i, (k) => k + nE)]), step: new Int32Array([...e.step, ...i.step]) };
  const order = Array.from(all.step.keys()).sort((a, b) => (all.step[a] as number) - (all.step[b] as number));
  const sorted = { i: Int32Array.from(order, (k) => all.i[k] as number), step: Int32Array.from(order, (k) => all.step[k] as number) };
  const rate = binnedRate(sorted, n, net.dt, 5, 0, steps);
  const synapses = net.projections.reduce((a, p) => a + p.synapses, 0);
  const bytes = net.projections.reduce((a, p) => a + p.synapses * p.bytesPerSynapse, 0);
  return {
    tool,
    case: name,
    n,
    duration,
    build: median(builds),
    run: median(runs),
    cpu: median(cpus),
    rate: meanRate(sorted, n, duration),
    cv: isiCv(sorted, n),
    peak: rateSpectrum(rate, 5 * net.dt).peak,
    events: chunk.events,
    synapses,
    bytesPerSynapse: bytes / synapses,
  };
};

const brianCase = (name: string, target: string, duration: number): Row | undefined => {
  const results: Record<string, unknown>[] = [];
  for (let r = 0; r < reps; r++) {
    const p = spawnSync('/usr/bin/python3', ['bench/brian_networks.py', name, target, String(duration)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const line = p.stdout.trim().split('\n').pop() ?? '';
    if (p.status !== 0 || !line.startsWith('{')) {
      process.stderr.write(`brian2 ${name} ${target} failed (status ${p.status}): ${p.stderr.slice(-2000)}\n`);
      return undefined;
    }
    results.push(JSON.parse(line) as Record<string, unknown>);
  }
  const pick = (k: string) => median(results.map((x) => x[k] as number));
  const first = results[0] as Record<string, number>;
  return {
    tool: `brian2 ${target}`,
    case: name,
    n: first.n as number,
    duration,
    build: pick('build'),
    compile: Math.max(...results.map((x) => x.compile as number)),
    run: pick('run'),
    cpu: pick('cpu'),
    rate: first.rate as number,
    cv: first.cv ?? null,
    peak: first.peak as number,
    events: first.events as number,
    synapses: first.synapses as number,
  };
};

const rows: Row[] = [];
const log = (r: Row | undefined) => {
  if (r === undefined) return;
  rows.push(r);
  process.stdout.write(
    `${r.case.padEnd(10)} ${r.tool.padEnd(15)} run ${r.run.toFixed(3)} s  cpu ${r.cpu.toFixed(3)} s  build ${r.build.toFixed(3)} s${r.compile === undefined ? '' : `  compile ${r.compile.toFixed(2)} s`}  rate ${r.rate.toFixed(2)} Hz  cv ${r.cv?.toFixed(2)}  peak ${r.peak.toFixed(0)} Hz  ${(r.events / r.run / 1e6).toFixed(1)} M events/s\n`,
  );
};

for (const [name, make] of [
  ['cuba', (backend: string) => cubaNetwork({ backend })],
  // Brian2's COBA integrates with method='euler', its conductances decaying by 1 − dt/τ per step: the same here.
  ['coba', (backend: string) => cobaNetwork({ synapseDecay: 'euler', backend })],
] as const) {
  if (scalingOnly) break;
  for (const b of backends) log(spikeflowCase(name, 4000, 1, () => make(b), b === 'auto' ? 'spikeflow' : `spikeflow ${b}`));
  for (const t of targets) log(brianCase(name, t, 1));
}
const scaleDuration = quick ? 0.1 : 0.25;
for (const n of scaling) {
  const name = `cuba-${n}`;
  log(spikeflowCase(name, n, scaleDuration, () => cubaNetwork({ n, inDegree: { e: 64, i: 16 } })));
  log(brianCase(name, 'cython', scaleDuration));
}

const md = [
  `Load average at the end: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')} (${cpus().length} cores). Wall and CPU time per simulated second; ratios to Brian2 cython (< 1: spikeflow faster).`,
  '',
  '| case | tool | run (s per simulated s) | ratio | CPU (s per simulated s) | CPU ratio | compile (s) | rate (Hz) | CV ISI | spectrum peak (Hz) | events/s | bytes/synapse |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => {
    const ref = rows.find((q) => q.case === r.case && q.tool === 'brian2 cython');
    const perS = r.run / r.duration;
    return `| ${r.case} | ${r.tool} | ${perS.toFixed(3)} | ${ref === undefined ? '' : (r.run / ref.run).toFixed(2)} | ${(r.cpu / r.duration).toFixed(3)} | ${ref === undefined ? '' : (r.cpu / ref.cpu).toFixed(2)} | ${r.compile?.toFixed(1) ?? ''} | ${r.rate.toFixed(2)} | ${r.cv?.toFixed(2) ?? ''} | ${r.peak.toFixed(0)} | ${(r.events / r.run / 1e6).toFixed(1)} M | ${r.bytesPerSynapse?.toFixed(1) ?? ''} |`;
  }),
].join('\n');
process.stdout.write(`\n${md}\n`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/networks-latest.json', `${JSON.stringify({ date: new Date().toISOString(), reps, rows }, null, 2)}\n`);
writeFileSync('bench/results/networks-latest.md', `${md}\n`);
