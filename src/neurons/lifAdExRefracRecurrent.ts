/**
 * @deprecated The recurrent model now lives with its family in `lifAdExRefrac.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { LIFAdExRefracRecurrentParameters } from './lifAdExRefrac.js';
export { lifAdExRefracRecurrent, lifAdExRefracRecurrentParameterSpecs, lifAdExRefracRecurrentUpdate } from './lifAdExRefrac.js';
