/**
 * Projections: synapses from one population onto a port of another (or the same) population,
 * stored as CSR rows by presynaptic neuron. Memory per synapse: 4 bytes (int32 post index) with a
 * constant weight, 8 bytes with per-synapse float32 weights, plus 1 byte (uint8 steps, < 256) or
 * 2 bytes (uint16) with per-synapse delays; a constant delay costs nothing per synapse.
 *
 * Delays are in seconds: a spike of step `s` reaches its target at step `s + 1 + round(delay/dt)`
 * — a delay of 0 acts on the next step, as Brian2's `on_pre` with `delay = 0` does (the effect of
 * the spike is applied after the threshold, so the next integration sees it).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { checkOptions } from '../ops/validate.js';
import { buildCsr, type ConnectRule } from './connect.js';
import { isDistribution, listOf, resolveValues, type Values } from './distributions.js';
import type { RngState } from './fastRandom.js';

/** Options of {@link projection}. */
export interface ProjectionOptions {
  /** The connection rule (allToAll(), oneToOne(), fixedProbability(p), fixedInDegree(k), fixedOutDegree(k), fromList(i, j)). */
  readonly connect: ConnectRule;
  /** Port of the target population the weights act on (see `population`'s ports). */
  readonly port: string;
  /** Weight: a constant, a distribution, or (fromList only) one value per listed synapse. Default 1. */
  readonly weight?: Values;
  /** Delay in seconds (>= 0): a constant, a distribution, or (fromList only) per listed synapse. Default 0. */
  readonly delay?: Values;
  /** Whether i → i synapses are made when pre and post are the same population (default false). */
  readonly autapses?: boolean;
  /** Seed of this projection's connectivity, weights and delays (default derived from the network seed). */
  readonly seed?: number;
}

/** A projection description; built by `spikingNetwork`. */
export interface Projection {
  readonly kind: 'projection';
  readonly from: string;
  readonly to: string;
  readonly options: ProjectionOptions;
}

/**
 * A projection from population `from` onto `port` of population `to`.
 * @param from - name of the presynaptic population
 * @param to - name of the postsynaptic population (may equal `from`)
 * @param options - rule, port, weight, delay, autapses, seed (see {@link ProjectionOptions})
 * @throws SpikeflowError for bad names or options (sizes and ports are checked by `spikingNetwork`)
 */
export const projection = (from: string, to: string, options: ProjectionOptions): Projection => {
  const where = 'projection';
  if (typeof from !== 'string' || from === '')
    throw new SpikeflowError(where, 'from', `from must be a population name, received ${show(from)}`);
  if (typeof to !== 'string' || to === '') throw new SpikeflowError(where, 'to', `to must be a population name, received ${show(to)}`);
  checkOptions(where, options, ['connect', 'port', 'weight', 'delay', 'autapses', 'seed']);
  if (typeof options.port !== 'string')
    throw new SpikeflowError(where, 'port', `port must be the name of a port of ${to}, received ${show(options.port)}`);
  if (options.connect === null || typeof options.connect !== 'object') {
    throw new SpikeflowError(
      where,
      'connect',
      `connect must be a connection rule (allToAll(), fixedProbability(p), …), received ${show(options.connect)}`,
    );
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed))
    throw new SpikeflowError(where, 'seed', `seed must be a finite number, received ${show(options.seed)}`);
  return Object.freeze({ kind: 'projection', from, to, options });
};

/** A projection compiled for a network. */
export interface CompiledProjection {
  readonly from: number;
  readonly to: number;
  readonly port: number;
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  /** Per-synapse weights (CSR order), or undefined with {@link CompiledProjection.weight}. */
  readonly weights?: Float32Array;
  readonly weight: number;
  /** Per-synapse delays in steps (CSR order, `1 + round(d/dt)`), or undefined with {@link CompiledProjection.delaySteps}. */
  readonly delays?: Uint8Array | Uint16Array;
  readonly delaySteps: number;
  readonly maxDelay: number;
  readonly synapses: number;
  /** Bytes per synapse of the stored rows (index + weight + delay), rows' starts excluded. */
  readonly bytesPerSynapse: number;
}

const perSynapse = (
  where: string,
  argument: string,
  v: Values,
  csrOrder: Int32Array | undefined,
  n: number,
  rng: RngState,
  check?: (x: number) => string | undefined,
): Float32Array | number => {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SpikeflowError(where, argument, `${argument} must be finite, received ${show(v)}`);
    const bad = check?.(v);
    if (bad !== undefined) throw new SpikeflowError(where, argument, `${argument} ${bad}, received ${show(v)}`);
    return v;
  }
  if (isDistribution(v)) return resolveValues(where, argument, v, n, rng, check);
  const list = listOf(where, argument, v);
  if (list === undefined)
    throw new SpikeflowError(where, argument, `${argument} must be a number, a distribution or a list, received ${show(v)}`);
  if (csrOrder === undefined)
    throw new SpikeflowError(where, argument, `${argument} as a list needs connect: fromList(i, j) (one value per listed synapse)`);
  const inList = resolveValues(where, argument, list as readonly number[], n, rng, check);
  const out = new Float32Array(n);
  for (let s = 0; s < n; s++) out[s] = inList[csrOrder[s] as number] as number;
  return out;
};

/**
 * Builds a projection's rows, weights and delays.
 * @throws SpikeflowError for impossible rules, bad weights or delays, delays beyond 65535 steps
 */
export const compileProjection = (
  where: string,
  p: Projection,
  from: number,
  to: number,
  port: number,
  nPre: number,
  nPost: number,
  dt: number,
  rng: RngState,
): CompiledProjection => {
  const { options } = p;
  const csr = buildCsr(where, options.connect, nPre, nPost, p.from === p.to, options.autapses === true, rng);
  const n = csr.idx.length;
  const w = perSynapse(where, 'weight', options.weight ?? 1, csr.order, n, rng);
  const d = perSynapse(where, 'delay', options.delay ?? 0, csr.order, n, rng, (x) => (x >= 0 ? undefined : 'must be >= 0 seconds'));
  const toSteps = (x: number): number => 1 + Math.round(x / dt);
  let delays: Uint8Array | Uint16Array | undefined;
  let delaySteps = 0;
  let maxDelay: number;
  if (typeof d === 'number') {
    delaySteps = toSteps(d);
    maxDelay = delaySteps;
  } else {
    maxDelay = 1;
    for (let s = 0; s < n; s++) maxDelay = Math.max(maxDelay, toSteps(d[s] as number));
    if (maxDelay > 65535)
      throw new SpikeflowError(where, 'delay', `delays must be below 65535 steps of dt, received ${maxDelay - 1} steps`);
    delays = maxDelay < 256 ? new Uint8Array(n) : new Uint16Array(n);
    for (let s = 0; s < n; s++) delays[s] = toSteps(d[s] as number);
  }
  if (maxDelay > 65535)
    throw new SpikeflowError(where, 'delay', `the delay must be below 65535 steps of dt, received ${maxDelay - 1} steps`);
  const bytesPerSynapse = 4 + (typeof w === 'number' ? 0 : 4) + (delays === undefined ? 0 : delays.BYTES_PER_ELEMENT);
  return {
    from,
    to,
    port,
    ptr: csr.ptr,
    idx: csr.idx,
    ...(typeof w === 'number' ? {} : { weights: w }),
    weight: typeof w === 'number' ? w : 0,
    ...(delays === undefined ? {} : { delays }),
    delaySteps,
    maxDelay,
    synapses: n,
    bytesPerSynapse,
  };
};
