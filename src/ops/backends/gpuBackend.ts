/**
 * The registered `gpu` backend: gpu.js in its best mode here (`createGpuBackend()`), priority 100,
 * chosen by `auto` only on a hardware WebGL2/headless-gl context. Importing this module registers
 * it with its neuron-run, linear, conv, pool, network-population and update-run (training) kernels (`spikeflow/gpu` does).
 * @module
 */

import { registerBackend, registerKernel } from './backendRegistry.js';
import { gpuConv, gpuPool } from './gpu/conv.js';
import { createGpuBackend, type GpuBackend, gpuLinear, gpuNeuronRun, gpuPopulationRun, gpuUpdateRun } from './gpu.js';

/** The registry's `gpu` backend: gpu.js in its best mode here (`createGpuBackend()`). */
export const gpuBackend: GpuBackend = createGpuBackend();

registerBackend(gpuBackend);
registerKernel(gpuNeuronRun);
registerKernel(gpuLinear);
registerKernel(gpuConv);
registerKernel(gpuPool);
registerKernel(gpuPopulationRun);
registerKernel(gpuUpdateRun);
