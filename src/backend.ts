/**
 * `spikeflow/backend`: the plug-in interface for backend authors (tfjs-core's way). A backend is
 * an object `{ name, priority, autoSelectable, describe }` plus one kernel per op it implements
 * (`neuronRun`, `linear`), each with `supports(request)` (true, or why not) and `run(request)`.
 * Register both when your module is imported; `auto` then considers it by priority. The `js`
 * backend and its kernels are the reference implementation to compare against.
 * @example
 * ```ts
 * import { type Backend, getKernel, registerBackend, registerKernel } from 'spikeflow/backend';
 * const mine: Backend = {
 *   name: 'mine',
 *   priority: 10,
 *   autoSelectable: () => true,
 *   describe: () => ({ backend: 'mine', device: 'cpu', accelerated: false }),
 * };
 * const js = getKernel('linear', 'js');
 * registerBackend(mine);
 * if (js) registerKernel({ ...js, backendName: 'mine' });
 * ```
 * @packageDocumentation
 */

// --- the registry ---
export {
  type Backend,
  type BackendChoice,
  type BackendDescription,
  backendNames,
  type Executed,
  type ExecutionInfo,
  executionOf,
  getBackend,
  getKernel,
  type KernelConfig,
  type KernelName,
  type KernelSignatures,
  type LinearRequest,
  type LinearResult,
  type NeuronRunRequest,
  type NeuronRunResult,
  type RecurrentRequest,
  registerBackend,
  registerKernel,
  type UpdateRunRequest,
  type UpdateRunResult,
  unregisterBackend,
} from './ops/backends/backendRegistry.js';

// --- the reference backend ---
export { jsBackend, jsLinear, jsNeuronRun, jsUpdateRun } from './ops/backends/js.js';

// --- device-resident tensors (results kept on a device between layers) ---
export { DeviceGroup, type DeviceStorage, deviceGroupOf, isDeviceTensor } from './ops/backends/device.js';

// --- the per-neuron update a neuron run executes ---
export { type CompiledKernel, compileJs, type KernelCall, kernelSource, type NeuronKernel } from './ops/kernel.js';
// --- kernel front end: lowering an update (intermediate form → js loop) ---
export { type CompiledUpdate, compileUpdate, type PerNeuronMask, type UpdateCall, updateSource } from './ops/update/lowerJs.js';
export { printBody, printExpr, type RoundingStyle } from './ops/update/print.js';
