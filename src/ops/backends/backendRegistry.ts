/**
 * The backend registry: compute kernels keyed by (kernel name, backend name), as tfjs separates
 * ops from kernels. An op (a neuron layer's fused run, a linear map) validates its arguments,
 * builds a request and asks the registry which backend runs it; the backend's kernel does the
 * arithmetic.
 *
 * Built in (see `builtin.ts`): `js` only, plain TypeScript loops over typed arrays (the reference
 * and the CPU default). The other backends register themselves when their entry is imported:
 * `threads` (WebAssembly SIMD on worker threads; `spikeflow/threads`, `spikeflow/node`,
 * `spikeflow/browser`) and `gpu` (gpu.js: WebGL2 in browsers, headless-gl in Node where the
 * optional `gl` module is built; `spikeflow/gpu`). Any backend registers with
 * {@link registerBackend} and {@link registerKernel}; `auto` then considers them by
 * {@link Backend.priority}. Requests and results of each kernel: `requests.ts`, `convRequest.ts`.
 *
 * Selection per op or network: `'auto' | 'js' | 'gpu'` (any registered name) or a backend object
 * such as `createGpuBackend({ mode: 'cpu' })`. What actually ran is recorded on every result and
 * read with {@link executionOf}.
 * @module
 */
import { SpikeflowError, show } from '../errors.js';
import type { ConvRequest, MapResult, PoolRequest } from './convRequest.js';
import type { Executed } from './executed.js';
import type {
  LinearRequest,
  LinearResult,
  NeuronRunRequest,
  NeuronRunResult,
  PopulationRunRequest,
  PopulationRuntime,
  UpdateRunRequest,
  UpdateRunResult,
} from './requests.js';

export type { Executed } from './executed.js';
export type {
  LinearRequest,
  LinearResult,
  NeuronRunRequest,
  NeuronRunResult,
  PopulationRunRequest,
  PopulationRuntime,
  RecurrentRequest,
  UpdateRunRequest,
  UpdateRunResult,
} from './requests.js';

/**
 * The kernels an op can ask a backend for (`conv`, `pool`: see `convRequest.ts`; `populationRun`:
 * networks; `updateRun`: training's tapes and derived backward steps).
 */
export type KernelName = 'neuronRun' | 'linear' | 'conv' | 'pool' | 'populationRun' | 'updateRun';

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

/** Request and result types of each kernel. */
export interface KernelSignatures {
  neuronRun: { request: NeuronRunRequest; result: NeuronRunResult };
  linear: { request: LinearRequest; result: LinearResult };
  conv: { request: ConvRequest; result: MapResult };
  pool: { request: PoolRequest; result: MapResult };
  populationRun: { request: PopulationRunRequest; result: PopulationRuntime };
  updateRun: { request: UpdateRunRequest; result: UpdateRunResult };
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
// Kernel name → backend name → kernel (no key string built per lookup: every run looks one up).
const kernels = new Map<string, Map<string, KernelConfig>>();

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

/**
 * Removes a backend and its kernels (a name not registered is ignored).
 * @throws SpikeflowError (`name`) for `js`, the built-in reference backend, which cannot be removed
 */
export const unregisterBackend = (name: string): void => {
  if (name === 'js') throw new SpikeflowError('unregisterBackend', 'name', 'the js backend is the reference and cannot be removed');
  backends.delete(name);
  for (const byBackend of kernels.values()) byBackend.delete(name);
};

/** Registers (or replaces) a kernel for `(kernelName, backendName)`. */
export const registerKernel = <K extends KernelName>(config: KernelConfig<K>): void => {
  let byBackend = kernels.get(config.kernelName);
  if (byBackend === undefined) {
    byBackend = new Map();
    kernels.set(config.kernelName, byBackend);
  }
  byBackend.set(config.backendName, config as unknown as KernelConfig);
};

/** The registered backend of that name, or undefined. */
export const getBackend = (name: string): Backend | undefined => backends.get(name);

/** Names of the registered backends, highest priority first. */
export const backendNames = (): string[] => [...backends.values()].sort((a, b) => b.priority - a.priority).map((b) => b.name);

/** The kernel registered for `(kernelName, backendName)`, or undefined. */
export const getKernel = <K extends KernelName>(kernelName: K, backendName: string): KernelConfig<K> | undefined =>
  kernels.get(kernelName)?.get(backendName) as KernelConfig<K> | undefined;

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
 *   (for `threads` or `gpu` not yet registered, the message names the entry to import)
 */
export const checkBackendChoice = (where: string, choice: unknown): BackendChoice => {
  if (choice === undefined || choice === 'auto' || isBackend(choice)) return (choice ?? 'auto') as BackendChoice;
  if (typeof choice === 'string' && backends.has(choice)) return choice;
  throw new SpikeflowError(
    where,
    'backend',
    `backend must be "auto", one of ${backendNames()
      .map((n) => JSON.stringify(n))
      .join(
        ', ',
      )} or a backend object, received ${show(choice)}${typeof choice === 'string' && Object.hasOwn(PLUG_IN_HINTS, choice) ? PLUG_IN_HINTS[choice] : ''}`,
  );
};

/** What registers each plug-in backend, told when one is named before its entry was imported. */
const PLUG_IN_HINTS: Readonly<Record<string, string>> = {
  threads: ` (not registered yet: import 'spikeflow/threads' or 'spikeflow/node' first)`,
  gpu: ` (not registered yet: import 'spikeflow/gpu' first)`,
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
 * What ran a kernel chosen by {@link resolveBackend}: the backend's name, the device the kernel
 * reports it `executed` on (else the backend's own), the caller's selection, the GL renderer, and
 * the kernel's note (else why `auto` chose the backend). Tag a result with it ({@link tagExecution}).
 */
export const executionInfo = <K extends KernelName>(chosen: Resolved<K>, executed: Executed | undefined): ExecutionInfo => {
  const d = chosen.backend.describe();
  return {
    backend: chosen.backend.name,
    device: executed?.device ?? d.device,
    requested: chosen.requested,
    renderer: d.renderer,
    note: executed?.note ?? chosen.note,
  };
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
