/**
 * @deprecated The recurrent model now lives with its family in `lifAdEx.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LIFAdExRecurrentParameters } from './lifAdEx.js';
export { lifAdExRecurrent, lifAdExRecurrentParameterSpecs, lifAdExRecurrentUpdate } from './lifAdEx.js';
