/**
 * The gpu.js fused neuron run: one thread per neuron runs a block of steps; state stays on the device
 * between blocks and chunks; outputs are read back (spikes packed) per block.
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import { fromTypedArray, type Tensor, type TensorData } from '../../tensor.js';
import type { NeuronUpdate } from '../../update/ir.js';
import type { Backend, KernelConfig, NeuronRunRequest, NeuronRunResult } from '../backendRegistry.js';
import { DeviceGroup, type DeviceStorage, deviceGroupOf } from '../device.js';
import type { GpuJsKernel } from '../gpujs.js';
import { BITS_PER_WORD, floatSlot, type NeuronLayout, planNeuron } from '../layout.js';
import { kernelClass } from './modes.js';
import { neuronKernelSource, packSource } from './sources.js';
import {
  argType,
  executed,
  gpuOf,
  held,
  isCpuMode,
  isLive,
  maxInputFloatsOf,
  maxOutputsOf,
  type OutputCopy,
  otherKernel,
  outputCopies,
  release,
  resolvedMode,
  rgbaOf,
  type State,
  stateOf,
  statesFromStorage,
} from './state.js';

/**
 * Compiles the source of a block kernel (one thread per neuron over `M` neurons, `layout.steps`
 * steps per call, `layout.outputs` RGBA outputs — the first returned, the others as gpu.js kernel
 * maps `sfO1…`) with gpu.js in single precision; shared by the fused neuron run and `updateRun`.
 * @param st - the backend's state (gpu.js instance)
 * @param source - the kernel function's source (its parameter list names the arguments)
 * @param layout - the block's layout (`layout.ts`)
 * @param M - neurons (threads)
 * @param typeOf - gpu.js argument type of parameter `name` at position `j`
 */
export const compileBlockKernel = (
  st: State,
  source: string,
  layout: NeuronLayout,
  M: number,
  typeOf: (name: string, j: number) => string | undefined,
): GpuJsKernel => {
  const names = source.slice(source.indexOf('(') + 1, source.indexOf(')')).split(', ');
  const settings = {
    output: [M],
    returnType: 'Array(4)',
    precision: 'single',
    tactic: 'precision',
    pipeline: true,
    immutable: true,
    loopMaxIterations: layout.steps,
    dynamicArguments: true,
    argumentTypes: Object.fromEntries(names.map((n, j) => [n, typeOf(n, j)])),
  };
  const subs = Object.fromEntries(
    Array.from({ length: layout.outputs - 1 }, (_, g) => [`sfO${g + 1}`, `function sfO${g + 1}(a) { return a; }`]),
  );
  const gpu = gpuOf(st);
  return layout.outputs === 1 ? gpu.createKernel(source, settings) : gpu.createKernelMap(subs, source, settings);
};

/**
 * The gpu.js kernel of `k` for a block of `layout.steps` steps over `M` neurons, compiled once per
 * argument types (`values`: inputs, state outputs, `M`, `T0`, `B`, parameters, `dt`) and cached.
 */
export const neuronKernelFor = (st: State, k: NeuronUpdate, layout: NeuronLayout, M: number, values: readonly unknown[]): GpuJsKernel => {
  let byKey = st.neuronKernels.get(k);
  if (byKey === undefined) {
    byKey = new Map();
    st.neuronKernels.set(k, byKey);
  }
  const nIn = k.inputs.length + layout.stateOutputs;
  const types = values.map((v, j) => (j >= nIn && j < nIn + 3 ? 'Integer' : j < nIn || typeof v !== 'number' ? argType(v) : 'Float'));
  const key = `${M}|${layout.outputs}|${layout.steps}|${layout.packed}|${layout.perStep}|${types.join(',')}`;
  let kernel = byKey.get(key);
  if (kernel === undefined) {
    const cpu = isCpuMode(st);
    const source = neuronKernelSource(
      k,
      layout,
      cpu,
      k.params.map((_, j) => typeof values[nIn + 3 + j] !== 'number'),
    );
    kernel = compileBlockKernel(st, source, layout, M, (_, j) => types[j]);
    byKey.set(key, kernel);
  }
  return kernel;
};

/** Uploads host state arrays (the update's state order, `M` values each) into RGBA state outputs. */
export const uploadState = (st: State, arrays: readonly TensorData[], M: number): unknown[] => {
  const out: unknown[] = [];
  for (let g = 0; g < arrays.length; g += 4) {
    const group = arrays.slice(g, g + 4);
    const pack = otherKernel(st, `pack|${group.length}|${M}`, (gpu) =>
      gpu.createKernel(packSource(group.length), {
        output: [M],
        returnType: 'Array(4)',
        precision: 'single',
        tactic: 'precision',
        pipeline: true,
        immutable: true,
        argumentTypes: Object.fromEntries(group.map((_, j) => [`a${j}`, 'Array'])),
      }),
    );
    st.uploaded += group.length * M;
    out.push(held(st, pack(...group.map((a) => (a instanceof Float32Array ? a : Float32Array.from(a))))));
  }
  return out;
};

/** Splits kernel-map results into the list of outputs (result first). */
export const outputsOf = (res: unknown, count: number): unknown[] => {
  if (count === 1) return [res];
  const r = res as Record<string, unknown>;
  return [r.result, ...Array.from({ length: count - 1 }, (_, g) => r[`sfO${g + 1}`])];
};

/** A device state: the state outputs of the last block, read back on demand. */
const stateStorage = (
  st: State,
  owner: object,
  objs: readonly unknown[],
  S: number,
  M: number,
): DeviceStorage & { objs: readonly unknown[] } => {
  let released = false;
  return {
    owner,
    objs,
    read: () => {
      const raw = objs.map((o) => rgbaOf(st, o, M));
      return Array.from({ length: S }, (_, s) => {
        const src = raw[s >> 2] as Float32Array;
        const c = s & 3;
        const a = new Float32Array(M);
        for (let n = 0; n < M; n++) a[n] = src[4 * n + c] as number;
        return a;
      });
    },
    release: () => {
      if (released) return;
      released = true;
      for (const o of objs) release(st, o);
    },
  };
};

const unsupportedNeuron = (st: State, r: NeuronRunRequest): true | string => {
  if (r.dtype !== 'float32') return `${r.dtype} is not supported (gpu.js computes in single precision; use float32 or the js backend)`;
  if (r.recurrent !== undefined)
    return 'recurrent models need a matrix product between every two steps, which a fused gpu kernel cannot do';
  if (r.stateNames.length !== r.update.state.length) return 'the model has state outside its update';
  if (r.update.inputs.length !== 1) return `a feed-forward update reads one input, ${r.update.name} reads ${r.update.inputs.length}`;
  if (!isCpuMode(st)) {
    const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
    if (r.M > side * side) return `${r.M} neurons exceed the largest texture (${side}×${side})`;
  }
  const plan = planNeuron(r.update.state.length, r.binaryOutput, r.record, maxOutputsOf(st), 1);
  if (typeof plan === 'string') return plan;
  for (const t of Object.values(r.state)) {
    const g = deviceGroupOf(t);
    if (g !== undefined && !g.onDevice && !g.onHost) return 'the state was consumed by an earlier run';
  }
  return true;
};

const runNeuron = (backend: Backend, r: NeuronRunRequest): NeuronRunResult => {
  const st = stateOf(backend);
  const { update, T, M, stateShape, stateNames, updateState } = r;
  const S = update.state.length;
  if (T === 0 || M === 0) {
    const copy = Object.fromEntries(stateNames.map((n) => [n, fromTypedArray(Float32Array.from((r.state[n] as Tensor).data), stateShape)]));
    const empty = Object.fromEntries(stateNames.map((n) => [n, fromTypedArray(new Float32Array(0), [T, ...stateShape])]));
    return {
      out: fromTypedArray(new Float32Array(0), [T, ...stateShape]),
      state: Object.freeze(copy),
      recorded: r.record ? empty : undefined,
    };
  }

  // Input: a device tensor of this backend (a linear map's result) is read in place; else host data.
  const inGroup = deviceGroupOf(r.input);
  const inStorage = inGroup?.peek(backend);
  const inDevice = inStorage === undefined ? undefined : (statesFromStorage.get(inStorage)?.[0] as unknown);
  const hostIn = inDevice === undefined ? (r.input.data as Float32Array) : undefined;
  const stepsCap = inDevice === undefined ? Math.max(1, Math.floor(maxInputFloatsOf(st) / M)) : T;
  // Blocks are planned for T rounded up to a power of two, so chunks of varying length share kernels.
  const bucket = 2 ** Math.ceil(Math.log2(T));
  const layout = planNeuron(S, r.binaryOutput, r.record, maxOutputsOf(st), Math.min(bucket, stepsCap)) as NeuronLayout;

  // State: a device state of this backend is consumed; a host state is uploaded.
  const first = deviceGroupOf(r.state[stateNames[updateState[0] as number] as string]);
  const sameGroup = first !== undefined && updateState.every((k) => deviceGroupOf(r.state[stateNames[k] as string]) === first);
  const taken = sameGroup ? first.take(backend, r.where) : undefined;
  let stateObjs: unknown[] = taken === undefined ? [] : [...(statesFromStorage.get(taken) ?? [])];
  let ownedPrev: DeviceStorage | undefined = taken;
  if (taken === undefined) {
    stateObjs = uploadState(
      st,
      update.state.map((_, j) => (r.state[stateNames[updateState[j] as number] as string] as Tensor).data),
      M,
    );
  }

  // The layer's previous output copy is no longer needed (its state outputs belong to the state).
  st.neuronOutputs.get(r.owner)?.release();
  const singleBlock = T <= layout.steps;
  let copyObjs: unknown[] | undefined;

  const out = new Float32Array(T * M);
  const rec = r.record ? update.state.map(() => new Float32Array(T * M)) : undefined;
  let device = '';
  let note: string | undefined;
  const words = new Int32Array(M);

  try {
    for (let t0 = 0; t0 < T; t0 += layout.steps) {
      const B = Math.min(layout.steps, T - t0);
      // Host input: exactly this block's steps (the kernel takes inputs of any length).
      const xArg: unknown = hostIn === undefined ? inDevice : hostIn.subarray(t0 * M, (t0 + B) * M);
      if (hostIn !== undefined) st.uploaded += B * M;
      const params = r.params.map((p, j) => r.paramArrays?.[j] ?? p);
      const values: unknown[] = [...update.inputs.map(() => xArg), ...stateObjs, M, inDevice === undefined ? 0 : t0, B, ...params, r.dt];
      const k = neuronKernelFor(st, update, layout, M, values);
      const outs = outputsOf(k(...values), layout.outputs).map((o) => held(st, o));
      ({ device, note } = executed(st, k));

      // Read the block's outputs back (spikes packed 24 to a float) and unpack them.
      const raw = outs.map((o) => rgbaOf(st, o, M));
      const column = (slot: number): [Float32Array, number] => [raw[slot >> 2] as Float32Array, slot & 3];
      if (layout.packed) {
        for (let w = 0; w * BITS_PER_WORD < B; w++) {
          const [src, c] = column(S + w);
          for (let n = 0; n < M; n++) words[n] = (src[4 * n + c] as number) | 0;
          const bits = Math.min(BITS_PER_WORD, B - w * BITS_PER_WORD);
          for (let b = 0; b < bits; b++) {
            const row = out.subarray((t0 + w * BITS_PER_WORD + b) * M, (t0 + w * BITS_PER_WORD + b + 1) * M);
            for (let n = 0; n < M; n++) row[n] = ((words[n] as number) >> b) & 1;
          }
        }
      } else {
        for (let t = 0; t < B; t++) {
          const targets: Float32Array[] = [out, ...(rec ?? [])];
          targets.forEach((dst, j) => {
            const [src, c] = column(floatSlot(layout, t, j));
            const row = dst.subarray((t0 + t) * M, (t0 + t + 1) * M);
            for (let n = 0; n < M; n++) row[n] = src[4 * n + c] as number;
          });
        }
      }

      // Free what is no longer needed: the previous state, and this block's non-state outputs.
      if (ownedPrev !== undefined) ownedPrev.release();
      else for (const o of stateObjs) release(st, o);
      ownedPrev = undefined;
      if (singleBlock) copyObjs = outs;
      else for (const o of outs.slice(layout.stateOutputs)) release(st, o);
      stateObjs = outs.slice(0, layout.stateOutputs);
    }
  } catch (e) {
    if (ownedPrev !== undefined) ownedPrev.release();
    else for (const o of stateObjs) release(st, o);
    if (e instanceof SpikeflowError) throw e;
    throw new SpikeflowError(
      r.where,
      'backend',
      `gpu.js (${resolvedMode(st)}) failed to run ${update.name}: ${e instanceof Error ? e.message : show(e)}`,
    );
  }

  const storage = stateStorage(st, backend, stateObjs, S, M);
  statesFromStorage.set(storage, stateObjs);
  const group = new DeviceGroup(
    storage,
    update.state.map(() => stateShape),
    'state',
  );
  const byModel = (arrays: readonly Tensor[]): Readonly<Record<string, Tensor>> =>
    Object.freeze(Object.fromEntries(update.state.map((_, j) => [stateNames[updateState[j] as number] as string, arrays[j] as Tensor])));
  const outTensor = fromTypedArray(out, [T, ...stateShape]);
  if (copyObjs !== undefined) {
    const objs = copyObjs;
    const copy: OutputCopy = {
      backend,
      objs,
      layout,
      T,
      M,
      alive: () => objs.every((o) => isLive(st, o)),
      release: () => {
        for (const o of objs.slice(layout.stateOutputs)) release(st, o);
      },
    };
    outputCopies.set(outTensor, copy);
    st.neuronOutputs.set(r.owner, copy);
  }
  return {
    out: outTensor,
    state: byModel(group.tensors),
    recorded: rec === undefined ? undefined : byModel(rec.map((a) => fromTypedArray(a, [T, ...stateShape]))),
    executed: { device, note },
  };
};

/** The gpu.js fused neuron run: feed-forward models, float32. */
export const gpuNeuronRun: KernelConfig<'neuronRun'> = {
  kernelName: 'neuronRun',
  backendName: 'gpu',
  supports: (r, b) => unsupportedNeuron(stateOf(b), r),
  run: (r, b) => runNeuron(b, r),
};
