/**
 * A trainable layer for any neuron model with a per-neuron update — the built-in ones and those
 * made with `defineModel` — whose backward pass is derived from the model's one update definition
 * (`derivedStep.ts`: forward-mode differentiation of the update's straight-line form, contracted
 * per step into a vector–Jacobian product) instead of written by hand.
 *
 * Per-neuron parameters (tensors `[N]`) are read per neuron in both passes, their gradients are `[N]`.
 * Forward: the model's own update through the backend's `updateRun` kernel (the `js` lowering,
 * `ops/update/lowerJs.ts`, or the `threads` backend's WebAssembly SIMD translation split over
 * worker threads — the same bits), so the values are those of the model's `run`; the tape records
 * every state variable after each step (`S` values per neuron-step for `S` state variables, in the
 * input's dtype) plus the outputs, and for recurrent models the currents `x·W_inᵀ` and
 * `z_{t−1}·W_recᵀ` (two more). Backward: the reverse step of the update (`derivedStep.ts`, itself
 * an update, float64) run through the same kernel with the steps in reverse order — for
 * feed-forward layers one call over all steps, split over threads by neurons; for recurrent
 * layers one call per step, then the linear part of `recurrentGrad.ts` on the calling thread.
 * Equal on every CPU backend (`js`, `threads`) bit for bit (forward values and tape in float32 and
 * float64, every gradient): the same IEEE operations in the same order, the parameter gradients
 * accumulated per neuron over the steps and then summed over neurons in one order on the calling
 * thread. On `gpu` (gpu.js, single precision) the forward pass takes float32 input only and the
 * backward steps run in float32 (each operation rounded), so gradients agree with the others
 * within float32 rounding; the recurrent weights' products stay on the calling thread.
 * Recurrent models detach the spike in the new state as Norse's
 * `lif_step` / `lsnn_step` do; feed-forward ones differentiate the reset as Norse's
 * `lif_feed_forward_step` does. Every integration the update implements is differentiated
 * (`euler`, `exponentialEuler`, `exact`), since the derivative follows the update's own text.
 * Source: Norse `functional/lif.py`, `lsnn.py`, `threshold.py` (commit 065a3b45) for the
 * conventions; the method is reverse-mode differentiation of the per-step map.
 * @module
 */
import type { NeuronModel, ParamSpecs, ParamsInput } from '../neurons/model.js';
import { type BackendChoice, checkBackendChoice, resolveBackend, type UpdateRunRequest } from '../ops/backends/backendRegistry.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { matmulInto } from '../ops/matmul.js';
import { surrogateGradient } from '../ops/surrogates.js';
import { allocate, allocateShared, type DType, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';
import type { UpdateCall } from '../ops/update/lowerJs.js';
import { derivedParams } from './derivedParams.js';
import { reverseUpdate } from './derivedStep.js';
import { takeScratch } from './kernels/scratch.js';
import { checkInput, checkState } from './neuronTape.js';
import { recurrentSpikeGrad, recurrentWeightGrads } from './recurrentGrad.js';
import { type BackwardResult, checkForwardOptions, checkGradOut, type LayerState, type TrainableLayer } from './trainableLayer.js';

/** Options of {@link derivedTrainable}. */
export interface DerivedOptions {
  /**
   * Also accumulate ∂loss/∂(each numeric neuron parameter the update reads) into `grads` (default
   * false): one value for a scalar parameter, `[N]` for a per-neuron one.
   */
  readonly paramGrads?: boolean;
  /** Detach the output in the new state (default: true for recurrent models, as Norse's recurrent steps; false otherwise). */
  readonly detachOutput?: boolean;
  /**
   * Neuron parameters to train, e.g. `['tauMemInv', 'vTh']`: each becomes a tensor `[N]` in
   * `params` (one value per neuron, initialised from the parameter's value, updated in place by the
   * optimisers) with its gradient `[N]` in `grads`. Any numeric parameter the update reads as it
   * is (see `model.update.params`). Default none.
   */
  readonly train?: readonly string[];
  /** Neurons `N` of a feed-forward layer with `train` whose parameters are all scalars. */
  readonly features?: number;
  /**
   * Backend of the forward and backward runs (its `updateRun` kernel): `auto` (default: the
   * registered backend of highest priority that has one — `threads` once `spikeflow/node` or
   * `spikeflow/threads` is imported, else `js`; never `gpu`), `js`, `threads`, `gpu` (gpu.js, once
   * `spikeflow/gpu` is imported; float32 input only: the backward steps then run in float32) or a
   * backend object.
   */
  readonly backend?: BackendChoice;
}

interface DerivedTape {
  readonly T: number;
  readonly B: number;
  readonly N: number;
  readonly nIn: number;
  readonly xs: TensorData;
  /** The update's inputs, each `[T, B·N]`. */
  readonly inputs: readonly TensorData[];
  /** Per variable `[T + 1, B·N]`: the initial state, then the state after each step. */
  readonly record: readonly TensorData[];
  readonly out: TensorData;
  readonly s0: LayerState;
  /** `done`: a backward pass ran over this tape; `recycled`: its buffers went to a later forward pass. */
  readonly use: { done: boolean; recycled: boolean };
}

const where = 'trainable';

/**
 * A neuron model as a differentiable layer whose gradients come from its update definition (see
 * the module docs). Trainable tensors: `inputWeights` `[N, in]` and `recurrentWeights` `[N, N]`
 * of recurrent models (the diagonal stays zero unless `autapses`), the parameters named in
 * `train` (`[N]` each); with `paramGrads`, one gradient per numeric parameter that the update
 * reads (e.g. `tauMemInv`).
 * @param model - any model with an update (`lif`, `li`, a `defineModel` model, …)
 * @param p - the model's parameters: scalars, or per-neuron tensors `[N]` / `[1, N]` of parameters
 *   the update reads as they are (e.g. LIF's `tauMemInv`, `vTh`); recurrent models: the weight matrices
 * @param dt - time step in seconds (> 0)
 * @param options - see {@link DerivedOptions}
 * @throws SpikeflowError for a model without an update, per-neuron parameters of another shape
 *   or read through a derived value, bad `train` / `features`, an unknown `backend`, a bad `dt`,
 *   a surrogate `method` without a BPTT form, or a feed-forward update with several inputs
 */
export const derivedTrainable = <P extends ParamSpecs, S extends string>(
  model: NeuronModel<P, S>,
  p?: ParamsInput<P>,
  dt = 0.001,
  options: DerivedOptions = {},
): TrainableLayer => {
  const update = (model as { update?: NeuronModel<P, S>['update'] } | null)?.update;
  if (update === undefined || typeof update.body !== 'string')
    throw new SpikeflowError(where, 'model', `model must be a neuron model with an update, received ${show(model)}`);
  if (typeof dt !== 'number' || !Number.isFinite(dt) || dt <= 0)
    throw new SpikeflowError(where, 'dt', `dt must be a finite number > 0 (seconds), received ${show(dt)}`);
  const backend = checkBackendChoice(where, options.backend);
  const rec = model.recurrent;
  const P = derivedParams(model, p, dt, {
    paramGrads: options.paramGrads === true,
    train: options.train ?? [],
    features: options.features,
  });
  const { v, values, perNeuron, mask, trained, params, paramShapes, grads, autapses } = P;
  if (!rec && update.inputs.length !== 1)
    throw new SpikeflowError(where, 'model', `a feed-forward update must have one input, received ${show(update.inputs)}`);
  const method = String(v.method ?? 'super');
  const alpha = Number(v.alpha ?? 100);
  surrogateGradient(method, alpha); // checks method and alpha
  const reverse = reverseUpdate(update, { trained, detachOutput: options.detachOutput ?? rec, method });
  const revMask = [...mask, false];
  const revValues = [...values, alpha];
  const pnN = P.N;
  const n = rec ? (P.N as number) : undefined;
  const nIn = P.nIn;
  const stateNames = model.stateNames as readonly string[];
  const n0 = rec ? (n as number) : (pnN ?? 1);
  const train = options.train ?? [];
  // The initial state from the parameters' current values (trained ones included, without their
  // gradient: Norse's `initial_state` reads `p.v_th.detach()`, …).
  const init = (): Record<string, Tensor> =>
    model.initialState(
      [1, n0],
      (train.length === 0
        ? p
        : {
            ...p,
            ...Object.fromEntries(train.map((k) => [k, fromTypedArray(Float64Array.from(params[k] as Float64Array), [n0])])),
          }) as ParamsInput<P>,
    ) as Record<string, Tensor>;
  const outFeatures = (inF: number): number => {
    if (rec && inF !== nIn) throw new SpikeflowError(model.name, 'input', `input must have ${nIn} features, received ${inF}`);
    if (!rec && pnN !== undefined && inF !== pnN)
      throw new SpikeflowError(model.name, 'input', `input must have ${pnN} features (the per-neuron parameters' size), received ${inF}`);
    return rec ? (n as number) : inF;
  };
  /** Per-neuron values expanded over the batch: `[B·N]` per parameter in `update.params` order (read now: trained ones change). */
  const arraysFor = (B: number, dtype: DType): (TensorData | undefined)[] =>
    update.params.map((k) => {
      const a = perNeuron.get(k);
      if (a === undefined) return undefined;
      const e = allocate(dtype, B * a.length);
      for (let b = 0; b < B; b++) e.set(a, b * a.length);
      return e;
    });
  /** One `updateRun` on the chosen backend. */
  const run = (r: Omit<UpdateRunRequest, 'where'>): void => {
    const request: UpdateRunRequest = { where: `${model.name}.forward`, ...r };
    const { backend: b, kernel } = resolveBackend(where, backend, 'updateRun', request);
    kernel.run(request, b);
  };
  const backendName = typeof backend === 'string' ? backend : backend.name;
  // Arrays the runs read and write live in shared memory for `threads` and `auto` (threads then need no copies).
  const shared = (): boolean => backendName !== 'js' && backendName !== 'gpu';
  // gpu.js computes in single precision: the backward steps run in float32 there (float64 elsewhere).
  const backDtype: DType = backendName === 'gpu' ? 'float32' : 'float64';
  const alloc = (dtype: DType, length: number): TensorData => (shared() ? allocateShared(dtype, length) : allocate(dtype, length));
  // The tapes' buffers, reused once a backward pass has run over their tape: a fresh buffer costs a
  // page fault per page on its first write (in every thread that writes it), more than the
  // arithmetic (LIF fwd+bwd at N = 1e4, T = 100 on threads: ~300 ms with fresh buffers).
  const free = new Map<string, TensorData[]>();
  const take = (dtype: DType, length: number): TensorData => free.get(`${dtype}:${length}`)?.pop() ?? alloc(dtype, length);
  const give = (a: TensorData): void => {
    const k = `${a instanceof Float64Array ? 'float64' : 'float32'}:${a.length}`;
    const list = free.get(k) ?? [];
    if (list.length < 4) list.push(a);
    free.set(k, list);
  };
  let last: DerivedTape | undefined;
  const layer: TrainableLayer = {
    name: model.name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState: (batch, inF, dtype) => {
      const s: Record<string, TensorData> = {};
      const s0 = init();
      for (const name of stateNames) {
        const d = s0[name]?.data as TensorData;
        s[name] = allocate(dtype, batch * outFeatures(inF)).map((_, k) => d[k % n0] as number);
      }
      return s;
    },
    forward: (xs, state, fo) => {
      checkForwardOptions(`${model.name}.forward`, fo);
      const [T, B, F] = checkInput(model.name, xs);
      if (last?.use.done === true && !last.use.recycled) {
        last.use.recycled = true;
        for (const a of last.record) give(a);
        if (rec) for (const a of last.inputs) give(a);
      }
      const N = outFeatures(F);
      const BN = B * N;
      const dtype = dtypeOf(xs);
      const s0 = state ?? layer.initialState(B, F, dtype);
      checkState(model.name, stateNames, s0, BN);
      const paramArrays = arraysFor(B, dtype);
      const st = update.state.map((name) => {
        const a = allocate(dtype, BN);
        a.set(s0[name] as TensorData);
        return a;
      });
      // Row 0 the initial state, row t + 1 the state after step t: rows 0 … T − 1 are the states
      // before each step, which the backward pass reads.
      const record = update.state.map((name) => {
        const a = take(dtype, (T + 1) * BN);
        a.set(s0[name] as TensorData);
        return a;
      });
      const after = record.map((a) => a.subarray(BN));
      const out = alloc(dtype, T * BN);
      // float32 runs take the parameters and dt rounded to float32, as the model's run does
      const round = dtype === 'float32' ? Math.fround : (x: number) => x;
      const fwdValues = values.map(round);
      const call = (c: Omit<UpdateCall, 'params' | 'paramArrays' | 'dt' | 'state' | 'M'>) =>
        run({
          update,
          dtype,
          recording: true,
          perNeuron: mask,
          call: { ...c, M: BN, state: st, params: fwdValues, paramArrays, dt: round(dt) },
        });
      let inputs: TensorData[];
      if (!rec) {
        inputs = [xs.data];
        call({ T, inputs, out, record: after });
      } else {
        const xa = take(dtype, T * BN);
        const xb = take(dtype, T * BN);
        matmulInto(xs.data, T * B, F, params.inputWeights as Float64Array, N, undefined, xa);
        const z = (s0.z as TensorData).slice();
        for (let t = 0; t < T; t++) {
          const o = t * BN;
          const slice = (a: TensorData) => a.subarray(o, o + BN);
          const xbt = slice(xb);
          matmulInto(z, B, N, params.recurrentWeights as Float64Array, N, undefined, xbt);
          call({ T: 1, inputs: [slice(xa), xbt], out: slice(out), record: after.map(slice) });
          z.set(slice(out));
        }
        inputs = [xa, xb];
      }
      const final: Record<string, TensorData> = {};
      update.state.forEach((name, j) => {
        final[name] = st[j] as TensorData;
      });
      if (rec) final.z = out.slice((T - 1) * BN, T * BN);
      const tape: DerivedTape | undefined =
        fo?.tape === false ? undefined : { T, B, N, nIn: F, xs: xs.data, inputs, record, out, s0, use: { done: false, recycled: false } };
      if (tape === undefined) {
        for (const a of record) give(a);
        if (rec) for (const a of inputs) give(a);
      } else last = tape;
      return { out: fromTypedArray(out, [T, B, N]), state: final, tape };
    },
    backward: (tapeIn, gOut, gState, needInput = true): BackwardResult => {
      checkGradOut(`${model.name}.backward`, gOut);
      const tape = tapeIn as DerivedTape;
      if (tape === undefined || tape === null || typeof tape !== 'object' || !('record' in tape))
        throw new SpikeflowError(`${model.name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
      if (tape.use.recycled)
        throw new SpikeflowError(
          `${model.name}.backward`,
          'tape',
          'this tape was used by a backward pass and its buffers went to a later forward pass (run backward once per forward)',
        );
      const { T, B, N, s0, record } = tape;
      const BN = B * N;
      if (gOut.length !== T * BN)
        throw new SpikeflowError(`${model.name}.backward`, 'gOut', `gOut must hold ${T * BN} values, received ${gOut.length}`);
      // The reverse step's state: ∂loss/∂state, the per-neuron parameter accumulators, ∂loss/∂(input j ≥ 1).
      const gS = update.state.map((name) => {
        const given = gState?.[name];
        return given === undefined ? new Float64Array(BN) : Float64Array.from(given);
      });
      const acc = trained.map(() => new Float64Array(BN));
      const gExtra = update.inputs.slice(1).map(() => new Float64Array(BN));
      const revState = [...gS, ...acc, ...gExtra];
      const paramArrays = [...arraysFor(B, 'float64'), undefined];
      const call = (c: Omit<UpdateCall, 'params' | 'paramArrays' | 'dt' | 'state' | 'M'>) =>
        run({
          update: reverse.update,
          dtype: backDtype,
          recording: false,
          perNeuron: revMask,
          reverse: true,
          call: { ...c, M: BN, state: revState, params: revValues, paramArrays, dt },
        });
      const before = record.map((a) => a.subarray(0, T * BN));
      let gIn: (Float64Array | undefined)[];
      const gzNext = gState?.z === undefined ? new Float64Array(BN) : Float64Array.from(gState.z);
      if (!rec) {
        let g = gOut;
        if (shared() && typeof SharedArrayBuffer !== 'undefined' && !(g.buffer instanceof SharedArrayBuffer)) {
          g = take('float64', gOut.length) as Float64Array;
          g.set(gOut);
        }
        // ∂input straight into a scratch buffer the caller owns (`kernels/scratch.ts`; a sequence
        // gives it back) when asked for, else into a reused buffer of the layer
        const gx = needInput ? takeScratch('float64', T * BN) : undefined;
        const gr = gx ?? (take('float64', T * BN) as Float64Array);
        call({ T, inputs: [tape.inputs[0] as TensorData, ...before, g], out: gr });
        if (g !== gOut) give(g);
        if (gx === undefined) give(gr);
        gIn = [gx];
      } else {
        gIn = update.inputs.map(() => new Float64Array(T * BN));
        const gO = new Float64Array(BN);
        for (let t = T - 1; t >= 0; t--) {
          const o = t * BN;
          const slice = (a: TensorData) => a.subarray(o, o + BN);
          for (let k = 0; k < BN; k++) gO[k] = gOut[o + k]! + gzNext[k]!;
          call({ T: 1, inputs: [...tape.inputs.map(slice), ...before.map(slice), gO], out: slice(gIn[0] as Float64Array) });
          gExtra.forEach((a, j) => {
            (gIn[j + 1] as Float64Array).set(a, o);
          });
          recurrentSpikeGrad(gIn[1] as Float64Array, o, B, N, params.recurrentWeights as Float64Array, gzNext);
        }
      }
      tape.use.done = true;
      trained.forEach((k, m) => {
        const g = grads[k] as Float64Array;
        const a = acc[m] as Float64Array;
        if (perNeuron.has(k)) for (let j = 0; j < BN; j++) g[j % N] = (g[j % N] as number) + (a[j] as number);
        else {
          let sum = 0;
          for (let j = 0; j < BN; j++) sum += a[j] as number;
          g[0] = (g[0] as number) + sum;
        }
      });
      const gStateOut: Record<string, Float64Array> = {};
      update.state.forEach((name, j) => {
        gStateOut[name] = gS[j] as Float64Array;
      });
      if (!rec) return { gx: gIn[0], gState: gStateOut };
      gStateOut.z = gzNext;
      const gx = recurrentWeightGrads({
        gcur: gIn[0] as Float64Array,
        grec: gIn[1],
        x: tape.xs,
        out: tape.out,
        z0: s0.z as TensorData,
        win: params.inputWeights as Float64Array,
        gWin: grads.inputWeights as Float64Array,
        gWrec: grads.recurrentWeights as Float64Array,
        T,
        B,
        N,
        nIn: tape.nIn,
        autapses,
        needInput,
      });
      return { gx, gState: gStateOut };
    },
    zeroGrad: () => {
      for (const g of Object.values(grads)) g.fill(0);
    },
  };
  return layer;
};
