/**
 * Constant-current LIF encoder (Norse's `constant_current_lif_encode` / `ConstantCurrentLIFEncoder`,
 * built on `lif_current_encoder`).
 *
 * Each input value is a constant current fed, every step, into a leaky integrator with a
 * threshold. There is no synaptic current state: the input drives the voltage directly. One step:
 * ```
 * v_d = v + (dt·τ_mem⁻¹)·((v_leak − v) + x)     (forward Euler)
 * z   = Θ(v_d − v_th)                          (strict: spikes when v_d > v_th)
 * v'  = v_d − z·(v_d − v_reset)                (reset by value, same step)
 * ```
 * The voltage starts at 0 (not `v_leak`), as in Norse. `tauSynInv` is part of Norse's
 * `LIFParameters` and accepted here, but this update never reads it.
 * Source: Norse `norse/torch/functional/lif.py` (`lif_current_encoder`) and
 * `norse/torch/functional/encode.py` (`constant_current_lif_encode`), commit 065a3b45.
 * @module
 */
import { checkDt, orThrow, SpikeflowError } from '../errors.js';
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
  type TensorData,
} from '../tensor.js';
import type { NeuronUpdate } from '../update/ir.js';
import { compileUpdate } from '../update/lowerJs.js';
import { checkCount, checkOptions, rounderFor, type ScalarParamsInput, type ScalarParamsOf, scalarParameters } from '../validate.js';

/** Norse's surrogate-gradient methods; they shape gradients only, never the values computed here. */
const METHODS = ['super', 'heaviside', 'tanh', 'tent', 'circ', 'logistic', 'triangle', 'adjoint'] as const;

/**
 * Norse's `LIFParameters` in camelCase with Norse's defaults, as read by the LIF encoders:
 * - `tauSynInv` 1/τ_syn in 1/s (200, > 0): accepted for compatibility, unused by the encoders
 * - `tauMemInv` 1/τ_mem in 1/s (100, > 0)
 * - `vLeak` (0), `vTh` (1), `vReset` (0): voltages in Norse's dimensionless units
 * - `method` (`'super'`), `alpha` (100, > 0): surrogate-gradient choice, no effect on values
 */
export const lifEncoderParameterSpecs = {
  tauSynInv: { kind: 'number', default: 200, range: 'positive' },
  tauMemInv: { kind: 'number', default: 100, range: 'positive' },
  vLeak: { kind: 'number', default: 0, range: 'finite' },
  vTh: { kind: 'number', default: 1, range: 'finite' },
  vReset: { kind: 'number', default: 0, range: 'finite' },
  method: { kind: 'enum', default: 'super', options: METHODS },
  alpha: { kind: 'number', default: 100, range: 'positive' },
} as const;

/** Validated parameters of the LIF encoders (Norse's `LIFParameters`). */
export type LIFEncoderParameters = ScalarParamsOf<typeof lifEncoderParameterSpecs>;

/** What callers may pass as LIF encoder parameters: any subset of {@link LIFEncoderParameters}. */
export type LIFEncoderParametersInput = ScalarParamsInput<typeof lifEncoderParameterSpecs>;

/**
 * Validates LIF encoder parameters and fills Norse's defaults.
 * @throws SpikeflowError for unknown names, non-finite numbers, non-positive inverse time constants
 */
export const lifEncoderParameters = (p?: LIFEncoderParametersInput): LIFEncoderParameters =>
  scalarParameters('lifEncoderParameters', lifEncoderParameterSpecs, p);

/**
 * The `lif_current_encoder` update as statements of the kernel language (see {@link NeuronUpdate}): reads `x`, `v`,
 * `dt`, `tauMemInv`, `vLeak`, `vTh`, `vReset`; defines `vD` (integrated voltage), `z` and `vNew`.
 */
export const lifCurrentEncoderStatements = `
  const vD = R(v + R(R(dt * tauMemInv) * R(R(vLeak - v) + x)));
  const z = R(vD - vTh) > 0 ? 1 : 0;
  const vNew = R(vD - R(z * R(vD - vReset)));
`;

/** Parameters of {@link lifCurrentEncoderStatements}, in order. */
export const lifCurrentEncoderUpdateParams = ['tauMemInv', 'vLeak', 'vTh', 'vReset'] as const;

/** The per-neuron `lif_current_encoder` step: input current `x`, state `v`, output `z`. */
export const lifCurrentEncoderUpdate: NeuronUpdate = {
  name: 'lifCurrentEncoder',
  inputs: ['x'],
  state: ['v'],
  params: lifCurrentEncoderUpdateParams,
  output: 'z',
  body: `
  ${lifCurrentEncoderStatements}
  v = vNew;
`,
};

/** Parameter values of {@link lifCurrentEncoderUpdate} for a dtype (rounded to float32 for float32 runs). */
export const lifCurrentEncoderUpdateValues = (p: LIFEncoderParameters, dtype: DType): number[] =>
  lifCurrentEncoderUpdateParams.map((name) => rounderFor(dtype)(p[name]));

/**
 * Runs a kernel whose single input is the same array every step (a constant current) for `T`
 * steps. State arrays are the caller's scratch copies and are updated in place; `records`, when
 * given, receive each state variable after each step (`[T, M]`).
 * @internal shared by the LIF encoders
 */
export const runConstantInput = (
  kernel: NeuronUpdate,
  dtype: DType,
  T: number,
  x: TensorData,
  state: readonly TensorData[],
  params: readonly number[],
  dt: number,
  records?: readonly TensorData[],
): TensorData => {
  const M = x.length;
  const out = allocate(dtype, T * M);
  const compiled = compileUpdate(kernel, dtype, records !== undefined);
  const kdt = rounderFor(dtype)(dt);
  for (let t = 0; t < T; t++) {
    compiled({
      T: 1,
      M,
      inputs: [x],
      out: out.subarray(t * M, (t + 1) * M),
      state,
      record: records?.map((r) => r.subarray(t * M, (t + 1) * M)),
      params,
      dt: kdt,
    });
  }
  return out;
};

/**
 * Checks an encoder's input currents and an optional state tensor of the same shape and dtype.
 * @throws SpikeflowError (`currents`, `stateName`) for a non-tensor, non-finite values, or a state of another shape or dtype
 * @internal shared by the LIF encoders
 */
export const checkCurrentAndState = (where: string, currents: unknown, stateName: string, state: unknown): Tensor => {
  const x = orThrow(where)(isTensor('currents', currents));
  orThrow(where)(finiteTensor('currents', x));
  if (state !== undefined) {
    const s = orThrow(where)(isTensor(stateName, state));
    if (!sameShape(s.shape, x.shape)) {
      throw new SpikeflowError(
        where,
        stateName,
        `${stateName} shape ${showShape(s.shape)} does not match currents shape ${showShape(x.shape)}`,
      );
    }
    if (dtypeOf(s) !== dtypeOf(x)) {
      throw new SpikeflowError(where, stateName, `${stateName} has dtype ${dtypeOf(s)} but currents have dtype ${dtypeOf(x)}`);
    }
    orThrow(where)(finiteTensor(stateName, s));
  }
  return x;
};

/**
 * One step of Norse's `lif_current_encoder`: `lifCurrentEncoderStep(p, dt)(current, v?) → [z, v']`.
 * @param p - LIF parameters (Norse's defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @returns a function of `current` (any shape, e.g. `[batch, N]`; a current, never multiplied by
 *   `dt`) and the voltage `v` (same shape and dtype; default zeros) returning spikes `z` (0/1) and
 *   the new voltage, both of `current`'s shape and dtype
 * @throws SpikeflowError for bad parameters, `dt <= 0`, non-finite or mismatched tensors
 */
export const lifCurrentEncoderStep = (p?: LIFEncoderParametersInput, dt = 0.001) => {
  const where = 'lifCurrentEncoderStep';
  const params = scalarParameters(where, lifEncoderParameterSpecs, p);
  orThrow(where)(checkDt(dt));
  return (current: Tensor, v?: Tensor): readonly [Tensor, Tensor] => {
    const x = checkCurrentAndState(where, current, 'v', v);
    const dtype = dtypeOf(x);
    const scratch = allocate(dtype, x.data.length);
    if (v !== undefined) scratch.set(v.data);
    const z = runConstantInput(lifCurrentEncoderUpdate, dtype, 1, x.data, [scratch], lifCurrentEncoderUpdateValues(params, dtype), dt);
    return [fromTypedArray(z, x.shape), fromTypedArray(scratch, x.shape)];
  };
};

/** Options of {@link constantCurrentLifEncode}. */
export interface ConstantCurrentLifOptions {
  /** Also return the voltage after every step, `[seqLength, ...shape]` (default false). */
  readonly record?: boolean;
}

/**
 * Constant-current LIF encoding (Norse's `constant_current_lif_encode`): every value of `currents`
 * drives one LIF-like neuron for `seqLength` steps; returns the spikes.
 *
 * `constantCurrentLifEncode(seqLength, p, dt, options)(currents, v?) → [spikes, v', voltages?]`:
 * - `currents`: any shape `S` (e.g. `[batch, N]`), float32 or float64, finite
 * - `v`: voltage to continue from (shape `S`, same dtype); default zeros, as Norse. Passing the
 *   returned `v'` to the next call continues the simulation, so encoding in chunks equals one call
 * - `spikes`: `[seqLength, ...S]` of 0/1 (time first); `v'`: voltage after the last step, shape `S`;
 *   `voltages` (when `options.record`): `[seqLength, ...S]`, voltage after each step
 * @param seqLength - number of steps (integer >= 0)
 * @param p - LIF parameters (Norse's `LIFParameters` defaults when omitted)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @throws SpikeflowError for a bad `seqLength`, parameters, `dt <= 0`, unknown options, non-finite
 *   currents or a voltage of another shape or dtype
 */
export const constantCurrentLifEncode = (
  seqLength: number,
  p?: LIFEncoderParametersInput,
  dt = 0.001,
  options: ConstantCurrentLifOptions = {},
) => {
  const where = 'constantCurrentLifEncode';
  const T = checkCount(where, 'seqLength', seqLength);
  const params = scalarParameters(where, lifEncoderParameterSpecs, p);
  orThrow(where)(checkDt(dt));
  checkOptions(where, options, ['record']);
  const record = options.record === true;
  return (currents: Tensor, v?: Tensor): readonly [Tensor, Tensor, Tensor?] => {
    const x = checkCurrentAndState(where, currents, 'v', v);
    const dtype = dtypeOf(x);
    const M = sizeOf(x.shape);
    const scratch = allocate(dtype, M);
    if (v !== undefined) scratch.set(v.data);
    const rec = record ? [allocate(dtype, T * M)] : undefined;
    const z = runConstantInput(lifCurrentEncoderUpdate, dtype, T, x.data, [scratch], lifCurrentEncoderUpdateValues(params, dtype), dt, rec);
    const spikes = fromTypedArray(z, [T, ...x.shape]);
    const vOut = fromTypedArray(scratch, x.shape);
    return rec === undefined ? [spikes, vOut] : [spikes, vOut, fromTypedArray(rec[0] as TensorData, [T, ...x.shape])];
  };
};
