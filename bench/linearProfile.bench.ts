/**
 * `npm run bench:linear-profile`: where the time of the stack LIF(N) → Linear(N → 100) → LI(100)
 * training step goes (T = 100, float32, input uniform in [0, 0.6), SuperSpike; ∂input computed),
 * with the multiply-adds (MAC) and the GMAC/s of each linear kernel:
 *
 * - `layers`: each layer's forward and backward call (`trainable(lif)`, `trainableLinear`,
 *   `trainable(li)`) on every thread of the pool (`--threads`, default every hardware thread) and on
 *   one thread, by wall and by CPU time of the process;
 * - `linear engine`: the one-thread engine's linear passes (`kernels/engine.ts`: forward; backward
 *   without ∂x, i.e. ∂W alone; backward with ∂x);
 * - `linear kernels`: the WebAssembly kernels alone (`kernels/linearGrad.ts`, `linearDense.ts`,
 *   `linearSparse.ts`) on one chunk of rows already in the module's memory, scaled to all rows:
 *   `tw32` (W → tiles), `csr32` (nonzero lists), `csc` (by input), `fwd`/`fwdc` (forward, MAC =
 *   spikes × outputs), `dw`/`dwc` (∂W, same MAC), `dx32` (∂x, MAC = rows × N × outputs), `tga`
 *   (∂W tiles added); the engine pass minus its kernels is its copies and JavaScript.
 *
 * CPU time of the process, minimum over `--rounds` rounds that alternate the phases (the first
 * round a warm-up), under the malloc settings of `bench:training` (the script re-runs itself with them). Options: `--configs 1e4x1,1e4x32`, `--rounds <n>` (default 5), `--threads <n>`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { li } from '../src/neurons/li.js';
import { lif } from '../src/neurons/lif.js';
import { hardwareThreads } from '../src/ops/backends/threads/plan.js';
import '../src/ops/backends/threads/training.js';
import { allocateShared, fromTypedArray } from '../src/ops/tensor.js';
import { uniformSource } from '../src/training/data.js';
import { instantiate } from '../src/training/kernels/asm.js';
import { trainingEngine } from '../src/training/kernels/engine.js';
import { CSR_TABLE_BYTES, linearGradModule, SPARSE_BLOCK } from '../src/training/kernels/linearGrad.js';
import { setTrainingThreads, trainingEngineSpec } from '../src/training/kernels/parallel.js';
import { giveScratch } from '../src/training/kernels/scratch.js';
import { trainableLinear } from '../src/training/linear.js';
import { trainable } from '../src/training/neurons.js';
import { roundMinima } from './roundMinima.js';

const opts = new Command()
  .option('--configs <list>', 'NxB list', '1e4x1,1e4x32')
  .option('--rounds <n>', 'rounds of every phase (the first is a warm-up)', (v) => Number(v), 5)
  .option('--threads <n>', 'threads of the layer calls (default every hardware thread)', (v) => Number(v))
  .parse()
  .opts<{ configs: string; rounds: number; threads?: number }>();
// glibc malloc keeps freed memory (as in `bench:training`): a fresh tensor costs no page faults
if (process.env.MALLOC_MMAP_MAX_ !== '0') {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '1000000000000' },
  });
  process.exit(r.status ?? 1);
}
const T = 100;
const O = 100;
const threads = opts.threads ?? hardwareThreads();
const load0 = loadavg()[0] as number;

/** Minimum over `--rounds` rounds of CPU and wall ms per call of each named function, alternating (`roundMinima`). */
const measure = (fns: Record<string, () => void>, reps = 1) => roundMinima(opts.rounds, fns, reps);
const ms = (v: number) => v.toFixed(2);

const lines: string[] = [];
for (const [N, B] of opts.configs.split(',').map((c) => c.split('x').map(Number) as [number, number])) {
  const R = T * B;
  const rng = uniformSource(1);
  const x0 = allocateShared('float32', R * N);
  for (let k = 0; k < x0.length; k++) x0[k] = 0.6 * rng.next();
  const xs = fromTypedArray(x0, [T, B, N]);
  const L0 = trainable(lif);
  const L1 = trainableLinear([N, O], { seed: 1 });
  const L2 = trainable(li);
  const gOut = allocateShared('float64', R * O).fill(1) as Float64Array;
  // the layers, each call alone (outputs of the previous call as input)
  const layerRows: string[] = [];
  for (const th of [threads, 1]) {
    setTrainingThreads(th);
    let r0 = L0.forward(xs);
    let r1 = L1.forward(r0.out);
    let r2 = L2.forward(r1.out);
    let g2 = L2.backward(r2.tape, gOut, undefined, true).gx as Float64Array;
    let g1 = L1.backward(r1.tape, g2, undefined, true).gx as Float64Array;
    const m = measure({
      'LIF fwd': () => {
        r0 = L0.forward(xs);
      },
      'Linear fwd': () => {
        r1 = L1.forward(r0.out);
      },
      'LI fwd': () => {
        r2 = L2.forward(r1.out);
      },
      'LI bwd': () => {
        giveScratch(g2);
        g2 = L2.backward(r2.tape, gOut, undefined, true).gx as Float64Array;
      },
      'Linear bwd': () => {
        giveScratch(g1);
        g1 = L1.backward(r1.tape, g2, undefined, true).gx as Float64Array;
      },
      'LIF bwd': () => {
        giveScratch(L0.backward(r0.tape, g1, undefined, true).gx);
      },
    });
    const total = Object.values(m).reduce((a, v) => a + v.cpu, 0);
    layerRows.push(
      `| ${th} | ${Object.values(m)
        .map((v) => `${ms(v.wall)} / ${ms(v.cpu)}`)
        .join(' | ')} | ${ms(total)} |`,
    );
  }
  setTrainingThreads(undefined);
  // the spikes the linear map reads
  const x = L0.forward(xs).out.data as Float32Array;
  let spikes = 0;
  for (let k = 0; k < x.length; k++) spikes += x[k] as number;
  const w = L1.params.weight as Float32Array;
  const g = new Float64Array(R * O).map((_, k) => Math.sin(k));
  const eng = trainingEngine(trainingEngineSpec());
  const out = new Float32Array(R * O);
  const gw = new Float64Array(O * N);
  const gx = new Float64Array(R * N);
  const e = measure({
    'engine fwd': () => eng.runRange({ op: 'linFwd', x, rows: R, K: N, w, O, bias: null, out }, 0, O),
    'engine bwd ∂W only': () => eng.runRange({ op: 'linBwd', g, x, rows: R, K: N, w, O, gw, gx: null }, 0, N),
    'engine bwd ∂W + ∂x': () => eng.runRange({ op: 'linBwd', g, x, rows: R, K: N, w, O, gw, gx }, 0, N),
  });
  // the kernels alone on one chunk of n rows (as the engine's chunks), scaled to all rows
  const n = Math.min(R, 100);
  const scale = R / n;
  const KB = SPARSE_BLOCK;
  const J = Math.ceil(O / 8);
  const Op = J * 8;
  const Kp = Math.ceil(N / 8) * 8;
  const mod = instantiate<string>(linearGradModule());
  const kb0 = Math.min(KB, N);
  const at = { wt: 0, wraw: J * N * 64 };
  const lay = {
    ...at,
    wdx: at.wraw + O * N * 4,
    g32: 0,
    dx: 0,
    x: 0,
    g: 0,
    idx: 0,
    val: 0,
    ptr: 0,
    row: 0,
    cval: 0,
    col: 0,
    gw: 0,
    tab: 0,
    end: 0,
  };
  lay.g32 = lay.wdx + O * Kp * 4;
  lay.dx = lay.g32 + n * Op * 4;
  lay.x = lay.dx + n * Kp * 4;
  lay.g = lay.x + n * N * 4;
  lay.idx = lay.g + n * Op * 8;
  lay.val = lay.idx + n * N * 4 + 16; // every block's lists side by side (csr writes one entry past the count)
  lay.ptr = lay.val + n * N * 8 + 16;
  lay.row = lay.ptr + Math.ceil(N / KB) * (n + 1) * 4 + 8;
  lay.cval = lay.row + n * N * 4 + 8;
  lay.col = lay.cval + n * N * 8 + 16;
  lay.gw = lay.col + Math.ceil(N / KB) * (kb0 + 2) * 4 + 8;
  lay.gw = Math.ceil(lay.gw / 16) * 16;
  lay.tab = lay.gw + O * N * 8;
  lay.end = lay.tab + CSR_TABLE_BYTES;
  mod.ensure(lay.end);
  mod.f32().set(w, lay.wraw / 4);
  // the last n rows (the first steps of a LIF layer barely spike), their spikes
  const c0 = R - n;
  mod.f32().set(x.subarray(c0 * N, R * N), lay.x / 4);
  let chunkSpikes = 0;
  for (let q = c0 * N; q < R * N; q++) chunkSpikes += x[q] as number;
  for (let r = 0; r < n; r++) for (let o = 0; o < Op; o++) mod.f64()[lay.g / 8 + r * Op + o] = o < O ? (g[(c0 + r) * O + o] as number) : 0;
  const f = mod.fn;
  const blocks: number[] = [];
  for (let kb = 0; kb < N; kb += KB) blocks.push(kb);
  const lists = (fn: (kb: number, kn: number, q: number) => void) => {
    blocks.forEach((kb, q) => {
      fn(kb, Math.min(KB, N - kb), q);
    });
  };
  const ptr = (q: number) => lay.ptr + q * (n + 1) * 4;
  const col = (q: number) => lay.col + q * (kb0 + 2) * 4;
  const csr = () => lists((kb, kn, q) => f.csr32?.(n, kn, N, lay.x + kb * 4, lay.idx + kb * n * 4, lay.val + kb * n * 8, ptr(q), lay.tab));
  const csc = () =>
    lists((kb, kn, q) =>
      f.csc?.(n, kn, lay.idx + kb * n * 4, lay.val + kb * n * 8, ptr(q), lay.row + kb * n * 4, lay.cval + kb * n * 8, col(q)),
    );
  csr();
  csc();
  const k = measure({
    tw32: () => f.tw32?.(N, O, lay.wraw, lay.wt),
    csr32: csr,
    csc,
    'fwd (by rows)': () =>
      lists((kb, _kn, q) => f.fwd?.(n, N, J, Op, kb * 64, lay.idx + kb * n * 4, lay.val + kb * n * 8, ptr(q), lay.dx, kb === 0 ? 0 : 1)),
    'fwdc (by input)': () =>
      lists((kb, kn, q) => f.fwdc?.(kn, N, J, Op, kb * 64, lay.row + kb * n * 4, lay.cval + kb * n * 8, col(q), lay.dx)),
    'dw (by rows)': () => lists((kb, _kn, q) => f.dw?.(n, N, J, Op, lay.g, lay.idx + kb * n * 4, lay.val + kb * n * 8, ptr(q), kb * 64)),
    'dwc (by input)': () =>
      lists((kb, kn, q) => f.dwc?.(kn, N, J, Op, lay.g, lay.row + kb * n * 4, lay.cval + kb * n * 8, col(q), kb * 64, 0, -1, O)),
    dx32: () => f.dx32?.(n, O, Op, Kp, lay.g32, lay.wdx, lay.dx),
    tga: () => f.tga?.(N, O, lay.wt, lay.gw),
  });
  const perCall = (name: string, rows: boolean) => (k[name]?.cpu ?? Number.NaN) * (rows ? scale : 1);
  const sparseMac = chunkSpikes * scale * O;
  const kernelRows: [string, number, number][] = [
    ['tw32 (W → tiles, per call)', perCall('tw32', false), 0],
    ['csr32', perCall('csr32', true), 0],
    ['csc', perCall('csc', true), 0],
    ['fwd (by rows)', perCall('fwd (by rows)', true), sparseMac],
    ['fwdc (by input)', perCall('fwdc (by input)', true), sparseMac],
    ['dw (by rows)', perCall('dw (by rows)', true), sparseMac],
    ['dwc (by input)', perCall('dwc (by input)', true), sparseMac],
    ['dx32 (dense ∂x)', perCall('dx32', true), R * N * O],
    ['tga (∂W tiles added, per call)', perCall('tga', false), 0],
  ];
  lines.push(
    `## N = ${N}, batch ${B} (T = ${T}; ${(spikes / (R * N)).toFixed(3)} spikes per neuron-step)`,
    '',
    `Layers, ms per call, wall / CPU (minimum over rounds); threads ${threads} and 1:`,
    '',
    '| threads | LIF fwd | Linear fwd | LI fwd | LI bwd | Linear bwd | LIF bwd | total CPU |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...layerRows,
    '',
    `Linear passes, one-thread engine, CPU ms per call: forward ${ms(e['engine fwd']?.cpu ?? Number.NaN)}, backward ∂W only ${ms(
      e['engine bwd ∂W only']?.cpu ?? Number.NaN,
    )}, ∂W + ∂x ${ms(e['engine bwd ∂W + ∂x']?.cpu ?? Number.NaN)}.`,
    '',
    `Linear kernels alone (one thread, CPU ms per call; the last ${n} rows, × ${scale}; MAC of the sparse kernels = spikes of those rows × ${scale} × outputs):`,
    '',
    '| kernel | ms | MAC | GMAC/s |',
    '| --- | --- | --- | --- |',
    ...kernelRows.map(
      ([name, t, mac]) =>
        `| ${name} | ${ms(t)} | ${mac === 0 ? '–' : `${(mac / 1e6).toFixed(1)} M`} | ${mac === 0 ? '–' : (mac / t / 1e6).toFixed(2)} |`,
    ),
    '',
  );
}
console.log(
  [
    `# Stack training profile, ${new Date().toISOString()}`,
    '',
    `Load average ${load0.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after; float32; the engine chooses fwd/dw by rows for blocks ≤ 1024 inputs, fwdc/dwc by input above.`,
    '',
    ...lines,
  ].join('\n'),
);
process.exit(0);
