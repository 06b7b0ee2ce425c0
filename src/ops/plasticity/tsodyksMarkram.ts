/**
 * Tsodyks–Markram short-term synaptic plasticity (Norse's `stp_step`, `TsodyksMakramParameters`,
 * `TsodyksMakramState`): facilitation through the utilisation `u` and depression through the
 * available resources `x`, driven by presynaptic spikes `z`. One forward-Euler step:
 * ```
 * u' = u + dt·(−τ_f⁻¹·u) + U·(1 − u)·z          (facilitation: jumps by U·(1 − u) on a spike)
 * x' = x + dt·(τ_d⁻¹·(1 − x)) − u'·x·z           (depression: a spike uses u'·x of the resources)
 * out = u'·x·z                                   (the synaptic efficacy of this step's spikes)
 * ```
 * The input is never multiplied by `dt`. `tauSInv` is part of Norse's parameters but unused by
 * the step. Reference: http://www.scholarpedia.org/article/Short-term_synaptic_plasticity.
 * Source: Norse `norse/torch/functional/tsodyks_makram.py` (`stp_step`), commit 065a3b45.
 * @module
 */

import { checkDt, orThrow, SpikeflowError, show } from '../errors.js';
import {
  allocate,
  type DType,
  dtypeOf,
  finiteTensor,
  fromTypedArray,
  isTensor,
  sameShape,
  showShape,
  sizeOf,
  type Tensor,
} from '../tensor.js';
import type { NeuronUpdate } from '../update/ir.js';
import { compileUpdate } from '../update/lowerJs.js';
import { checkOptions, rounderFor, type ScalarParamsInput, type ScalarParamsOf, scalarParameters } from '../validate.js';

/**
 * Norse's `TsodyksMakramParameters` in camelCase (mechanically: `U` stays `U`) with its defaults:
 * - `tauFInv` facilitation rate 1/τ_f in 1/s (1/50e-3 = 20, > 0)
 * - `tauSInv` synaptic rate 1/τ_s in 1/s (1/20e-3 = 50, > 0; unused by the step)
 * - `tauDInv` depression recovery rate 1/τ_d in 1/s (1/750e-3 ≈ 1.333, > 0)
 * - `U` utilisation jump per spike (0.45, within [0, 1])
 */
export const tsodyksMarkramParameterSpecs = {
  tauFInv: { kind: 'number', default: 1 / 50.0e-3, range: 'positive' },
  tauSInv: { kind: 'number', default: 1 / 20.0e-3, range: 'positive' },
  tauDInv: { kind: 'number', default: 1 / 750.0e-3, range: 'positive' },
  U: { kind: 'number', default: 0.45, range: 'nonNegative' },
} as const;

/** Validated Tsodyks–Markram parameters. */
export type TsodyksMarkramParameters = ScalarParamsOf<typeof tsodyksMarkramParameterSpecs>;

/** What callers may pass: any subset of {@link TsodyksMarkramParameters}. */
export type TsodyksMarkramParametersInput = ScalarParamsInput<typeof tsodyksMarkramParameterSpecs>;

/**
 * Validates Tsodyks–Markram parameters and fills Norse's defaults.
 * @throws SpikeflowError for unknown names, non-positive rates, or `U` outside [0, 1]
 */
export const tsodyksMarkramParameters = (p?: TsodyksMarkramParametersInput): TsodyksMarkramParameters => {
  const where = 'tsodyksMarkramParameters';
  const params = scalarParameters(where, tsodyksMarkramParameterSpecs, p);
  if (params.U > 1) throw new SpikeflowError(where, 'U', `U must lie in [0, 1] (a fraction of the resources), received ${show(params.U)}`);
  return params;
};

/** State (Norse's `TsodyksMakramState`): utilisation `u` and available resources `x`, each of the spikes' step shape. */
export interface TsodyksMarkramState {
  /** Utilisation of the resources, shape `[batch, N]` (or the step shape). */
  readonly u: Tensor;
  /** Fraction of resources available, same shape. */
  readonly x: Tensor;
}

/**
 * The resting state: `u = 0` (no facilitation), `x = 1` (all resources available).
 * @param shape - step shape, e.g. `[batch, N]`
 * @param dtype - `float32` (default) or `float64`
 * @throws SpikeflowError when `shape` is not non-negative integers
 */
export const tsodyksMarkramInitialState = (shape: readonly number[], dtype: DType = 'float32'): TsodyksMarkramState => {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new SpikeflowError(
      'tsodyksMarkramInitialState',
      'shape',
      `shape must be an array of non-negative integers, received ${show(shape)}`,
    );
  }
  const x = allocate(dtype, sizeOf(shape));
  x.fill(1);
  return Object.freeze({ u: fromTypedArray(allocate(dtype, sizeOf(shape)), shape), x: fromTypedArray(x, shape) });
};

/** The per-synapse update (input `z`, state `u`, `x`, output `out`), in Norse's operand order. */
export const tsodyksMarkramUpdate: NeuronUpdate = {
  name: 'tsodyksMarkram',
  inputs: ['z'],
  state: ['u', 'x'],
  params: ['tauFInv', 'tauDInv', 'U'],
  output: 'out',
  body: `
  const uP = R(R(u + R(dt * R(-tauFInv * u))) + R(R(U * R(1 - u)) * z));
  const xP = R(R(x + R(dt * R(tauDInv * R(1 - x)))) - R(R(uP * x) * z));
  const out = R(R(uP * x) * z);
  u = uP;
  x = xP;
`,
};

/** Options of {@link stpRun}. */
export interface StpRunOptions {
  /** Also return `u` and `x` after every step, each `[T, ...]` (default false). */
  readonly record?: boolean;
}

const runImpl = (
  where: string,
  params: TsodyksMarkramParameters,
  dt: number,
  record: boolean,
  zs: Tensor,
  state: TsodyksMarkramState | undefined,
): readonly [Tensor, TsodyksMarkramState, TsodyksMarkramState?] => {
  const z = orThrow(where)(isTensor('input', zs));
  if (z.shape.length < 1)
    throw new SpikeflowError(where, 'input', `input must be [T, ...] (time first), received shape ${showShape(z.shape)}`);
  orThrow(where)(finiteTensor('input', z));
  const dtype = dtypeOf(z);
  const T = z.shape[0] as number;
  const stepShape = z.shape.slice(1);
  const M = sizeOf(stepShape);
  if (state !== undefined && (state === null || typeof state !== 'object')) {
    throw new SpikeflowError(where, 'state', `state must be an object { u, x }, received ${show(state)}`);
  }
  const s = state ?? tsodyksMarkramInitialState(stepShape, dtype);
  const scratch = (['u', 'x'] as const).map((name) => {
    const t = orThrow(where)(isTensor(`state.${name}`, s[name]));
    if (!sameShape(t.shape, stepShape)) {
      throw new SpikeflowError(
        where,
        `state.${name}`,
        `state.${name} shape ${showShape(t.shape)} does not match the input step shape ${showShape(stepShape)}`,
      );
    }
    if (dtypeOf(t) !== dtype) {
      throw new SpikeflowError(where, `state.${name}`, `state.${name} has dtype ${dtypeOf(t)} but the input has dtype ${dtype}`);
    }
    orThrow(where)(finiteTensor(`state.${name}`, t));
    const d = allocate(dtype, M);
    d.set(t.data);
    return d;
  });
  const round = rounderFor(dtype);
  const out = allocate(dtype, T * M);
  const rec = record ? [allocate(dtype, T * M), allocate(dtype, T * M)] : undefined;
  compileUpdate(
    tsodyksMarkramUpdate,
    dtype,
    record,
  )({
    T,
    M,
    inputs: [z.data],
    out,
    state: scratch,
    record: rec,
    params: [params.tauFInv, params.tauDInv, params.U].map(round),
    dt: round(dt),
  });
  const [u, x] = scratch as [Float64Array, Float64Array];
  const next = Object.freeze({ u: fromTypedArray(u, stepShape), x: fromTypedArray(x, stepShape) });
  const outs = fromTypedArray(out, z.shape);
  if (rec === undefined) return [outs, next];
  return [
    outs,
    next,
    Object.freeze({ u: fromTypedArray(rec[0] as Float64Array, z.shape), x: fromTypedArray(rec[1] as Float64Array, z.shape) }),
  ];
};

/**
 * One step of Tsodyks–Markram short-term plasticity (Norse's `stp_step`).
 *
 * `stpStep(p, dt)(z, state?) → [out, state']`
 * @param p - parameters (Norse's defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @returns a function of presynaptic spikes `z` (any step shape `S`, e.g. `[batch, N]`, finite) and
 *   the state `{ u, x }` (shape `S`, same dtype; default {@link tsodyksMarkramInitialState})
 *   returning the efficacy `out` (shape `S`) and the new state
 * @throws SpikeflowError for bad parameters, `dt <= 0`, non-finite input or a state of another shape or dtype
 */
export const stpStep = (p?: TsodyksMarkramParametersInput, dt = 0.001) => {
  const where = 'stpStep';
  const params = tsodyksMarkramParameters(p);
  orThrow(where)(checkDt(dt));
  return (z: Tensor, state?: TsodyksMarkramState): readonly [Tensor, TsodyksMarkramState] => {
    const x = orThrow(where)(isTensor('input', z));
    const [outs, next] = runImpl(where, params, dt, false, fromTypedArray(x.data, [1, ...x.shape]), state);
    return [fromTypedArray(outs.data, x.shape), next];
  };
};

/**
 * Tsodyks–Markram over a chunk: `stpRun(p, dt, options)(zs, state?) → [outs, state', recorded?]`,
 * equal, bit for bit, to `T` calls of {@link stpStep}.
 * @param p - parameters (Norse's defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @param options - `{ record }`: also return `{ u, x }` after every step, each `[T, ...S]`
 * @returns a function of spikes `zs` `[T, ...S]` (time first) and the state returning the
 *   efficacies `[T, ...S]`, the final state and, when recording, the per-step states
 * @throws SpikeflowError as {@link stpStep}, or for unknown options
 */
export const stpRun = (p?: TsodyksMarkramParametersInput, dt = 0.001, options: StpRunOptions = {}) => {
  const where = 'stpRun';
  const params = tsodyksMarkramParameters(p);
  orThrow(where)(checkDt(dt));
  checkOptions(where, options, ['record']);
  return (zs: Tensor, state?: TsodyksMarkramState) => runImpl(where, params, dt, options.record === true, zs, state);
};
