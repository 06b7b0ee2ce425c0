/**
 * The backward pass of the hand-written neuron layers of `trainable` (`neurons.ts`): the adjoint
 * of the forward Euler update of `neuronForward.ts`, derived by hand for speed, and equal (≤ 1e-12
 * relative in float64) to the derivation of the models' update text (`derived.ts`, through
 * `ops/update/derivative.ts`; `test/training/derived.test.ts`), to Norse's autograd
 * (`test/training/grad-reference.test.ts`) and to an independent autodiff
 * (`test/training/adjoints.test.ts`).
 *
 * Adjoint of one LIF step (forward Euler, reset by value; `k = dt·τ_mem⁻¹`, `c = 1 − dt·τ_syn⁻¹`,
 * `s = σ'(v_d − v_th)` the surrogate of `method`/`alpha`; `ḡ` the gradient of the loss):
 * ```
 * ḡz   = ∂L/∂z_t + ḡv'·(v_reset − v_d)        (the reset is differentiated, as Norse's LIF; the
 *                                              recurrent models detach it as Norse's lif_step does)
 * ḡv_d = ḡv'·(1 − z) + ḡz·s
 * ḡi_j = ḡi'·c + ḡv_d·k,   ḡx = ḡi_j,   ḡi = ḡi_j,   ḡv = ḡv_d·(1 − k)
 * ḡv_th −= ḡz·s,  ḡv_reset += ḡv'·z,  ḡv_leak += ḡv_d·k,
 * ḡτ_mem⁻¹ += ḡv_d·dt·((v_leak − v) + i_j),  ḡτ_syn⁻¹ += ḡi'·(−dt)·i_j
 * ```
 * The other models follow the same pattern (see each branch).
 * Sources: Norse `functional/lif.py`, `leaky_integrator.py`, `lif_box.py`,
 * `leaky_integrator_box.py`, `lsnn.py`, `threshold.py` (commit 065a3b45).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import type { TensorData } from '../ops/tensor.js';
import { type ArenaStore, arenaInput, arenaOffset } from './kernels/arena.js';
import { lifBackwardWasm } from './kernels/parallel.js';
import { giveScratch, takeScratch } from './kernels/scratch.js';
import type { NeuronConfig, NeuronTape } from './neuronTape.js';
import { recurrentSpikeGrad, recurrentWeightGrads } from './recurrentGrad.js';
import type { BackwardResult, StateGrad, TrainableLayer } from './trainableLayer.js';

/**
 * Backpropagation through time over one chunk of a hand-written neuron layer; adds the weight
 * gradients (recurrent models) and, with `paramGrads`, the scalar parameter gradients into
 * `layer.grads`.
 * @param c - the layer's constants
 * @param layer - the layer
 * @param autapses - whether the diagonal of `W_rec` is trained
 * @param paramGrads - whether to accumulate the scalar parameter gradients
 * @param tape - from the forward pass
 * @param gOut - ∂loss/∂outputs `[T, batch, N]`
 * @param gState - ∂loss/∂(final state) (default zero)
 * @param needInput - whether to compute ∂loss/∂input
 * @param gxBuf - gives the storage of a feed-forward layer's ∂input (`length` elements; the layer's
 *   reused ∂input), written in full; default a scratch buffer handed to the caller
 * @param arena - the layer's arena arrays (`outputs: 'reuse'`): with the tape and ∂input in the arena,
 *   the common LIF layer's kernel runs in place there (∂output read in place when it lives there,
 *   else copied in once; the state's gradients copied through small arena arrays; `kernels/arena.ts`)
 * @returns ∂loss/∂input `[T, batch, in]` (or undefined) and ∂loss/∂(initial state)
 * @throws SpikeflowError for a tape not from `forward`, or `gOut` of the wrong size
 */
export const neuronBackward = (
  c: NeuronConfig,
  layer: TrainableLayer,
  autapses: boolean,
  paramGrads: boolean,
  tape: NeuronTape,
  gOut: Float64Array,
  gState: StateGrad | undefined,
  needInput: boolean,
  gxBuf?: (length: number) => Float64Array,
  arena?: ArenaStore,
): BackwardResult => {
  if (tape === undefined || tape === null || typeof tape !== 'object' || !('out' in tape)) {
    throw new SpikeflowError(`${layer.name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
  }
  if (tape.use.recycled)
    throw new SpikeflowError(
      `${layer.name}.backward`,
      'tape',
      'this tape was already used by a backward pass and its buffers were reused by a later forward pass: run backward before the next forward',
    );
  const { T, B, N, out, vd, bd, ij, s0 } = tape;
  const BN = B * N;
  if (gOut.length !== T * BN)
    throw new SpikeflowError(`${layer.name}.backward`, 'gOut', `gOut must hold ${T * BN} values, received ${gOut.length}`);
  tape.use.done = true;
  const { p, dt, reset, kind, sg, rec } = c;
  const detach = rec; // Norse's lif_step / lsnn_step detach z in the reset (and in LSNN's b update)
  const tauMemInv = p.tauMemInv as number;
  const kMem = dt * tauMemInv;
  const cSyn = 1 - dt * (p.tauSynInv ?? 0);
  const kAdapt = dt * (p.tauAdaptInv ?? 0);
  const vLeak = p.vLeak as number;
  const vTh = p.vTh ?? 0;
  const vReset = p.vReset ?? 0;
  const beta = p.beta ?? 0;
  const gv = Float64Array.from(gState?.v ?? new Float64Array(BN));
  const gi = Float64Array.from(gState?.i ?? new Float64Array(BN));
  const gb = Float64Array.from(gState?.b ?? new Float64Array(BN));
  const gzPrev = Float64Array.from(gState?.z ?? new Float64Array(BN));
  // ∂L/∂(input current) per step: the layer's gx for feed-forward models, the current jump's gradient for recurrent ones
  // written in full; a feed-forward layer's ∂input may go to the layer's reused buffer
  const gcur = rec || needInput ? (!rec && gxBuf !== undefined ? gxBuf(T * BN) : takeScratch('float64', T * BN)) : undefined;
  let gTauMem = 0;
  let gTauSyn = 0;
  let gTauAdapt = 0;
  let gLeak = 0;
  let gTh = 0;
  let gReset = 0;
  let gBeta = 0;
  const v0 = s0.v as TensorData;
  const resetOf = (vDec: number, zk: number, th: number): number =>
    reset === 0 ? (1 - zk) * vDec + zk * vReset : reset === 1 ? (1 - zk) * vDec + zk * (vDec - th) : vDec;
  if (kind === 'lif' && !rec && !paramGrads && reset === 0 && c.wasm && c.method === 'super' && BN % 2 === 0) {
    const k0 = { kMem, nSyn: 0, cSyn, vLeak, vTh, vReset, alpha: c.alpha };
    // in place when the tape and ∂input live in the arena: ∂output and the state's gradients there too
    const store = arenaOffset(out) >= 0 && arenaOffset(vd) >= 0 && (gcur === undefined || arenaOffset(gcur) >= 0) ? arena : undefined;
    const gva = store?.take('gv', 'float64', BN) as Float64Array | undefined;
    const gia = store?.take('gi', 'float64', BN) as Float64Array | undefined;
    const gca = gcur ?? (store?.take('gcur', 'float64', T * BN) as Float64Array | undefined);
    const ga =
      store !== undefined && gva !== undefined && gia !== undefined && gca !== undefined ? arenaInput(store, 'g', gOut) : undefined;
    if (ga !== undefined && gva !== undefined && gia !== undefined && gca !== undefined) {
      gva.set(gv);
      gia.set(gi);
      lifBackwardWasm(ga[0] as Float64Array, out, vd as TensorData, T, BN, gva, gia, gca, k0, c.threads, ga[1] as Float64Array | undefined);
      gv.set(gva);
      gi.set(gia);
    } else lifBackwardWasm(gOut, out, vd as TensorData, T, BN, gv, gi, gcur, k0, c.threads);
  } else if (kind === 'lif' && !rec && !paramGrads && reset === 0) {
    // the common case (Norse's LIF) without branches per neuron; same adjoint as below
    const superAlpha = c.method === 'super' ? c.alpha : -1;
    const kRest = 1 - kMem;
    for (let t = T - 1; t >= 0; t--) {
      const o = t * BN;
      for (let k = 0; k < BN; k++) {
        const gvn = gv[k]!;
        const zk = out[o + k]!;
        const vDec = vd![o + k]!;
        const xk = vDec - vTh;
        let s: number;
        if (superAlpha > 0) {
          const d = superAlpha * (xk < 0 ? -xk : xk) + 1;
          s = 1 / (d * d);
        } else s = sg(xk);
        const gz = gOut[o + k]! + gvn * (vReset - vDec);
        const gvDec = gvn * (1 - zk) + gz * s;
        const giJ = gi[k]! * cSyn + gvDec * kMem;
        gi[k] = giJ;
        gv[k] = gvDec * kRest;
        if (gcur !== undefined) gcur[o + k] = giJ;
      }
    }
  } else
    for (let t = T - 1; t >= 0; t--) {
      const o = t * BN;
      const po = o - BN;
      for (let k = 0; k < BN; k++) {
        const gvn = gv[k]!;
        if (kind === 'li' || kind === 'libox') {
          const gvDec = gvn + gOut[o + k]!;
          const vPrev = t > 0 ? out[po + k]! : v0[k]!;
          if (kind === 'li') {
            const gin = gi[k]!;
            const giJ = gin * cSyn + gvDec * kMem;
            if (paramGrads) {
              const iJ = ij![o + k]!;
              gTauMem += gvDec * dt * (vLeak - vPrev + iJ);
              gTauSyn += gin * -dt * iJ;
              gLeak += gvDec * kMem;
            }
            gi[k] = giJ;
            if (gcur !== undefined) gcur[o + k] = giJ;
          } else {
            const xk = tape.xs[o + k]!;
            if (paramGrads) {
              gTauMem += gvDec * dt * (vLeak - vPrev + xk);
              gLeak += gvDec * dt * tauMemInv;
            }
            if (gcur !== undefined) gcur[o + k] = gvDec * dt * tauMemInv;
          }
          gv[k] = gvDec * (1 - (kind === 'li' ? kMem : dt * tauMemInv));
          continue;
        }
        const zk = out[o + k]!;
        const vDec = vd![o + k]!;
        const th = kind === 'lsnn' ? bd![o + k]! : vTh;
        const s = sg(vDec - th);
        let gz = gOut[o + k]! + gzPrev[k]!;
        let gvDec: number;
        let gth: number;
        if (kind === 'lsnn' && !detach) gz += gb[k]! * beta;
        if (reset === 0) {
          if (!detach) gz += gvn * (vReset - vDec);
          gvDec = gvn * (1 - zk) + gz * s;
          gth = -gz * s;
          if (paramGrads) gReset += gvn * zk;
        } else if (reset === 1) {
          if (!detach) gz += gvn * -th;
          gvDec = gvn + gz * s;
          gth = -gz * s - gvn * zk;
        } else {
          gvDec = gvn + gz * s;
          gth = -gz * s;
        }
        if (kind === 'lsnn') {
          if (paramGrads) gBeta += gb[k]! * zk;
          const gbDec = gb[k]! + gth;
          const gin = gi[k]!; // ∂L/∂i' = ∂L/∂(input) (i' = i_d + x)
          if (gcur !== undefined) gcur[o + k] = gin;
          const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, bd![po + k]!) : v0[k]!;
          if (paramGrads) {
            const iPrev = ij![o + k]!;
            const bPrev = t > 0 ? bd![po + k]! + out[po + k]! * beta : (s0.b as TensorData)[k]!;
            gTauMem += gvDec * dt * (vLeak - vPrev + iPrev);
            gTauSyn += gin * -dt * iPrev;
            gTauAdapt += gbDec * dt * (vTh - bPrev);
            gLeak += gvDec * kMem;
            gTh += gbDec * kAdapt;
          }
          gi[k] = gvDec * kMem + gin * cSyn;
          gv[k] = gvDec * (1 - kMem);
          gb[k] = gbDec * (1 - kAdapt);
        } else if (kind === 'lif') {
          const gin = gi[k]!;
          const giJ = gin * cSyn + gvDec * kMem;
          if (paramGrads) {
            const iJ = ij![o + k]!;
            const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, vTh) : v0[k]!;
            gTauMem += gvDec * dt * (vLeak - vPrev + iJ);
            gTauSyn += gin * -dt * iJ;
            gLeak += gvDec * kMem;
            gTh += gth;
          }
          gi[k] = giJ;
          gv[k] = gvDec * (1 - kMem);
          if (gcur !== undefined) gcur[o + k] = giJ;
        } else {
          // LIFBox: v_d = v + (dt·τ⁻¹)·((x + v_leak) − v)
          const kb = dt * tauMemInv;
          if (paramGrads) {
            const vPrev = t > 0 ? resetOf(vd![po + k]!, out[po + k]!, vTh) : v0[k]!;
            gTauMem += gvDec * dt * (tape.xs[o + k]! + vLeak - vPrev);
            gLeak += gvDec * kb;
            gTh += gth;
          }
          gv[k] = gvDec * (1 - kb);
          if (gcur !== undefined) gcur[o + k] = gvDec * kb;
        }
      }
      // z_{t−1} feeds step t through W_rec
      if (rec) recurrentSpikeGrad(gcur as Float64Array, o, B, N, layer.params.recurrentWeights as Float64Array, gzPrev);
    }
  const G = layer.grads;
  if (paramGrads) {
    const add = (name: string, value: number): void => {
      if (G[name] !== undefined) G[name][0] = G[name][0]! + value;
    };
    add('tauMemInv', gTauMem);
    add('tauSynInv', gTauSyn);
    add('tauAdaptInv', gTauAdapt);
    add('vLeak', gLeak);
    add('vTh', gTh);
    add('vReset', gReset);
    add('beta', gBeta);
  }
  const gStateOut: Record<string, Float64Array> = { v: gv };
  if (kind === 'lif' || kind === 'li' || kind === 'lsnn') gStateOut.i = gi;
  if (kind === 'lsnn') gStateOut.b = gb;
  if (!rec) return { gx: needInput ? gcur : undefined, gState: gStateOut };
  gStateOut.z = gzPrev;
  const gx = recurrentWeightGrads({
    gcur: gcur as Float64Array,
    x: tape.xs,
    out,
    z0: s0.z as TensorData,
    win: layer.params.inputWeights as Float64Array,
    gWin: G.inputWeights as Float64Array,
    gWrec: G.recurrentWeights as Float64Array,
    T,
    B,
    N,
    nIn: tape.nIn,
    autapses,
    needInput,
  });
  giveScratch(gcur);
  return { gx, gState: gStateOut };
};
