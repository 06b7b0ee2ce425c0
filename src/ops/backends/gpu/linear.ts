/**
 * The gpu.js linear map: one thread per output element; a neuron layer's output still on the device
 * is unpacked there, and the result stays on the device for the next layer.
 * @module
 */
import type { Tensor } from '../../tensor.js';
import type { Backend, KernelConfig, LinearRequest, LinearResult } from '../backendRegistry.js';
import { DeviceGroup, type DeviceStorage, deviceGroupOf } from '../device.js';
import { BITS_PER_WORD } from '../layout.js';
import { linearSource, unpackSource } from './sources.js';
import {
  argType,
  executed,
  floatsOf,
  held,
  isCpuMode,
  type OutputCopy,
  otherKernel,
  outputCopies,
  release,
  type State,
  stateOf,
  statesFromStorage,
} from './state.js';

const unsupportedLinear = (r: LinearRequest): true | string => {
  if (!(r.x.data instanceof Float32Array) && deviceGroupOf(r.x) === undefined)
    return 'float64 is not supported (use float32 or the js backend)';
  // Indices are computed in float32 on GL: keep them exact.
  if (r.rows * r.K >= 2 ** 24 || r.O * r.K >= 2 ** 24 || r.rows * r.O >= 2 ** 24)
    return 'the product is too large for exact float32 indexing (2²⁴ elements)';
  return true;
};

const runLinear = (backend: Backend, r: LinearRequest): LinearResult => {
  const st = stateOf(backend);
  const { rows, K, O } = r;
  const shape = [...r.x.shape.slice(0, -1), O];
  const previous = st.linearOutputs.get(r.owner);
  const inGroup = deviceGroupOf(r.x);
  const inStorage = inGroup?.peek(backend);
  // A neuron layer's output still on this device is unpacked there instead of uploaded.
  const copy = outputCopies.get(r.x);
  const dense = copy !== undefined && copy.backend === backend && copy.alive() && copy.T * copy.M < 2 ** 24 ? unpack(st, copy) : undefined;
  const x = dense ?? (inStorage === undefined ? (r.x.data as Float32Array) : statesFromStorage.get(inStorage)?.[0]);
  const bias = r.bias === undefined ? new Float32Array(O) : Float32Array.from(r.bias.data);
  const values = [x, Float32Array.from(r.weight.data), bias, K, O];
  st.uploaded += O * K + O + (x === r.x.data ? rows * K : 0);
  const types = [argType(x), 'Array', 'Array', 'Integer', 'Integer'];
  const key = `linear|${rows}|${K}|${O}|${types.join(',')}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(linearSource(isCpuMode(st)), {
      output: [rows * O],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: Math.max(1, K),
      argumentTypes: { sfX: types[0], sfW: 'Array', sfBias: 'Array', sfK: 'Integer', sfO: 'Integer' },
    }),
  );
  const y = held(st, k(...values));
  if (dense !== undefined) release(st, dense);
  // The previous output of this layer is retired now (copied to the host first if unread).
  if (previous !== undefined && previous !== inGroup) previous.retire('the next call of its linear layer');
  const storage: DeviceStorage = {
    owner: backend,
    read: () => [floatsOf(st, y, rows * O)],
    release: () => release(st, y),
  };
  statesFromStorage.set(storage, [y]);
  const group = new DeviceGroup(storage, [shape], 'output');
  st.linearOutputs.set(r.owner, group);
  return { out: group.tensors[0] as Tensor, executed: executed(st, k) };
};

/** Runs the unpack kernel of a neuron output copy: a dense `[T·M]` device array. */
const unpack = (st: State, copy: OutputCopy): unknown => {
  const { layout, T, M, objs } = copy;
  const types = objs.map(argType);
  const key = `unpack|${T}|${M}|${layout.S}|${layout.packed}|${layout.perStep}|${layout.outputs}|${types.join(',')}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(unpackSource(layout), {
      output: [T * M],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: BITS_PER_WORD,
      argumentTypes: Object.fromEntries([...objs.map((_, g) => [`sfO${g}`, types[g]]), ['sfM', 'Integer']]),
    }),
  );
  return held(st, k(...objs, M));
};

/** The gpu.js linear map (float32, result kept on the device for the next layer). */
export const gpuLinear: KernelConfig<'linear'> = {
  kernelName: 'linear',
  backendName: 'gpu',
  supports: (r) => unsupportedLinear(r),
  run: (r, b) => runLinear(b, r),
};
