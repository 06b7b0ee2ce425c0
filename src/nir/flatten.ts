/**
 * The structure of a NIR graph for running: nested graphs flattened into units (named
 * `outer.inner`; an edge to a subgraph enters its `Input` nodes, an edge from it leaves its
 * `Output` nodes), and the evaluation order (depth-first from the inputs, reverse post-order).
 * A source ordered after its target is a recurrent edge (read with one step of delay).
 * Source: NIR's graph semantics (`nir/ir/graph.py`).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import type { NirGraph, NirNode } from './graph.js';

/** A NIR node other than a graph. */
export type Leaf = Exclude<NirNode, NirGraph>;

/** One node of the flattened graph. */
export interface Unit {
  readonly name: string;
  readonly node: Leaf;
  sources: number[];
  inShape?: number[];
  outShape?: number[];
}

/**
 * Flattens nested graphs into units and resolved edges.
 * @throws SpikeflowError (`nir`, `edges`) when an edge names no node or a subgraph has no input/output node to connect it to
 */
export const flattenGraph = (graph: NirGraph) => {
  const units: Unit[] = [];
  const index = new Map<string, number>();
  const subgraphs = new Map<string, NirGraph>();
  const edges: [string, string][] = [];
  const walk = (g: NirGraph, prefix: string) => {
    for (const [name, node] of Object.entries(g.nodes)) {
      const full = `${prefix}${name}`;
      if (node.type === 'NIRGraph') {
        subgraphs.set(full, node);
        walk(node, `${full}.`);
      } else {
        index.set(full, units.length);
        units.push({ name: full, node, sources: [] });
      }
    }
    for (const [a, b] of g.edges) edges.push([`${prefix}${a}`, `${prefix}${b}`]);
  };
  walk(graph, '');
  const ends = (name: string, kind: 'Input' | 'Output', seen: Set<string> = new Set()): number[] => {
    const k = index.get(name);
    if (k !== undefined) return [k];
    const sub = subgraphs.get(name);
    if (sub === undefined || seen.has(name)) {
      throw new SpikeflowError('nir', 'edges', `edge endpoint '${name}' names no node (nodes: ${[...index.keys()].join(', ')})`);
    }
    seen.add(name);
    const inner = Object.entries(sub.nodes).filter(([, n]) => n.type === kind);
    if (inner.length === 0) throw new SpikeflowError('nir', 'edges', `subgraph '${name}' has no ${kind} node to connect an edge to`);
    return inner.flatMap(([n]) => ends(`${name}.${n}`, kind, seen));
  };
  for (const [a, b] of edges) {
    const from = ends(a, 'Output');
    const to = ends(b, 'Input');
    for (const t of to) for (const f of from) (units[t] as Unit).sources.push(f);
  }
  const top = (kind: 'Input' | 'Output') =>
    Object.entries(graph.nodes)
      .filter(([, n]) => n.type === kind)
      .map(([n]) => index.get(n) as number);
  return { units, inputs: top('Input'), outputs: top('Output') };
};

/** Depth-first order from the inputs (reverse post-order), then any node not reached. */
export const evaluationOrder = (units: readonly Unit[], inputs: readonly number[]): number[] => {
  const targets: number[][] = units.map(() => []);
  units.forEach((u, k) => {
    for (const s of u.sources) (targets[s] as number[]).push(k);
  });
  const seen = new Uint8Array(units.length);
  const post: number[] = [];
  const visit = (root: number) => {
    // iterative DFS (graphs may be deep)
    const stack: [number, number][] = [[root, 0]];
    seen[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const next = (targets[top[0]] as number[])[top[1]++];
      if (next === undefined) {
        post.push(top[0]);
        stack.pop();
      } else if (!seen[next]) {
        seen[next] = 1;
        stack.push([next, 0]);
      }
    }
  };
  for (const i of inputs) if (!seen[i]) visit(i);
  // nodes without a path from the inputs (e.g. driven by a bias only), sources first
  for (let k = 0; k < units.length; k++) if (!seen[k] && (units[k] as Unit).sources.length === 0) visit(k);
  for (let k = 0; k < units.length; k++) if (!seen[k]) visit(k);
  return post.reverse();
};
