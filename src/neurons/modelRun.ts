/**
 * One fused run of a model over a chunk `[T, ...]`: checks the input (and, for recurrent models,
 * the weights against it), takes the initial state when none is given, builds the backend
 * request (update param values per dtype and state shape; the caller's output array, if any), dispatches it through the backend
 * registry and tags the results with what ran (`executionOf`).
 * @module
 */
import {
  type BackendChoice,
  type ExecutionInfo,
  type NeuronRunRequest,
  resolveBackend,
  tagExecution,
} from '../ops/backends/backendRegistry.js';
import { isDeviceTensor } from '../ops/backends/device.js';
import { orThrowAt, SpikeflowError } from '../ops/errors.js';
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
  withLeading,
} from '../ops/tensor.js';
import type { ModelCore } from './modelDerived.js';
import { checkState, initialStateInto, initialStateOf } from './modelState.js';
import type { NeuronState, ParamSpecs, ParamValues, RecurrentSpec, RunResult } from './modelTypes.js';
import { checkOut, holdCallerOut, type KeptState, onDevice } from './runOutput.js';

/** One run's arguments, bound by `run`/`step` (`params`, `dt`, options) and by the call (`xs`, `state`). */
export interface RunCall<P extends ParamSpecs, S extends string> {
  /** Function name for messages, e.g. `lif.run`. */
  readonly where: string;
  /** Validated parameters. */
  readonly params: ParamValues<P>;
  /** Time step (seconds). */
  readonly dt: number;
  /** Whether to record every state variable per step. */
  readonly record: boolean;
  /** The caller's backend choice (checked). */
  readonly backend: BackendChoice | undefined;
  /** Identity of the `run`/`step` closure (backends cache per owner). */
  readonly owner: object;
  /** Input `[T, batch, ...]`. */
  readonly xs: Tensor;
  /** State to start from; Norse's initial state when undefined. */
  readonly state: NeuronState<S> | undefined;
  /** The array the outputs go into (`[T·M]` in the run's dtype), if the caller gives one (see `runOutput.ts`). */
  readonly outFor?: ((dtype: DType, length: number) => TensorData | undefined) | undefined;
  /** The caller gave `state` up (`run(xs, state, { inPlace: true })`, see `runOutput.ts`). */
  readonly inPlace?: boolean | undefined;
  /** The state a run function built with `outputs: 'reuse'` keeps, which receives the new state (see `runOutput.ts`). */
  readonly kept?: KeptState | undefined;
}

const castTo = (t: Tensor, dtype: DType): TensorData => {
  if (dtypeOf(t) === dtype) return t.data;
  const d = allocate(dtype, t.data.length);
  d.set(t.data);
  return d;
};

/**
 * The recurrent wiring of a run: the input step shape checked against `inputWeights`, the
 * recurrent weights in the dtype (diagonal zeroed without autapses), and the state shape.
 * @throws SpikeflowError (argument `inputWeights`) when the input's last dimension is not the
 *   weights' column count, (argument `recurrentWeights`) when the recurrent weights are not
 *   `[hidden, hidden]`; each message gives the expected and the received shape
 */
const recurrentWiring = (
  where: string,
  recurrent: RecurrentSpec,
  params: object,
  stepShape: readonly number[],
  dtype: DType,
): { readonly stateShape: readonly number[]; readonly request: NeuronRunRequest['recurrent'] } => {
  const pw = params as { inputWeights: Tensor; recurrentWeights: Tensor; autapses: boolean };
  const [hidden, inputs] = pw.inputWeights.shape as [number, number];
  const last = stepShape[stepShape.length - 1];
  if (last !== inputs) {
    throw new SpikeflowError(
      where,
      'inputWeights',
      `inputWeights must have shape [${hidden}, ${last}] (one column per input: the input's steps have shape ` +
        `${showShape(stepShape)}), received ${showShape(pw.inputWeights.shape)}`,
    );
  }
  if (!sameShape(pw.recurrentWeights.shape, [hidden, hidden])) {
    throw new SpikeflowError(
      where,
      'recurrentWeights',
      `recurrentWeights must have shape [${hidden}, ${hidden}] (one row and one column per neuron, as inputWeights ` +
        `has one row per neuron), received ${showShape(pw.recurrentWeights.shape)}`,
    );
  }
  const wr = allocate(dtype, hidden * hidden);
  wr.set(pw.recurrentWeights.data);
  if (!pw.autapses) for (let k = 0; k < hidden; k++) wr[k * hidden + k] = 0;
  return {
    stateShape: [...stepShape.slice(0, -1), hidden],
    request: {
      inputCurrent: recurrent.inputCurrent,
      recurrentCurrent: recurrent.recurrentCurrent,
      inputWeights: castTo(pw.inputWeights, dtype),
      recurrentWeights: wr,
      inputs,
      hidden,
    },
  };
};

let lastStep: readonly number[] | undefined;

/**
 * `shape` without its first (time) dimension, frozen; the last one is handed out again while equal
 * (a stream's chunks: no array per chunk, and tensors made with it share it, see `fromTypedArray`).
 */
const stepShapeOf = (shape: readonly number[]): readonly number[] => {
  const l = lastStep;
  if (l !== undefined && l.length === shape.length - 1) {
    let same = true;
    for (let k = 0; same && k < l.length; k++) same = l[k] === shape[k + 1];
    if (same) return l;
  }
  const step = Object.freeze(shape.slice(1));
  lastStep = step;
  return step;
};

type Info = ExecutionInfo;
let lastInfo: { readonly parts: readonly (string | undefined)[]; readonly info: Info } | undefined;

/**
 * What ran (`executionOf`), frozen; the last one is kept and handed out again while every part is
 * the same (a stream's chunks), so that a chunk allocates no new record and note.
 */
const infoOf = (
  backend: string,
  device: string,
  requested: string,
  renderer: string | undefined,
  chosenNote: string | undefined,
  ranNote: string | undefined,
): Info => {
  const l = lastInfo;
  if (l !== undefined) {
    const p = l.parts;
    if (p[0] === backend && p[1] === device && p[2] === requested && p[3] === renderer && p[4] === chosenNote && p[5] === ranNote)
      return l.info;
  }
  const info: Info = Object.freeze({
    backend,
    device,
    requested,
    renderer,
    note: [chosenNote, ranNote].filter((n) => n !== undefined && n !== '').join('; ') || undefined,
  });
  lastInfo = { parts: [backend, device, requested, renderer, chosenNote, ranNote], info };
  return info;
};

/**
 * Runs a model over a chunk (see the module comment).
 * @param core - the model's derivations
 * @param updateState - for each state variable of the update, its index in the model's state
 * @throws SpikeflowError for an input that is not a finite `[T, batch, ...]` tensor, a state that
 *   does not fit, weights that do not fit the input, a backend that cannot run the request
 */
export const runModel = <P extends ParamSpecs, S extends string>(
  core: ModelCore<P, S>,
  updateState: readonly number[],
  call: RunCall<P, S>,
): RunResult<S> => {
  const { spec } = core;
  const { where, params, dt, xs } = call;
  // A device-resident input (e.g. a linear map's result on the gpu backend) is float32 and is
  // checked without copying it back; the backend that made it reads it in place.
  const deviceInput = isDeviceTensor(xs);
  if (!deviceInput) orThrowAt(where, isTensor('input', xs));
  if (xs.shape.length < 2) {
    throw new SpikeflowError(where, 'input', `input must be [T, batch, ...] (time first), received shape ${showShape(xs.shape)}`);
  }
  const dtype = deviceInput ? 'float32' : dtypeOf(xs);
  const T = xs.shape[0] as number;
  const stepShape = stepShapeOf(xs.shape);
  const wiring = spec.recurrent === undefined ? undefined : recurrentWiring(where, spec.recurrent, params, stepShape, dtype);
  const stateShape = wiring?.stateShape ?? stepShape;
  const { kept } = call;
  // Without a state a `reuse` run function writes the initial state straight into its kept arrays (below).
  const initialKept = kept !== undefined && call.state === undefined;
  const from = call.state ?? (initialKept ? undefined : initialStateOf(core, where, stateShape, params, dtype));
  if (kept?.stale(call.state) === true) {
    throw new SpikeflowError(
      where,
      'state',
      'with outputs "reuse" a returned state is valid until the next call of the same run function: expected the state the ' +
        'last call returned (or a state of your own), received one an earlier call returned, overwritten since (copy a state to keep it)',
    );
  }
  // The kept state the previous call of a `reuse` run function returned: updated in place.
  const reused = kept?.holds(call.state) === true;
  const givenUp = (call.inPlace === true && call.state !== undefined) || reused;
  // A state given up in place is one a run returned, and the initial state made here comes from
  // checked parameters: their values are not scanned again (a stream's first chunk of every run
  // scanned its initial state: ~24 µs per run at N = 1e4).
  if (from !== undefined) checkState(where, spec.state, from, stateShape, dtype, !givenUp && call.state !== undefined);
  // Any other state of a `reuse` run function is copied into its kept arrays, which the run then
  // updates in place (a device-resident state stays where it is: reading it back would copy it).
  const fill = kept !== undefined && !givenUp && (from === undefined || !onDevice(from, spec.state));
  const s = fill
    ? (kept.fill(dtype, sizeOf(stateShape), spec.state, stateShape, from, deviceInput ? undefined : xs.data) as NeuronState<S>)
    : (from as NeuronState<S>);
  if (fill && from === undefined) initialStateInto(core, where, stateShape, params, dtype, s);
  // The initial state made here is this run's alone: it is updated in place too (no working copy).
  const inPlace = givenUp || fill || call.state === undefined;

  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const derived = core.derive(where, params);
  core.checkShapes(where, derived, stateShape);
  const values = core.runValues(where, derived, dt, stateShape, dtype);
  const M = sizeOf(stateShape);
  const given = call.outFor?.(dtype, T * M);
  const out = given === undefined ? undefined : holdCallerOut(checkOut(where, given, dtype, T * M, deviceInput ? undefined : xs.data));
  const request: NeuronRunRequest = {
    where,
    update: spec.update,
    binaryOutput: spec.outputName === 'z',
    dtype,
    T,
    M,
    stateShape,
    stateNames: spec.state,
    updateState,
    input: xs,
    state: s,
    params: values.params,
    paramArrays: values.arrays,
    dt: round(dt),
    record: call.record,
    recurrent: wiring?.request,
    owner: call.owner,
    out,
    inPlace,
  };
  const chosen = resolveBackend(where, call.backend, 'neuronRun', request);
  // Backends that check the input during their own pass (threads: per tile, in wasm) spare this one.
  if (!deviceInput && chosen.kernel.checksFiniteInput !== true) orThrowAt(where, finiteTensor('input', xs));
  const ran = chosen.kernel.run(request, chosen.backend);
  // A backend that does not write into `out` itself: copy its output there.
  let result = ran;
  if (out !== undefined && ran.out.data !== out) {
    out.set(ran.out.data);
    result = { ...ran, out: fromTypedArray(out, withLeading(T, stateShape)) };
  }
  const d = chosen.backend.describe();
  const info = infoOf(
    chosen.backend.name,
    result.executed?.device ?? d.device,
    chosen.requested,
    d.renderer,
    chosen.note,
    result.executed?.note,
  );
  // A `reuse` run function's new state: a new record over its kept arrays (see `runOutput.ts`).
  const next =
    kept === undefined ? (result.state as NeuronState<S>) : kept.returned(result.state as NeuronState<S>, fill || reused ? s : undefined);
  tagExecution(result.out, info);
  tagExecution(next, info);
  if (result.recorded === undefined) return [result.out, next];
  tagExecution(result.recorded, info);
  return [result.out, next, result.recorded as NeuronState<S>];
};
