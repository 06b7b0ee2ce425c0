/**
 * @deprecated The recurrent model now lives with its family in `lifEx.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LIFExRecurrentParameters } from './lifEx.js';
export { lifExRecurrent, lifExRecurrentParameterSpecs, lifExRecurrentUpdate } from './lifEx.js';
