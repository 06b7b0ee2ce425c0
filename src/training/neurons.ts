/**
 * Backpropagation through time through spikeflow's neuron models: `trainable(model, p, dt)`
 * turns a model (LIF, LI, LIFBox, LIBox, LSNN, LIFRecurrent, LSNNRecurrent) into a
 * {@link TrainableLayer} whose forward pass is the model's own update (operation for operation,
 * so float64 spikes equal the model's `run` and Norse's; `neuronForward.ts`) and whose backward
 * pass is the adjoint of that update (`neuronBackward.ts`, hand-written for speed and checked
 * against the derivation of the model's update text, Norse's autograd and finite differences).
 * Memory of the tape: one value per neuron-step (the pre-reset voltage `v_d`; LSNN also the
 * decayed threshold `b_d`) in the input's dtype, plus the outputs; with `paramGrads` one more
 * (the current jump). Forward Euler only (Norse's integration): the models' `exponentialEuler`
 * and `exact` integrations are refused.
 * Sources: Norse `functional/lif.py`, `leaky_integrator.py`, `lif_box.py`,
 * `leaky_integrator_box.py`, `lsnn.py`, `threshold.py` (commit 065a3b45).
 * @module
 */

import { li } from '../neurons/li.js';
import { liBox } from '../neurons/liBox.js';
import { lif, lifRecurrent } from '../neurons/lif.js';
import { lifBox } from '../neurons/lifBox.js';
import { lsnn, lsnnRecurrent } from '../neurons/lsnn.js';
import type { NeuronModel, ParamSpecs, ParamsInput, ParamValue } from '../neurons/model.js';
import { SpikeflowError, show } from '../ops/errors.js';
<<<<<<< HEAD
import { surrogateGradient } from '../ops/surrogates.js';
import { allocate, type DType, showShape, type Tensor, type TensorData } from '../ops/tensor.js';
import { derivedTrainable } from './derived.js';
import { lifWasmAvailable } from './kernels/lifGrad.js';
import type { LayerState, TrainableLayer } from './layer.js';
import { neuronBackward } from './neuronBackward.js';
import { neuronForward } from './neuronForward.js';
import type { NeuronConfig, NeuronKind, NeuronTape } from './neuronTape.js';
=======
import { matmulInto } from '../ops/matmul.js';
import { type SurrogateGradient, surrogateGradient } from '../ops/surrogates.js';
import { allocate, type DType, dtypeOf, fromTypedArray, showShape, type Tensor, type TensorData } from '../ops/tensor.js';
import { lifBackwardWasm, lifForwardWasm, lifWasmAvailable } from './kernels/lifGrad.js';
import { giveScratch, takeScratch } from './kernels/scratch.js';
import type { BackwardResult, ForwardOptions, ForwardResult, LayerState, StateGrad, TrainableLayer } from './layer.js';
>>>>>>> main
import { perNeuronLayer } from './perNeuron.js';

/** Models with hand-written adjoints in {@link trainable} (Norse class names); every other model with an update gets derived ones. */
export const TRAINABLE_MODELS = ['LIF', 'LI', 'LIFBox', 'LIBox', 'LSNN', 'LIFRecurrent', 'LSNNRecurrent'] as const;

/** Options of {@link trainable}. */
export interface TrainableOptions {
  /** Also accumulate ∂loss/∂(each scalar neuron parameter) into `grads` (default false; costs one value per neuron-step of tape). */
  readonly paramGrads?: boolean;
  /**
   * Kernels of the common LIF layer (forward Euler, reset to `vReset`, not recurrent, an even
   * number of neurons × batch; the backward pass with the `super` surrogate): `wasm`
   * (WebAssembly SIMD, `kernels/lifGrad.ts`; the default where available) or `js`. Equal results,
   * bit for bit. Other models and settings always run the `js` loops.
   */
  readonly kernel?: 'wasm' | 'js';
  /**
   * LIF and LI: neuron parameters to train, e.g. `['tauMemInv']`: each becomes a parameter `[N]`
   * in `params` (one value per neuron, updated by the optimisers) with its gradient in `grads`
   * (see `perNeuron.ts`). Parameters given as tensors `[N]` are per-neuron without this option.
   */
  readonly train?: readonly string[];
  /** Neurons N of a layer with `train` whose parameters are all scalars. */
  readonly features?: number;
  /**
   * Where the backward pass comes from: `handWritten` (the default for {@link TRAINABLE_MODELS}:
   * fast loops and kernels, `neuronBackward.ts`) or `derived` (the default for every other model,
   * e.g. one made with `defineModel`: differentiated from the model's update text, `derived.ts`;
   * scalar parameters only, any integration the update implements). Both give the same gradients
   * for the built-in models (`test/training/derived.test.ts`).
   */
  readonly adjoint?: 'handWritten' | 'derived';
}

type Num = Record<string, number>;

const where = 'trainable';

const BUILT_IN: readonly (readonly [NeuronModel, NeuronKind])[] = [
  [lif, 'lif'],
  [lifRecurrent, 'lif'],
  [li, 'li'],
  [lifBox, 'box'],
  [liBox, 'libox'],
  [lsnn, 'lsnn'],
  [lsnnRecurrent, 'lsnn'],
];

/** The family of hand-written loops for a built-in model (by its update), undefined for others. */
const handWrittenKind = (model: { readonly update: NeuronModel['update'] }): NeuronKind | undefined =>
  BUILT_IN.find(([m]) => m.update === model.update)?.[1];

const matrix = (v: unknown, name: string): { data: Float64Array; shape: [number, number] } => {
  const t = v as Tensor;
  if (t === undefined || t.shape?.length !== 2) throw new SpikeflowError(where, name, `${name} must be a matrix, received ${show(v)}`);
  return { data: Float64Array.from(t.data), shape: [t.shape[0] as number, t.shape[1] as number] };
};

/**
 * A neuron model as a differentiable layer: forward as the model's `run`, backward by BPTT with
 * the surrogate gradient of the model's `method` / `alpha`. For the recurrent models the trainable
 * parameters are `inputWeights` `[N, in]` and `recurrentWeights` `[N, N]` (the diagonal stays zero
 * and gets no gradient unless `autapses`, as Norse's hook does); the feed-forward models have no
 * trainable tensors (their scalar parameters' gradients are reported with `paramGrads`).
 * The built-in {@link TRAINABLE_MODELS} use hand-written adjoints; any other model with an update
 * (e.g. one made with `defineModel`) gets the adjoint derived from its update (`derived.ts`).
 * @param model - a neuron model with an update (e.g. `lif`, or a `defineModel` model)
 * @param p - the model's parameters (Norse's names in camelCase; scalars, or per-neuron `[N]` for LIF and LI)
 * @param dt - time step in seconds (> 0)
 * @param options - see {@link TrainableOptions}
 * @throws SpikeflowError for a non-model, invalid parameters or options, `method: 'adjoint'`,
 *   an integration other than `euler` with the hand-written adjoints
 * @example
 * ```ts
 * import { lif, tensor, trainable } from 'spikeflow';
 * const layer = trainable(lif, { tauMemInv: 50 }, 0.001, { paramGrads: true });
 * const r = layer.forward(tensor([[[0.5, 0.9]], [[0.7, 0.2]]], 'float64'));
 * const b = layer.backward(r.tape, new Float64Array(r.out.data.length).fill(1));
 * console.log(b.gx, layer.grads.tauMemInv);
 * ```
 */
export const trainable = <P extends ParamSpecs, S extends string>(
  model: NeuronModel<P, S>,
  p?: ParamsInput<P>,
  dt = 0.001,
  options: TrainableOptions = {},
): TrainableLayer => {
  if (model === null || typeof model !== 'object' || typeof (model as { update?: { body?: unknown } }).update?.body !== 'string') {
    throw new SpikeflowError(where, 'model', `model must be a neuron model with an update (e.g. lif), received ${show(model)}`);
  }
  const adjoint = options.adjoint ?? (handWrittenKind(model) === undefined ? 'derived' : 'handWritten');
  if (adjoint !== 'derived' && adjoint !== 'handWritten')
    throw new SpikeflowError(where, 'options.adjoint', `options.adjoint must be "handWritten" or "derived", received ${show(adjoint)}`);
  if (adjoint === 'derived') {
    for (const k of ['kernel', 'train', 'features'] as const)
      if (options[k] !== undefined)
        throw new SpikeflowError(where, `options.${k}`, `options.${k} needs the hand-written adjoints (${TRAINABLE_MODELS.join(', ')})`);
    return derivedTrainable(model, p, dt, { paramGrads: options.paramGrads === true });
  }
  const kind = handWrittenKind(model);
  if (kind === undefined)
    throw new SpikeflowError(
      where,
      'model',
      `hand-written adjoints exist for ${TRAINABLE_MODELS.join(', ')}, received ${show(model.name)} (use options.adjoint "derived")`,
    );
  if (typeof dt !== 'number' || !Number.isFinite(dt) || dt <= 0)
    throw new SpikeflowError(where, 'dt', `dt must be a finite number > 0 (seconds), received ${show(dt)}`);
  const v = model.parameters(p) as Record<string, ParamValue>;
  const num: Num = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number') num[k] = x;
  const rec = model.recurrent;
  const spiking = kind === 'lif' || kind === 'box' || kind === 'lsnn';
  const sg = spiking ? surrogateGradient(String(v.method), Number(v.alpha)) : () => 0;
  const resetMethod = String(v.resetMethod ?? 'value');
  // The adjoints below are those of Norse's forward Euler; the models' 'exponentialEuler' and
  // 'exact' integrations update differently (see lifOptions.ts), so they are refused, not approximated.
  if (v.integration !== undefined && v.integration !== 'euler')
    throw new SpikeflowError(
      where,
      'integration',
      `trainable supports integration 'euler' (Norse's), received ${show(v.integration)}; the hand-written adjoints are forward Euler's (options.adjoint "derived" differentiates ${show(v.integration)})`,
    );
  const perNeuronKeys = Object.entries(v)
    .filter(([k, x]) => typeof x === 'object' && x !== null && k !== 'inputWeights' && k !== 'recurrentWeights')
    .map(([k]) => k);
  const train = options.train ?? [];
  if (!Array.isArray(train))
    throw new SpikeflowError(where, 'options.train', `options.train must be an array of parameter names, received ${show(train)}`);
  if (perNeuronKeys.length > 0 || train.length > 0) {
    if ((kind !== 'lif' && kind !== 'li') || rec)
      throw new SpikeflowError(
        where,
        perNeuronKeys[0] ?? 'options.train',
        `per-neuron and trained neuron parameters are available for LIF and LI, received ${model.name} with ${perNeuronKeys.length > 0 ? `per-neuron ${perNeuronKeys.join(', ')}` : 'options.train'}`,
      );
    if (v.integration !== undefined && v.integration !== 'euler')
      throw new SpikeflowError(
        where,
        'integration',
        `per-neuron and trained parameters need integration 'euler', received ${show(v.integration)}`,
      );
    const f = options.features;
    if (f !== undefined && (!Number.isInteger(f) || f < 1))
      throw new SpikeflowError(where, 'options.features', `options.features must be an integer ≥ 1, received ${show(f)}`);
    return perNeuronLayer({
      name: model.name,
      kind,
      values: v,
      dt,
      reset: ['value', 'subtract', 'none'].indexOf(resetMethod),
      sg,
      train,
      features: f,
      paramGrads: options.paramGrads === true,
    });
  }
  const cfgBase = {
    kind,
    rec,
    p: num,
    reset: ['value', 'subtract', 'none'].indexOf(resetMethod),
    sg,
    method: String(v.method),
    alpha: Number(v.alpha),
    dt,
  };
  const params: Record<string, TensorData> = {};
  const paramShapes: Record<string, readonly number[]> = {};
  const grads: Record<string, Float64Array> = {};
  let n: number | undefined;
  let nIn: number | undefined;
  let autapses = true;
  if (rec) {
    const win = matrix(v.inputWeights, 'inputWeights');
    const wrec = matrix(v.recurrentWeights, 'recurrentWeights');
    [n, nIn] = win.shape;
    if (wrec.shape[0] !== n || wrec.shape[1] !== n) {
      throw new SpikeflowError(
        where,
        'recurrentWeights',
        `recurrentWeights must have shape [${n}, ${n}], received ${showShape(wrec.shape)}`,
      );
    }
    autapses = v.autapses === true;
    if (!autapses) for (let k = 0; k < n; k++) wrec.data[k * n + k] = 0;
    params.inputWeights = win.data;
    params.recurrentWeights = wrec.data;
    paramShapes.inputWeights = win.shape;
    paramShapes.recurrentWeights = wrec.shape;
    grads.inputWeights = new Float64Array(win.data.length);
    grads.recurrentWeights = new Float64Array(wrec.data.length);
  }
  const paramGrads = options.paramGrads === true;
  const scalarNames = Object.keys(num).filter((k) => k !== 'alpha');
  if (paramGrads) for (const k of scalarNames) grads[k] = new Float64Array(1);
  const kernel = options.kernel ?? (lifWasmAvailable() ? 'wasm' : 'js');
  if (kernel !== 'wasm' && kernel !== 'js')
    throw new SpikeflowError(where, 'options.kernel', `options.kernel must be "wasm" or "js", received ${show(kernel)}`);
  if (kernel === 'wasm' && !lifWasmAvailable())
    throw new SpikeflowError(where, 'options.kernel', 'options.kernel "wasm" needs WebAssembly SIMD, unavailable here');
  const cfg: NeuronConfig = { ...cfgBase, n, nIn, wasm: kernel === 'wasm' };
  const stateNames: string[] = kind === 'lif' || kind === 'li' ? ['v', 'i'] : kind === 'lsnn' ? ['v', 'i', 'b'] : ['v'];
  if (rec) stateNames.unshift('z');
  const init = model.initialState([1, rec ? (n as number) : 1], p) as Record<string, Tensor>;
  const outFeatures = (inF: number): number => {
    if (rec && inF !== nIn) throw new SpikeflowError(model.name, 'input', `input must have ${nIn} features, received ${inF}`);
    return rec ? (n as number) : inF;
  };
  const initialState = (batch: number, inF: number, dtype: DType): LayerState => {
    const size = batch * outFeatures(inF);
    const s: Record<string, TensorData> = {};
    for (const name of stateNames) s[name] = allocate(dtype, size).fill(init[name]?.data[0] as number);
    return s;
  };
  // The last tape: once a backward pass has run over it, the next forward pass reuses its buffers.
  let last: Tape | undefined;
  const layer: TrainableLayer = {
    name: model.name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState,
<<<<<<< HEAD
    forward: (xs, state, fo) => neuronForward(cfg, layer, stateNames, paramGrads, xs, state, fo),
    backward: (tape, gOut, gState, needInput = true) =>
      neuronBackward(cfg, layer, autapses, paramGrads, tape as NeuronTape, gOut, gState, needInput),
=======
    forward: (xs, state, fo) => {
      if (last?.use.done === true) recycle(last);
      const r = forward(cfg, layer, stateNames, paramGrads, xs, state, fo);
      last = r.tape as Tape | undefined;
      return r;
    },
    backward: (tape, gOut, gState, needInput = true) => backward(cfg, layer, autapses, paramGrads, tape as Tape, gOut, gState, needInput),
>>>>>>> main
    zeroGrad: () => {
      for (const g of Object.values(grads)) g.fill(0);
    },
  };
  return layer;
};
<<<<<<< HEAD
=======

interface Tape {
  readonly T: number;
  readonly B: number;
  readonly N: number;
  readonly nIn: number;
  readonly xs: TensorData;
  readonly out: TensorData;
  readonly s0: LayerState;
  readonly vd: TensorData | undefined;
  readonly bd: TensorData | undefined;
  readonly ij: TensorData | undefined;
  readonly dtype: DType;
  /** `done`: a backward pass ran over this tape; `recycled`: its buffers went to a later forward pass. */
  readonly use: { done: boolean; recycled: boolean };
}

/** Gives a used tape's own buffers (`v_d`, `b_d`, current jumps) back to the scratch pool. */
const recycle = (tape: Tape): void => {
  tape.use.recycled = true;
  giveScratch(tape.vd);
  giveScratch(tape.bd);
  giveScratch(tape.ij);
};

const checkInput = (name: string, xs: Tensor): [number, number, number] => {
  if (xs === null || typeof xs !== 'object' || !('shape' in xs) || xs.shape.length !== 3) {
    throw new SpikeflowError(name, 'xs', `input must be a tensor [T, batch, features], received ${show((xs as Tensor)?.shape ?? xs)}`);
  }
  return xs.shape as [number, number, number];
};

const checkState = (name: string, stateNames: readonly string[], state: LayerState, size: number): void => {
  for (const s of stateNames) {
    if (state[s] === undefined || state[s].length !== size) {
      throw new SpikeflowError(name, 'state', `state.${s} must hold ${size} values (batch × features), received ${show(state[s]?.length)}`);
    }
  }
};

const forward = (
  c: Cfg,
  layer: TrainableLayer,
  stateNames: readonly string[],
  paramGrads: boolean,
  xs: Tensor,
  state: LayerState | undefined,
  fo: ForwardOptions | undefined,
): ForwardResult => {
  const [T, B, F] = checkInput(layer.name, xs);
  const N = layer.outFeatures(F);
  const BN = B * N;
  const dtype = dtypeOf(xs);
  const s0 = state ?? layer.initialState(B, F, dtype);
  checkState(layer.name, stateNames, s0, BN);
  const record = fo?.tape !== false;
  const { p, dt, exact, reset, kind } = c;
  const x = xs.data;
  const out = allocate(dtype, T * BN);
  const v = allocate(dtype, BN);
  v.set(s0.v as TensorData);
  const i = kind === 'box' || kind === 'libox' ? undefined : allocate(dtype, BN);
  if (i !== undefined) i.set(s0.i as TensorData);
  const b = kind === 'lsnn' ? allocate(dtype, BN) : undefined;
  if (b !== undefined) b.set(s0.b as TensorData);
  const z = c.rec ? allocate(dtype, BN) : undefined;
  if (z !== undefined) z.set(s0.z as TensorData);
  // written in full below (each step, each neuron)
  const vd = record && kind !== 'li' && kind !== 'libox' ? takeScratch(dtype, T * BN) : undefined;
  const bd = record && kind === 'lsnn' ? takeScratch(dtype, T * BN) : undefined;
  const ij = record && paramGrads && (kind === 'lif' || kind === 'li' || kind === 'lsnn') ? takeScratch(dtype, T * BN) : undefined;
  // Input currents of the recurrent models: xa = x·W_inᵀ (all steps at once), xb = z_{t−1}·W_recᵀ per step.
  let xa: Float64Array | undefined;
  const xb = c.rec ? new Float64Array(BN) : undefined;
  if (c.rec) {
    xa = new Float64Array(T * BN);
    matmulInto(x, T * B, F, layer.params.inputWeights as Float64Array, N, undefined, xa);
  }
  const tauMemInv = p.tauMemInv as number;
  const kMem = exact ? 1 - Math.exp(-dt * tauMemInv) : dt * tauMemInv;
  const nSyn = -dt * (p.tauSynInv ?? 0);
  const eSyn = Math.exp(-dt * (p.tauSynInv ?? 0));
  const kAdapt = exact ? 1 - Math.exp(-dt * (p.tauAdaptInv ?? 0)) : dt * (p.tauAdaptInv ?? 0);
  const vLeak = p.vLeak as number;
  const vTh = p.vTh ?? 0;
  const vReset = p.vReset ?? 0;
  const beta = p.beta ?? 0;
  if (kind === 'lif' && !c.rec && !exact && reset === 0 && ij === undefined && c.wasm && BN % 2 === 0) {
    lifForwardWasm(x, T, BN, v, i as TensorData, out, vd, { kMem, nSyn, cSyn: 0, vLeak, vTh, vReset, alpha: c.alpha });
  } else if (kind === 'lif' && !c.rec && !exact && reset === 0 && ij === undefined) {
    // the common case (Norse's LIF) in one branch-free loop: same operations as below
    const iv = i as TensorData;
    for (let t = 0; t < T; t++) {
      const o = t * BN;
      for (let k = 0; k < BN; k++) {
        const vk = v[k]!;
        const iJ = iv[k]! + x[o + k]!;
        const vDec = vk + kMem * (vLeak - vk + iJ);
        iv[k] = iJ + nSyn * iJ;
        if (vd !== undefined) vd[o + k] = vDec;
        if (vDec - vTh > 0) {
          v[k] = vReset;
          out[o + k] = 1;
        } else {
          v[k] = vDec;
          out[o + k] = 0;
        }
      }
    }
  } else
    for (let t = 0; t < T; t++) {
      const o = t * BN;
      if (c.rec) matmulInto(z as TensorData, B, N, layer.params.recurrentWeights as Float64Array, N, undefined, xb as Float64Array);
      for (let k = 0; k < BN; k++) {
        const vk = v[k]!;
        if (kind === 'lif' || kind === 'li') {
          const ik = i![k]!;
          const iJ = c.rec ? ik + xa![o + k]! + xb![k]! : ik + x[o + k]!;
          const vDec = vk + kMem * (vLeak - vk + iJ);
          i![k] = exact ? iJ * eSyn : iJ + nSyn * iJ;
          if (ij !== undefined) ij[o + k] = iJ;
          if (kind === 'li') {
            v[k] = vDec;
            out[o + k] = v[k]!;
            continue;
          }
          if (vd !== undefined) vd[o + k] = vDec;
          const zk = vDec - vTh > 0 ? 1 : 0;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - vTh) : vDec;
          out[o + k] = zk;
          if (z !== undefined) z[k] = zk;
        } else if (kind === 'box' || kind === 'libox') {
          if (kind === 'libox') {
            v[k] = vk + dt * tauMemInv * (vLeak - vk + x[o + k]!);
            out[o + k] = v[k]!;
            continue;
          }
          const vDec = vk + dt * tauMemInv * (x[o + k]! + vLeak - vk);
          if (vd !== undefined) vd[o + k] = vDec;
          const zk = vDec - vTh > 0 ? 1 : 0;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - vTh) : vDec;
          out[o + k] = zk;
        } else {
          const ik = i![k]!;
          const bk = b![k]!;
          if (ij !== undefined) ij[o + k] = ik;
          const vDec = vk + kMem * (vLeak - vk + ik);
          const iDec = exact ? ik * eSyn : ik + nSyn * ik;
          const bDec = bk + kAdapt * (vTh - bk);
          const zk = vDec - bDec > 0 ? 1 : 0;
          if (vd !== undefined) vd[o + k] = vDec;
          if (bd !== undefined) bd[o + k] = bDec;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - bDec) : vDec;
          b![k] = bDec + zk * beta;
          i![k] = c.rec ? iDec + xa![o + k]! + xb![k]! : iDec + x[o + k]!;
          out[o + k] = zk;
          if (z !== undefined) z[k] = zk;
        }
      }
    }
  const st: Record<string, TensorData> = { v };
  if (z !== undefined) st.z = z;
  if (i !== undefined) st.i = i;
  if (b !== undefined) st.b = b;
  const tape: Tape | undefined = record
    ? { T, B, N, nIn: F, xs: x, out, s0, vd, bd, ij, dtype, use: { done: false, recycled: false } }
    : undefined;
  return { out: fromTypedArray(out, [T, B, N]), state: st, tape };
};

const backward = (
  c: Cfg,
  layer: TrainableLayer,
  autapses: boolean,
  paramGrads: boolean,
  tape: Tape,
  gOut: Float64Array,
  gState: StateGrad | undefined,
  needInput: boolean,
): BackwardResult => {
  if (tape === undefined || tape === null || typeof tape !== 'object' || !('out' in tape)) {
    throw new SpikeflowError(`${layer.name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
  }
  if (tape.use.recycled)
    throw new SpikeflowError(
      `${layer.name}.backward`,
      'tape',
      'this tape was already used by a backward pass and its buffers were reused by a later forward pass: run backward before the next forward',
    );
  const { T, B, N, nIn, out, vd, bd, ij, s0 } = tape;
  const BN = B * N;
  if (gOut.length !== T * BN)
    throw new SpikeflowError(`${layer.name}.backward`, 'gOut', `gOut must hold ${T * BN} values, received ${gOut.length}`);
  tape.use.done = true;
  const { p, dt, exact, reset, kind, sg, rec } = c;
  const detach = rec; // Norse's lif_step / lsnn_step detach z in the reset (and in LSNN's b update)
  const tauMemInv = p.tauMemInv as number;
  const kMem = exact ? 1 - Math.exp(-dt * tauMemInv) : dt * tauMemInv;
  const dkMem = exact ? dt * Math.exp(-dt * tauMemInv) : dt;
  const tauSynInv = p.tauSynInv ?? 0;
  const cSyn = exact ? Math.exp(-dt * tauSynInv) : 1 - dt * tauSynInv;
  const dSyn = exact ? -dt * Math.exp(-dt * tauSynInv) : -dt;
  const tauAdaptInv = p.tauAdaptInv ?? 0;
  const kAdapt = exact ? 1 - Math.exp(-dt * tauAdaptInv) : dt * tauAdaptInv;
  const dkAdapt = exact ? dt * Math.exp(-dt * tauAdaptInv) : dt;
  const vLeak = p.vLeak as number;
  const vTh = p.vTh ?? 0;
  const vReset = p.vReset ?? 0;
  const beta = p.beta ?? 0;
  const gv = Float64Array.from(gState?.v ?? new Float64Array(BN));
  const gi = Float64Array.from(gState?.i ?? new Float64Array(BN));
  const gb = Float64Array.from(gState?.b ?? new Float64Array(BN));
  const gzPrev = Float64Array.from(gState?.z ?? new Float64Array(BN));
  // ∂L/∂(input current) per step: the layer's gx for feed-forward models, the current jump's gradient for recurrent ones
  const gcur = rec || needInput ? takeScratch('float64', T * BN) : undefined; // written in full
  let gTauMem = 0;
  let gTauSyn = 0;
  let gTauAdapt = 0;
  let gLeak = 0;
  let gTh = 0;
  let gReset = 0;
  let gBeta = 0;
  const v0 = s0.v as TensorData;
  const wrec = layer.params.recurrentWeights as Float64Array | undefined;
  const resetOf = (vDec: number, zk: number, th: number): number =>
    reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - th) : vDec;
  if (kind === 'lif' && !rec && !paramGrads && reset === 0 && c.wasm && c.method === 'super' && BN % 2 === 0) {
    const k0 = { kMem, nSyn: 0, cSyn, vLeak, vTh, vReset, alpha: c.alpha };
    lifBackwardWasm(gOut, out, vd as TensorData, T, BN, gv, gi, gcur, k0);
  } else if (kind === 'lif' && !rec && !paramGrads && reset === 0) {
    // the common case (Norse's LIF) without branches per neuron; same adjoint as below
    const superAlpha = c.method === 'super' ? c.alpha : -1;
    const kRest = 1 - kMem;
    for (let t = T - 1; t >= 0; t--) {
      const o = t * BN;
      for (let k = 0; k < BN; k++) {
        const gvn = gv[k]!;
        const zk = out[o + k]!;
        const vDec = vd![o + k]!;
        const xk = vDec - vTh;
        let s: number;
        if (superAlpha > 0) {
          const d = superAlpha * (xk < 0 ? -xk : xk) + 1;
          s = 1 / (d * d);
        } else s = sg(xk);
        const gz = gOut[o + k]! + gvn * (vReset - vDec);
        const gvDec = gvn * (1 - zk) + gz * s;
        const giJ = gi[k]! * cSyn + gvDec * kMem;
        gi[k] = giJ;
        gv[k] = gvDec * kRest;
        if (gcur !== undefined) gcur[o + k] = giJ;
      }
    }
  } else
    for (let t = T - 1; t >= 0; t--) {
      const o = t * BN;
      const po = o - BN;
      for (let k = 0; k < BN; k++) {
        const gvn = gv[k]!;
        if (kind === 'li' || kind === 'libox') {
          const gvDec = gvn + gOut[o + k]!;
          const vPrev = t > 0 ? out[po + k]! : v0[k]!;
          if (kind === 'li') {
            const gin = gi[k]!;
            const giJ = gin * cSyn + gvDec * kMem;
            if (paramGrads) {
              const iJ = ij![o + k]!;
              gTauMem += gvDec * dkMem * (vLeak - vPrev + iJ);
              gTauSyn += gin * dSyn * iJ;
              gLeak += gvDec * kMem;
            }
            gi[k] = giJ;
            if (gcur !== undefined) gcur[o + k] = giJ;
          } else {
            const xk = tape.xs[o + k]!;
            if (paramGrads) {
              gTauMem += gvDec * dt * (vLeak - vPrev + xk);
              gLeak += gvDec * dt * tauMemInv;
            }
            if (gcur !== undefined) gcur[o + k] = gvDec * dt * tauMemInv;
          }
          gv[k] = gvDec * (1 - (kind === 'li' ? kMem : dt * tauMemInv));
          continue;
        }
        const zk = out[o + k]!;
        const vDec = vd![o + k]!;
        const th = kind === 'lsnn' ? bd![o + k]! : vTh;
        const s = sg(vDec - th);
        let gz = gOut[o + k]! + gzPrev[k]!;
        let gvDec: number;
        let gth: number;
        if (kind === 'lsnn' && !detach) gz += gb[k]! * beta;
        if (reset === 0) {
          if (!detach) gz += gvn * (vReset - vDec);
          gvDec = gvn * (1 - zk) + gz * s;
          gth = -gz * s;
          if (paramGrads) gReset += gvn * zk;
        } else if (reset === 1) {
          if (!detach) gz += gvn * -th;
          gvDec = gvn + gz * s;
          gth = -gz * s - gvn * zk;
        } else {
          gvDec = gvn + gz * s;
          gth = -gz * s;
        }
        if (kind === 'lsnn') {
          if (paramGrads) gBeta += gb[k]! * zk;
          const gbDec = gb[k]! + gth;
          const gin = gi[k]!; // ∂L/∂i' = ∂L/∂(input) (i' = i_d + x)
          if (gcur !== undefined) gcur[o + k] = gin;
          const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, bd![po + k]!) : v0[k]!;
          if (paramGrads) {
            const iPrev = ij![o + k]!;
            const bPrev = t > 0 ? bd![po + k]! + out[po + k]! * beta : (s0.b as TensorData)[k]!;
            gTauMem += gvDec * dkMem * (vLeak - vPrev + iPrev);
            gTauSyn += gin * dSyn * iPrev;
            gTauAdapt += gbDec * dkAdapt * (vTh - bPrev);
            gLeak += gvDec * kMem;
            gTh += gbDec * kAdapt;
          }
          gi[k] = gvDec * kMem + gin * cSyn;
          gv[k] = gvDec * (1 - kMem);
          gb[k] = gbDec * (1 - kAdapt);
        } else if (kind === 'lif') {
          const gin = gi[k]!;
          const giJ = gin * cSyn + gvDec * kMem;
          if (paramGrads) {
            const iJ = ij![o + k]!;
            const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, vTh) : v0[k]!;
            gTauMem += gvDec * dkMem * (vLeak - vPrev + iJ);
            gTauSyn += gin * dSyn * iJ;
            gLeak += gvDec * kMem;
            gTh += gth;
          }
          gi[k] = giJ;
          gv[k] = gvDec * (1 - kMem);
          if (gcur !== undefined) gcur[o + k] = giJ;
        } else {
          // LIFBox: v_d = v + (dt·τ⁻¹)·((x + v_leak) − v)
          const kb = dt * tauMemInv;
          if (paramGrads) {
            const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, vTh) : v0[k]!;
            gTauMem += gvDec * dt * (tape.xs[o + k]! + vLeak - vPrev);
            gLeak += gvDec * kb;
            gTh += gth;
          }
          gv[k] = gvDec * (1 - kb);
          if (gcur !== undefined) gcur[o + k] = gvDec * kb;
        }
      }
      if (rec) {
        // z_{t−1} feeds step t through W_rec: ∂L/∂z_{t−1}[j] = Σ_n ∂L/∂xb_t[n]·W_rec[n, j]
        gzPrev.fill(0);
        const g = gcur as Float64Array;
        const w = wrec as Float64Array;
        for (let bb = 0; bb < B; bb++) {
          for (let nn = 0; nn < N; nn++) {
            const gn = g[o + bb * N + nn]!;
            if (gn === 0) continue;
            const wo = nn * N;
            const zo = bb * N;
            for (let j = 0; j < N; j++) gzPrev[zo + j] = gzPrev[zo + j]! + gn * w[wo + j]!;
          }
        }
      }
    }
  const G = layer.grads;
  if (paramGrads) {
    const add = (name: string, value: number): void => {
      if (G[name] !== undefined) G[name][0] = G[name][0]! + value;
    };
    add('tauMemInv', gTauMem);
    add('tauSynInv', gTauSyn);
    add('tauAdaptInv', gTauAdapt);
    add('vLeak', gLeak);
    add('vTh', gTh);
    add('vReset', gReset);
    add('beta', gBeta);
  }
  const gStateOut: Record<string, Float64Array> = { v: gv };
  if (kind === 'lif' || kind === 'li' || kind === 'lsnn') gStateOut.i = gi;
  if (kind === 'lsnn') gStateOut.b = gb;
  if (!rec) return { gx: needInput ? gcur : undefined, gState: gStateOut };
  gStateOut.z = gzPrev;
  // Weight gradients from the current jumps: ∂W_in[n, m] = Σ ḡcur·x, ∂W_rec[n, j] = Σ ḡcur_t·z_{t−1}
  const g = gcur as Float64Array;
  const gWin = G.inputWeights as Float64Array;
  const gWrec = G.recurrentWeights as Float64Array;
  const win = layer.params.inputWeights as Float64Array;
  const x = tape.xs;
  const z0 = s0.z as TensorData;
  const gx = needInput ? new Float64Array(T * B * nIn) : undefined;
  for (let t = 0; t < T; t++) {
    for (let bb = 0; bb < B; bb++) {
      const go = (t * B + bb) * N;
      const xo = (t * B + bb) * nIn;
      const zPrev = t > 0 ? out : z0;
      const zo = t > 0 ? ((t - 1) * B + bb) * N : bb * N;
      for (let nn = 0; nn < N; nn++) {
        const gn = g[go + nn]!;
        if (gn === 0) continue;
        const wo = nn * nIn;
        for (let m = 0; m < nIn; m++) {
          const xm = x[xo + m]!;
          if (xm !== 0) gWin[wo + m] = gWin[wo + m]! + gn * xm;
          if (gx !== undefined) gx[xo + m] = gx[xo + m]! + gn * win[wo + m]!;
        }
        const ro = nn * N;
        for (let j = 0; j < N; j++) {
          const zj = zPrev[zo + j]!;
          if (zj !== 0) gWrec[ro + j] = gWrec[ro + j]! + gn * zj;
        }
      }
    }
  }
  if (!autapses) for (let k = 0; k < N; k++) gWrec[k * N + k] = 0;
  giveScratch(g);
  return { gx, gState: gStateOut };
};
>>>>>>> main
