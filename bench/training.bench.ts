/**
 * `npm run bench:training`: forward + backward (BPTT) neuron-steps per second of a LIF layer and
 * of LIF(N) → Linear(N → 100) → LI(100), at N = 1e3, 1e4, 1e5, batch 1 and 32, T = 100, float32,
 * default LIF parameters (SuperSpike, α 100), input uniform in [0, 0.6) with ∂input computed, loss =
 * Σz (LIF) or Σ LI output (stack): spikeflow's `trainable` layers (each case twice: the neuron layers
 * with fresh outputs and ∂input each call, and with `outputs: 'reuse'`, which writes them into the same
 * buffers each call — the LIF layer's in the training arena, in place; `trainableLinear` as it is) (its passes split over the threads
 * backend's worker pool, `--threads`, default every hardware thread; the input in shared memory) and
 * Norse's autograd (bench/norse_training.py) on 1 and on 2 torch threads (Debian's torch runs its
 * matrix products on OpenBLAS's own threads even with 1 torch thread: its CPU time then exceeds its
 * wall time), in the same run, median of the timed samples
 * after warm-up calls on both sides (JIT, WebAssembly tier-up, allocators). Also the memory the
 * forward pass keeps for the backward pass, per neuron-step, on both sides.
 *
 * Like with like: both sides run under the same glibc malloc settings (`MALLOC_MMAP_MAX_=0`,
 * `MALLOC_TRIM_THRESHOLD_` huge: freed memory stays in the process instead of going back to the
 * kernel, so a fresh tensor costs no page faults; the script re-runs itself with them), or neither
 * with `--default-malloc`.
 *
 * `N = 1e5, batch 32` (3.2e8 neuron-steps per run) is left out of the defaults: Norse's autograd
 * keeps ~4–6 GB of saved tensors and spikeflow ~9 GB of input, tape and float64 gradients on this
 * shared 23 GB machine (`--configs 1e5x32` runs it).
 * Options: `--quick` (1e3x1, 1e3x32, 1e4x1, 1e4x32, 1e5x1; 3 runs after 2 warm-ups; a few minutes),
 * `--configs 1e3x1,1e3x32,...`, `--cases lif,stack` (default both), `--runs <n>`, `--warmup <n>`, `--threads <n>`, `--torch-threads 1,2`, `--no-norse`,
 * `--no-arena` (the LIF layer's copying path instead of the training arena, `kernels/arena.ts`), `--default-malloc`, `--out <dir>`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { li } from '../src/neurons/li.js';
import { lif } from '../src/neurons/lif.js';
import { hardwareThreads } from '../src/ops/backends/threads/plan.js';
import '../src/ops/backends/threads/training.js';
import { allocateShared, fromTypedArray, type Tensor } from '../src/ops/tensor.js';
import { uniformSource } from '../src/training/data.js';
import { setArenaFull } from '../src/training/kernels/arena.js';
import { setTrainingThreads } from '../src/training/kernels/parallel.js';
import { trainableLinear } from '../src/training/linear.js';
import { trainable } from '../src/training/neurons.js';
import type { TrainableLayer } from '../src/training/trainableLayer.js';
import { trainableSequential } from '../src/training/trainableSequential.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const program = new Command()
  .option('--configs <list>', 'NxB list', '1e3x1,1e3x32,1e4x1,1e4x32,1e5x1')
  .option('--cases <list>', 'cases: lif (the LIF layer), stack (LIF → Linear → LI)', 'lif,stack')
  .option('--runs <n>', 'timed runs', (v) => Number(v), 5)
  .option('--warmup <n>', 'untimed runs before (JIT and WebAssembly tier-up, allocator)', (v) => Number(v), 3)
  .option('--steps <T>', 'time steps', (v) => Number(v), 100)
  .option('--quick', 'the default sizes with 3 runs after 2 warm-ups (a few minutes)')
  .option('--threads <n>', "most threads of spikeflow's passes (default: every hardware thread)", (v) => Number(v))
  .option('--torch-threads <list>', 'torch thread counts to run Norse on', '1,2')
  .option('--no-norse', 'skip Norse')
  .option('--no-arena', "spikeflow's LIF layer on its copying path (the training arena refusing, as a full one), for an A/B")
  .option('--default-malloc', 'run both sides with the default glibc malloc settings')
  .option('--out <dir>', 'results directory', 'bench/results')
  .parse();
const opts = program.opts<{
  configs: string;
  cases: string;
  runs: number;
  warmup: number;
  steps: number;
  quick?: boolean;
  threads?: number;
  torchThreads: string;
  norse: boolean;
  arena: boolean;
  defaultMalloc?: boolean;
  out: string;
}>();
const mallocEnv = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' };
if (opts.defaultMalloc !== true && process.env.MALLOC_MMAP_MAX_ !== '0') {
  // glibc reads these at start-up: run this script again with them
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...mallocEnv },
  });
  process.exit(r.status ?? 1);
}
if (opts.quick === true) {
  if (program.getOptionValueSource('runs') === 'default') opts.runs = 3;
  if (program.getOptionValueSource('warmup') === 'default') opts.warmup = 2;
}
const T = opts.steps;
if (!opts.arena) setArenaFull(true);
const threads = opts.threads ?? hardwareThreads();
setTrainingThreads(threads);
const configs = opts.configs.split(',').map((c) => c.split('x').map(Number) as [number, number]);
const torchThreads = opts.torchThreads.split(',').map(Number);
const cases = opts.cases.split(',') as ('lif' | 'stack')[];
for (const c of cases) if (c !== 'lif' && c !== 'stack') throw new Error(`--cases: expected lif and/or stack, received ${c}`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/**
 * Seconds per call, by wall and by CPU time of the process, of each timed sample. Warm-up: at least
 * `--warmup` calls and {@link WARMUP_SECONDS} of wall time (small cases need tens of calls before
 * V8 has optimised the JavaScript around the kernels). A sample repeats the call until it lasts at
 * least {@link SAMPLE_SECONDS} (short calls are below the CPU clock's resolution). Norse's script
 * follows the same rules.
 */
const time = (fn: () => void, runs: number): { wall: number[]; cpu: number[] } => {
  const w0 = performance.now();
  let calls = 0;
  while (calls < opts.warmup || performance.now() - w0 < WARMUP_SECONDS * 1000) {
    fn();
    calls++;
  }
  const per = (performance.now() - w0) / 1000 / calls;
  const reps = Math.max(1, Math.ceil(SAMPLE_SECONDS / per));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let q = 0; q < reps; q++) fn();
    wall.push((performance.now() - t0) / 1000 / reps);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6 / reps);
  }
  return { wall, cpu };
};
/** Least wall time of the warm-up calls. */
const WARMUP_SECONDS = 2;
/** Least wall time of one timed sample. */
const SAMPLE_SECONDS = 0.2;

/** Bytes of the typed arrays a tape holds (recursively), minus the input it references. */
const tapeBytes = (tape: unknown, input: Tensor): number => {
  const seen = new Set<unknown>([input.data]);
  const walk = (v: unknown): number => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return 0;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return (v as Float32Array).byteLength;
    return Object.values(v as Record<string, unknown>).reduce<number>((a, x) => a + walk(x), 0);
  };
  return walk(tape);
};

interface Row {
  case: 'lif' | 'stack';
  /** The spikeflow layers' `outputs` option (`reuse`: the LIF layer's outputs and ∂input written into the same buffers each call). */
  outputs: 'fresh' | 'reuse';
  N: number;
  B: number;
  T: number;
  spikeflow: number;
  spikeflowCpu: number;
  spikeflowSeconds: number[];
  tapeBytesPerNeuronStep: number;
  /** Norse by torch thread count: neuron-steps per wall second and per CPU second, seconds of each run. */
  norse: Record<number, { wall: number; cpu: number; seconds: number[] }>;
  norseSavedBytesPerNeuronStep?: number;
}

const rows: Row[] = [];
const load0 = loadavg()[0] as number;
for (const [N, B] of configs) {
  const rng = uniformSource(1);
  const x = allocateShared('float32', T * B * N);
  for (let k = 0; k < x.length; k++) x[k] = 0.6 * rng.next();
  const xs = fromTypedArray(x, [T, B, N]);
  // shared memory, as the gradients a loss or a following layer hands over (scratch buffers): no staging copy
  const ones = (n: number) => allocateShared('float64', n).fill(1) as Float64Array;
  // the neuron layers also with outputs 'reuse' (no fresh outputs or ∂input per call, as torch's caching allocator)
  type Variant = ['lif' | 'stack', 'fresh' | 'reuse'];
  const variants = cases.flatMap((c): Variant[] => [
    [c, 'fresh'],
    [c, 'reuse'],
  ]);
  for (const [which, outputs] of variants) {
    const net: TrainableLayer =
      which === 'lif'
        ? trainable(lif, undefined, 0.001, { outputs })
        : trainableSequential(
            trainable(lif, undefined, 0.001, { outputs }),
            trainableLinear([N, 100], { seed: 1 }),
            trainable(li, undefined, 0.001, { outputs }),
          );
    const outSize = T * B * (which === 'lif' ? N : 100);
    const gOut = ones(outSize);
    let bytes = 0;
    const { wall: seconds, cpu } = time(() => {
      net.zeroGrad();
      const r = net.forward(xs);
      bytes = tapeBytes(r.tape, xs);
      net.backward(r.tape, gOut, undefined, true);
    }, opts.runs);
    const neurons = which === 'lif' ? N : N + 100;
    rows.push({
      case: which,
      outputs,
      N,
      B,
      T,
      spikeflow: (T * B * neurons) / median(seconds),
      spikeflowCpu: (T * B * neurons) / median(cpu),
      spikeflowSeconds: seconds,
      tapeBytesPerNeuronStep: bytes / (T * B * neurons),
      norse: {},
    });
    console.error(
      `spikeflow ${which} (${outputs}) N=${N} B=${B}: ${((T * B * neurons) / median(seconds) / 1e6).toFixed(1)} M neuron-steps/s`,
    );
  }
}

let torchVersion: string | undefined;
for (const threads of opts.norse ? torchThreads : []) {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      `${root}bench/norse_training.py`,
      '--configs',
      configs.map(([n, b]) => `${n}x${b}`).join(','),
      '--runs',
      String(opts.runs),
      '--warmup',
      String(opts.warmup),
      '--steps',
      String(T),
      '--threads',
      String(threads),
      '--cases',
      cases.join(','),
    ],
    {
      env: { ...process.env, PYTHONPATH: '/work/norse:/work/shared/tools', ...(opts.defaultMalloc === true ? {} : mallocEnv) },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) {
    console.error(`Norse (${threads} threads) failed: ${r.stderr}`);
    continue;
  }
  const j = JSON.parse(r.stdout) as {
    torch: string;
    threads: number;
    rows: {
      case: string;
      N: number;
      B: number;
      neuronStepsPerSecond: number;
      neuronStepsPerCpuSecond: number;
      seconds: number[];
      savedBytesPerNeuronStep: number;
    }[];
  };
  torchVersion = j.torch;
  for (const n of j.rows) {
    for (const row of rows.filter((x) => x.case === n.case && x.N === n.N && x.B === n.B)) {
      row.norse[j.threads] = { wall: n.neuronStepsPerSecond, cpu: n.neuronStepsPerCpuSecond, seconds: n.seconds };
      row.norseSavedBytesPerNeuronStep = n.savedBytesPerNeuronStep;
    }
  }
  console.error(`Norse on ${j.threads} torch thread(s) done`);
}
const load1 = loadavg()[0] as number;
const f = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1e6).toFixed(1)} M`);
const ratio = (a: number, b: number | undefined) => (b === undefined ? '–' : `${(a / b).toFixed(1)}×`);
/** Norse's fastest wall figure over the torch thread counts run. */
const best = (r: Row): number | undefined => {
  const w = Object.values(r.norse).map((n) => n.wall);
  return w.length === 0 ? undefined : Math.max(...w);
};
const th = torchThreads.filter((t) => rows.some((r) => r.norse[t] !== undefined));
const md = [
  `# Training benchmark (forward + backward), ${new Date().toISOString()}`,
  '',
  `Machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after.` +
    (torchVersion
      ? ` Norse 065a3b45 on torch ${torchVersion}, ${th.join(' and ')} thread(s); spikeflow on ${threads} thread(s) (worker pool of the threads backend).`
      : '') +
    (opts.defaultMalloc === true
      ? ' Default glibc malloc settings.'
      : ' Both sides with MALLOC_MMAP_MAX_=0 and a huge MALLOC_TRIM_THRESHOLD_ (freed memory stays in the process).') +
    (opts.arena ? " spikeflow's LIF layer in place in the training arena." : " spikeflow's LIF layer on its copying path (--no-arena)."),
  `T = ${T}, float32, ∂input computed, median of ${opts.runs} samples (each repeats the call for ≥ ${SAMPLE_SECONDS} s) after ≥ ${opts.warmup} warm-up calls and ≥ ${WARMUP_SECONDS} s (both sides); neuron-steps/s = T·B·(neurons) / time, by wall time and by CPU time of the process (the latter is what an idle core would give on a loaded machine; for 2 torch threads it adds both threads' time). Memory: bytes the forward pass keeps for the backward pass per neuron-step (spikeflow's tape without the input; Norse's autograd saved tensors).`,
  '',
  `| case | N | batch | spikeflow (wall) | spikeflow (CPU) | ${th.map((t) => `Norse ${t} thr (wall) | ratio (wall) | Norse ${t} thr (CPU) | ratio (CPU)`).join(' | ')} | ratio to Norse's best (wall) | tape B/neuron-step (spikeflow) | saved B/neuron-step (Norse) |`,
  `| --- | --- | --- | --- | --- | ${th.map(() => '--- | --- | --- | ---').join(' | ')} | --- | --- | --- |`,
  ...rows.map(
    (r) =>
      `| ${r.case === 'lif' ? 'LIF' : 'LIF → Linear(N→100) → LI'}${r.outputs === 'reuse' ? ", outputs 'reuse'" : ''} | ${r.N} | ${r.B} | ${f(r.spikeflow)} | ${f(r.spikeflowCpu)} | ${th
        .map((t) => {
          const n = r.norse[t];
          return `${f(n?.wall)} | ${ratio(r.spikeflow, n?.wall)} | ${f(n?.cpu)} | ${ratio(r.spikeflowCpu, n?.cpu)}`;
        })
        .join(
          ' | ',
        )} | ${ratio(r.spikeflow, best(r))} | ${r.tapeBytesPerNeuronStep.toFixed(1)} | ${r.norseSavedBytesPerNeuronStep?.toFixed(1) ?? '–'} |`,
  ),
  '',
].join('\n');
mkdirSync(opts.out, { recursive: true });
writeFileSync(
  `${opts.out}/training.json`,
  `${JSON.stringify({ load: [load0, load1], torch: torchVersion, threads, torchThreads: th, malloc: opts.defaultMalloc === true ? 'default' : mallocEnv, rows }, null, 2)}\n`,
);
writeFileSync(`${opts.out}/training.md`, md);
console.log(md);
