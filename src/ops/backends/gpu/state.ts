/**
 * The internal state of a gpu backend instance (its gpu.js instance, compiled kernels, the textures it
 * holds, transfer counts) and the helpers that read results back and account for textures.
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { NeuronUpdate } from '../../update/ir.js';
import type { Backend, BackendDescription } from '../backendRegistry.js';
import type { DeviceGroup, DeviceStorage } from '../device.js';
import { type GpuJsInstance, type GpuJsKernel, gpuJs } from '../gpujs.js';
import type { NeuronLayout } from '../layout.js';
import { autoMode, type GpuMode, kernelClass, modeOfImpl, rendererOf, SOFTWARE_RENDERER } from './modes.js';

/** Options of `createGpuBackend`. */
export interface GpuBackendOptions {
  /** gpu.js mode (default `auto`: headless-gl, then WebGL2, then WebGL, else gpu.js's `cpu` mode). */
  readonly mode?: GpuMode;
  /** RGBA outputs one kernel may write (default: the device's draw buffers, at most 8). */
  readonly maxOutputs?: number;
  /** Largest input block uploaded at once, in floats (default 2²⁶; smaller blocks mean more calls). */
  readonly maxInputFloats?: number;
}

/**
 * The part of a gpu.js texture (a kernel's output kept on the device) that spikeflow uses:
 * its WebGL texture, `delete()` to free it, and the read-backs `renderRawOutput()` (RGBA floats,
 * texel `n` at `4n`) and `toArray()`.
 */
export interface Texture {
  readonly texture: unknown;
  delete(): void;
  renderRawOutput(): Float32Array;
  toArray(): unknown;
}

/** Whether a kernel result is a gpu.js texture (device-resident) rather than a cpu-mode array. */
export const isTexture = (o: unknown): o is Texture =>
  o !== null && typeof o === 'object' && typeof (o as Texture).delete === 'function' && 'texture' in (o as object);

/** RGBA values of a vec4 result (texture or gpu.js cpu-mode array of 4-vectors): texel n at 4n. */
export const rgbaOf = (st: State, o: unknown, M: number): Float32Array => {
  st.read += 4 * M;
  if (isTexture(o)) return o.renderRawOutput();
  const rows = o as ArrayLike<ArrayLike<number>>;
  const flat = new Float32Array(4 * M);
  for (let n = 0; n < M; n++) {
    const r = rows[n] as ArrayLike<number>;
    const k = 4 * n;
    flat[k] = r[0] as number;
    flat[k + 1] = r[1] as number;
    flat[k + 2] = r[2] as number;
    flat[k + 3] = r[3] as number;
  }
  return flat;
};

/** Values of a scalar result (texture or cpu-mode Float32Array), `length` of them. */
export const floatsOf = (st: State, o: unknown, length: number): Float32Array => {
  st.read += length;
  const a = isTexture(o) ? (o.toArray() as Float32Array) : (o as Float32Array);
  const out = new Float32Array(length);
  out.set(a.subarray(0, length));
  return out;
};

/**
 * The internal state of one gpu backend instance (kept in {@link internals}): the requested and
 * resolved gpu.js mode, its gpu.js instance (made on first use), compiled kernels (neuron runs per
 * update and layout key; others by key), the device copies of outputs, the textures held, and
 * counters of floats uploaded and read back (for tests and benchmarks).
 */
export interface State {
  readonly requested: GpuMode;
  gpu: GpuJsInstance | undefined;
  mode: Exclude<GpuMode, 'auto'> | undefined;
  description: BackendDescription | undefined;
  readonly neuronKernels: WeakMap<NeuronUpdate, Map<string, GpuJsKernel>>;
  readonly otherKernels: Map<string, GpuJsKernel>;
  readonly linearOutputs: WeakMap<object, DeviceGroup>;
  readonly neuronOutputs: WeakMap<object, OutputCopy>;
  /** Textures spikeflow holds (each deleted once, when its last holder lets go). */
  readonly held: Set<unknown>;
  readonly options: GpuBackendOptions;
  uploaded: number;
  read: number;
}

/**
 * The device copy of a neuron run's outputs (a single-block chunk): the block's RGBA outputs,
 * read by a following linear map on the device. Its state outputs belong to the state; the rest
 * is freed when the layer runs again.
 */
export interface OutputCopy {
  readonly backend: Backend;
  readonly objs: readonly unknown[];
  readonly layout: NeuronLayout;
  readonly T: number;
  readonly M: number;
  readonly alive: () => boolean;
  readonly release: () => void;
}

/** The device copy of each neuron-run output tensor that has one (see {@link OutputCopy}). */
export const outputCopies = new WeakMap<Tensor, OutputCopy>();

/** The state of each backend made by `createGpuBackend`. */
export const internals = new WeakMap<Backend, State>();

/**
 * The state of a gpu backend.
 * @throws SpikeflowError (`backend`) when `b` was not made by `createGpuBackend`
 */
export const stateOf = (b: Backend): State => {
  const st = internals.get(b);
  if (st === undefined) throw new SpikeflowError('gpu', 'backend', `backend ${show(b.name)} was not created by createGpuBackend`);
  return st;
};

/**
 * The gpu.js mode this backend runs in: the requested one, or for `auto` the first that works here
 * (headless-gl, WebGL2, WebGL, else `cpu`; `gpu/modes.ts`), chosen once.
 */
export const resolvedMode = (st: State): Exclude<GpuMode, 'auto'> => {
  if (st.mode === undefined) st.mode = st.requested === 'auto' ? autoMode() : st.requested;
  return st.mode;
};

/**
 * What the backend runs on (mode, WebGL renderer, whether it is hardware accelerated: a software
 * renderer such as SwiftShader or llvmpipe is not), computed once.
 */
export const describe = (st: State): BackendDescription => {
  if (st.description !== undefined) return st.description;
  const mode = resolvedMode(st);
  const cls = kernelClass(mode);
  const gl = mode === 'cpu' || mode === 'webasm' ? undefined : cls.isSupported ? cls.testContext : undefined;
  const renderer = rendererOf(gl);
  const accelerated = gl !== undefined && renderer !== undefined && !SOFTWARE_RENDERER.test(renderer);
  st.description = Object.freeze({ backend: 'gpu', device: mode, renderer, accelerated });
  return st.description;
};

/** The backend's gpu.js instance, created on first use in its resolved mode. */
export const gpuOf = (st: State): GpuJsInstance => {
  if (st.gpu === undefined) st.gpu = new gpuJs.GPU({ mode: resolvedMode(st) });
  return st.gpu;
};

/** Whether the backend runs in gpu.js's `cpu` or `webasm` mode (JavaScript, no textures). */
export const isCpuMode = (st: State): boolean => resolvedMode(st) === 'cpu' || resolvedMode(st) === 'webasm';

/**
 * RGBA outputs one kernel may write: the `maxOutputs` option, else 8 in cpu mode, else the
 * device's draw buffers (between 1 and 8).
 */
export const maxOutputsOf = (st: State): number => {
  if (st.options.maxOutputs !== undefined) return st.options.maxOutputs;
  if (isCpuMode(st)) return 8;
  const channels = kernelClass(resolvedMode(st)).features?.channelCount ?? 4;
  return Math.max(1, Math.min(8, channels));
};

/**
 * Largest input block uploaded at once, in floats: the `maxInputFloats` option (default 2²⁶),
 * at most what one RGBA texture of the device's largest size holds.
 */
export const maxInputFloatsOf = (st: State): number => {
  const cap = st.options.maxInputFloats ?? 2 ** 26;
  if (isCpuMode(st)) return cap;
  const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
  return Math.min(cap, 4 * side * side);
};

/** Executed mode of a kernel after a call, and gpu.js's fallback reason when it fell back. */
export const executed = (st: State, k: GpuJsKernel): { device: string; note?: string | undefined } => {
  const device = modeOfImpl(k.kernel);
  const reason = k.kernel.fallbackReason;
  const note =
    device !== resolvedMode(st)
      ? `gpu.js fell back from ${resolvedMode(st)} to ${device}${reason ? `: ${reason}` : ''}`
      : reason
        ? String(reason)
        : undefined;
  return { device, note };
};

/** Deletes a held texture (once; a no-op for anything not held). */
export const release = (st: State, o: unknown): void => {
  if (st.held.delete(o)) (o as Texture).delete();
};

/**
 * Marks a kernel result as held by spikeflow when it is a texture (so {@link release} deletes it once); returns it.
 */
export const held = (st: State, o: unknown): unknown => {
  if (isTexture(o)) st.held.add(o);
  return o;
};

/** Whether a result can still be read: not a texture, or a texture not yet released. */
export const isLive = (st: State, o: unknown): boolean => !isTexture(o) || st.held.has(o);

/**
 * gpu.js's argument type of a value (`Float` for numbers, else gpu.js's own detection, e.g.
 * `Array`, `HTMLImage`, `ArrayTexture(4)`), used to key compiled kernels.
 */
export const argType = (v: unknown): string => (typeof v === 'number' ? 'Float' : gpuJs.utils.getVariableType(v, false));

/**
 * A kernel other than a neuron run (state packing, spike unpacking, linear maps, …), compiled by `make` once per `key` and cached.
 */
export const otherKernel = (st: State, key: string, make: (gpu: GpuJsInstance) => GpuJsKernel): GpuJsKernel => {
  let kernel = st.otherKernels.get(key);
  if (kernel === undefined) {
    kernel = make(gpuOf(st));
    st.otherKernels.set(key, kernel);
  }
  return kernel;
};

/**
 * The state textures behind a device-resident state (a {@link DeviceStorage}), in the update's state order.
 */
export const statesFromStorage = new WeakMap<DeviceStorage, readonly unknown[]>();
