/**
 * NIR (Neuromorphic Intermediate Representation) in spikeflow: read and write NIR files (HDF5 via
 * h5wasm, Node and browser), run NIR graphs with a chosen `dt` and discretisation, export
 * spikeflow networks, describe graphs.
 * @module
 */

export { describeNir, formatNirDescription, type NirDescription, type NirNodeDescription } from './describe.js';
export { type NirPart, networkToNir, type ToNirOptions, toNir } from './export.js';
export {
  assertSupported,
  type NirAffine,
  type NirConv,
  type NirCubaLI,
  type NirCubaLIF,
  type NirDelay,
  type NirFlatten,
  type NirGraph,
  type NirI,
  type NirIF,
  type NirInput,
  type NirLI,
  type NirLIF,
  type NirLinear,
  type NirMetadata,
  type NirNode,
  type NirOutput,
  type NirPool,
  type NirScale,
  type NirThreshold,
  nirNeuronTypes,
  nirNodeTypes,
  nirVersion,
  unsupportedNodes,
} from './graph.js';
export { type NirFile, readNir, readNirFile, writeNir } from './hdf5.js';
export {
  compileNir,
  type NirDiscretisation,
  type NirProgram,
  type NirResult,
  type NirRunOptions,
  type NirState,
  nirLayer,
} from './runtime.js';
