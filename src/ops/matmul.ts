/**
 * The dense products behind the `js` linear kernel: `out = x Wᵀ + b` over rows, in torch's
 * summation order, float64 or float32 (rounded per operation).
 * @module
 */
import type { DType, TensorData } from './tensor.js';

/**
 * Raw dense product over rows: `out[r, o] = (Σ_k x[r, k]·W[o, k]) + b[o]`, summing k in
 * increasing order (the order torch's CPU `linear` uses for the small sizes of the reference
 * traces). Writes `out`; no allocation.
 * @param x - `[rows, K]` row-major
 * @param w - `[O, K]` row-major
 * @param bias - `[O]` or undefined
 * @param out - `[rows, O]`, written
 */
export const matmulInto = (
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
): void => {
  for (let r = 0; r < rows; r++) {
    const xo = r * K;
    const oo = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += (x[xo + k] as number) * (w[wo + k] as number);
      out[oo + o] = bias === undefined ? acc : acc + (bias[o] as number);
    }
  }
};

/** Float32 variant of {@link matmulInto}: rounds every product and sum to float32 as torch does. */
const matmulInto32 = (
  x: TensorData,
  rows: number,
  K: number,
  w: TensorData,
  O: number,
  bias: TensorData | undefined,
  out: TensorData,
): void => {
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const xo = r * K;
    const oo = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc = f(acc + f((x[xo + k] as number) * (w[wo + k] as number)));
      out[oo + o] = bias === undefined ? acc : f(acc + (bias[o] as number));
    }
  }
};

/** Dispatches to the float32 or float64 dense product. */
export const matmulFor = (dtype: DType): typeof matmulInto => (dtype === 'float32' ? matmulInto32 : matmulInto);
