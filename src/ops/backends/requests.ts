/**
 * The requests and results of the registry's compute kernels (`neuronRun`, `linear`,
 * `populationRun`): what an op hands a backend, already validated, and what the backend returns.
 * Conv and pool requests are in `convRequest.ts`. Re-exported by `backendRegistry.ts` and
 * `spikeflow/backend`.
 * @module
 */
import type { DType, Tensor, TensorData } from '../tensor.js';
import type { NeuronUpdate } from '../update/ir.js';
import type { PerNeuronMask, UpdateCall } from '../update/lowerJs.js';
import type { Executed } from './executed.js';

/** Recurrent wiring of a neuron run (input and recurrent weights, applied per step). */
export interface RecurrentRequest {
  /** Kernel input receiving `x W_inᵀ`. */
  readonly inputCurrent: string;
  /** Kernel input receiving `z_{t-1} W_recᵀ`. */
  readonly recurrentCurrent: string;
  /** `[hidden, inputs]` input weights in the run's dtype. */
  readonly inputWeights: TensorData;
  /** `[hidden, hidden]` recurrent weights in the run's dtype, diagonal already zeroed when autapses are off. */
  readonly recurrentWeights: TensorData;
  /** Input features. */
  readonly inputs: number;
  /** Hidden (state) features. */
  readonly hidden: number;
}

/**
 * One fused neuron run over a chunk, already validated by the model (see
 * `src/neurons/model.ts`). Every kernel computes the same thing: `T` steps of `M` independent
 * neurons running `update`.
 */
export interface NeuronRunRequest {
  /** Caller, for error messages (e.g. `lif.run`). */
  readonly where: string;
  /** The per-neuron update (parsed and validated by the kernel front end, `src/ops/update/`). */
  readonly update: NeuronUpdate;
  /** Whether the output is spikes (0/1), which backends may pack. */
  readonly binaryOutput: boolean;
  /** Element type of input, state and results. */
  readonly dtype: DType;
  /** Time steps. */
  readonly T: number;
  /** Neurons (product of the state shape). */
  readonly M: number;
  /** Shape of the state, e.g. `[batch, N]`. */
  readonly stateShape: readonly number[];
  /** Model state variables in the model's order. */
  readonly stateNames: readonly string[];
  /** For each state variable of `update`, its index in `stateNames`. */
  readonly updateState: readonly number[];
  /** Input chunk `[T, ...]` (for recurrent models `[T, batch, inputs]`). */
  readonly input: Tensor;
  /** Initial state (validated; may be a device-resident state of a backend). */
  readonly state: Readonly<Record<string, Tensor>>;
  /** Parameter values in `update.params` order, rounded to the dtype (0 where per-neuron). */
  readonly params: readonly number[];
  /**
   * Per-neuron parameters: entry `j` is the `[M]` values (in the run's dtype) of
   * `update.params[j]` when it differs per neuron, else undefined. Absent when every parameter is a scalar.
   */
  readonly paramArrays?: readonly (TensorData | undefined)[] | undefined;
  /** Time step in seconds, rounded to the dtype. */
  readonly dt: number;
  /** Whether to return every state variable after every step. */
  readonly record: boolean;
  /** Present for recurrent models. */
  readonly recurrent?: RecurrentRequest | undefined;
  /**
   * Identity of the layer (one per `run(...)`/`step(...)` closure): backends that keep device
   * buffers between chunks key them by it, and retire a layer's buffers when it runs again.
   */
  readonly owner: object;
  /**
   * Where to write the output (`T·M` elements of `dtype`, sharing no memory with the input): given
   * by the caller or kept by the run function (see `src/neurons/runOutput.ts`). A kernel that
   * writes there returns it as its output's `data`; one that does not is copied there afterwards.
   * Absent: the kernel allocates the output.
   */
  readonly out?: TensorData | undefined;
  /**
   * The caller gave up `state` (`run(xs, state, { inPlace: true })`, see
   * `src/neurons/runOutput.ts`), or `state` is the initial state the run made itself (a call
   * without a state): a kernel may write the new state into its arrays and return
   * `state` itself as the new state (`inPlaceState.ts`); one that does not returns new arrays.
   */
  readonly inPlace?: boolean | undefined;
}

/** Result of a fused neuron run: outputs `[T, ...stateShape]`, final state, per-step states when recorded. */
export interface NeuronRunResult {
  readonly out: Tensor;
  readonly state: Readonly<Record<string, Tensor>>;
  readonly recorded?: Readonly<Record<string, Tensor>> | undefined;
  /** What executed (defaults to the backend's description). */
  readonly executed?: Executed | undefined;
}

/** Result of a linear map: `[..., O]`. */
export interface LinearResult {
  readonly out: Tensor;
  /**
   * True when the kernel found every input 0 or 1 (a spike raster, hence finite) while it read
   * them: the op then skips its own pass checking that the input is finite. Otherwise the op
   * checks after the kernel ran (and throws, discarding the output, when it is not).
   */
  readonly inputSpikes?: boolean | undefined;
  /** What executed (defaults to the backend's description). */
  readonly executed?: Executed | undefined;
}

/** A dense product `y = x Wᵀ + b` over the last dimension of `x`, already validated. */
export interface LinearRequest {
  /** Caller, for error messages. */
  readonly where: string;
  /** Input `[..., K]`. */
  readonly x: Tensor;
  /** Weights `[O, K]` in x's dtype. */
  readonly weight: Tensor;
  /** Bias `[O]` or undefined. */
  readonly bias?: Tensor | undefined;
  /** Rows of x (product of all but the last dimension). */
  readonly rows: number;
  /** Input features. */
  readonly K: number;
  /** Output features. */
  readonly O: number;
  /**
   * Identity of the op instance (one per layer): backends that keep device buffers between calls
   * key them by it, so one layer's buffers are reused chunk after chunk.
   */
  readonly owner: object;
}

/**
 * A request of the `populationRun` kernel: one population of a spiking network (`src/networks/`),
 * its per-neuron update (model, ports and refractoriness as one update) stepped once per network
 * step, float32. The kernel allocates the population's arrays (layout of {@link PopulationRuntime})
 * and compiles its step.
 */
export interface PopulationRunRequest {
  /** The population's update: inputs `$ext` then one per port; output 0/1 spikes. */
  readonly update: NeuronUpdate;
  /** Number of neurons. */
  readonly n: number;
  /** Values of `update.params` (float32 values; entries of per-neuron parameters ignored). */
  readonly params: readonly number[];
  /** Per-neuron values `[n]` by parameter index (undefined for a scalar parameter). */
  readonly paramArrays: readonly (Float32Array | undefined)[];
  /** Ring-buffer length (steps) of each port, in the order of `update.inputs[1..]`. */
  readonly ringLength: readonly number[];
  /** Time step in seconds. */
  readonly dt: number;
}

/**
 * A population's arrays during a network run and its step (result of `populationRun`). Every
 * per-neuron array has `stride = ⌈n/4⌉·4 + 4` elements (lanes past `n` are padding); the ring
 * buffer of port `j` is `ringLength[j]` rows of `stride`, row `s mod L` holding the weights that
 * arrive at step `s`.
 */
export interface PopulationRuntime {
  /** How the step runs, e.g. `js loop`, `wasm simd`. */
  readonly engine: string;
  readonly n: number;
  readonly stride: number;
  /** External current of the step, `[stride]` (the caller zeroes it when drives write it). */
  readonly ext: Float32Array;
  /** The step's spikes (1 or 0 per neuron), `[stride]`. */
  readonly out: Float32Array;
  /** `out` seen as int32 (0 where no spike). */
  readonly outBits: Int32Array;
  /** State arrays in `update.state` order, each `[stride]`. */
  readonly state: readonly Float32Array[];
  /** Ring buffers per port, `[ringLength[j]·stride]`. */
  readonly rings: readonly Float32Array[];
  readonly ringLength: readonly number[];
  /** Runs step `g`: reads ring row `g mod L` of every port, writes `out` and the state, then clears those rows. */
  readonly step: (g: number) => void;
  /**
   * Where the state lives on a device between steps (`gpu`): copies it into `state`; call before
   * reading `state`. Absent where `state` is the live state.
   */
  readonly readState?: () => void;
  /** Where the state lives on a device (`gpu`): takes `state` as the state after the caller wrote it. */
  readonly writeState?: () => void;
  /** Frees what the runtime holds on a device (`gpu`: its state textures); it is not stepped again. */
  readonly release?: () => void;
  /**
   * Runs steps `g … g+B−1` in one call (`gpu`: one kernel launch), `B ≤ maxBlock`: reads ring rows
   * `(g+b) mod L` and row `b` of `ext` (`[B·stride]`, the external currents), writes row `b` of
   * `out` (`[B·stride]`, spikes), then clears the ring rows. The caller runs a block only where no
   * spike of the block reaches a population within it. Same results as `B` calls of `step`.
   */
  readonly stepBlock?: (g: number, B: number, ext: Float32Array, out: Float32Array) => void;
  /** Largest `B` of {@link PopulationRuntime.stepBlock}. */
  readonly maxBlock?: number;
}

/**
 * A request of the `updateRun` kernel: one fused call of an update over arrays the caller owns
 * (any number of inputs, state updated in place, optional per-step records), forward or with the
 * steps in reverse order. Training runs its tapes (forward with records) and its derived
 * backward steps (`src/training/derivedStep.ts`) through it. Results equal the `js` lowering's
 * (`compileUpdate`) bit for bit on the CPU backends (`js`, `threads`); the `gpu` backend takes
 * `float32` requests only and computes the update's single-precision form
 * (`gpu/updateSource.ts`): in gpu.js's `cpu` mode the `js` float32 lowering of that form bit for
 * bit, on GL within float32 rounding.
 */
export interface UpdateRunRequest {
  /** Caller, for error messages. */
  readonly where: string;
  /** The per-neuron update. */
  readonly update: NeuronUpdate;
  /** Element type the update computes in (`float64` reads float32 arrays exactly). */
  readonly dtype: DType;
  /** Whether `call.record` is written. */
  readonly recording: boolean;
  /** Which parameters are per-neuron arrays (default none). */
  readonly perNeuron?: PerNeuronMask | undefined;
  /** The call: `T` steps of `M` neurons; arrays read and written in place. */
  readonly call: UpdateCall;
  /** Steps from the last to the first (step `t` still reads and writes row `t`); default false. */
  readonly reverse?: boolean | undefined;
}

/** Result of an `updateRun` (the arrays of the call were written). */
export interface UpdateRunResult {
  /** What executed (defaults to the backend's description). */
  readonly executed?: Executed | undefined;
}
