/**
 * The contract of a differentiable layer: a forward pass over a chunk `[T, batch, in]` that
 * records what its backward pass needs (a tape), and a backward pass (backpropagation through
 * time) that turns the gradient of a loss with respect to the outputs into gradients with
 * respect to the inputs, the initial state and the layer's parameters.
 *
 * Conventions (as the rest of spikeflow): time first, row-major, `dt` in seconds. Forward values
 * use the input's dtype; gradients are always `Float64Array`. Trainable parameters are owned by
 * the layer (`params`, updated in place by an optimiser); gradients accumulate in `grads` until
 * {@link TrainableLayer.zeroGrad}.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import type { DType, Tensor, TensorData } from '../ops/tensor.js';
import { checkOptions } from '../ops/validate.js';

/** A layer's state: one buffer per variable, each `[batch, features]` (row-major). */
export type LayerState = Readonly<Record<string, TensorData>>;

/** Gradient of a loss with respect to a layer's state, one `Float64Array` per variable. */
export type StateGrad = Readonly<Record<string, Float64Array>>;

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Record the tape for a backward pass (default true). False runs the forward values only. */
  readonly tape?: boolean;
}

/**
 * Checks the options of a forward pass (undefined passes at no cost): only `tape`, a boolean.
 * @param where - the layer's name, for messages (e.g. `LIF.forward`)
 * @throws SpikeflowError for an unknown option (e.g. `tapes`) or a non-boolean `tape`
 */
export const checkForwardOptions = (where: string, fo: ForwardOptions | undefined): void => {
  if (fo === undefined) return;
  checkOptions(where, fo, ['tape']);
  if (fo.tape !== undefined && typeof fo.tape !== 'boolean')
    throw new SpikeflowError(where, 'options.tape', `options.tape must be true or false, received ${show(fo.tape)}`);
};

/**
 * Checks the gradient handed to a backward pass: ∂loss/∂outputs must be a `Float64Array`
 * (gradients are float64 whatever the forward dtype); its length is checked by each layer.
 * @param where - the layer's name, for messages (e.g. `LIF.backward`)
 * @throws SpikeflowError naming `gOut` for anything else (e.g. a `Float32Array` or a plain array)
 */
export const checkGradOut = (where: string, gOut: unknown): void => {
  if (!(gOut instanceof Float64Array))
    throw new SpikeflowError(where, 'gOut', `gOut must be a Float64Array (∂loss/∂outputs, float64), received ${show(gOut)}`);
};

/** What a forward pass returns: outputs `[T, batch, out]`, the final state and the tape. */
export interface ForwardResult {
  /** Outputs `[T, batch, out]` in the input's dtype (spikes 0/1 for spiking layers). */
  readonly out: Tensor;
  /** State after the last step. */
  readonly state: LayerState;
  /** Opaque record for {@link TrainableLayer.backward}; undefined when `tape: false`. */
  readonly tape: unknown;
  /** For a sequence of layers: every layer's outputs `[T, batch, features]`, in order. */
  readonly layers?: readonly { readonly name: string; readonly out: Tensor }[];
}

/** What a backward pass returns. */
export interface BackwardResult {
  /** ∂loss/∂input `[T, batch, in]`, or undefined when not requested. */
  readonly gx: Float64Array | undefined;
  /** ∂loss/∂(initial state), per state variable `[batch, features]`. */
  readonly gState: StateGrad;
}

/** A differentiable layer (a neuron population, a linear map, or a sequence of them). */
export interface TrainableLayer {
  /** Name for messages and progress records, e.g. `LIF` or `Linear(784→100)`. */
  readonly name: string;
  /** Trainable parameters by name (e.g. `weight`, `bias`, `0.weight`); optimisers update them in place. */
  readonly params: Readonly<Record<string, TensorData>>;
  /** Shapes of {@link TrainableLayer.params}. */
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
  /**
   * Accumulated gradients: one per parameter in `params`, plus (for neuron layers created with
   * `paramGrads: true`) one scalar per neuron parameter (e.g. `tauMemInv`), as Norse's autograd
   * gives them.
   */
  readonly grads: Readonly<Record<string, Float64Array>>;
  /** Output features for `inFeatures` input features. @throws SpikeflowError when `inFeatures` does not fit */
  readonly outFeatures: (inFeatures: number) => number;
  /** Initial state for `batch` rows (Norse's `state=None`). */
  readonly initialState: (batch: number, inFeatures: number, dtype: DType) => LayerState;
  /**
   * Runs a chunk. Pure with respect to `xs` and `state` (never changed). The tape refers to arrays
   * of this pass instead of copying them (a linear map's input `xs`, a LIF layer's output spikes):
   * leave `xs` and the outputs unchanged until the backward pass over it (change a copy), or the
   * gradients are computed from the changed values.
   * @param xs - `[T, batch, in]`
   * @param state - defaults to {@link TrainableLayer.initialState}
   * @throws SpikeflowError for a wrong shape or a state that does not fit
   */
  readonly forward: (xs: Tensor, state?: LayerState, options?: ForwardOptions) => ForwardResult;
  /**
   * Backpropagation through time over the chunk whose tape is given; adds the parameter gradients
   * into {@link TrainableLayer.grads}.
   * @param tape - from `forward` with `tape: true`
   * @param gOut - ∂loss/∂outputs `[T, batch, out]`
   * @param gState - ∂loss/∂(final state) (default zero: the chunk is the end of the sequence)
   * @param needInput - whether to compute ∂loss/∂input (default true)
   */
  readonly backward: (tape: unknown, gOut: Float64Array, gState?: StateGrad, needInput?: boolean) => BackwardResult;
  /**
   * Refuses, without running or changing anything, a tape that {@link TrainableLayer.backward}
   * would refuse because a later forward pass overwrote what it reads (a layer with
   * `outputs: 'reuse'` over the tape of an earlier forward pass). `trainableSequential` asks every
   * layer before any layer's backward pass runs, so that no gradient is half-accumulated. Optional:
   * a layer without it has no such condition.
   * @param tape - from `forward` with `tape: true`
   * @throws SpikeflowError naming `tape` (what the layer expected and what it received)
   */
  readonly checkTape?: (tape: unknown) => void;
  /** Sets every accumulated gradient to zero. */
  readonly zeroGrad: () => void;
}
