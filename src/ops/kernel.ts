/**
 * Former home of the per-neuron update description, kept so that existing imports keep working:
 * the update is now a {@link NeuronUpdate} (`src/ops/update/`), parsed once by the kernel front
 * end and lowered to every backend. "Kernel" now means only a backend's implementation of an op.
 * @deprecated import from `src/ops/update/index.js` instead
 * @module
 */
import type { DType } from './tensor.js';
import type { NeuronUpdate } from './update/ir.js';
import { type CompiledUpdate, compileUpdate, type UpdateCall, updateSource } from './update/lowerJs.js';

/** @deprecated use {@link NeuronUpdate} */
export type NeuronKernel = NeuronUpdate;
/** @deprecated use {@link UpdateCall} */
export type KernelCall = UpdateCall;
/** @deprecated use {@link CompiledUpdate} */
export type CompiledKernel = CompiledUpdate;
/** @deprecated use `compileUpdate` */
export const compileJs = (update: NeuronUpdate, dtype: DType, recording: boolean): CompiledUpdate =>
  compileUpdate(update, dtype, recording);
/** @deprecated use `updateSource` */
export const kernelSource = (update: NeuronUpdate, dtype: DType, recording: boolean): string => updateSource(update, dtype, recording);
/**
 * Rewrites the `R(...)` rounding markers of an update's text for a dtype.
 * @deprecated print the intermediate form instead: `printBody(irOf(update), 'fround' | 'none')`
 */
export const lowerRounding = (body: string, dtype: DType | 'gpu'): string =>
  body.replace(/(?<![\w$.])R\(/g, dtype === 'float32' ? '$fround(' : '(');
