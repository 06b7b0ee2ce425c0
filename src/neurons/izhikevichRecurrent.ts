/**
 * @deprecated The recurrent model now lives with its family in `izhikevich.ts` (one model family a
 * file, as Norse); this module only re-exports it and will be removed.
 * @module
 */

export type { IzhikevichRecurrentParameters } from './izhikevich.js';
export { izhikevichRecurrent, izhikevichRecurrentParameterSpecs, izhikevichRecurrentUpdate } from './izhikevich.js';
