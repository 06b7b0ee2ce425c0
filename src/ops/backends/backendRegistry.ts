/**
 * The backend registry: compute kernels keyed by (kernel name, backend name), as tfjs separates
 * ops from kernels. An op (a neuron layer's fused run, a linear map) validates its arguments,
 * builds a request and asks the registry which backend runs it; the backend's kernel does the
 * arithmetic.
 *
 * Built in (see `builtin.ts`): `js`, plain TypeScript loops over typed arrays (the reference and
 * the CPU default), and `gpu`, gpu.js kernels (WebGL2 in browsers, headless-gl in Node where the
 * optional `gl` module is built). Further backends register with {@link registerBackend} and
 * {@link registerKernel}; `auto` then considers them by {@link Backend.priority}.
 *
 * Selection per op or network: `'auto' | 'js' | 'gpu'` (any registered name) or a backend object
 * such as `createGpuBackend({ mode: 'cpu' })`. What actually ran is recorded on every result and
 * read with {@link executionOf}.
 * @module
 */
import { SpikeflowError, show } from '../errors.js';
import type { NeuronKernel } from '../kernel.js';
import type { DType, Tensor, TensorData } from '../tensor.js';
import type { ConvRequest, MapResult, PoolRequest } from './convRequest.js';
import type { Executed } from './executed.js';

export type { Executed } from './executed.js';

/** The kernels an op can ask a backend for (`conv`, `pool`: see `convRequest.ts`; `populationRun`: networks). */
export type KernelName = 'neuronRun' | 'linear' | 'conv' | 'pool' | 'populationRun';

/**
 * A compute backend. Its kernels are registered separately under its `name`
 * ({@link registerKernel}); the instance is passed to them, so several instances of one backend
 * (e.g. gpu.js in different modes) share kernels.
 */
export interface Backend {
  /** Registry name, e.g. `js`, `gpu`. */
  readonly name: string;
  /** Rank among the backends `auto` may choose: the usable backend with the highest priority wins. */
  readonly priority: number;
  /**
   * Whether `auto` may choose this backend on this machine: `true`, or the reason it may not
   * (e.g. `no hardware WebGL2 or headless-gl context`).
   */
  readonly autoSelectable: () => true | string;
  /** The device this backend runs on, e.g. `cpu` or the gpu.js mode `webgl2`, and the GL renderer when known. */
  readonly describe: () => BackendDescription;
}

/** What a backend runs on. */
export interface BackendDescription {
  /** Registry name. */
  readonly backend: string;
  /** `cpu` for plain JavaScript; for gpu.js the mode its kernels get here (`webgl2`, `webgl`, `headlessgl`, `webasm`, `cpu`). */
  readonly device: string;
  /** GL renderer string where a GL context exists (e.g. `ANGLE (... SwiftShader ...)`). */
  readonly renderer?: string | undefined;
  /** Whether the device is a hardware accelerator (false for CPUs and software rasterizers). */
  readonly accelerated: boolean;
}

/** A backend selection: `auto`, a registered backend name, or a backend object. */
export type BackendChoice = 'auto' | 'js' | 'gpu' | (string & {}) | Backend;

/** What ran a computation, attached to its results (read it with {@link executionOf}). */
export interface ExecutionInfo {
  /** Backend that ran, e.g. `js` or `gpu`. */
  readonly backend: string;
  /**
   * Device that actually executed: `cpu` for `js`; for `gpu` the mode of the gpu.js kernel that
   * ran (`webgl2`, `webgl`, `headlessgl`, `webasm` or `cpu` — gpu.js falls back silently, this
   * field says what it fell back to).
   */
  readonly device: string;
  /** The selection the caller made: `auto`, a backend name, or the name of the backend object passed. */
  readonly requested: string;
  /** GL renderer string where known. */
  readonly renderer?: string | undefined;
  /** Why `auto` chose this backend, or why gpu.js fell back to another mode. */
  readonly note?: string | undefined;
}

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
 * neurons running `kernel`.
 */
export interface NeuronRunRequest {
  /** Caller, for error messages (e.g. `lif.run`). */
  readonly where: string;
  /** The per-neuron update. */
  readonly kernel: NeuronKernel;
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
  /** For each kernel state variable, its index in `stateNames`. */
  readonly kernelState: readonly number[];
  /** Input chunk `[T, ...]` (for recurrent models `[T, batch, inputs]`). */
  readonly input: Tensor;
  /** Initial state (validated; may be a device-resident state of a backend). */
  readonly state: Readonly<Record<string, Tensor>>;
  /** Kernel parameter values in `kernel.params` order, rounded to the dtype (0 where per-neuron). */
  readonly params: readonly number[];
  /**
   * Per-neuron kernel parameters: entry `j` is the `[M]` values (in the run's dtype) of
   * `kernel.params[j]` when it differs per neuron, else undefined. Absent when every parameter is a scalar.
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
  readonly update: NeuronKernel;
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

/** Request and result types of each kernel. */
export interface KernelSignatures {
  neuronRun: { request: NeuronRunRequest; result: NeuronRunResult };
  linear: { request: LinearRequest; result: LinearResult };
  conv: { request: ConvRequest; result: MapResult };
  pool: { request: PoolRequest; result: MapResult };
  populationRun: { request: PopulationRunRequest; result: PopulationRuntime };
}

/** A kernel: a backend's implementation of one op. */
export interface KernelConfig<K extends KernelName = KernelName> {
  readonly kernelName: K;
  readonly backendName: string;
  /** Whether this kernel can run the request: `true` or the reason it cannot (e.g. `float64 is not supported`). */
  readonly supports: (request: KernelSignatures[K]['request'], backend: Backend) => true | string;
  /** Runs the request on the given backend instance. */
  readonly run: (request: KernelSignatures[K]['request'], backend: Backend) => KernelSignatures[K]['result'];
  /**
   * True when `run` itself rejects a non-finite input (with the error `finiteTensor` gives, before
   * returning anything), so the caller skips its own pass over the input (`neuronRun` only).
   */
  readonly checksFiniteInput?: boolean;
  /**
   * Whether `auto` may choose this kernel for the request (default: whenever it `supports` it):
   * `true` or the reason `auto` passes it by (e.g. a kernel slower than the CPU ones for this
   * kind of work, which runs only when asked for by name).
   */
  readonly autoSelectable?: (request: KernelSignatures[K]['request'], backend: Backend) => true | string;
}

const backends = new Map<string, Backend>();
const kernels = new Map<string, KernelConfig>();
const keyOf = (kernelName: string, backendName: string): string => `${kernelName}/${backendName}`;

/**
 * Registers (or replaces) a backend under its name.
 * @throws SpikeflowError when the name is empty or is `auto`
 */
export const registerBackend = (backend: Backend): void => {
  if (typeof backend?.name !== 'string' || backend.name === '' || backend.name === 'auto') {
    throw new SpikeflowError(
      'registerBackend',
      'backend',
      `backend name must be a non-empty string other than "auto", received ${show(backend?.name)}`,
    );
  }
  backends.set(backend.name, backend);
};

/** Removes a backend and its kernels (the built-in `js` backend cannot be removed). */
export const unregisterBackend = (name: string): void => {
  if (name === 'js') throw new SpikeflowError('unregisterBackend', 'name', 'the js backend is the reference and cannot be removed');
  backends.delete(name);
  for (const key of [...kernels.keys()]) if (key.endsWith(`/${name}`)) kernels.delete(key);
};

/** Registers (or replaces) a kernel for `(kernelName, backendName)`. */
export const registerKernel = <K extends KernelName>(config: KernelConfig<K>): void => {
  kernels.set(keyOf(config.kernelName, config.backendName), config as unknown as KernelConfig);
};

/** The registered backend of that name, or undefined. */
export const getBackend = (name: string): Backend | undefined => backends.get(name);

/** Names of the registered backends, highest priority first. */
export const backendNames = (): string[] => [...backends.values()].sort((a, b) => b.priority - a.priority).map((b) => b.name);

/** The kernel registered for `(kernelName, backendName)`, or undefined. */
export const getKernel = <K extends KernelName>(kernelName: K, backendName: string): KernelConfig<K> | undefined =>
  kernels.get(keyOf(kernelName, backendName)) as KernelConfig<K> | undefined;

/** A resolved selection: the backend instance, its kernel, and what to report. */
export interface Resolved<K extends KernelName> {
  readonly backend: Backend;
  readonly kernel: KernelConfig<K>;
  /** The caller's selection as text. */
  readonly requested: string;
  /** Why `auto` chose this backend (undefined for an explicit choice). */
  readonly note?: string | undefined;
}

const isBackend = (v: unknown): v is Backend =>
  v !== null && typeof v === 'object' && typeof (v as Backend).name === 'string' && typeof (v as Backend).describe === 'function';

/**
 * Checks a backend selection without resolving it (for option validation at construction).
 * @throws SpikeflowError naming `backend` when it is neither `auto`, a registered name nor a backend object
 */
export const checkBackendChoice = (where: string, choice: unknown): BackendChoice => {
  if (choice === undefined || choice === 'auto' || isBackend(choice)) return (choice ?? 'auto') as BackendChoice;
  if (typeof choice === 'string' && backends.has(choice)) return choice;
  throw new SpikeflowError(
    where,
    'backend',
    `backend must be "auto", one of ${backendNames()
      .map((n) => JSON.stringify(n))
      .join(', ')} or a backend object, received ${show(choice)}`,
  );
};

/**
 * Resolves a selection for one request.
 * - `auto`: the registered backend of highest priority that `auto` may choose here
 *   ({@link Backend.autoSelectable}), that has a kernel for `kernelName`, and whose kernel
 *   supports the request and lets `auto` take it ({@link KernelConfig.autoSelectable}); `js`
 *   (priority 0) always qualifies.
 * - a name or a backend object: that backend; it must have the kernel and support the request.
 * @throws SpikeflowError (argument `backend`) for an unknown name, a missing kernel, or a request the chosen backend cannot run
 */
export const resolveBackend = <K extends KernelName>(
  where: string,
  choice: BackendChoice | undefined,
  kernelName: K,
  request: KernelSignatures[K]['request'],
): Resolved<K> => {
  const selection = checkBackendChoice(where, choice);
  if (selection === 'auto') {
    const skipped: string[] = [];
    for (const name of backendNames()) {
      const backend = backends.get(name) as Backend;
      const kernel = getKernel(kernelName, name);
      const selectable = backend.autoSelectable();
      const supports = kernel === undefined ? `no ${kernelName} kernel` : kernel.supports(request, backend);
      const supported = supports === true ? (kernel?.autoSelectable?.(request, backend) ?? true) : supports;
      if (selectable === true && supported === true && kernel !== undefined) {
        const note = skipped.length > 0 ? `auto chose ${name}: ${skipped.join('; ')}` : `auto chose ${name}`;
        return { backend, kernel, requested: 'auto', note };
      }
      skipped.push(`${name} skipped (${selectable === true ? supported : selectable})`);
    }
    throw new SpikeflowError(where, 'backend', `no registered backend can run ${kernelName}: ${skipped.join('; ')}`);
  }
  const backend = isBackend(selection) ? selection : (backends.get(selection) as Backend);
  const kernel = getKernel(kernelName, backend.name);
  if (kernel === undefined) {
    throw new SpikeflowError(where, 'backend', `backend ${JSON.stringify(backend.name)} has no ${kernelName} kernel`);
  }
  const supported = kernel.supports(request, backend);
  if (supported !== true) {
    throw new SpikeflowError(where, 'backend', `backend ${JSON.stringify(backend.name)} cannot run this ${kernelName}: ${supported}`);
  }
  return { backend, kernel, requested: backend.name };
};

const executions = new WeakMap<object, ExecutionInfo>();

/** Records what produced a result (used by ops and backends). Returns the value. */
export const tagExecution = <T extends object>(value: T, info: ExecutionInfo): T => {
  executions.set(value, info);
  return value;
};

/**
 * What computed a result: pass an output tensor, a state record or a recorded-states record
 * returned by a neuron run or a linear op. Undefined for values spikeflow did not compute.
 * @example
 * ```ts
 * import { executionOf, lif, zeros } from 'spikeflow';
 * const [z] = lif.run({}, 0.001, { backend: 'auto' })(zeros([10, 1, 4]));
 * console.log(executionOf(z)); // { backend: 'js', device: 'cpu', requested: 'auto', note: 'auto chose js', … }
 * ```
 */
export const executionOf = (value: unknown): ExecutionInfo | undefined =>
  value !== null && typeof value === 'object' ? executions.get(value as object) : undefined;
