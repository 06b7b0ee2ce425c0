/**
 * The gpu backend's `updateRun` kernel: one fused call of any per-neuron update over arrays the
 * caller owns — training's forward tapes and its derived backward steps (`training/derivedStep.ts`,
 * steps in reverse order), `defineModel` updates and per-neuron parameters included — run by gpu.js,
 * one thread per neuron, a block of steps per kernel call.
 *
 * Each block: the block's input rows, the state and the per-neuron parameters are uploaded
 * interleaved (three arrays whatever the update, see `updateSource.ts`), the kernel runs the
 * block's steps (from the last for a reversed call) and writes the state after the block and every
 * step's output (and recorded state) into RGBA outputs (`layout.ts`, unpacked floats), which are
 * read back into the caller's arrays. Single precision: the update runs in its single-precision
 * form (`singlePrecisionUpdate`), so gpu.js's `cpu` mode equals the `js` float32 lowering of that
 * form bit for bit, and `float64` requests are refused (`supports` says why). `auto` never picks
 * it: float32 gradients are asked for by name (`backend: 'gpu'`).
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import type { TensorData } from '../../tensor.js';
import type { KernelConfig, UpdateRunRequest, UpdateRunResult } from '../backendRegistry.js';
import { floatSlot, type NeuronLayout, planNeuron } from '../layout.js';
import { kernelClass } from './modes.js';
import { compileBlockKernel, outputsOf } from './neuronRun.js';
import { executed, held, isCpuMode, maxInputFloatsOf, maxOutputsOf, release, resolvedMode, rgbaOf, type State, stateOf } from './state.js';
import { singlePrecisionUpdate, updateKernelSource } from './updateSource.js';

/** Steps of one block: `T` rounded up to a power of two (chunks of varying length share kernels), at most `cap`. */
const planFor = (st: State, r: UpdateRunRequest): NeuronLayout | string => {
  const { M, T } = r.call;
  const I = Math.max(1, r.update.inputs.length);
  const cap = Math.max(1, Math.floor(maxInputFloatsOf(st) / (M * I)));
  const bucket = 2 ** Math.ceil(Math.log2(Math.max(1, T)));
  return planNeuron(r.update.state.length, false, r.recording, maxOutputsOf(st), Math.min(bucket, cap));
};

const unsupported = (st: State, r: UpdateRunRequest): true | string => {
  const name = r.update.name;
  if (r.dtype !== 'float32')
    return `${name}: ${r.dtype} is not supported (gpu.js computes in single precision; run float32, or use the js or threads backend)`;
  if (r.call.lo !== undefined || r.call.hi !== undefined) return `${name}: a neuron range (lo/hi) is not supported`;
  if (r.update.state.length === 0) return `${name}: an update without state is not supported`;
  const plan = planFor(st, r);
  if (typeof plan === 'string') return `${name}: ${plan}`;
  if (!isCpuMode(st)) {
    const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
    const M = r.call.M;
    if (M > side * side) return `${name}: ${M} neurons exceed the largest texture (${side}×${side})`;
    const widest = Math.max(r.update.state.length, r.perNeuron?.filter((m) => m).length ?? 0);
    if (M * widest > 4 * side * side) return `${name}: ${M} neurons × ${widest} values exceed the largest texture (${side}×${side} RGBA)`;
  }
  return true;
};

const kernelFor = (
  st: State,
  k: ReturnType<typeof singlePrecisionUpdate>,
  layout: NeuronLayout,
  M: number,
  mask: readonly boolean[],
  reverse: boolean,
) => {
  let byKey = st.neuronKernels.get(k);
  if (byKey === undefined) {
    byKey = new Map();
    st.neuronKernels.set(k, byKey);
  }
  const key = `update|${M}|${layout.outputs}|${layout.steps}|${layout.perStep}|${mask.map((m) => (m ? 1 : 0)).join('')}|${reverse}`;
  let kernel = byKey.get(key);
  if (kernel === undefined) {
    const source = updateKernelSource(k, layout, isCpuMode(st), mask, reverse);
    kernel = compileBlockKernel(st, source, layout, M, (n) =>
      n === 'sfX' || n === 'sfS' || n === 'sfP' ? 'Array' : n === 'sfM' || n === 'sfB' ? 'Integer' : 'Float',
    );
    byKey.set(key, kernel);
  }
  return kernel;
};

const runUpdate = (st: State, r: UpdateRunRequest): UpdateRunResult => {
  const c = r.call;
  const { T, M } = c;
  if (T === 0 || M === 0) return {};
  const k = singlePrecisionUpdate(r.update);
  const S = k.state.length;
  const I = k.inputs.length;
  const reverse = r.reverse === true;
  const mask = k.params.map((_, j) => r.perNeuron?.[j] === true);
  const layout = planFor(st, r) as NeuronLayout;
  const kernel = kernelFor(st, k, layout, M, mask, reverse);

  // State and per-neuron parameters interleaved (neuron-major); scalar parameters and dt as float32 uniforms.
  let state = new Float32Array(M * S);
  c.state.forEach((a, s) => {
    for (let n = 0; n < M; n++) state[n * S + s] = a[n] as number;
  });
  const pn = mask.flatMap((m, j) => (m ? [c.paramArrays?.[j] as TensorData] : []));
  const Q = pn.length;
  const pArr = new Float32Array(M * Q);
  pn.forEach((a, q) => {
    for (let n = 0; n < M; n++) pArr[n * Q + q] = a[n] as number;
  });
  const scalars = c.params.flatMap((v, j) => (mask[j] ? [] : [Math.fround(v)]));
  st.uploaded += M * Q;
  const x = new Float32Array(layout.steps * M * Math.max(1, I));
  let device = '';
  let note: string | undefined;
  try {
    for (let done = 0; done < T; ) {
      const B = Math.min(layout.steps, T - done);
      const t0 = reverse ? T - done - B : done;
      // this block's input rows, interleaved
      c.inputs.forEach((a, j) => {
        for (let rr = 0; rr < B; rr++) {
          const src = (t0 + rr) * M;
          const dst = rr * M * I + j;
          for (let n = 0; n < M; n++) x[dst + n * I] = a[src + n] as number;
        }
      });
      st.uploaded += B * M * I + M * S;
      const args: unknown[] = [
        I === 0 ? x.subarray(0, 1) : x.subarray(0, B * M * I),
        state,
        ...(Q > 0 ? [pArr] : []),
        M,
        B,
        ...scalars,
        Math.fround(c.dt),
      ];
      const outs = outputsOf(kernel(...args), layout.outputs).map((o) => held(st, o));
      ({ device, note } = executed(st, kernel));
      const raw = outs.map((o) => rgbaOf(st, o, M));
      for (const o of outs) release(st, o);
      const at = (slot: number, n: number): number => (raw[slot >> 2] as Float32Array)[4 * n + (slot & 3)] as number;
      const targets: TensorData[] = [c.out, ...(r.recording ? (c.record ?? []) : [])];
      for (let i = 0; i < B; i++) {
        const row = (reverse ? t0 + B - 1 - i : t0 + i) * M;
        targets.forEach((dst, j) => {
          const slot = floatSlot(layout, i, j);
          for (let n = 0; n < M; n++) dst[row + n] = at(slot, n);
        });
      }
      const next = new Float32Array(M * S);
      for (let n = 0; n < M; n++) for (let s = 0; s < S; s++) next[n * S + s] = at(s, n);
      state = next;
      done += B;
    }
  } catch (e) {
    if (e instanceof SpikeflowError) throw e;
    throw new SpikeflowError(
      r.where,
      'backend',
      `gpu.js (${resolvedMode(st)}) failed to run ${r.update.name}${reverse ? ' reversed' : ''}: ${e instanceof Error ? e.message : show(e)}`,
    );
  }
  c.state.forEach((a, s) => {
    for (let n = 0; n < M; n++) a[n] = state[n * S + s] as number;
  });
  return { executed: { device, note } };
};

/**
 * The gpu update run (see the module docs): float32 only, forward or reversed, any update with
 * state, scalar or per-neuron parameters; chosen only by name, never by `auto`.
 */
export const gpuUpdateRun: KernelConfig<'updateRun'> = {
  kernelName: 'updateRun',
  backendName: 'gpu',
  supports: (r, b) => unsupported(stateOf(b), r),
  autoSelectable: () => 'gpu.js computes training steps in single precision: ask for backend "gpu" by name',
  run: (r, b) => runUpdate(stateOf(b), r),
};
