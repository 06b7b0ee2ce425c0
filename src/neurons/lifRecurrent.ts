/**
 * @deprecated The recurrent model now lives with its family in `lif.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LIFRecurrentParameters } from './lif.js';
export { lifRecurrent, lifRecurrentKernel, lifRecurrentParameterSpecs } from './lif.js';
export { recurrentCurrentJump, recurrentKernel, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';
