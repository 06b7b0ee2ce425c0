/**
 * The LIF training kernels in place in the shared training arena (`src/training/kernels/arena.ts`,
 * `parallel.ts`'s arena calls) equal the copying path bit for bit: forward (spikes, `v_d`, final
 * `v`, `i`) and backward (∂input, ∂ initial `v`, `i`), float32 and float64, one thread and two
 * (slices of 16 neurons ending raggedly; neurons × batch ≡ 2 mod 4), all steps in one call. The
 * path taken is asserted (`lastLifPath`, `lastThreads`: a silent fallback to the copies fails), and
 * sentinels around every arena array must stay untouched (no write outside the arrays).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import '../../src/ops/backends/threads/training.js';
import type { DType, TensorData } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { arenaAllocate, arenaOffset, setArenaFull } from '../../src/training/kernels/arena.js';
import { lifWasmAvailable } from '../../src/training/kernels/lifGrad.js';
import { lastLifPath, lastThreads, lifBackwardWasm, lifForwardWasm } from '../../src/training/kernels/parallel.js';

const c = { kMem: 0.12, nSyn: -0.2, cSyn: 0.8, vLeak: 0.05, vTh: 0.4, vReset: -0.1, alpha: 100 };
const SENTINEL = 12345.5;
const GAP = 16;

const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

/** Arrays of the given lengths in one arena block, each followed by GAP sentinels. */
const arenaArrays = (dtype: DType, lengths: readonly number[]) => {
  const total = lengths.reduce((s, n) => s + n + GAP, GAP);
  const block = arenaAllocate(dtype, total);
  if (block === undefined) throw new Error('no arena');
  block.fill(SENTINEL);
  let at = GAP;
  const views = lengths.map((n) => {
    const v = block.subarray(at, at + n);
    at += n + GAP;
    return v;
  });
  const untouched = () => {
    let bad = 0;
    let a = 0;
    for (const n of [...lengths, 0]) {
      for (let k = 0; k < GAP; k++) if (block[a + k] !== SENTINEL) bad++;
      a += GAP + n;
    }
    return bad;
  };
  return { views, untouched };
};

const run = (T: number, BN: number, dtype: DType, threads: number, arena: boolean) => {
  const rng = uniformSource(5);
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const data = {
    x: new Arr(T * BN).map(() => 0.9 * rng.next() - 0.1),
    v: new Arr(BN).map(() => 0.3 * rng.next()),
    i: new Arr(BN).map(() => rng.next() - 0.5),
    gOut: new Float64Array(T * BN).map(() => rng.next() - 0.5),
    gv: new Float64Array(BN).map(() => rng.next()),
    gi: new Float64Array(BN).map(() => rng.next()),
  };
  let e: Record<'x' | 'v' | 'i' | 'out' | 'vd', TensorData>;
  let g: Record<'gOut' | 'gv' | 'gi' | 'gcur', Float64Array>;
  let untouched = () => 0;
  if (arena) {
    const a = arenaArrays(dtype, [T * BN, BN, BN, T * BN, T * BN]);
    const b = arenaArrays('float64', [T * BN, BN, BN, T * BN]);
    const [x, v, i, out, vd] = a.views as TensorData[];
    const [gOut, gv, gi, gcur] = b.views as Float64Array[];
    e = { x: x as TensorData, v: v as TensorData, i: i as TensorData, out: out as TensorData, vd: vd as TensorData };
    g = { gOut: gOut as Float64Array, gv: gv as Float64Array, gi: gi as Float64Array, gcur: gcur as Float64Array };
    for (const k of ['x', 'v', 'i'] as const) e[k].set(data[k]);
    for (const k of ['gOut', 'gv', 'gi'] as const) g[k].set(data[k]);
    for (const a of [...Object.values(e), ...Object.values(g)]) expect(arenaOffset(a)).toBeGreaterThan(0);
    untouched = () => a.untouched() + b.untouched();
  } else {
    e = { x: data.x, v: data.v, i: data.i, out: new Arr(T * BN), vd: new Arr(T * BN) };
    g = { gOut: data.gOut, gv: data.gv, gi: data.gi, gcur: new Float64Array(T * BN) };
  }
  lifForwardWasm(e.x, T, BN, e.v, e.i, e.out, e.vd, c, threads);
  const fwd = { path: lastLifPath.lifFwd, threads: lastThreads.lifFwd };
  lifBackwardWasm(g.gOut, e.out, e.vd, T, BN, g.gv, g.gi, g.gcur, c, threads);
  const bwd = { path: lastLifPath.lifBwd, threads: lastThreads.lifBwd };
  let spikes = 0;
  for (const z of e.out) spikes += z;
  return { ...e, ...g, fwd, bwd, spikes, sentinelsChanged: untouched() };
};

describe.runIf(lifWasmAvailable())('LIF training kernels in place in the arena = the copying path', () => {
  afterAll(async () => {
    await terminateThreads();
  });
  // T·BN ≥ 2 × 65 536: two threads; BN = 3306 ≡ 2 (mod 4), slices of 16 end raggedly
  const cases: [number, number, DType, number][] = [
    [40, 3306, 'float32', 2],
    [40, 3306, 'float64', 2],
    [40, 3306, 'float32', 1],
    [7, 14, 'float32', 2],
    [7, 14, 'float64', 1],
  ];
  for (const [T, BN, dtype, threads] of cases) {
    it(`${dtype} T=${T} BN=${BN} threads=${threads}`, () => {
      const copy = run(T, BN, dtype, threads, false);
      const inPlace = run(T, BN, dtype, threads, true);
      const expectThreads = T * BN >= 2 * 65_536 ? threads : 1;
      expect(copy.fwd).toEqual({ path: 'copy', threads: expectThreads });
      expect(inPlace.fwd).toEqual({ path: 'arena', threads: expectThreads });
      expect(inPlace.bwd).toEqual({ path: 'arena', threads: expectThreads });
      expect(copy.spikes).toBeGreaterThan(0.02 * T * BN);
      expect(copy.spikes).toBeLessThan(0.9 * T * BN);
      for (const k of ['out', 'vd', 'v', 'i', 'gcur', 'gv', 'gi'] as const) expect([k, firstDiff(inPlace[k], copy[k])]).toEqual([k, -1]);
      expect(inPlace.sentinelsChanged).toBe(0);
    });
  }
  it('a full arena: arenaAllocate refuses, ordinary arrays take the copying path', () => {
    setArenaFull(true);
    try {
      expect(arenaAllocate('float32', 64)).toBeUndefined();
    } finally {
      setArenaFull(false);
    }
    expect(arenaAllocate('float32', 64)).toBeInstanceOf(Float32Array);
  });
  it('one array outside the arena: the copying path, same results', () => {
    const T = 5;
    const BN = 64;
    const a = arenaArrays('float32', [T * BN, BN, BN, T * BN]);
    const [x, v, i, out] = a.views as Float32Array[];
    (x as Float32Array).fill(0.3);
    lifForwardWasm(x as Float32Array, T, BN, v as Float32Array, i as Float32Array, out as Float32Array, new Float32Array(T * BN), c);
    expect(lastLifPath.lifFwd).toBe('copy');
    expect(a.untouched()).toBe(0);
  });
});
