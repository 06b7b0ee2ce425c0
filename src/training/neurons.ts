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
import type { BackendChoice } from '../ops/backends/backendRegistry.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { surrogateGradient } from '../ops/surrogates.js';
import { allocate, type DType, showShape, type Tensor, type TensorData } from '../ops/tensor.js';
import { checkOptions } from '../ops/validate.js';
import { derivedTrainable } from './derived.js';
import { lifWasmAvailable } from './kernels/lifGrad.js';
import { checkTrainingThreads } from './kernels/parallel.js';
import { layerMemory } from './layerMemory.js';
import { neuronBackward } from './neuronBackward.js';
import { neuronForward } from './neuronForward.js';
import { type NeuronConfig, type NeuronKind, type NeuronTape, recycleTape } from './neuronTape.js';
import { perNeuronLayer } from './perNeuronTrainable.js';
import { checkForwardOptions, checkGradOut, type LayerState, type TrainableLayer } from './trainableLayer.js';

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
   * Most threads the `wasm` kernels of the common LIF layer split each forward and backward pass
   * over, the calling thread included (an integer ≥ 1; default: every hardware thread where the
   * threads backend is loaded — `spikeflow/node`, `spikeflow/threads` —, else 1). A pass also
   * needs enough work for each thread (65 536 neuron-steps). Results are equal bit for bit
   * whatever the count. Layers running the `js` loops run on the calling thread; derived adjoints
   * choose with `backend` (e.g. `createThreadsBackend({ threads: 2 })`).
   */
  readonly threads?: number;
  /**
   * `fresh` (default): each forward pass returns new outputs and each backward pass a new ∂input.
   * `reuse` (as `lif.run`'s `outputs: 'reuse'`): the layer writes them into the same buffers call
   * after call, so a training loop touches no fresh memory (no page faults, zero-fills or garbage
   * for the outputs `[T, batch, N]` and the float64 ∂input). A forward pass then overwrites the
   * previous one's outputs — a backward pass over an older tape is refused —, and a backward pass
   * overwrites the previous ∂input: copy what you keep. Hand-written adjoints with scalar parameters only.
   *
   * The common LIF layer on the `wasm` kernels runs both passes in place in the training arena
   * (`kernels/arena.ts`, one shared WebAssembly memory every thread's kernels import; no copies into
   * and out of each thread's own memory), bit for bit the same results: with `reuse` the kept
   * outputs and ∂input live there, so the next layer (or this layer's backward pass as the next
   * layer's ∂output) reads them in place; an input or ∂output that lives elsewhere is copied in once
   * per call; `fresh` outputs and ∂input are copied out into new arrays. Memory: the layer keeps
   * 16–28 bytes per neuron-step in the arena between calls (float32: outputs 4, `v_d` 4, ∂input 8,
   * copies of an outside input 4 and ∂output 8); an arena array returns to the arena once the layer
   * and every holder of it are garbage-collected; where there is no arena (no `SharedArrayBuffer`)
   * or it is full (4 GiB), the layer copies as before.
   */
  readonly outputs?: 'fresh' | 'reuse';
  /**
   * Neuron parameters to train, e.g. `['tauMemInv']`: each becomes a parameter `[N]` in `params`
   * (one value per neuron, updated by the optimisers) with its gradient in `grads`. Hand-written
   * adjoints: LIF and LI (`perNeuronTrainable.ts`); derived ones: any numeric parameter the
   * model's update reads as it is (`derived.ts`). Parameters given as tensors `[N]` are per-neuron
   * without this option.
   */
  readonly train?: readonly string[];
  /** Neurons N of a layer with `train` whose parameters are all scalars. */
  readonly features?: number;
  /**
   * With `adjoint: 'derived'`: the backend whose `updateRun` kernel runs the forward pass and the
   * derived backward pass — `auto` (default: `threads` where registered, e.g. after importing
   * `spikeflow/node`, else `js`), `js`, `threads` (WebAssembly SIMD over worker threads), `gpu`
   * (gpu.js, after importing `spikeflow/gpu`; float32 input only, backward in float32) or a
   * backend object. `js` and `threads` give the same results bit for bit; `gpu` the same forward
   * pass for the built-in models and gradients within float32 rounding (README, "Backends of the
   * derived gradients").
   */
  readonly backend?: BackendChoice;
  /**
   * Where the backward pass comes from: `handWritten` (the default for {@link TRAINABLE_MODELS}:
   * fast loops and kernels, `neuronBackward.ts`) or `derived` (the default for every other model,
   * e.g. one made with `defineModel`, and wherever `backend` is given or `train` names parameters
   * of a model other than the feed-forward LIF and LI: differentiated from the model's update text, `derived.ts`;
   * scalar or per-neuron `[N]` parameters, any integration the update implements). Both give the same gradients
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
 * @param p - the model's parameters (Norse's names in camelCase; scalars, or per-neuron `[N]`: any model with `adjoint: 'derived'`, LIF and LI otherwise)
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
  checkOptions(where, options, ['paramGrads', 'kernel', 'threads', 'outputs', 'train', 'features', 'adjoint', 'backend']);
  const threads = checkTrainingThreads(where, options.threads);
  const outputs = options.outputs ?? 'fresh';
  if (outputs !== 'fresh' && outputs !== 'reuse')
    throw new SpikeflowError(where, 'options.outputs', `options.outputs must be "fresh" or "reuse", received ${show(outputs)}`);
  // Derived adjoints by default where the hand-written ones cannot serve: other models, a backend
  // chosen, neuron parameters trained in a model other than the feed-forward LIF and LI.
  const hw = handWrittenKind(model);
  const trainsOther = (options.train?.length ?? 0) > 0 && ((hw !== 'lif' && hw !== 'li') || model.recurrent);
  const adjoint = options.adjoint ?? (hw === undefined || options.backend !== undefined || trainsOther ? 'derived' : 'handWritten');
  if (adjoint !== 'derived' && adjoint !== 'handWritten')
    throw new SpikeflowError(where, 'options.adjoint', `options.adjoint must be "handWritten" or "derived", received ${show(adjoint)}`);
  if (adjoint === 'derived') {
    if (outputs === 'reuse')
      throw new SpikeflowError(
        where,
        'options.outputs',
        'options.outputs "reuse" is for the hand-written adjoints, received it with derived ones',
      );
    if (threads !== undefined)
      throw new SpikeflowError(
        where,
        'options.threads',
        'options.threads is for the hand-written adjoints; derived adjoints choose with options.backend, e.g. createThreadsBackend({ threads })',
      );
    if (options.kernel !== undefined)
      throw new SpikeflowError(where, 'options.kernel', `options.kernel needs the hand-written adjoints (${TRAINABLE_MODELS.join(', ')})`);
    return derivedTrainable(model, p, dt, {
      paramGrads: options.paramGrads === true,
      train: options.train,
      features: options.features,
      backend: options.backend,
    });
  }
  if (options.backend !== undefined)
    throw new SpikeflowError(
      where,
      'options.backend',
      'options.backend is for the derived adjoints (the hand-written ones choose with options.kernel), received it with options.adjoint "handWritten"',
    );
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
    if (outputs === 'reuse')
      throw new SpikeflowError(
        where,
        'options.outputs',
        'options.outputs "reuse" is for layers with scalar parameters, received it with per-neuron or trained parameters',
      );
    if ((kind !== 'lif' && kind !== 'li') || rec)
      throw new SpikeflowError(
        where,
        perNeuronKeys[0] ?? 'options.train',
        `per-neuron and trained neuron parameters are available for LIF and LI, received ${model.name} with ${perNeuronKeys.length > 0 ? `per-neuron ${perNeuronKeys.join(', ')} (options.adjoint "derived" takes per-neuron parameters)` : 'options.train'}`,
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
  const cfg: NeuronConfig = { ...cfgBase, n, nIn, wasm: kernel === 'wasm', threads };
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
  let last: NeuronTape | undefined;
  const reuse = outputs === 'reuse';
  // The common LIF layer on the wasm kernels runs in place in the training arena (`layerMemory.ts`).
  const mem = layerMemory(reuse, kind === 'lif' && !rec && cfgBase.reset === 0 && !paramGrads && cfg.wasm);
  // With outputs 'reuse' only the last forward pass's tape is intact (a later pass overwrote the
  // arrays an older one reads, or took new ones when the batch changed: refused either way).
  const checkTape = (tape: unknown): void => {
    if (reuse && tape !== last && tape !== undefined && tape !== null && typeof tape === 'object' && 'out' in tape)
      throw new SpikeflowError(
        `${model.name}.backward`,
        'tape',
        'with options.outputs "reuse" a backward pass needs the tape of the last forward pass, received the tape of an earlier one ' +
          '(a later forward pass overwrote these outputs, or took new arrays for another batch size)',
      );
  };
  const layer: TrainableLayer = {
    name: model.name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState,
    forward: (xs, state, fo) => {
      checkForwardOptions(`${model.name}.forward`, fo);
      if (last?.use.done === true) recycleTape(last);
      const outBuf = mem.forwardOutputs(xs, last);
      const r = neuronForward(cfg, layer, stateNames, paramGrads, xs, state, fo, outBuf, mem.store);
      last = r.tape as NeuronTape | undefined;
      return mem.handForward(r);
    },
    backward: (tape, gOut, gState, needInput = true) => {
      checkGradOut(`${model.name}.backward`, gOut);
      checkTape(tape);
      const gxBuf = mem.backwardInput(gOut);
      const b = neuronBackward(cfg, layer, autapses, paramGrads, tape as NeuronTape, gOut, gState, needInput, gxBuf, mem.store);
      return mem.handBackward(b);
    },
    checkTape,
    zeroGrad: () => {
      for (const g of Object.values(grads)) g.fill(0);
    },
  };
  return layer;
};
