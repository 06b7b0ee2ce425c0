/**
 * The types of a neuron model: its parameter specs (Norse's names and defaults), the validated
 * parameter records, its state, the description a model file gives {@link ModelSpec} and the
 * public API {@link NeuronModel} that `defineModel` (`model.ts`) builds from it.
 * @module
 */
import type { BackendChoice } from '../ops/backends/backendRegistry.js';
import type { DType, NestedArray, Tensor } from '../ops/tensor.js';
import type { NeuronUpdate } from '../ops/update/ir.js';
import type { OutputPolicy, RunCallOptions } from './runOutput.js';

/** Description of one parameter: its kind, Norse's default and the allowed range. */
export type ParamSpec =
  | {
      readonly kind: 'number';
      /** Norse's default value. */
      readonly default: number;
      /** `positive` (> 0: time constants, inverse time constants), `nonNegative` or any `finite` value. */
      readonly range: 'finite' | 'positive' | 'nonNegative';
      /**
       * When true, a value that is not given stays `undefined` instead of taking `default`: the
       * model derives it from other parameters (e.g. Izhikevich's named behaviour) in `updateParams`
       * and `initialState`; `default` then documents the value of the model's default configuration.
       */
      readonly optional?: boolean;
    }
  | { readonly kind: 'enum'; readonly default: string; readonly options: readonly string[] }
  | { readonly kind: 'boolean'; readonly default: boolean }
  /** A weight matrix `[rows, cols]` given as a tensor or nested arrays; no default (required). */
  | { readonly kind: 'matrix' };

/** Parameter values a model accepts. */
export type ParamValue = number | string | boolean | Tensor | NestedArray;

/** Specs of all parameters of a model, keyed by spikeflow name (Norse's name in camelCase). */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The validated parameter record described by a set of specs. */
export type ParamsOf<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends { kind: 'number'; optional: true }
    ? number | undefined
    : S[K] extends { kind: 'number' }
      ? number
      : S[K] extends { kind: 'enum'; options: readonly (infer O)[] }
        ? O
        : S[K] extends { kind: 'boolean' }
          ? boolean
          : Tensor;
};

/** What a caller may give for one parameter of a spec (distributes over a union of specs). */
export type ParamInputOf<T> = T extends { kind: 'number' }
  ? number | Tensor | NestedArray
  : T extends { kind: 'enum'; options: readonly (infer O)[] }
    ? O
    : T extends { kind: 'boolean' }
      ? boolean
      : Tensor | NestedArray;

/**
 * The parameters a caller gives a model (any subset; the rest take Norse's defaults), checked by
 * the type system: an unknown name (`lif.run({ vth: 1 })`) or an enum value that does not exist
 * (`izhikevich.run({ behavior: 'tonic_spikingg' })`) is a compile error, as it is a run-time one.
 */
export type ParamsInput<S extends ParamSpecs> = { readonly [K in keyof S]?: ParamInputOf<S[K]> };

/**
 * Validated parameters as `parameters()` returns them: as {@link ParamsOf}, except that a numeric
 * parameter may be a per-neuron tensor (float64) that broadcasts against the state shape
 * (see `perNeuron.ts`).
 */
export type ParamValues<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends { kind: 'number' } ? ParamsOf<S>[K] | Tensor : ParamsOf<S>[K];
};

/** A neuron layer's state: one tensor per state variable, all of the same shape and dtype. */
export type NeuronState<S extends string = string> = Readonly<Record<S, Tensor>>;

/** Options of a single step. */
export interface StepOptions {
  /**
   * Backend that computes (default `auto`): `js` (plain loops, float32 and float64), `gpu` (gpu.js;
   * float32, feed-forward models), another registered name, or a backend object such as
   * `createGpuBackend({ mode: 'cpu' })`. `auto` takes `gpu` only on a hardware WebGL2/headless-gl
   * context and for requests it supports, else `js`. What ran: `executionOf(result)`.
   */
  readonly backend?: BackendChoice;
}

/** Options of a fused run. */
export interface RunOptions extends StepOptions {
  /** Also return every state variable after every step, each `[T, ...stateShape]` (default false). */
  readonly record?: boolean;
  /**
   * Where outputs go (see `runOutput.ts`): `fresh` (default) — every call returns a new output and
   * a new state the caller owns; `reuse` — the run function keeps one output array and one state
   * (in shared memory) and writes every call's output and new state into them, so a call's output
   * and state are valid until the next call of the same run function (no fresh memory per call:
   * large layers run several times faster). In the loop `[z, s] = run(xs, s)` the kept state is
   * updated in place; any other state passed in (the initial one, the caller's own) is never
   * written: it is copied into the kept state first; a state an earlier call returned (overwritten
   * since) is refused with a `SpikeflowError` naming `state`. A call's own `out` (`run(xs, state, { out })`)
   * takes precedence for the output; `{ inPlace: true }` with a state other than the kept one
   * updates that state instead. With `record: true` the recorded states are new per call (the
   * caller's, not kept). Results are bit for bit those of `fresh`.
   */
  readonly outputs?: OutputPolicy;
}

/**
 * Result of a fused run: outputs `[T, ...stateShape]`, the final state, and (when `record` was
 * set) every state variable after each step, `[T, ...stateShape]`.
 */
export type RunResult<S extends string = string> = readonly [Tensor, NeuronState<S>, NeuronState<S>?];

/** Recurrent wiring of a model: input and recurrent weights applied per step. */
export interface RecurrentSpec {
  /** Update input receiving `x W_inᵀ` (e.g. `xa`). */
  readonly inputCurrent: string;
  /** Update input receiving `z_{t-1} W_recᵀ` (e.g. `xb`). */
  readonly recurrentCurrent: string;
}

/** Numeric values of an update's params for a validated scalar record and a step `dt` (seconds). */
export type UpdateParams<P extends ParamSpecs> = (p: ParamsOf<P>, dt: number) => Readonly<Record<string, number>>;

/** What every model file declares besides its update; see {@link ModelSpec}. */
export interface ModelSpecBase<P extends ParamSpecs, S extends string> {
  /** Norse's class name, e.g. `LIF`, `LIFRecurrent`. */
  readonly name: string;
  /** Prefix of error messages, e.g. `lif`. */
  readonly id: string;
  /** Parameters, in Norse's order, with Norse's defaults. */
  readonly parameters: P;
  /**
   * Numeric values of the update's params (defaults to the numeric parameters of the same name);
   * `dt` (seconds) is given for values that depend on it (e.g. a refractory period in steps).
   */
  readonly updateParams?: UpdateParams<P>;
  /** @deprecated the former name of {@link ModelSpecBase.updateParams} */
  readonly kernelParams?: UpdateParams<P>;
  /** Model state variables in Norse's order (for recurrent models `z` first, as `LIFState`). */
  readonly state: readonly S[];
  /** Initial value of each state variable (Norse's `state=None` initial state). */
  readonly initialState: (p: ParamsOf<P>) => Readonly<Record<S, number>>;
  /** Key of the output in Norse's traces: `z` for spiking models, `out` for integrators. */
  readonly outputName: 'z' | 'out';
  /** Cross-parameter checks; return a message to reject. */
  readonly check?: (p: ParamsOf<P>) => { argument: string; message: string } | undefined;
  /** Present for recurrent models. */
  readonly recurrent?: RecurrentSpec;
  /**
   * Checks of the parameters against the time step, when `step` or `run` receives `dt` (e.g.
   * forward Euler's stability); return a message to reject.
   */
  readonly checkStep?: (p: ParamsOf<P>, dt: number) => { argument: string; message: string } | undefined;
}

/**
 * What a model file declares (see `defineModel`): {@link ModelSpecBase} and its per-neuron
 * `update` (a {@link NeuronUpdate}, whose `params` are read from `updateParams`). The former
 * field name `kernel` is still accepted (deprecated).
 */
export type ModelSpec<P extends ParamSpecs, S extends string> = ModelSpecBase<P, S> &
  (
    | { /** The per-neuron update. */ readonly update: NeuronUpdate; readonly kernel?: undefined }
    | { /** @deprecated the former name of `update` */ readonly kernel: NeuronUpdate; readonly update?: undefined }
  );

/** The public API of a neuron model, built by `defineModel`. */
export interface NeuronModel<P extends ParamSpecs = ParamSpecs, S extends string = string> {
  /** Norse's class name, e.g. `LIF`. */
  readonly name: string;
  /** Short id used in messages, e.g. `lif`. */
  readonly id: string;
  /** The parameter specs (names, defaults, ranges). */
  readonly specs: P;
  /** State variable names in Norse's order. */
  readonly stateNames: readonly S[];
  /** Output key in Norse's traces (`z` or `out`). */
  readonly outputName: 'z' | 'out';
  /** The per-neuron update (read by the backends' lowerings, the front end and training). */
  readonly update: NeuronUpdate;
  /** @deprecated the former name of {@link NeuronModel.update} (the same object) */
  readonly kernel: NeuronUpdate;
  /** Whether the model has input and recurrent weights. */
  readonly recurrent: boolean;
  /**
   * Validates parameters and fills Norse's defaults. Any numeric parameter may be a tensor (or
   * nested arrays) of per-neuron values that broadcasts against the state shape, as in Norse
   * (e.g. `vTh` of shape `[N]` or `[B, N]` for a `[B, N]` layer); it is returned as a float64
   * tensor. Every element is checked (finite, in range) and cross-parameter checks run per neuron.
   * @throws SpikeflowError for unknown names, non-finite numbers, out-of-range values (naming the
   *   parameter and, for a tensor, the element; every bad parameter of the record in one message),
   *   per-neuron parameters that do not broadcast together
   */
  readonly parameters: (p?: ParamsInput<P>) => ParamValues<P>;
  /**
   * The numeric values of the update's `params` (in `update.params` order) for validated
   * parameters and step `dt` (seconds), as the backends receive them (unrounded); populations of
   * `src/networks` use it.
   */
  updateValues(p: ParamsOf<P>, dt: number): number[];
  /** @deprecated the former name of {@link NeuronModel.updateValues} */
  kernelValues(p: ParamsOf<P>, dt: number): number[];
  /**
   * Norse's initial state for a layer of the given shape (`[batch, N]`).
   * @throws SpikeflowError for invalid parameters or shapes
   */
  readonly initialState: (shape: readonly number[], p?: ParamsInput<P>, dtype?: DType) => NeuronState<S>;
  /**
   * One time step: `step(p, dt, options?)(x, state?) → [out, state]`; x is `[batch, ...]` (for
   * recurrent models `[batch, inputs]`), `state` defaults to the initial state.
   * @throws SpikeflowError on shape/dtype mismatch, non-finite input or state, `dt <= 0`, bad parameters, a backend that cannot run it
   */
  readonly step: (
    p?: ParamsInput<P>,
    dt?: number,
    options?: StepOptions,
  ) => (x: Tensor, state?: NeuronState<S>) => readonly [Tensor, NeuronState<S>];
  /**
   * A fused run over a chunk: `run(p, dt, options)(xs, state?) → [outs, state, recorded?]` with
   * `xs` `[T, batch, ...]`. Equal, bit for bit, to `T` calls of `step` on the same backend.
   * On the `gpu` backend the returned state stays on the device (read back when its `data` is
   * read) and is consumed by the next run it is passed to; see `src/ops/backends/device.ts`.
   * @throws SpikeflowError as {@link NeuronModel.step}
   */
  readonly run: (
    p?: ParamsInput<P>,
    dt?: number,
    options?: RunOptions,
  ) => (xs: Tensor, state?: NeuronState<S>, call?: RunCallOptions) => RunResult<S>;
}

/** Norse's surrogate-gradient methods; they only shape gradients, never the forward pass. */
export const SURROGATE_METHODS = [
  'super',
  'heaviside',
  'tanh',
  'tent',
  'circ',
  'logistic',
  'triangle',
  'adjoint',
  'heavi_erfc',
  'sigmoid',
] as const;

/** The `method` and `alpha` parameters every Norse spiking model accepts (forward pass ignores them). */
export const surrogateParams = {
  method: { kind: 'enum', default: 'super', options: SURROGATE_METHODS },
  alpha: { kind: 'number', default: 100, range: 'positive' },
} as const satisfies ParamSpecs;
