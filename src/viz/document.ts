/**
 * A DOM to build standalone SVG and HTML in, the same in Node and in a browser: the page's own
 * `document.implementation` in a browser; in Node a document factory registered by
 * `./nodeDocument.ts` (linkedom, a small DOM implementation), which the Node build of
 * `spikeflow/viz` imports. Either is driven by d3-selection like a page's DOM. Keeping linkedom
 * out of this module keeps it out of browser bundles.
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';

/** The SVG namespace. */
export const SVG_NS = 'http://www.w3.org/2000/svg';

let factory: (() => Document) | undefined;

/**
 * Sets the factory of fresh documents used where no browser DOM exists (Node).
 * @param make - returns a fresh, empty HTML document whose `body` can hold SVG elements
 */
export const setDocumentFactory = (make: () => Document): void => {
  factory = make;
};

/**
 * A fresh, empty HTML document whose `body` can hold SVG elements.
 * @throws SpikeflowError where there is neither a registered factory nor a browser DOM
 */
export const createSVGDocument = (): Document => {
  if (factory !== undefined) return factory();
  if (typeof document !== 'undefined' && typeof document.implementation?.createHTMLDocument === 'function') {
    return document.implementation.createHTMLDocument('');
  }
  throw new SpikeflowError(
    'viz',
    'document',
    'no DOM to draw in: expected a browser document, or in Node the plots imported from "spikeflow/viz" (whose Node build registers linkedom)',
  );
};

/** Serializes an SVG root element as a standalone SVG string (with its `xmlns`). */
export const serializeSVG = (svg: SVGSVGElement): string => {
  svg.setAttribute('xmlns', SVG_NS);
  return svg.outerHTML;
};
