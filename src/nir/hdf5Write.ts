/**
 * Writing NIR nodes into the groups of a NIR file (HDF5, `nir` 1.0.x layout): camelCase fields to
 * snake_case datasets, float32 parameters, int64 shapes, metadata.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import type { Tensor } from '../ops/tensor.js';
import type { NirNode } from './graph.js';

type H5 = typeof import('h5wasm').default;

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

/**
 * Writes a NIR node into an HDF5 group: its `type`, one dataset per parameter (float32 gzip-compressed,
 * int64 shapes), nested graphs as groups, metadata when non-empty.
 * @throws SpikeflowError (`writeNir`) for metadata values HDF5 cannot hold
 */
export const writeNode = (g: H5Group, node: NirNode): void => {
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
