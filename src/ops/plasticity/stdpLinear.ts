/**
 * Spike-timing-dependent plasticity for a linear (fully connected) layer: Norse's
 * `stdp_step_linear` with `STDPParameters` and `STDPState`.
 *
 * One step, with presynaptic spikes `z_pre` `[B, pre]`, postsynaptic spikes `z_post` `[B, post]`
 * and weights `w` `[post, pre]` (torch's `Linear` layout):
 * ```
 * t_pre'  = t_pre  + (dt·τ_pre⁻¹)·(−t_pre  + a_pre·z_pre)        (traces decay, jump on spikes)
 * t_post' = t_post + (dt·τ_post⁻¹)·(−t_post + a_post·z_post)
 * Δw⁺[i,j] = A₊(w[i,j])·Σ_b z_post[b,i]·t_pre'[b,j]             (pre before post: potentiation)
 * Δw⁻[i,j] = A₋(w[i,j])·Σ_b t_post'[b,i]·z_pre[b,j]             (post before pre: depression)
 * w' = clamp(w + (Δw⁺ − Δw⁻), w_min, w_max)                      (clamp only when hardbound)
 * ```
 * Weight dependence `A₊`, `A₋` by `stdpAlgorithm` (H(x) = 1 for x > 0, else 0):
 * - `additive`: `η₊`, `η₋`
 * - `additive_step`: `η₊·H(w_max − w)`, `η₋·H(w − w_min)`
 * - `multiplicative_pow`: `η₊·(w_max − w)^μ`, `η₋·(w − w_min)^μ`
 * - `multiplicative_relu`: `η₊·relu(w_max − w)`, `η₋·relu(w − w_min)`
 *
 * Pure: returns new weights and a new state, never changes its arguments. The initial state is
 * zero traces (Norse leaves it to the caller). The convolutional variant (`stdp_step_conv2d`) is
 * not provided. Float64 runs match Norse's traces bit for bit for all four rules (`multiplicative_pow`
 * uses `Math.pow`, which may in general differ from torch's `pow` in the last bit).
 * Source: Norse `norse/torch/functional/stdp.py`, commit 065a3b45.
 * @module
 */

import { checkDt, orThrow, SpikeflowError, show } from '../errors.js';
import { allocate, type DType, dtypeOf, finiteTensor, fromTypedArray, isTensor, showShape, type Tensor } from '../tensor.js';
import { rounderFor, type ScalarParamsInput, type ScalarParamsOf, scalarParameters } from '../validate.js';

/** The four weight-dependence rules of Norse's `STDPParameters.stdp_algorithm`. */
export const STDP_ALGORITHMS = ['additive', 'additive_step', 'multiplicative_pow', 'multiplicative_relu'] as const;

/**
 * Norse's `STDPParameters` in camelCase with Norse's defaults:
 * - `aPre`, `aPost` (1): trace increments per spike
 * - `tauPreInv`, `tauPostInv` (1/50e-3 = 20 1/s, > 0): inverse trace time constants
 * - `wMin` (0), `wMax` (1): weight bounds, `wMin < wMax`
 * - `etaPlus`, `etaMinus` (1e-3, >= 0): learning rates of potentiation and depression
 * - `stdpAlgorithm` (`'additive'`): one of {@link STDP_ALGORITHMS}
 * - `mu` (0, >= 0): exponent of `multiplicative_pow` (Norse ignores it for the other rules)
 * - `hardbound` (true): clamp the weights to `[wMin, wMax]` after each step
 */
export const stdpParameterSpecs = {
  aPre: { kind: 'number', default: 1, range: 'finite' },
  aPost: { kind: 'number', default: 1, range: 'finite' },
  tauPreInv: { kind: 'number', default: 1 / 50e-3, range: 'positive' },
  tauPostInv: { kind: 'number', default: 1 / 50e-3, range: 'positive' },
  wMin: { kind: 'number', default: 0, range: 'finite' },
  wMax: { kind: 'number', default: 1, range: 'finite' },
  etaPlus: { kind: 'number', default: 1e-3, range: 'nonNegative' },
  etaMinus: { kind: 'number', default: 1e-3, range: 'nonNegative' },
  stdpAlgorithm: { kind: 'enum', default: 'additive', options: STDP_ALGORITHMS },
  mu: { kind: 'number', default: 0, range: 'nonNegative' },
  hardbound: { kind: 'boolean', default: true },
} as const;

/** Validated STDP parameters (Norse's `STDPParameters`). */
export type STDPParameters = ScalarParamsOf<typeof stdpParameterSpecs>;

/** What callers may pass: any subset of {@link STDPParameters}. */
export type STDPParametersInput = ScalarParamsInput<typeof stdpParameterSpecs>;

/**
 * Validates STDP parameters and fills Norse's defaults.
 * @throws SpikeflowError for unknown names, values out of range, or `wMin >= wMax`
 */
export const stdpParameters = (p?: STDPParametersInput): STDPParameters => {
  const where = 'stdpParameters';
  const params = scalarParameters(where, stdpParameterSpecs, p);
  if (!(params.wMin < params.wMax)) {
    throw new SpikeflowError(
      where,
      'wMax',
      `wMax must be greater than wMin, received wMin = ${show(params.wMin)}, wMax = ${show(params.wMax)}`,
    );
  }
  return params;
};

/** STDP state (Norse's `STDPState`): presynaptic trace `tPre` `[B, pre]`, postsynaptic trace `tPost` `[B, post]`. */
export interface STDPState {
  /** Presynaptic spike trace `[batch, pre]`. */
  readonly tPre: Tensor;
  /** Postsynaptic spike trace `[batch, post]`. */
  readonly tPost: Tensor;
}

/**
 * Zero traces for a layer of `pre` inputs and `post` outputs.
 * @param batch - batch size (integer >= 1)
 * @param pre - presynaptic neurons (integer >= 1)
 * @param post - postsynaptic neurons (integer >= 1)
 * @param dtype - `float32` (default) or `float64`
 * @throws SpikeflowError for sizes that are not positive integers
 */
export const stdpInitialState = (batch: number, pre: number, post: number, dtype: DType = 'float32'): STDPState => {
  for (const [name, v] of [
    ['batch', batch],
    ['pre', pre],
    ['post', post],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new SpikeflowError('stdpInitialState', name, `${name} must be an integer >= 1, received ${show(v)}`);
  }
  return Object.freeze({
    tPre: fromTypedArray(allocate(dtype, batch * pre), [batch, pre]),
    tPost: fromTypedArray(allocate(dtype, batch * post), [batch, post]),
  });
};

const checkMatrix = (where: string, name: string, t: unknown, shape: readonly number[] | undefined, dtype?: DType): Tensor => {
  const x = orThrow(where)(isTensor(name, t));
  if (x.shape.length !== 2) throw new SpikeflowError(where, name, `${name} must be a matrix, received shape ${showShape(x.shape)}`);
  if (shape !== undefined && (x.shape[0] !== shape[0] || x.shape[1] !== shape[1])) {
    throw new SpikeflowError(where, name, `${name} must have shape ${showShape(shape)}, received ${showShape(x.shape)}`);
  }
  if (dtype !== undefined && dtypeOf(x) !== dtype) {
    throw new SpikeflowError(
      where,
      name,
      `${name} has dtype ${dtypeOf(x)} but zPre has dtype ${dtype}; mixed dtypes are not converted implicitly`,
    );
  }
  orThrow(where)(finiteTensor(name, x));
  return x;
};

/** Returns `A(d)` for a distance `d` to the bound (`wMax − w` for A₊, `w − wMin` for A₋). */
const weightDependence = (algorithm: STDPParameters['stdpAlgorithm'], eta: number, mu: number, round: (x: number) => number) => {
  switch (algorithm) {
    case 'additive':
      return (_d: number) => eta;
    case 'additive_step':
      return (d: number) => round(eta * (d <= 0 ? 0 : 1));
    case 'multiplicative_pow':
      return (d: number) => round(eta * round(d ** mu));
    case 'multiplicative_relu':
      return (d: number) => round(eta * Math.max(d, 0));
  }
};

/**
 * One STDP step for a linear layer (Norse's `stdp_step_linear`).
 *
 * `stdpStepLinear(p, dt)(zPre, zPost, w, state?) → [w', state']`
 * - `zPre` `[B, pre]`, `zPost` `[B, post]`: spikes (0/1) of this step
 * - `w` `[post, pre]`: weights (torch `Linear` layout: row `i` feeds postsynaptic neuron `i`)
 * - `state` `{ tPre [B, pre], tPost [B, post] }`, default zero traces
 * All tensors share one dtype and must be finite. Float32 runs round every operation to float32.
 * @param p - STDP parameters (Norse's `STDPParameters` defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @returns the new weights `[post, pre]` and the new traces
 * @throws SpikeflowError for bad parameters, `dt <= 0`, tensors that are not matrices, weights
 *   whose shape is not `[post, pre]`, batch sizes that differ, mixed dtypes, or NaN/infinite values
 */
export const stdpStepLinear = (p?: STDPParametersInput, dt = 0.001) => {
  const where = 'stdpStepLinear';
  const params = stdpParameters(p);
  orThrow(where)(checkDt(dt));
  const mu = params.stdpAlgorithm === 'multiplicative_pow' ? params.mu : params.stdpAlgorithm === 'multiplicative_relu' ? 1 : 0;
  return (zPre: Tensor, zPost: Tensor, w: Tensor, state?: STDPState): readonly [Tensor, STDPState] => {
    const zp = checkMatrix(where, 'zPre', zPre, undefined);
    const dtype = dtypeOf(zp);
    const [B, pre] = zp.shape as [number, number];
    const zq = checkMatrix(where, 'zPost', zPost, undefined, dtype);
    if (zq.shape[0] !== B) {
      throw new SpikeflowError(where, 'zPost', `zPost batch size ${zq.shape[0]} does not match zPre batch size ${B}`);
    }
    const post = zq.shape[1] as number;
    const wt = checkMatrix(where, 'w', w, [post, pre], dtype);
    if (state !== undefined && (state === null || typeof state !== 'object')) {
      throw new SpikeflowError(where, 'state', `state must be an object { tPre, tPost }, received ${show(state)}`);
    }
    const s = state ?? stdpInitialState(B, pre, post, dtype);
    const tPre0 = checkMatrix(where, 'state.tPre', s.tPre, [B, pre], dtype);
    const tPost0 = checkMatrix(where, 'state.tPost', s.tPost, [B, post], dtype);

    const r = rounderFor(dtype);
    const c = (v: number) => r(v);
    const dtR = c(dt);
    const [aPre, aPost, tauPreInv, tauPostInv, wMin, wMax, etaPlus, etaMinus] = [
      params.aPre,
      params.aPost,
      params.tauPreInv,
      params.tauPostInv,
      params.wMin,
      params.wMax,
      params.etaPlus,
      params.etaMinus,
    ].map(c) as [number, number, number, number, number, number, number, number];

    // Trace decay: t + (dt·τ⁻¹)·(−t + a·z), operand order as Norse's STDPState.decay.
    const kPre = r(dtR * tauPreInv);
    const kPost = r(dtR * tauPostInv);
    const tPre = allocate(dtype, B * pre);
    const tPost = allocate(dtype, B * post);
    for (let k = 0; k < B * pre; k++) {
      const t = tPre0.data[k] as number;
      tPre[k] = r(t + r(kPre * r(-t + r(aPre * (zp.data[k] as number)))));
    }
    for (let k = 0; k < B * post; k++) {
      const t = tPost0.data[k] as number;
      tPost[k] = r(t + r(kPost * r(-t + r(aPost * (zq.data[k] as number)))));
    }

    const aPlus = weightDependence(params.stdpAlgorithm, etaPlus, c(mu), r);
    const aMinus = weightDependence(params.stdpAlgorithm, etaMinus, c(mu), r);
    const out = allocate(dtype, post * pre);
    for (let i = 0; i < post; i++) {
      for (let j = 0; j < pre; j++) {
        // einsum('bi,bj->ij'): sum over the batch in increasing order.
        let ePlus = 0;
        let eMinus = 0;
        for (let b = 0; b < B; b++) {
          const zPostBi = zq.data[b * post + i] as number;
          const zPreBj = zp.data[b * pre + j] as number;
          const p1 = r(zPostBi * (tPre[b * pre + j] as number));
          const p2 = r((tPost[b * post + i] as number) * zPreBj);
          ePlus = b === 0 ? p1 : r(ePlus + p1);
          eMinus = b === 0 ? p2 : r(eMinus + p2);
        }
        const wij = wt.data[i * pre + j] as number;
        const dwPlus = r(aPlus(r(wMax - wij)) * ePlus);
        const dwMinus = r(aMinus(r(wij - wMin)) * eMinus);
        const next = r(wij + r(dwPlus - dwMinus));
        out[i * pre + j] = params.hardbound ? Math.min(Math.max(next, wMin), wMax) : next;
      }
    }
    return [
      fromTypedArray(out, [post, pre]),
      Object.freeze({ tPre: fromTypedArray(tPre, [B, pre]), tPost: fromTypedArray(tPost, [B, post]) }),
    ];
  };
};
