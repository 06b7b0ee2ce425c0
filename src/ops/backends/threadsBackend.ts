/**
 * The `threads` backend: fused neuron runs on the multi-threaded CPU engine (`threads.ts`) —
 * worker threads over shared memory, each running the kernel's WebAssembly SIMD translation (or
 * the `js` loop where a kernel does not translate). Results equal the `js` backend's bit for bit.
 *
 * Importing this module registers the backend (name `threads`, priority 50: `auto` prefers it to
 * `js` and leaves it to a hardware `gpu`) with two kernels: the fused neuron run and the linear
 * map (event-driven: zero inputs skipped), and the network population step (`wasm/population.ts`). Outputs and states it returns live in
 * `SharedArrayBuffer`s when more than one thread ran, so a following `threads` layer reads them
 * without copying. Recurrent models are not split (their steps depend on every neuron's previous
 * spikes); `auto` runs them on `js`.
 * @module
 */

import { orThrowAt } from '../errors.js';
import { allocateOutput, allocateOutputs } from '../outputPool.js';
import { type DType, finiteTensor, fromTypedArray, type Tensor, type TensorData, withLeading } from '../tensor.js';
import type { NeuronUpdate } from '../update/ir.js';
import { maskKey, type PerNeuronMask } from '../update/lowerJs.js';
import {
  type Backend,
  type KernelConfig,
  type LinearRequest,
  type LinearResult,
  type NeuronRunRequest,
  type NeuronRunResult,
  registerBackend,
  registerKernel,
  type UpdateRunRequest,
} from './backendRegistry.js';
import { inPlaceState } from './inPlaceState.js';
import { threadsConv, threadsPool } from './threads/conv.js';
import {
  allocateShared,
  checkThreadsOptions,
  compileThreaded,
  compileThreadedLinear,
  type ThreadedKernel,
  type ThreadsOptions,
} from './threads.js';
import { wasmPopulationRun } from './wasm/population.js';
import './threads/training.js';

/** A `threads` backend instance with its options. */
export interface ThreadsBackend extends Backend {
  /** The options every run of this instance uses. */
  readonly options: ThreadsOptions;
}

/**
 * Creates a `threads` backend instance (pass it as `backend` to a run to use other options than
 * the registered instance's).
 * @param options - most threads (default: all hardware threads), least neuron-steps per thread, engine
 * @throws SpikeflowError for invalid options (see `checkThreadsOptions`)
 */
export const createThreadsBackend = (options: ThreadsOptions = {}): ThreadsBackend => {
  checkThreadsOptions('createThreadsBackend', options);
  return Object.freeze({
    name: 'threads',
    priority: 50,
    options: Object.freeze({ ...options }),
    autoSelectable: () => true as const,
    describe: () => ({ backend: 'threads', device: 'cpu', accelerated: false }),
  });
};

/** The registered `threads` backend (all hardware threads, default sizes). */
export const threadsBackend: ThreadsBackend = createThreadsBackend();

const plainOrShared =
  (shared: boolean) =>
  (dtype: 'float32' | 'float64', length: number): TensorData =>
    shared ? allocateShared(dtype, length) : dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);

/**
 * The run's working copy of the state, which becomes the new state it returns: every variable a
 * view of one allocation (one allocation per run, not one per variable; from the output pool,
 * `outputPool.ts`, when shared or large), each written in full from the given state. A request
 * whose caller gave its state up (`inPlace`) updates the given arrays instead (`inPlaceState.ts`).
 */
const stateScratch = (r: NeuronRunRequest, shared: boolean): TensorData[] => {
  const scratch = allocateOutputs(r.dtype, r.M, r.stateNames.length, shared);
  for (const [k, name] of r.stateNames.entries()) (scratch[k] as TensorData).set((r.state[name] as Tensor).data);
  return scratch;
};

// Per-run helpers as module functions, not closures made per call (a stream runs them every
// chunk; a closure's optimised code is lost at every full garbage collection).

/** Which per-neuron parameters are arrays (the kernel's specialisation mask). */
const maskOf = (paramArrays: readonly (TensorData | undefined)[]): boolean[] => {
  const mask: boolean[] = [];
  for (let k = 0; k < paramArrays.length; k++) mask.push(paramArrays[k] !== undefined);
  return mask;
};

/** `arrays[indices[k]]` for every k. */
const pick = (arrays: readonly TensorData[], indices: readonly number[]): TensorData[] => {
  const picked: TensorData[] = [];
  for (let k = 0; k < indices.length; k++) picked.push(arrays[indices[k] as number] as TensorData);
  return picked;
};

/** A frozen state record `{ [names[k]]: arrays[k] as a tensor of shape }`. */
const stateRecord = (
  names: readonly string[],
  arrays: readonly TensorData[],
  shape: readonly number[],
): Readonly<Record<string, Tensor>> => {
  const record: Record<string, Tensor> = {};
  for (let k = 0; k < names.length; k++) record[names[k] as string] = fromTypedArray(arrays[k] as TensorData, shape);
  return Object.freeze(record);
};

// The flag the wasm engine sets on a non-finite input, reset before each run (runs are
// synchronous, one at a time). Shared where it exists (workers set it); a page without
// cross-origin isolation runs one thread and has no SharedArrayBuffer, so it lives in ordinary
// memory there.
let flag: Int32Array | undefined;
const nonFiniteFlag = (): Int32Array => {
  flag ??= new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  Atomics.store(flag, 0, 0);
  return flag;
};

/** Compiled kernels per backend instance (its options) and update, dtype and recording. */
const compiledKernels = new WeakMap<Backend, WeakMap<NeuronUpdate, Map<string, ThreadedKernel>>>();

const compiledFor = (
  backend: Backend,
  update: NeuronUpdate,
  dtype: DType,
  record: boolean,
  mask: PerNeuronMask | undefined,
  narrow?: readonly boolean[],
): ThreadedKernel => {
  // A stream asks for the same kernel every chunk: the last answer is kept.
  const l = lastCompiled;
  if (
    l !== undefined &&
    l.backend === backend &&
    l.update === update &&
    l.dtype === dtype &&
    l.record === record &&
    sameMask(l.mask, mask) &&
    sameMask(l.narrow, narrow)
  ) {
    return l.kernel;
  }
  let byUpdate = compiledKernels.get(backend);
  if (byUpdate === undefined) {
    byUpdate = new WeakMap();
    compiledKernels.set(backend, byUpdate);
  }
  let byKey = byUpdate.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    byUpdate.set(update, byKey);
  }
  const key = `${dtype}:${record}:${maskKey(mask)}:${maskKey(narrow)}`;
  let k = byKey.get(key);
  if (k === undefined) {
    k = compileThreaded(update, dtype, record, (backend as ThreadsBackend).options ?? {}, mask, narrow);
    byKey.set(key, k);
  }
  lastCompiled = { backend, update, dtype, record, mask, narrow, kernel: k };
  return k;
};

let lastCompiled:
  | {
      readonly backend: Backend;
      readonly update: NeuronUpdate;
      readonly dtype: DType;
      readonly record: boolean;
      readonly mask: PerNeuronMask | undefined;
      readonly narrow?: readonly boolean[] | undefined;
      readonly kernel: ThreadedKernel;
    }
  | undefined;

const sameMask = (a: PerNeuronMask | undefined, b: PerNeuronMask | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
};

/** The note of a run (`executionOf(…).note`), kept for the last plan: a stream's chunks share it. */
const noteOf = (reason: string, engine: string, unsupported: string | undefined): string => {
  const l = lastNote;
  if (l !== undefined && l.reason === reason && l.engine === engine && l.unsupported === unsupported) return l.note;
  const note = `${reason}; ${engine === 'wasm' ? 'wasm simd' : 'js loop'}${unsupported === undefined ? '' : ` (${unsupported})`}`;
  lastNote = { reason, engine, unsupported, note };
  return note;
};
let lastNote:
  | { readonly reason: string; readonly engine: string; readonly unsupported: string | undefined; readonly note: string }
  | undefined;

const runNeuron = (r: NeuronRunRequest, backend: Backend): NeuronRunResult => {
  const { update, dtype, T, M, stateShape, stateNames, updateState } = r;
  const mask = r.paramArrays === undefined ? undefined : maskOf(r.paramArrays);
  const compiled = compiledFor(backend, update, dtype, r.record, mask);
  const plan = compiled.plan(T, M, [r.input.data, r.out]);
  const shared = plan.threads > 1;
  const alloc = plainOrShared(shared);
  const given = inPlaceState(r, shared);
  const scratch = given ?? stateScratch(r, shared);
  const out = r.out ?? allocateOutput(dtype, T * M, shared);
  const rec = r.record ? stateNames.map(() => alloc(dtype, T * M)) : undefined;
  // The wasm engine checks every input tile it copies in (one SIMD pass over data already in
  // cache); the js loop does not, so its input is checked here first. Same error either way.
  const nonFinite = plan.engine === 'wasm' ? nonFiniteFlag() : undefined;
  if (nonFinite === undefined) orThrowAt(r.where, finiteTensor('input', r.input));
  compiled({
    T,
    M,
    inputs: [r.input.data],
    out,
    state: pick(scratch, updateState),
    record: rec === undefined ? undefined : pick(rec, updateState),
    params: r.params,
    paramArrays: r.paramArrays,
    dt: r.dt,
    nonFinite,
  });
  if (nonFinite !== undefined && Atomics.load(nonFinite, 0) !== 0) orThrowAt(r.where, finiteTensor('input', r.input));
  return {
    out: fromTypedArray(out, withLeading(T, stateShape)),
    state: given === undefined ? stateRecord(stateNames, scratch, stateShape) : r.state,
    recorded: rec === undefined ? undefined : stateRecord(stateNames, rec, withLeading(T, stateShape)),
    executed: {
      device: 'cpu',
      note: noteOf(plan.reason, plan.engine, compiled.wasmUnsupported),
    },
  };
};

/** The `threads` fused neuron run: feed-forward models, both dtypes. */
export const threadsNeuronRun: KernelConfig<'neuronRun'> = {
  kernelName: 'neuronRun',
  backendName: 'threads',
  supports: (r) =>
    r.recurrent === undefined ? true : 'recurrent models are not split across threads (each step needs every neuron’s previous spikes)',
  run: (r, backend) => runNeuron(r, backend),
  checksFiniteInput: true,
};

const runLinear = (r: LinearRequest, backend: Backend): LinearResult => {
  const dtype = r.x.data instanceof Float64Array ? 'float64' : 'float32';
  const linear = compileThreadedLinear(dtype, (backend as ThreadsBackend).options ?? {});
  const plan = linear.plan(r.rows, r.K);
  const out = plainOrShared(plan.threads > 1)(dtype, r.rows * r.O);
  const inputSpikes = linear(r.x.data, r.rows, r.K, r.weight.data, r.O, r.bias?.data, out);
  return {
    out: fromTypedArray(out, [...r.x.shape.slice(0, -1), r.O]),
    inputSpikes,
    executed: { device: 'cpu', note: `${plan.reason}; wasm simd, spike-driven (zero inputs skipped)` },
  };
};

/**
 * The `threads` linear map: rows split across threads, each adding `x[r, k]·Wᵀ[k, :]` only for
 * the nonzero `x[r, k]` (spike rasters are mostly zeros), in the `js` product's order (same bits).
 */
export const threadsLinear: KernelConfig<'linear'> = {
  kernelName: 'linear',
  backendName: 'threads',
  supports: () => true,
  run: (r, backend) => runLinear(r, backend),
};

/**
 * The `threads` update run (training's tapes and derived backward steps): neurons split across
 * threads, each running the update's wasm SIMD translation (else its `js` loop), forward or with
 * the steps reversed; same bits as the `js` update run.
 */
export const threadsUpdateRun: KernelConfig<'updateRun'> = {
  kernelName: 'updateRun',
  backendName: 'threads',
  supports: () => true,
  run: (r: UpdateRunRequest, backend) => {
    // float32 inputs of a float64 run (training's tapes into the backward steps) are read as
    // float32 by the wasm module (widened exactly as it loads them), not widened in JavaScript
    const ins = r.call.inputs;
    const narrow =
      r.dtype === 'float64' && ins.some((a) => a instanceof Float32Array) ? ins.map((a) => a instanceof Float32Array) : undefined;
    const compiled = compiledFor(backend, r.update, r.dtype, r.recording, r.perNeuron, narrow);
    compiled({ ...r.call, reverse: r.reverse === true });
    return { executed: { device: 'cpu', note: compiled.engine === 'wasm' ? 'wasm simd' : 'js loop' } };
  },
};

registerBackend(threadsBackend);
registerKernel(threadsUpdateRun);
registerKernel(threadsNeuronRun);
registerKernel(threadsLinear);
registerKernel(threadsConv);
registerKernel(threadsPool);
registerKernel(wasmPopulationRun);
