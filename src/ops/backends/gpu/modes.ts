/**
 * The gpu.js modes the gpu backend may run in, how `auto` picks one, and how the GL renderer is told
 * apart from a software rasterizer.
 * @module
 */
import { type GpuJsKernelClass, gpuJs } from '../gpujs.js';

/** gpu.js modes the gpu backend can be asked for; `auto` takes the best GL context present, else `cpu`. */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

/** Every {@link GpuMode}, for validating the `mode` option. */
export const GPU_MODES: readonly GpuMode[] = ['auto', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** Renderers that draw on the CPU: `auto` does not count them as a GPU (they are slower than the `js` backend). */
export const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;

/** The part of a WebGL context {@link rendererOf} reads. */
export interface GlLike {
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(p: number): unknown;
  readonly RENDERER: number;
}

/**
 * The renderer string of a WebGL context (the unmasked one through `WEBGL_debug_renderer_info`
 * where exposed, e.g. `ANGLE (…SwiftShader…)`), or undefined without a context or when it cannot be read.
 */
export const rendererOf = (gl: unknown): string | undefined => {
  if (gl === null || typeof gl !== 'object' || typeof (gl as GlLike).getParameter !== 'function') return undefined;
  try {
    const g = gl as GlLike;
    const ext = g.getExtension('WEBGL_debug_renderer_info');
    return String(g.getParameter(ext === null ? g.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
  } catch {
    return undefined;
  }
};

/**
 * gpu.js's kernel class of a mode (`HeadlessGLKernel`, `WebGL2Kernel`, `WebGLKernel`, `WebAssemblyKernel`, `CPUKernel`),
 * whose static `isSupported` and `features` tell what the device can do.
 */
export const kernelClass = (mode: Exclude<GpuMode, 'auto'>): GpuJsKernelClass =>
  ({
    headlessgl: gpuJs.HeadlessGLKernel,
    webgl2: gpuJs.WebGL2Kernel,
    webgl: gpuJs.WebGLKernel,
    webasm: gpuJs.WebAssemblyKernel,
    cpu: gpuJs.CPUKernel,
  })[mode];

/**
 * Whether a GL kernel class works here for fused neuron runs: a context exists and can write several
 * outputs (`kernelMap`) and read and store float textures.
 */
export const glMapCapable = (k: GpuJsKernelClass): boolean =>
  k.isSupported && k.features?.kernelMap === true && k.features.isFloatRead === true && k.features.isTextureFloat === true;

/** The mode `auto` resolves to here: a GL context that can write several float outputs, else `cpu`. */
export const autoMode = (): Exclude<GpuMode, 'auto'> => {
  if (glMapCapable(gpuJs.HeadlessGLKernel)) return 'headlessgl';
  if (glMapCapable(gpuJs.WebGL2Kernel)) return 'webgl2';
  if (glMapCapable(gpuJs.WebGLKernel)) return 'webgl';
  return 'cpu';
};

/** Name of the gpu.js mode a kernel implementation runs in. */
export const modeOfImpl = (impl: { readonly constructor: unknown }): string => {
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
