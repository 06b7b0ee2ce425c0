/**
 * Export: spikeflow networks as NIR graphs (then {@link writeNir} to a file).
 *
 * Neuron models map to NIR as Norse's exporter maps them (`norse/torch/utils/export_nir.py`), time
 * constants in seconds (`τ = 1/τ⁻¹`, computed in float32 as Norse with `time_scaling_factor = 1`):
 * `LIF` → `CubaLIF` (`r = 1`, `w_in = 1`), `LI` → `CubaLI`, `LIFBox` → `LIF`, `LIBox` → `LI`, `IAF` → `IF`;
 * `linear` → `Affine` (or `Linear` without bias). Per-neuron parameters (tensors or arrays of one
 * value per neuron) become per-neuron arrays; single values are repeated, as Norse's `_align_shapes`.
 * Reading the file back and running it with {@link compileNir} at the same `dt` gives the network's
 * spikes (voltages within float32 round-off of `1/(1/τ⁻¹)`).
 * @module
 */

import { lif } from '../neurons/lif.js';
import type { NeuronModel, ParamValue } from '../neurons/model.js';
import { modelByName } from '../neurons/registry.js';
import { type NetworkSpec, recurrentLayerWeights } from '../neurons/sequentialJson.js';
import { type ConvParameters, convOutputShape } from '../ops/conv.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { linearInit } from '../ops/linear.js';
import { flattenShape, type Pool2dParameters, pool2dOutputShape } from '../ops/pool.js';
import { fromTypedArray, isTensor, showShape, sizeOf, type Tensor } from '../ops/tensor.js';
import { checkPositiveInteger } from '../ops/validate.js';
import type { NirGraph, NirMetadata, NirNode } from './graph.js';

/** One NIR-expressible part of a spikeflow network, in order from input to output. */
export type NirPart =
  | { readonly kind: 'linear'; readonly weight: Tensor; readonly bias?: Tensor | undefined; readonly name?: string }
  | {
      readonly kind: 'neuron';
      /** `lif`, `li`, `lifBox`, `liBox` or `iaf` (or their Norse class names via `modelByName`). */
      readonly model: NeuronModel;
      /** The model's parameters (spikeflow names; numbers, or one value per neuron). */
      readonly params?: Readonly<Record<string, ParamValue>> | undefined;
      readonly name?: string;
    }
  | ({ readonly kind: 'conv1d' | 'conv2d'; readonly name?: string } & ConvParameters)
  | ({ readonly kind: 'sumPool2d' | 'avgPool2d'; readonly name?: string } & Pool2dParameters)
  | { readonly kind: 'flatten'; readonly startDim?: number; readonly endDim?: number; readonly name?: string }
  | { readonly kind: 'scale'; readonly scale: Tensor; readonly name?: string }
  | { readonly kind: 'threshold'; readonly threshold: Tensor; readonly name?: string };

/** Options of {@link toNir}. */
export interface ToNirOptions {
  /** Shape of one input sample (batch excluded), e.g. `[4]` or `[2, 34, 34]`. */
  readonly inputShape: readonly number[];
  /** Metadata stored with the graph (never needed to run it), e.g. `{ dt: 0.001 }`. */
  readonly metadata?: NirMetadata;
}

const where = 'toNir';

/** Per-neuron float32 array of `n` values from a number, tensor or array; float32 as NIR files hold them. */
const perNeuron = (name: string, v: unknown, n: number, shape: readonly number[], f: (x: number) => number = (x) => x): Tensor => {
  const out = new Float32Array(n);
  if (typeof v === 'number') out.fill(Math.fround(f(Math.fround(v))));
  else {
    const data: ArrayLike<number> | undefined =
      v instanceof Float32Array || v instanceof Float64Array
        ? v
        : isTensor(name, v)._tag === 'Right'
          ? (v as Tensor).data
          : Array.isArray(v)
            ? (v.flat(Infinity) as number[])
            : undefined;
    if (data === undefined || (data.length !== n && data.length !== 1)) {
      throw new SpikeflowError(where, name, `${name} must be a number or ${n} values (one per neuron), received ${show(v)}`);
    }
    for (let k = 0; k < n; k++) {
      const x = data[data.length === 1 ? 0 : k] as number;
      if (!Number.isFinite(x) || (name.endsWith('Inv') && !(x > 0))) {
        throw new SpikeflowError(where, name, `${name}[${k}] must be ${name.endsWith('Inv') ? 'positive and ' : ''}finite, received ${x}`);
      }
      out[k] = Math.fround(f(Math.fround(x)));
    }
  }
  return fromTypedArray(out, [...shape]);
};

const ones = (n: number, shape: readonly number[]) => fromTypedArray(new Float32Array(n).fill(1), [...shape]);
const inv = (x: number) => 1 / x;

const neuronNode = (part: Extract<NirPart, { kind: 'neuron' }>, shape: readonly number[]): NirNode => {
  const m = part.model;
  // per-neuron values (tensors, arrays) are taken as given; the rest is validated by the model
  const given = part.params ?? {};
  const weightKeys = ['inputWeights', 'recurrentWeights'];
  const scalars = Object.fromEntries(
    Object.entries(given).filter(([k, v]) => typeof v !== 'object' || v === null || weightKeys.includes(k)),
  );
  const p = {
    ...(m.parameters(scalars as never) as Record<string, unknown>),
    ...Object.fromEntries(Object.entries(given).filter(([k]) => !(k in scalars))),
  };
  const n = sizeOf(shape);
  const arr = (name: string, f?: (x: number) => number) => perNeuron(name, p[name], n, shape, f);
  const label = `${m.name} layer`;
  if ('resetMethod' in p && p.resetMethod !== 'value') {
    throw new SpikeflowError(
      where,
      'resetMethod',
      `${label}: NIR resets to v_reset; resetMethod ${show(p.resetMethod)} cannot be expressed (use 'value')`,
    );
  }
  if ('inputConvention' in p && p.inputConvention !== 'jump') {
    throw new SpikeflowError(
      where,
      'inputConvention',
      `${label}: the NIR mapping follows Norse's 'jump' input convention; inputConvention ${show(p.inputConvention)} cannot be expressed`,
    );
  }
  switch (m.id) {
    case 'lifRecurrent':
      return recurrentSubgraph(neuronNode({ ...part, model: lif as NeuronModel, params: withoutWeights(given) }, shape), p, n);
    case 'lif':
      return {
        type: 'CubaLIF',
        tauSyn: arr('tauSynInv', inv),
        tauMem: arr('tauMemInv', inv),
        r: ones(n, shape),
        vLeak: arr('vLeak'),
        vThreshold: arr('vTh'),
        vReset: arr('vReset'),
        wIn: ones(n, shape),
      };
    case 'li':
      return {
        type: 'CubaLI',
        tauSyn: arr('tauSynInv', inv),
        tauMem: arr('tauMemInv', inv),
        r: ones(n, shape),
        vLeak: arr('vLeak'),
        wIn: ones(n, shape),
      };
    case 'lifBox':
      return {
        type: 'LIF',
        tau: arr('tauMemInv', inv),
        r: ones(n, shape),
        vLeak: arr('vLeak'),
        vThreshold: arr('vTh'),
        vReset: arr('vReset'),
      };
    case 'liBox':
      return { type: 'LI', tau: arr('tauMemInv', inv), r: ones(n, shape), vLeak: arr('vLeak') };
    case 'iaf':
      return { type: 'IF', r: ones(n, shape), vThreshold: arr('vTh'), vReset: arr('vReset') };
    default:
      throw new SpikeflowError(
        where,
        'model',
        `${label} has no NIR equivalent; NIR-expressible models: LIF, LI, LIFBox, LIBox, IAF, LIFRecurrent`,
      );
  }
};

const withoutWeights = (params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> =>
  Object.fromEntries(Object.entries(params).filter(([k]) => !['inputWeights', 'recurrentWeights', 'autapses'].includes(k)));

/**
 * A recurrent layer (Norse's `LIFRecurrent`) as a nested graph, as snnTorch exports its recurrent
 * layers: `input → w_in (Linear) → neuron → output`, plus `neuron → w_rec (Linear) → neuron` (a
 * recurrent edge: the previous step's spikes). The diagonal of `W_rec` is zeroed unless `autapses`.
 */
const recurrentSubgraph = (cell: NirNode, p: Record<string, unknown>, n: number): NirGraph => {
  const wIn = p.inputWeights as Tensor;
  const wRec = p.recurrentWeights as Tensor;
  const inputs = wIn.shape[1] as number;
  const rec = new Float32Array(wRec.data);
  if (p.autapses !== true) for (let k = 0; k < n; k++) rec[k * n + k] = 0;
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', shape: [inputs] },
      w_in: { type: 'Linear', weight: fromTypedArray(Float32Array.from(wIn.data), [n, inputs]) },
      lif: cell,
      w_rec: { type: 'Linear', weight: fromTypedArray(rec, [n, n]) },
      output: { type: 'Output', shape: [n] },
    },
    edges: [
      ['input', 'w_in'],
      ['w_in', 'lif'],
      ['lif', 'w_rec'],
      ['w_rec', 'lif'],
      ['lif', 'output'],
    ],
  };
};

/**
 * Builds a NIR graph from a chain of NIR-expressible parts: `input → part₀ → … → output`, nodes named
 * after their kind and position (`linear0`, `lif1`, …) unless a part gives a `name`.
 * @param parts - the chain (linear maps, neuron layers, convolutions, pooling, flatten, scale, threshold)
 * @param options - `inputShape` of one sample, optional `metadata`
 * @returns a graph for {@link writeNir} or {@link compileNir}
 * @throws SpikeflowError naming the part that NIR cannot express or whose shape does not chain
 */
export const toNir = (parts: readonly NirPart[], options: ToNirOptions): NirGraph => {
  if (!Array.isArray(parts) || parts.length === 0)
    throw new SpikeflowError(where, 'parts', `expected a non-empty array of parts, received ${show(parts)}`);
  const inputShape = options?.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new SpikeflowError(
      where,
      'inputShape',
      `inputShape must be positive integers, e.g. [4] or [2, 34, 34], received ${show(inputShape)}`,
    );
  }
  const nodes: Record<string, NirNode> = { input: { type: 'Input', shape: [...inputShape] } };
  const edges: [string, string][] = [];
  let shape: number[] = [...inputShape];
  let previous = 'input';
  parts.forEach((part, k) => {
    const arg = `parts[${k}]`;
    let node: NirNode;
    let next: number[];
    switch (part?.kind) {
      case 'linear': {
        const [o, i] = part.weight.shape as [number, number];
        if (part.weight.shape.length !== 2 || shape[shape.length - 1] !== i) {
          throw new SpikeflowError(
            where,
            arg,
            `${arg}: weight ${showShape(part.weight.shape)} does not take the input shape ${showShape(shape)}`,
          );
        }
        const weight = perNeuron(`${arg}.weight`, part.weight, o * i, [o, i]);
        node =
          part.bias === undefined
            ? { type: 'Linear', weight }
            : { type: 'Affine', weight, bias: perNeuron(`${arg}.bias`, part.bias, o, [o]) };
        next = [...shape.slice(0, -1), o];
        break;
      }
      case 'neuron': {
        if (part.model.recurrent) {
          const w = part.params?.inputWeights as Tensor | undefined;
          const rows = w?.shape?.[0];
          if (rows === undefined || w?.shape?.[1] !== sizeOf(shape)) {
            throw new SpikeflowError(
              where,
              `${arg}.params.inputWeights`,
              `${arg}: inputWeights must be [N, ${sizeOf(shape)}] for the input ${showShape(shape)}, received ${show(w)}`,
            );
          }
          node = neuronNode(part, [rows]);
          next = [rows];
        } else {
          node = neuronNode(part, shape);
          next = shape;
        }
        break;
      }
      case 'conv1d':
      case 'conv2d': {
        const dims = part.kind === 'conv1d' ? 1 : 2;
        if (shape.length !== dims + 1)
          throw new SpikeflowError(
            where,
            arg,
            `${arg}: ${part.kind} needs an input [C, ${dims === 1 ? 'L' : 'H, W'}], received ${showShape(shape)}`,
          );
        next = convOutputShape(`${where} ${arg}`, part, shape[0] as number, shape.slice(1));
        const per = (v: number | readonly number[] | undefined, d: number) =>
          v === undefined ? new Array(dims).fill(d) : typeof v === 'number' ? new Array(dims).fill(v) : [...v];
        const padding = part.padding === 'same' || part.padding === 'valid' ? part.padding : per(part.padding, 0);
        const cOut = part.weight.shape[0] as number;
        node = {
          type: dims === 1 ? 'Conv1d' : 'Conv2d',
          weight: perNeuron(`${arg}.weight`, part.weight, sizeOf(part.weight.shape), part.weight.shape),
          bias:
            part.bias === undefined ? fromTypedArray(new Float32Array(cOut), [cOut]) : perNeuron(`${arg}.bias`, part.bias, cOut, [cOut]),
          stride: per(part.stride, 1),
          padding,
          dilation: per(part.dilation, 1),
          groups: part.groups ?? 1,
          inputShape: shape.slice(1),
        };
        break;
      }
      case 'sumPool2d':
      case 'avgPool2d': {
        next = pool2dOutputShape(`${where} ${arg}`, part, shape);
        const pair = (v: number | readonly number[] | undefined, d: readonly number[]) =>
          v === undefined ? [...d] : typeof v === 'number' ? [v, v] : [...v];
        const kernelSize = pair(part.kernelSize, [1, 1]);
        node = {
          type: part.kind === 'sumPool2d' ? 'SumPool2d' : 'AvgPool2d',
          kernelSize,
          stride: pair(part.stride, kernelSize),
          padding: pair(part.padding, [0, 0]),
        };
        break;
      }
      case 'flatten': {
        const startDim = part.startDim ?? 0;
        const endDim = part.endDim ?? -1;
        next = flattenShape(shape, startDim, endDim);
        node = { type: 'Flatten', startDim, endDim, inputType: shape };
        break;
      }
      case 'scale':
        node = { type: 'Scale', scale: perNeuron(`${arg}.scale`, part.scale, sizeOf(shape), shape) };
        next = shape;
        break;
      case 'threshold':
        node = { type: 'Threshold', threshold: perNeuron(`${arg}.threshold`, part.threshold, sizeOf(shape), shape) };
        next = shape;
        break;
      default:
        throw new SpikeflowError(
          where,
          arg,
          `${arg} must be a NIR-expressible part (linear, neuron, conv1d, conv2d, sumPool2d, avgPool2d, flatten, scale, threshold), received ${show(part)}`,
        );
    }
    const base = part.name ?? `${part.kind === 'neuron' ? part.model.id : part.kind}${k}`;
    if (base in nodes || base === 'output') throw new SpikeflowError(where, `${arg}.name`, `${arg}: node name '${base}' is used twice`);
    nodes[base] = node;
    edges.push([previous, base]);
    previous = base;
    shape = next;
  });
  nodes.output = { type: 'Output', shape };
  edges.push([previous, 'output']);
  return { type: 'NIRGraph', nodes, edges, ...(options.metadata === undefined ? {} : { metadata: options.metadata }) };
};

/**
 * Exports a network description (the JSON of `spikeflow run --network`, {@link buildNetwork}) as a
 * NIR graph with the same seeded weights `buildNetwork` draws. NIR-expressible: linear maps, LIF,
 * LI, LIFBox, LIBox, IAF layers, and LIFRecurrent layers (`size`, optional `seed` or explicit
 * `inputWeights`/`recurrentWeights`), which become nested graphs with a recurrent edge.
 * @param spec - the description
 * @param inputSize - size of the input
 * @throws SpikeflowError naming the first layer NIR cannot express (ReLU, other recurrent and other models)
 */
export const networkToNir = (spec: NetworkSpec, inputSize: number): NirGraph => {
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new SpikeflowError('networkToNir', 'layers', `a network needs a non-empty "layers" array, received ${show(spec)}`);
  }
  let size = inputSize;
  const parts: NirPart[] = spec.layers.map((l, k) => {
    const arg = `layers[${k}]`;
    const type = String(l?.type ?? '').toLowerCase();
    if (type === 'linear') {
      const out = l.out as number;
      const p = linearInit(size, out, { seed: l.seed ?? k, bias: l.bias ?? true, dtype: 'float32' });
      size = out;
      return { kind: 'linear', weight: p.weight, bias: p.bias };
    }
    let model: NeuronModel;
    try {
      model = modelByName(String(l?.type));
    } catch {
      throw new SpikeflowError('networkToNir', `${arg}.type`, `${arg}.type ${show(l?.type)} has no NIR equivalent`);
    }
    if (model.recurrent) {
      // the weights buildNetwork runs with: the layer's own, else the seeded draws
      const hidden = checkPositiveInteger('networkToNir', `${arg}.size`, l.size);
      const drawn = recurrentLayerWeights(hidden, size, l.seed ?? k);
      const params: Record<string, unknown> = { ...(l.params ?? {}) };
      params.inputWeights ??= drawn.inputWeights;
      params.recurrentWeights ??= drawn.recurrentWeights;
      size = hidden;
      return { kind: 'neuron', model, params: params as never };
    }
    return { kind: 'neuron', model, params: l.params as never };
  });
  return toNir(parts, { inputShape: [inputSize] });
};
