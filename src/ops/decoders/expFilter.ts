/**
 * Exponential filter (Norse's `exp_filter_step` and `ExpFilter` module): exponential smoothing of
 * a linear read-out, used to turn spike activity into a smooth output.
 * ```
 * α      = exp(−dt·τ_filter⁻¹)
 * y_t    = x_t Wᵀ + b                 (torch.nn.Linear over the last dimension)
 * out_0  = y_0                        (no previous output)
 * out_t  = α·out_{t−1} + y_t
 * ```
 * Source: Norse `norse/torch/functional/filter.py` (`exp_filter_step`) and
 * `norse/torch/module/exp_filter.py` (`ExpFilter`), commit 065a3b45.
 * @module
 */

import { checkDt, finiteNumber, orThrow, positiveNumber, SpikeflowError, show } from '../errors.js';
import { linear, linearParameters } from '../linear.js';
import {
  allocate,
  clone,
  type DType,
  dtypeOf,
  finiteTensor,
  fromTypedArray,
  isTensor,
  type NestedArray,
  sameShape,
  showShape,
  type Tensor,
} from '../tensor.js';
import { checkKnownKeys, rounderFor } from '../validate.js';

/**
 * The smoothing factor `α = exp(−dt·τ_filter⁻¹)` (Norse computes it with Python's `math.exp`).
 * @param tauFilterInv - inverse filter time constant in 1/s (> 0)
 * @param dt - time step in seconds (> 0)
 * @throws SpikeflowError when either is not a finite number > 0
 */
export const expFilterParameter = (tauFilterInv: number, dt: number): number => {
  const where = 'expFilterParameter';
  orThrow(where)(positiveNumber('tauFilterInv', tauFilterInv));
  orThrow(where)(checkDt(dt));
  return Math.exp(-dt * tauFilterInv);
};

/**
 * One filter step (Norse's `exp_filter_step`): `expFilterStep(α)(old, new) = α·old + new`.
 * @param parameter - the smoothing factor α (finite; usually from {@link expFilterParameter})
 * @returns a function of the previous value and the new input (same shape and dtype, finite)
 *   returning a new tensor of that shape
 * @throws SpikeflowError for a non-finite α, or tensors of different shapes or dtypes, or non-finite values
 */
export const expFilterStep = (parameter: number) => {
  const where = 'expFilterStep';
  orThrow(where)(finiteNumber('parameter', parameter));
  return (oldValue: Tensor, newValue: Tensor): Tensor => {
    const a = orThrow(where)(isTensor('oldValue', oldValue));
    const b = orThrow(where)(isTensor('newValue', newValue));
    if (!sameShape(a.shape, b.shape)) {
      throw new SpikeflowError(
        where,
        'newValue',
        `newValue shape ${showShape(b.shape)} does not match oldValue shape ${showShape(a.shape)}`,
      );
    }
    if (dtypeOf(a) !== dtypeOf(b)) {
      throw new SpikeflowError(where, 'newValue', `newValue dtype ${dtypeOf(b)} does not match oldValue dtype ${dtypeOf(a)}`);
    }
    orThrow(where)(finiteTensor('oldValue', a));
    orThrow(where)(finiteTensor('newValue', b));
    const round = rounderFor(dtypeOf(a));
    const alpha = round(parameter);
    const out = allocate(dtypeOf(a), a.data.length);
    for (let k = 0; k < out.length; k++) out[k] = round(round(alpha * (a.data[k] as number)) + (b.data[k] as number));
    return fromTypedArray(out, a.shape);
  };
};

/** Parameters of {@link expFilter} (Norse's `ExpFilter` arguments in camelCase). */
export interface ExpFilterParameters {
  /** Weights of the linear read-out, `[outputSize, inputSize]` (required; spikeflow does not draw them). */
  readonly inputWeights: Tensor | NestedArray;
  /** Optional bias `[outputSize]` (Norse's `bias=False` corresponds to omitting it). */
  readonly bias?: Tensor | NestedArray;
  /** Inverse filter time constant in 1/s (> 0, default 1000 as in Norse). */
  readonly tauFilterInv?: number;
}

const castTo = (t: Tensor, dtype: DType): Tensor => (dtypeOf(t) === dtype ? t : clone(t, dtype));

/**
 * The `ExpFilter` layer: a linear read-out followed by exponential smoothing over time.
 *
 * `expFilter(p, dt)(xs, state?) → [outs, state']`
 * - `xs`: `[T, ..., inputSize]` (time first), finite
 * - `state`: the previous chunk's last output `[..., outputSize]`; without it the first output is
 *   `y_0` (Norse's module). Passing `state'` on makes chunked filtering equal one call
 * - `outs`: `[T, ..., outputSize]`; `state'`: the last output (the given state when `T = 0`, zeros
 *   when there was none)
 * @param p - `{ inputWeights, bias?, tauFilterInv? }`
 * @param dt - time step in seconds (> 0, default 0.001)
 * @throws SpikeflowError for bad weights or bias (shape, non-finite), `tauFilterInv <= 0`,
 *   `dt <= 0`, an input whose last dimension differs from `inputSize`, or a state of the wrong shape
 */
export const expFilter = (p: ExpFilterParameters, dt = 0.001) => {
  const where = 'expFilter';
  if (p === null || typeof p !== 'object')
    throw new SpikeflowError(where, 'parameters', `parameters must be an object, received ${show(p)}`);
  checkKnownKeys(where, ['inputWeights', 'bias', 'tauFilterInv'], p);
  if (p.inputWeights === undefined)
    throw new SpikeflowError(where, 'inputWeights', 'inputWeights is required (a [outputSize, inputSize] matrix)');
  const weights = linearParameters(p.inputWeights, p.bias, 'float64');
  const alpha = expFilterParameter(p.tauFilterInv ?? 1000, dt);
  const outputSize = weights.weight.shape[0] as number;
  return (xs: Tensor, state?: Tensor): readonly [Tensor, Tensor] => {
    const x = orThrow(where)(isTensor('input', xs));
    if (x.shape.length < 2) {
      throw new SpikeflowError(where, 'input', `input must be [T, ..., inputSize] (time first), received shape ${showShape(x.shape)}`);
    }
    const dtype = dtypeOf(x);
    const stepOut = [...x.shape.slice(1, -1), outputSize];
    if (state !== undefined) {
      const s = orThrow(where)(isTensor('state', state));
      if (!sameShape(s.shape, stepOut)) {
        throw new SpikeflowError(where, 'state', `state shape ${showShape(s.shape)} must be ${showShape(stepOut)} (one output step)`);
      }
      if (dtypeOf(s) !== dtype) throw new SpikeflowError(where, 'state', `state dtype ${dtypeOf(s)} does not match input dtype ${dtype}`);
      orThrow(where)(finiteTensor('state', s));
    }
    const b = weights.bias === undefined ? undefined : castTo(weights.bias, dtype);
    const y = linear({ weight: castTo(weights.weight, dtype), bias: b }, { backend: 'js' })(x);
    const T = x.shape[0] as number;
    const M = y.data.length / Math.max(T, 1);
    const round = rounderFor(dtype);
    const a = round(alpha);
    const out = allocate(dtype, y.data.length);
    out.set(y.data);
    const prev = allocate(
      dtype,
      stepOut.reduce((u, v) => u * v, 1),
    );
    if (state !== undefined) prev.set(state.data);
    for (let t = 0; t < T; t++) {
      if (t === 0 && state === undefined) continue;
      const base = t * M;
      const last = t === 0 ? prev : out.subarray(base - M, base);
      for (let n = 0; n < M; n++) out[base + n] = round(round(a * (last[n] as number)) + (y.data[base + n] as number));
    }
    if (T > 0) prev.set(out.subarray((T - 1) * M, T * M));
    return [fromTypedArray(out, y.shape), fromTypedArray(prev, stepOut)];
  };
};
