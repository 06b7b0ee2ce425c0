/**
 * Izhikevich neuron, feed-forward (Norse's `Izhikevich` / `izhikevich_feed_forward_step`), after
 * Izhikevich (2003), *Simple model of spiking neurons*, IEEE Trans. Neural Netw. 14:1569, with
 * the 20 named behaviours of Izhikevich (2004), *Which model to use for cortical spiking neurons?*
 * as Norse parametrises them.
 *
 * Update order of one step (forward Euler, both variables from the old state), with input
 * current `x` `[batch, N]`:
 * ```
 * v_d = v + (τ⁻¹·dt)·(((((sq·v²) + mn·v) + bias) − u) + x)
 * u_d = u + ((τ⁻¹·dt)·a)·(b·v − u)
 * z   = Θ(v_d − v_th)                         (strict; v_th = 30 by default)
 * v'  = (1 − z)·v_d + z·c                     (reset by value)
 * u'  = (1 − z)·u_d + z·(u_d + d)             (recovery jump)
 * ```
 * The input is never multiplied by `dt`. Initial state (Norse's `IzhikevichSpikingBehavior.s`):
 * `v = fround(v_rest)`, `u = fround(fround(u_rest)·fround(b))` — Norse builds it as float32 tensors,
 * and these are their exact values. (Norse's feed-forward module also computes its first step in
 * float32, because that state is a float32 scalar; spikeflow computes every step in the run's dtype,
 * which moves a float64 run by at most ~1e-12 from Norse's.)
 *
 * Parameters: pick a named `behavior` (default `tonic_spiking`) and optionally override any of its
 * values, or use `behavior: 'custom'` with `a`, `b`, `c`, `d`, `vRest`, `uRest` (Norse's
 * `create_izhikevich_spiking_behavior`; see {@link izhikevichCustom}).
 * Source: Norse `norse/torch/functional/izhikevich.py`, `module/izhikevich.py`, commit 065a3b45.
 *
 * The family also holds its recurrent variant `IzhikevichRecurrent` (section below; wiring in `recurrent.ts`).
 * @module
 */
import type { NeuronUpdate } from '../ops/update/ir.js';
import { allowUnstableEulerSpec, eulerStabilityCheck } from './lifOptions.js';
import { defineModel, type ParamsOf, surrogateParams } from './model.js';
import { recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';

/** One Izhikevich behaviour: Norse's `IzhikevichParameters` values and its initial state. */
export interface IzhikevichBehavior {
  /** Time scale of the recovery variable `u` (1/ms in Izhikevich's units). */
  readonly a: number;
  /** Sensitivity of `u` to the sub-threshold voltage. */
  readonly b: number;
  /** After-spike reset value of `v` (mV). */
  readonly c: number;
  /** After-spike jump of `u`. */
  readonly d: number;
  /** Coefficient of `v²` (default 0.04). */
  readonly sq: number;
  /** Coefficient of `v` (default 5). */
  readonly mn: number;
  /** Constant drive (default 140). */
  readonly bias: number;
  /** Spike cut-off (default 30 mV). */
  readonly vTh: number;
  /** Inverse time constant τ⁻¹ applied with `dt` (default 250). */
  readonly tauInv: number;
  /** Initial `v`. */
  readonly vRest: number;
  /** Initial `u` is `uRest·b`. */
  readonly uRest: number;
}

const behavior = (
  a: number,
  b: number,
  c: number,
  d: number,
  vRest: number,
  extra: Partial<Pick<IzhikevichBehavior, 'mn' | 'bias' | 'tauInv' | 'uRest'>> = {},
): IzhikevichBehavior => Object.freeze({ a, b, c, d, sq: 0.04, mn: 5, bias: 140, vTh: 30, tauInv: 250, vRest, uRest: vRest, ...extra });

/**
 * Norse's 20 named behaviours (`norse.torch.tonic_spiking`, …), keyed by Norse's names, with
 * Norse's values (including its spelling `accomodation`). `uRest` equals `vRest` except for
 * `accomodation`, whose initial `u` is −16.
 */
export const izhikevichBehaviors = Object.freeze({
  tonic_spiking: behavior(0.02, 0.2, -65, 6, -70),
  phasic_spiking: behavior(0.02, 0.25, -65, 6, -64),
  tonic_bursting: behavior(0.02, 0.2, -50, 2, -70),
  phasic_bursting: behavior(0.02, 0.25, -55, 0.05, -64, { tauInv: 200 }),
  mixed_mode: behavior(0.02, 0.2, -55, 4, -70),
  spike_frequency_adaptation: behavior(0.01, 0.2, -65, 8, -70),
  class_1_exc: behavior(0.02, -0.1, -55, 6, -60, { mn: 4.1, bias: 108 }),
  class_2_exc: behavior(0.2, 0.26, -65, 0, -64),
  spike_latency: behavior(0.02, 0.2, -65, 6, -70),
  subthreshold_oscillation: behavior(0.05, 0.26, -60, 0, -62),
  resonator: behavior(0.1, 0.26, -60, -1, -62),
  integrator: behavior(0.02, -0.1, -55, 6, -60, { mn: 4.1, bias: 108 }),
  rebound_spike: behavior(0.03, 0.25, -60, 4, -64, { tauInv: 200 }),
  rebound_burst: behavior(0.03, 0.25, -52, 0, -64, { tauInv: 200 }),
  threshold_variability: behavior(0.03, 0.25, -60, 4, -64),
  bistability: behavior(0.1, 0.26, -60, 0, -61),
  dap: behavior(1.0, 0.2, -60, -21, -70, { tauInv: 100 }),
  accomodation: behavior(0.02, 1.0, -55, 4, -65, { tauInv: 500, uRest: -16 }),
  inhibition_induced_spiking: behavior(-0.02, -1.0, -60, 8, -63.8),
  inhibition_induced_bursting: behavior(-0.026, -1.0, -45, -2, -63.8),
});

/** A behaviour name of Norse's, or `custom`. */
export type IzhikevichBehaviorName = keyof typeof izhikevichBehaviors | 'custom';

/** Norse's behaviour names, in Norse's order, followed by `custom`. */
export const IZHIKEVICH_BEHAVIORS = [...Object.keys(izhikevichBehaviors), 'custom'] as readonly IzhikevichBehaviorName[];

const tonic = izhikevichBehaviors.tonic_spiking;

/**
 * Update orders: `norse` (both variables from the old state, Norse's forward Euler; default) and
 * `izhikevich` (the order of Izhikevich's own `figure1.m`: `u` is updated from the new `v`).
 */
export const IZHIKEVICH_UPDATE_ORDERS = ['norse', 'izhikevich'] as const;
const optional = (value: number, range: 'finite' | 'positive' = 'finite') =>
  ({ kind: 'number', default: value, range, optional: true }) as const;

/**
 * Izhikevich parameters: `behavior` (one of {@link IZHIKEVICH_BEHAVIORS}, default `tonic_spiking`)
 * and optional overrides of its values (`default` below shows `tonic_spiking`'s):
 * `a`, `b`, `c`, `d`, `sq`, `mn`, `bias`, `vTh`, `tauInv` (> 0), `vRest`, `uRest` (initial
 * `v = vRest`, `u = uRest·b`). With `behavior: 'custom'`, `a`, `b`, `c`, `d`, `vRest`, `uRest`
 * are required and the rest take Norse's `IzhikevichParameters` defaults (sq 0.04, mn 5,
 * bias 140, vTh 30, tauInv 250). `method`, `alpha`: surrogate gradient, no effect on values.
 *
 * Beyond Norse (defaults give Norse's update bit for bit):
 * - `updateOrder`: `'norse'` (default) or `'izhikevich'` (`u` from the new `v`, as `figure1.m`)
 * - `uLeak` (default 1), `uOffset` (default 0): the recovery equation in the general form
 *   `du/dt = τ⁻¹·a·(b·(v − uOffset) − uLeak·u)`; Norse's is `uLeak = 1`, `uOffset = 0`, and
 *   `figure1.m`'s accommodation (R) is `uLeak = 0`, `uOffset = −65` (`u += τ·a·b·(v + 65)`)
 * - `allowUnstableEuler` (default false): `dt·tauInv ≥ 1` or `dt·tauInv·|a| ≥ 1` throws unless true
 */
export const izhikevichParameterSpecs = {
  behavior: { kind: 'enum', default: 'tonic_spiking', options: IZHIKEVICH_BEHAVIORS },
  a: optional(tonic.a),
  b: optional(tonic.b),
  c: optional(tonic.c),
  d: optional(tonic.d),
  sq: optional(tonic.sq),
  mn: optional(tonic.mn),
  bias: optional(tonic.bias),
  vTh: optional(tonic.vTh),
  tauInv: optional(tonic.tauInv, 'positive'),
  vRest: optional(tonic.vRest),
  uRest: optional(tonic.uRest),
  ...surrogateParams,
  updateOrder: { kind: 'enum', default: 'norse', options: IZHIKEVICH_UPDATE_ORDERS },
  uLeak: { kind: 'number', default: 1, range: 'finite' },
  uOffset: { kind: 'number', default: 0, range: 'finite' },
  ...allowUnstableEulerSpec,
} as const;

/** Validated Izhikevich parameters (unresolved: overrides not given are `undefined`). */
export type IzhikevichParameters = ParamsOf<typeof izhikevichParameterSpecs>;

const CUSTOM_REQUIRED = ['a', 'b', 'c', 'd', 'vRest', 'uRest'] as const;

/** The values in effect: the named behaviour's (or Norse's defaults for `custom`) with the overrides applied. */
export const resolveIzhikevich = (p: IzhikevichParameters): IzhikevichBehavior => {
  const base: IzhikevichBehavior = p.behavior === 'custom' ? tonic : izhikevichBehaviors[p.behavior];
  const pick = (k: keyof IzhikevichBehavior): number => p[k] ?? base[k];
  return {
    a: pick('a'),
    b: pick('b'),
    c: pick('c'),
    d: pick('d'),
    sq: pick('sq'),
    mn: pick('mn'),
    bias: pick('bias'),
    vTh: pick('vTh'),
    tauInv: pick('tauInv'),
    vRest: pick('vRest'),
    uRest: pick('uRest'),
  };
};

/** Rejects `behavior: 'custom'` without all of `a`, `b`, `c`, `d`, `vRest`, `uRest`. */
export const checkIzhikevich = (p: IzhikevichParameters): { argument: string; message: string } | undefined => {
  if (p.behavior !== 'custom') return undefined;
  const missing = CUSTOM_REQUIRED.find((k) => p[k] === undefined);
  return missing === undefined
    ? undefined
    : { argument: missing, message: `behavior 'custom' requires ${CUSTOM_REQUIRED.join(', ')}; ${missing} is missing` };
};

/** Norse's initial state of a behaviour: float32 values, `v = fround(vRest)`, `u = fround(fround(uRest)·fround(b))`. */
export const izhikevichInitialState = (p: IzhikevichParameters): { v: number; u: number } => {
  const r = resolveIzhikevich(p);
  return { v: Math.fround(r.vRest), u: Math.fround(Math.fround(r.uRest) * Math.fround(r.b)) };
};

/**
 * Parameters of a custom behaviour (Norse's `create_izhikevich_spiking_behavior(a, b, c, d,
 * v_rest, u_rest, tau_inv=250)`): pass the result to `izhikevich.run` or `izhikevich.step`.
 * Values are validated when the model receives them.
 */
export const izhikevichCustom = (values: {
  a: number;
  b: number;
  c: number;
  d: number;
  vRest: number;
  uRest: number;
  tauInv?: number;
}): { behavior: 'custom' } & typeof values => ({ ...values, behavior: 'custom' });

/** Update parameters of the Izhikevich update. */
export const izhikevichUpdateParams = ['a', 'b', 'c', 'd', 'sq', 'mn', 'bias', 'vTh', 'tauInv', 'uLeak', 'uOffset', 'updateOrder'] as const;

/** Numeric update parameters from validated parameters. */
export const izhikevichUpdateValues = (p: IzhikevichParameters): Readonly<Record<string, number>> => ({
  ...resolveIzhikevich(p),
  uLeak: p.uLeak,
  uOffset: p.uOffset,
  updateOrder: IZHIKEVICH_UPDATE_ORDERS.indexOf(p.updateOrder),
});

/** Forward Euler's stability check: `dt·tauInv < 1` and `dt·tauInv·|a| < 1` (see `lifOptions.ts`). */
export const izhikevichStability = eulerStabilityCheck((p) => {
  const r = resolveIzhikevich(p as IzhikevichParameters);
  return { tauInv: r.tauInv, 'tauInv·|a|': r.tauInv * Math.abs(r.a) };
});

/** The input-free part of `dv/dt`: defines `drive = (((sq·v²) + mn·v) + bias) − u`. */
export const izhikevichDrive = `
  const drive = R(R(R(R(sq * R(v * v)) + R(mn * v)) + bias) - u);
`;

/**
 * The Izhikevich update given `total` (drive plus input currents): assigns the new `v`, `u`,
 * defines `z`. The recovery variable reads the old `v` (Norse's order) or the new one
 * (`updateOrder` 1, `figure1.m`'s order); with `uLeak = 1`, `uOffset = 0` its bracket is Norse's
 * `b·v − u` exactly (`v − 0` and `1·u` are exact in floating point).
 */
export const izhikevichFire = `
  const vDec = R(v + R(R(tauInv * dt) * total));
  const vU = updateOrder > 0.5 ? vDec : v;
  const uDec = R(u + R(R(R(tauInv * dt) * a) * R(R(b * R(vU - uOffset)) - R(uLeak * u))));
  const z = R(vDec - vTh) > 0 ? 1 : 0;
  v = R(R(R(1 - z) * vDec) + R(z * c));
  u = R(R(R(1 - z) * uDec) + R(z * R(uDec + d)));
`;

/** The per-neuron Izhikevich update (input `x`, state `v`, `u`, output `z`). */
export const izhikevichUpdate: NeuronUpdate = {
  name: 'izhikevich',
  inputs: ['x'],
  state: ['v', 'u'],
  params: izhikevichUpdateParams,
  output: 'z',
  body: `
  ${izhikevichDrive}
  const total = R(drive + x);
  ${izhikevichFire}
`,
};

/**
 * The Izhikevich model: `xs` `[T, batch, N]` (input currents) → spikes `[T, batch, N]`, state
 * `{ v, u }` (`[batch, N]`). See the module docs for the equations and the behaviours.
 */
export const izhikevich = defineModel({
  name: 'Izhikevich',
  id: 'izhikevich',
  parameters: izhikevichParameterSpecs,
  update: izhikevichUpdate,
  updateParams: izhikevichUpdateValues,
  state: ['v', 'u'],
  initialState: izhikevichInitialState,
  outputName: 'z',
  check: checkIzhikevich,
  checkStep: izhikevichStability,
});

/** State of an Izhikevich layer: membrane voltage `v` and recovery variable `u`, each `[batch, N]`. */
export type IzhikevichState = ReturnType<typeof izhikevich.initialState>;

// --- IzhikevichRecurrent ---

/*
 * Recurrently connected Izhikevich layer (Norse's `IzhikevichRecurrent` / `izhikevich_recurrent_step`).
 *
 * Per step, with input `x` `[batch, inputs]`, input weights `W_in` `[N, inputs]`, recurrent
 * weights `W_rec` `[N, N]` (diagonal zeroed unless `autapses`) and the previous spikes `z`, the
 * update of {@link izhikevich} (see `izhikevich.ts`) with both currents added to the drive:
 * ```
 * v_d = v + (τ⁻¹·dt)·((((((sq·v²) + mn·v) + bias) − u) + x·W_inᵀ) + z·W_recᵀ)
 * ```
 * then `u`, threshold and resets as the feed-forward model. State `{ z, v, u }`, initial `z = 0`
 * and the behaviour's `v`, `u` (float32 values, as Norse's `torch.full` of its float32 state).
 * Source: Norse `norse/torch/functional/izhikevich.py` (`izhikevich_recurrent_step`), `module/izhikevich.py`.
 */

/** IzhikevichRecurrent parameters: Izhikevich's (behaviour and overrides) plus `inputWeights`, `recurrentWeights`, `autapses`. */
export const izhikevichRecurrentParameterSpecs = { ...izhikevichParameterSpecs, ...recurrentWeightSpecs } as const;

/** Validated IzhikevichRecurrent parameters. */
export type IzhikevichRecurrentParameters = ParamsOf<typeof izhikevichRecurrentParameterSpecs>;

/** The per-neuron recurrent Izhikevich update: inputs `xa` (= x·W_inᵀ) and `xb` (= z·W_recᵀ). */
export const izhikevichRecurrentUpdate: NeuronUpdate = recurrentUpdate(
  'izhikevich_recurrent',
  izhikevichUpdate,
  `
  ${izhikevichDrive}
  const total = R(R(drive + xa) + xb);
  ${izhikevichFire}
`,
);

/** The recurrent Izhikevich model; `xs` `[T, batch, inputs]` → spikes `[T, batch, N]`, state `{ z, v, u }`. */
export const izhikevichRecurrent = defineModel({
  name: 'IzhikevichRecurrent',
  id: 'izhikevichRecurrent',
  parameters: izhikevichRecurrentParameterSpecs,
  update: izhikevichRecurrentUpdate,
  updateParams: izhikevichUpdateValues,
  state: ['z', 'v', 'u'],
  initialState: (p) => ({ z: 0, ...izhikevichInitialState(p) }),
  outputName: 'z',
  check: checkIzhikevich,
  recurrent: recurrentWiring,
  checkStep: izhikevichStability,
});
