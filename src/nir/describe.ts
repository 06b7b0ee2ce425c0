/**
 * A description of a NIR graph: its nodes in evaluation order with types, shapes and parameter
 * summaries, its edges (recurrent ones marked), and totals — what `spikeflow inspect model.nir`
 * prints and the playground shows.
 * @module
 */
import { showShape, sizeOf, type Tensor } from '../ops/tensor.js';
import type { NirGraph, NirNode } from './graph.js';
import { nirNeuronTypes } from './graph.js';
import { compileNir } from './runtime.js';

/** One node of a {@link NirDescription}. */
export interface NirNodeDescription {
  /** Flattened name (`sub.node` inside nested graphs). */
  readonly name: string;
  readonly type: string;
  /** Output shape of one sample. */
  readonly shape: readonly number[];
  /** Parameters summarised: arrays as `min…max` (or one value) with their shape. */
  readonly params: Readonly<Record<string, string>>;
}

/** What {@link describeNir} returns. */
export interface NirDescription {
  /** The file's version string, when known. */
  readonly version?: string | undefined;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly nodes: readonly NirNodeDescription[];
  readonly edges: readonly { readonly from: string; readonly to: string; readonly recurrent: boolean }[];
  /** Neurons (elements of neuron nodes), weights (elements of weight arrays), nested graphs. */
  readonly totals: { readonly neurons: number; readonly weights: number; readonly subgraphs: number };
  /** Metadata of the top-level graph. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

const fmt = (x: number): string =>
  Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4).replace(/\.?0+$/, '') : x.toExponential(3);

const summary = (t: Tensor): string => {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of t.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = t.data.length === 0 ? 'empty' : lo === hi ? fmt(lo) : `${fmt(lo)}…${fmt(hi)}`;
  return t.shape.length === 0 ? range : `${range} ${showShape(t.shape)}`;
};

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const paramsOf = (node: NirNode): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'type' || k === 'metadata' || k === 'nodes' || k === 'edges' || v === undefined) continue;
    if (v !== null && typeof v === 'object' && 'data' in (v as object) && 'shape' in (v as object)) out[snake(k)] = summary(v as Tensor);
    else if (Array.isArray(v)) out[snake(k)] = showShape(v as number[]);
    else out[snake(k)] = String(v);
  }
  return out;
};

const countWeights = (node: NirNode): number =>
  node.type === 'NIRGraph'
    ? Object.values(node.nodes).reduce((a, n) => a + countWeights(n), 0)
    : 'weight' in node
      ? sizeOf(node.weight.shape)
      : 0;

const countSubgraphs = (g: NirGraph): number =>
  Object.values(g.nodes).reduce((a, n) => a + (n.type === 'NIRGraph' ? 1 + countSubgraphs(n) : 0), 0);

const leaves = (g: NirGraph, prefix = ''): [string, NirNode][] =>
  Object.entries(g.nodes).flatMap(([k, n]) =>
    n.type === 'NIRGraph' ? leaves(n, `${prefix}${k}.`) : [[`${prefix}${k}`, n] as [string, NirNode]],
  );

const edgesOf = (g: NirGraph, prefix = ''): [string, string][] => [
  ...g.edges.map(([a, b]) => [`${prefix}${a}`, `${prefix}${b}`] as [string, string]),
  ...Object.entries(g.nodes).flatMap(([k, n]) => (n.type === 'NIRGraph' ? edgesOf(n, `${prefix}${k}.`) : [])),
];

/**
 * Describes a NIR graph (evaluation order, shapes, parameters, edges, totals).
 * @param graph - the graph
 * @param version - the file's version string, if known
 * @throws SpikeflowError when the graph cannot be compiled (unsupported nodes named, bad shapes)
 */
export const describeNir = (graph: NirGraph, version?: string): NirDescription => {
  const program = compileNir(graph);
  const byName = new Map(leaves(graph));
  const order = new Map(program.nodes.map((n, k) => [n.name, k]));
  const position = (name: string): number => order.get(name) ?? order.get(`${name}.output`) ?? order.get(`${name}.input`) ?? -1;
  const nodes = program.nodes.map((n) => ({ name: n.name, type: n.type, shape: n.shape, params: paramsOf(byName.get(n.name) as NirNode) }));
  const neurons = program.nodes
    .filter((n) => (nirNeuronTypes as readonly string[]).includes(n.type))
    .reduce((a, n) => a + sizeOf(n.shape), 0);
  return {
    version,
    inputShape: program.inputShape,
    outputShape: program.outputShape,
    nodes,
    edges: edgesOf(graph).map(([from, to]) => ({ from, to, recurrent: position(from) >= position(to) })),
    totals: { neurons, weights: countWeights(graph), subgraphs: countSubgraphs(graph) },
    metadata: graph.metadata,
  };
};

/** The description as text (one line per node, then the edges). */
export const formatNirDescription = (d: NirDescription): string => {
  const lines = [
    `NIR graph${d.version === undefined ? '' : ` (format ${d.version})`}: input ${showShape(d.inputShape)} → output ${showShape(d.outputShape)}`,
    `${d.nodes.length} nodes, ${d.totals.neurons} neurons, ${d.totals.weights} weights${d.totals.subgraphs > 0 ? `, ${d.totals.subgraphs} nested graph(s)` : ''}`,
    '',
  ];
  const w = Math.max(...d.nodes.map((n) => n.name.length), 4);
  const tw = Math.max(...d.nodes.map((n) => n.type.length), 4);
  for (const n of d.nodes) {
    const params = Object.entries(n.params)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`  ${n.name.padEnd(w)}  ${n.type.padEnd(tw)}  ${showShape(n.shape).padEnd(12)}  ${params}`);
  }
  lines.push('', 'edges:');
  for (const e of d.edges) lines.push(`  ${e.from} → ${e.to}${e.recurrent ? '  (recurrent: previous step)' : ''}`);
  if (d.metadata !== undefined && Object.keys(d.metadata).length > 0) lines.push('', `metadata: ${JSON.stringify(d.metadata)}`);
  return `${lines.join('\n')}\n`;
};
