/**
 * One chunk of a network run (the loop behind `spikingNetwork(...).run`): loads the state into
 * each population's runtime (the backend's `populationRun` kernel), then per step applies the drives, runs every
 * population's update (js loop or WebAssembly SIMD), collects the spikes, records the monitors
 * and propagates the spikes through the projections (`propagate.ts`); at the end it copies the
 * state out into a new frozen record. The caller's state is never changed. Runtimes that run
 * several steps per call (gpu) get blocks of steps no spike can cross (`blockSteps`): the drives
 * of the block first, then one call, then the block's spikes step by step — the same additions
 * in the same order, so the same bits.
 * @module
 */
import type { PopulationRuntime } from '../ops/backends/backendRegistry.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { RngState } from './fastRandom.js';
import { IntList } from './intList.js';
import type { NetworkChunk, NetworkState, PopulationState, SpikeList } from './networkTypes.js';
import type { CompiledPopulation } from './population.js';
import type { CompiledProjection } from './projection.js';
import { applyDrive, type CompiledDrive, collectSpikes, propagate } from './propagate.js';

/** A compiled state monitor: variables (update state index or port index) and neuron indices. */
export interface CompiledMonitor {
  readonly vars: readonly { readonly name: string; readonly state: number; readonly port: number }[];
  readonly indices: Int32Array;
}

/** Everything a chunk needs from the built network. */
export interface NetworkParts {
  readonly dt: number;
  readonly pops: readonly CompiledPopulation[];
  readonly projs: readonly CompiledProjection[];
  readonly drives: readonly CompiledDrive[];
  readonly ringLength: readonly (readonly number[])[];
  readonly monitors: readonly (CompiledMonitor | undefined)[];
  /** A new runtime (arrays and step) of population `k` on its backend. */
  readonly runtime: (k: number) => PopulationRuntime;
}

/** Runtimes kept between chunks (a network's run is synchronous: one set is reused unless busy). */
export interface RuntimeCache {
  runtimes: PopulationRuntime[] | undefined;
  busy: boolean;
}

const makeRuntimes = (parts: NetworkParts): PopulationRuntime[] => parts.pops.map((_, k) => parts.runtime(k));

const minDelays = new WeakMap<CompiledProjection, number>();

/**
 * Steps that may run as one block (see `PopulationRuntime.stepBlock`): a spike of a step reaches
 * no population within the block (the smallest delay in steps), a drive writes no ring row twice
 * in the block (a ring's length), and no state monitor reads the state between steps. At least 1.
 */
const blockSteps = (parts: NetworkParts): number => {
  if (parts.monitors.some((m) => m !== undefined)) return 1;
  let B = 64;
  for (const pr of parts.projs) {
    let d = minDelays.get(pr);
    if (d === undefined) {
      d = pr.delaySteps;
      if (pr.delays !== undefined) {
        d = Number.POSITIVE_INFINITY;
        for (let s = 0; s < pr.delays.length; s++) d = Math.min(d, pr.delays[s] as number);
      }
      minDelays.set(pr, d);
    }
    B = Math.min(B, d);
  }
  for (const d of parts.drives) if (d.port >= 0) B = Math.min(B, (parts.ringLength[d.pop] as readonly number[])[d.port] as number);
  return Math.max(1, B);
};

const load = (c: CompiledPopulation, rt: PopulationRuntime, ps: PopulationState): void => {
  const { layout } = c;
  c.model.update.state.forEach((v, j) => {
    (rt.state[j] as Float32Array).set((ps.state[v] as Tensor).data);
  });
  c.ports.forEach((p, j) => {
    const at = layout.portState[j] as number;
    if (at >= 0) (rt.state[at] as Float32Array).set((ps.ports[p.name] as Tensor).data);
    const L = rt.ringLength[j] as number;
    const src = (ps.buffers[p.name] as Tensor).data;
    const ring = rt.rings[j] as Float32Array;
    for (let r = 0; r < L; r++) ring.set(src.subarray(r * c.n, (r + 1) * c.n), r * rt.stride);
  });
  (rt.state[layout.refState] as Float32Array).set(ps.refractory.data);
  rt.writeState?.();
};

const save = (c: CompiledPopulation, rt: PopulationRuntime): PopulationState => {
  const { layout, n } = c;
  rt.readState?.();
  const copy = (a: Float32Array) => fromTypedArray(a.slice(0, n), [n]);
  const state: Record<string, Tensor> = {};
  c.model.update.state.forEach((v, j) => {
    state[v] = copy(rt.state[j] as Float32Array);
  });
  const ports: Record<string, Tensor> = {};
  const buffers: Record<string, Tensor> = {};
  c.ports.forEach((p, j) => {
    const at = layout.portState[j] as number;
    if (at >= 0) ports[p.name] = copy(rt.state[at] as Float32Array);
    const L = rt.ringLength[j] as number;
    const ring = rt.rings[j] as Float32Array;
    const out = new Float32Array(L * n);
    for (let r = 0; r < L; r++) out.set(ring.subarray(r * rt.stride, r * rt.stride + n), r * n);
    buffers[p.name] = fromTypedArray(out, [L, n]);
  });
  return Object.freeze({
    state: Object.freeze(state),
    ports: Object.freeze(ports),
    refractory: copy(rt.state[layout.refState] as Float32Array),
    buffers: Object.freeze(buffers),
  });
};

/**
 * Runs `T` steps from state `s0` (validated by the caller) with the stream inputs `streams` (per
 * drive, undefined for other drives).
 */
export const runChunk = (
  parts: NetworkParts,
  cache: RuntimeCache,
  T: number,
  streams: readonly (Float32Array | Float64Array | undefined)[],
  s0: NetworkState,
): readonly [NetworkChunk, NetworkState] => {
  const { pops, projs, drives, monitors, dt } = parts;
  const reuse = !cache.busy && cache.runtimes !== undefined;
  const rts = reuse ? (cache.runtimes as PopulationRuntime[]) : makeRuntimes(parts);
  if (!cache.busy) {
    cache.runtimes = rts;
    cache.busy = true;
  }
  try {
    pops.forEach((c, k) => {
      load(c, rts[k] as PopulationRuntime, s0.populations[c.name] as PopulationState);
    });
    const rngs: RngState[] = s0.rng.map((r) => new Uint32Array(r));
    const spk = pops.map((c) => new Int32Array(c.n));
    const counts = new Int32Array(pops.length);
    const spikeI = pops.map(() => new IntList(256));
    const spikeStep = pops.map(() => new IntList(256));
    const rates = pops.map(() => new Float32Array(T));
    const recorded = monitors.map((m) => (m === undefined ? undefined : m.vars.map(() => new Float32Array(T * m.indices.length))));
    const extUsed = pops.map((_, k) => drives.some((d) => d.pop === k && d.port < 0));
    let events = 0;

    /** Collects population `k`'s spikes of step `g` (chunk step `t`) from `bits` and records rates and monitors. */
    const record = (k: number, t: number, g: number, bits: Int32Array): void => {
      const rt = rts[k] as PopulationRuntime;
      const s = spk[k] as Int32Array;
      const count = collectSpikes(bits, rt.n, s);
      counts[k] = count;
      (rates[k] as Float32Array)[t] = count / (rt.n * dt);
      const li = spikeI[k] as IntList;
      const ls = spikeStep[k] as IntList;
      for (let q = 0; q < count; q++) {
        li.push(s[q] as number);
        ls.push(g);
      }
      const m = monitors[k];
      if (m !== undefined) {
        const rec = recorded[k] as Float32Array[];
        const K = m.indices.length;
        const layout = (pops[k] as CompiledPopulation).layout;
        rt.readState?.();
        m.vars.forEach((v, j) => {
          const src = rt.state[v.state >= 0 ? v.state : (layout.portState[v.port] as number)] as Float32Array;
          const dst = rec[j] as Float32Array;
          for (let q = 0; q < K; q++) dst[t * K + q] = src[m.indices[q] as number] as number;
        });
      }
    };
    /** Propagates the spikes of step `g` (in `spk`, `counts`) through every projection. */
    const propagateStep = (g: number): void => {
      for (const pr of projs) {
        const count = counts[pr.from] as number;
        if (count === 0) continue;
        const post = rts[pr.to] as PopulationRuntime;
        const L = post.ringLength[pr.port] as number;
        events += propagate(pr, spk[pr.from] as Int32Array, count, post.rings[pr.port] as Float32Array, L, post.stride, g);
      }
    };
    /** Applies every drive of step `g` (chunk step `t`), the external currents written into `ext(k)`. */
    const applyDrives = (t: number, g: number, ext: (k: number) => PopulationRuntime): void => {
      for (let k = 0; k < drives.length; k++) {
        const d = drives[k] as CompiledDrive;
        applyDrive(d, ext(d.pop), (pops[d.pop] as CompiledPopulation).name, rngs[k] as RngState, streams[k], t, g, dt);
      }
    };

    // Blocks of several steps per call where every runtime can (gpu) and the network allows it.
    const maxB = Math.min(blockSteps(parts), ...rts.map((rt) => (rt.stepBlock === undefined ? 1 : (rt.maxBlock ?? 1))));
    const blocks = maxB > 1 ? rts.map((rt) => ({ ext: new Float32Array(maxB * rt.stride), out: new Float32Array(maxB * rt.stride) })) : [];

    for (let t = 0; t < T; ) {
      const g = s0.step + t;
      const B = Math.min(maxB, T - t);
      if (B === 1) {
        for (let k = 0; k < pops.length; k++) if (extUsed[k]) (rts[k] as PopulationRuntime).ext.fill(0);
        applyDrives(t, g, (k) => rts[k] as PopulationRuntime);
        for (let k = 0; k < pops.length; k++) {
          const rt = rts[k] as PopulationRuntime;
          rt.step(g);
          record(k, t, g, rt.outBits);
        }
        propagateStep(g);
        t++;
        continue;
      }
      // Drives of the B steps first: propagation of these steps lands B or more steps later, so the
      // rows they read, and the order of additions into them, are those of single steps.
      for (let b = 0; b < B; b++) {
        const views = rts.map((rt, k) => ({
          ...rt,
          ext: (blocks[k] as { ext: Float32Array }).ext.subarray(b * rt.stride, (b + 1) * rt.stride),
        }));
        for (let k = 0; k < pops.length; k++) if (extUsed[k]) (views[k] as PopulationRuntime).ext.fill(0);
        applyDrives(t + b, g + b, (k) => views[k] as PopulationRuntime);
      }
      for (let k = 0; k < pops.length; k++) {
        const blk = blocks[k] as { ext: Float32Array; out: Float32Array };
        ((rts[k] as PopulationRuntime).stepBlock as NonNullable<PopulationRuntime['stepBlock']>)(g, B, blk.ext, blk.out);
      }
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < pops.length; k++) {
          const rt = rts[k] as PopulationRuntime;
          const out = (blocks[k] as { out: Float32Array }).out;
          record(k, t + b, g + b, new Int32Array(out.buffer, b * rt.stride * 4, rt.stride));
        }
        propagateStep(g + b);
      }
      t += B;
    }

    const spikes: Record<string, SpikeList> = {};
    const rate: Record<string, Float32Array> = {};
    const monitored: Record<string, Record<string, Tensor>> = {};
    const populations: Record<string, PopulationState> = {};
    pops.forEach((c, k) => {
      spikes[c.name] = Object.freeze({ i: (spikeI[k] as IntList).copy(), step: (spikeStep[k] as IntList).copy() });
      rate[c.name] = rates[k] as Float32Array;
      const m = monitors[k];
      if (m !== undefined) {
        const rec: Record<string, Tensor> = {};
        m.vars.forEach((v, j) => {
          rec[v.name] = fromTypedArray((recorded[k] as Float32Array[])[j] as Float32Array, [T, m.indices.length]);
        });
        monitored[c.name] = Object.freeze(rec);
      }
      populations[c.name] = save(c, rts[k] as PopulationRuntime);
    });
    const chunk: NetworkChunk = Object.freeze({
      start: s0.step,
      steps: T,
      dt,
      spikes: Object.freeze(spikes),
      rate: Object.freeze(rate),
      state: Object.freeze(monitored),
      events,
    });
    const next: NetworkState = Object.freeze({ step: s0.step + T, populations: Object.freeze(populations), rng: Object.freeze(rngs) });
    return [chunk, next];
  } finally {
    if (reuse || cache.runtimes === rts) cache.busy = false;
    // A nested run's own runtimes are not kept: free what they hold on a device.
    else for (const rt of rts) rt.release?.();
  }
};
