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
 * Runs on the `js` backend (generated plain-JavaScript loops); other backends are refused.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { Drive } from './drives.js';
import { type CompiledPopulation, compilePopulation, type Population, type PopulationCall } from './population.js';
import { type CompiledProjection, compileProjection, type Projection } from './projection.js';
import { binomialSample, poissonSample, type RngState, rngState } from './random.js';

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
  /** Backend: `js` (default, also what `auto` gives). Networks run on `js` only for now. */
  readonly backend?: string;
}

/** Spikes of one population in one chunk: neuron index and step (absolute, from the network's start) of each spike, in time order. */
export interface SpikeList {
  readonly i: Int32Array;
  readonly step: Int32Array;
}

/** What a chunk produces. */
export interface NetworkChunk {
  /** Absolute index of the chunk's first step. */
  readonly start: number;
  /** Steps in the chunk. */
  readonly steps: number;
  /** Time step in seconds. */
  readonly dt: number;
  /** Spikes per population. */
  readonly spikes: Readonly<Record<string, SpikeList>>;
  /** Population rate per step in Hz (spikes / (N·dt)), per population. */
  readonly rate: Readonly<Record<string, Float32Array>>;
  /** Monitored variables per population: each `[T, k]` for the k monitored neurons. */
  readonly state: Readonly<Record<string, Readonly<Record<string, Tensor>>>>;
  /** Synaptic events (spikes × fan-out) delivered in the chunk. */
  readonly events: number;
}

/** State of one population. */
export interface PopulationState {
  /** Model state variables, each `[N]`. */
  readonly state: Readonly<Record<string, Tensor>>;
  /** Port states (current or conductance), each `[N]`. */
  readonly ports: Readonly<Record<string, Tensor>>;
  /** Steps each neuron stays refractory, `[N]`. */
  readonly refractory: Tensor;
  /** Ring buffer of each port: `[L, N]`, the weights arriving in each of the next `L` steps. */
  readonly buffers: Readonly<Record<string, Tensor>>;
}

/** State of a network (frozen; never changed by a run). */
export interface NetworkState {
  /** Steps run so far. */
  readonly step: number;
  readonly populations: Readonly<Record<string, PopulationState>>;
  /** Generator state of each drive (empty for drives that draw nothing). */
  readonly rng: readonly Uint32Array[];
}

/** Inputs of a chunk: a number of steps, or the stream inputs by name (each `[T, N]` or `[T, 1, N]`). */
export type NetworkInput = number | Readonly<Record<string, Tensor>>;

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

interface CompiledDrive {
  readonly drive: Drive;
  readonly pop: number;
  readonly port: number;
}

const STREAMS = { connect: 1000, population: 4000, drive: 5000 };

/**
 * Builds a network from its description: compiles every population's loop, draws the
 * connectivity, weights and delays, and checks names, ports and sizes.
 * @param spec - see {@link SpikingNetworkSpec}
 * @throws SpikeflowError for bad dt or seed, unknown populations or ports, impossible connection rules, a backend other than js
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
  if (spec.backend !== undefined && spec.backend !== 'js' && spec.backend !== 'auto') {
    throw new SpikeflowError(
      where,
      'backend',
      `networks run on the js backend only (threads and gpu run single models, not networks yet); received ${show(spec.backend)}`,
    );
  }
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
      const s = c.model.kernel.state.indexOf(v);
      if (s >= 0) return { name: v, state: s, port: -1 };
      const p = c.ports.findIndex((q) => q.name === v && q.spec.kind !== 'delta');
      if (p >= 0) return { name: v, state: -1, port: p };
      throw new SpikeflowError(
        where,
        `${arg}.vars`,
        `${arg}.vars: ${JSON.stringify(v)} is neither a state variable (${c.model.kernel.state.join(', ')}) nor a current/conductance port of ${name}`,
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

  const initialState = (): NetworkState => {
    const populations: Record<string, PopulationState> = {};
    pops.forEach((c, k) => {
      const state: Record<string, Tensor> = {};
      c.model.kernel.state.forEach((s, j) => {
        state[s] = fromTypedArray(new Float32Array(c.init[j] as Float32Array), [c.n]);
      });
      const ports: Record<string, Tensor> = {};
      const buffers: Record<string, Tensor> = {};
      c.ports.forEach((p, j) => {
        if (p.spec.kind !== 'delta') ports[p.name] = fromTypedArray(new Float32Array(p.init), [c.n]);
        const L = (ringLength[k] as number[])[j] as number;
        buffers[p.name] = fromTypedArray(new Float32Array(L * c.n), [L, c.n]);
      });
      populations[c.name] = Object.freeze({
        state: Object.freeze(state),
        ports: Object.freeze(ports),
        refractory: fromTypedArray(new Float32Array(c.n), [c.n]),
        buffers: Object.freeze(buffers),
      });
    });
    const rng = drives.map((d, k) =>
      d.drive.kind === 'poisson' || d.drive.kind === 'binomial' ? rngState(seed, STREAMS.drive + k) : new Uint32Array(0),
    );
    return Object.freeze({ step: 0, populations: Object.freeze(populations), rng: Object.freeze(rng) });
  };

  const checkState = (s: NetworkState): void => {
    const arg = 'state';
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.step !== 'number' ||
      s.populations === null ||
      typeof s.populations !== 'object' ||
      !Array.isArray(s.rng)
    ) {
      throw new SpikeflowError(`${where}.run`, arg, `state must be a network state (from initialState() or run), received ${show(s)}`);
    }
    if (s.rng.length !== drives.length)
      throw new SpikeflowError(`${where}.run`, arg, `state has ${s.rng.length} drive generators, the network has ${drives.length} drives`);
    pops.forEach((c, k) => {
      const ps = s.populations[c.name];
      if (ps === undefined) throw new SpikeflowError(`${where}.run`, arg, `state has no population ${c.name}`);
      for (const v of c.model.kernel.state) {
        if (ps.state[v]?.data.length !== c.n)
          throw new SpikeflowError(`${where}.run`, arg, `state.populations.${c.name}.state.${v} must have ${c.n} values`);
      }
      c.ports.forEach((p, j) => {
        const L = (ringLength[k] as number[])[j] as number;
        if (ps.buffers[p.name]?.data.length !== L * c.n)
          throw new SpikeflowError(
            `${where}.run`,
            arg,
            `state.populations.${c.name}.buffers.${p.name} must be [${L}, ${c.n}] (a state of another network?)`,
          );
      });
    });
  };

  const run = (input: NetworkInput, state?: NetworkState): readonly [NetworkChunk, NetworkState] => {
    const w = `${where}.run`;
    let T: number;
    const streams: (Float32Array | Float64Array | undefined)[] = drives.map(() => undefined);
    if (typeof input === 'number') {
      if (!Number.isInteger(input) || input < 0)
        throw new SpikeflowError(
          w,
          'input',
          `input must be a number of steps (integer >= 0) or the stream inputs, received ${show(input)}`,
        );
      if (inputs.length > 0)
        throw new SpikeflowError(w, 'input', `the network has stream inputs (${inputs.join(', ')}): pass them as { name: tensor [T, N] }`);
      T = input;
    } else {
      if (input === null || typeof input !== 'object')
        throw new SpikeflowError(w, 'input', `input must be a number of steps or the stream inputs, received ${show(input)}`);
      const extra = Object.keys(input).find((k) => !inputs.includes(k));
      if (extra !== undefined)
        throw new SpikeflowError(
          w,
          'input',
          `unknown input ${JSON.stringify(extra)}; the network's inputs: ${inputs.join(', ') || 'none'}`,
        );
      T = -1;
      drives.forEach((d, k) => {
        if (d.drive.kind !== 'stream') return;
        const name = d.drive.name;
        const x = input[name];
        if (x === undefined) throw new SpikeflowError(w, 'input', `input ${JSON.stringify(name)} is missing`);
        const n = (pops[d.pop] as CompiledPopulation).n;
        const ok =
          x !== null &&
          typeof x === 'object' &&
          Array.isArray(x.shape) &&
          (x.data instanceof Float32Array || x.data instanceof Float64Array);
        const shapeOk =
          ok && ((x.shape.length === 2 && x.shape[1] === n) || (x.shape.length === 3 && x.shape[1] === 1 && x.shape[2] === n));
        if (!shapeOk)
          throw new SpikeflowError(
            w,
            `input.${name}`,
            `input.${name} must be a tensor [T, ${n}] or [T, 1, ${n}], received ${ok ? `shape [${x.shape.join(', ')}]` : show(x)}`,
          );
        const steps = x.shape[0] as number;
        if (T >= 0 && steps !== T)
          throw new SpikeflowError(w, `input.${name}`, `inputs must have the same number of steps, received ${T} and ${steps}`);
        T = steps;
        for (let q = 0; q < x.data.length; q++) {
          if (!Number.isFinite(x.data[q] as number))
            throw new SpikeflowError(w, `input.${name}`, `input.${name} must be finite, received ${show(x.data[q])} at flat index ${q}`);
        }
        streams[k] = x.data;
      });
      if (T < 0) throw new SpikeflowError(w, 'input', 'input names no stream input');
    }
    const s0 = state ?? initialState();
    if (state !== undefined) checkState(state);

    // Scratch copies: the caller's state is never changed.
    const calls: PopulationCall[] = pops.map((c) => {
      const ps = s0.populations[c.name] as PopulationState;
      return {
        N: c.n,
        dt,
        refSteps: c.refSteps,
        st: c.model.kernel.state.map((v) => new Float32Array((ps.state[v] as Tensor).data)),
        ref: new Float32Array(ps.refractory.data),
        p: c.params,
        ps: c.ports.map((p) => (p.spec.kind === 'delta' ? new Float32Array(0) : new Float32Array((ps.ports[p.name] as Tensor).data))),
        rb: c.ports.map((p) => new Float32Array((ps.buffers[p.name] as Tensor).data)),
        ro: c.ports.map(() => 0),
        decay: c.ports.map((p) => p.decay),
        rev: c.ports.map((p) => (p.spec.kind === 'conductance' ? p.spec.reversal : 0)),
        ext: new Float32Array(c.n),
        spk: new Int32Array(c.n),
      };
    });
    const rngs: RngState[] = s0.rng.map((r) => new Uint32Array(r));
    const counts = new Int32Array(pops.length);
    const spikeI = pops.map(() => new GrowList());
    const spikeStep = pops.map(() => new GrowList());
    const rates = pops.map(() => new Float32Array(T));
    const recorded = monitors.map((m) => (m === undefined ? undefined : m.vars.map(() => new Float32Array(T * m.indices.length))));
    const extUsed = pops.map((_, k) => drives.some((d) => d.pop === k && d.port < 0));
    let events = 0;

    for (let t = 0; t < T; t++) {
      const g = s0.step + t;
      pops.forEach((c, k) => {
        const call = calls[k] as PopulationCall;
        for (let j = 0; j < c.ports.length; j++) call.ro[j] = (g % ((ringLength[k] as number[])[j] as number)) * c.n;
        if (extUsed[k]) call.ext.fill(0);
      });
      for (let k = 0; k < drives.length; k++)
        applyDrive(drives[k] as CompiledDrive, calls, rngs[k] as RngState, streams[k], t, g, dt, pops);
      for (let k = 0; k < pops.length; k++) {
        const call = calls[k] as PopulationCall;
        const count = (pops[k] as CompiledPopulation).step(call);
        counts[k] = count;
        rates[k]![t] = count / (call.N * dt);
        const li = spikeI[k] as GrowList;
        const ls = spikeStep[k] as GrowList;
        for (let q = 0; q < count; q++) {
          li.push(call.spk[q] as number);
          ls.push(g);
        }
        const m = monitors[k];
        if (m !== undefined) {
          const rec = recorded[k] as Float32Array[];
          const K = m.indices.length;
          m.vars.forEach((v, j) => {
            const src = v.state >= 0 ? (call.st[v.state] as Float32Array) : (call.ps[v.port] as Float32Array);
            const dst = rec[j] as Float32Array;
            for (let q = 0; q < K; q++) dst[t * K + q] = src[m.indices[q] as number] as number;
          });
        }
      }
      for (const pr of projs) {
        const count = counts[pr.from] as number;
        if (count === 0) continue;
        const spk = (calls[pr.from] as PopulationCall).spk;
        const post = calls[pr.to] as PopulationCall;
        const buf = post.rb[pr.port] as Float32Array;
        const L = (ringLength[pr.to] as number[])[pr.port] as number;
        events += propagate(pr, spk, count, buf, L, post.N, g);
      }
    }

    const spikes: Record<string, SpikeList> = {};
    const rate: Record<string, Float32Array> = {};
    const monitored: Record<string, Record<string, Tensor>> = {};
    const populations: Record<string, PopulationState> = {};
    pops.forEach((c, k) => {
      spikes[c.name] = Object.freeze({ i: (spikeI[k] as GrowList).copy(), step: (spikeStep[k] as GrowList).copy() });
      rate[c.name] = rates[k] as Float32Array;
      const m = monitors[k];
      if (m !== undefined) {
        const rec: Record<string, Tensor> = {};
        m.vars.forEach((v, j) => {
          rec[v.name] = fromTypedArray((recorded[k] as Float32Array[])[j] as Float32Array, [T, m.indices.length]);
        });
        monitored[c.name] = Object.freeze(rec);
      }
      const call = calls[k] as PopulationCall;
      const st: Record<string, Tensor> = {};
      c.model.kernel.state.forEach((v, j) => {
        st[v] = fromTypedArray(call.st[j] as Float32Array, [c.n]);
      });
      const ports: Record<string, Tensor> = {};
      const buffers: Record<string, Tensor> = {};
      c.ports.forEach((p, j) => {
        if (p.spec.kind !== 'delta') ports[p.name] = fromTypedArray(call.ps[j] as Float32Array, [c.n]);
        const L = (ringLength[k] as number[])[j] as number;
        buffers[p.name] = fromTypedArray(call.rb[j] as Float32Array, [L, c.n]);
      });
      populations[c.name] = Object.freeze({
        state: Object.freeze(st),
        ports: Object.freeze(ports),
        refractory: fromTypedArray(call.ref, [c.n]),
        buffers: Object.freeze(buffers),
      });
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
    populations: Object.freeze(pops.map((c) => Object.freeze({ name: c.name, n: c.n }))),
    projections: Object.freeze(projections),
    inputs: Object.freeze(inputs),
    initialState,
    run,
  });
};

/** Growable int32 list for a chunk's spikes. */
class GrowList {
  data = new Int32Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  copy(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Adds the step's spikes of a projection's pre population into the ring buffer; returns the events delivered. */
const propagate = (pr: CompiledProjection, spk: Int32Array, count: number, buf: Float32Array, L: number, N: number, g: number): number => {
  const { ptr, idx, weights, delays } = pr;
  let events = 0;
  if (delays === undefined) {
    const base = ((g + pr.delaySteps) % L) * N;
    if (weights === undefined) {
      const w = pr.weight;
      for (let q = 0; q < count; q++) {
        const i = spk[q] as number;
        const end = ptr[i + 1] as number;
        const startRow = ptr[i] as number;
        events += end - startRow;
        for (let s = startRow; s < end; s++) {
          const at = base + (idx[s] as number);
          buf[at] = (buf[at] as number) + w;
        }
      }
    } else {
      for (let q = 0; q < count; q++) {
        const i = spk[q] as number;
        const end = ptr[i + 1] as number;
        const startRow = ptr[i] as number;
        events += end - startRow;
        for (let s = startRow; s < end; s++) {
          const at = base + (idx[s] as number);
          buf[at] = (buf[at] as number) + (weights[s] as number);
        }
      }
    }
    return events;
  }
  const w = pr.weight;
  for (let q = 0; q < count; q++) {
    const i = spk[q] as number;
    const end = ptr[i + 1] as number;
    const startRow = ptr[i] as number;
    events += end - startRow;
    for (let s = startRow; s < end; s++) {
      const at = ((g + (delays[s] as number)) % L) * N + (idx[s] as number);
      buf[at] = (buf[at] as number) + (weights === undefined ? w : (weights[s] as number));
    }
  }
  return events;
};

const applyDrive = (
  d: CompiledDrive,
  calls: PopulationCall[],
  rng: RngState,
  stream: Float32Array | Float64Array | undefined,
  t: number,
  g: number,
  dt: number,
  pops: CompiledPopulation[],
): void => {
  const call = calls[d.pop] as PopulationCall;
  const N = call.N;
  const drive = d.drive;
  if (drive.kind === 'poisson' || drive.kind === 'binomial') {
    const buf = call.rb[d.port] as Float32Array;
    const off = call.ro[d.port] as number;
    const w = drive.weight;
    if (drive.kind === 'poisson') {
      const lambda = drive.n * drive.rate * dt;
      const e = Math.exp(-lambda);
      for (let n = 0; n < N; n++) {
        const c = poissonSample(rng, lambda, e);
        if (c > 0) buf[off + n] = (buf[off + n] as number) + c * w;
      }
    } else {
      const p = drive.rate * dt;
      const q0 = (1 - p) ** drive.n;
      for (let n = 0; n < N; n++) {
        const c = binomialSample(rng, drive.n, p, q0);
        if (c > 0) buf[off + n] = (buf[off + n] as number) + c * w;
      }
    }
    return;
  }
  if (drive.kind === 'current') {
    const v = typeof drive.value === 'function' ? drive.value(g * dt) : drive.value;
    const ext = call.ext;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw new SpikeflowError(
          'spikingNetwork.run',
          'currentDrive',
          `the current of ${pops[d.pop]?.name} at t = ${g * dt} s is not finite: ${show(v)}`,
        );
      for (let n = 0; n < N; n++) ext[n] = (ext[n] as number) + v;
    } else {
      if (v === null || typeof v !== 'object' || v.length !== N)
        throw new SpikeflowError(
          'spikingNetwork.run',
          'currentDrive',
          `the current of ${pops[d.pop]?.name} must be a number or ${N} values, received ${show(v)}`,
        );
      for (let n = 0; n < N; n++) ext[n] = (ext[n] as number) + (v[n] as number);
    }
    return;
  }
  const data = stream as Float32Array | Float64Array;
  if (d.port < 0) {
    const ext = call.ext;
    for (let n = 0; n < N; n++) ext[n] = (ext[n] as number) + (data[t * N + n] as number);
  } else {
    const buf = call.rb[d.port] as Float32Array;
    const off = call.ro[d.port] as number;
    for (let n = 0; n < N; n++) buf[off + n] = (buf[off + n] as number) + (data[t * N + n] as number);
  }
};
