/**
 * @deprecated The recurrent model now lives with its family in `lifRefrac.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */
export { lifRefracRecurrent, lifRefracRecurrentUpdate } from './lifRefrac.js';
