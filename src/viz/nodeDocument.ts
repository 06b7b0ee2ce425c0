/**
 * Registers linkedom's document as the DOM that plots draw standalone SVG and HTML in where there
 * is no browser DOM (Node). Imported by the Node build of `spikeflow/viz` and by the CLI.
 * @module
 */
import { parseHTML } from 'linkedom';
import { setDocumentFactory } from './document.js';

setDocumentFactory(() => parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document);
