/**
 * `defineModel`: the machinery shared by every neuron model — parameter validation with Norse's
 * defaults, initial state, a pure `step`, and a fused `run` over a chunk `[T, ...stateShape]`
 * that can record every state variable per step (Norse's `record_states=True`).
 *
 * A model file describes its parameters and its per-neuron update ({@link ModelSpec});
 * {@link defineModel} turns that description into the public API ({@link NeuronModel}). Nothing
 * here mutates its arguments: `run` copies the state into scratch buffers, updates those, and
 * returns them as the new (frozen) state. The parts live beside this file: the types
 * (`modelTypes.ts`), parameter validation (`modelParams.ts`), what a parameter record derives
 * (`modelDerived.ts`), the state (`modelState.ts`) and one run (`modelRun.ts`).
 * @module
 */
import '../ops/backends/builtin.js';
import { checkBackendChoice, executionOf, tagExecution } from '../ops/backends/backendRegistry.js';
import { checkDt, invalid, orThrow, SpikeflowError } from '../ops/errors.js';
import { type DType, fromTypedArray, isTensor, showShape, type Tensor } from '../ops/tensor.js';
import { irOf } from '../ops/update/parse.js';
import { checkOptions } from '../ops/validate.js';
import { modelCore, type ResolvedSpec } from './modelDerived.js';
import { validateParams } from './modelParams.js';
import { runModel } from './modelRun.js';
import { initialStateOf } from './modelState.js';
import type {
  ModelSpec,
  NeuronModel,
  NeuronState,
  ParamSpecs,
  ParamsInput,
  ParamsOf,
  ParamValue,
  ParamValues,
  RunOptions,
  RunResult,
  StepOptions,
} from './modelTypes.js';
import { checkOutputPolicy, IN_PLACE, keptOutput, keptState, markInPlace, type RunCallOptions } from './runOutput.js';

export type {
  ModelSpec,
  ModelSpecBase,
  NeuronModel,
  NeuronState,
  ParamInputOf,
  ParamSpec,
  ParamSpecs,
  ParamsInput,
  ParamsOf,
  ParamValue,
  ParamValues,
  RecurrentSpec,
  RunOptions,
  RunResult,
  StepOptions,
  UpdateParams,
} from './modelTypes.js';
export { SURROGATE_METHODS, surrogateParams } from './modelTypes.js';

/**
 * Builds a model's public API (parameters, initialState, step, run) from its description.
 * The update is parsed and checked once, here, by the kernel front end (`src/ops/update/`): a
 * mistake in it fails at definition. Runs are dispatched through the backend registry
 * (`src/ops/backends/backendRegistry.ts`).
 * @param spec - the model's description: parameters with Norse's defaults, state, update
 * @returns the frozen model
 * @throws Error when the update does not parse or names a state variable the model does not have
 * @example
 * ```ts
 * import { defineModel, tensor } from 'spikeflow';
 *
 * // v relaxes towards the input x with inverse time constant tauInv (forward Euler).
 * const leaky = defineModel({
 *   name: 'Leaky',
 *   id: 'leaky',
 *   parameters: { tauInv: { kind: 'number', default: 100, range: 'positive' } },
 *   update: { name: 'leaky', inputs: ['x'], state: ['v'], params: ['tauInv'], output: 'v', body: 'v = v + dt * tauInv * (x - v);' },
 *   state: ['v'],
 *   initialState: () => ({ v: 0 }),
 *   outputName: 'out',
 * });
 * const [vs] = leaky.run({ tauInv: 100 }, 0.001)(tensor([[[1]], [[1]]], 'float64')); // v = 0.1, then 0.19
 * ```
 */
export const defineModel = <P extends ParamSpecs, S extends string>(description: ModelSpec<P, S>): NeuronModel<P, S> => {
  const update = description.update ?? description.kernel;
  const spec: ResolvedSpec<P, S> = {
    ...description,
    update,
    updateParams: description.updateParams ?? description.kernelParams,
  };
  const { id } = spec;
  irOf(update);
  const updateState = update.state.map((name) => {
    const k = (spec.state as readonly string[]).indexOf(name);
    if (k < 0) throw new Error(`${id}: update state ${name} is not a model state variable`);
    return k;
  });
  const core = modelCore(spec);

  const parameters = (p?: ParamsInput<P>): ParamValues<P> => {
    const where = `${id}.parameters`;
    const v = validateParams(where, spec.parameters, p as Partial<Record<string, ParamValue>>);
    core.derive(where, v);
    return v;
  };

  const initialState = (shape: readonly number[], p?: ParamsInput<P>, dtype: DType = 'float32'): NeuronState<S> => {
    const params = parameters(p);
    if (spec.recurrent !== undefined) {
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
    return initialStateOf(core, `${id}.initialState`, shape, params, dtype);
  };

  /** Validates what `run` and `step` bind: parameters, `dt` (and the checks that depend on it), options. */
  const bind = (where: string, p: ParamsInput<P> | undefined, dt: number, options: object, known: readonly string[]) => {
    const params = parameters(p);
    orThrow(where)(checkDt(dt));
    core.forDt(where, core.derive(where, params), dt);
    checkOptions(where, options, known);
    return { params, backend: checkBackendChoice(where, (options as StepOptions).backend), owner: {} };
  };

  const run = (p?: ParamsInput<P>, dt = 0.001, options: RunOptions = {}) => {
    const where = `${id}.run`;
    const { params, backend, owner } = bind(where, p, dt, options, ['record', 'backend', 'outputs']);
    const record = options.record === true;
    const reuse = checkOutputPolicy(where, options.outputs) === 'reuse';
    const kept = reuse ? keptOutput() : undefined;
    // the new state of every call goes into arrays the run function keeps (see `runOutput.ts`)
    const keptNext = reuse ? keptState() : undefined;
    return markInPlace((xs: Tensor, state?: NeuronState<S>, call?: RunCallOptions): RunResult<S> => {
      // IN_PLACE (what the `layer` operator passes every chunk) is known to be valid.
      if (call !== undefined && call !== IN_PLACE) checkOptions(where, call, ['out', 'inPlace']);
      if (call !== IN_PLACE && call?.inPlace !== undefined && typeof call.inPlace !== 'boolean') {
        throw new SpikeflowError(where, 'inPlace', `inPlace must be true or false, received ${JSON.stringify(call.inPlace)}`);
      }
      const out = call?.out;
      const outFor = out !== undefined ? () => out : kept;
      const inPlace = state !== undefined && call?.inPlace === true;
      return runModel(core, updateState, { where, params, dt, record, backend, owner, xs, state, outFor, inPlace, kept: keptNext });
    });
  };

  const step = (p?: ParamsInput<P>, dt = 0.001, options: StepOptions = {}) => {
    const where = `${id}.step`;
    const { params, backend, owner } = bind(where, p, dt, options, ['backend']);
    return (x: Tensor, state?: NeuronState<S>): readonly [Tensor, NeuronState<S>] => {
      orThrow(where)(isTensor('input', x));
      const xs = fromTypedArray(x.data, [1, ...x.shape]);
      const [outs, next] = runModel(core, updateState, { where, params, dt, record: false, backend, owner, xs, state });
      const out = fromTypedArray(outs.data, outs.shape.slice(1));
      const info = executionOf(outs);
      if (info !== undefined) tagExecution(out, info);
      return [out, next];
    };
  };

  const updateValues = (p: ParamsOf<P>, dt: number): number[] => core.updateValues(p, dt);
  return Object.freeze({
    name: spec.name,
    id,
    specs: spec.parameters,
    stateNames: spec.state,
    outputName: spec.outputName,
    update,
    kernel: update,
    recurrent: spec.recurrent !== undefined,
    parameters,
    updateValues,
    kernelValues: updateValues,
    initialState,
    step,
    run,
  });
};

export { invalid };
