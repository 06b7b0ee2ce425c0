/**
 * NIR files (HDF5) read and written through h5wasm (the HDF5 C library compiled to WebAssembly),
 * in Node and in the browser alike: the file's bytes go into h5wasm's in-memory file system, so no
 * path or network access is involved. h5wasm is loaded on first use (`import('h5wasm')`).
 *
 * Layout (as the `nir` package 1.0.x writes it, `nir/serialization.py`): a root dataset `version`
 * (UTF-8 string), a group `node` holding the graph: `type` (`"NIRGraph"`), `edges` (`[E, 2]` strings),
 * `nodes/<name>/` one group per node with a `type` string and one dataset per parameter in
 * snake_case (float32 arrays; int64 for shapes, strides, paddings), optional `metadata` group.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import type { NirGraph, NirNode } from './graph.js';
import { assertSupported, nirVersion } from './graph.js';

type H5 = typeof import('h5wasm').default;
let h5:
  | Promise<{ h5: H5; FS: { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } }>
  | undefined;

/** Loads h5wasm once (its WebAssembly module is initialised on first use). */
const loadH5 = () => {
  h5 ??= import('h5wasm').then(async (m) => {
    const mod = await m.default.ready;
    return { h5: m.default, FS: mod.FS as never };
  });
  return h5;
};

let counter = 0;
const tempName = (): string => `/spikeflow-nir-${Date.now().toString(36)}-${(counter++).toString(36)}.h5`;

/** A raw HDF5 tree: groups as records, datasets as their values (typed arrays, strings, numbers). */
type Raw = { [key: string]: Raw | RawValue };
type RawValue = { readonly value: unknown; readonly shape: readonly number[] };

const isRawValue = (v: Raw | RawValue): v is RawValue =>
  'value' in v && 'shape' in v && !('type' in v && typeof (v as Raw).type === 'object');

const readTree = (h5mod: H5, g: InstanceType<H5['Group']>): Raw => {
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

/** Converts a raw HDF5 node group into a typed NIR node (unknown types keep their name for the error). */
const toNode = (node: Raw, path: string): NirNode => {
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

/** A NIR file as read: the graph and the format version the file declares. */
export interface NirFile {
  /** The top-level graph. */
  readonly graph: NirGraph;
  /** The `version` string the writer stored (e.g. `1.0.7+git7232ada`), or undefined when absent. */
  readonly version: string | undefined;
}

const toBytes = (where: string, data: Uint8Array | ArrayBuffer): Uint8Array => {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new SpikeflowError(where, 'data', `expected the file's bytes as a Uint8Array or ArrayBuffer, received ${show(data)}`);
};

const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the HDF5 format signature sits at offset 0, 512, 1024, 2048, … (HDF5's user-block rule). */
const hasHdf5Signature = (bytes: Uint8Array): boolean => {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (signature.every((b, k) => bytes[at + k] === b)) return true;
  }
  return false;
};

/**
 * Reads a NIR file from its bytes (HDF5), in Node or a browser.
 * @param data - the whole file (`fs.readFileSync(path)`, `await file.arrayBuffer()`)
 * @returns the graph (nested graphs included) and the file's version string
 * @throws SpikeflowError when the bytes are not HDF5, the file has no `node` group, a parameter is
 *   missing, or the graph holds node types spikeflow does not support (all of them named)
 */
export const readNirFile = async (data: Uint8Array | ArrayBuffer): Promise<NirFile> => {
  const bytes = toBytes('readNir', data);
  if (!hasHdf5Signature(bytes)) {
    throw new SpikeflowError('readNir', 'data', `not an HDF5 file: no HDF5 signature in its ${bytes.length} bytes (a NIR file is HDF5)`);
  }
  const { h5: h5mod, FS } = await loadH5();
  const name = tempName();
  FS.writeFile(name, bytes);
  let raw: Raw;
  let version: string | undefined;
  try {
    let f: InstanceType<H5['File']>;
    try {
      f = new h5mod.File(name, 'r');
    } catch (e) {
      throw new SpikeflowError('readNir', 'data', `not an HDF5 file (${(e as Error).message ?? show(e)})`);
    }
    try {
      raw = readTree(h5mod, f);
    } finally {
      f.close();
    }
  } finally {
    FS.unlink(name);
  }
  const v = raw.version;
  if (v !== undefined && isRawValue(v) && typeof v.value === 'string') version = v.value;
  const node = raw.node;
  if (node === undefined || isRawValue(node)) {
    throw new SpikeflowError('readNir', 'data', `not a NIR file: no 'node' group at the root (found ${show(Object.keys(raw))})`);
  }
  const graph = toNode(node, 'node');
  if (graph.type !== 'NIRGraph') {
    return { graph: { type: 'NIRGraph', nodes: { node: graph }, edges: [] }, version };
  }
  assertSupported(graph);
  return { graph, version };
};

/**
 * Reads a NIR file's graph from its bytes; see {@link readNirFile}.
 * @throws SpikeflowError as {@link readNirFile}
 */
export const readNir = async (data: Uint8Array | ArrayBuffer): Promise<NirGraph> => (await readNirFile(data)).graph;

type H5Group = InstanceType<H5['Group']>;

const writeArray = (g: H5Group, name: string, t: Tensor): void => {
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  const shape = [...t.shape];
  if (shape.length > 0 && data.length > 0)
    g.create_dataset({ name, data, shape, dtype: '<f', chunks: shape, compression: 'gzip', compression_opts: 4 });
  else g.create_dataset({ name, data, shape, dtype: '<f' });
};

const writeInts = (g: H5Group, name: string, values: readonly number[], scalar = false): void => {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  if (scalar) g.create_dataset({ name, data, shape: [], dtype: '<q' });
  else if (data.length > 0)
    g.create_dataset({ name, data, shape: [data.length], dtype: '<q', chunks: [data.length], compression: 'gzip', compression_opts: 4 });
  else g.create_dataset({ name, data, shape: [0], dtype: '<q' });
};

const writeMetadata = (g: H5Group, m: Readonly<Record<string, unknown>> | undefined): void => {
  if (m === undefined || Object.keys(m).length === 0) return;
  const mg = g.create_group('metadata');
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') mg.create_dataset({ name: k, data: v });
    else if (typeof v === 'number') mg.create_dataset({ name: k, data: new Float64Array([v]), shape: [], dtype: '<d' });
    else if (typeof v === 'boolean') mg.create_dataset({ name: k, data: new BigInt64Array([v ? 1n : 0n]), shape: [], dtype: '<q' });
    else if (v instanceof Float32Array || v instanceof Float64Array) mg.create_dataset({ name: k, data: v });
    else if (Array.isArray(v) && v.every((e) => typeof e === 'number'))
      mg.create_dataset({ name: k, data: Float64Array.from(v as number[]) });
    else if (Array.isArray(v) && v.every((e) => typeof e === 'string')) mg.create_dataset({ name: k, data: v as string[] });
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v))
      writeMetadata(mg.create_group(k) as never, v as Record<string, unknown>);
    else
      throw new SpikeflowError(
        'writeNir',
        `metadata.${k}`,
        `metadata values must be strings, numbers, booleans, number arrays or records, received ${show(v)}`,
      );
  }
};

const writeNode = (g: H5Group, node: NirNode): void => {
  g.create_dataset({ name: 'type', data: node.type });
  switch (node.type) {
    case 'NIRGraph': {
      const edges = node.edges.flat() as string[];
      if (edges.length > 0) g.create_dataset({ name: 'edges', data: edges, shape: [node.edges.length, 2] });
      else g.create_dataset({ name: 'edges', data: new Float64Array(0), shape: [0], dtype: '<d' });
      const ng = g.create_group('nodes');
      for (const [k, child] of Object.entries(node.nodes)) writeNode(ng.create_group(k), child);
      break;
    }
    case 'Input':
    case 'Output':
      writeInts(g, 'shape', node.shape);
      break;
    case 'Affine':
      writeArray(g, 'bias', node.bias);
      writeArray(g, 'weight', node.weight);
      break;
    case 'Linear':
      writeArray(g, 'weight', node.weight);
      break;
    case 'Scale':
      writeArray(g, 'scale', node.scale);
      break;
    case 'Threshold':
      writeArray(g, 'threshold', node.threshold);
      break;
    case 'Flatten':
      writeInts(g, 'start_dim', [node.startDim], true);
      writeInts(g, 'end_dim', [node.endDim], true);
      if (node.inputType !== undefined) writeInts(g, 'input_type', node.inputType);
      break;
    case 'CubaLIF':
      for (const [k, v] of [
        ['r', node.r],
        ['tau_mem', node.tauMem],
        ['tau_syn', node.tauSyn],
        ['v_leak', node.vLeak],
        ['v_reset', node.vReset],
        ['v_threshold', node.vThreshold],
        ['w_in', node.wIn],
      ] as const)
        writeArray(g, k, v);
      break;
    case 'CubaLI':
      for (const [k, v] of [
        ['r', node.r],
        ['tau_mem', node.tauMem],
        ['tau_syn', node.tauSyn],
        ['v_leak', node.vLeak],
        ['w_in', node.wIn],
      ] as const)
        writeArray(g, k, v);
      break;
    case 'LIF':
      for (const [k, v] of [
        ['r', node.r],
        ['tau', node.tau],
        ['v_leak', node.vLeak],
        ['v_reset', node.vReset],
        ['v_threshold', node.vThreshold],
      ] as const)
        writeArray(g, k, v);
      break;
    case 'LI':
      for (const [k, v] of [
        ['r', node.r],
        ['tau', node.tau],
        ['v_leak', node.vLeak],
      ] as const)
        writeArray(g, k, v);
      break;
    case 'IF':
      for (const [k, v] of [
        ['r', node.r],
        ['v_reset', node.vReset],
        ['v_threshold', node.vThreshold],
      ] as const)
        writeArray(g, k, v);
      break;
    case 'I':
      writeArray(g, 'r', node.r);
      break;
    case 'Delay':
      writeArray(g, 'delay', node.delay);
      break;
    case 'Conv1d':
    case 'Conv2d':
      writeArray(g, 'bias', node.bias);
      writeInts(g, 'dilation', node.dilation);
      writeInts(g, 'groups', [node.groups], true);
      if (node.inputShape !== undefined) writeInts(g, 'input_shape', node.inputShape);
      if (typeof node.padding === 'string') g.create_dataset({ name: 'padding', data: node.padding });
      else writeInts(g, 'padding', typeof node.padding === 'number' ? [node.padding] : node.padding);
      writeInts(g, 'stride', node.stride);
      writeArray(g, 'weight', node.weight);
      break;
    case 'SumPool2d':
    case 'AvgPool2d':
      writeInts(g, 'kernel_size', node.kernelSize);
      writeInts(g, 'padding', node.padding);
      writeInts(g, 'stride', node.stride);
      break;
    default:
      throw new SpikeflowError('writeNir', 'graph', `cannot write node type ${show((node as { type: unknown }).type)}`);
  }
  writeMetadata(g, node.metadata);
};

/**
 * Writes a NIR graph as a NIR file (HDF5 bytes) in the layout of the `nir` package 1.0.x: root
 * `version`, group `node` with `type`, `edges`, `nodes/<name>/…`; float32 parameters gzip-compressed,
 * int64 shapes; metadata only when non-empty.
 * @param graph - a graph (e.g. from {@link readNir} or `toNir`)
 * @returns the file's bytes (write them with `fs.writeFileSync` or offer them as a download)
 * @throws SpikeflowError for unsupported node types or metadata values HDF5 cannot hold
 */
export const writeNir = async (graph: NirGraph): Promise<Uint8Array> => {
  if (graph === null || typeof graph !== 'object' || graph.type !== 'NIRGraph') {
    throw new SpikeflowError('writeNir', 'graph', `expected a NIR graph { type: 'NIRGraph', nodes, edges }, received ${show(graph)}`);
  }
  assertSupported(graph);
  const { h5: h5mod, FS } = await loadH5();
  const name = tempName();
  try {
    const f = new h5mod.File(name, 'w');
    try {
      f.create_dataset({ name: 'version', data: nirVersion });
      writeNode(f.create_group('node'), graph);
    } finally {
      f.close();
    }
    return FS.readFile(name);
  } finally {
    try {
      FS.unlink(name);
    } catch {
      // the file was never created
    }
  }
};
