/**
 * Each unit of a flattened NIR graph as an operation over a chunk of `T` steps on a chosen
 * backend. Neuron nodes run the backend's neuron-run kernel with NIR's updates (`updates.ts`);
 * Affine/Linear the backend's linear map; Conv1d/Conv2d and the pools its `conv`/`pool` kernels;
 * Scale, Threshold, Flatten and Delay are element-wise loops on the host.
 * @module
 */
import {
  type BackendChoice,
  type ExecutionInfo,
  executionOf,
  type NeuronRunRequest,
  resolveBackend,
} from '../ops/backends/backendRegistry.js';
import { conv1d, conv2d } from '../ops/conv.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { linear } from '../ops/linear.js';
import { avgPool2d, sumPool2d } from '../ops/pool.js';
import { allocate, type DType, dtypeOf, fromTypedArray, sizeOf, type Tensor, type TensorData } from '../ops/tensor.js';
import type { Unit } from './flatten.js';
import { convParams } from './shapes.js';
import { type NirDiscretisation, nirUpdate, stepFactors } from './updates.js';

/** A compiled unit: its state variables and its run over a chunk. */
export interface NodeOp {
  /** State variables with their initial values, each `[batch, ...shape]` flat. */
  init(batch: number): Record<string, TensorData>;
  /**
   * Runs `T` steps: `x` `[T, batch, ...in]` flat (the summed input) → `[T, batch, ...out]` flat;
   * replaces the entries of `st` with the state after the last step.
   */
  run(x: TensorData, T: number, batch: number, st: Record<string, TensorData>): TensorData;
  /** What ran the last call, for backend-run nodes. */
  executed?: ExecutionInfo | undefined;
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

const castTensor = (t: Tensor, dtype: DType): Tensor => {
  if (dtypeOf(t) === dtype) return t;
  const d = allocate(dtype, t.data.length);
  d.set(t.data);
  return fromTypedArray(d, t.shape);
};

/** What the compiler passes every unit. */
export interface NodeContext {
  readonly dt: number;
  readonly disc: NirDiscretisation;
  readonly dtype: DType;
  readonly backend: BackendChoice;
}

/** A neuron node on the backend's neuron-run kernel; `values` per parameter of the update, per element. */
const neuronOp = (
  where: string,
  ctx: NodeContext,
  type: Parameters<typeof nirUpdate>[0],
  size: number,
  values: Readonly<Record<string, Float64Array>>,
  initial: Readonly<Record<string, Float64Array | undefined>>,
): NodeOp => {
  const { dtype } = ctx;
  const update = nirUpdate(type, ctx.disc);
  const R = dtype === 'float32' ? Math.fround : (v: number) => v;
  const per = update.params.map((p) => (values[p] as Float64Array).map(R));
  const uniform = per.map((a) => a.every((v) => v === a[0]));
  const tiled = new Map<number, (TensorData | undefined)[]>();
  const arraysFor = (batch: number) => {
    let a = tiled.get(batch);
    if (a === undefined) {
      a = per.map((p, j) => {
        if (uniform[j]) return undefined;
        const d = allocate(dtype, batch * size);
        for (let q = 0; q < d.length; q++) d[q] = p[q % size] as number;
        return d;
      });
      tiled.set(batch, a);
    }
    return a;
  };
  const owner = {};
  const op: NodeOp = {
    init: (batch) =>
      Object.fromEntries(
        update.state.map((s) => {
          const d = allocate(dtype, batch * size);
          const v = initial[s];
          if (v !== undefined) for (let q = 0; q < d.length; q++) d[q] = v[q % size] as number;
          return [s, d];
        }),
      ),
    run: (x, T, batch, st) => {
      const stateShape = [batch, size];
      const arrays = arraysFor(batch);
      const request: NeuronRunRequest = {
        where,
        update,
        binaryOutput: update.output === 'z',
        dtype,
        T,
        M: batch * size,
        stateShape,
        stateNames: update.state,
        updateState: update.state.map((_, k) => k),
        input: fromTypedArray(x, [T, batch, size]),
        state: Object.fromEntries(update.state.map((s) => [s, fromTypedArray(st[s] as TensorData, stateShape)])),
        params: per.map((p, j) => (uniform[j] ? (p[0] as number) : 0)),
        paramArrays: arrays.some((a) => a !== undefined) ? arrays : undefined,
        dt: R(ctx.dt),
        record: false,
        owner,
      };
      const chosen = resolveBackend(where, ctx.backend, 'neuronRun', request);
      const result = chosen.kernel.run(request, chosen.backend);
      const d = chosen.backend.describe();
      op.executed = {
        backend: chosen.backend.name,
        device: result.executed?.device ?? d.device,
        requested: chosen.requested,
        renderer: d.renderer,
        note: [chosen.note, result.executed?.note].filter((n) => n !== undefined && n !== '').join('; ') || undefined,
      };
      // read everything back to the host: the graph's state is plain arrays
      for (const s of update.state) st[s] = (result.state[s] as Tensor).data;
      return result.out.data;
    },
  };
  return op;
};

/** A stateless map of whole chunks (`[T·batch, ...in]` tensor → tensor) on the backend. */
const mapOp = (inShape: readonly number[], f: (x: Tensor) => Tensor): NodeOp => {
  const op: NodeOp = {
    init: () => ({}),
    run: (x, T, batch) => {
      const y = f(fromTypedArray(x, [T * batch, ...inShape]));
      op.executed = executionOf(y);
      return y.data;
    },
  };
  return op;
};

/**
 * Compiles one unit for a backend (see the module docs).
 * @throws SpikeflowError naming the node's parameter when it has the wrong element count, is not finite, or a time
 *   constant is not > 0; or naming the backend when it cannot run the node
 */
export const compileNode = (u: Unit, ctx: NodeContext): NodeOp => {
  const n = u.node;
  const where = `nir node '${u.name}' (${n.type})`;
  const { dt, disc, dtype } = ctx;
  const R = dtype === 'float32' ? Math.fround : (v: number) => v;
  const inShape = u.inShape ?? u.outShape ?? [];
  const inSize = sizeOf(inShape);
  const size = sizeOf(u.outShape as number[]);
  const e = (name: string, t: Tensor) => expand(where, name, t, size);
  const tau = (name: string, t: Tensor) => positive(where, name, e(name, t));
  const each = (f: (v: number, k: number) => number): NodeOp => ({
    init: () => ({}),
    run: (x) => {
      const y = allocate(dtype, x.length);
      for (let q = 0; q < x.length; q++) y[q] = f(x[q] as number, q % size);
      return y;
    },
  });
  const backend = { backend: ctx.backend };
  switch (n.type) {
    case 'Input':
    case 'Output':
    case 'Flatten':
      return { init: () => ({}), run: (x) => x };
    case 'Affine':
    case 'Linear': {
      const [O, I] = n.weight.shape as [number, number];
      const b = n.type === 'Affine' ? n.bias : undefined;
      if (b !== undefined && b.data.length !== O)
        throw new SpikeflowError(where, 'bias', `bias must have ${O} elements, received ${b.data.length}`);
      const f = linear(
        { weight: castTensor(n.weight, dtype), bias: b === undefined ? undefined : castTensor(fromTypedArray(b.data, [O]), dtype) },
        backend,
      );
      return mapOp([inSize / I, I], f);
    }
    case 'Scale': {
      const s = e('scale', n.scale);
      return each((v, k) => R(v * (s[k] as number)));
    }
    case 'Threshold': {
      const th = e('threshold', n.threshold);
      return each((v, k) => (R(v - (th[k] as number)) > 0 ? 1 : 0));
    }
    case 'Conv1d':
    case 'Conv2d':
      return mapOp(inShape, (n.type === 'Conv1d' ? conv1d : conv2d)(convParams(n), backend));
    case 'SumPool2d':
    case 'AvgPool2d':
      return mapOp(inShape, (n.type === 'SumPool2d' ? sumPool2d : avgPool2d)(n, backend));
    case 'Delay':
      return delayOp(where, e('delay', n.delay), dt, size, dtype);
    case 'CubaLIF':
    case 'CubaLI': {
      const spiking = n.type === 'CubaLIF';
      const vLeak = e('v_leak', n.vLeak);
      return neuronOp(
        where,
        ctx,
        n.type,
        size,
        {
          wIn: e('w_in', n.wIn),
          kMem: stepFactors(tau('tau_mem', n.tauMem), dt, disc, 'leak', dtype),
          kSyn: stepFactors(tau('tau_syn', n.tauSyn), dt, disc, 'decay', dtype),
          resist: e('r', n.r),
          vLeak,
          ...(spiking ? { vTh: e('v_threshold', n.vThreshold), vReset: e('v_reset', n.vReset) } : {}),
        },
        { v: vLeak },
      );
    }
    case 'LIF':
    case 'LI': {
      const vLeak = e('v_leak', n.vLeak);
      const kMem = stepFactors(tau('tau', n.tau), dt, disc, 'leak', dtype);
      const spiking = n.type === 'LIF';
      return neuronOp(
        where,
        ctx,
        n.type,
        size,
        { kMem, resist: e('r', n.r), vLeak, ...(spiking ? { vTh: e('v_threshold', n.vThreshold), vReset: e('v_reset', n.vReset) } : {}) },
        { v: vLeak },
      );
    }
    case 'IF': {
      const vReset = e('v_reset', n.vReset);
      return neuronOp(where, ctx, 'IF', size, { resist: e('r', n.r), vTh: e('v_threshold', n.vThreshold), vReset }, { v: vReset });
    }
    case 'I':
      return neuronOp(where, ctx, 'I', size, { resist: e('r', n.r) }, {});
    default:
      throw new SpikeflowError('nir', 'graph', `unsupported NIR node ${u.name} (${show((n as { type: unknown }).type)})`);
  }
};

/** Delay: `x(t − round(τ/dt))` per element, a ring buffer of the last inputs (`head` counts steps). */
const delayOp = (where: string, delays: Float64Array, dt: number, size: number, dtype: DType): NodeOp => {
  const steps = delays.map((d) => {
    if (!(d >= 0)) throw new SpikeflowError(where, 'delay', `delays must be ≥ 0 seconds, received ${d}`);
    return Math.round(d / dt);
  });
  const depth = Math.max(1, ...steps) + 1;
  return {
    init: (batch) => ({ buffer: allocate(dtype, depth * batch * size), head: allocate(dtype, 1) }),
    run: (x, T, batch, st) => {
      const buf = st.buffer as TensorData;
      const n = batch * size;
      const out = allocate(dtype, T * n);
      for (let t = 0; t < T; t++) {
        const head = (st.head as TensorData)[0] as number;
        buf.set(x.subarray(t * n, (t + 1) * n), (head % depth) * n);
        for (let b = 0; b < batch; b++) {
          for (let k = 0; k < size; k++) {
            const s = steps[k] as number;
            if (s <= head) out[t * n + b * size + k] = buf[(((head - s) % depth) * batch + b) * size + k] as number;
          }
        }
        (st.head as TensorData)[0] = head + 1;
      }
      return out;
    },
  };
};
