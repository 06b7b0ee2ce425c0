/**
 * The forward pass of the hand-written neuron layers of `trainable` (`neurons.ts`): the model's
 * own forward Euler update, operation for operation (so float64 spikes equal the model's `run` and
 * Norse's), recording the tape ({@link NeuronTape}) the backward pass (`neuronBackward.ts`) reads.
 * The common LIF layer (reset by value, feed-forward, no parameter gradients) runs a branch-free
 * loop or the WebAssembly SIMD kernel (`kernels/lifGrad.ts`), equal bit for bit.
 * Sources: Norse `functional/lif.py`, `leaky_integrator.py`, `lif_box.py`,
 * `leaky_integrator_box.py`, `lsnn.py` (commit 065a3b45).
 * @module
 */
import { matmulInto } from '../ops/matmul.js';
import { allocate, type DType, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';
import { type ArenaStore, arenaInput, arenaOffset } from './kernels/arena.js';
import { lifForwardWasm } from './kernels/parallel.js';
import { takeScratch } from './kernels/scratch.js';
import { checkInput, checkState, type NeuronConfig, type NeuronTape } from './neuronTape.js';
import type { ForwardOptions, ForwardResult, LayerState, TrainableLayer } from './trainableLayer.js';

/**
 * Runs a chunk through a hand-written neuron layer.
 * @param c - the layer's constants
 * @param layer - the layer (its `params` hold the recurrent weights)
 * @param stateNames - the state variables the layer carries
 * @param paramGrads - whether the tape records what the parameter gradients need
 * @param xs - input `[T, batch, features]`
 * @param state - initial state (default the layer's initial state)
 * @param fo - `tape: false` skips the tape
 * @param outBuf - gives the storage of the outputs (`dtype`, `length` elements; the layer's reused
 *   outputs), written in full; default a new array
 * @param arena - the layer's arena arrays (`outputs: 'reuse'`): with outputs in the arena, the common
 *   LIF layer's kernels run in place there (tape `v_d` and state kept in it, the input read in place
 *   when it lives there, else copied in once; `kernels/arena.ts`)
 * @returns outputs `[T, batch, N]` in the input's dtype, the final state and the tape
 * @throws SpikeflowError for a wrong input shape or a state that does not fit
 */
export const neuronForward = (
  c: NeuronConfig,
  layer: TrainableLayer,
  stateNames: readonly string[],
  paramGrads: boolean,
  xs: Tensor,
  state: LayerState | undefined,
  fo: ForwardOptions | undefined,
  outBuf?: (dtype: DType, length: number) => TensorData,
  arena?: ArenaStore,
): ForwardResult => {
  const [T, B, F] = checkInput(layer.name, xs);
  const N = layer.outFeatures(F);
  const BN = B * N;
  const dtype = dtypeOf(xs);
  const s0 = state ?? layer.initialState(B, F, dtype);
  checkState(layer.name, stateNames, s0, BN);
  const record = fo?.tape !== false;
  const { p, dt, reset, kind } = c;
  const x = xs.data;
  const out = outBuf === undefined ? allocate(dtype, T * BN) : outBuf(dtype, T * BN); // written in full below
  const v = allocate(dtype, BN);
  v.set(s0.v as TensorData);
  const i = kind === 'box' || kind === 'libox' ? undefined : allocate(dtype, BN);
  if (i !== undefined) i.set(s0.i as TensorData);
  const b = kind === 'lsnn' ? allocate(dtype, BN) : undefined;
  if (b !== undefined) b.set(s0.b as TensorData);
  const z = c.rec ? allocate(dtype, BN) : undefined;
  if (z !== undefined) z.set(s0.z as TensorData);
  // the common LIF layer on the wasm kernels; in place in the arena when the outputs live there
  const wasmLif = kind === 'lif' && !c.rec && reset === 0 && !(record && paramGrads) && c.wasm && BN % 2 === 0;
  const store = wasmLif && arenaOffset(out) >= 0 ? arena : undefined;
  // written in full below (each step, each neuron)
  const vd = record && kind !== 'li' && kind !== 'libox' ? (store?.take('vd', dtype, T * BN) ?? takeScratch(dtype, T * BN)) : undefined;
  const bd = record && kind === 'lsnn' ? takeScratch(dtype, T * BN) : undefined;
  const ij = record && paramGrads && (kind === 'lif' || kind === 'li' || kind === 'lsnn') ? takeScratch(dtype, T * BN) : undefined;
  // Input currents of the recurrent models: xa = x·W_inᵀ (all steps at once), xb = z_{t−1}·W_recᵀ per step.
  let xa: Float64Array | undefined;
  const xb = c.rec ? new Float64Array(BN) : undefined;
  if (c.rec) {
    xa = new Float64Array(T * BN);
    matmulInto(x, T * B, F, layer.params.inputWeights as Float64Array, N, undefined, xa);
  }
  const tauMemInv = p.tauMemInv as number;
  const kMem = dt * tauMemInv;
  const nSyn = -dt * (p.tauSynInv ?? 0);
  const kAdapt = dt * (p.tauAdaptInv ?? 0);
  const vLeak = p.vLeak as number;
  const vTh = p.vTh ?? 0;
  const vReset = p.vReset ?? 0;
  const beta = p.beta ?? 0;
  if (wasmLif) {
    const k = { kMem, nSyn, cSyn: 0, vLeak, vTh, vReset, alpha: c.alpha };
    // in place: the input, the tape and a copy of the state in the arena (else the copying path)
    const [va, ia, vda] =
      store === undefined ? [] : [store.take('v', dtype, BN), store.take('i', dtype, BN), vd ?? store.take('vd', dtype, T * BN)];
    const xa = store !== undefined && va !== undefined && ia !== undefined && vda !== undefined ? arenaInput(store, 'x', x) : undefined;
    if (xa !== undefined && va !== undefined && ia !== undefined && vda !== undefined) {
      va.set(v);
      ia.set(i as TensorData);
      lifForwardWasm(xa[0], T, BN, va, ia, out, vda, k, c.threads, xa[1]);
      v.set(va);
      (i as TensorData).set(ia);
    } else lifForwardWasm(x, T, BN, v, i as TensorData, out, vd, k, c.threads);
  } else if (kind === 'lif' && !c.rec && reset === 0 && ij === undefined) {
    // the common case (Norse's LIF) in one branch-free loop: same operations as below
    const iv = i as TensorData;
    for (let t = 0; t < T; t++) {
      const o = t * BN;
      for (let k = 0; k < BN; k++) {
        const vk = v[k]!;
        const iJ = iv[k]! + x[o + k]!;
        const vDec = vk + kMem * (vLeak - vk + iJ);
        iv[k] = iJ + nSyn * iJ;
        if (vd !== undefined) vd[o + k] = vDec;
        if (vDec - vTh > 0) {
          v[k] = vReset;
          out[o + k] = 1;
        } else {
          v[k] = vDec;
          out[o + k] = 0;
        }
      }
    }
  } else
    for (let t = 0; t < T; t++) {
      const o = t * BN;
      if (c.rec) matmulInto(z as TensorData, B, N, layer.params.recurrentWeights as Float64Array, N, undefined, xb as Float64Array);
      for (let k = 0; k < BN; k++) {
        const vk = v[k]!;
        if (kind === 'lif' || kind === 'li') {
          const ik = i![k]!;
          const iJ = c.rec ? ik + xa![o + k]! + xb![k]! : ik + x[o + k]!;
          const vDec = vk + kMem * (vLeak - vk + iJ);
          i![k] = iJ + nSyn * iJ;
          if (ij !== undefined) ij[o + k] = iJ;
          if (kind === 'li') {
            v[k] = vDec;
            out[o + k] = v[k]!;
            continue;
          }
          if (vd !== undefined) vd[o + k] = vDec;
          const zk = vDec - vTh > 0 ? 1 : 0;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - vTh) : vDec;
          out[o + k] = zk;
          if (z !== undefined) z[k] = zk;
        } else if (kind === 'box' || kind === 'libox') {
          if (kind === 'libox') {
            v[k] = vk + dt * tauMemInv * (vLeak - vk + x[o + k]!);
            out[o + k] = v[k]!;
            continue;
          }
          const vDec = vk + dt * tauMemInv * (x[o + k]! + vLeak - vk);
          if (vd !== undefined) vd[o + k] = vDec;
          const zk = vDec - vTh > 0 ? 1 : 0;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - vTh) : vDec;
          out[o + k] = zk;
        } else {
          const ik = i![k]!;
          const bk = b![k]!;
          if (ij !== undefined) ij[o + k] = ik;
          const vDec = vk + kMem * (vLeak - vk + ik);
          const iDec = ik + nSyn * ik;
          const bDec = bk + kAdapt * (vTh - bk);
          const zk = vDec - bDec > 0 ? 1 : 0;
          if (vd !== undefined) vd[o + k] = vDec;
          if (bd !== undefined) bd[o + k] = bDec;
          v[k] = reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - bDec) : vDec;
          b![k] = bDec + zk * beta;
          i![k] = c.rec ? iDec + xa![o + k]! + xb![k]! : iDec + x[o + k]!;
          out[o + k] = zk;
          if (z !== undefined) z[k] = zk;
        }
      }
    }
  const st: Record<string, TensorData> = { v };
  if (z !== undefined) st.z = z;
  if (i !== undefined) st.i = i;
  if (b !== undefined) st.b = b;
  const tape: NeuronTape | undefined = record
    ? { T, B, N, nIn: F, xs: x, out, s0, vd, bd, ij, dtype, use: { done: false, recycled: false } }
    : undefined;
  return { out: fromTypedArray(out, [T, B, N]), state: st, tape };
};
