/**
 * Registers the built-in backends: `js` (priority 0, always usable) and `gpu` (priority 100,
 * chosen by `auto` only on a hardware WebGL2/headless-gl context). Importing this module (the ops
 * and models do) is enough; other backends register themselves the same way.
 * @module
 */

import { registerBackend, registerKernel } from './backendRegistry.js';
import { createGpuBackend, type GpuBackend, gpuLinear, gpuNeuronRun } from './gpu.js';
import { jsBackend, jsLinear, jsNeuronRun } from './js.js';
// The `threads` backend (worker threads over shared memory, WebAssembly SIMD) registers itself.
import './threadsBackend.js';

/** The registry's `gpu` backend: gpu.js in its best mode here (`createGpuBackend()`). */
export const gpuBackend: GpuBackend = createGpuBackend();

registerBackend(jsBackend);
registerKernel(jsNeuronRun);
registerKernel(jsLinear);
registerBackend(gpuBackend);
registerKernel(gpuNeuronRun);
registerKernel(gpuLinear);
