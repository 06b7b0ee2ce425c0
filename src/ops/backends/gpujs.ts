/**
 * The one place that imports gpu.js (pinned at 2.24.1, CommonJS, no exports map), with the small
 * structural types spikeflow uses. Under Node, tsx and vitest resolve its CommonJS entry (which
 * loads the optional native `gl` module when it is built); bundlers for the browser pick its UMD
 * `browser` build. Both expose the same names on the default export.
 * @module
 */
import gpujs from 'gpu.js';

/** A gpu.js kernel implementation (the object a run shortcut delegates to). */
export interface GpuJsKernelImpl {
  readonly constructor: { readonly name: string };
  /** Why gpu.js degraded this kernel to its cpu backend, when it did. */
  readonly fallbackReason?: string | null;
  /** The GL context of GL kernels. */
  readonly context?: unknown;
}

/** A callable gpu.js kernel (`createKernel`/`createKernelMap` result). */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  /** The implementation that runs now (changes when gpu.js falls back). */
  readonly kernel: GpuJsKernelImpl;
  destroy(removeCanvasReferences?: boolean): void;
}

/** A gpu.js `GPU` instance. */
export interface GpuJsInstance {
  readonly mode: string;
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  createKernelMap(subKernels: Record<string, string>, source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): unknown;
}

/** A gpu.js kernel class (static capabilities). */
export interface GpuJsKernelClass {
  readonly isSupported: boolean;
  readonly features?: {
    readonly kernelMap?: boolean;
    readonly isFloatRead?: boolean;
    readonly isTextureFloat?: boolean;
    readonly channelCount?: number;
    readonly maxTextureSize?: number;
  };
  readonly testContext?: unknown;
  readonly name: string;
}

/** The parts of the gpu.js module spikeflow uses. */
export interface GpuJsModule {
  readonly GPU: new (settings?: Record<string, unknown>) => GpuJsInstance;
  readonly HeadlessGLKernel: GpuJsKernelClass;
  readonly WebGL2Kernel: GpuJsKernelClass;
  readonly WebGLKernel: GpuJsKernelClass;
  readonly WebAssemblyKernel: GpuJsKernelClass;
  readonly CPUKernel: GpuJsKernelClass;
  readonly utils: { readonly getVariableType: (value: unknown, strictIntegers?: boolean) => string };
}

/** gpu.js, as spikeflow uses it. */
export const gpuJs = gpujs as unknown as GpuJsModule;
