/**
 * The `js` backend: plain TypeScript loops over typed arrays, the reference of every other
 * backend and the default on CPUs. The neuron kernel is the fused loop {@link compileUpdate}
 * generates from the model's per-neuron update; the linear kernel is
 * {@link spikeMatmulFor}'s product, which adds only the rows of Wᵀ of nonzero inputs and equals
 * {@link matmulFor}'s dense product bit for bit. Runs float32 (every marked operation rounded with
 * `Math.fround`, as torch's float32 kernels) and float64.
 * @module
 */

import { matmulFor } from '../matmul.js';
import { allocateOutput, allocateOutputs } from '../outputPool.js';
import { spikeMatmulFor } from '../spikeMatmul.js';
import { allocate, fromTypedArray, type Tensor, type TensorData } from '../tensor.js';
import { compileUpdate } from '../update/lowerJs.js';
import type {
  Backend,
  KernelConfig,
  LinearRequest,
  LinearResult,
  NeuronRunRequest,
  NeuronRunResult,
  UpdateRunRequest,
} from './backendRegistry.js';
import { inPlaceState } from './inPlaceState.js';

/** The `js` backend instance (always available, lowest priority for `auto`). */
export const jsBackend: Backend = Object.freeze({
  name: 'js',
  priority: 0,
  autoSelectable: () => true as const,
  describe: () => ({ backend: 'js', device: 'cpu', accelerated: false }),
});

const runNeuron = (r: NeuronRunRequest): NeuronRunResult => {
  const { update, dtype, T, M, stateShape, stateNames, updateState, recurrent } = r;
  // The working copy of the state (one allocation for every variable), which becomes the new
  // state; the given arrays themselves when the caller gave its state up (`inPlaceState.ts`).
  const given = inPlaceState(r, false);
  const scratch = given ?? allocateOutputs(dtype, M, stateNames.length);
  if (given === undefined) for (const [k, name] of stateNames.entries()) (scratch[k] as TensorData).set((r.state[name] as Tensor).data);
  const kstate = updateState.map((k) => scratch[k] as TensorData);
  const out = r.out ?? allocateOutput(dtype, T * M);
  const rec = r.record ? stateNames.map(() => allocate(dtype, T * M)) : undefined;
  const krec = rec === undefined ? undefined : updateState.map((k) => rec[k] as TensorData);
  const paramArrays = r.paramArrays;
  const compiled = compileUpdate(
    update,
    dtype,
    r.record,
    paramArrays?.map((a) => a !== undefined),
  );
  const xs = r.input.data;

  if (recurrent === undefined) {
    compiled({ T, M, inputs: [xs], out, state: kstate, record: krec, params: r.params, paramArrays, dt: r.dt });
  } else {
    const { hidden, inputs } = recurrent;
    const rows = M / hidden;
    const mm = matmulFor(dtype);
    const xa = allocate(dtype, T * M);
    mm(xs, T * rows, inputs, recurrent.inputWeights, hidden, undefined, xa);
    const xb = allocate(dtype, M);
    const zIdx = stateNames.indexOf('z');
    const z = scratch[zIdx] as TensorData;
    for (let t = 0; t < T; t++) {
      mm(z, rows, hidden, recurrent.recurrentWeights, hidden, undefined, xb);
      const o = out.subarray(t * M, (t + 1) * M);
      compiled({
        T: 1,
        M,
        inputs: update.inputs.map((n) => (n === recurrent.inputCurrent ? xa.subarray(t * M, (t + 1) * M) : xb)),
        out: o,
        state: kstate,
        record: krec?.map((a) => a.subarray(t * M, (t + 1) * M)),
        params: r.params,
        paramArrays,
        dt: r.dt,
      });
      z.set(o);
      if (rec !== undefined) (rec[zIdx] as TensorData).set(o, t * M);
    }
  }
  const record = (arrays: readonly TensorData[], shape: readonly number[]): Readonly<Record<string, Tensor>> =>
    Object.freeze(Object.fromEntries(stateNames.map((name, k) => [name, fromTypedArray(arrays[k] as TensorData, shape)])));
  return {
    out: fromTypedArray(out, [T, ...stateShape]),
    state: given === undefined ? record(scratch, stateShape) : r.state,
    recorded: rec === undefined ? undefined : record(rec, [T, ...stateShape]),
  };
};

/** The `js` fused neuron run: every model, both dtypes, recurrent or not. */
export const jsNeuronRun: KernelConfig<'neuronRun'> = {
  kernelName: 'neuronRun',
  backendName: 'js',
  supports: () => true,
  run: (r) => runNeuron(r),
};

const runLinear = (r: LinearRequest): LinearResult => {
  const dtype = r.x.data instanceof Float64Array ? 'float64' : 'float32';
  const out = allocate(dtype, r.rows * r.O);
  const inputSpikes = spikeMatmulFor(dtype)(r.x.data, r.rows, r.K, r.weight.data, r.O, r.bias?.data, out);
  return { out: fromTypedArray(out, [...r.x.shape.slice(0, -1), r.O]), inputSpikes };
};

/** The `js` linear map (torch's summation order, float32 rounding per operation; zero inputs skipped, same bits). */
export const jsLinear: KernelConfig<'linear'> = {
  kernelName: 'linear',
  backendName: 'js',
  supports: () => true,
  run: (r) => runLinear(r),
};

const runUpdate = (r: UpdateRunRequest): Record<string, never> => {
  const run = compileUpdate(r.update, r.dtype, r.recording, r.perNeuron);
  const c = r.call;
  if (r.reverse !== true) {
    run(c);
    return {};
  }
  const M = c.M;
  const row = (a: TensorData, t: number) => a.subarray(t * M, (t + 1) * M);
  for (let t = c.T - 1; t >= 0; t--) {
    run({
      ...c,
      T: 1,
      inputs: c.inputs.map((a) => row(a, t)),
      out: row(c.out, t),
      record: c.record?.map((a) => row(a, t)),
    });
  }
  return {};
};

/** The `js` update run (`compileUpdate`; reversed runs step by step from the last step): the reference. */
export const jsUpdateRun: KernelConfig<'updateRun'> = {
  kernelName: 'updateRun',
  backendName: 'js',
  supports: () => true,
  run: (r) => runUpdate(r),
};
