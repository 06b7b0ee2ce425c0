/**
 * The `gpu` backend: gpu.js kernels, WebGL2 in browsers and headless-gl in Node where the
 * optional native `gl` module is built (else gpu.js's `cpu` mode, which computes the same kernels
 * in JavaScript — useful for tests, never chosen by `auto`).
 *
 * Neuron runs: the model's per-neuron update text ({@link NeuronUpdate}) is compiled by gpu.js
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
 * Network populations (`populationRun`, see `gpu/population.ts`): one gpu.js kernel per network
 * step and population, the state kept on the device; drives, propagation and monitors stay on the
 * CPU. Only by name: `auto` keeps networks on `threads`/`js`.
 *
 * Update runs (`updateRun`, `gpu/updateRun.ts`): training's forward tapes and derived backward
 * steps (reversed) of any update, one thread per neuron and a block of steps per call, float32
 * only, chosen by name (never by `auto`).
 *
 * Arithmetic: single precision. In gpu.js's `cpu` mode the `R(...)` rounding markers become
 * `Math.fround`, so that mode reproduces the `js` float32 backend bit for bit; on GL they are
 * removed (the GPU rounds every operation to float32 itself).
 * @module
 */
export { createGpuBackend, describeGpu, type GpuBackend } from './gpu/backend.js';
export { gpuLinear } from './gpu/linear.js';
export type { GpuMode } from './gpu/modes.js';
export { gpuNeuronRun } from './gpu/neuronRun.js';
export { gpuPopulationRun } from './gpu/population.js';
export { neuronKernelSource } from './gpu/sources.js';
export type { GpuBackendOptions } from './gpu/state.js';
export { gpuUpdateRun } from './gpu/updateRun.js';
export { singlePrecisionUpdate } from './gpu/updateSource.js';
