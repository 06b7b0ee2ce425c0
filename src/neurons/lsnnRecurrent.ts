/**
 * @deprecated The recurrent model now lives with its family in `lsnn.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LSNNRecurrentParameters } from './lsnn.js';
export { lsnnRecurrent, lsnnRecurrentParameterSpecs, lsnnRecurrentUpdate } from './lsnn.js';
