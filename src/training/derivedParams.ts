/**
 * The parameters of a derived trainable layer (`derived.ts`): scalar values for the update,
 * per-neuron values (tensors `[N]` given by the user, and the parameters named in `train`, which
 * become trainable tensors `[N]` in the layer's `params`), the recurrent weights, and the
 * gradient accumulators. Separate from `derived.ts` for size; no computation of its own.
 * @module
 */
import type { NeuronModel, ParamSpecs, ParamsInput, ParamsOf, ParamValue } from '../neurons/model.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { showShape, type Tensor, type TensorData } from '../ops/tensor.js';

/** What {@link derivedParams} needs of the layer's options. */
export interface DerivedParamOptions {
  /** Accumulate ∂loss/∂(every numeric parameter the update reads). */
  readonly paramGrads: boolean;
  /** Parameters to train per neuron (see `DerivedOptions.train`). */
  readonly train: readonly string[];
  /** Neurons of a feed-forward layer whose parameters are all scalars (with `train`). */
  readonly features?: number | undefined;
}

/** The parameters of a derived layer (see the module docs). */
export interface DerivedParams {
  /** The model's parameter values (`model.parameters(p)`). */
  readonly v: Readonly<Record<string, ParamValue>>;
  /** Values in `update.params` order (per-neuron entries: their first value, ignored by the update). */
  readonly values: readonly number[];
  /** Per-neuron values `[N]` by name (a trained parameter's entry is its live tensor in `params`). */
  readonly perNeuron: ReadonlyMap<string, Float64Array>;
  /** Which update parameters are per neuron, in `update.params` order. */
  readonly mask: readonly boolean[];
  /** Parameters differentiated (in `update.params` order). */
  readonly trained: readonly string[];
  /** Neurons given by per-neuron values, `train` or the recurrent weights (undefined: any). */
  readonly N: number | undefined;
  /** Input features of a recurrent layer. */
  readonly nIn: number | undefined;
  readonly autapses: boolean;
  readonly params: Record<string, TensorData>;
  readonly paramShapes: Record<string, readonly number[]>;
  readonly grads: Record<string, Float64Array>;
}

const where = 'trainable';

/**
 * Reads and checks a derived layer's parameters.
 * @throws SpikeflowError for per-neuron parameters of a bad shape or size, or read through a
 *   derived value; a name in `train` that is not a numeric parameter the update reads as it is;
 *   `train` on a feed-forward layer without per-neuron values or `features`; bad recurrent weights
 */
export const derivedParams = <P extends ParamSpecs, S extends string>(
  model: NeuronModel<P, S>,
  p: ParamsInput<P> | undefined,
  dt: number,
  o: DerivedParamOptions,
): DerivedParams => {
  const update = model.update;
  const v = model.parameters(p) as Record<string, ParamValue>;
  const rec = model.recurrent;
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
  if (!Array.isArray(o.train))
    throw new SpikeflowError(where, 'options.train', `options.train must be an array of parameter names, received ${show(o.train)}`);
  for (const k of o.train)
    if (!update.params.includes(k) || !(typeof v[k] === 'number' || perNeuron.has(k)) || k === 'alpha')
      throw new SpikeflowError(
        where,
        'options.train',
        `options.train names parameters the update of ${model.name} reads (${update.params.filter((q) => typeof v[q] === 'number' || perNeuron.has(q)).join(', ')}), received ${show(k)}`,
      );
  let n: number | undefined;
  let nIn: number | undefined;
  const params: Record<string, TensorData> = {};
  const paramShapes: Record<string, readonly number[]> = {};
  const grads: Record<string, Float64Array> = {};
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
  const f = o.features;
  if (f !== undefined && (!Number.isInteger(f) || f < 1))
    throw new SpikeflowError(where, 'options.features', `options.features must be an integer ≥ 1, received ${show(f)}`);
  let N = rec ? n : perNeuron.size > 0 ? (perNeuron.values().next().value as Float64Array).length : f;
  if (perNeuron.size === 0 && o.train.length === 0 && !rec) N = undefined;
  for (const [k, a] of perNeuron)
    if (a.length !== N)
      throw new SpikeflowError(
        where,
        k,
        `per-neuron parameters must hold ${N} values (${rec ? 'the neurons' : f !== undefined ? 'options.features' : `as ${[...perNeuron.keys()][0]}`}), received ${a.length} for ${k}`,
      );
  if (f !== undefined && N !== f)
    throw new SpikeflowError(where, 'options.features', `options.features must equal the layer's ${N} neurons, received ${f}`);
  if (o.train.length > 0 && N === undefined)
    throw new SpikeflowError(
      where,
      'options.features',
      'options.train on a layer whose parameters are all scalars needs options.features (the neurons N)',
    );
  // Trained parameters: tensors [N] owned by the layer, read per neuron at every pass.
  for (const k of o.train) {
    const init = perNeuron.get(k) ?? new Float64Array(N as number).fill(v[k] as number);
    params[k] = init;
    paramShapes[k] = [N as number];
    perNeuron.set(k, init);
  }
  const values = model.updateValues(scalarView as ParamsOf<P>, dt);
  for (const k of perNeuron.keys()) {
    // a per-neuron parameter must reach the update as it is (not through a derived value)
    const j = update.params.indexOf(k);
    const probe = model.updateValues({ ...scalarView, [k]: (scalarView[k] as number) * 2 + 1 } as ParamsOf<P>, dt);
    if (j < 0 || probe[j] !== (scalarView[k] as number) * 2 + 1 || probe.some((x, i) => i !== j && x !== values[i]))
      throw new SpikeflowError(
        where,
        o.train.includes(k) ? 'options.train' : k,
        `derived gradients take ${k} per neuron only where the update reads it as it is`,
      );
  }
  const trained = update.params.filter(
    (k) => o.train.includes(k) || (o.paramGrads && (typeof v[k] === 'number' || perNeuron.has(k)) && k !== 'alpha'),
  );
  for (const k of trained) grads[k] = new Float64Array(perNeuron.has(k) ? (N as number) : 1);
  return {
    v,
    values,
    perNeuron,
    mask: update.params.map((k) => perNeuron.has(k)),
    trained,
    N,
    nIn,
    autapses,
    params,
    paramShapes,
    grads,
  };
};
