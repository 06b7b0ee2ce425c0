/**
 * The types every spikeflow sink shares: the public chart API ({@link Chart}), settings, what a
 * chart kind provides ({@link ChartKind}, {@link Store}) and what a store draws ({@link Drawing}).
 * Types only: every other file of the chart machinery imports from here, and this file imports
 * nothing of them, so the machinery has no import cycle.
 * @module
 */
import type { ScaleLinear, Selection } from 'd3';
import type { MonoTypeOperatorFunction, Observer } from 'rxjs';
import type { RunResult } from '../neurons/model.js';
import type { Tensor } from '../ops/tensor.js';
import type { BufferStats } from './buffer.js';

/** Unit of the time axis: seconds, milliseconds, or step index. */
export type PlotTimeUnit = 's' | 'ms' | 'step';

/** Where marks are drawn live: `svg` elements, a `canvas`, or `auto` (canvas above {@link Chart.svgLimit} marks). */
export type Renderer = 'auto' | 'svg' | 'canvas';

/**
 * Extent of the time axis: `data` spans the steps held (it grows until the window is full, then
 * slides); `window` always spans `window` steps (an empty plot shows the whole window); `auto`
 * (default) is `window` in a live view (a fixed span that scrolls, like an oscilloscope) and
 * `data` in `toSVG` (a finished run fills the figure).
 */
export type TimeDomain = 'auto' | 'data' | 'window';

/** Space around the plot area, in CSS pixels. */
export interface Margin {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** Steps on display: `[start, end)` in global step indices, and how many steps were received. */
export interface StepSpan {
  readonly start: number;
  readonly end: number;
  readonly received: number;
}

/** Converts steps to display time. */
export interface TimeAxis {
  readonly unit: PlotTimeUnit;
  /** Display units per step (`dt·1000` for ms, `dt` for s, 1 for steps). */
  readonly perStep: number;
  /** Axis label with unit, e.g. `time (ms)`. */
  readonly label: string;
}

/** What a store is asked to draw. */
export interface DrawRequest {
  /** The steps the time axis spans. */
  readonly span: StepSpan;
  /** How the span was chosen (`auto` resolved). */
  readonly domain: 'data' | 'window';
  /** Plot area size, CSS pixels. */
  readonly width: number;
  readonly height: number;
  readonly time: TimeAxis;
}

/** A legend entry. */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
}

/** A chart's drawing of its current store: scales, labels and the marks to put on SVG or canvas. */
export interface Drawing {
  /** Display x units → pixels in the plot area. */
  readonly x: ScaleLinear<number, number>;
  /** Display y units → pixels in the plot area. */
  readonly y: ScaleLinear<number, number>;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Explicit tick values (e.g. integer neuron indices); d3's defaults otherwise. */
  readonly xTicks?: readonly number[];
  readonly yTicks?: readonly number[];
  /** Formats the y tick values (d3's default otherwise). */
  readonly yFormat?: (value: number) => string;
  /** Number of marks the drawing makes (spikes, samples, cells, bars). */
  readonly marks: number;
  readonly legend?: readonly LegendEntry[];
  /** Extra attributes for the root element (`data-*`), e.g. the colour scale's maximum. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Draws the marks as SVG elements into `g` (a data join: call it again to update). */
  svg(g: Selection<SVGGElement, unknown, null, undefined>): void;
  /** Draws the marks on a canvas covering the plot area; `dpr` device pixels per CSS pixel. */
  canvas(ctx: CanvasRenderingContext2D, dpr: number): void;
}

/** The display store of a chart kind: fed with window-cut chunk views, asked for drawings. */
export interface Store {
  /**
   * Takes a chunk view `[T, batch, ...features]` (and `aux` of the same shape) whose first step
   * has global index `first`. Views arrive in order and cover every step of the window.
   * @throws SpikeflowError for values the chart cannot draw (e.g. non-finite spikes)
   */
  ingest(main: Tensor, aux: Tensor | undefined, first: number): void;
  /** Steps held. */
  stored(): number;
  /** Marks held (spikes, events, samples or bins). */
  marks(): number;
  /** Draws the store for the given span. */
  draw(request: DrawRequest): Drawing;
}

/** Settings shared by every chart (read by stores when they are created or draw). */
export interface ChartSettings {
  readonly width: number;
  readonly height: number;
  readonly margin: Margin;
  readonly title: string;
  readonly dt: number;
  readonly timeUnit: PlotTimeUnit;
  readonly window: number;
  readonly timeDomain: TimeDomain;
  readonly batch: number | 'all';
  readonly renderer: Renderer;
  readonly svgLimit: number;
}

/** Something a chart can attach to: a DOM element or a d3 selection of one. */
export type AttachTarget = Element | { node(): Element | null };

/**
 * The API every sink shares. Accessors follow d3: called without an argument they return the
 * current value, with one they set it and return the chart, so calls chain:
 * `raster().window(1000).dt(0.001).timeUnit('ms')`.
 * Calling the chart itself with an element (or `selection.call(chart)`) attaches it for live drawing.
 */
export interface Chart<D, Self> {
  /** Attaches the chart to `target` for live drawing (see {@link Chart.attach}). */
  (target: AttachTarget): Self;
  /** Width of the whole figure in CSS pixels (default 640). */
  width(): number;
  width(px: number): Self;
  /** Height of the whole figure in CSS pixels (default 300). */
  height(): number;
  height(px: number): Self;
  /** Margins around the plot area, CSS pixels (default top 28, right 16, bottom 40, left 56). */
  margin(): Margin;
  margin(m: Partial<Margin>): Self;
  /** Title drawn above the plot (default none). */
  title(): string;
  title(text: string): Self;
  /** Time step in seconds (> 0, default 0.001). */
  dt(): number;
  dt(seconds: number): Self;
  /** Unit of the time axis: `ms` (default), `s` or `step`. */
  timeUnit(): PlotTimeUnit;
  timeUnit(unit: PlotTimeUnit): Self;
  /** Number of most recent steps shown and held (a positive integer, default 1000). Setting it clears the chart. */
  window(): number;
  window(steps: number): Self;
  /** `auto` (default), `data` or `window`: see {@link TimeDomain}. */
  timeDomain(): TimeDomain;
  timeDomain(domain: TimeDomain): Self;
  /** Batch entry drawn (a non-negative integer), or `all` where the chart sums over the batch. Setting it clears the chart. */
  batch(): number | 'all';
  batch(b: number | 'all'): Self;
  /** Live renderer: `auto` (default), `svg` or `canvas`. `toSVG` always makes SVG elements. */
  renderer(): Renderer;
  renderer(r: Renderer): Self;
  /** Most marks drawn as SVG elements by the `auto` renderer (default 4000). */
  svgLimit(): number;
  svgLimit(marks: number): Self;
  /**
   * Feeds one stream element: picks its tensor, checks its shape and queues it (O(1)).
   * @throws SpikeflowError when the picked value is not a tensor `[T, batch, ...]`, its feature
   *   shape differs from earlier chunks, or the batch index is out of range
   */
  push(datum: D): Self;
  /**
   * Advances the chart's clock by `steps` steps without data, as if empty chunks had arrived:
   * e.g. to draw the last window of a long run at its own times, feeding only that window.
   * @throws SpikeflowError when `steps` is not a non-negative integer
   */
  advance(steps: number): Self;
  /** Forgets all data (and any recorded error). */
  clear(): Self;
  /**
   * An RxJS observer feeding the chart: `stream.subscribe(chart.observer())`. Invalid elements
   * throw from `next` (RxJS reports them as unhandled errors); stream errors are recorded and shown.
   */
  observer(): Observer<D>;
  /**
   * An operator that feeds the chart and passes every element on unchanged:
   * `stream.pipe(chart.tap())`. Invalid elements error the stream with a SpikeflowError.
   */
  tap(): MonoTypeOperatorFunction<D>;
  /**
   * Attaches the chart to a container element of a page: it appends a `div.spikeflow-chart`
   * holding a canvas (dense marks) under an SVG (axes, labels, sparse marks), and redraws at most
   * once per animation frame while data arrives. Attaching again moves it.
   * @throws SpikeflowError when there is no `requestAnimationFrame` (not a browser)
   */
  attach(target: AttachTarget): Self;
  /** Removes the live view (data are kept). */
  detach(): Self;
  /** The live view's root element, when attached. */
  node(): HTMLElement | undefined;
  /** Draws now instead of at the next animation frame (live), returns the chart. */
  draw(): Self;
  /**
   * Draws the marks (no axes) on a 2D context whose canvas covers the plot area, as the live
   * view does (`auto` time domain → `window`): for pages, workers (OffscreenCanvas) or tests that
   * manage their own canvas. `dpr` is device pixels per CSS pixel (default 1).
   */
  paint(ctx: CanvasRenderingContext2D, dpr?: number): Self;
  /**
   * Renders to a standalone SVG string (`<svg xmlns=...>`) built with linkedom, in Node or a
   * browser. Without an argument it renders what the chart holds now (a running or finished
   * stream); with one stream element (e.g. a whole run's tensor) it renders that alone and leaves
   * the chart's own data untouched. For several elements use {@link svgFromStream}.
   * @throws SpikeflowError for an invalid element, or values the chart cannot draw
   */
  toSVG(datum?: D): string;
  /** The x and y scales of the current drawing (display units → plot-area pixels): the live view's when attached, else `toSVG`'s. */
  scales(): { readonly x: ScaleLinear<number, number>; readonly y: ScaleLinear<number, number> };
  /** Sizes held, in steps and marks: bounded by the window. */
  buffered(): BufferStats;
  /** The error the stream ended with, or an error found while drawing; undefined if none. */
  error(): unknown;
  /** True once the stream completed. */
  completed(): boolean;
}

/**
 * What a chart takes by default: a chunk `[T, batch, ...]`, or a neuron model's run result
 * `[outputs, state, recorded?]` (as `lif.run(p, dt, { record: true })(xs)` returns).
 */
export type StreamChunk = Tensor | RunResult;

/** Picks a chart's tensor from a stream element. */
export type Picker<D> = (datum: D) => Tensor;

/** Picks an optional companion tensor (e.g. spikes next to voltages); undefined when the element has none. */
export type OptionalPicker<D> = (datum: D) => Tensor | undefined;

/** What a chart kind provides to {@link makeChart}. */
export interface ChartKind {
  /** Name used in messages and CSS classes, e.g. `raster`. */
  readonly name: string;
  /** Default window in steps. */
  readonly window?: number;
  /** Default batch selection. */
  readonly batch?: number | 'all';
  /** Whether `batch('all')` is allowed. */
  readonly allowAllBatches: boolean;
  /** Creates an empty store reading the current settings. */
  store(settings: ChartSettings): Store;
  /** Checks the feature shape of the first chunk (e.g. a heatmap's frame); throws SpikeflowError. */
  checkFeatures?(features: readonly number[], settings: ChartSettings): void;
}

/** Internal handle given to chart files for their own accessors. */
export interface ChartCore<D> {
  /** The public chart object (to return from accessors). */
  readonly chart: Chart<D, unknown> & Record<string, unknown>;
  /** Current settings. */
  settings(): ChartSettings;
  /** Replaces the tensor picker. */
  setValue(pick: Picker<D>): void;
  getValue(): Picker<D>;
  /** Replaces the companion picker (e.g. spikes for traces); undefined for none. */
  setAux(pick: OptionalPicker<D> | undefined): void;
  getAux(): OptionalPicker<D> | undefined;
  /** Clears data (after a setting that changes the store). */
  reset(): void;
  /** Schedules a redraw of the live view. */
  redraw(): void;
  /**
   * A d3-style accessor of a sink's own style: without an argument returns `get()`; with one,
   * calls `set` (which validates and stores it), then clears the data when `clears` (the setting
   * changes the store) or else redraws, and returns the chart.
   */
  setter(get: () => unknown, set: (v: unknown) => void, clears?: boolean): (...args: unknown[]) => unknown;
}
