/**
 * The linear part of backpropagation through a recurrent neuron layer (Norse's `*Recurrent`
 * modules; wiring in `neurons/recurrent.ts`): per step the input current of neuron `n` is
 * `(x·W_inᵀ)[n] + (z_{t−1}·W_recᵀ)[n]`, so from `ḡcur_t` (∂loss/∂ that current, `[B, N]` per step)
 * ```
 * ∂L/∂z_{t−1}[j] = Σ_n ḡcur_t[n]·W_rec[n, j]
 * ∂W_in[n, m] += Σ_t ḡcur_t[n]·x_t[m],   ∂W_rec[n, j] += Σ_t ḡcur_t[n]·z_{t−1}[j],   ∂x_t[m] = Σ_n ḡcur_t[n]·W_in[n, m]
 * ```
 * (with separate gradients of the two currents where a model's update takes them apart, e.g. LSNN).
 * Source: Norse `norse/torch/module/snn.py` (`SNNRecurrentCell`), commit 065a3b45.
 * @module
 */
import type { TensorData } from '../ops/tensor.js';

/**
 * ∂L/∂z_{t−1} of one step: `gzPrev[b, j] = Σ_n gcur[o + b·N + n]·W_rec[n, j]` (overwritten).
 * @param gcur - ∂loss/∂(input current) `[T, B, N]`
 * @param o - offset of step t in `gcur` (t·B·N)
 * @param B - batch rows
 * @param N - neurons
 * @param wrec - recurrent weights `[N, N]`
 * @param gzPrev - output `[B, N]`
 */
export const recurrentSpikeGrad = (gcur: Float64Array, o: number, B: number, N: number, wrec: Float64Array, gzPrev: Float64Array): void => {
  gzPrev.fill(0);
  for (let bb = 0; bb < B; bb++) {
    for (let nn = 0; nn < N; nn++) {
      const gn = gcur[o + bb * N + nn]!;
      if (gn === 0) continue;
      const wo = nn * N;
      const zo = bb * N;
      for (let j = 0; j < N; j++) gzPrev[zo + j] = gzPrev[zo + j]! + gn * wrec[wo + j]!;
    }
  }
};

/** Arguments of {@link recurrentWeightGrads}. */
export interface RecurrentGradArgs {
  /** ∂loss/∂(input current `x·W_inᵀ`) `[T, B, N]`. */
  readonly gcur: Float64Array;
  /** ∂loss/∂(recurrent current `z_{t−1}·W_recᵀ`) `[T, B, N]` (default `gcur`: both enter one sum, as in LIF). */
  readonly grec?: Float64Array | undefined;
  /** The chunk's input `[T, B, nIn]`. */
  readonly x: TensorData;
  /** The chunk's spikes `[T, B, N]`. */
  readonly out: TensorData;
  /** Spikes before the chunk `[B, N]`. */
  readonly z0: TensorData;
  /** Input weights `[N, nIn]`. */
  readonly win: Float64Array;
  /** Accumulated ∂W_in `[N, nIn]` (added to). */
  readonly gWin: Float64Array;
  /** Accumulated ∂W_rec `[N, N]` (added to). */
  readonly gWrec: Float64Array;
  /** Steps of the chunk. */
  readonly T: number;
  /** Batch rows. */
  readonly B: number;
  /** Neurons N. */
  readonly N: number;
  /** Input features. */
  readonly nIn: number;
  /** Whether the diagonal of W_rec is trained (Norse's `autapses`); without, its gradient stays 0. */
  readonly autapses: boolean;
  /** Whether to compute ∂loss/∂x. */
  readonly needInput: boolean;
}

/**
 * Adds the weight gradients of a chunk into `gWin`, `gWrec` and returns ∂loss/∂x `[T, B, nIn]`
 * (undefined unless `needInput`); see the module docs for the sums.
 */
export const recurrentWeightGrads = (a: RecurrentGradArgs): Float64Array | undefined => {
  const { gcur: g, x, out, z0, win, gWin, gWrec, T, B, N, nIn } = a;
  const gr = a.grec ?? g;
  const gx = a.needInput ? new Float64Array(T * B * nIn) : undefined;
  for (let t = 0; t < T; t++) {
    for (let bb = 0; bb < B; bb++) {
      const go = (t * B + bb) * N;
      const xo = (t * B + bb) * nIn;
      const zPrev = t > 0 ? out : z0;
      const zo = t > 0 ? ((t - 1) * B + bb) * N : bb * N;
      for (let nn = 0; nn < N; nn++) {
        const gn = g[go + nn]!;
        const wo = nn * nIn;
        if (gn !== 0)
          for (let m = 0; m < nIn; m++) {
            const xm = x[xo + m]!;
            if (xm !== 0) gWin[wo + m] = gWin[wo + m]! + gn * xm;
            if (gx !== undefined) gx[xo + m] = gx[xo + m]! + gn * win[wo + m]!;
          }
        const gq = gr[go + nn]!;
        if (gq === 0) continue;
        const ro = nn * N;
        for (let j = 0; j < N; j++) {
          const zj = zPrev[zo + j]!;
          if (zj !== 0) gWrec[ro + j] = gWrec[ro + j]! + gq * zj;
        }
      }
    }
  }
  if (!a.autapses) for (let k = 0; k < N; k++) gWrec[k * N + k] = 0;
  return gx;
};
