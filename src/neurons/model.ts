/**
 * The machinery shared by every neuron model: parameter validation with Norse's defaults, initial
 * state, a pure `step`, and a fused `run` over a chunk `[T, ...stateShape]` that can record every
 * state variable per step (Norse's `record_states=True`).
 *
 * A model file describes its parameters and its per-neuron {@link NeuronKernel}; {@link defineModel}
 * turns that description into the public API. Nothing here mutates its arguments: `run` copies the
 * state into scratch buffers, updates those, and returns them as the new (frozen) state.
 * @module
 */
import '../ops/backends/builtin.js';
import {
  type BackendChoice,
  checkBackendChoice,
  executionOf,
  type NeuronRunRequest,
  resolveBackend,
  tagExecution,
} from '../ops/backends/backendRegistry.js';
import { isDeviceTensor } from '../ops/backends/device.js';
import { checkDt, invalid, orThrow, SpikeflowError, show } from '../ops/errors.js';
import type { NeuronKernel } from '../ops/kernel.js';
import {
  allocate,
  type DType,
  dtypeOf,
  finiteTensor,
  fromTypedArray,
  isTensor,
  type NestedArray,
  sameShape,
  showShape,
  sizeOf,
  type Tensor,
  type TensorData,
  tensor,
} from '../ops/tensor.js';
import { irOf } from '../ops/update/parse.js';
import { checkOptions, parameterRecord, scalarParameter } from '../ops/validate.js';
import { checkBroadcast, collect, type ElementRecords, elementRecords, expandTo, type PerElement, tensorParameter } from './perNeuron.js';
import { checkOut, checkOutputPolicy, keptOutput, type OutputPolicy, type RunCallOptions } from './runOutput.js';

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
       * model derives it from other parameters (e.g. Izhikevich's named behaviour) in `kernelParams`
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
   * Where outputs go (see `runOutput.ts`): `fresh` (default) — every call returns a new output the
   * caller owns; `reuse` — the run function keeps one output array (in shared memory) and writes
   * every call's output into it, so a call's output is valid until the next call of the same run
   * function (no fresh memory per call: large layers run several times faster). A call's own
   * `out` (`run(xs, state, { out })`) takes precedence.
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
  /** Kernel input receiving `x W_inᵀ` (e.g. `xa`). */
  readonly inputCurrent: string;
  /** Kernel input receiving `z_{t-1} W_recᵀ` (e.g. `xb`). */
  readonly recurrentCurrent: string;
}

/** What a model file declares; see {@link defineModel}. */
export interface ModelSpec<P extends ParamSpecs, S extends string> {
  /** Norse's class name, e.g. `LIF`, `LIFRecurrent`. */
  readonly name: string;
  /** Prefix of error messages, e.g. `lif`. */
  readonly id: string;
  /** Parameters, in Norse's order, with Norse's defaults. */
  readonly parameters: P;
  /** The per-neuron update; its `params` are read from {@link ModelSpec.kernelParams}. */
  readonly kernel: NeuronKernel;
  /**
   * Numeric values of the kernel's params (defaults to the numeric parameters of the same name);
   * `dt` (seconds) is given for values that depend on it (e.g. a refractory period in steps).
   */
  readonly kernelParams?: (p: ParamsOf<P>, dt: number) => Readonly<Record<string, number>>;
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

/** The public API of a neuron model, built by {@link defineModel}. */
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
  /** The per-neuron kernel (for backends). */
  readonly kernel: NeuronKernel;
  /** Whether the model has input and recurrent weights. */
  readonly recurrent: boolean;
  /**
   * Validates parameters and fills Norse's defaults. Any numeric parameter may be a tensor (or
   * nested arrays) of per-neuron values that broadcasts against the state shape, as in Norse
   * (e.g. `vTh` of shape `[N]` or `[B, N]` for a `[B, N]` layer); it is returned as a float64
   * tensor. Every element is checked (finite, in range) and cross-parameter checks run per neuron.
   * @throws SpikeflowError for unknown names, non-finite numbers, out-of-range values (naming the
   *   parameter and, for a tensor, the element), per-neuron parameters that do not broadcast together
   */
  readonly parameters: (p?: ParamsInput<P>) => ParamValues<P>;
  /**
   * The numeric values of the kernel's `params` (in `kernel.params` order) for validated
   * parameters and step `dt` (seconds), as the backends receive them (unrounded); populations of
   * `src/networks` use it.
   */
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

const isTensorLike = (v: unknown): v is Tensor =>
  v !== null && typeof v === 'object' && 'data' in (v as object) && 'shape' in (v as object);

const validateParams = <P extends ParamSpecs>(
  where: string,
  specs: P,
  p: Partial<Record<string, ParamValue>> | undefined,
): ParamValues<P> => {
  if (isTensorLike(p)) {
    const model = where.split('.')[0];
    throw new SpikeflowError(
      where,
      'p',
      `expected parameters (an object such as { vTh: 1 }), received a tensor of shape [${p.shape.join(', ')}]; ` +
        `a model takes parameters first and the input after: ${model}.run(params, dt)(xs) or ${model}.step(params, dt)(x, state)`,
    );
  }
  const given = parameterRecord(where, Object.keys(specs), p);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const v = given[key];
    if (spec.kind === 'matrix') {
      if (v === undefined) throw new SpikeflowError(where, key, `${key} is required (a [rows, cols] weight matrix)`);
      const t = isTensorLike(v) ? orThrow(where)(isTensor(key, v)) : tensor(v as NestedArray, 'float64');
      if (t.shape.length !== 2)
        throw new SpikeflowError(where, key, `${key} must be a matrix [rows, cols], received shape ${showShape(t.shape)}`);
      orThrow(where)(finiteTensor(key, t));
      out[key] = t;
    } else if (spec.kind === 'number' && v === undefined && spec.optional === true) {
      out[key] = undefined;
    } else if (spec.kind === 'number' && (isTensorLike(v) || Array.isArray(v))) {
      out[key] = tensorParameter(where, key, spec.range, v as Tensor | NestedArray);
    } else {
      out[key] = scalarParameter(where, key, spec, v);
    }
  }
  return Object.freeze(out) as ParamValues<P>;
};

const castTo = (t: Tensor, dtype: DType): TensorData => {
  if (dtypeOf(t) === dtype) return t.data;
  const d = allocate(dtype, t.data.length);
  d.set(t.data);
  return d;
};

/**
 * Builds a model's public API (parameters, initialState, step, run) from its description.
 * Runs are dispatched through the backend registry (`src/ops/backends/backendRegistry.ts`): the `js`
 * backend runs the kernel through `compileJs`, the `gpu` backend through gpu.js.
 */
export const defineModel = <P extends ParamSpecs, S extends string>(spec: ModelSpec<P, S>): NeuronModel<P, S> => {
  const { kernel, id } = spec;
  // The kernel front end parses and checks the update once, here: a mistake fails at definition.
  irOf(kernel);
  const kernelStateIdx = kernel.state.map((name) => {
    const k = (spec.state as readonly string[]).indexOf(name);
    if (k < 0) throw new Error(`${id}: kernel state ${name} is not a model state variable`);
    return k;
  });
  const recurrent = spec.recurrent;

  const numericKeys = Object.keys(spec.parameters).filter((k) => spec.parameters[k]?.kind === 'number');

  /**
   * What a validated record gives the initial state, per element of its per-neuron parameters
   * (its scalar records), and per time step the kernel values (cached by `dt`).
   */
  interface Derived {
    readonly elements: ElementRecords<ParamsOf<P>> | undefined;
    /** Calls `f` with each element's scalar record (one object refilled: not to be kept). */
    readonly forEach: (f: (record: ParamsOf<P>, element: number) => void) => void;
    readonly initial: Readonly<Record<string, PerElement>>;
    readonly byDt: Map<number, { readonly kernel: readonly PerElement[]; readonly expanded: Map<string, RunValues> }>;
  }
  type RunValues = { readonly params: number[]; readonly arrays: (TensorData | undefined)[] | undefined };
  const derivedOf = new WeakMap<object, Derived>();

  /** Why an element's record is rejected, with the element named when parameters are per neuron. */
  const elementError = (where: string, d: Derived, e: number, bad: { argument: string; message: string }): SpikeflowError =>
    new SpikeflowError(
      where,
      bad.argument,
      `${bad.message}${d.elements === undefined ? '' : ` (per-neuron parameters, element ${e} of shape ${showShape(d.elements.shape)})`}`,
    );

  /** Derives (once per validated record) the element records and the initial state, running `check` per element. */
  const derive = (where: string, v: ParamValues<P>): Derived => {
    const have = derivedOf.get(v);
    if (have !== undefined) return have;
    const elements = elementRecords(where, v as unknown as ParamsOf<P>, numericKeys);
    const forEach = elements?.forEach ?? ((f: (record: ParamsOf<P>, element: number) => void) => f(v as unknown as ParamsOf<P>, 0));
    const d: Derived = { elements, forEach, initial: {}, byDt: new Map() };
    const initialRows: Record<string, number[]> = Object.fromEntries(spec.state.map((n) => [n, []]));
    forEach((r, e) => {
      const bad = spec.check?.(r);
      if (bad !== undefined) throw elementError(where, d, e, bad);
      const init = spec.initialState(r);
      for (const n of spec.state) (initialRows[n] as number[]).push(init[n]);
    });
    const out: Derived = { ...d, initial: Object.fromEntries(spec.state.map((n) => [n, collect(initialRows[n] as number[])])) };
    derivedOf.set(v, out);
    return out;
  };

  /** The kernel values for a time step, per element (running `checkStep` per element), cached by `dt`. */
  const forDt = (where: string, d: Derived, dt: number) => {
    let k = d.byDt.get(dt);
    if (k === undefined) {
      const rows: number[][] = kernel.params.map(() => []);
      d.forEach((r, e) => {
        const bad = spec.checkStep?.(r, dt);
        if (bad !== undefined) throw elementError(where, d, e, bad);
        kernelValues(r, dt).forEach((x, j) => {
          (rows[j] as number[]).push(x);
        });
      });
      if (d.byDt.size > 8) d.byDt.clear();
      k = { kernel: rows.map(collect), expanded: new Map() };
      d.byDt.set(dt, k);
    }
    return k;
  };

  /** Checks that every per-neuron parameter broadcasts to the state shape. */
  const checkShapes = (where: string, d: Derived, stateShape: readonly number[]): void => {
    for (const [key, t] of d.elements?.tensors ?? []) checkBroadcast(where, key, t.shape, stateShape);
  };

  /** A per-element value over the state shape: a number, or `[M]` values in the dtype. */
  const valueFor = (d: Derived, x: PerElement, stateShape: readonly number[], dtype: DType): number | TensorData =>
    typeof x === 'number' ? x : expandTo(x, (d.elements as ElementRecords<ParamsOf<P>>).shape, stateShape, dtype);

  /** Kernel parameter values for a run: scalars rounded to the dtype, per-neuron ones as `[M]` arrays. */
  const runValues = (where: string, d: Derived, dt: number, stateShape: readonly number[], dtype: DType): RunValues => {
    const k = forDt(where, d, dt);
    const key = `${dtype}|${stateShape.join(',')}`;
    let r = k.expanded.get(key);
    if (r === undefined) {
      const round = dtype === 'float32' ? Math.fround : (x: number) => x;
      const values = k.kernel.map((x) => valueFor(d, x, stateShape, dtype));
      const perNeuron = values.some((x) => typeof x !== 'number');
      r = {
        params: values.map((x) => (typeof x === 'number' ? round(x) : 0)),
        arrays: perNeuron ? values.map((x) => (typeof x === 'number' ? undefined : x)) : undefined,
      };
      if (k.expanded.size > 16) k.expanded.clear();
      k.expanded.set(key, r);
    }
    return r;
  };

  const parameters = (p?: ParamsInput<P>): ParamValues<P> => {
    const where = `${id}.parameters`;
    const v = validateParams(where, spec.parameters, p as Partial<Record<string, ParamValue>>);
    derive(where, v);
    return v;
  };

  const kernelValues = (p: ParamsOf<P>, dt: number): number[] => {
    const values = spec.kernelParams?.(p, dt) ?? (p as Readonly<Record<string, number>>);
    return kernel.params.map((name) => {
      const v = values[name];
      if (typeof v !== 'number') throw new Error(`${id}: kernel parameter ${name} has no numeric value`);
      return v;
    });
  };

  const makeInitial = (where: string, shape: readonly number[], p: ParamValues<P>, dtype: DType): NeuronState<S> => {
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new SpikeflowError(where, 'shape', `shape must be an array of non-negative integers, received ${show(shape)}`);
    }
    const derived = derive(where, p);
    checkShapes(where, derived, shape);
    const n = sizeOf(shape);
    const state: Record<string, Tensor> = {};
    for (const name of spec.state) {
      const x = valueFor(derived, derived.initial[name] as PerElement, shape, dtype);
      let d: TensorData;
      if (typeof x === 'number') {
        d = allocate(dtype, n);
        d.fill(x);
      } else d = x;
      state[name] = fromTypedArray(d, shape);
    }
    return Object.freeze(state) as NeuronState<S>;
  };

  const initialState = (shape: readonly number[], p?: ParamsInput<P>, dtype: DType = 'float32'): NeuronState<S> => {
    const params = parameters(p);
    if (recurrent !== undefined) {
      const rows = (params as unknown as Record<string, Tensor>).recurrentWeights?.shape[0];
      const last = shape[shape.length - 1];
      if (rows !== undefined && last !== rows) {
        throw new SpikeflowError(
          `${id}.initialState`,
          'shape',
          `state shape ${showShape(shape)} must end in ${rows} (recurrentWeights has ${rows} rows)`,
        );
      }
    }
    return makeInitial(`${id}.initialState`, shape, params, dtype);
  };

  const checkState = (where: string, state: NeuronState<S>, shape: readonly number[], dtype: DType): void => {
    if (state === null || typeof state !== 'object') {
      throw new SpikeflowError(where, 'state', `state must be an object with ${spec.state.join(', ')}, received ${show(state)}`);
    }
    const keys = Object.keys(state);
    const missing = spec.state.filter((n) => !keys.includes(n));
    const extra = keys.filter((k) => !(spec.state as readonly string[]).includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new SpikeflowError(where, 'state', `state must have exactly ${spec.state.join(', ')}, received ${keys.join(', ') || 'none'}`);
    }
    for (const name of spec.state) {
      const device = isDeviceTensor(state[name]);
      const t = device ? state[name] : orThrow(where)(isTensor(`state.${name}`, state[name]));
      if (!sameShape(t.shape, shape)) {
        const what = where.endsWith('.step') ? 'input shape' : 'input step shape';
        throw new SpikeflowError(
          where,
          'input',
          `${what} ${showShape(shape)} does not match state shape ${showShape(t.shape)} (state.${name})`,
        );
      }
      // A device-resident state (float32, produced by a backend) is checked without copying it back.
      const stateDtype = device ? 'float32' : dtypeOf(t);
      if (stateDtype !== dtype) {
        throw new SpikeflowError(
          where,
          `state.${name}`,
          `state.${name} has dtype ${stateDtype} but the input has dtype ${dtype}; mixed dtypes are not converted implicitly`,
        );
      }
      if (!device) orThrow(where)(finiteTensor(`state.${name}`, t));
    }
  };

  const runImpl = (
    where: string,
    params: ParamValues<P>,
    dt: number,
    record: boolean,
    backend: BackendChoice | undefined,
    owner: object,
    xs: Tensor,
    state: NeuronState<S> | undefined,
    outFor?: (dtype: DType, length: number) => TensorData | undefined,
  ): RunResult<S> => {
    // A device-resident input (e.g. a linear map's result on the gpu backend) is float32 and is
    // checked without copying it back; the backend that made it reads it in place.
    const deviceInput = isDeviceTensor(xs);
    if (!deviceInput) orThrow(where)(isTensor('input', xs));
    if (xs.shape.length < 2) {
      throw new SpikeflowError(where, 'input', `input must be [T, batch, ...] (time first), received shape ${showShape(xs.shape)}`);
    }
    const dtype = deviceInput ? 'float32' : dtypeOf(xs);
    const T = xs.shape[0] as number;
    const stepShape = xs.shape.slice(1);
    let stateShape = stepShape;
    let rec: NeuronRunRequest['recurrent'];
    if (recurrent !== undefined) {
      const pw = params as unknown as { inputWeights: Tensor; recurrentWeights: Tensor; autapses: boolean };
      const [hidden, inputs] = pw.inputWeights.shape as [number, number];
      if (stepShape[stepShape.length - 1] !== inputs) {
        throw new SpikeflowError(
          where,
          'input',
          `input step shape ${showShape(stepShape)} must end in ${inputs} (inputWeights shape ${showShape(pw.inputWeights.shape)})`,
        );
      }
      if (!sameShape(pw.recurrentWeights.shape, [hidden, hidden])) {
        throw new SpikeflowError(
          where,
          'recurrentWeights',
          `recurrentWeights must have shape [${hidden}, ${hidden}], received ${showShape(pw.recurrentWeights.shape)}`,
        );
      }
      stateShape = [...stepShape.slice(0, -1), hidden];
      const wr = allocate(dtype, hidden * hidden);
      wr.set(pw.recurrentWeights.data);
      if (!pw.autapses) for (let k = 0; k < hidden; k++) wr[k * hidden + k] = 0;
      rec = {
        inputCurrent: recurrent.inputCurrent,
        recurrentCurrent: recurrent.recurrentCurrent,
        inputWeights: castTo(pw.inputWeights, dtype),
        recurrentWeights: wr,
        inputs,
        hidden,
      };
    }
    const s = state ?? makeInitial(where, stateShape, params, dtype);
    checkState(where, s, stateShape, dtype);

    const round = dtype === 'float32' ? Math.fround : (x: number) => x;
    const derived = derive(where, params);
    checkShapes(where, derived, stateShape);
    const values = runValues(where, derived, dt, stateShape, dtype);
    const M = sizeOf(stateShape);
    const given = outFor?.(dtype, T * M);
    const out = given === undefined ? undefined : checkOut(where, given, dtype, T * M, deviceInput ? undefined : xs.data);
    const request: NeuronRunRequest = {
      where,
      kernel,
      binaryOutput: spec.outputName === 'z',
      dtype,
      T,
      M,
      stateShape,
      stateNames: spec.state,
      kernelState: kernelStateIdx,
      input: xs,
      state: s,
      params: values.params,
      paramArrays: values.arrays,
      dt: round(dt),
      record,
      recurrent: rec,
      owner,
      out,
    };
    const chosen = resolveBackend(where, backend, 'neuronRun', request);
    // Backends that check the input during their own pass (threads: per tile, in wasm) spare this one.
    if (!deviceInput && chosen.kernel.checksFiniteInput !== true) orThrow(where)(finiteTensor('input', xs));
    const ran = chosen.kernel.run(request, chosen.backend);
    // A backend that does not write into `out` itself: copy its output there.
    let result = ran;
    if (out !== undefined && ran.out.data !== out) {
      out.set(ran.out.data);
      result = { ...ran, out: fromTypedArray(out, [T, ...stateShape]) };
    }
    const d = chosen.backend.describe();
    const info = Object.freeze({
      backend: chosen.backend.name,
      device: result.executed?.device ?? d.device,
      requested: chosen.requested,
      renderer: d.renderer,
      note: [chosen.note, result.executed?.note].filter((n) => n !== undefined && n !== '').join('; ') || undefined,
    });
    tagExecution(result.out, info);
    tagExecution(result.state, info);
    const next = result.state as NeuronState<S>;
    if (result.recorded === undefined) return [result.out, next];
    tagExecution(result.recorded, info);
    return [result.out, next, result.recorded as NeuronState<S>];
  };

  const run = (p?: ParamsInput<P>, dt = 0.001, options: RunOptions = {}) => {
    const where = `${id}.run`;
    const params = parameters(p);
    orThrow(where)(checkDt(dt));
    forDt(where, derive(where, params), dt);
    checkOptions(where, options, ['record', 'backend', 'outputs']);
    const backend = checkBackendChoice(where, options.backend);
    const kept = checkOutputPolicy(where, options.outputs) === 'reuse' ? keptOutput() : undefined;
    const owner = {};
    return (xs: Tensor, state?: NeuronState<S>, call?: RunCallOptions): RunResult<S> => {
      if (call !== undefined) checkOptions(where, call, ['out']);
      const out = call?.out;
      const outFor = out !== undefined ? () => out : kept;
      return runImpl(where, params, dt, options.record === true, backend, owner, xs, state, outFor);
    };
  };

  const step = (p?: ParamsInput<P>, dt = 0.001, options: StepOptions = {}) => {
    const where = `${id}.step`;
    const params = parameters(p);
    orThrow(where)(checkDt(dt));
    forDt(where, derive(where, params), dt);
    checkOptions(where, options, ['backend']);
    const backend = checkBackendChoice(where, options.backend);
    const owner = {};
    return (x: Tensor, state?: NeuronState<S>): readonly [Tensor, NeuronState<S>] => {
      orThrow(where)(isTensor('input', x));
      const [outs, next] = runImpl(where, params, dt, false, backend, owner, fromTypedArray(x.data, [1, ...x.shape]), state);
      const out = fromTypedArray(outs.data, outs.shape.slice(1));
      const info = executionOf(outs);
      if (info !== undefined) tagExecution(out, info);
      return [out, next];
    };
  };

  return Object.freeze({
    name: spec.name,
    id,
    specs: spec.parameters,
    stateNames: spec.state,
    outputName: spec.outputName,
    kernel,
    recurrent: recurrent !== undefined,
    parameters,
    kernelValues,
    initialState,
    step,
    run,
  });
};

export { invalid };
