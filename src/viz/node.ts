/**
 * `spikeflow/viz` in Node: the plots of `./index.ts`, drawing standalone SVG and HTML in
 * linkedom's DOM (registered on import).
 * @packageDocumentation
 */
import './nodeDocument.js';

export * from './index.js';
