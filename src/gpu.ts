/**
 * `spikeflow/gpu`: the `gpu` backend — neuron runs and linear maps as gpu.js kernels (WebGL2 in a
 * browser, headless-gl in Node, gpu.js's CPU mode elsewhere), each kernel looping over the time
 * steps of a chunk. Importing this entry registers it (priority 100: `auto` chooses it only on a
 * hardware WebGL2/headless-gl context, and says why it did or did not in `executionOf(...)`).
 * Results stay on the device between layers on the same backend. Network populations
 * (`spikingNetwork({ backend: 'gpu' })`) run one gpu.js kernel per step, only when asked for by name.
 * Training with derived gradients (`trainable(model, p, dt, { backend: 'gpu' })`) runs its forward
 * pass and its reversed backward steps as gpu.js kernels, float32 only, also only by name.
 * @example
 * ```ts
 * import { executionOf, lif, zeros } from 'spikeflow';
 * import { gpuBackend } from 'spikeflow/gpu';
 * const [z] = lif.run({}, 0.001, { backend: 'gpu' })(zeros([100, 1, 64]));
 * console.log(executionOf(z), gpuBackend.describe());
 * ```
 * @packageDocumentation
 */
export { createGpuBackend, describeGpu, type GpuBackend, type GpuBackendOptions, type GpuMode } from './ops/backends/gpu.js';
export { gpuBackend } from './ops/backends/gpuBackend.js';
