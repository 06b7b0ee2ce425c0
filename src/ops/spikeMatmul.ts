/**
 * The spike-driven product behind the `js` linear kernel: `out = x Wᵀ + b` over rows, adding
 * `x[r, k]·Wᵀ[k, :]` only for the nonzero `x[r, k]` — a spike raster is mostly zeros — with the
 * same bits as the dense product of `matmul.ts`.
 * @module
 */
import type { DType, TensorData } from './tensor.js';

const transposed = new WeakMap<TensorData, TensorData>();

/** Wᵀ `[K, O]` of a weight `[O, K]` (same element type), computed once per weight array (weights are immutable). */
const transposeOf = (w: TensorData, O: number, K: number): TensorData => {
  let wt = transposed.get(w);
  if (wt === undefined || wt.length !== O * K) {
    wt = w instanceof Float64Array ? new Float64Array(O * K) : new Float32Array(O * K);
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) wt[k * O + o] = w[o * K + k] as number;
    transposed.set(w, wt);
  }
  return wt;
};

/**
 * `out[r, o] = (Σ_k x[r, k]·W[o, k]) + b[o]` over rows, accumulating only the nonzero inputs:
 * for each nonzero `x[r, k]`, in increasing `k`, `x[r, k]·Wᵀ[k, :]` is added to the row of `out`
 * (just `Wᵀ[k, :]` when `x[r, k] = 1`: `1·w = w` exactly), then the bias. Every output sums the
 * same products in the same order as `matmulFor(dtype)` (float32: one rounding per product and
 * per sum, as torch), and a skipped `0·w` (w finite) would add ±0 to a sum that is never −0 — so
 * the results are equal bit for bit. Wᵀ is kept per weight array (`O·K` more elements) while the
 * array lives. Writes `out`; allocates nothing else after the first call for a weight.
 * @param dtype - element type of every array
 * @returns `(x [rows, K], rows, K, w [O, K], O, bias [O] | undefined, out [rows, O]) => spikes`,
 *   `spikes` true when every input was 0 or 1 (a spike raster, hence finite)
 */
export const spikeMatmulFor =
  (dtype: DType) =>
  (x: TensorData, rows: number, K: number, w: TensorData, O: number, bias: TensorData | undefined, out: TensorData): boolean => {
    const wt = transposeOf(w, O, K);
    let spikes = true;
    const f = Math.fround;
    const single = dtype === 'float32';
    for (let r = 0; r < rows; r++) {
      const xo = r * K;
      const oo = r * O;
      out.fill(0, oo, oo + O);
      for (let k = 0; k < K; k++) {
        const xv = x[xo + k] as number;
        if (xv === 0) continue;
        const base = k * O - oo;
        if (xv !== 1) spikes = false;
        if (xv === 1) {
          // Typed-array stores round: float32 sums of two float32 values computed in float64 and
          // rounded once equal float32 sums.
          for (let o = oo; o < oo + O; o++) out[o] = (out[o] as number) + (wt[base + o] as number);
        } else if (single) {
          for (let o = oo; o < oo + O; o++) out[o] = (out[o] as number) + f(xv * (wt[base + o] as number));
        } else {
          for (let o = oo; o < oo + O; o++) out[o] = (out[o] as number) + xv * (wt[base + o] as number);
        }
      }
      if (bias !== undefined) for (let o = 0; o < O; o++) out[oo + o] = (out[oo + o] as number) + (bias[o] as number);
    }
    return spikes;
  };
