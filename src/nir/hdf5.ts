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
import type { NirGraph } from './graph.js';
import { assertSupported, nirVersion } from './graph.js';
import { isRawValue, type Raw, readTree, toNode } from './hdf5Read.js';
import { writeNode } from './hdf5Write.js';

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
