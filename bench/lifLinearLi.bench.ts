/**
 * `npm run bench:lif-linear-li`: LIF(N) → Linear(N → N/10) → LI written as the README writes it,
 * `sequential(neuron(lif), linearLayer(linearInit(N, N / 10)), neuron(li))`, against Norse's
 * `SequentialState(LIF(), Linear(N, N // 10), LI())` side by side, in one run on one machine
 * (issue 19, "networks at kernel speed").
 *
 * Both: float32, batch 1, T = 1000 steps, input uniform in [0, 0.6) (about 9 % of the LIF neurons
 * spike per step), default parameters, no gradients, every core (spikeflow's `threads` backend
 * picks its threads; torch is given `os.cpu_count()` threads — its default here is 1). Rows:
 * - `spikeflow/node`: the network as imported from `spikeflow/node` (`auto` → `threads`:
 *   WebAssembly SIMD on worker threads, the linear map spike-driven);
 * - `spikeflow (js)`: the same with `{ backend: 'js' }` everywhere, what the browser-safe
 *   `spikeflow` entry runs (one thread);
 * - Norse: `bench/norse_lif_linear_li.py` in Debian's `/usr/bin/python3` (torch 1.13) with Norse's
 *   source (`SPIKEFLOW_NORSE_SRC`, default `../norse` then `/work/norse`) and
 *   `../shared/tools/norse_shims.py`; one Python process kept for the whole run, its runs
 *   alternating with spikeflow's.
 * Figures: medians of `--runs` (default 7) timed runs after one warm-up each, neuron-steps/s
 * counting LIF and LI neurons, `T·(N + N/10)`; the ratio spikeflow / Norse per N; the load
 * average before and after (the machine may be shared: compare ratios, not absolute figures).
 *
 * Run: `npm run bench:lif-linear-li` (`-- --sizes 1e3,1e4 --runs 7 --steps 1000 --no-js`).
 * Results: `bench/results/lif-linear-li-latest.{json,md}`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { executionOf, fromTypedArray, type Layer, li, lif, linearInit, linearLayer, neuron, sequential, type Tensor } from '../src/node.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const k = args.indexOf(name);
  return k >= 0 && k + 1 < args.length ? (args[k + 1] as string) : fallback;
};
const sizes = option('--sizes', '1e3,1e4').split(',').map(Number);
const runs = Number(option('--runs', '7'));
const T = Number(option('--steps', '1000'));
const withJs = !args.includes('--no-js');
const root = fileURLToPath(new URL('..', import.meta.url));

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** Uniform [0, 0.6) float32 input [T, 1, N] from a fixed linear congruential generator. */
const inputOf = (N: number): Tensor => {
  const x = new Float32Array(T * N);
  let s = 12345;
  for (let k = 0; k < x.length; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[k] = 0.6 * (s / 2 ** 32);
  }
  return fromTypedArray(x, [T, 1, N]);
};

/** Norse in a Python process answering one request a line (see bench/norse_lif_linear_li.py). */
const startNorse = async (): Promise<{ info: string; time: (N: number) => Promise<number>; stop: () => void } | string> => {
  const python = process.env.SPIKEFLOW_NORSE_PYTHON ?? '/usr/bin/python3';
  const src = [process.env.SPIKEFLOW_NORSE_SRC, `${root}../norse`, '/work/norse'].find((p) => p !== undefined && existsSync(`${p}/norse`));
  const shims = [`${root}../shared/tools`, '/work/shared/tools'].find((p) => existsSync(`${p}/norse_shims.py`));
  if (src === undefined || shims === undefined || !existsSync(python))
    return 'Norse not found (set SPIKEFLOW_NORSE_SRC and SPIKEFLOW_NORSE_PYTHON)';
  const code = `import norse_shims, runpy, sys; import norse; norse_shims.adapt(); sys.argv = ['norse_lif_linear_li.py']; runpy.run_path(${JSON.stringify(`${root}bench/norse_lif_linear_li.py`)}, run_name='__main__')`;
  const child: ChildProcessWithoutNullStreams = spawn(python, ['-c', code], { env: { ...process.env, PYTHONPATH: `${src}:${shims}` } });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done === true) throw new Error(`Norse stopped: ${stderr.slice(-2000)}`);
    return r.value;
  };
  const info = await next();
  return {
    info,
    time: async (N: number) => {
      child.stdin.write(`${JSON.stringify({ N, T, runs: 1 })}\n`);
      const answer = JSON.parse(await next()) as { seconds: number[] };
      return answer.seconds[0] as number;
    },
    stop: () => {
      child.stdin.end('\n');
    },
  };
};

const network = (N: number, backend?: 'js'): Layer<unknown> => {
  const o = backend === undefined ? {} : { backend };
  return sequential(
    neuron(lif, {}, 0.001, o),
    linearLayer(linearInit(N, N / 10, { seed: 1 }), o),
    neuron(li, {}, 0.001, o),
  ) as Layer<unknown>;
};

interface Row {
  readonly N: number;
  readonly tool: string;
  readonly ran: string;
  readonly medianMs: number;
  readonly runsMs: number[];
  readonly neuronStepsPerSecond: number;
}

const main = async (): Promise<void> => {
  const loadBefore = load();
  console.log(`lif-linear-li: T = ${T}, sizes ${sizes.join(', ')}, ${runs} runs each, load average ${loadBefore}`);
  const norse = await startNorse();
  if (typeof norse === 'string') console.log(norse);
  else console.log(`Norse: ${norse.info}`);
  const rows: Row[] = [];
  for (const N of sizes) {
    const xs = inputOf(N);
    const tools: [string, Layer<unknown>][] = [['spikeflow/node', network(N)]];
    if (withJs) tools.push(['spikeflow (js)', network(N, 'js')]);
    const times = new Map<string, number[]>([...tools.map(([t]) => [t, []] as [string, number[]]), ['Norse', []]]);
    const ran = new Map<string, string>();
    for (const [tool, net] of tools) {
      const [, , recorded] = net.run(xs); // warm-up
      ran.set(tool, (recorded as Tensor[]).map((r) => executionOf(r)?.backend ?? '?').join(' → '));
    }
    if (typeof norse !== 'string') await norse.time(N); // warm-up (the first request builds the network)
    for (let r = 0; r < runs; r++) {
      for (const [tool, net] of tools) {
        const t0 = performance.now();
        net.run(xs);
        times.get(tool)?.push(performance.now() - t0);
      }
      if (typeof norse !== 'string') times.get('Norse')?.push((await norse.time(N)) * 1000);
    }
    for (const [tool, ms] of times) {
      if (ms.length === 0) continue;
      const m = median(ms);
      rows.push({ N, tool, ran: ran.get(tool) ?? 'torch', medianMs: m, runsMs: ms, neuronStepsPerSecond: (T * (N + N / 10)) / (m / 1000) });
    }
  }
  if (typeof norse !== 'string') norse.stop();
  const loadAfter = load();
  const norseAt = (N: number) => rows.find((r) => r.N === N && r.tool === 'Norse');
  const lines = [
    `| N | tool | what ran | median ms | M neuron-steps/s | × Norse |`,
    `| ---: | --- | --- | ---: | ---: | ---: |`,
    ...rows.map((r) => {
      const n = norseAt(r.N);
      const ratio = n === undefined ? '–' : `${(n.medianMs / r.medianMs).toFixed(2)}×`;
      return `| ${r.N.toExponential(0)} | ${r.tool} | ${r.ran} | ${r.medianMs.toFixed(1)} | ${(r.neuronStepsPerSecond / 1e6).toFixed(1)} | ${ratio} |`;
    }),
  ];
  const date = new Date().toISOString();
  const md = [
    `# LIF → Linear(N → N/10) → LI, spikeflow vs Norse (${date})`,
    '',
    `T = ${T}, float32, batch 1, input uniform in [0, 0.6); medians of ${runs} alternating runs; load average before ${loadBefore}, after ${loadAfter}.`,
    '',
    ...lines,
    '',
  ].join('\n');
  console.log(md);
  if (!args.includes('--no-write')) {
    const dir = `${root}bench/results`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/lif-linear-li-latest.md`, md);
    writeFileSync(`${dir}/lif-linear-li-latest.json`, `${JSON.stringify({ date, T, runs, loadBefore, loadAfter, rows }, null, 2)}\n`);
  }
  process.exit(0);
};

await main();
