/**
 * A linear map `y = x Wᵀ + b` (torch's `nn.Linear`) as a differentiable layer. Inputs that are
 * mostly zero (spikes) cost their nonzeros only: the forward pass and the weight gradient skip
 * zero inputs, summing the remaining terms in increasing input order (as `linear` does).
 * Backward: `∂W[o, k] += Σ_{t,b} ḡy[o]·x[k]`, `∂b[o] += Σ ḡy[o]`, `ḡx[k] = Σ_o ḡy[o]·W[o, k]`.
 * Memory: the tape holds a reference to the input (no copy).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { type LinearParameters, linearInit } from '../ops/linear.js';
import { allocate, allocateShared, type DType, dtypeOf, fromTypedArray, type TensorData } from '../ops/tensor.js';
import { checkOptions } from '../ops/validate.js';
import { arenaAllocate } from './kernels/arena.js';
import { linearWasmAvailable } from './kernels/linearGrad.js';
import { checkTrainingThreads, linearBackwardWasm, linearForwardWasm } from './kernels/parallel.js';
import { takeScratch } from './kernels/scratch.js';
import { checkForwardOptions, checkGradOut, type TrainableLayer } from './trainableLayer.js';
import { transientGradInput } from './transientGrad.js';

/** Options of {@link trainableLinear}. */
export interface TrainableLinearOptions {
  /** Seed of the initialisation when sizes are given (default 0; torch's uniform `±1/√in`). */
  readonly seed?: number;
  /** Create a bias (default true). */
  readonly bias?: boolean;
  /** dtype of the weights (default: the given tensor's, else `float32`). The input must have this dtype. */
  readonly dtype?: DType;
  /** Scale the seeded initial weights by this factor (default 1). */
  readonly gain?: number;
  /**
   * Kernels of the forward and backward passes: `wasm` (WebAssembly SIMD, `kernels/linearGrad.ts`;
   * the default where WebAssembly SIMD is available) or `js` (plain loops). Both give equal results,
   * bit for bit.
   */
  readonly kernel?: 'wasm' | 'js';
  /**
   * Most threads the `wasm` kernels split each pass over, the calling thread included (an integer
   * ≥ 1; default: every hardware thread where the threads backend is loaded — `spikeflow/node`,
   * `spikeflow/threads` —, else 1). Results are equal bit for bit whatever the count.
   */
  readonly threads?: number;
}

interface LinearTape {
  readonly rows: number;
  readonly T: number;
  readonly B: number;
  readonly x: TensorData;
}

/**
 * A trainable linear layer with parameters `weight` `[out, in]` and `bias` `[out]`.
 * @param init - weights (`linearParameters`/`linearInit` result) or `[inFeatures, outFeatures]` for a seeded init
 * @throws SpikeflowError for bad sizes or weights, or an unknown option (e.g. `thread` for `threads`)
 */
export const trainableLinear = (
  init: LinearParameters | readonly [number, number],
  options: TrainableLinearOptions = {},
): TrainableLayer => {
  const where = 'trainableLinear';
  checkOptions(where, options, ['seed', 'bias', 'dtype', 'gain', 'kernel', 'threads']);
  const threads = checkTrainingThreads(where, options.threads);
  let p: LinearParameters;
  if (Array.isArray(init)) {
    const [inF, outF] = init as [number, number];
    p = linearInit(inF, outF, { seed: options.seed ?? 0, bias: options.bias ?? true, dtype: options.dtype ?? 'float32' });
  } else {
    p = init as LinearParameters;
    if (p === null || typeof p !== 'object' || p.weight?.shape?.length !== 2) {
      throw new SpikeflowError(
        where,
        'init',
        `init must be linear parameters { weight [out, in], bias? } or [in, out], received ${show(init)}`,
      );
    }
  }
  const [O, K] = p.weight.shape as [number, number];
  const dtype = options.dtype ?? dtypeOf(p.weight);
  // weights and ∂W in shared memory (where it exists): the threads backend's workers read and add into them in place
  const w = allocateShared(dtype, O * K);
  w.set(p.weight.data);
  const gain = options.gain ?? 1;
  if (gain !== 1) for (let k = 0; k < w.length; k++) w[k] = w[k]! * gain;
  const params: Record<string, TensorData> = { weight: w };
  const paramShapes: Record<string, readonly number[]> = { weight: [O, K] };
  const grads: Record<string, Float64Array> = { weight: allocateShared('float64', O * K) as Float64Array };
  if (p.bias !== undefined) {
    const b = allocate(dtype, O);
    b.set(p.bias.data);
    params.bias = b;
    paramShapes.bias = [O];
    grads.bias = new Float64Array(O);
  }
  const name = `Linear(${K}→${O})`;
  // Transposed weights [K, O] for the input-major loops; rebuilt when the weights changed.
  const kernel = options.kernel ?? (linearWasmAvailable() ? 'wasm' : 'js');
  if (kernel !== 'wasm' && kernel !== 'js')
    throw new SpikeflowError(where, 'options.kernel', `options.kernel must be "wasm" or "js", received ${show(kernel)}`);
  if (kernel === 'wasm' && !linearWasmAvailable())
    throw new SpikeflowError(where, 'options.kernel', 'options.kernel "wasm" needs WebAssembly SIMD, unavailable here');
  const useWasm = kernel === 'wasm';
  const wt = useWasm ? allocate(dtype, 0) : allocate(dtype, K * O);
  const transpose = (): void => {
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) wt[k * O + o] = w[o * K + k]!;
  };
  const outFeatures = (inF: number): number => {
    if (inF !== K) throw new SpikeflowError(name, 'input', `input must have ${K} features, received ${inF}`);
    return O;
  };
  const gwt = useWasm ? new Float64Array(0) : new Float64Array(K * O);
  // ∂input (written in full): inside a sequence, where the previous layer consumes it before this
  // layer's next backward pass, one kept buffer in the training arena (a LIF layer's in-place backward
  // reads it there without a copy; transientGrad.ts); else a scratch buffer the caller owns
  let gxKept: Float64Array | undefined;
  const gradInput = (n: number): Float64Array => {
    if (!transientGradInput()) return takeScratch('float64', n);
    if (gxKept?.length !== n) gxKept = arenaAllocate('float64', n);
    return gxKept ?? takeScratch('float64', n);
  };
  const layer: TrainableLayer = {
    name,
    params,
    paramShapes,
    grads,
    outFeatures,
    initialState: () => ({}),
    forward: (xs, _state, fo) => {
      checkForwardOptions(`${name}.forward`, fo);
      if (xs?.shape?.length !== 3)
        throw new SpikeflowError(name, 'xs', `input must be a tensor [T, batch, ${K}], received shape ${show(xs?.shape)}`);
      const [T, B, F] = xs.shape as [number, number, number];
      outFeatures(F);
      if (dtypeOf(xs) !== dtype) throw new SpikeflowError(name, 'xs', `input dtype ${dtypeOf(xs)} does not match weight dtype ${dtype}`);
      const rows = T * B;
      const x = xs.data;
      const out = allocate(dtype, rows * O);
      const tape: LinearTape | undefined = fo?.tape === false ? undefined : { rows, T, B, x };
      if (useWasm) {
        linearForwardWasm(x, rows, K, w, O, params.bias, out, threads);
        return { out: fromTypedArray(out, [T, B, O]), state: {}, tape };
      }
      transpose();
      const acc = new Float64Array(O);
      const bias = params.bias;
      for (let r = 0; r < rows; r++) {
        acc.fill(0);
        const xo = r * K;
        for (let k = 0; k < K; k++) {
          const xk = x[xo + k]!;
          if (xk === 0) continue;
          const wo = k * O;
          if (xk === 1) for (let o = 0; o < O; o++) acc[o] = acc[o]! + wt[wo + o]!;
          else for (let o = 0; o < O; o++) acc[o] = acc[o]! + xk * wt[wo + o]!;
        }
        const oo = r * O;
        if (bias === undefined) for (let o = 0; o < O; o++) out[oo + o] = acc[o]!;
        else for (let o = 0; o < O; o++) out[oo + o] = acc[o]! + bias[o]!;
      }
      return { out: fromTypedArray(out, [T, B, O]), state: {}, tape };
    },
    backward: (tapeU, gOut, _gState, needInput = true) => {
      checkGradOut(`${name}.backward`, gOut);
      const tape = tapeU as LinearTape;
      if (tape === undefined || tape === null || typeof tape !== 'object' || !('rows' in tape)) {
        throw new SpikeflowError(`${name}.backward`, 'tape', 'tape must come from forward(..., { tape: true })');
      }
      const { rows, x } = tape;
      if (gOut.length !== rows * O)
        throw new SpikeflowError(`${name}.backward`, 'gOut', `gOut must hold ${rows * O} values, received ${gOut.length}`);
      const gb = grads.bias;
      if (useWasm) {
        const gx = needInput ? gradInput(rows * K) : undefined;
        linearBackwardWasm(gOut, x, rows, K, w, O, grads.weight as Float64Array, gb, gx, threads);
        return { gx, gState: {} };
      }
      transpose();
      gwt.fill(0);
      for (let r = 0; r < rows; r++) {
        const go = r * O;
        if (gb !== undefined) for (let o = 0; o < O; o++) gb[o] = gb[o]! + gOut[go + o]!;
        const xo = r * K;
        for (let k = 0; k < K; k++) {
          const xk = x[xo + k]!;
          if (xk === 0) continue;
          const wo = k * O;
          if (xk === 1) for (let o = 0; o < O; o++) gwt[wo + o] = gwt[wo + o]! + gOut[go + o]!;
          else for (let o = 0; o < O; o++) gwt[wo + o] = gwt[wo + o]! + xk * gOut[go + o]!;
        }
      }
      const gw = grads.weight as Float64Array;
      for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) gw[o * K + k] = gw[o * K + k]! + gwt[k * O + o]!;
      if (!needInput) return { gx: undefined, gState: {} };
      const gx = gradInput(rows * K);
      for (let r = 0; r < rows; r++) {
        const go = r * O;
        const xo = r * K;
        for (let k = 0; k < K; k++) {
          const wo = k * O;
          let s = 0;
          for (let o = 0; o < O; o++) s += gOut[go + o]! * wt[wo + o]!;
          gx[xo + k] = s;
        }
      }
      return { gx, gState: {} };
    },
    zeroGrad: () => {
      for (const g of Object.values(grads)) g.fill(0);
    },
  };
  return layer;
};
