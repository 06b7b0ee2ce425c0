/**
 * `npm run bench:training`: forward + backward (BPTT) neuron-steps per second of a LIF layer and
 * of LIF(N) → Linear(N → 100) → LI(100), at N = 1e3, 1e4, 1e5, batch 1 and 32, T = 100, float32,
 * default LIF parameters (SuperSpike, α 100), input uniform in [0, 0.6), loss = Σz (LIF) or
 * Σ LI output (stack): spikeflow's `trainable` layers and Norse's autograd (bench/norse_training.py)
 * in the same run, median of 5 timed runs after 3 warm-up runs each (JIT, WebAssembly tier-up). Also the tape bytes per
 * neuron-step (what the forward pass keeps for the backward pass) on both sides.
 *
 * `N = 1e5, batch 32` (3.2e8 neuron-steps per run) is left out: Norse's autograd would keep
 * ~4–6 GB of saved tensors, spikeflow ~5 GB of gradient buffers (float64 ∂x) on this shared 23 GB machine.
 * Options: `--configs 1e3x1,1e3x32,...`, `--runs <n>`, `--no-norse`, `--out <dir>`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { li } from '../src/neurons/li.js';
import { lif } from '../src/neurons/lif.js';
import { fromTypedArray, type Tensor } from '../src/ops/tensor.js';
import { uniformSource } from '../src/training/data.js';
import type { TrainableLayer } from '../src/training/layer.js';
import { trainableLinear } from '../src/training/linear.js';
import { trainable } from '../src/training/neurons.js';
import { trainableSequential } from '../src/training/sequential.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const program = new Command()
  .option('--configs <list>', 'NxB list', '1e3x1,1e3x32,1e4x1,1e4x32,1e5x1')
  .option('--runs <n>', 'timed runs', (v) => Number(v), 5)
  .option('--warmup <n>', 'untimed runs before (JIT and WebAssembly tier-up, allocator)', (v) => Number(v), 3)
  .option('--steps <T>', 'time steps', (v) => Number(v), 100)
  .option('--no-norse', 'skip Norse')
  .option('--out <dir>', 'results directory', 'bench/results')
  .parse();
const opts = program.opts<{ configs: string; runs: number; warmup: number; steps: number; norse: boolean; out: string }>();
const T = opts.steps;
const configs = opts.configs.split(',').map((c) => c.split('x').map(Number) as [number, number]);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Wall and CPU seconds (user + system of this process) of each timed run, after the warm-up runs. */
const time = (fn: () => void, runs: number): { wall: number[]; cpu: number[] } => {
  for (let k = 0; k < opts.warmup; k++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall, cpu };
};

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
  N: number;
  B: number;
  T: number;
  spikeflow: number;
  spikeflowCpu: number;
  spikeflowSeconds: number[];
  tapeBytesPerNeuronStep: number;
  norse?: number;
  norseCpu?: number;
  norseSeconds?: number[];
  norseSavedBytesPerNeuronStep?: number;
}

const rows: Row[] = [];
const load0 = loadavg()[0] as number;
for (const [N, B] of configs) {
  const rng = uniformSource(1);
  const x = new Float32Array(T * B * N);
  for (let k = 0; k < x.length; k++) x[k] = 0.6 * rng.next();
  const xs = fromTypedArray(x, [T, B, N]);
  const ones = (n: number) => new Float64Array(n).fill(1);
  for (const which of ['lif', 'stack'] as const) {
    const net: TrainableLayer =
      which === 'lif' ? trainable(lif) : trainableSequential(trainable(lif), trainableLinear([N, 100], { seed: 1 }), trainable(li));
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
      N,
      B,
      T,
      spikeflow: (T * B * neurons) / median(seconds),
      spikeflowCpu: (T * B * neurons) / median(cpu),
      spikeflowSeconds: seconds,
      tapeBytesPerNeuronStep: bytes / (T * B * neurons),
    });
    console.error(`spikeflow ${which} N=${N} B=${B}: ${((T * B * neurons) / median(seconds) / 1e6).toFixed(1)} M neuron-steps/s`);
  }
}

let norseInfo: { torch: string; threads: number } | undefined;
if (opts.norse) {
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
    ],
    {
      env: { ...process.env, PYTHONPATH: '/work/norse:/work/shared/tools', MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) console.error(`Norse failed: ${r.stderr}`);
  else {
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
    norseInfo = { torch: j.torch, threads: j.threads };
    for (const n of j.rows) {
      const row = rows.find((x) => x.case === n.case && x.N === n.N && x.B === n.B);
      if (row)
        Object.assign(row, {
          norse: n.neuronStepsPerSecond,
          norseCpu: n.neuronStepsPerCpuSecond,
          norseSeconds: n.seconds,
          norseSavedBytesPerNeuronStep: n.savedBytesPerNeuronStep,
        });
    }
  }
}
const load1 = loadavg()[0] as number;
const f = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1e6).toFixed(1)} M`);
const md = [
  `# Training benchmark (forward + backward), ${new Date().toISOString()}`,
  '',
  `Machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after.` +
    (norseInfo ? ` Norse 065a3b45 on torch ${norseInfo.torch}, ${norseInfo.threads} thread(s).` : ''),
  `T = ${T}, float32, median of ${opts.runs} runs after ${opts.warmup} warm-up runs (both sides); neuron-steps/s = T·B·(neurons) / time, by wall time and by CPU time of the process (the latter is what an idle core would give on a loaded machine).`,
  '',
  '| case | N | batch | spikeflow (wall) | Norse (wall) | ratio | spikeflow (CPU) | Norse (CPU) | ratio (CPU) | tape B/neuron-step (spikeflow) | saved B/neuron-step (Norse) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.case === 'lif' ? 'LIF' : 'LIF → Linear(N→100) → LI'} | ${r.N} | ${r.B} | ${f(r.spikeflow)} | ${f(r.norse)} | ${r.norse ? `${(r.spikeflow / r.norse).toFixed(1)}×` : '–'} | ${f(r.spikeflowCpu)} | ${f(r.norseCpu)} | ${r.norseCpu ? `${(r.spikeflowCpu / r.norseCpu).toFixed(1)}×` : '–'} | ${r.tapeBytesPerNeuronStep.toFixed(1)} | ${r.norseSavedBytesPerNeuronStep?.toFixed(1) ?? '–'} |`,
  ),
  '',
].join('\n');
mkdirSync(opts.out, { recursive: true });
writeFileSync(`${opts.out}/training.json`, `${JSON.stringify({ load: [load0, load1], norse: norseInfo, rows }, null, 2)}\n`);
writeFileSync(`${opts.out}/training.md`, md);
console.log(md);
