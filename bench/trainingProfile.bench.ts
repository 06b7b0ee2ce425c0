/**
 * `npm run bench:training-profile`: where the time of a LIF layer's training step goes — forward +
 * backward (BPTT, ∂input computed) of `trainable(lif)` at T = 100, float32, split into its phases,
 * with the bytes each phase moves per neuron-step and the bandwidth it reaches:
 *
 * - `kernel fwd` / `kernel bwd`: the WebAssembly SIMD kernels alone (`kernels/lifGrad.ts`), data
 *   already in the module's memory, in the engine's chunks of steps;
 * - `copies fwd` / `copies bwd`: the engine's copies into and out of its thread's wasm memory
 *   (`kernels/engine.ts`: engine pass − kernel);
 * - `glue`: the layer around the engine (fresh outputs and gradients, state, checks): layer − engine;
 *   also with `outputs: 'reuse'` (the outputs and ∂input written into the same buffers each call).
 *
 * That is the copying path (`kernels/engine.ts`'s chunks). The layer now runs in place in the
 * training arena (`kernels/arena.ts`): its phases are the kernels over all steps at once on arrays
 * in the arena (`in place fwd` / `in place bwd`) and the layer's glue around them (the input and
 * ∂output copied into the arena, the state, and with fresh outputs the copies out and the fresh
 * arrays). The layer is timed both ways (`arena`, and `copies`: the arena made to refuse, as a full
 * one), with fresh outputs and `outputs: 'reuse'`.
 *
 * Every phase on one thread (CPU time of the process, minimum over rounds that alternate the
 * phases), then the layer on every thread (`threads` option) by wall and CPU time. Bytes per
 * neuron-step count each read and each write once (fwd kernel: x 4 read, spikes 4 and `v_d` 4
 * written; bwd kernel: ḡout 8, spikes 4, `v_d` 4 read, ∂input 8 written; a copy moves its bytes
 * twice: read and written; glue: the fresh spikes 4 and ∂input 8 zero-filled).
 * Options: `--configs 1e3x32,1e4x1,1e5x1`, `--rounds <n>` (default 7).
 * @module
 */
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { lif } from '../src/neurons/lif.js';
import { hardwareThreads } from '../src/ops/backends/threads/plan.js';
import '../src/ops/backends/threads/training.js';
import { allocateShared, fromTypedArray } from '../src/ops/tensor.js';
import { uniformSource } from '../src/training/data.js';
import { arenaAllocate, arenaOffset, setArenaFull } from '../src/training/kernels/arena.js';
import { instantiate } from '../src/training/kernels/asm.js';
import {
  type LifArenaBackwardCall,
  type LifArenaForwardCall,
  type LifBackwardCall,
  type LifForwardCall,
  trainingEngine,
} from '../src/training/kernels/engine.js';
import { lifGradModule } from '../src/training/kernels/lifGrad.js';
import { CHUNK_BYTES } from '../src/training/kernels/linearGrad.js';
import { trainingEngineSpec } from '../src/training/kernels/parallel.js';
import { trainable } from '../src/training/neurons.js';
import { roundMinima } from './roundMinima.js';

const opts = new Command()
  .option('--configs <list>', 'NxB list', '1e3x32,1e4x1,1e5x1')
  .option('--rounds <n>', 'rounds of every phase (the first is a warm-up)', (v) => Number(v), 7)
  .parse()
  .opts<{ configs: string; rounds: number }>();
const T = 100;
const E = 4;
const C = { kMem: 0.1, nSyn: -0.2, cSyn: 0.8, vLeak: 0, vTh: 1, vReset: 0, alpha: 100 };
const engine = trainingEngine(trainingEngineSpec());
const kernel = instantiate<'fwd32' | 'bwd32'>(lifGradModule());
const load0 = loadavg()[0] as number;

/** Minimum over `--rounds` rounds of CPU and wall ms per call of each named function, alternating (`roundMinima`). */
const measure = (fns: Record<string, () => void>, reps: number) => roundMinima(opts.rounds, fns, reps);

const lines: string[] = [];
for (const [N, B] of opts.configs.split(',').map((c) => c.split('x').map(Number) as [number, number])) {
  const BN = N * B;
  const steps = T * BN;
  const rng = uniformSource(1);
  const x = allocateShared('float32', steps);
  for (let k = 0; k < x.length; k++) x[k] = 0.6 * rng.next();
  const xs = fromTypedArray(x, [T, B, N]);
  const g = allocateShared('float64', steps).fill(1) as Float64Array;
  const out = allocateShared('float32', steps);
  const vd = allocateShared('float32', steps);
  const gcur = allocateShared('float64', steps) as Float64Array;
  const fwd: LifForwardCall = { op: 'lifFwd', x, T, BN, v: new Float32Array(BN), i: new Float32Array(BN), out, vd, ...C };
  const bwd: LifBackwardCall = { op: 'lifBwd', gOut: g, out, vd, T, BN, gv: new Float64Array(BN), gi: new Float64Array(BN), gcur, ...C };
  // the kernels alone: the engine's chunks of steps, in the module's memory
  const tf = Math.max(1, Math.min(T, Math.floor(CHUNK_BYTES / (3 * BN * E))));
  const tb = Math.max(1, Math.min(T, Math.floor(CHUNK_BYTES / (BN * (16 + 2 * E)))));
  kernel.ensure(Math.max((2 * BN + 3 * tf * BN) * E, 16 * BN + tb * BN * (16 + 2 * E)));
  kernel.f32().set(x.subarray(0, Math.min(kernel.f32().length, steps)));
  const [gB, gcB] = [16 * BN, 16 * BN + 8 * tb * BN];
  const [outB, vdB] = [gcB + 8 * tb * BN, gcB + 8 * tb * BN + E * tb * BN];
  // the kernels in place: every array in the arena, all steps in one call
  const inArena = <A extends Float32Array | Float64Array>(a: A): number => {
    const b = arenaAllocate(a instanceof Float64Array ? 'float64' : 'float32', a.length);
    if (b === undefined) throw new Error('bench:training-profile: no training arena here');
    b.set(a);
    return arenaOffset(b);
  };
  const [ax, aOut, aVd] = [inArena(x), inArena(out), inArena(vd)];
  const [av, ai] = [inArena(new Float32Array(BN)), inArena(new Float32Array(BN))];
  const [ag, agc, agv, agi] = [inArena(g), inArena(gcur), inArena(new Float64Array(BN)), inArena(new Float64Array(BN))];
  const fwdA: LifArenaForwardCall = { op: 'lifFwd', arena: true, f32: true, x: ax, T, BN, v: av, i: ai, out: aOut, vd: aVd, ...C };
  const bwdA: LifArenaBackwardCall = {
    ...{ op: 'lifBwd', arena: true, f32: true, gOut: ag, out: aOut, vd: aVd, T, BN, gv: agv, gi: agi, gcur: agc },
    ...C,
  };
  const layerOf = (threads: number, outputs: 'fresh' | 'reuse') => trainable(lif, undefined, 0.001, { threads, outputs });
  const all = hardwareThreads();
  const layers = {
    layer1: layerOf(1, 'fresh'),
    layerAll: layerOf(all, 'fresh'),
    reuse1: layerOf(1, 'reuse'),
    reuseAll: layerOf(all, 'reuse'),
    copy1: layerOf(1, 'fresh'),
    copyAll: layerOf(all, 'fresh'),
    copyReuse1: layerOf(1, 'reuse'),
    copyReuseAll: layerOf(all, 'reuse'),
  };
  const step = (k: keyof typeof layers) => () => {
    const layer = layers[k];
    // the copying path: the arena refuses, as a full one
    const copies = k.startsWith('copy');
    setArenaFull(copies);
    const r = layer.forward(xs);
    layer.backward(r.tape, g, undefined, true);
    setArenaFull(false);
  };
  const reps = Math.max(1, Math.round(1e7 / steps));
  const m = measure(
    {
      kernelFwd: () => {
        for (let t0 = 0; t0 < T; t0 += tf)
          kernel.fn.fwd32(
            Math.min(tf, T - t0),
            BN,
            BN,
            2 * BN * E,
            0,
            BN * E,
            (2 + tf) * BN * E,
            (2 + 2 * tf) * BN * E,
            0.1,
            -0.2,
            0,
            1,
            0,
          );
      },
      kernelBwd: () => {
        for (let t0 = 0; t0 < T; t0 += tb)
          kernel.fn.bwd32(Math.min(tb, T - t0), BN, BN, gB, outB, vdB, 0, 8 * BN, gcB, 0.1, 0.8, 1, 0, 100);
      },
      engineFwd: () => engine.runRange(fwd, 0, BN),
      engineBwd: () => engine.runRange(bwd, 0, BN),
      arenaFwd: () => engine.runRange(fwdA, 0, BN),
      arenaBwd: () => engine.runRange(bwdA, 0, BN),
      ...Object.fromEntries(Object.keys(layers).map((k) => [k, step(k as keyof typeof layers)])),
    },
    reps,
  );
  const cpu = (k: string) => (m[k] as { cpu: number }).cpu;
  const phases: [string, number, number][] = [
    ['kernel fwd', cpu('kernelFwd'), 12],
    ['copies fwd (x in; spikes, v_d out)', cpu('engineFwd') - cpu('kernelFwd'), 24],
    ['kernel bwd', cpu('kernelBwd'), 24],
    ['copies bwd (ḡout, spikes, v_d in; ∂input out)', cpu('engineBwd') - cpu('kernelBwd'), 48],
    ['glue (fresh spikes and ∂input zero-filled, state, checks)', cpu('copy1') - cpu('engineFwd') - cpu('engineBwd'), 12],
  ];
  // in the arena: bytes of the glue = x and ḡout copied in (8 + 16), fresh: spikes and ∂input copied out (8 + 16) and zero-filled (12)
  const inPlace: [string, number, number][] = [
    ['in place fwd (all steps, arena)', cpu('arenaFwd'), 12],
    ['in place bwd', cpu('arenaBwd'), 24],
    [
      'glue, fresh outputs (x, ḡout copied in; spikes, ∂input copied out into fresh arrays; state)',
      cpu('layer1') - cpu('arenaFwd') - cpu('arenaBwd'),
      60,
    ],
  ];
  const rate = (k: string) =>
    `${(steps / (m[k] as { wall: number }).wall / 1e3).toFixed(0)} M/s wall, ${(steps / cpu(k) / 1e3).toFixed(0)} M per CPU s`;
  lines.push(
    '',
    `N = ${N}, batch ${B} (${(steps / 1e6).toFixed(1)} M neuron-steps per call):`,
    '',
    '| phase (1 thread), copying path | CPU ms / call | share | B / neuron-step | GB/s |',
    '| --- | --- | --- | --- | --- |',
    ...phases.map(
      ([name, ms, bytes]) =>
        `| ${name} | ${ms.toFixed(2)} | ${((100 * ms) / cpu('copy1')).toFixed(0)} % | ${bytes} | ${((bytes * steps) / (ms * 1e6)).toFixed(1)} |`,
    ),
    `| layer, 1 thread, copies | ${cpu('copy1').toFixed(2)} | 100 % | ${phases.reduce((s, p) => s + p[2], 0)} | ${((120 * steps) / (cpu('copy1') * 1e6)).toFixed(1)} |`,
    `| glue with outputs 'reuse' (no fresh memory) | ${(cpu('copyReuse1') - cpu('engineFwd') - cpu('engineBwd')).toFixed(2)} | | 0 | |`,
    '',
    '| phase (1 thread), in place in the arena | CPU ms / call | share | B / neuron-step | GB/s |',
    '| --- | --- | --- | --- | --- |',
    ...inPlace.map(
      ([name, ms, bytes]) =>
        `| ${name} | ${ms.toFixed(2)} | ${((100 * ms) / cpu('layer1')).toFixed(0)} % | ${bytes} | ${((bytes * steps) / (ms * 1e6)).toFixed(1)} |`,
    ),
    `| layer, 1 thread, arena | ${cpu('layer1').toFixed(2)} | 100 % | 96 | ${((96 * steps) / (cpu('layer1') * 1e6)).toFixed(1)} |`,
    `| glue with outputs 'reuse' (x, ḡout copied in; state) | ${(cpu('reuse1') - cpu('arenaFwd') - cpu('arenaBwd')).toFixed(2)} | | 24 | |`,
    '',
    `| layer | 1 thread | ${all} threads |`,
    '| --- | --- | --- |',
    `| fresh outputs, arena | ${rate('layer1')} | ${rate('layerAll')} |`,
    `| fresh outputs, copies | ${rate('copy1')} | ${rate('copyAll')} |`,
    `| outputs 'reuse', arena | ${rate('reuse1')} | ${rate('reuseAll')} |`,
    `| outputs 'reuse', copies | ${rate('copyReuse1')} | ${rate('copyReuseAll')} |`,
  );
  console.error(`N = ${N}, batch ${B} done`);
}
console.log(
  [
    `# LIF layer training step, profile (${new Date().toISOString()}; load average ${load0.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after)`,
    `T = ${T}, float32, forward + backward with ∂input; CPU time minima over ${opts.rounds - 1} rounds.`,
    ...lines,
    '',
  ].join('\n'),
);
process.exit(0);
