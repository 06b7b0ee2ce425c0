/**
 * The WebAssembly SIMD lowerings (see `wasm/`): the binary encoding (`encoding.ts`), the update's
 * graph with its float32 exactness analysis (`graph.ts`), the code generator (`codegen.ts`) and
 * the hand-written linear map (`linear.ts`).
 * @module
 */
export {
  compileWasmUpdate,
  compileWasmUpdate as compileWasmKernel,
  type WasmRun,
  type WasmUpdateUnsupported,
  type WasmUpdateUnsupported as WasmKernelUnsupported,
} from './wasm/codegen.js';
export type { WasmModule, WasmModule as WasmKernel } from './wasm/encoding.js';
export { linearWasmModule, linearWasmModule as linearWasmKernel } from './wasm/linear.js';
