/**
 * @deprecated The recurrent model now lives with its family in `lif.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LIFRecurrentParameters } from './lif.js';
export { lifRecurrent, lifRecurrentParameterSpecs, lifRecurrentUpdate } from './lif.js';
export { recurrentCurrentJump, recurrentUpdate, recurrentWeightSpecs, recurrentWiring } from './recurrent.js';
