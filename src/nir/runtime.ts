/**
 * Running a NIR graph: any graph of supported nodes (feed-forward, recurrent, nested subgraphs)
 * stepped with a chosen `dt` and discretisation.
 *
 * **Graph semantics.** Nested graphs are flattened (their nodes named `outer.inner`; an edge to a
 * subgraph enters its `Input` nodes, an edge from it leaves its `Output` nodes). Nodes are ordered
 * depth-first from the graph's inputs; a node's input is the sum of its sources' outputs — the
 * current step's output of a source ordered before it, the previous step's output of a source
 * ordered after it (a recurrent edge, one step of delay; zeros at the start).
 *
 * **Time.** NIR's equations are continuous, with time constants in seconds. Two discretisations:
 * - `'norse'` (default): Norse's forward Euler, operation for operation (float32 rounding after
 *   every operation as torch does), with inputs acting as impulses (never multiplied by `dt`):
 *   - CubaLIF (Norse `LIFCell`): `i_j = i + w_in·x`, `v_d = v + (dt·τ_mem⁻¹)·((v_leak − v) + R·i_j)`,
 *     `i' = i_j − (dt·τ_syn⁻¹)·i_j`, `z = Θ(v_d − v_th)`, `v' = z ? v_reset : v_d`; initial `v = v_leak`, `i = 0`
 *   - CubaLI (Norse `LICell`): as CubaLIF without spikes, output `v'`
 *   - LIF (Norse `LIFBoxCell`): `v_d = v + (dt·τ⁻¹)·((R·x + v_leak) − v)`, spike and reset; initial `v = v_leak`
 *   - LI (Norse `LIBoxCell`): `v' = v + (dt·τ⁻¹)·((v_leak − v) + R·x)`; output `v'`
 *   - IF (Norse `IAFCell`): `v_j = v + R·x`, spike when `v_j > v_th`, reset; initial `v = v_reset`
 *   - I: `v' = v + R·x`; initial 0
 *   where `τ⁻¹ = 1/τ` is computed in float32, as Norse's `from_nir` does.
 * - `'exact'`: exponential (zero-order-hold) integration: the factor `dt·τ⁻¹` becomes
 *   `1 − e^{−dt/τ}` and a current decays by `e^{−dt/τ_syn}`; stable for any `dt`.
 * Other nodes: Affine `W x + b`, Linear `W x`, Scale `s ⊙ x`, Threshold `Θ(x − θ)`, Flatten,
 * Conv1d/Conv2d, SumPool2d/AvgPool2d (see `ops/conv.ts`, `ops/pool.ts`), Delay (`x(t − τ)`,
 * `round(τ/dt)` steps per element).
 * Source: NIR (`nir/ir/*.py`, Pedersen et al. 2024); Norse `norse/torch/utils/import_nir.py` and
 * `functional/{lif,leaky_integrator,lif_box,leaky_integrator_box,iaf}.py`.
 * @module
 */
import { conv1d, conv2d, convOutputShape } from '../ops/conv.js';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import { avgPool2d, flattenShape, pool2dOutputShape, sumPool2d } from '../ops/pool.js';
import { allocate, type DType, dtypeOf, fromTypedArray, showShape, sizeOf, type Tensor, type TensorData } from '../ops/tensor.js';
import { checkOptions, checkPositiveInteger } from '../ops/validate.js';
import type { NirGraph, NirNode } from './graph.js';
import { assertSupported } from './graph.js';

/** How NIR's continuous equations advance by one step. */
export type NirDiscretisation = 'norse' | 'exact';

/** Options of {@link compileNir}. */
export interface NirRunOptions {
  /** Time step in seconds (> 0; default 0.001). */
  readonly dt?: number;
  /** `'norse'` (forward Euler as Norse, default) or `'exact'` (exponential integration). */
  readonly discretisation?: NirDiscretisation;
  /** Arithmetic: `float32` (default, as torch) or `float64`. */
  readonly dtype?: DType;
  /** Also return every node's output per step (`layers`); default false. */
  readonly record?: boolean;
}

type Leaf = Exclude<NirNode, NirGraph>;

/** One node of the flattened graph. */
interface Unit {
  readonly name: string;
  readonly node: Leaf;
  sources: number[];
  inShape?: number[];
  outShape?: number[];
}

/** The state of a running NIR graph: per node its state variables, and the last outputs. */
export interface NirState {
  /** Batch size the state was made for. */
  readonly batch: number;
  /** Per node name: its state variables (`v`, `i`, delay buffers), each `[batch, ...shape]` flat. */
  readonly nodes: Readonly<Record<string, Readonly<Record<string, TensorData>>>>;
  /** Per node name: its output of the last step (read by recurrent edges). */
  readonly last: Readonly<Record<string, TensorData>>;
}

/** What {@link NirProgram.run} returns. */
export interface NirResult {
  /** The first output node's values `[T, batch, ...shape]`. */
  readonly output: Tensor;
  /** Every `Output` node's values by name. */
  readonly outputs: Readonly<Record<string, Tensor>>;
  /** With `record: true`: every node's output per step `[T, batch, ...shape]` by (flattened) name. */
  readonly layers: Readonly<Record<string, Tensor>>;
  /** The state after the last step (pass it to the next `run` to continue). */
  readonly state: NirState;
}

/** A compiled NIR graph. */
export interface NirProgram {
  /** Names of the graph's `Input` nodes, in file order. */
  readonly inputs: readonly string[];
  /** Names of the graph's `Output` nodes, in file order. */
  readonly outputs: readonly string[];
  /** Shape of one sample of the first input (batch excluded). */
  readonly inputShape: readonly number[];
  /** Shape of one sample of the first output. */
  readonly outputShape: readonly number[];
  /** Every (flattened) node in evaluation order with its type and output shape. */
  readonly nodes: readonly { readonly name: string; readonly type: string; readonly shape: readonly number[] }[];
  /** The state before the first step for a batch of `batch` samples. */
  initialState(batch: number): NirState;
  /**
   * Runs a chunk: `xs` `[T, batch, ...inputShape]` (or a record by input name for several inputs),
   * continuing from `state` (default: the initial state). Pure: neither `xs` nor `state` changes.
   * @throws SpikeflowError when the input's shape or batch does not match
   */
  run(xs: Tensor | Readonly<Record<string, Tensor>>, state?: NirState): NirResult;
}

/** Flattens nested graphs into units and resolved edges. */
const flattenGraph = (graph: NirGraph) => {
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
const evaluationOrder = (units: readonly Unit[], inputs: readonly number[]): number[] => {
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

const paramShape = (node: Leaf): readonly number[] | undefined => {
  switch (node.type) {
    case 'CubaLIF':
    case 'CubaLI':
      return node.tauMem.shape;
    case 'LIF':
    case 'LI':
      return node.tau.shape;
    case 'IF':
      return node.vThreshold.shape;
    case 'I':
      return node.r.shape;
    case 'Delay':
      return node.delay.shape;
    case 'Scale':
      return node.scale.shape;
    case 'Threshold':
      return node.threshold.shape;
    default:
      return undefined;
  }
};

/** Output shape of a unit for an input shape (undefined input: inferred from the node alone). */
const outShapeOf = (u: Unit, inShape: number[] | undefined): number[] | undefined => {
  const n = u.node;
  const where = `nir node '${u.name}' (${n.type})`;
  switch (n.type) {
    case 'Input':
      return [...n.shape];
    case 'Output':
      return inShape ?? [...n.shape];
    case 'Affine':
    case 'Linear': {
      const [o, i] = n.weight.shape as [number, number];
      if (n.weight.shape.length !== 2)
        throw new SpikeflowError(where, 'weight', `weight must be [out, in], received ${showShape(n.weight.shape)}`);
      const s = inShape ?? [i];
      if (s[s.length - 1] !== i) {
        if (sizeOf(s) === i) return [o];
        throw new SpikeflowError(
          where,
          'input',
          `input shape ${showShape(s)} does not end in the weight's ${i} inputs (weight ${showShape(n.weight.shape)})`,
        );
      }
      return [...s.slice(0, -1), o];
    }
    case 'Flatten': {
      const s = n.inputType !== undefined && n.inputType.length > 0 ? [...n.inputType] : inShape;
      if (s === undefined) return undefined;
      if (inShape !== undefined && sizeOf(inShape) !== sizeOf(s)) {
        throw new SpikeflowError(where, 'input', `input shape ${showShape(inShape)} does not match input_type ${showShape(s)}`);
      }
      return flattenShape(s, n.startDim, n.endDim);
    }
    case 'Conv1d':
    case 'Conv2d': {
      const dims = n.type === 'Conv1d' ? 1 : 2;
      const s = inShape ?? (n.inputShape !== undefined ? [(n.weight.shape[1] as number) * n.groups, ...n.inputShape] : undefined);
      if (s === undefined) return undefined;
      if (s.length !== dims + 1)
        throw new SpikeflowError(where, 'input', `input must be [C, ${dims === 1 ? 'L' : 'H, W'}], received ${showShape(s)}`);
      return convOutputShape(where, convParams(n), s[0] as number, s.slice(1));
    }
    case 'SumPool2d':
    case 'AvgPool2d':
      return inShape === undefined ? undefined : pool2dOutputShape(where, n, inShape);
    default: {
      const p = paramShape(n) as readonly number[];
      if (p.length === 0 || sizeOf(p) === 1) return inShape ?? [...p];
      if (inShape !== undefined && sizeOf(inShape) !== sizeOf(p)) {
        throw new SpikeflowError(where, 'input', `input shape ${showShape(inShape)} does not match the node's ${showShape(p)} elements`);
      }
      return inShape !== undefined && inShape.length > p.length ? inShape : [...p];
    }
  }
};

const convParams = (n: Extract<Leaf, { type: 'Conv1d' | 'Conv2d' }>) => ({
  weight: n.weight,
  bias: n.bias,
  stride: n.stride,
  padding: n.padding,
  dilation: n.dilation,
  groups: n.groups,
});

/** Propagates shapes in evaluation order until nothing changes (recurrent edges need a second pass). */
const inferShapes = (units: Unit[], order: readonly number[]): void => {
  for (let pass = 0; pass < 3; pass++) {
    let changed = false;
    for (const k of order) {
      const u = units[k] as Unit;
      const known = u.sources.map((s) => (units[s] as Unit).outShape).filter((s): s is number[] => s !== undefined);
      for (const s of known) {
        if (sizeOf(s) !== sizeOf(known[0] as number[])) {
          const names = u.sources.map((q) => `${(units[q] as Unit).name} ${showShape((units[q] as Unit).outShape ?? [])}`).join(', ');
          throw new SpikeflowError(`nir node '${u.name}' (${u.node.type})`, 'input', `its inputs have different sizes: ${names}`);
        }
      }
      const inShape = known[0];
      const out = outShapeOf(u, inShape);
      if (out !== undefined && (u.outShape === undefined || showShape(u.outShape) !== showShape(out))) {
        u.outShape = out;
        changed = true;
      }
      u.inShape = inShape ?? (u.node.type === 'Input' ? [...u.node.shape] : undefined);
    }
    if (!changed) break;
  }
  for (const u of units) {
    if (u.outShape === undefined)
      throw new SpikeflowError(
        `nir node '${u.name}' (${u.node.type})`,
        'shape',
        'cannot infer its shape (no input reaches it and it gives none)',
      );
  }
};

/** A compiled unit: its state variables and its step over a batch. */
interface Kernel {
  /** State variable names with their initial value per element. */
  init(batch: number): Record<string, TensorData>;
  /** One step: reads `x` (`[batch, ...in]` flat, summed input), updates `st` in place, returns the output. */
  step(x: TensorData, st: Record<string, TensorData>, batch: number): TensorData;
}

/** Per-element parameter values expanded to `n` (broadcasting a single value), in double precision. */
const expand = (where: string, name: string, t: Tensor, n: number): Float64Array => {
  const out = new Float64Array(n);
  if (t.data.length === 1) out.fill(t.data[0] as number);
  else if (t.data.length === n) out.set(t.data);
  else throw new SpikeflowError(where, name, `${name} has ${t.data.length} elements, expected 1 or ${n}`);
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(out[k] as number)) throw new SpikeflowError(where, name, `${name}[${k}] must be finite, received ${out[k]}`);
  }
  return out;
};

const positive = (where: string, name: string, a: Float64Array): Float64Array => {
  a.forEach((v, k) => {
    if (!(v > 0)) throw new SpikeflowError(where, name, `${name}[${k}] must be > 0 (a time constant in seconds), received ${v}`);
  });
  return a;
};

const compileUnit = (u: Unit, dt: number, disc: NirDiscretisation, dtype: DType): Kernel => {
  const n = u.node;
  const where = `nir node '${u.name}' (${n.type})`;
  const f32 = dtype === 'float32';
  const R = f32 ? Math.fround : (v: number) => v;
  const inSize = sizeOf(u.inShape ?? u.outShape ?? []);
  const size = sizeOf(u.outShape as number[]);
  const alloc = (len: number) => allocate(dtype, len);
  const fill = (len: number, per: Float64Array) => {
    const a = alloc(len);
    for (let k = 0; k < len; k++) a[k] = per[k % per.length] as number;
    return a;
  };
  // leak factor dt·τ⁻¹ (norse: τ⁻¹ = 1/τ rounded to the dtype, then dt·τ⁻¹ rounded) or 1 − e^{−dt/τ}
  const dtR = R(dt);
  const leak = (tau: Float64Array) => tau.map((t) => (disc === 'norse' ? R(dtR * R(1 / t)) : R(-Math.expm1(-dt / t))));
  const decay = (tau: Float64Array) => tau.map((t) => (disc === 'norse' ? R(dtR * R(1 / t)) : R(Math.exp(-dt / t))));
  const e = (name: string, t: Tensor) => expand(where, name, t, size);
  const noState = () => ({});
  switch (n.type) {
    case 'Input':
    case 'Output':
    case 'Flatten':
      return { init: noState, step: (x) => x };
    case 'Affine':
    case 'Linear': {
      const [O, I] = n.weight.shape as [number, number];
      const w = n.weight.data;
      const b = n.type === 'Affine' ? n.bias.data : undefined;
      if (b !== undefined && b.length !== O) throw new SpikeflowError(where, 'bias', `bias must have ${O} elements, received ${b.length}`);
      const rows = inSize / I;
      return {
        init: noState,
        step: (x, _st, batch) => {
          const out = alloc(batch * rows * O);
          for (let r = 0; r < batch * rows; r++) {
            const xo = r * I;
            for (let o = 0; o < O; o++) {
              let acc = 0;
              const wo = o * I;
              for (let k = 0; k < I; k++) {
                const xv = x[xo + k] as number;
                if (xv !== 0) acc = R(acc + R(xv * (w[wo + k] as number)));
              }
              out[r * O + o] = b === undefined ? acc : R(acc + (b[o] as number));
            }
          }
          return out;
        },
      };
    }
    case 'Scale': {
      const s = e('scale', n.scale);
      return { init: noState, step: (x) => x.map((v, k) => R(v * (s[k % size] as number))) };
    }
    case 'Threshold': {
      const th = e('threshold', n.threshold);
      return { init: noState, step: (x) => x.map((v, k) => (R(v - (th[k % size] as number)) > 0 ? 1 : 0)) };
    }
    case 'Conv1d':
    case 'Conv2d': {
      const f = (n.type === 'Conv1d' ? conv1d : conv2d)({
        ...convParams(n),
        weight: castTensor(n.weight, dtype),
        bias: castTensor(n.bias, dtype),
      });
      const inShape = u.inShape as number[];
      return { init: noState, step: (x, _st, batch) => f(fromTypedArray(x, [batch, ...inShape])).data };
    }
    case 'SumPool2d':
    case 'AvgPool2d': {
      const f = (n.type === 'SumPool2d' ? sumPool2d : avgPool2d)(n);
      const inShape = u.inShape as number[];
      return { init: noState, step: (x, _st, batch) => f(fromTypedArray(x, [batch, ...inShape])).data };
    }
    case 'Delay': {
      const steps = e('delay', n.delay).map((d) => {
        if (!(d >= 0)) throw new SpikeflowError(where, 'delay', `delays must be ≥ 0 seconds, received ${d}`);
        return Math.round(d / dt);
      });
      const depth = Math.max(1, ...steps) + 1;
      return {
        // ring buffer of the last `depth` inputs; `head` counts steps
        init: (batch) => ({ buffer: alloc(depth * batch * size), head: alloc(1) }),
        step: (x, st, batch) => {
          const buf = st.buffer as TensorData;
          const head = (st.head as TensorData)[0] as number;
          const slot = head % depth;
          buf.set(x, slot * batch * size);
          const out = alloc(batch * size);
          for (let b = 0; b < batch; b++) {
            for (let k = 0; k < size; k++) {
              const s = steps[k] as number;
              if (s <= head) out[b * size + k] = buf[(((head - s) % depth) * batch + b) * size + k] as number;
            }
          }
          (st.head as TensorData)[0] = head + 1;
          return out;
        },
      };
    }
    case 'CubaLIF':
    case 'CubaLI': {
      const kMem = leak(positive(where, 'tau_mem', e('tau_mem', n.tauMem)));
      const kSyn = decay(positive(where, 'tau_syn', e('tau_syn', n.tauSyn)));
      const r = e('r', n.r);
      const vLeak = e('v_leak', n.vLeak);
      const wIn = e('w_in', n.wIn);
      const spiking = n.type === 'CubaLIF';
      const vTh = spiking ? e('v_threshold', n.vThreshold) : vLeak;
      const vReset = spiking ? e('v_reset', n.vReset) : vLeak;
      const exact = disc === 'exact';
      return {
        init: (batch) => ({ v: fill(batch * size, vLeak), i: alloc(batch * size) }),
        step: (x, st, batch) => {
          const v = st.v as TensorData;
          const i = st.i as TensorData;
          const out = alloc(batch * size);
          for (let q = 0; q < batch * size; q++) {
            const k = q % size;
            const iJ = R((i[q] as number) + R((wIn[k] as number) * (x[q] as number)));
            const vd = R(
              (v[q] as number) + R((kMem[k] as number) * R(R((vLeak[k] as number) - (v[q] as number)) + R((r[k] as number) * iJ))),
            );
            i[q] = exact ? R(iJ * (kSyn[k] as number)) : R(iJ - R((kSyn[k] as number) * iJ));
            if (spiking) {
              const z = R(vd - (vTh[k] as number)) > 0 ? 1 : 0;
              v[q] = z === 1 ? (vReset[k] as number) : vd;
              out[q] = z;
            } else {
              v[q] = vd;
              out[q] = vd;
            }
          }
          return out;
        },
      };
    }
    case 'LIF':
    case 'LI': {
      const kMem = leak(positive(where, 'tau', e('tau', n.tau)));
      const r = e('r', n.r);
      const vLeak = e('v_leak', n.vLeak);
      const spiking = n.type === 'LIF';
      const vTh = spiking ? e('v_threshold', n.vThreshold) : vLeak;
      const vReset = spiking ? e('v_reset', n.vReset) : vLeak;
      return {
        init: (batch) => ({ v: fill(batch * size, vLeak) }),
        step: (x, st, batch) => {
          const v = st.v as TensorData;
          const out = alloc(batch * size);
          for (let q = 0; q < batch * size; q++) {
            const k = q % size;
            const vq = v[q] as number;
            const rx = R((r[k] as number) * (x[q] as number));
            if (spiking) {
              // Norse lif_box: v + dt·τ⁻¹·((x + v_leak) − v)
              const vd = R(vq + R((kMem[k] as number) * R(R(rx + (vLeak[k] as number)) - vq)));
              const z = R(vd - (vTh[k] as number)) > 0 ? 1 : 0;
              v[q] = z === 1 ? (vReset[k] as number) : vd;
              out[q] = z;
            } else {
              // Norse li_box: v + dt·τ⁻¹·((v_leak − v) + x)
              const vd = R(vq + R((kMem[k] as number) * R(R((vLeak[k] as number) - vq) + rx)));
              v[q] = vd;
              out[q] = vd;
            }
          }
          return out;
        },
      };
    }
    case 'IF':
    case 'I': {
      const r = e('r', n.r);
      const spiking = n.type === 'IF';
      const vTh = spiking ? e('v_threshold', n.vThreshold) : r;
      const vReset = spiking ? e('v_reset', n.vReset) : new Float64Array(size);
      return {
        init: (batch) => ({ v: fill(batch * size, vReset) }),
        step: (x, st, batch) => {
          const v = st.v as TensorData;
          const out = alloc(batch * size);
          for (let q = 0; q < batch * size; q++) {
            const k = q % size;
            const vj = R((v[q] as number) + R((r[k] as number) * (x[q] as number)));
            if (spiking) {
              const z = R(vj - (vTh[k] as number)) > 0 ? 1 : 0;
              v[q] = z === 1 ? (vReset[k] as number) : vj;
              out[q] = z;
            } else {
              v[q] = vj;
              out[q] = vj;
            }
          }
          return out;
        },
      };
    }
    default:
      throw new SpikeflowError('nir', 'graph', `unsupported NIR node ${u.name} (${show((n as { type: unknown }).type)})`);
  }
};

const castTensor = (t: Tensor, dtype: DType): Tensor => {
  if (dtypeOf(t) === dtype) return t;
  const d = allocate(dtype, t.data.length);
  d.set(t.data);
  return fromTypedArray(d, t.shape);
};

const copyRecord = (r: Readonly<Record<string, TensorData>>): Record<string, TensorData> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]));

/**
 * Compiles a NIR graph for running: flattens nested graphs, orders the nodes, infers every shape
 * and turns time constants into per-neuron step factors for `dt`.
 * @param graph - from {@link readNir} or built in code
 * @param options - `dt` (s, default 0.001), `discretisation` (`'norse'` default, `'exact'`), `dtype`, `record`
 * @throws SpikeflowError for unsupported nodes (all named), dangling edges, inconsistent shapes,
 *   non-finite or non-positive time constants, or an invalid `dt`
 */
export const compileNir = (graph: NirGraph, options: NirRunOptions = {}): NirProgram => {
  if (graph === null || typeof graph !== 'object' || graph.type !== 'NIRGraph') {
    throw new SpikeflowError('compileNir', 'graph', `expected a NIR graph { type: 'NIRGraph', nodes, edges }, received ${show(graph)}`);
  }
  checkOptions('compileNir', options, ['dt', 'discretisation', 'dtype', 'record']);
  assertSupported(graph);
  const dt = orThrow('compileNir')(checkDt(options.dt ?? 0.001));
  const disc = options.discretisation ?? 'norse';
  if (disc !== 'norse' && disc !== 'exact') {
    throw new SpikeflowError('compileNir', 'discretisation', `discretisation must be 'norse' or 'exact', received ${show(disc)}`);
  }
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError('compileNir', 'dtype', `dtype must be 'float32' or 'float64', received ${show(dtype)}`);
  const record = options.record ?? false;
  const { units, inputs, outputs } = flattenGraph(graph);
  if (inputs.length === 0) throw new SpikeflowError('compileNir', 'graph', 'the graph has no Input node');
  if (outputs.length === 0) throw new SpikeflowError('compileNir', 'graph', 'the graph has no Output node');
  const order = evaluationOrder(units, inputs);
  inferShapes(units, order);
  const kernels = units.map((u) => compileUnit(u, dt, disc, dtype));
  const position = new Int32Array(units.length);
  order.forEach((k, p) => {
    position[k] = p;
  });
  const sizes = units.map((u) => sizeOf(u.outShape as number[]));
  const inputNames = inputs.map((k) => (units[k] as Unit).name);
  const outputNames = outputs.map((k) => (units[k] as Unit).name);

  const initialState = (batch: number): NirState => {
    checkPositiveInteger('compileNir.initialState', 'batch', batch);
    const nodes: Record<string, Record<string, TensorData>> = {};
    const last: Record<string, TensorData> = {};
    units.forEach((u, k) => {
      nodes[u.name] = (kernels[k] as Kernel).init(batch);
      last[u.name] = allocate(dtype, batch * (sizes[k] as number));
    });
    return { batch, nodes, last };
  };

  const run = (xs: Tensor | Readonly<Record<string, Tensor>>, state?: NirState): NirResult => {
    const where = 'nir.run';
    const byInput: Tensor[] = inputs.map((k, j) => {
      const name = (units[k] as Unit).name;
      const t =
        (xs as Tensor).shape !== undefined && (xs as Tensor).data !== undefined
          ? j === 0
            ? (xs as Tensor)
            : undefined
          : (xs as Record<string, Tensor>)[name];
      if (t === undefined) throw new SpikeflowError(where, 'xs', `no input for Input node '${name}' (inputs: ${inputNames.join(', ')})`);
      return t;
    });
    const first = byInput[0] as Tensor;
    if (first.shape.length < 2)
      throw new SpikeflowError(
        where,
        'xs',
        `xs must be [T, batch, ...${showShape((units[inputs[0] as number] as Unit).outShape as number[])}], received ${showShape(first.shape)}`,
      );
    const T = first.shape[0] as number;
    const batch = first.shape[1] as number;
    byInput.forEach((t, j) => {
      const u = units[inputs[j] as number] as Unit;
      const want = sizeOf(u.outShape as number[]);
      if (t.shape[0] !== T || t.shape[1] !== batch || sizeOf(t.shape.slice(2)) !== want) {
        throw new SpikeflowError(
          where,
          'xs',
          `input '${u.name}' must be [${T}, ${batch}, ...${showShape(u.outShape as number[])}], received ${showShape(t.shape)}`,
        );
      }
    });
    if (state !== undefined && state.batch !== batch) {
      throw new SpikeflowError(where, 'state', `state was made for batch ${state.batch}, the input has batch ${batch}`);
    }
    const init = state ?? initialState(batch);
    const st: Record<string, Record<string, TensorData>> = {};
    const last: Record<string, TensorData> = {};
    units.forEach((u) => {
      st[u.name] = copyRecord(init.nodes[u.name] ?? {});
      last[u.name] = (init.last[u.name] as TensorData).slice();
    });
    const recorded = record ? units.map((_, k) => allocate(dtype, T * batch * (sizes[k] as number))) : [];
    const outData = outputs.map((k) => allocate(dtype, T * batch * (sizes[k] as number)));
    const current: (TensorData | undefined)[] = new Array(units.length);
    for (let t = 0; t < T; t++) {
      current.fill(undefined);
      for (const k of order) {
        const u = units[k] as Unit;
        let x: TensorData;
        const j = inputs.indexOf(k);
        if (j >= 0 && u.sources.length === 0) {
          const src = byInput[j] as Tensor;
          const n = batch * (sizes[k] as number);
          x = allocate(dtype, n);
          x.set(src.data.subarray(t * n, (t + 1) * n));
        } else {
          const inSize = batch * sizeOf(u.inShape ?? (u.outShape as number[]));
          x = allocate(dtype, inSize);
          const R = dtype === 'float32' ? Math.fround : (v: number) => v;
          let firstSource = true;
          for (const s of u.sources) {
            const y =
              (position[s] as number) < (position[k] as number)
                ? (current[s] as TensorData)
                : (last[(units[s] as Unit).name] as TensorData);
            if (firstSource) x.set(y);
            else for (let q = 0; q < inSize; q++) x[q] = R((x[q] as number) + (y[q] as number));
            firstSource = false;
          }
        }
        const y = (kernels[k] as Kernel).step(x, st[u.name] as Record<string, TensorData>, batch);
        current[k] = y;
        if (record) (recorded[k] as TensorData).set(y, t * y.length);
      }
      units.forEach((u, k) => {
        last[u.name] = current[k] as TensorData;
      });
      outputs.forEach((k, j) => {
        (outData[j] as TensorData).set(current[k] as TensorData, t * batch * (sizes[k] as number));
      });
    }
    const outputsRecord: Record<string, Tensor> = {};
    outputs.forEach((k, j) => {
      outputsRecord[(units[k] as Unit).name] = fromTypedArray(outData[j] as TensorData, [
        T,
        batch,
        ...((units[k] as Unit).outShape as number[]),
      ]);
    });
    const layers: Record<string, Tensor> = {};
    if (record) {
      units.forEach((u, k) => {
        layers[u.name] = fromTypedArray(recorded[k] as TensorData, [T, batch, ...(u.outShape as number[])]);
      });
    }
    return {
      output: outputsRecord[outputNames[0] as string] as Tensor,
      outputs: outputsRecord,
      layers,
      state: Object.freeze({ batch, nodes: st, last }),
    };
  };

  return Object.freeze({
    inputs: inputNames,
    outputs: outputNames,
    inputShape: (units[inputs[0] as number] as Unit).outShape as number[],
    outputShape: (units[outputs[0] as number] as Unit).outShape as number[],
    nodes: order.map((k) => ({
      name: (units[k] as Unit).name,
      type: (units[k] as Unit).node.type,
      shape: (units[k] as Unit).outShape as number[],
    })),
    initialState,
    run,
  });
};

/**
 * A NIR graph as a spikeflow layer (`{ name, run }`), so it composes with `sequential`, `layer`
 * and `scanLayer` in streams: `xs` `[T, batch, ...inputShape]` → the first output `[T, batch, ...]`,
 * state threaded between chunks (chunking never changes the result).
 * @param graph - a NIR graph
 * @param options - as {@link compileNir}
 * @throws SpikeflowError as {@link compileNir}
 */
export const nirLayer = (graph: NirGraph, options: NirRunOptions = {}) => {
  const program = compileNir(graph, options);
  return Object.freeze({
    name: 'NIR',
    program,
    run: (xs: Tensor, state?: NirState): readonly [Tensor, NirState, Readonly<Record<string, Tensor>>] => {
      const r = program.run(xs, state);
      return [r.output, r.state, r.layers] as const;
    },
  });
};
