/**
 * A DOM to build standalone SVG and HTML in, the same in Node and in a browser: linkedom's
 * document (a small DOM implementation), driven by d3-selection like a page's DOM.
 * @module
 */
import { parseHTML } from 'linkedom';

/** The SVG namespace. */
export const SVG_NS = 'http://www.w3.org/2000/svg';

/** A fresh, empty HTML document (linkedom) whose `body` can hold SVG elements. */
export const createSVGDocument = (): Document =>
  parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document;

/** Serializes an SVG root element as a standalone SVG string (with its `xmlns`). */
export const serializeSVG = (svg: SVGSVGElement): string => {
  svg.setAttribute('xmlns', SVG_NS);
  return svg.outerHTML;
};
