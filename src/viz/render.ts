/**
 * Drawing helpers shared by the sinks: the figure's chrome (background, title, axes with units,
 * labels, legend, error line) drawn with d3-selection and d3-axis into an SVG element, whether
 * that element is on a page or in linkedom's document; and colour packing for canvas pixels.
 * @module
 */
import { axisBottom, axisLeft, color as d3color, type Selection, select } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { SVG_NS } from './document.js';
import type { Drawing, LegendEntry, Margin } from './types.js';

/** Options of {@link renderChrome}. */
export interface ChromeOptions {
  /** Chart kind, used as a CSS class (`raster`, `traces`, ...). */
  readonly kind: string;
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
  readonly title: string;
  /** A line shown over the plot (e.g. the stream's error), or undefined. */
  readonly error: string | undefined;
  /** Whether to draw the marks as SVG elements (false when a canvas draws them). */
  readonly marks: boolean;
  /** Standalone file: adds a white background. */
  readonly standalone: boolean;
  /** Recorded as `data-renderer` (`svg` or `canvas`). */
  readonly renderer: string;
}

/** Rounds a pixel coordinate to 1/100 px (keeps SVG files small; far below what a screen shows). */
export const px = (v: number): number => Math.round(v * 100) / 100;

/** The child `<tag class=cls>` of `parent`, created (appended) when missing. */
export const child = <E extends Element>(parent: Element, tag: string, cls: string): Selection<E, unknown, null, undefined> => {
  for (const c of Array.from(parent.children)) {
    if (c.localName === tag && c.getAttribute('class') === cls) return select(c as E);
  }
  const el = parent.ownerDocument.createElementNS(SVG_NS, tag);
  el.setAttribute('class', cls);
  parent.appendChild(el);
  return select(el as unknown as E);
};

/**
 * Draws a figure: background (standalone only), title, plot group with marks, x and y axes
 * (d3-axis, with `data-domain` attributes giving each scale's domain), axis labels with units,
 * legend and error line. Calling it again on the same element updates it in place.
 */
export const renderChrome = (svg: Selection<SVGSVGElement, unknown, null, undefined>, d: Drawing, o: ChromeOptions): void => {
  const root = svg.node() as SVGSVGElement;
  const m = o.margin;
  const pw = Math.max(1, o.width - m.left - m.right);
  const ph = Math.max(1, o.height - m.top - m.bottom);
  svg
    .attr('class', `spikeflow ${o.kind}`)
    .attr('width', o.width)
    .attr('height', o.height)
    .attr('viewBox', `0 0 ${o.width} ${o.height}`)
    .attr('font-family', 'sans-serif')
    .attr('font-size', 10)
    .attr('data-renderer', o.renderer)
    .attr('data-marks', d.marks);
  for (const [k, v] of Object.entries(d.attributes ?? {})) svg.attr(k, v);

  if (o.standalone) child<SVGRectElement>(root, 'rect', 'background').attr('width', o.width).attr('height', o.height).attr('fill', 'white');

  const plot = child<SVGGElement>(root, 'g', 'plot').attr('transform', `translate(${m.left},${m.top})`);
  const plotNode = plot.node() as SVGGElement;
  const marks = child<SVGGElement>(plotNode, 'g', 'marks');
  if (o.marks) d.svg(marks);
  else marks.selectAll('*').remove();

  const xTickCount = Math.max(2, Math.floor(pw / 80));
  const yTickCount = Math.max(2, Math.floor(ph / 40));
  const xAxis = axisBottom(d.x).ticks(xTickCount);
  if (d.xTicks !== undefined) xAxis.tickValues(d.xTicks);
  const yAxis = axisLeft(d.y).ticks(yTickCount);
  if (d.yTicks !== undefined) yAxis.tickValues(d.yTicks);
  if (d.yFormat !== undefined) yAxis.tickFormat((v) => (d.yFormat as (v: number) => string)(Number(v)));
  child<SVGGElement>(plotNode, 'g', 'axis x')
    .attr('transform', `translate(0,${ph})`)
    .attr('data-domain', d.x.domain().join(','))
    .call(xAxis);
  child<SVGGElement>(plotNode, 'g', 'axis y').attr('data-domain', d.y.domain().join(',')).call(yAxis);

  child<SVGTextElement>(root, 'text', 'label x')
    .attr('x', m.left + pw / 2)
    .attr('y', o.height - 6)
    .attr('text-anchor', 'middle')
    .text(d.xLabel);
  child<SVGTextElement>(root, 'text', 'label y')
    .attr('transform', `translate(14,${m.top + ph / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(d.yLabel);
  const top = Math.max(12, m.top - 10);
  child<SVGTextElement>(root, 'text', 'title')
    .attr('x', m.left)
    .attr('y', top)
    .attr('text-anchor', 'start')
    .attr('font-size', 12)
    .attr('font-weight', 'bold')
    .text(o.title);

  // The legend sits in the top margin, right-aligned in a row, so that it never covers data.
  const items = d.legend ?? [];
  const widths = items.map((e) => 26 + e.label.length * 6);
  const offsets: number[] = [];
  let x = 0;
  for (let k = items.length - 1; k >= 0; k--) {
    x += widths[k] as number;
    offsets[k] = -x;
  }
  const entries = child<SVGGElement>(root, 'g', 'legend')
    .attr('transform', `translate(${m.left + pw},${top - 4})`)
    .selectAll<SVGGElement, LegendEntry>('g.entry')
    .data(items)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'entry');
      g.append('line').attr('x1', 0).attr('x2', 14).attr('stroke-width', 3);
      g.append('text').attr('x', 18).attr('dy', '0.32em').attr('text-anchor', 'start');
      return g;
    })
    .attr('transform', (_, k) => `translate(${offsets[k]},0)`);
  entries.select('line').attr('stroke', (e) => e.color);
  entries.select('text').text((e) => e.label);

  child<SVGTextElement>(root, 'text', 'error')
    .attr('x', m.left + 6)
    .attr('y', m.top + 14)
    .attr('fill', '#b00020')
    .text(o.error ?? '');
};

const packed = new Map<string, number>();

/**
 * Packs a CSS colour into a 32-bit RGBA pixel as `ImageData` holds it on little-endian machines
 * (all browsers' platforms): `0xAABBGGRR`.
 * @throws SpikeflowError when `c` is not a CSS colour
 */
export const packColor = (c: string): number => {
  const hit = packed.get(c);
  if (hit !== undefined) return hit;
  const parsed = d3color(c);
  if (parsed === null) throw new SpikeflowError('viz', 'color', `color must be a CSS colour, received ${show(c)}`);
  const { r, g, b, opacity } = parsed.rgb();
  const value = ((Math.round(opacity * 255) << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
  if (packed.size > 4096) packed.clear();
  packed.set(c, value);
  return value;
};
