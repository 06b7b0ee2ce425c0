/**
 * What the hand-written neuron layers of `trainable` (`neurons.ts`) share between their forward
 * pass (`neuronForward.ts`) and their backward pass (`neuronBackward.ts`): the layer's constants
 * ({@link NeuronConfig}), the tape a forward pass records ({@link NeuronTape}) and the checks of
 * inputs and state.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import type { SurrogateGradient } from '../ops/surrogates.js';
import type { DType, Tensor, TensorData } from '../ops/tensor.js';
import { giveScratch } from './kernels/scratch.js';
import type { LayerState } from './trainableLayer.js';

/** Model families of the hand-written loops: LIF (and LIFRecurrent), LI, LIFBox, LIBox, LSNN (and LSNNRecurrent). */
export type NeuronKind = 'lif' | 'li' | 'box' | 'libox' | 'lsnn';

/** The constants of a hand-written neuron layer (forward Euler only; see `neurons.ts`). */
export interface NeuronConfig {
  /** Model family. */
  readonly kind: NeuronKind;
  /** Whether the model is recurrent (input and recurrent weights in the layer's `params`). */
  readonly rec: boolean;
  /** Neurons N of a recurrent layer (undefined for feed-forward ones: N = input features). */
  readonly n: number | undefined;
  /** Input features of a recurrent layer (undefined for feed-forward ones). */
  readonly nIn: number | undefined;
  /** The model's numeric scalar parameters by name (Norse's names in camelCase; `1/s`, voltages). */
  readonly p: Readonly<Record<string, number>>;
  /** Reset method: 0 by value (Norse's), 1 by subtraction, 2 none. */
  readonly reset: number;
  /** Surrogate derivative σ'(v_d − v_th) of the model's `method` / `alpha` (zero for LI, LIBox). */
  readonly sg: SurrogateGradient;
  /** The surrogate's name (`super`, `triangle`, …). */
  readonly method: string;
  /** The surrogate's slope α. */
  readonly alpha: number;
  /** Time step in seconds (> 0). */
  readonly dt: number;
  /** Whether the common LIF layer runs the WebAssembly SIMD kernels (`kernels/lifGrad.ts`). */
  readonly wasm: boolean;
  /** Most threads of the WebAssembly kernels' passes (`undefined`: the default of `kernels/parallel.ts`). */
  readonly threads?: number | undefined;
}

/**
 * The record of one forward pass over a chunk `[T, B, ·]` that its backward pass reads. Memory:
 * the input and the outputs, plus one value per neuron-step for `vd`, `bd` (LSNN) and `ij`
 * (`paramGrads` only), in the input's dtype.
 */
export interface NeuronTape {
  /** Steps of the chunk. */
  readonly T: number;
  /** Batch rows. */
  readonly B: number;
  /** Neurons per row. */
  readonly N: number;
  /** Input features per row. */
  readonly nIn: number;
  /** The input `[T, B, nIn]`. */
  readonly xs: TensorData;
  /** The outputs `[T, B, N]` (spikes, or voltages for LI and LIBox); the layer may repoint it to a copy (`neurons.ts`). */
  out: TensorData;
  /** The state before the first step. */
  readonly s0: LayerState;
  /** Pre-reset voltages `v_d` `[T, B, N]` of the spiking models; the layer may repoint it to a copy (`neurons.ts`). */
  vd: TensorData | undefined;
  /** LSNN's decayed thresholds `b_d` `[T, B, N]`. */
  readonly bd: TensorData | undefined;
  /** Current after the jump `i_j` `[T, B, N]` (LSNN: the current before the step), with `paramGrads`. */
  readonly ij: TensorData | undefined;
  /** The dtype of the forward values. */
  readonly dtype: DType;
  /** `done`: a backward pass ran over this tape; `recycled`: its buffers went to a later forward pass. */
  readonly use: { done: boolean; recycled: boolean };
}

/**
 * Gives a used tape's own buffers (`v_d`, `b_d`, current jumps) back to the scratch pool
 * (`kernels/scratch.ts`); a later backward pass over it is refused.
 * @param tape - a tape a backward pass has run over
 */
export const recycleTape = (tape: NeuronTape): void => {
  tape.use.recycled = true;
  giveScratch(tape.vd);
  giveScratch(tape.bd);
  giveScratch(tape.ij);
};

/**
 * Checks a layer input and returns its shape.
 * @param name - the layer's name, for messages
 * @param xs - input `[T, batch, features]`
 * @throws SpikeflowError when `xs` is not a rank-3 tensor
 */
export const checkInput = (name: string, xs: Tensor): [number, number, number] => {
  if (xs === null || typeof xs !== 'object' || !('shape' in xs) || xs.shape.length !== 3) {
    throw new SpikeflowError(name, 'xs', `input must be a tensor [T, batch, features], received ${show((xs as Tensor)?.shape ?? xs)}`);
  }
  return xs.shape as [number, number, number];
};

/**
 * Checks that a state holds `size` values per variable.
 * @param name - the layer's name, for messages
 * @param stateNames - the variables the layer carries
 * @param state - the state to check
 * @param size - batch × neurons
 * @throws SpikeflowError naming the first variable missing or of the wrong size
 */
export const checkState = (name: string, stateNames: readonly string[], state: LayerState, size: number): void => {
  for (const s of stateNames) {
    if (state[s] === undefined || state[s].length !== size) {
      throw new SpikeflowError(name, 'state', `state.${s} must hold ${size} values (batch × features), received ${show(state[s]?.length)}`);
    }
  }
};
