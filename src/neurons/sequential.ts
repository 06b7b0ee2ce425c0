/**
 * Layers and their sequential composition (Norse's `SequentialState`): stateless ops (linear maps,
 * ReLU) and stateful neuron layers chained so that each layer's state is threaded from chunk to
 * chunk. A composed network is itself a {@link Layer}, so networks nest.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { type LinearOptions, type LinearParameters, linear, relu } from '../ops/linear.js';
import type { Tensor } from '../ops/tensor.js';
import type { NeuronModel, NeuronState, ParamSpecs, ParamsInput, RunOptions } from './model.js';
import { acceptsInPlace, IN_PLACE, markInPlace, type RunCallOptions } from './runOutput.js';

/**
 * A layer over chunks: `run(xs, state?) → [outs, state, recorded?]` with `xs` `[T, batch, ...]`.
 * Stateless layers have state `undefined`. `recorded` holds per-step states when the layer was
 * built with `{ record: true }`.
 */
export interface Layer<S = unknown> {
  /** Human-readable name (model name or op), used in messages and plots. */
  readonly name: string;
  /**
   * Runs a chunk; pure: returns new state, never changes `xs` or `state` — except that a neuron
   * or sequential layer called with `{ inPlace: true }` may write the new state into `state`'s
   * arrays and return it (the caller gave `state` up; see `RunCallOptions.inPlace`). Layers of
   * your own may ignore the third argument.
   */
  run(xs: Tensor, state?: S, call?: LayerCallOptions): readonly [Tensor, S, unknown?];
}

/** Options of one call of a layer's `run`: `inPlace` (see `RunCallOptions.inPlace`). */
export type LayerCallOptions = Pick<RunCallOptions, 'inPlace'>;

/**
 * A neuron model as a layer: `neuron(lif, { vTh: 0.5 }, 0.001)`.
 * @param model - a neuron model such as `lif`
 * @param p - its parameters (Norse's names in camelCase; defaults from Norse)
 * @param dt - time step in seconds (> 0, default 0.001)
 * @param options - `{ record: true }` to also return every state variable per step
 * @throws SpikeflowError for invalid parameters or dt (at construction), or invalid chunks (at run)
 */
export const neuron = <P extends ParamSpecs, S extends string>(
  model: NeuronModel<P, S>,
  p?: ParamsInput<P>,
  dt = 0.001,
  options: RunOptions = {},
): Layer<NeuronState<S>> => {
  const run = model.run(p, dt, options);
  return Object.freeze({
    name: model.name,
    run: markInPlace((xs: Tensor, state?: NeuronState<S>, call?: LayerCallOptions) =>
      run(xs, state, call?.inPlace === true ? IN_PLACE : undefined),
    ),
  });
};

/**
 * A stateless op as a layer (applied to the whole chunk at once).
 * @param name - shown in messages
 * @param f - a function of a chunk `[T, ...]` returning a chunk `[T, ...]`
 */
export const stateless = (name: string, f: (xs: Tensor) => Tensor): Layer<undefined> =>
  Object.freeze({ name, run: (xs: Tensor) => [f(xs), undefined] as const });

/**
 * A linear map `y = x Wᵀ + b` over the last dimension as a layer (torch's `nn.Linear`): the
 * registry-dispatched {@link linear} op, on the backend of `options.backend` (default `auto`).
 * @throws SpikeflowError for bad options; at run time as {@link linear}
 */
export const linearLayer = (p: LinearParameters, options: LinearOptions = {}): Layer<undefined> => stateless('Linear', linear(p, options));

/** ReLU as a layer. */
export const reluLayer: Layer<undefined> = stateless('ReLU', relu);

/** State of a sequential network: one entry per layer (`undefined` for stateless layers). */
export type SequentialState = readonly unknown[];

/**
 * Composes layers left to right (Norse's `SequentialState`); the result is a layer whose state is
 * the array of its layers' states. Its `recorded` output is the array of per-layer `recorded`
 * values (or `[outs]` of each layer when it recorded nothing), so every intermediate signal can
 * be inspected.
 * @throws SpikeflowError when no layer is given, a state of the wrong length is passed, or a layer fails
 */
export const sequential = (...layers: readonly Layer<unknown>[]): Layer<SequentialState> => {
  if (layers.length === 0) throw new SpikeflowError('sequential', 'layers', 'expected at least one layer, received none');
  layers.forEach((l, k) => {
    const model = l as unknown as Partial<NeuronModel>;
    if (l !== null && typeof l === 'object' && typeof model.initialState === 'function' && typeof model.parameters === 'function') {
      throw new SpikeflowError(
        'sequential',
        `layers[${k}]`,
        `layers[${k}] is the neuron model ${model.name ?? ''}, not a layer: wrap it as neuron(${model.id ?? 'model'}, params?, dt?)`,
      );
    }
    if (l === null || typeof l !== 'object' || typeof l.run !== 'function') {
      throw new SpikeflowError('sequential', `layers[${k}]`, `layers[${k}] must be a layer { name, run }, received ${show(l)}`);
    }
  });
  const run = (xs: Tensor, state?: SequentialState, call?: LayerCallOptions): readonly [Tensor, SequentialState, unknown[]] => {
    if (state !== undefined && (!Array.isArray(state) || state.length !== layers.length)) {
      throw new SpikeflowError('sequential', 'state', `state must be an array of ${layers.length} layer states, received ${show(state)}`);
    }
    // Given up in place: so is every layer's state (passed on to the layers that accept it).
    const inPlace = call?.inPlace === true && state !== undefined;
    let x = xs;
    const next: unknown[] = [];
    const recorded: unknown[] = [];
    layers.forEach((l, k) => {
      const sub = state?.[k];
      const [out, s, rec] = inPlace && sub !== undefined && acceptsInPlace(l.run) ? l.run(x, sub, IN_PLACE) : l.run(x, sub);
      next.push(s);
      recorded.push(rec ?? out);
      x = out;
    });
    return [x, Object.freeze(next), recorded];
  };
  return Object.freeze({ name: `Sequential(${layers.map((l) => l.name).join(', ')})`, run: markInPlace(run) });
};
