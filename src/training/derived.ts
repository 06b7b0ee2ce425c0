/**
 * A trainable layer for any neuron model with a per-neuron update — the built-in ones and those
 * made with `defineModel` — whose backward pass is derived from the model's one update definition
 * (`derivedStep.ts`: forward-mode differentiation of the update's straight-line form, contracted
 * per step into a vector–Jacobian product) instead of written by hand.
 *
 * Per-neuron parameters (tensors `[N]`) are read per neuron in both passes, their gradients are `[N]`.
 * Forward: the model's own update through its `js` lowering (`ops/update/lowerJs.ts`), so the values
 * are those of the model's `run` on the `js` backend; the tape records every state variable after
 * each step (`S` values per neuron-step for `S` state variables, in the input's dtype) plus the
 * outputs, and for recurrent models the currents `x·W_inᵀ` and `z_{t−1}·W_recᵀ` (two more).
 * Backward: per step, from the last, the reverse step of the update, then (recurrent models) the
 * linear part of `recurrentGrad.ts`. Recurrent models detach the spike in the new state as Norse's
 * `lif_step` / `lsnn_step` do; feed-forward ones differentiate the reset as Norse's
 * `lif_feed_forward_step` does. Every integration the update implements is differentiated
 * (`euler`, `exponentialEuler`, `exact`), since the derivative follows the update's own text.
 * Source: Norse `functional/lif.py`, `lsnn.py`, `threshold.py` (commit 065a3b45) for the
 * conventions; the method is reverse-mode differentiation of the per-step map.
 * @module
 */
import type { NeuronModel, ParamSpecs, ParamsInput, ParamsOf, ParamValue } from '../neurons/model.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { matmulInto } from '../ops/matmul.js';
import { surrogateGradient } from '../ops/surrogates.js';
import { allocate, type DType, dtypeOf, fromTypedArray, showShape, type Tensor, type TensorData } from '../ops/tensor.js';
import { compileUpdate } from '../ops/update/lowerJs.js';
import { compileReverseStep } from './derivedStep.js';
import { checkInput, checkState } from './neuronTape.js';
import { recurrentSpikeGrad, recurrentWeightGrads } from './recurrentGrad.js';
import type { BackwardResult, LayerState, TrainableLayer } from './trainableLayer.js';

/** Options of {@link derivedTrainable}. */
export interface DerivedOptions {
  /**
   * Also accumulate ∂loss/∂(each numeric neuron parameter the update reads) into `grads` (default
   * false): one value for a scalar parameter, `[N]` for a per-neuron one.
   */
  readonly paramGrads?: boolean;
  /** Detach the output in the new state (default: true for recurrent models, as Norse's recurrent steps; false otherwise). */
  readonly detachOutput?: boolean;
}

interface DerivedTape {
  readonly T: number;
  readonly B: number;
  readonly N: number;
  readonly nIn: number;
  readonly xs: TensorData;
  /** The update's inputs, each `[T, B·N]`. */
  readonly inputs: readonly TensorData[];
  /** The update's state after each step, per variable `[T, B·N]`. */
  readonly record: readonly TensorData[];
  readonly out: TensorData;
  readonly s0: LayerState;
}

const where = 'trainable';

/**
 * A neuron model as a differentiable layer whose gradients come from its update definition (see
 * the module docs). Trainable tensors: `inputWeights` `[N, in]` and `recurrentWeights` `[N, N]`
 * of recurrent models (the diagonal stays zero unless `autapses`); with `paramGrads`, one
 * gradient per numeric parameter that the update reads (e.g. `tauMemInv`).
 * @param model - any model with an update (`lif`, `li`, a `defineModel` model, …)
 * @param p - the model's parameters: scalars, or per-neuron tensors `[N]` / `[1, N]` of parameters
 *   the update reads as they are (e.g. LIF's `tauMemInv`, `vTh`); recurrent models: the weight matrices
 * @param dt - time step in seconds (> 0)
 * @param options - see {@link DerivedOptions}
 * @throws SpikeflowError for a model without an update, per-neuron parameters of another shape
 *   or read through a derived value, a bad `dt`, a surrogate `method` without a BPTT form, or a
 *   feed-forward update with several inputs
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
  const v = model.parameters(p) as Record<string, ParamValue>;
  const rec = model.recurrent;
  // Per-neuron parameters: tensors of N values ([N] or [1, N]) of parameters the update reads as they are.
  const perNeuron = new Map<string, Float64Array>();
  const scalarView: Record<string, ParamValue> = { ...v };
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'object' || x === null || k === 'inputWeights' || k === 'recurrentWeights') continue;
    const t = x as Tensor;
    if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[0] !== 1))
      throw new SpikeflowError(where, k, `per-neuron ${k} must have shape [N] or [1, N], received ${showShape(t.shape)}`);
    perNeuron.set(k, Float64Array.from(t.data));
    scalarView[k] = t.data[0] as number;
  }
  const pnN = perNeuron.size === 0 ? undefined : (perNeuron.values().next().value as Float64Array).length;
  for (const [k, a] of perNeuron)
    if (a.length !== pnN)
      throw new SpikeflowError(where, k, `per-neuron parameters must all hold ${pnN} values, received ${a.length} for ${k}`);
  if (!rec && update.inputs.length !== 1)
    throw new SpikeflowError(where, 'model', `a feed-forward update must have one input, received ${show(update.inputs)}`);
  const sg = surrogateGradient(String(v.method ?? 'super'), Number(v.alpha ?? 100));
  const values = model.updateValues(scalarView as ParamsOf<P>, dt);
  for (const k of perNeuron.keys()) {
    // a per-neuron parameter must reach the update as it is (not through a derived value)
    const j = update.params.indexOf(k);
    const probe = model.updateValues({ ...scalarView, [k]: (scalarView[k] as number) * 2 + 1 } as ParamsOf<P>, dt);
    if (j < 0 || probe[j] !== (scalarView[k] as number) * 2 + 1 || probe.some((x, i) => i !== j && x !== values[i]))
      throw new SpikeflowError(where, k, `derived gradients take ${k} per neuron only where the update reads it as it is`);
  }
  const trained =
    options.paramGrads === true ? update.params.filter((k) => (typeof v[k] === 'number' || perNeuron.has(k)) && k !== 'alpha') : [];
  const mask = update.params.map((k) => perNeuron.has(k));
  const step = compileReverseStep(update, { trained, detachOutput: options.detachOutput ?? rec, perNeuron: [...perNeuron.keys()] });
  const params: Record<string, TensorData> = {};
  const paramShapes: Record<string, readonly number[]> = {};
  const grads: Record<string, Float64Array> = {};
  for (const k of trained) grads[k] = new Float64Array(perNeuron.has(k) ? (pnN as number) : 1);
  let n: number | undefined;
  let nIn: number | undefined;
  const autapses = v.autapses === true;
  if (rec) {
    const win = v.inputWeights as Tensor;
    const wrec = v.recurrentWeights as Tensor;
    [n, nIn] = win.shape as [number, number];
    if (wrec.shape[0] !== n || wrec.shape[1] !== n)
      throw new SpikeflowError(
        where,
        'recurrentWeights',
        `recurrentWeights must have shape [${n}, ${n}], received ${showShape(wrec.shape)}`,
      );
    params.inputWeights = Float64Array.from(win.data);
    params.recurrentWeights = Float64Array.from(wrec.data);
    if (!autapses) for (let k = 0; k < n; k++) params.recurrentWeights[k * n + k] = 0;
    paramShapes.inputWeights = [n, nIn];
    paramShapes.recurrentWeights = [n, n];
    grads.inputWeights = new Float64Array(n * nIn);
    grads.recurrentWeights = new Float64Array(n * n);
  }
  const stateNames = model.stateNames as readonly string[];
  if (rec && pnN !== undefined && pnN !== n)
    throw new SpikeflowError(
      where,
      [...perNeuron.keys()][0] as string,
      `per-neuron parameters must hold ${n} values (the neurons), received ${pnN}`,
    );
  const n0 = rec ? (n as number) : (pnN ?? 1);
  const init = model.initialState([1, n0], p) as Record<string, Tensor>;
  const outFeatures = (inF: number): number => {
    if (rec && inF !== nIn) throw new SpikeflowError(model.name, 'input', `input must have ${nIn} features, received ${inF}`);
    if (!rec && pnN !== undefined && inF !== pnN)
      throw new SpikeflowError(model.name, 'input', `input must have ${pnN} features (the per-neuron parameters' size), received ${inF}`);
    return rec ? (n as number) : inF;
  };
  /** Per-neuron values expanded over the batch: `[B·N]` per parameter in `update.params` order. */
  const arraysFor = (B: number, dtype: DType): (TensorData | undefined)[] =>
    update.params.map((k) => {
      const a = perNeuron.get(k);
      if (a === undefined) return undefined;
      const e = allocate(dtype, B * a.length);
      for (let b = 0; b < B; b++) e.set(a, b * a.length);
      return e;
    });
  const layer: TrainableLayer = {
    name: model.name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState: (batch, inF, dtype) => {
      const s: Record<string, TensorData> = {};
      for (const name of stateNames) {
        const d = init[name]?.data as TensorData;
        s[name] = allocate(dtype, batch * outFeatures(inF)).map((_, k) => d[k % n0] as number);
      }
      return s;
    },
    forward: (xs, state, fo) => {
      const [T, B, F] = checkInput(model.name, xs);
      const N = outFeatures(F);
      const BN = B * N;
      const dtype = dtypeOf(xs);
      const s0 = state ?? layer.initialState(B, F, dtype);
      checkState(model.name, stateNames, s0, BN);
      const run = compileUpdate(update, dtype, true, mask);
      const paramArrays = arraysFor(B, dtype);
      const st = update.state.map((name) => {
        const a = allocate(dtype, BN);
        a.set(s0[name] as TensorData);
        return a;
      });
      const record = update.state.map(() => allocate(dtype, T * BN));
      const out = allocate(dtype, T * BN);
      let inputs: TensorData[];
      if (!rec) {
        inputs = [xs.data];
        run({ T, M: BN, inputs, out, state: st, record, params: values, paramArrays, dt });
      } else {
        const xa = allocate(dtype, T * BN);
        const xb = allocate(dtype, T * BN);
        matmulInto(xs.data, T * B, F, params.inputWeights as Float64Array, N, undefined, xa);
        const z = (s0.z as TensorData).slice();
        for (let t = 0; t < T; t++) {
          const o = t * BN;
          const xbt = xb.subarray(o, o + BN);
          matmulInto(z, B, N, params.recurrentWeights as Float64Array, N, undefined, xbt);
          const slice = (a: TensorData) => a.subarray(o, o + BN);
          run({
            T: 1,
            M: BN,
            inputs: [slice(xa), xbt],
            out: slice(out),
            state: st,
            record: record.map(slice),
            params: values,
            paramArrays,
            dt,
          });
          z.set(slice(out));
        }
        inputs = [xa, xb];
      }
      const final: Record<string, TensorData> = {};
      update.state.forEach((name, j) => {
        final[name] = st[j] as TensorData;
      });
      if (rec) final.z = out.slice((T - 1) * BN, T * BN);
      const tape: DerivedTape | undefined = fo?.tape === false ? undefined : { T, B, N, nIn: F, xs: xs.data, inputs, record, out, s0 };
      return { out: fromTypedArray(out, [T, B, N]), state: final, tape };
    },
    backward: (tapeIn, gOut, gState, needInput = true): BackwardResult => {
      const tape = tapeIn as DerivedTape;
      if (tape === undefined || tape === null || typeof tape !== 'object' || !('record' in tape))
        throw new SpikeflowError(`${model.name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
      const { T, B, N, s0, record } = tape;
      const BN = B * N;
      if (gOut.length !== T * BN)
        throw new SpikeflowError(`${model.name}.backward`, 'gOut', `gOut must hold ${T * BN} values, received ${gOut.length}`);
      const gS = update.state.map((name) => Float64Array.from(gState?.[name] ?? new Float64Array(BN)));
      const gIn = update.inputs.map(() => (rec || needInput ? new Float64Array(T * BN) : undefined));
      const gzNext = Float64Array.from(gState?.z ?? new Float64Array(BN));
      const gO = rec ? new Float64Array(BN) : gOut;
      const acc = new Float64Array(trained.length);
      const paramArrays = arraysFor(B, 'float64');
      const gParamArrays = trained.map((k) => (perNeuron.has(k) ? new Float64Array(BN) : undefined));
      const initial = update.state.map((name) => s0[name] as TensorData);
      for (let t = T - 1; t >= 0; t--) {
        const o = t * BN;
        if (rec) for (let k = 0; k < BN; k++) gO[k] = gOut[o + k]! + gzNext[k]!;
        step({
          M: BN,
          offset: o,
          inputs: tape.inputs,
          state: t > 0 ? record : initial,
          stateOffset: t > 0 ? o - BN : 0,
          params: values,
          dt,
          gState: gS,
          gOut: gO,
          gOutOffset: rec ? 0 : o,
          gInputs: gIn,
          gParams: acc,
          paramArrays,
          gParamArrays,
          sg,
        });
        if (rec) recurrentSpikeGrad(gIn[1] as Float64Array, o, B, N, params.recurrentWeights as Float64Array, gzNext);
      }
      trained.forEach((k, m) => {
        const g = grads[k] as Float64Array;
        const a = gParamArrays[m];
        if (a === undefined) g[0] = (g[0] as number) + (acc[m] as number);
        else for (let j = 0; j < BN; j++) g[j % N] = (g[j % N] as number) + (a[j] as number);
      });
      const gStateOut: Record<string, Float64Array> = {};
      update.state.forEach((name, j) => {
        gStateOut[name] = gS[j] as Float64Array;
      });
      if (!rec) return { gx: needInput ? gIn[0] : undefined, gState: gStateOut };
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
