/**
 * The state and the inputs of a network's chunk: the initial state (drawn from the network's seed),
 * the check of a state passed back in, and the check of a chunk's stream inputs.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { RngState } from './fastRandom.js';
import type { NetworkState, PopulationState } from './networkTypes.js';
import type { CompiledPopulation } from './population.js';
import type { CompiledDrive } from './propagate.js';

/** Inputs of a chunk: a number of steps, or the stream inputs by name (each `[T, N]` or `[T, 1, N]`). */
export type NetworkInput = number | Readonly<Record<string, Tensor>>;

/** What the state and input checks need of a built network. */
export interface NetworkLayout {
  /** Where errors are reported (`spikingNetwork`). */
  readonly where: string;
  readonly pops: readonly CompiledPopulation[];
  readonly drives: readonly CompiledDrive[];
  /** Ring length per (population, port): the longest delay onto it, plus one (steps). */
  readonly ringLength: readonly (readonly number[])[];
  /** Names of the stream inputs. */
  readonly inputs: readonly string[];
}

/**
 * The state before the first step: each population's initial values, empty delay rings, no
 * refractory time, and a generator per random drive.
 * @param layout - the network
 * @param driveRng - the generator state of random drive `k` (seeded from the network's seed)
 * @returns a frozen state; arrays float32, `[n]` per variable and `[L, n]` per ring
 */
export const initialNetworkState = (layout: NetworkLayout, driveRng: (k: number) => RngState): NetworkState => {
  const { pops, drives, ringLength } = layout;
  const populations: Record<string, PopulationState> = {};
  pops.forEach((c, k) => {
    const state: Record<string, Tensor> = {};
    c.model.update.state.forEach((s, j) => {
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
  const rng = drives.map((d, k) => (d.drive.kind === 'poisson' || d.drive.kind === 'binomial' ? driveRng(k) : new Uint32Array(0)));
  return Object.freeze({ step: 0, populations: Object.freeze(populations), rng: Object.freeze(rng) });
};

/**
 * Checks a state passed to `run`: its populations, variables, delay rings and drive generators
 * must be those of this network.
 * @throws SpikeflowError (`state`) naming what does not match
 */
export const checkNetworkState = (layout: NetworkLayout, s: NetworkState): void => {
  const { where, pops, drives, ringLength } = layout;
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
    for (const v of c.model.update.state) {
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

/**
 * Checks the input of a chunk: a step count (integer ≥ 0, only when there are no stream inputs),
 * or every stream input by name as a finite tensor `[T, N]` or `[T, 1, N]`, all with the same `T`.
 * @returns the steps `T` and, per drive, the data of its stream input (undefined for other drives)
 * @throws SpikeflowError (`input`, `input.<name>`) for a bad count, unknown, missing, misshapen or non-finite inputs
 */
export const chunkInputs = (
  layout: NetworkLayout,
  input: NetworkInput,
): { readonly T: number; readonly streams: (Float32Array | Float64Array | undefined)[] } => {
  const { where, pops, drives, inputs } = layout;
  const w = `${where}.run`;
  let T: number;
  const streams: (Float32Array | Float64Array | undefined)[] = drives.map(() => undefined);
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0)
      throw new SpikeflowError(w, 'input', `input must be a number of steps (integer >= 0) or the stream inputs, received ${show(input)}`);
    if (inputs.length > 0)
      throw new SpikeflowError(w, 'input', `the network has stream inputs (${inputs.join(', ')}): pass them as { name: tensor [T, N] }`);
    T = input;
  } else {
    if (input === null || typeof input !== 'object')
      throw new SpikeflowError(w, 'input', `input must be a number of steps or the stream inputs, received ${show(input)}`);
    const extra = Object.keys(input).find((k) => !inputs.includes(k));
    if (extra !== undefined)
      throw new SpikeflowError(w, 'input', `unknown input ${JSON.stringify(extra)}; the network's inputs: ${inputs.join(', ') || 'none'}`);
    T = -1;
    drives.forEach((d, k) => {
      if (d.drive.kind !== 'stream') return;
      const name = d.drive.name;
      const x = input[name];
      if (x === undefined) throw new SpikeflowError(w, 'input', `input ${JSON.stringify(name)} is missing`);
      const n = (pops[d.pop] as CompiledPopulation).n;
      const ok =
        x !== null && typeof x === 'object' && Array.isArray(x.shape) && (x.data instanceof Float32Array || x.data instanceof Float64Array);
      const shapeOk = ok && ((x.shape.length === 2 && x.shape[1] === n) || (x.shape.length === 3 && x.shape[1] === 1 && x.shape[2] === n));
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
  return { T, streams };
};
