/**
 * The `gpu` backend: gpu.js kernels, WebGL2 in browsers and headless-gl in Node where the
 * optional native `gl` module is built (else gpu.js's `cpu` mode, which computes the same kernels
 * in JavaScript — useful for tests, never chosen by `auto`).
 *
 * Neuron runs: the model's per-neuron update text ({@link NeuronKernel}) is compiled by gpu.js
 * inside a loop over the time steps of a block, one thread per neuron (see `layout.ts` for how a
 * thread's results are packed into RGBA outputs: spikes 24 to a float). One kernel call runs a
 * whole block (720 LIF steps with 8 render targets), never one call per step. Between blocks and
 * between chunks the state stays on the device: each block's state outputs (pipeline textures,
 * `immutable: true` because they are fed back) are the next block's inputs, and the textures a
 * block no longer needs are deleted. Outputs are read back at the end of every block (spikes
 * packed, so 1/24 of a float per neuron-step); the state only when a consumer reads it (see
 * `device.ts`). Everything is `precision: 'single'`, 1-D outputs (2-D `[N, k]` textures fail
 * above 16 384 neurons).
 *
 * Linear maps: one thread per output element loops over the input features; its result stays on
 * the device and the next neuron layer reads it there (LIF → Linear → LI).
 *
 * Arithmetic: single precision. In gpu.js's `cpu` mode the `R(...)` rounding markers become
 * `Math.fround`, so that mode reproduces the `js` float32 backend bit for bit; on GL they are
 * removed (the GPU rounds every operation to float32 itself).
 * @module
 */
import { SpikeflowError, show } from '../errors.js';
import { lowerRounding, type NeuronKernel } from '../kernel.js';
import { fromTypedArray, type Tensor, type TensorData } from '../tensor.js';
import type {
  Backend,
  BackendDescription,
  KernelConfig,
  LinearRequest,
  LinearResult,
  NeuronRunRequest,
  NeuronRunResult,
} from './backendRegistry.js';
import { DeviceGroup, type DeviceStorage, deviceGroupOf } from './device.js';
import { type GpuJsInstance, type GpuJsKernel, type GpuJsKernelClass, gpuJs } from './gpujs.js';
import { BITS_PER_WORD, floatSlot, type NeuronLayout, planNeuron } from './layout.js';

/** gpu.js modes the gpu backend can be asked for; `auto` takes the best GL context present, else `cpu`. */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

const GPU_MODES: readonly GpuMode[] = ['auto', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** Options of {@link createGpuBackend}. */
export interface GpuBackendOptions {
  /** gpu.js mode (default `auto`: headless-gl, then WebGL2, then WebGL, else gpu.js's `cpu` mode). */
  readonly mode?: GpuMode;
  /** RGBA outputs one kernel may write (default: the device's draw buffers, at most 8). */
  readonly maxOutputs?: number;
  /** Largest input block uploaded at once, in floats (default 2²⁶; smaller blocks mean more calls). */
  readonly maxInputFloats?: number;
}

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

/** Renderers that draw on the CPU: `auto` does not count them as a GPU (they are slower than the `js` backend). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;

interface GlLike {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
  readonly RENDERER: number;
}

const rendererOf = (gl: unknown): string | undefined => {
  if (gl === null || typeof gl !== 'object' || typeof (gl as GlLike).getParameter !== 'function') return undefined;
  try {
    const g = gl as GlLike;
    const ext = g.getExtension('WEBGL_debug_renderer_info');
    return String(g.getParameter(ext === null ? g.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
  } catch {
    return undefined;
  }
};

const kernelClass = (mode: Exclude<GpuMode, 'auto'>): GpuJsKernelClass =>
  ({
    headlessgl: gpuJs.HeadlessGLKernel,
    webgl2: gpuJs.WebGL2Kernel,
    webgl: gpuJs.WebGLKernel,
    webasm: gpuJs.WebAssemblyKernel,
    cpu: gpuJs.CPUKernel,
  })[mode];

const glMapCapable = (k: GpuJsKernelClass): boolean =>
  k.isSupported && k.features?.kernelMap === true && k.features.isFloatRead === true && k.features.isTextureFloat === true;

/** The mode `auto` resolves to here: a GL context that can write several float outputs, else `cpu`. */
const autoMode = (): Exclude<GpuMode, 'auto'> => {
  if (glMapCapable(gpuJs.HeadlessGLKernel)) return 'headlessgl';
  if (glMapCapable(gpuJs.WebGL2Kernel)) return 'webgl2';
  if (glMapCapable(gpuJs.WebGLKernel)) return 'webgl';
  return 'cpu';
};

/** Name of the gpu.js mode a kernel implementation runs in. */
const modeOfImpl = (impl: { readonly constructor: unknown }): string => {
  const classes: [GpuJsKernelClass, string][] = [
    [gpuJs.HeadlessGLKernel, 'headlessgl'],
    [gpuJs.WebGL2Kernel, 'webgl2'],
    [gpuJs.WebGLKernel, 'webgl'],
    [gpuJs.WebAssemblyKernel, 'webasm'],
    [gpuJs.CPUKernel, 'cpu'],
  ];
  for (const [cls, name] of classes) if (impl instanceof (cls as unknown as new () => object)) return name;
  return (impl.constructor as { name?: string })?.name ?? 'unknown';
};

interface Texture {
  readonly texture: unknown;
  delete(): void;
  renderRawOutput(): Float32Array;
  toArray(): unknown;
}

const isTexture = (o: unknown): o is Texture =>
  o !== null && typeof o === 'object' && typeof (o as Texture).delete === 'function' && 'texture' in (o as object);

/** RGBA values of a vec4 result (texture or gpu.js cpu-mode array of 4-vectors): texel n at 4n. */
const rgbaOf = (st: State, o: unknown, M: number): Float32Array => {
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
const floatsOf = (st: State, o: unknown, length: number): Float32Array => {
  st.read += length;
  const a = isTexture(o) ? (o.toArray() as Float32Array) : (o as Float32Array);
  const out = new Float32Array(length);
  out.set(a.subarray(0, length));
  return out;
};

/** Kernel source text in gpu.js's subset: `R(...)` → `Math.fround(...)` in cpu mode, removed on GL. */
const lowered = (body: string, cpu: boolean): string =>
  cpu ? lowerRounding(body, 'float32').replace(/\$fround\(/g, 'Math.fround(') : lowerRounding(body, 'gpu');

const flushChain = (words: number, value: string): string => {
  if (words === 1) return `sfW0 = ${value};`;
  const parts: string[] = [];
  for (let w = 0; w < words; w++) {
    const cond = w === words - 1 ? '' : `if (sfWi < ${w}.5) `;
    parts.push(`${w === 0 ? '' : 'else '}${cond}{ sfW${w} = ${value}; }`);
  }
  return parts.join(' ');
};

/**
 * The gpu.js source of one block of a fused neuron run (see `layout.ts`). Arguments: each kernel
 * input `sfX_<name>` (`[steps·M]` from `sfT0` on), the state outputs `sfS<g>`, `sfM`, `sfT0`,
 * `sfB` (steps of this block), the kernel parameters by name, `dt`.
 */
export const neuronKernelSource = (k: NeuronKernel, layout: NeuronLayout, cpu: boolean): string => {
  const { S, packed, words, outputs, stateOutputs } = layout;
  const args = [
    ...k.inputs.map((n) => `sfX_${n}`),
    ...Array.from({ length: stateOutputs }, (_, g) => `sfS${g}`),
    'sfM',
    'sfT0',
    'sfB',
    ...k.params,
    'dt',
  ];
  const lines: string[] = [];
  for (let g = 0; g < stateOutputs; g++) lines.push(`const sfSt${g} = sfS${g}[this.thread.x];`);
  k.state.forEach((name, s) => {
    lines.push(`let ${name} = sfSt${s >> 2}[${s & 3}];`);
  });
  for (let w = 0; w < words; w++) lines.push(`let sfW${w} = 0;`);
  lines.push('let sfWi = 0;', 'let sfAcc = 0;', 'let sfP = 1;');
  lines.push('for (let sfT = 0; sfT < sfB; sfT++) {');
  for (const n of k.inputs) lines.push(`const ${n} = sfX_${n}[(sfT0 + sfT) * sfM + this.thread.x];`);
  lines.push(lowered(k.body, cpu));
  if (packed) {
    lines.push(`sfAcc = sfAcc + ${k.output} * sfP;`, 'sfP = sfP * 2;');
    lines.push(`if (sfP > ${2 ** BITS_PER_WORD - 1}) { ${flushChain(words, 'sfAcc')} sfAcc = 0; sfP = 1; sfWi = sfWi + 1; }`);
  } else {
    for (const v of [k.output, ...(layout.perStep > 1 ? k.state : [])]) {
      lines.push(`${flushChain(words, v)} sfWi = sfWi + 1;`);
    }
  }
  lines.push('}');
  if (packed) lines.push(`if (sfP > 1.5) { ${flushChain(words, 'sfAcc')} }`);
  const slot = (j: number): string => (j < S ? (k.state[j] as string) : j - S < words ? `sfW${j - S}` : '0');
  const vec = (g: number): string => `[${[0, 1, 2, 3].map((c) => slot(4 * g + c)).join(', ')}]`;
  for (let g = 1; g < outputs; g++) lines.push(`sfO${g}(${vec(g)});`);
  lines.push(`return ${vec(0)};`);
  return `function (${args.join(', ')}) {\n${lines.join('\n')}\n}`;
};

/** Source of the host-state upload kernel: packs up to 4 arrays into one RGBA output. */
const packSource = (count: number): string =>
  `function (${Array.from({ length: count }, (_, j) => `a${j}`).join(', ')}) {\n  return [${[0, 1, 2, 3]
    .map((j) => (j < count ? `a${j}[this.thread.x]` : '0'))
    .join(', ')}];\n}`;

/**
 * Source of the kernel that turns a neuron block's RGBA outputs into its dense output `[T·M]`
 * on the device (spikes unpacked from their words), for a following linear map.
 */
const unpackSource = (layout: NeuronLayout): string => {
  const { S, packed, perStep, outputs } = layout;
  const lines = [
    'const sfIdx = this.thread.x;',
    'let sfT = Math.floor(sfIdx / sfM);',
    'let sfN = sfIdx - sfT * sfM;',
    'if (sfN < 0) { sfT = sfT - 1; sfN = sfN + sfM; }',
    'if (sfN > sfM - 0.5) { sfT = sfT + 1; sfN = sfN - sfM; }',
  ];
  if (packed) {
    lines.push(
      `const sfWord = Math.floor(sfT / ${BITS_PER_WORD});`,
      `const sfBit = sfT - sfWord * ${BITS_PER_WORD};`,
      `const sfSlot = ${S} + sfWord;`,
    );
  } else {
    lines.push(`const sfSlot = ${S} + sfT * ${perStep};`);
  }
  lines.push('const sfG = Math.floor(sfSlot / 4);', 'const sfC = sfSlot - sfG * 4;', 'let sfV = 0;');
  for (let g = 0; g < outputs; g++) {
    lines.push(
      `if (sfG > ${g - 0.5} && sfG < ${g + 0.5}) { const sfA${g} = sfO${g}[sfN]; sfV = sfC < 0.5 ? sfA${g}[0] : (sfC < 1.5 ? sfA${g}[1] : (sfC < 2.5 ? sfA${g}[2] : sfA${g}[3])); }`,
    );
  }
  if (packed) {
    lines.push(
      'let sfP = 1;',
      `for (let sfB = 0; sfB < ${BITS_PER_WORD}; sfB++) { if (sfB < sfBit) { sfP = sfP * 2; } }`,
      'const sfQ = Math.floor(sfV / sfP);',
      'return sfQ - 2 * Math.floor(sfQ / 2);',
    );
  } else {
    lines.push('return sfV;');
  }
  const args = [...Array.from({ length: outputs }, (_, g) => `sfO${g}`), 'sfM'];
  return `function (${args.join(', ')}) {\n${lines.join('\n')}\n}`;
};

/** Source of the dense product: one thread per output element `(r, o)` of `[R, O]`, summing k upward. */
const linearSource = (cpu: boolean): string => {
  const f = (e: string): string => (cpu ? `Math.fround(${e})` : `(${e})`);
  return `function (sfX, sfW, sfBias, sfK, sfO) {
  const sfIdx = this.thread.x;
  let sfR = Math.floor(sfIdx / sfO);
  let sfC = sfIdx - sfR * sfO;
  if (sfC < 0) { sfR = sfR - 1; sfC = sfC + sfO; }
  if (sfC > sfO - 0.5) { sfR = sfR + 1; sfC = sfC - sfO; }
  let sfAcc = 0;
  for (let k = 0; k < sfK; k++) {
    sfAcc = ${f(`sfAcc + ${f('sfX[sfR * sfK + k] * sfW[sfC * sfK + k]')}`)};
  }
  return ${f('sfAcc + sfBias[sfC]')};
}`;
};

interface State {
  readonly requested: GpuMode;
  gpu: GpuJsInstance | undefined;
  mode: Exclude<GpuMode, 'auto'> | undefined;
  description: BackendDescription | undefined;
  readonly neuronKernels: WeakMap<NeuronKernel, Map<string, GpuJsKernel>>;
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
interface OutputCopy {
  readonly backend: Backend;
  readonly objs: readonly unknown[];
  readonly layout: NeuronLayout;
  readonly T: number;
  readonly M: number;
  readonly alive: () => boolean;
  readonly release: () => void;
}

const outputCopies = new WeakMap<Tensor, OutputCopy>();

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
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new SpikeflowError('createGpuBackend', key, `${key} must be a positive integer, received ${show(v)}`);
    }
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

const internals = new WeakMap<Backend, State>();

const stateOf = (b: Backend): State => {
  const st = internals.get(b);
  if (st === undefined) throw new SpikeflowError('gpu', 'backend', `backend ${show(b.name)} was not created by createGpuBackend`);
  return st;
};

const resolvedMode = (st: State): Exclude<GpuMode, 'auto'> => {
  if (st.mode === undefined) st.mode = st.requested === 'auto' ? autoMode() : st.requested;
  return st.mode;
};

const describe = (st: State): BackendDescription => {
  if (st.description !== undefined) return st.description;
  const mode = resolvedMode(st);
  const cls = kernelClass(mode);
  const gl = mode === 'cpu' || mode === 'webasm' ? undefined : cls.isSupported ? cls.testContext : undefined;
  const renderer = rendererOf(gl);
  const accelerated = gl !== undefined && renderer !== undefined && !SOFTWARE_RENDERER.test(renderer);
  st.description = Object.freeze({ backend: 'gpu', device: mode, renderer, accelerated });
  return st.description;
};

const gpuOf = (st: State): GpuJsInstance => {
  if (st.gpu === undefined) st.gpu = new gpuJs.GPU({ mode: resolvedMode(st) });
  return st.gpu;
};

const isCpuMode = (st: State): boolean => resolvedMode(st) === 'cpu' || resolvedMode(st) === 'webasm';

const maxOutputsOf = (st: State): number => {
  if (st.options.maxOutputs !== undefined) return st.options.maxOutputs;
  if (isCpuMode(st)) return 8;
  const channels = kernelClass(resolvedMode(st)).features?.channelCount ?? 4;
  return Math.max(1, Math.min(8, channels));
};

const maxInputFloatsOf = (st: State): number => {
  const cap = st.options.maxInputFloats ?? 2 ** 26;
  if (isCpuMode(st)) return cap;
  const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
  return Math.min(cap, 4 * side * side);
};

/** Executed mode of a kernel after a call, and gpu.js's fallback reason when it fell back. */
const executed = (st: State, k: GpuJsKernel): { device: string; note?: string | undefined } => {
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

const release = (st: State, o: unknown): void => {
  if (st.held.delete(o)) (o as Texture).delete();
};

const held = (st: State, o: unknown): unknown => {
  if (isTexture(o)) st.held.add(o);
  return o;
};

const isLive = (st: State, o: unknown): boolean => !isTexture(o) || st.held.has(o);

const argType = (v: unknown): string => (typeof v === 'number' ? 'Float' : gpuJs.utils.getVariableType(v, false));

const neuronKernelFor = (st: State, k: NeuronKernel, layout: NeuronLayout, M: number, values: readonly unknown[]): GpuJsKernel => {
  let byKey = st.neuronKernels.get(k);
  if (byKey === undefined) {
    byKey = new Map();
    st.neuronKernels.set(k, byKey);
  }
  const nIn = k.inputs.length + layout.stateOutputs;
  const types = values.map((v, j) => (j >= nIn && j < nIn + 3 ? 'Integer' : j < nIn ? argType(v) : 'Float'));
  const key = `${M}|${layout.outputs}|${layout.steps}|${layout.packed}|${layout.perStep}|${types.join(',')}`;
  let kernel = byKey.get(key);
  if (kernel === undefined) {
    const cpu = isCpuMode(st);
    const source = neuronKernelSource(k, layout, cpu);
    const names = source.slice(source.indexOf('(') + 1, source.indexOf(')')).split(', ');
    const settings = {
      output: [M],
      returnType: 'Array(4)',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: layout.steps,
      dynamicArguments: true,
      argumentTypes: Object.fromEntries(names.map((n, j) => [n, types[j]])),
    };
    const subs = Object.fromEntries(
      Array.from({ length: layout.outputs - 1 }, (_, g) => [`sfO${g + 1}`, `function sfO${g + 1}(a) { return a; }`]),
    );
    const gpu = gpuOf(st);
    kernel = layout.outputs === 1 ? gpu.createKernel(source, settings) : gpu.createKernelMap(subs, source, settings);
    byKey.set(key, kernel);
  }
  return kernel;
};

const otherKernel = (st: State, key: string, make: (gpu: GpuJsInstance) => GpuJsKernel): GpuJsKernel => {
  let kernel = st.otherKernels.get(key);
  if (kernel === undefined) {
    kernel = make(gpuOf(st));
    st.otherKernels.set(key, kernel);
  }
  return kernel;
};

/** Uploads host state arrays (kernel order) into RGBA state outputs. */
const uploadState = (st: State, arrays: readonly TensorData[], M: number): unknown[] => {
  const out: unknown[] = [];
  for (let g = 0; g < arrays.length; g += 4) {
    const group = arrays.slice(g, g + 4);
    const pack = otherKernel(st, `pack|${group.length}|${M}`, (gpu) =>
      gpu.createKernel(packSource(group.length), {
        output: [M],
        returnType: 'Array(4)',
        precision: 'single',
        tactic: 'precision',
        pipeline: true,
        immutable: true,
        argumentTypes: Object.fromEntries(group.map((_, j) => [`a${j}`, 'Array'])),
      }),
    );
    st.uploaded += group.length * M;
    out.push(held(st, pack(...group.map((a) => (a instanceof Float32Array ? a : Float32Array.from(a))))));
  }
  return out;
};

/** Splits kernel-map results into the list of outputs (result first). */
const outputsOf = (res: unknown, count: number): unknown[] => {
  if (count === 1) return [res];
  const r = res as Record<string, unknown>;
  return [r.result, ...Array.from({ length: count - 1 }, (_, g) => r[`sfO${g + 1}`])];
};

/** A device state: the state outputs of the last block, read back on demand. */
const stateStorage = (
  st: State,
  owner: object,
  objs: readonly unknown[],
  S: number,
  M: number,
): DeviceStorage & { objs: readonly unknown[] } => {
  let released = false;
  return {
    owner,
    objs,
    read: () => {
      const raw = objs.map((o) => rgbaOf(st, o, M));
      return Array.from({ length: S }, (_, s) => {
        const src = raw[s >> 2] as Float32Array;
        const c = s & 3;
        const a = new Float32Array(M);
        for (let n = 0; n < M; n++) a[n] = src[4 * n + c] as number;
        return a;
      });
    },
    release: () => {
      if (released) return;
      released = true;
      for (const o of objs) release(st, o);
    },
  };
};

const statesFromStorage = new WeakMap<DeviceStorage, readonly unknown[]>();

const unsupportedNeuron = (st: State, r: NeuronRunRequest): true | string => {
  if (r.dtype !== 'float32') return `${r.dtype} is not supported (gpu.js computes in single precision; use float32 or the js backend)`;
  if (r.recurrent !== undefined)
    return 'recurrent models need a matrix product between every two steps, which a fused gpu kernel cannot do';
  if (r.stateNames.length !== r.kernel.state.length) return 'the model has state outside its kernel';
  if (r.kernel.inputs.length !== 1) return `a feed-forward kernel reads one input, ${r.kernel.name} reads ${r.kernel.inputs.length}`;
  if (!isCpuMode(st)) {
    const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
    if (r.M > side * side) return `${r.M} neurons exceed the largest texture (${side}×${side})`;
  }
  const plan = planNeuron(r.kernel.state.length, r.binaryOutput, r.record, maxOutputsOf(st), 1);
  if (typeof plan === 'string') return plan;
  for (const t of Object.values(r.state)) {
    const g = deviceGroupOf(t);
    if (g !== undefined && !g.onDevice && !g.onHost) return 'the state was consumed by an earlier run';
  }
  return true;
};

const runNeuron = (backend: Backend, r: NeuronRunRequest): NeuronRunResult => {
  const st = stateOf(backend);
  const { kernel, T, M, stateShape, stateNames, kernelState } = r;
  const S = kernel.state.length;
  if (T === 0 || M === 0) {
    const copy = Object.fromEntries(stateNames.map((n) => [n, fromTypedArray(Float32Array.from((r.state[n] as Tensor).data), stateShape)]));
    const empty = Object.fromEntries(stateNames.map((n) => [n, fromTypedArray(new Float32Array(0), [T, ...stateShape])]));
    return {
      out: fromTypedArray(new Float32Array(0), [T, ...stateShape]),
      state: Object.freeze(copy),
      recorded: r.record ? empty : undefined,
    };
  }

  // Input: a device tensor of this backend (a linear map's result) is read in place; else host data.
  const inGroup = deviceGroupOf(r.input);
  const inStorage = inGroup?.peek(backend);
  const inDevice = inStorage === undefined ? undefined : (statesFromStorage.get(inStorage)?.[0] as unknown);
  const hostIn = inDevice === undefined ? (r.input.data as Float32Array) : undefined;
  const stepsCap = inDevice === undefined ? Math.max(1, Math.floor(maxInputFloatsOf(st) / M)) : T;
  // Blocks are planned for T rounded up to a power of two, so chunks of varying length share kernels.
  const bucket = 2 ** Math.ceil(Math.log2(T));
  const layout = planNeuron(S, r.binaryOutput, r.record, maxOutputsOf(st), Math.min(bucket, stepsCap)) as NeuronLayout;

  // State: a device state of this backend is consumed; a host state is uploaded.
  const first = deviceGroupOf(r.state[stateNames[kernelState[0] as number] as string]);
  const sameGroup = first !== undefined && kernelState.every((k) => deviceGroupOf(r.state[stateNames[k] as string]) === first);
  const taken = sameGroup ? first.take(backend, r.where) : undefined;
  let stateObjs: unknown[] = taken === undefined ? [] : [...(statesFromStorage.get(taken) ?? [])];
  let ownedPrev: DeviceStorage | undefined = taken;
  if (taken === undefined) {
    stateObjs = uploadState(
      st,
      kernel.state.map((_, j) => (r.state[stateNames[kernelState[j] as number] as string] as Tensor).data),
      M,
    );
  }

  // The layer's previous output copy is no longer needed (its state outputs belong to the state).
  st.neuronOutputs.get(r.owner)?.release();
  const singleBlock = T <= layout.steps;
  let copyObjs: unknown[] | undefined;

  const out = new Float32Array(T * M);
  const rec = r.record ? kernel.state.map(() => new Float32Array(T * M)) : undefined;
  let device = '';
  let note: string | undefined;
  const words = new Int32Array(M);

  try {
    for (let t0 = 0; t0 < T; t0 += layout.steps) {
      const B = Math.min(layout.steps, T - t0);
      // Host input: exactly this block's steps (the kernel takes inputs of any length).
      const xArg: unknown = hostIn === undefined ? inDevice : hostIn.subarray(t0 * M, (t0 + B) * M);
      if (hostIn !== undefined) st.uploaded += B * M;
      const values: unknown[] = [...kernel.inputs.map(() => xArg), ...stateObjs, M, inDevice === undefined ? 0 : t0, B, ...r.params, r.dt];
      const k = neuronKernelFor(st, kernel, layout, M, values);
      const outs = outputsOf(k(...values), layout.outputs).map((o) => held(st, o));
      ({ device, note } = executed(st, k));

      // Read the block's outputs back (spikes packed 24 to a float) and unpack them.
      const raw = outs.map((o) => rgbaOf(st, o, M));
      const column = (slot: number): [Float32Array, number] => [raw[slot >> 2] as Float32Array, slot & 3];
      if (layout.packed) {
        for (let w = 0; w * BITS_PER_WORD < B; w++) {
          const [src, c] = column(S + w);
          for (let n = 0; n < M; n++) words[n] = (src[4 * n + c] as number) | 0;
          const bits = Math.min(BITS_PER_WORD, B - w * BITS_PER_WORD);
          for (let b = 0; b < bits; b++) {
            const row = out.subarray((t0 + w * BITS_PER_WORD + b) * M, (t0 + w * BITS_PER_WORD + b + 1) * M);
            for (let n = 0; n < M; n++) row[n] = ((words[n] as number) >> b) & 1;
          }
        }
      } else {
        for (let t = 0; t < B; t++) {
          const targets: Float32Array[] = [out, ...(rec ?? [])];
          targets.forEach((dst, j) => {
            const [src, c] = column(floatSlot(layout, t, j));
            const row = dst.subarray((t0 + t) * M, (t0 + t + 1) * M);
            for (let n = 0; n < M; n++) row[n] = src[4 * n + c] as number;
          });
        }
      }

      // Free what is no longer needed: the previous state, and this block's non-state outputs.
      if (ownedPrev !== undefined) ownedPrev.release();
      else for (const o of stateObjs) release(st, o);
      ownedPrev = undefined;
      if (singleBlock) copyObjs = outs;
      else for (const o of outs.slice(layout.stateOutputs)) release(st, o);
      stateObjs = outs.slice(0, layout.stateOutputs);
    }
  } catch (e) {
    if (ownedPrev !== undefined) ownedPrev.release();
    else for (const o of stateObjs) release(st, o);
    if (e instanceof SpikeflowError) throw e;
    throw new SpikeflowError(
      r.where,
      'backend',
      `gpu.js (${resolvedMode(st)}) failed to run ${kernel.name}: ${e instanceof Error ? e.message : show(e)}`,
    );
  }

  const storage = stateStorage(st, backend, stateObjs, S, M);
  statesFromStorage.set(storage, stateObjs);
  const group = new DeviceGroup(
    storage,
    kernel.state.map(() => stateShape),
    'state',
  );
  const byModel = (arrays: readonly Tensor[]): Readonly<Record<string, Tensor>> =>
    Object.freeze(Object.fromEntries(kernel.state.map((_, j) => [stateNames[kernelState[j] as number] as string, arrays[j] as Tensor])));
  const outTensor = fromTypedArray(out, [T, ...stateShape]);
  if (copyObjs !== undefined) {
    const objs = copyObjs;
    const copy: OutputCopy = {
      backend,
      objs,
      layout,
      T,
      M,
      alive: () => objs.every((o) => isLive(st, o)),
      release: () => {
        for (const o of objs.slice(layout.stateOutputs)) release(st, o);
      },
    };
    outputCopies.set(outTensor, copy);
    st.neuronOutputs.set(r.owner, copy);
  }
  return {
    out: outTensor,
    state: byModel(group.tensors),
    recorded: rec === undefined ? undefined : byModel(rec.map((a) => fromTypedArray(a, [T, ...stateShape]))),
    executed: { device, note },
  };
};

/** The gpu.js fused neuron run: feed-forward models, float32. */
export const gpuNeuronRun: KernelConfig<'neuronRun'> = {
  kernelName: 'neuronRun',
  backendName: 'gpu',
  supports: (r, b) => unsupportedNeuron(stateOf(b), r),
  run: (r, b) => runNeuron(b, r),
};

const unsupportedLinear = (r: LinearRequest): true | string => {
  if (!(r.x.data instanceof Float32Array) && deviceGroupOf(r.x) === undefined)
    return 'float64 is not supported (use float32 or the js backend)';
  // Indices are computed in float32 on GL: keep them exact.
  if (r.rows * r.K >= 2 ** 24 || r.O * r.K >= 2 ** 24 || r.rows * r.O >= 2 ** 24)
    return 'the product is too large for exact float32 indexing (2²⁴ elements)';
  return true;
};

const runLinear = (backend: Backend, r: LinearRequest): LinearResult => {
  const st = stateOf(backend);
  const { rows, K, O } = r;
  const shape = [...r.x.shape.slice(0, -1), O];
  const previous = st.linearOutputs.get(r.owner);
  const inGroup = deviceGroupOf(r.x);
  const inStorage = inGroup?.peek(backend);
  // A neuron layer's output still on this device is unpacked there instead of uploaded.
  const copy = outputCopies.get(r.x);
  const dense = copy !== undefined && copy.backend === backend && copy.alive() && copy.T * copy.M < 2 ** 24 ? unpack(st, copy) : undefined;
  const x = dense ?? (inStorage === undefined ? (r.x.data as Float32Array) : statesFromStorage.get(inStorage)?.[0]);
  const bias = r.bias === undefined ? new Float32Array(O) : Float32Array.from(r.bias.data);
  const values = [x, Float32Array.from(r.weight.data), bias, K, O];
  st.uploaded += O * K + O + (x === r.x.data ? rows * K : 0);
  const types = [argType(x), 'Array', 'Array', 'Integer', 'Integer'];
  const key = `linear|${rows}|${K}|${O}|${types.join(',')}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(linearSource(isCpuMode(st)), {
      output: [rows * O],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: Math.max(1, K),
      argumentTypes: { sfX: types[0], sfW: 'Array', sfBias: 'Array', sfK: 'Integer', sfO: 'Integer' },
    }),
  );
  const y = held(st, k(...values));
  if (dense !== undefined) release(st, dense);
  // The previous output of this layer is retired now (copied to the host first if unread).
  if (previous !== undefined && previous !== inGroup) previous.retire('the next call of its linear layer');
  const storage: DeviceStorage = {
    owner: backend,
    read: () => [floatsOf(st, y, rows * O)],
    release: () => release(st, y),
  };
  statesFromStorage.set(storage, [y]);
  const group = new DeviceGroup(storage, [shape], 'output');
  st.linearOutputs.set(r.owner, group);
  return { out: group.tensors[0] as Tensor, executed: executed(st, k) };
};

/** Runs the unpack kernel of a neuron output copy: a dense `[T·M]` device array. */
const unpack = (st: State, copy: OutputCopy): unknown => {
  const { layout, T, M, objs } = copy;
  const types = objs.map(argType);
  const key = `unpack|${T}|${M}|${layout.S}|${layout.packed}|${layout.perStep}|${layout.outputs}|${types.join(',')}`;
  const k = otherKernel(st, key, (gpu) =>
    gpu.createKernel(unpackSource(layout), {
      output: [T * M],
      returnType: 'Number',
      precision: 'single',
      tactic: 'precision',
      pipeline: true,
      immutable: true,
      loopMaxIterations: BITS_PER_WORD,
      argumentTypes: Object.fromEntries([...objs.map((_, g) => [`sfO${g}`, types[g]]), ['sfM', 'Integer']]),
    }),
  );
  return held(st, k(...objs, M));
};

/** The gpu.js linear map (float32, result kept on the device for the next layer). */
export const gpuLinear: KernelConfig<'linear'> = {
  kernelName: 'linear',
  backendName: 'gpu',
  supports: (r) => unsupportedLinear(r),
  run: (r, b) => runLinear(b, r),
};

/** The device a gpu backend's last kernel ran on (for reports). */
export const describeGpu = (b: Backend): BackendDescription => describe(stateOf(b));
