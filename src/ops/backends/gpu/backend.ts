/**
 * `createGpuBackend`: a gpu.js backend instance (see `../gpu.ts` for what it does).
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import { checkPositiveInteger } from '../../validate.js';
import type { Backend, BackendDescription } from '../backendRegistry.js';
import { GPU_MODES, type GpuMode } from './modes.js';
import { describe, type GpuBackendOptions, internals, type State, stateOf } from './state.js';

/** A gpu.js backend instance (see the module docs). */
export interface GpuBackend extends Backend {
  readonly name: 'gpu';
  /** The mode asked for. */
  readonly mode: GpuMode;
  /**
   * Device buffers (textures) spikeflow holds on this backend right now: device-resident states
   * and outputs not yet consumed or retired. Constant over a stream of chunks.
   */
  readonly liveBuffers: () => number;
  /**
   * Floats copied host → device (inputs, uploaded states, weights) and device → host (read-backs)
   * since the backend was created: what stayed on the device is what is not counted here.
   */
  readonly transfers: () => { readonly uploadedFloats: number; readonly readFloats: number };
  /** Frees every kernel and the gpu.js instance (device states of this backend become unreadable). */
  readonly destroy: () => void;
}

const validateOptions = (options: GpuBackendOptions): void => {
  if (options === null || typeof options !== 'object') {
    throw new SpikeflowError('createGpuBackend', 'options', `options must be an object, received ${show(options)}`);
  }
  const mode = options.mode ?? 'auto';
  if (!GPU_MODES.includes(mode)) {
    throw new SpikeflowError(
      'createGpuBackend',
      'mode',
      `mode must be one of ${GPU_MODES.map((m) => JSON.stringify(m)).join(', ')}, received ${show(mode)}`,
    );
  }
  for (const key of ['maxOutputs', 'maxInputFloats'] as const) {
    const v = options[key];
    if (v !== undefined) checkPositiveInteger('createGpuBackend', key, v);
  }
};

/**
 * Creates a gpu.js backend. The default `gpu` backend of the registry is `createGpuBackend()`;
 * pass another instance as a run's `backend` to choose the gpu.js mode, e.g.
 * `lif.run(p, dt, { backend: createGpuBackend({ mode: 'cpu' }) })`.
 *
 * `auto` selection takes this backend only where its mode is a GL context on a hardware GPU:
 * software rasterizers (SwiftShader, llvmpipe) are slower than the `js` backend.
 * @throws SpikeflowError for an unknown mode or a non-positive limit
 */
export const createGpuBackend = (options: GpuBackendOptions = {}): GpuBackend => {
  validateOptions(options);
  const st: State = {
    requested: options.mode ?? 'auto',
    gpu: undefined,
    mode: undefined,
    description: undefined,
    neuronKernels: new WeakMap(),
    otherKernels: new Map(),
    linearOutputs: new WeakMap(),
    neuronOutputs: new WeakMap(),
    held: new Set(),
    options,
    uploaded: 0,
    read: 0,
  };
  const backend: GpuBackend = Object.freeze({
    name: 'gpu' as const,
    priority: 100,
    mode: st.requested,
    autoSelectable: (): true | string => {
      const d = describe(st);
      if (d.device === 'cpu' || d.device === 'webasm') return `no WebGL2 or headless-gl context (gpu.js would run in its ${d.device} mode)`;
      if (!d.accelerated) return `the ${d.device} context renders in software (${d.renderer ?? 'unknown renderer'})`;
      return true;
    },
    describe: () => describe(st),
    liveBuffers: () => st.held.size,
    transfers: () => ({ uploadedFloats: st.uploaded, readFloats: st.read }),
    destroy: () => {
      st.otherKernels.clear();
      st.held.clear();
      st.gpu?.destroy();
      st.gpu = undefined;
    },
  });
  internals.set(backend, st);
  return backend;
};

/** The device a gpu backend's last kernel ran on (for reports). */
export const describeGpu = (b: Backend): BackendDescription => describe(stateOf(b));
