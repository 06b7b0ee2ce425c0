/**
 * NIR graphs in memory: the node types of the Neuromorphic Intermediate Representation (Pedersen
 * et al., Nature Communications 2024; the `nir` Python package 1.0.x) with camelCase fields.
 * Array parameters are tensors (float32 as NIR files hold them); shapes exclude the batch.
 * @module
 */

import type { ConvPadding } from '../ops/conv.js';
import { SpikeflowError, show } from '../ops/errors.js';
import type { Tensor } from '../ops/tensor.js';

/** Free-form metadata of a node (never needed to run it, as NIR requires). */
export type NirMetadata = Readonly<Record<string, unknown>>;

interface Base {
  readonly metadata?: NirMetadata | undefined;
}

/** Graph input: `shape` of one sample (batch excluded). */
export interface NirInput extends Base {
  readonly type: 'Input';
  readonly shape: readonly number[];
}
/** Graph output: `shape` of one sample. */
export interface NirOutput extends Base {
  readonly type: 'Output';
  readonly shape: readonly number[];
}
/** `y = W x + b` over the last dimension; `weight` `[out, in]`, `bias` `[out]`. */
export interface NirAffine extends Base {
  readonly type: 'Affine';
  readonly weight: Tensor;
  readonly bias: Tensor;
}
/** `y = W x`; `weight` `[out, in]`. */
export interface NirLinear extends Base {
  readonly type: 'Linear';
  readonly weight: Tensor;
}
/** `y = s ⊙ x`. */
export interface NirScale extends Base {
  readonly type: 'Scale';
  readonly scale: Tensor;
}
/** `z = Θ(x − θ)` (1 where `x > θ`). */
export interface NirThreshold extends Base {
  readonly type: 'Threshold';
  readonly threshold: Tensor;
}
/** Merges dimensions `startDim..endDim` of the (unbatched) input, as NIR's `calc_flatten_output`. */
export interface NirFlatten extends Base {
  readonly type: 'Flatten';
  readonly startDim: number;
  readonly endDim: number;
  readonly inputType?: readonly number[] | undefined;
}
/** Current-based LIF: `τ_syn İ = −I + w_in·S`, `τ_mem v̇ = (v_leak − v) + R·I`, spike and reset. */
export interface NirCubaLIF extends Base {
  readonly type: 'CubaLIF';
  readonly tauSyn: Tensor;
  readonly tauMem: Tensor;
  readonly r: Tensor;
  readonly vLeak: Tensor;
  readonly vThreshold: Tensor;
  readonly vReset: Tensor;
  readonly wIn: Tensor;
}
/** Current-based leaky integrator: CubaLIF without spikes; output `v`. */
export interface NirCubaLI extends Base {
  readonly type: 'CubaLI';
  readonly tauSyn: Tensor;
  readonly tauMem: Tensor;
  readonly r: Tensor;
  readonly vLeak: Tensor;
  readonly wIn: Tensor;
}
/** Leaky integrate-and-fire: `τ v̇ = (v_leak − v) + R·I`, spike when `v > v_threshold`, reset to `v_reset`. */
export interface NirLIF extends Base {
  readonly type: 'LIF';
  readonly tau: Tensor;
  readonly r: Tensor;
  readonly vLeak: Tensor;
  readonly vThreshold: Tensor;
  readonly vReset: Tensor;
}
/** Leaky integrator: `τ v̇ = (v_leak − v) + R·I`; output `v`. */
export interface NirLI extends Base {
  readonly type: 'LI';
  readonly tau: Tensor;
  readonly r: Tensor;
  readonly vLeak: Tensor;
}
/** Integrate-and-fire: `v̇ = R·I`, spike when `v > v_threshold`, reset to `v_reset`. */
export interface NirIF extends Base {
  readonly type: 'IF';
  readonly r: Tensor;
  readonly vThreshold: Tensor;
  readonly vReset: Tensor;
}
/** Integrator: `v̇ = R·I`; output `v`. */
export interface NirI extends Base {
  readonly type: 'I';
  readonly r: Tensor;
}
/** `y(t) = x(t − τ)`, `delay` per element in seconds. */
export interface NirDelay extends Base {
  readonly type: 'Delay';
  readonly delay: Tensor;
}
/** Convolution (torch semantics). */
export interface NirConv extends Base {
  readonly type: 'Conv1d' | 'Conv2d';
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly stride: readonly number[];
  readonly padding: ConvPadding;
  readonly dilation: readonly number[];
  readonly groups: number;
  /** Spatial input size (`[L]` or `[H, W]`), when the file gives it. */
  readonly inputShape?: readonly number[] | undefined;
}
/** Sum or average pooling over 2-d maps. */
export interface NirPool extends Base {
  readonly type: 'SumPool2d' | 'AvgPool2d';
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
}
/** A graph: named nodes (possibly graphs themselves) and directed edges `[from, to]`. */
export interface NirGraph extends Base {
  readonly type: 'NIRGraph';
  readonly nodes: Readonly<Record<string, NirNode>>;
  readonly edges: readonly (readonly [string, string])[];
}

/** Any NIR node spikeflow knows. */
export type NirNode =
  | NirInput
  | NirOutput
  | NirAffine
  | NirLinear
  | NirScale
  | NirThreshold
  | NirFlatten
  | NirCubaLIF
  | NirCubaLI
  | NirLIF
  | NirLI
  | NirIF
  | NirI
  | NirDelay
  | NirConv
  | NirPool
  | NirGraph;

/** The NIR node types spikeflow reads, runs and writes. */
export const nirNodeTypes = [
  'Input',
  'Output',
  'Affine',
  'Linear',
  'Scale',
  'Threshold',
  'Flatten',
  'CubaLIF',
  'CubaLI',
  'LIF',
  'LI',
  'IF',
  'I',
  'Delay',
  'Conv1d',
  'Conv2d',
  'SumPool2d',
  'AvgPool2d',
  'NIRGraph',
] as const;

/** The NIR format version spikeflow writes (the `nir` package's `nir.version` it follows). */
export const nirVersion = '1.0.7';

/** The neuron node types (stateful, with per-neuron parameters). */
export const nirNeuronTypes = ['CubaLIF', 'CubaLI', 'LIF', 'LI', 'IF', 'I'] as const;

/**
 * Lists every node (recursively, with dotted paths for nested graphs) whose type spikeflow does
 * not support.
 */
export const unsupportedNodes = (graph: NirGraph, prefix = ''): string[] =>
  Object.entries(graph.nodes).flatMap(([name, node]) => {
    const path = `${prefix}${name}`;
    const type = (node as { type: unknown }).type;
    if (type === 'NIRGraph') return unsupportedNodes(node as NirGraph, `${path}.`);
    return (nirNodeTypes as readonly unknown[]).includes(type) ? [] : [`${path} (${show(type)})`];
  });

/**
 * Throws when the graph holds a node type spikeflow does not support, naming every such node.
 * @throws SpikeflowError `nir: unsupported NIR node(s) …`
 */
export const assertSupported = (graph: NirGraph): void => {
  const bad = unsupportedNodes(graph);
  if (bad.length > 0) {
    throw new SpikeflowError(
      'nir',
      'graph',
      `unsupported NIR node${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; supported types: ${nirNodeTypes.join(', ')}`,
    );
  }
};
