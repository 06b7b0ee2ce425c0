/**
 * `spikingNetwork`: populations joined by sparse, delayed projections, with external drives and
 * monitors, run as fused chunks. Any graph is allowed (E → I, I → E, E → E, …): every step first
 * updates every population with the input that arrives at that step, then propagates the step's
 * spikes through the projections into ring buffers (one per target port, as long as the longest
 * delay), so the order of populations never matters and a step costs `N` neuron updates plus
 * spikes × fan-out synaptic events.
 *
 * The state (neuron state, port state, refractory counters, ring buffers, the generators of the
 * drives, the step count) is a frozen record; `run` copies it, runs the chunk and returns the new
 * state, so a run split into chunks of any sizes gives, bit for bit, the spikes and the state of
 * one run over the whole span; the same seed gives the same network and the same run.
 * Each population's step is one update (`populationUpdate.ts`) run by the backend's
 * `populationRun` kernel: the kernel front end's js loop (`js`) or its WebAssembly SIMD
 * translation (`threads`, what `auto` takes where registered), bit for bit the same, or one gpu.js
 * kernel per step (`gpu`, only by name; its `cpu` mode gives the same bits); the chunk
 * loop is in `networkRun.ts`, the event-driven propagation and the drives in `propagate.ts`.
 * @module
 */
import '../ops/backends/builtin.js';
import {
  type BackendChoice,
  checkBackendChoice,
  type PopulationRunRequest,
  type Resolved,
  resolveBackend,
} from '../ops/backends/backendRegistry.js';
import { SpikeflowError, show } from '../ops/errors.js';
import type { Drive } from './drives.js';
import { rngState } from './fastRandom.js';
import { type CompiledMonitor, type NetworkParts, type RuntimeCache, runChunk } from './networkRun.js';
import { checkNetworkState, chunkInputs, initialNetworkState, type NetworkInput, type NetworkLayout } from './networkState.js';
import type { NetworkChunk, NetworkState } from './networkTypes.js';
import { type CompiledPopulation, compilePopulation, type Population } from './population.js';
import { type CompiledProjection, compileProjection, type Projection } from './projection.js';
import type { CompiledDrive } from './propagate.js';

/** A state monitor: variables (model state or port names) of chosen neurons, each step. */
export interface StateMonitorSpec {
  /** Model state variables (e.g. `v`) or port names (e.g. `ge`) to record. */
  readonly vars: readonly string[];
  /** Neuron indices to record (default: the first 10, or all when fewer). */
  readonly indices?: readonly number[];
}

/** Description of a network. */
export interface SpikingNetworkSpec {
  /** Time step in seconds (> 0). */
  readonly dt: number;
  /** Seed of connectivity, initial state and drives (default 0). */
  readonly seed?: number;
  /** Populations by name. */
  readonly populations: Readonly<Record<string, Population>>;
  /** Projections between populations (default none). */
  readonly projections?: readonly Projection[];
  /** External drives (default none). */
  readonly drives?: readonly Drive[];
  /** State monitors by population name (default none). */
  readonly monitors?: Readonly<Record<string, StateMonitorSpec>>;
  /**
   * Backend of the populations' steps (the `populationRun` kernel; default `auto`): `js` runs each
   * population's update as the kernel front end's js loop; `threads` (registered by importing
   * `spikeflow/threads` or `spikeflow/node`) as its WebAssembly SIMD translation (4 float32
   * lanes, on the calling thread: a step is too short to hand to worker threads), or the js loop
   * for an update that does not translate (see {@link SpikingNetwork.engines}); `auto` takes
   * `threads` when registered, else `js`. The same bits on both. `gpu` (by name or a
   * `createGpuBackend` instance; never chosen by `auto`, being slower) runs each population's step
   * as gpu.js kernels (one call per block of steps shorter than the smallest delay, else per
   * step), drives, propagation and monitors staying on the CPU (`ops/backends/gpu/population.ts`);
   * gpu.js's `cpu` mode gives the `js` bits.
   */
  readonly backend?: BackendChoice;
}

export type { NetworkInput } from './networkState.js';
export type { NetworkChunk, NetworkState, PopulationState, SpikeList } from './networkTypes.js';

/** Summary of a projection: sizes and memory. */
export interface ProjectionInfo {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly synapses: number;
  readonly bytesPerSynapse: number;
  /** Bytes of the whole projection (rows' starts included). */
  readonly bytes: number;
  /** The synapses as lists (pre, post, weight, delay in seconds), in row order. */
  readonly toList: () => { i: Int32Array; j: Int32Array; weight: Float32Array; delay: Float32Array };
}

/** A built network. */
export interface SpikingNetwork {
  readonly dt: number;
  /** The backend that runs its populations' steps (`js`, or `threads` where registered: what `auto` gives; `gpu` when asked for). */
  readonly backend: string;
  /**
   * How each population's step runs: `wasm simd` (the update's WebAssembly SIMD translation, on
   * the calling thread), `gpu.js <mode>` (one gpu.js kernel per step), `js loop`, or `js loop (why)` where `threads` could not translate it;
   * bit for bit the same results.
   */
  readonly engines: Readonly<Record<string, string>>;
  /** Population names and sizes, in order. */
  readonly populations: readonly { readonly name: string; readonly n: number }[];
  readonly projections: readonly ProjectionInfo[];
  /** Names of the stream inputs `run` expects. */
  readonly inputs: readonly string[];
  /** The state before the first step (initial values drawn from the network's seed). */
  readonly initialState: () => NetworkState;
  /**
   * Runs one chunk: `steps` steps, or as many as the stream inputs have.
   * @throws SpikeflowError for a bad step count, missing or extra inputs, bad shapes, a state of another network
   */
  readonly run: (input: NetworkInput, state?: NetworkState) => readonly [NetworkChunk, NetworkState];
}

const STREAMS = { connect: 1000, population: 4000, drive: 5000 };

/**
 * Builds a network from its description: compiles every population's loop, draws the
 * connectivity, weights and delays, and checks names, ports and sizes.
 * @param spec - see {@link SpikingNetworkSpec}
 * @throws SpikeflowError for bad dt or seed, unknown populations or ports, impossible connection rules, a backend without a `populationRun` kernel or that cannot run a population (argument `backend`, with the reason)
 */
export const spikingNetwork = (spec: SpikingNetworkSpec): SpikingNetwork => {
  const where = 'spikingNetwork';
  if (spec === null || typeof spec !== 'object') throw new SpikeflowError(where, 'spec', `spec must be an object, received ${show(spec)}`);
  const allowed = ['dt', 'seed', 'populations', 'projections', 'drives', 'monitors', 'backend'];
  const unknown = Object.keys(spec).find((k) => !allowed.includes(k));
  if (unknown !== undefined)
    throw new SpikeflowError(where, 'spec', `unknown key ${JSON.stringify(unknown)}; expected ${allowed.join(', ')}`);
  const { dt } = spec;
  if (typeof dt !== 'number' || !Number.isFinite(dt) || dt <= 0)
    throw new SpikeflowError(where, 'dt', `dt must be > 0 seconds, received ${show(dt)}`);
  const seed = spec.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new SpikeflowError(where, 'seed', `seed must be a finite number, received ${show(seed)}`);
  checkBackendChoice(where, spec.backend);
  if (spec.populations === null || typeof spec.populations !== 'object' || Object.keys(spec.populations).length === 0) {
    throw new SpikeflowError(
      where,
      'populations',
      `populations must be a non-empty record of population(...), received ${show(spec.populations)}`,
    );
  }
  const names = Object.keys(spec.populations);
  const pops: CompiledPopulation[] = names.map((name, k) => {
    const p = spec.populations[name] as Population;
    if (p === null || typeof p !== 'object' || p.kind !== 'population') {
      throw new SpikeflowError(
        where,
        `populations.${name}`,
        `populations.${name} must be population(model, n, options), received ${show(p)}`,
      );
    }
    return compilePopulation(name, p, dt, rngState(seed, STREAMS.population + k));
  });
  const popIndex = (argument: string, name: string): number => {
    const k = names.indexOf(name);
    if (k < 0)
      throw new SpikeflowError(where, argument, `${argument}: no population ${JSON.stringify(name)} (populations: ${names.join(', ')})`);
    return k;
  };
  const portIndex = (argument: string, pop: number, port: string): number => {
    const c = pops[pop] as CompiledPopulation;
    const k = c.ports.findIndex((p) => p.name === port);
    if (k < 0) {
      throw new SpikeflowError(
        where,
        argument,
        `${argument}: population ${c.name} has no port ${JSON.stringify(port)} (ports: ${c.ports.map((p) => p.name).join(', ') || 'none'})`,
      );
    }
    return k;
  };
  const projs: CompiledProjection[] = (spec.projections ?? []).map((p, k) => {
    const arg = `projections[${k}]`;
    if (p === null || typeof p !== 'object' || p.kind !== 'projection')
      throw new SpikeflowError(where, arg, `${arg} must be projection(from, to, options), received ${show(p)}`);
    const from = popIndex(`${arg}.from`, p.from);
    const to = popIndex(`${arg}.to`, p.to);
    const port = portIndex(`${arg}.port`, to, p.options.port);
    return compileProjection(
      `${where} ${arg}`,
      p,
      from,
      to,
      port,
      (pops[from] as CompiledPopulation).n,
      (pops[to] as CompiledPopulation).n,
      dt,
      rngState(p.options.seed ?? seed, p.options.seed === undefined ? STREAMS.connect + k : 0),
    );
  });
  const drives: CompiledDrive[] = (spec.drives ?? []).map((d, k) => {
    const arg = `drives[${k}]`;
    if (d === null || typeof d !== 'object' || typeof (d as Drive).kind !== 'string')
      throw new SpikeflowError(
        where,
        arg,
        `${arg} must be a drive (poissonDrive, poissonInput, currentDrive, streamInput), received ${show(d)}`,
      );
    const pop = popIndex(`${arg}.to`, d.to);
    const port =
      d.kind === 'current' || (d.kind === 'stream' && d.port === undefined)
        ? -1
        : portIndex(`${arg}.port`, pop, (d as { port: string }).port);
    if (d.kind === 'binomial' && d.rate * dt > 1)
      throw new SpikeflowError(where, `${arg}.rate`, `${arg}.rate·dt must be <= 1, received ${show(d.rate * dt)}`);
    if (
      d.kind === 'current' &&
      typeof d.value !== 'number' &&
      typeof d.value !== 'function' &&
      d.value.length !== (pops[pop] as CompiledPopulation).n
    ) {
      throw new SpikeflowError(
        where,
        `${arg}.value`,
        `${arg}.value must have ${(pops[pop] as CompiledPopulation).n} values, received ${d.value.length}`,
      );
    }
    return { drive: d, pop, port };
  });
  const inputs = drives.filter((d) => d.drive.kind === 'stream').map((d) => (d.drive as { name: string }).name);
  const dup = inputs.find((n, k) => inputs.indexOf(n) !== k);
  if (dup !== undefined) throw new SpikeflowError(where, 'drives', `two stream inputs are named ${JSON.stringify(dup)}`);

  // Ring length per (population, port): the longest delay onto it, plus one.
  const ringLength = pops.map((p) => p.ports.map(() => 1));
  for (const pr of projs) {
    const row = ringLength[pr.to] as number[];
    row[pr.port] = Math.max(row[pr.port] as number, pr.maxDelay + 1);
  }

  const monitors = names.map((name, k) => {
    const m = spec.monitors?.[name];
    if (m === undefined) return undefined;
    const c = pops[k] as CompiledPopulation;
    const arg = `monitors.${name}`;
    if (m === null || typeof m !== 'object' || !Array.isArray(m.vars))
      throw new SpikeflowError(where, arg, `${arg} must be { vars, indices? }, received ${show(m)}`);
    const vars = m.vars.map((v) => {
      const s = c.model.update.state.indexOf(v);
      if (s >= 0) return { name: v, state: s, port: -1 };
      const p = c.ports.findIndex((q) => q.name === v && q.spec.kind !== 'delta');
      if (p >= 0) return { name: v, state: -1, port: p };
      throw new SpikeflowError(
        where,
        `${arg}.vars`,
        `${arg}.vars: ${JSON.stringify(v)} is neither a state variable (${c.model.update.state.join(', ')}) nor a current/conductance port of ${name}`,
      );
    });
    const indices = m.indices ?? Array.from({ length: Math.min(10, c.n) }, (_, i) => i);
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= c.n)
        throw new SpikeflowError(where, `${arg}.indices`, `${arg}.indices must be neuron indices in [0, ${c.n}), received ${show(i)}`);
    }
    return { vars, indices: Int32Array.from(indices) };
  });
  for (const key of Object.keys(spec.monitors ?? {})) popIndex(`monitors.${key}`, key);

  // The backend of each population's step: js (the update's js loop), threads (its wasm SIMD translation), auto.
  const requests: PopulationRunRequest[] = pops.map((c, k) => ({
    update: c.update,
    n: c.n,
    params: c.updateParams,
    paramArrays: c.updateParamArrays,
    ringLength: ringLength[k] as number[],
    dt,
  }));
  const resolved = requests.map((r) => resolveBackend(where, spec.backend, 'populationRun', r));
  const parts: NetworkParts = {
    dt,
    pops,
    projs,
    drives,
    ringLength,
    monitors: monitors as (CompiledMonitor | undefined)[],
    runtime: (k) => {
      const r = resolved[k] as Resolved<'populationRun'>;
      return r.kernel.run(requests[k] as PopulationRunRequest, r.backend);
    },
  };
  // The runtimes are made once here and reused chunk after chunk (a nested run makes its own).
  const runtimes = pops.map((_, k) => parts.runtime(k));
  const cache: RuntimeCache = { runtimes, busy: false };

  const layout: NetworkLayout = { where, pops, drives, ringLength, inputs };
  const initialState = (): NetworkState => initialNetworkState(layout, (k) => rngState(seed, STREAMS.drive + k));

  const run = (input: NetworkInput, state?: NetworkState): readonly [NetworkChunk, NetworkState] => {
    const { T, streams } = chunkInputs(layout, input);
    const s0 = state ?? initialState();
    if (state !== undefined) checkNetworkState(layout, state);
    return runChunk(parts, cache, T, streams, s0);
  };

  const projections: ProjectionInfo[] = projs.map((pr, k) => {
    const p = (spec.projections ?? [])[k] as Projection;
    return Object.freeze({
      from: p.from,
      to: p.to,
      port: p.options.port,
      synapses: pr.synapses,
      bytesPerSynapse: pr.bytesPerSynapse,
      bytes: pr.synapses * pr.bytesPerSynapse + pr.ptr.byteLength,
      toList: () => {
        const i = new Int32Array(pr.synapses);
        const nPre = pr.ptr.length - 1;
        for (let a = 0; a < nPre; a++) for (let s = pr.ptr[a] as number; s < (pr.ptr[a + 1] as number); s++) i[s] = a;
        const weight = pr.weights === undefined ? new Float32Array(pr.synapses).fill(pr.weight) : new Float32Array(pr.weights);
        const delay = new Float32Array(pr.synapses);
        for (let s = 0; s < pr.synapses; s++) delay[s] = ((pr.delays === undefined ? pr.delaySteps : (pr.delays[s] as number)) - 1) * dt;
        return { i, j: new Int32Array(pr.idx), weight, delay };
      },
    });
  });

  return Object.freeze({
    dt,
    backend: (resolved[0] as Resolved<'populationRun'>).backend.name,
    engines: Object.freeze(Object.fromEntries(pops.map((c, k) => [c.name, (runtimes[k] as { engine: string }).engine]))),
    populations: Object.freeze(pops.map((c) => Object.freeze({ name: c.name, n: c.n }))),
    projections: Object.freeze(projections),
    inputs: Object.freeze(inputs),
    initialState,
    run,
  });
};
