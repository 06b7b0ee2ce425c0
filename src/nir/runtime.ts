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
 * - `'snntorch'`: as `'norse'`, except that CubaLIF/CubaLI take the input as a current held over
 *   the step, `i' = i + (dt·τ_syn⁻¹)·(w_in·x − i)`, and the membrane integrates `i'` (snnTorch's
 *   `Synaptic` for a file from its exporter, run at its `dt = 1e-4`; see `updates.ts`).
 *
 * **Backends.** `backend` (default `'js'`, the reference) runs the neuron nodes on that backend's
 * neuron-run kernel, Affine/Linear on its linear map and Conv/pools on its `conv`/`pool` kernels
 * (`'threads'` after `import 'spikeflow/threads'`, `'gpu'` after `import 'spikeflow/gpu'`, a backend
 * object, or `'auto'`). A graph without recurrent edges runs node by node over whole chunks (one
 * kernel call per node and chunk); a graph with recurrent edges runs step by step.
 * Other nodes: Affine `W x + b`, Linear `W x`, Scale `s ⊙ x`, Threshold `Θ(x − θ)`, Flatten,
 * Conv1d/Conv2d, SumPool2d/AvgPool2d (see `ops/conv.ts`, `ops/pool.ts`), Delay (`x(t − τ)`,
 * `round(τ/dt)` steps per element).
 * Source: NIR (`nir/ir/*.py`, Pedersen et al. 2024); Norse `norse/torch/utils/import_nir.py` and
 * `functional/{lif,leaky_integrator,lif_box,leaky_integrator_box,iaf}.py`.
 * @module
 */
import type { BackendChoice, ExecutionInfo } from '../ops/backends/backendRegistry.js';
import { checkBackendChoice } from '../ops/backends/backendRegistry.js';
import { checkDt, orThrow, SpikeflowError, show } from '../ops/errors.js';
import { allocate, type DType, fromTypedArray, showShape, sizeOf, type Tensor, type TensorData } from '../ops/tensor.js';
import { checkOptions, checkPositiveInteger } from '../ops/validate.js';
import { evaluationOrder, flattenGraph, type Unit } from './flatten.js';
import type { NirGraph } from './graph.js';
import { assertSupported } from './graph.js';
import { compileNode, type NodeOp } from './nodes.js';
import { inferShapes } from './shapes.js';
import type { NirDiscretisation } from './updates.js';

export type { NirDiscretisation } from './updates.js';

/** Options of {@link compileNir}. */
export interface NirRunOptions {
  /** Time step in seconds (> 0; default 0.001). */
  readonly dt?: number;
  /** `'norse'` (forward Euler as Norse, default), `'exact'` (exponential integration) or `'snntorch'`. */
  readonly discretisation?: NirDiscretisation;
  /** Arithmetic: `float32` (default, as torch) or `float64`. */
  readonly dtype?: DType;
  /** Also return every node's output per step (`layers`); default false. */
  readonly record?: boolean;
  /** Backend of the neuron, linear, conv and pool nodes (default `'js'`); see the module docs. */
  readonly backend?: BackendChoice;
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
  /**
   * With `record: true`: every node's output per step `[T, batch, ...shape]` by (flattened) name,
   * the keys in evaluation order (each node after its sources; names that are integers, as Norse
   * writes, come first in ascending order as JavaScript orders such keys).
   */
  readonly layers: Readonly<Record<string, Tensor>>;
  /** The state after the last step (pass it to the next `run` to continue). */
  readonly state: NirState;
  /** What ran each backend-run node (neuron, linear, conv, pool) in this call, by node name. */
  readonly executions: Readonly<Record<string, ExecutionInfo>>;
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

const copyRecord = (r: Readonly<Record<string, TensorData>>): Record<string, TensorData> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]));

/**
 * Compiles a NIR graph for running: flattens nested graphs, orders the nodes, infers every shape
 * and turns time constants into per-neuron step factors for `dt`.
 * @param graph - from {@link readNir} or built in code
 * @param options - `dt` (s, default 0.001), `discretisation` (`'norse'` default, `'exact'`, `'snntorch'`), `dtype`, `record`,
 *   `backend` (default `'js'`)
 * @throws SpikeflowError for unsupported nodes (all named), dangling edges, inconsistent shapes,
 *   non-finite or non-positive time constants, an invalid `dt`, or (at run) a backend that cannot run a node
 */
export const compileNir = (graph: NirGraph, options: NirRunOptions = {}): NirProgram => {
  if (graph === null || typeof graph !== 'object' || graph.type !== 'NIRGraph') {
    throw new SpikeflowError('compileNir', 'graph', `expected a NIR graph { type: 'NIRGraph', nodes, edges }, received ${show(graph)}`);
  }
  checkOptions('compileNir', options, ['dt', 'discretisation', 'dtype', 'record', 'backend']);
  assertSupported(graph);
  const dt = orThrow('compileNir')(checkDt(options.dt ?? 0.001));
  const disc = options.discretisation ?? 'norse';
  if (disc !== 'norse' && disc !== 'exact' && disc !== 'snntorch') {
    throw new SpikeflowError(
      'compileNir',
      'discretisation',
      `discretisation must be 'norse', 'exact' or 'snntorch', received ${show(disc)}`,
    );
  }
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError('compileNir', 'dtype', `dtype must be 'float32' or 'float64', received ${show(dtype)}`);
  const record = options.record ?? false;
  const backend = options.backend === undefined ? 'js' : checkBackendChoice('compileNir', options.backend);
  const { units, inputs, outputs } = flattenGraph(graph);
  if (inputs.length === 0) throw new SpikeflowError('compileNir', 'graph', 'the graph has no Input node');
  if (outputs.length === 0) throw new SpikeflowError('compileNir', 'graph', 'the graph has no Output node');
  const order = evaluationOrder(units, inputs);
  inferShapes(units, order);
  const kernels = units.map((u) => compileNode(u, { dt, disc, dtype, backend }));
  const position = new Int32Array(units.length);
  order.forEach((k, p) => {
    position[k] = p;
  });
  const sizes = units.map((u) => sizeOf(u.outShape as number[]));
  const recurrent = units.some((u, k) => u.sources.some((s) => (position[s] as number) >= (position[k] as number)));
  const inputNames = inputs.map((k) => (units[k] as Unit).name);
  const outputNames = outputs.map((k) => (units[k] as Unit).name);

  const initialState = (batch: number): NirState => {
    checkPositiveInteger('compileNir.initialState', 'batch', batch);
    const nodes: Record<string, Record<string, TensorData>> = {};
    const last: Record<string, TensorData> = {};
    units.forEach((u, k) => {
      nodes[u.name] = (kernels[k] as NodeOp).init(batch);
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
    const executions: Record<string, ExecutionInfo> = {};
    const R = dtype === 'float32' ? Math.fround : (v: number) => v;
    // without recurrent edges every node runs once over the whole chunk; else one step at a time
    const span = recurrent ? 1 : T;
    const current: (TensorData | undefined)[] = new Array(units.length);
    for (let t0 = 0; t0 < T; t0 += span) {
      current.fill(undefined);
      for (const k of order) {
        const u = units[k] as Unit;
        let x: TensorData;
        const j = inputs.indexOf(k);
        if (j >= 0 && u.sources.length === 0) {
          const src = byInput[j] as Tensor;
          const n = batch * (sizes[k] as number);
          x = allocate(dtype, span * n);
          x.set(src.data.subarray(t0 * n, (t0 + span) * n));
        } else {
          const inSize = span * batch * sizeOf(u.inShape ?? (u.outShape as number[]));
          x = allocate(dtype, inSize);
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
        const op = kernels[k] as NodeOp;
        const y = op.run(x, span, batch, st[u.name] as Record<string, TensorData>);
        if (op.executed !== undefined) executions[u.name] = op.executed;
        current[k] = y;
        if (record) (recorded[k] as TensorData).set(y, t0 * batch * (sizes[k] as number));
      }
      units.forEach((u, k) => {
        const n = batch * (sizes[k] as number);
        last[u.name] = (current[k] as TensorData).slice((span - 1) * n, span * n);
      });
      outputs.forEach((k, j) => {
        (outData[j] as TensorData).set(current[k] as TensorData, t0 * batch * (sizes[k] as number));
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
      // in evaluation order (inputs first, as the graph's edges run), not the file's (HDF5 lists names alphabetically)
      for (const k of order) {
        const u = units[k] as Unit;
        layers[u.name] = fromTypedArray(recorded[k] as TensorData, [T, batch, ...(u.outShape as number[])]);
      }
    }
    return {
      output: outputsRecord[outputNames[0] as string] as Tensor,
      outputs: outputsRecord,
      layers,
      state: Object.freeze({ batch, nodes: st, last }),
      executions,
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
