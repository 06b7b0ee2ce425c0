/**
 * A chart's live view on a page: a `div.spikeflow-chart` holding a canvas (dense marks) under an
 * SVG (axes, labels, sparse marks), redrawn at most once per animation frame while data arrive.
 * @module
 */
import { select } from 'd3';
import { SpikeflowError } from '../ops/errors.js';
import { resolveTarget } from './checks.js';
import type { ChartData } from './dataPath.js';
import { SVG_NS } from './document.js';
import { chromeOf, drawingOf, plotSize } from './figure.js';
import { type ChromeOptions, renderChrome } from './render.js';
import type { AttachTarget, ChartSettings, Drawing } from './types.js';

/** `requestAnimationFrame`, or undefined outside a browser. */
export const animationFrame = (): ((cb: () => void) => unknown) | undefined => {
  const r = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame;
  return r === undefined ? undefined : (cb) => r.call(globalThis, cb);
};

/** Everything of a drawing and its chrome that the SVG shows, bar the marks, as a string: equal strings, equal SVGs. */
const chromeKey = (d: Drawing, c: ChromeOptions): string =>
  JSON.stringify([
    d.x.domain(),
    d.x.range(),
    d.y.domain(),
    d.y.range(),
    d.xTicks,
    d.yTicks,
    d.xLabel,
    d.yLabel,
    d.legend,
    d.attributes,
    c.title,
    c.error,
    c.width,
    c.height,
    c.margin,
    c.renderer,
  ]);

/**
 * The live view of one chart; `data()` and `settings()` read the chart's current ones.
 * @throws SpikeflowError (`target`, from the constructor) for a target that is not an element, or outside a browser
 *   (no `requestAnimationFrame`)
 */
export class LiveView {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: SVGSVGElement;
  private scheduled = false;
  /** Frames drawn so far (`data-frames` on the root). */
  private frames = 0;
  /** The sizes last written to the root and canvas. */
  private layout = '';
  private ctx: CanvasRenderingContext2D | null | undefined;
  /** What the SVG shows (see {@link chromeKey}) when the marks are on the canvas, else undefined. */
  private chrome: string | undefined;
  private yFormat: Drawing['yFormat'];

  /**
   * Appends the view to `target`.
   * @throws SpikeflowError when `target` is not an element or there is no `requestAnimationFrame`
   */
  constructor(
    private readonly kind: string,
    target: AttachTarget,
    private readonly data: () => ChartData,
    private readonly settings: () => ChartSettings,
  ) {
    const container = resolveTarget(kind, target);
    if (animationFrame() === undefined) {
      throw new SpikeflowError(kind, 'target', 'live drawing needs requestAnimationFrame (a browser); use toSVG() in Node');
    }
    const doc = container.ownerDocument;
    const root = doc.createElement('div');
    root.className = `spikeflow-chart spikeflow-${kind}`;
    root.style.position = 'relative';
    const canvas = doc.createElement('canvas');
    canvas.style.position = 'absolute';
    const svg = doc.createElementNS(SVG_NS, 'svg') as SVGSVGElement;
    svg.style.position = 'absolute';
    svg.style.left = '0';
    svg.style.top = '0';
    root.append(canvas, svg);
    container.appendChild(root);
    this.root = root;
    this.canvas = canvas;
    this.svg = svg;
  }

  /** Removes the view from the page. */
  remove(): void {
    this.root.remove();
  }

  /** Schedules a draw at the next animation frame (once, however often it is called). */
  schedule(): void {
    if (this.scheduled) return;
    const r = animationFrame();
    if (r === undefined) return;
    this.scheduled = true;
    r(() => this.draw());
  }

  /** Drains the data and draws now; errors found while drawing are recorded on the data and shown. */
  draw(): void {
    this.scheduled = false;
    this.frames++;
    const data = this.data();
    const settings = this.settings();
    const { root, canvas, svg } = this;
    try {
      data.flush();
    } catch (e) {
      data.error = e;
    }
    let drawing: Drawing;
    try {
      drawing = drawingOf(data, settings, true);
    } catch (e) {
      data.error = e;
      select(svg).selectAll('*').remove();
      select(svg)
        .append('text')
        .attr('class', 'error')
        .attr('x', 8)
        .attr('y', 16)
        .attr('fill', '#b00020')
        .text(data.errorText() ?? '');
      return;
    }
    const useCanvas = settings.renderer === 'canvas' || (settings.renderer === 'auto' && drawing.marks > settings.svgLimit);
    const m = settings.margin;
    const { width: pw, height: ph } = plotSize(settings);
    const dpr = (globalThis as { devicePixelRatio?: number }).devicePixelRatio ?? 1;
    const layout = `${settings.width}x${settings.height}/${m.left},${m.top}/${dpr}`;
    if (layout !== this.layout) {
      // sizes are written when they change only: a write, even of the same value, costs a style pass
      this.layout = layout;
      root.style.width = `${settings.width}px`;
      root.style.height = `${settings.height}px`;
      canvas.width = Math.max(1, Math.round(pw * dpr));
      canvas.height = Math.max(1, Math.round(ph * dpr));
      canvas.style.left = `${m.left}px`;
      canvas.style.top = `${m.top}px`;
      canvas.style.width = `${pw}px`;
      canvas.style.height = `${ph}px`;
    }
    this.ctx ??= canvas.getContext('2d');
    const ctx = this.ctx;
    try {
      if (ctx !== null) {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        if (useCanvas) drawing.canvas(ctx, dpr);
        ctx.setTransform(1, 0, 0, 1, 0, 0);
      }
      const chrome = chromeOf(this.kind, settings, data, !useCanvas, false, useCanvas ? 'canvas' : 'svg');
      // Marks on canvas and the same scales, labels and legend as the last frame: the SVG stays
      // (a d3 axis redrawn every frame costs a style, layout and paint pass), bar its mark count.
      const key = useCanvas ? chromeKey(drawing, chrome) : undefined;
      if (key !== undefined && key === this.chrome && drawing.yFormat === this.yFormat)
        svg.setAttribute('data-marks', String(drawing.marks));
      else renderChrome(select(svg), drawing, chrome);
      this.chrome = key;
      this.yFormat = drawing.yFormat;
    } catch (e) {
      data.error = e;
      this.chrome = undefined;
      renderChrome(select(svg), drawing, chromeOf(this.kind, settings, data, false, false, 'svg'));
    }
    root.dataset.renderer = useCanvas ? 'canvas' : 'svg';
    root.dataset.marks = String(drawing.marks);
    root.dataset.received = String(data.win.received);
    root.dataset.frames = String(this.frames);
  }
}
