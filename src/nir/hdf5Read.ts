/**
 * Reading the groups of a NIR file (HDF5, `nir` 1.0.x layout) into typed NIR nodes: the file's
 * tree as plain records ({@link readTree}), then one node per group ({@link toNode}), parameters
 * from snake_case datasets to camelCase fields.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { NirNode } from './graph.js';

type H5 = typeof import('h5wasm').default;

/** A raw HDF5 tree: groups as records, datasets as their values (typed arrays, strings, numbers). */
export type Raw = { [key: string]: Raw | RawValue };
/** A dataset as read: its value (typed array, string or number) and its shape (`[]` for a scalar). */
export type RawValue = { readonly value: unknown; readonly shape: readonly number[] };

/** Whether a tree entry is a dataset (not a group). */
export const isRawValue = (v: Raw | RawValue): v is RawValue =>
  'value' in v && 'shape' in v && !('type' in v && typeof (v as Raw).type === 'object');

/** Reads an HDF5 group and everything below it into a {@link Raw} tree. */
export const readTree = (h5mod: H5, g: InstanceType<H5['Group']>): Raw => {
  const out: Raw = {};
  for (const key of g.keys()) {
    const child = g.get(key);
    if (child instanceof h5mod.Group) out[key] = readTree(h5mod, child);
    else if (child instanceof h5mod.Dataset) out[key] = { value: child.value, shape: child.shape ?? [] };
  }
  return out;
};

const where = 'readNir';

const str = (node: Raw, key: string, path: string): string => {
  const v = node[key];
  if (v === undefined || !isRawValue(v)) throw new SpikeflowError(where, path, `${path}/${key} is missing`);
  const s = Array.isArray(v.value) ? v.value[0] : v.value;
  if (typeof s !== 'string') throw new SpikeflowError(where, path, `${path}/${key} must be a string, received ${show(s)}`);
  return s;
};

const numbers = (v: RawValue): number[] => {
  const x = v.value;
  if (typeof x === 'number') return [x];
  if (typeof x === 'bigint') return [Number(x)];
  if (typeof x === 'boolean') return [x ? 1 : 0];
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number | bigint>, (e) => Number(e));
  if (Array.isArray(x)) return x.map((e) => Number(e));
  throw new SpikeflowError(where, 'value', `expected numbers, received ${show(x)}`);
};

const has = (node: Raw, key: string): boolean => node[key] !== undefined;

const tensorOf = (node: Raw, key: string, path: string): Tensor => {
  const v = node[key];
  if (v === undefined || !isRawValue(v)) throw new SpikeflowError(where, path, `${path} has no parameter '${key}'`);
  const x = v.value;
  const shape = [...v.shape];
  if (x instanceof Float32Array) return fromTypedArray(new Float32Array(x), shape);
  const data = Float32Array.from(numbers(v));
  return fromTypedArray(data, data.length === 1 && shape.length === 0 ? [] : shape);
};

const ints = (node: Raw, key: string, path: string, dflt?: number[]): number[] => {
  const v = node[key];
  if (v === undefined || !isRawValue(v)) {
    if (dflt !== undefined) return dflt;
    throw new SpikeflowError(where, path, `${path} has no parameter '${key}'`);
  }
  return numbers(v);
};

const metadataOf = (node: Raw): Record<string, unknown> | undefined => {
  const m = node.metadata;
  if (m === undefined || isRawValue(m)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = isRawValue(v) ? v.value : metadataOf({ metadata: v });
  return out;
};

const zerosLike = (t: Tensor): Tensor => fromTypedArray(new Float32Array(t.data.length), t.shape);

/**
 * Converts a raw HDF5 node group into a typed NIR node (unknown types keep their name for the error).
 * @param node - the node's group as read by {@link readTree}
 * @param path - its path in the file, for messages (e.g. `node.nodes.lif`)
 * @throws SpikeflowError (`readNir`, argument `data`) naming the path of a missing or malformed parameter
 */
export const toNode = (node: Raw, path: string): NirNode => {
  const type = str(node, 'type', path);
  const metadata = metadataOf(node);
  const m = metadata === undefined ? {} : { metadata };
  const t = (k: string) => tensorOf(node, k, path);
  switch (type) {
    case 'NIRGraph': {
      const nodesRaw = node.nodes;
      if (nodesRaw === undefined || isRawValue(nodesRaw)) throw new SpikeflowError(where, path, `${path} (NIRGraph) has no nodes group`);
      const nodes: Record<string, NirNode> = {};
      for (const [k, v] of Object.entries(nodesRaw)) {
        if (isRawValue(v)) throw new SpikeflowError(where, path, `${path}/nodes/${k} is a dataset, expected a node group`);
        nodes[k] = toNode(v, `${path}/nodes/${k}`);
      }
      const e = node.edges;
      let edges: [string, string][] = [];
      if (e !== undefined && isRawValue(e)) {
        const flat = (Array.isArray(e.value) ? e.value : [e.value]).flat() as unknown[];
        if (flat.length % 2 !== 0 || !flat.every((s) => typeof s === 'string')) {
          throw new SpikeflowError(where, path, `${path}/edges must be [E, 2] strings, received ${show(e.value)}`);
        }
        edges = [];
        for (let k = 0; k < flat.length; k += 2) edges.push([flat[k] as string, flat[k + 1] as string]);
      }
      return { type, nodes, edges, ...m };
    }
    case 'Input':
    case 'Output':
      return { type, shape: ints(node, 'shape', path), ...m };
    case 'Affine':
      return { type, weight: t('weight'), bias: t('bias'), ...m };
    case 'Linear':
      return { type, weight: t('weight'), ...m };
    case 'Scale':
      return { type, scale: t('scale'), ...m };
    case 'Threshold':
      return { type, threshold: t('threshold'), ...m };
    case 'Flatten': {
      const inputType = has(node, 'input_type') ? ints(node, 'input_type', path) : undefined;
      return {
        type,
        startDim: ints(node, 'start_dim', path, [1])[0] as number,
        endDim: ints(node, 'end_dim', path, [-1])[0] as number,
        inputType,
        ...m,
      };
    }
    case 'CubaLIF': {
      const vThreshold = t('v_threshold');
      return {
        type,
        tauSyn: t('tau_syn'),
        tauMem: t('tau_mem'),
        r: t('r'),
        vLeak: t('v_leak'),
        vThreshold,
        vReset: has(node, 'v_reset') ? t('v_reset') : zerosLike(vThreshold),
        wIn: has(node, 'w_in') ? t('w_in') : fromTypedArray(new Float32Array(vThreshold.data.length).fill(1), vThreshold.shape),
        ...m,
      };
    }
    case 'CubaLI': {
      const vLeak = t('v_leak');
      return {
        type,
        tauSyn: t('tau_syn'),
        tauMem: t('tau_mem'),
        r: t('r'),
        vLeak,
        wIn: has(node, 'w_in') ? t('w_in') : fromTypedArray(new Float32Array(vLeak.data.length).fill(1), vLeak.shape),
        ...m,
      };
    }
    case 'LIF': {
      const vThreshold = t('v_threshold');
      return {
        type,
        tau: t('tau'),
        r: t('r'),
        vLeak: t('v_leak'),
        vThreshold,
        vReset: has(node, 'v_reset') ? t('v_reset') : zerosLike(vThreshold),
        ...m,
      };
    }
    case 'LI':
      return { type, tau: t('tau'), r: t('r'), vLeak: t('v_leak'), ...m };
    case 'IF': {
      const vThreshold = t('v_threshold');
      return { type, r: t('r'), vThreshold, vReset: has(node, 'v_reset') ? t('v_reset') : zerosLike(vThreshold), ...m };
    }
    case 'I':
      return { type, r: t('r'), ...m };
    case 'Delay':
      return { type, delay: t('delay'), ...m };
    case 'Conv1d':
    case 'Conv2d': {
      const dims = type === 'Conv1d' ? 1 : 2;
      const spread = (v: number[]) => (v.length === 1 && dims === 2 ? [v[0] as number, v[0] as number] : v);
      const p = node.padding;
      const padding =
        p !== undefined && isRawValue(p) && typeof p.value === 'string'
          ? (p.value as 'same' | 'valid')
          : spread(ints(node, 'padding', path, [0]));
      const inputShape = has(node, 'input_shape') ? ints(node, 'input_shape', path) : undefined;
      return {
        type,
        weight: t('weight'),
        bias: has(node, 'bias') ? t('bias') : fromTypedArray(new Float32Array(t('weight').shape[0] ?? 0), [t('weight').shape[0] ?? 0]),
        stride: spread(ints(node, 'stride', path, [1])),
        padding,
        dilation: spread(ints(node, 'dilation', path, [1])),
        groups: ints(node, 'groups', path, [1])[0] as number,
        inputShape: inputShape && inputShape.length > 0 ? inputShape : undefined,
        ...m,
      };
    }
    case 'SumPool2d':
    case 'AvgPool2d': {
      const spread = (v: number[]) => (v.length === 1 ? [v[0] as number, v[0] as number] : v);
      const kernelSize = spread(ints(node, 'kernel_size', path));
      return {
        type,
        kernelSize,
        stride: spread(ints(node, 'stride', path, kernelSize)),
        padding: spread(ints(node, 'padding', path, [0, 0])),
        ...m,
      };
    }
    default:
      return { type, ...m } as unknown as NirNode;
  }
};
