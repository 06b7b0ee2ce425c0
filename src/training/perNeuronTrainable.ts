/**
 * LIF and LI layers with per-neuron parameters, and neuron parameters as trainable tensors:
 * `trainable(lif, { tauMemInv: tensor([…N values]) })` gives each of the `N` features its own
 * value (Norse accepts tensors for any parameter), and `trainable(lif, p, dt, { train: ['tauMemInv'],
 * features: N })` makes `tauMemInv` a parameter `[N]` in `params` (updated by the optimisers) with
 * its gradient `[N]` in `grads`. The update is Norse's (forward Euler; reset by value, by
 * subtraction or none) with every constant looked up per feature; the adjoint is the one of
 * `neurons.ts` (the same operations, so a layer whose per-neuron values are all equal gives the
 * scalar layer's results), with the parameter gradients accumulated per feature instead of summed:
 * ```
 * ḡτ_mem⁻¹[n] += ḡv_d·dt·((v_leak − v) + i_j),  ḡτ_syn⁻¹[n] += ḡi'·(−dt)·i_j,  ḡv_leak[n] += ḡv_d·k,
 * ḡv_th[n] −= ḡz·s (+ the subtraction term),    ḡv_reset[n] += ḡv'·z
 * ```
 * Tape: `v_d` and `i_j` per neuron-step (two values in the input's dtype) plus the outputs.
 * Source: Norse `functional/lif.py`, `leaky_integrator.py` (commit 065a3b45).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import type { SurrogateGradient } from '../ops/surrogates.js';
import { allocate, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';
import {
  type BackwardResult,
  checkForwardOptions,
  checkGradOut,
  type ForwardResult,
  type LayerState,
  type StateGrad,
} from './trainableLayer.js';

/** Per-feature constants of a layer: one `Float64Array` `[N]` per numeric parameter. */
export type PerFeature = Readonly<Record<string, Float64Array>>;

/** What the per-neuron loops need to know of the layer. */
export interface PerNeuronConfig {
  readonly name: string;
  readonly kind: 'lif' | 'li';
  readonly N: number;
  readonly dt: number;
  /** 0 value, 1 subtract, 2 none. */
  readonly reset: number;
  readonly sg: SurrogateGradient;
  /** Current values (the trainable ones are the layer's `params`, read at each pass). */
  readonly values: PerFeature;
  /** Gradients `[N]` by parameter name (only those to report). */
  readonly grads: Readonly<Record<string, Float64Array>>;
}

interface PerNeuronTape {
  readonly T: number;
  readonly B: number;
  readonly out: TensorData;
  readonly vd: TensorData;
  readonly ij: TensorData;
  readonly s0: LayerState;
}

const shapeOf = (c: PerNeuronConfig, xs: Tensor): [number, number] => {
  if (xs === null || typeof xs !== 'object' || xs.shape?.length !== 3)
    throw new SpikeflowError(c.name, 'xs', `input must be a tensor [T, batch, ${c.N}], received ${JSON.stringify(xs?.shape)}`);
  const [T, B, F] = xs.shape as [number, number, number];
  if (F !== c.N) throw new SpikeflowError(c.name, 'xs', `input must have ${c.N} features (the per-neuron parameters' size), received ${F}`);
  return [T, B];
};

/** Forward pass (see the module docs); the state is `{ v, i }`, each `[batch, N]`. */
export const perNeuronForward = (c: PerNeuronConfig, xs: Tensor, s0: LayerState, record: boolean): ForwardResult => {
  const [T, B] = shapeOf(c, xs);
  const N = c.N;
  const BN = B * N;
  const dtype = dtypeOf(xs);
  for (const s of ['v', 'i']) {
    if (s0[s]?.length !== BN)
      throw new SpikeflowError(c.name, 'state', `state.${s} must hold ${BN} values (batch × features), received ${s0[s]?.length}`);
  }
  const { tauMemInv, tauSynInv, vLeak } = c.values as Record<string, Float64Array>;
  const vTh = c.values.vTh as Float64Array;
  const vReset = c.values.vReset as Float64Array;
  const dt = c.dt;
  const x = xs.data;
  const out = allocate(dtype, T * BN);
  const vd = allocate(dtype, record ? T * BN : 0);
  const ij = allocate(dtype, record ? T * BN : 0);
  const v = allocate(dtype, BN);
  const i = allocate(dtype, BN);
  v.set(s0.v as TensorData);
  i.set(s0.i as TensorData);
  for (let t = 0; t < T; t++) {
    const o = t * BN;
    for (let k = 0; k < BN; k++) {
      const n = k % N;
      const vk = v[k]!;
      const iJ = i[k]! + x[o + k]!;
      const kMem = dt * tauMemInv![n]!;
      const vDec = vk + kMem * (vLeak![n]! - vk + iJ);
      i[k] = iJ + -dt * tauSynInv![n]! * iJ;
      if (record) {
        ij[o + k] = iJ;
        vd[o + k] = vDec;
      }
      if (c.kind === 'li') {
        v[k] = vDec;
        out[o + k] = v[k]!;
        continue;
      }
      const th = vTh[n]!;
      const zk = vDec - th > 0 ? 1 : 0;
      v[k] = c.reset === 0 ? (1 - zk) * vDec + zk * vReset[n]! : c.reset === 1 ? (1 - zk) * vDec + zk * (vDec - th) : vDec;
      out[o + k] = zk;
    }
  }
  const tape: PerNeuronTape | undefined = record ? { T, B, out, vd, ij, s0 } : undefined;
  return { out: fromTypedArray(out, [T, B, N]), state: { v, i }, tape };
};

/** Backward pass (see the module docs): adds the per-feature parameter gradients into `c.grads`. */
export const perNeuronBackward = (
  c: PerNeuronConfig,
  tapeU: unknown,
  gOut: Float64Array,
  gState: StateGrad | undefined,
  needInput: boolean,
): BackwardResult => {
  const tape = tapeU as PerNeuronTape;
  if (tape === undefined || tape === null || typeof tape !== 'object' || !('ij' in tape))
    throw new SpikeflowError(`${c.name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
  const { T, B, out, vd, ij, s0 } = tape;
  const N = c.N;
  const BN = B * N;
  if (gOut.length !== T * BN)
    throw new SpikeflowError(`${c.name}.backward`, 'gOut', `gOut must hold ${T * BN} values, received ${gOut.length}`);
  const { tauMemInv, tauSynInv, vLeak } = c.values as Record<string, Float64Array>;
  const vTh = c.values.vTh as Float64Array;
  const vReset = c.values.vReset as Float64Array;
  const G = c.grads;
  const [gTauMem, gTauSyn, gLeak, gTh, gReset] = ['tauMemInv', 'tauSynInv', 'vLeak', 'vTh', 'vReset'].map((k) => G[k]);
  const dt = c.dt;
  const reset = c.reset;
  const li = c.kind === 'li';
  const gv = Float64Array.from(gState?.v ?? new Float64Array(BN));
  const gi = Float64Array.from(gState?.i ?? new Float64Array(BN));
  const gx = needInput ? new Float64Array(T * BN) : undefined;
  const v0 = s0.v as TensorData;
  for (let t = T - 1; t >= 0; t--) {
    const o = t * BN;
    const po = o - BN;
    for (let k = 0; k < BN; k++) {
      const n = k % N;
      const gvn = gv[k]!;
      const kMem = dt * tauMemInv![n]!;
      const vDec = vd[o + k]!;
      let gvDec: number;
      let vPrev: number;
      if (li) {
        gvDec = gvn + gOut[o + k]!;
        vPrev = t > 0 ? out[po + k]! : v0[k]!;
      } else {
        const th = vTh[n]!;
        const zk = out[o + k]!;
        const s = c.sg(vDec - th);
        let gz = gOut[o + k]!;
        let gth: number;
        if (reset === 0) {
          gz += gvn * (vReset[n]! - vDec);
          gvDec = gvn * (1 - zk) + gz * s;
          gth = -gz * s;
          if (gReset !== undefined) gReset[n] = gReset[n]! + gvn * zk;
        } else if (reset === 1) {
          gz += gvn * -th;
          gvDec = gvn + gz * s;
          gth = -gz * s - gvn * zk;
        } else {
          gvDec = gvn + gz * s;
          gth = -gz * s;
        }
        if (gTh !== undefined) gTh[n] = gTh[n]! + gth;
        if (t === 0) vPrev = v0[k]!;
        else {
          const zp = out[po + k]!;
          const vdp = vd[po + k]!;
          vPrev = reset === 0 ? (1 - zp) * vdp + zp * vReset[n]! : reset === 1 ? (1 - zp) * vdp + zp * (vdp - th) : vdp;
        }
      }
      const gin = gi[k]!;
      const iJ = ij[o + k]!;
      const giJ = gin * (1 - dt * tauSynInv![n]!) + gvDec * kMem;
      if (gTauMem !== undefined) gTauMem[n] = gTauMem[n]! + gvDec * dt * (vLeak![n]! - vPrev + iJ);
      if (gTauSyn !== undefined) gTauSyn[n] = gTauSyn[n]! + gin * -dt * iJ;
      if (gLeak !== undefined) gLeak[n] = gLeak[n]! + gvDec * kMem;
      gi[k] = giJ;
      gv[k] = gvDec * (1 - kMem);
      if (gx !== undefined) gx[o + k] = giJ;
    }
  }
  return { gx, gState: { v: gv, i: gi } };
};

/** Numeric parameters of the per-neuron LIF / LI layers. */
const NUMERIC: Readonly<Record<'lif' | 'li', readonly string[]>> = {
  lif: ['tauSynInv', 'tauMemInv', 'vLeak', 'vTh', 'vReset'],
  li: ['tauSynInv', 'tauMemInv', 'vLeak'],
};

/** What {@link perNeuronLayer} needs from `trainable`. */
export interface PerNeuronArgs {
  readonly name: string;
  readonly kind: 'lif' | 'li';
  /** The model's validated parameter values (numbers or tensors). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly dt: number;
  readonly reset: number;
  readonly sg: SurrogateGradient;
  /** Names of the parameters to train (become `params[name]` `[N]`). */
  readonly train: readonly string[];
  /** Features N when no parameter is a tensor. */
  readonly features: number | undefined;
  /** Also report the gradients of the other numeric parameters (`[N]` each). */
  readonly paramGrads: boolean;
}

const isTensor = (x: unknown): x is Tensor => x !== null && typeof x === 'object' && 'data' in (x as object) && 'shape' in (x as object);

/**
 * A LIF or LI layer with per-neuron and/or trainable parameters (see the module docs).
 * @throws SpikeflowError for a parameter tensor that is not `[N]` / `[1, N]`, sizes that disagree,
 * an unknown name in `train`, or `train` without a size (`features` or a tensor parameter)
 */
export const perNeuronLayer = (a: PerNeuronArgs): import('./trainableLayer.js').TrainableLayer => {
  const where = 'trainable';
  const names = NUMERIC[a.kind];
  for (const t of a.train) {
    if (!names.includes(t))
      throw new SpikeflowError(where, 'options.train', `options.train lists ${JSON.stringify(t)}; ${a.name} can train ${names.join(', ')}`);
  }
  let N = a.features;
  for (const k of names) {
    const x = a.values[k];
    if (!isTensor(x)) continue;
    const shape = x.shape;
    const n = shape[shape.length - 1] as number;
    if (shape.length === 0 || shape.slice(0, -1).some((d) => d !== 1))
      throw new SpikeflowError(
        where,
        k,
        `${k} must be a number or a per-neuron tensor [N] (or [1, N]), received shape [${shape.join(', ')}]`,
      );
    if (N !== undefined && n !== N)
      throw new SpikeflowError(where, k, `${k} has ${n} values, but the layer has ${N} neurons (options.features or another parameter)`);
    N = n;
  }
  if (N === undefined)
    throw new SpikeflowError(where, 'options.features', 'options.features (neurons N) is required to train scalar parameters');
  const size = N;
  const values: Record<string, Float64Array> = {};
  for (const k of names) {
    const x = a.values[k];
    values[k] = isTensor(x) ? Float64Array.from(x.data) : new Float64Array(size).fill(x as number);
  }
  const params: Record<string, TensorData> = {};
  const paramShapes: Record<string, readonly number[]> = {};
  const grads: Record<string, Float64Array> = {};
  for (const k of a.train) {
    params[k] = values[k] as Float64Array;
    paramShapes[k] = [size];
  }
  for (const k of names) if (a.train.includes(k) || a.paramGrads) grads[k] = new Float64Array(size);
  const c: PerNeuronConfig = { name: a.name, kind: a.kind, N: size, dt: a.dt, reset: a.reset, sg: a.sg, values, grads };
  const outFeatures = (inF: number): number => {
    if (inF !== size) throw new SpikeflowError(a.name, 'input', `input must have ${size} features, received ${inF}`);
    return size;
  };
  const initialState = (batch: number, inF: number, dtype: import('../ops/tensor.js').DType): LayerState => {
    outFeatures(inF);
    const v = allocate(dtype, batch * size);
    // v = v_leak (its current value) in float32, as the models' initialState (Norse's default state)
    for (let k = 0; k < v.length; k++) v[k] = Math.fround((values.vLeak as Float64Array)[k % size]!);
    return { v, i: allocate(dtype, batch * size) };
  };
  return {
    name: a.name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState,
    forward: (xs, state, fo) => {
      checkForwardOptions(`${c.name}.forward`, fo);
      const [, B] = shapeOf(c, xs);
      return perNeuronForward(c, xs, state ?? initialState(B, size, dtypeOf(xs)), fo?.tape !== false);
    },
    backward: (tape, gOut, gState, needInput = true) => {
      checkGradOut(`${c.name}.backward`, gOut);
      return perNeuronBackward(c, tape, gOut, gState, needInput);
    },
    zeroGrad: () => {
      for (const g of Object.values(grads)) g.fill(0);
    },
  };
};
