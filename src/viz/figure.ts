/**
 * A chart's figure: the plot area inside the margins, the drawing of a chart's data for a span
 * of steps, the chrome options, and the standalone SVG string rendered in linkedom's document.
 * @module
 */
import { select } from 'd3';
import type { ChartData } from './dataPath.js';
import { createSVGDocument, SVG_NS, serializeSVG } from './document.js';
import { type ChromeOptions, renderChrome } from './render.js';
import { timeAxis } from './time.js';
import type { ChartSettings, Drawing } from './types.js';

/** Size of the plot area (figure less margins), CSS pixels, at least 1×1. */
export const plotSize = (settings: ChartSettings): { width: number; height: number } => {
  const m = settings.margin;
  return { width: Math.max(1, settings.width - m.left - m.right), height: Math.max(1, settings.height - m.top - m.bottom) };
};

/** The time domain `auto` resolves to: `window` in a live view, `data` in a finished figure. */
export const resolveDomain = (settings: ChartSettings, liveView: boolean): 'data' | 'window' =>
  settings.timeDomain === 'auto' ? (liveView ? 'window' : 'data') : settings.timeDomain;

/** The store's drawing of what `data` holds (call `data.flush()` first). */
export const drawingOf = (data: ChartData, settings: ChartSettings, liveView: boolean): Drawing => {
  const domain = resolveDomain(settings, liveView);
  return data.store.draw({
    span: data.span(domain),
    domain,
    ...plotSize(settings),
    time: timeAxis(settings.timeUnit, settings.dt),
  });
};

/** Chrome options of a chart named `kind`. */
export const chromeOf = (
  kind: string,
  settings: ChartSettings,
  data: ChartData,
  marks: boolean,
  standalone: boolean,
  renderer: string,
): ChromeOptions => ({
  kind,
  width: settings.width,
  height: settings.height,
  margin: settings.margin,
  title: settings.title,
  error: data.errorText(),
  marks,
  standalone,
  renderer,
});

/**
 * Renders `data` to a standalone SVG string (every mark an SVG element).
 * @throws SpikeflowError for values the chart cannot draw
 */
export const renderStandalone = (kind: string, settings: ChartSettings, data: ChartData): string => {
  data.flush();
  const document = createSVGDocument();
  const svg = document.createElementNS(SVG_NS, 'svg') as unknown as SVGSVGElement;
  document.body.appendChild(svg);
  renderChrome(select(svg), drawingOf(data, settings, false), chromeOf(kind, settings, data, true, true, 'svg'));
  return serializeSVG(svg);
};
