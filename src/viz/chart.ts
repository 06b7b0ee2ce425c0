/**
 * The machinery shared by every spikeflow sink (raster, traces, heatmap, rate): d3-style chained
 * accessors, the bounded queue between stream and display, live drawing in a browser at display
 * rate, and rendering to a standalone SVG string in Node.
 *
 * How a sink runs:
 * - `push` (what the sink's RxJS observer and `tap` operator call) picks the tensor from the
 *   stream element, checks its shape, and queues a reference: O(1), no copy, never blocking.
 * - A display frame (`requestAnimationFrame` while attached to a page; `toSVG` in Node) drains
 *   the queue into the sink's store and draws what is there. Many chunks between two frames cost
 *   one drawing, so rendering runs at display rate whatever the stream's rate.
 * - Queue and store hold only the last `window` steps, so memory is bounded by the window.
 *
 * Time: step `k` (counted from the first step the sink received, from 0) is drawn at time `k·dt`,
 * shown in ms (default), s or steps. Chunks are `[T, batch, ...features]` (time first).
 * @module
 */
import { type ScaleLinear, type Selection, scaleLinear, select } from 'd3';
import { type MonoTypeOperatorFunction, type Observer, tap } from 'rxjs';
import type { RunResult } from '../neurons/model.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { isTensor, sameShape, showShape, type Tensor } from '../ops/tensor.js';
import { type BufferStats, ChunkWindow } from './buffer.js';
import { createSVGDocument, SVG_NS, serializeSVG } from './document.js';
import { type ChromeOptions, renderChrome } from './render.js';

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

const DEFAULT_MARGIN: Margin = Object.freeze({ top: 28, right: 16, bottom: 40, left: 56 });

interface DataState {
  win: ChunkWindow;
  store: Store;
  features: readonly number[] | undefined;
  batches: number | undefined;
  error: unknown;
  complete: boolean;
}

interface LiveView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly svg: SVGSVGElement;
  scheduled: boolean;
  /** Frames drawn so far (`data-frames` on the root). */
  frames: number;
}

/** Display units per step and the axis label for a unit. */
export const timeAxis = (unit: PlotTimeUnit, dt: number): TimeAxis =>
  unit === 'ms'
    ? { unit, perStep: dt * 1000, label: 'time (ms)' }
    : unit === 's'
      ? { unit, perStep: dt, label: 'time (s)' }
      : { unit, perStep: 1, label: 'time (step)' };

/** The x scale of a span: step `k` at `k·perStep`, span mapped onto `[0, width]`. */
export const timeScale = (span: StepSpan, time: TimeAxis, width: number): ScaleLinear<number, number> =>
  scaleLinear()
    .domain([span.start * time.perStep, span.end * time.perStep])
    .range([0, width]);

/**
 * Picks the spikes of a stream element: a tensor is taken as it is; a neuron model's run result
 * `[spikes, state, recorded]` gives its spikes.
 */
export const pickOutput = (datum: unknown): Tensor => (Array.isArray(datum) ? (datum[0] as Tensor) : (datum as Tensor));

const checkPositiveInteger = (where: string, argument: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new SpikeflowError(where, argument, `${argument} must be a positive integer, received ${show(v)}`);
  }
  return v;
};

const checkPositive = (where: string, argument: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new SpikeflowError(where, argument, `${argument} must be a finite number > 0, received ${show(v)}`);
  }
  return v;
};

const checkOption = <T extends string>(where: string, argument: string, v: unknown, options: readonly T[]): T => {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new SpikeflowError(where, argument, `${argument} must be one of ${options.map((o) => `'${o}'`).join(', ')}, received ${show(v)}`);
  }
  return v as T;
};

const resolveTarget = (where: string, target: AttachTarget): Element => {
  const node = typeof (target as { node?: unknown }).node === 'function' ? (target as { node(): Element | null }).node() : target;
  if (node === null || typeof node !== 'object' || typeof (node as Element).appendChild !== 'function') {
    throw new SpikeflowError(where, 'target', `target must be a DOM element or a d3 selection of one, received ${show(node)}`);
  }
  return node as Element;
};

/**
 * Builds the shared part of a chart: the callable chart object with the common accessors, its
 * data path and rendering. Chart files add their own accessors to `core.chart`.
 * @param kind - the chart kind
 * @param value - default picker of the tensor from a stream element
 */
export const makeChart = <D>(kind: ChartKind, value: Picker<D>): ChartCore<D> => {
  const where = kind.name;
  let settings: ChartSettings = {
    width: 640,
    height: 300,
    margin: DEFAULT_MARGIN,
    title: '',
    dt: 0.001,
    timeUnit: 'ms',
    window: kind.window ?? 1000,
    timeDomain: 'auto',
    batch: kind.batch ?? 0,
    renderer: 'auto',
    svgLimit: 4000,
  };
  let pick: Picker<D> = value;
  let pickAux: OptionalPicker<D> | undefined;
  let live: LiveView | undefined;

  const newState = (): DataState => ({
    win: new ChunkWindow(settings.window),
    store: kind.store(settings),
    features: undefined,
    batches: undefined,
    error: undefined,
    complete: false,
  });
  let state = newState();

  const checkChunk = (s: DataState, t: unknown, argument: string): Tensor => {
    const x = isTensor(argument, t);
    if (x._tag === 'Left') throw new SpikeflowError(where, argument, x.left.message);
    const chunk = x.right;
    if (chunk.shape.length < 3) {
      throw new SpikeflowError(
        where,
        argument,
        `${argument} must be a chunk [T, batch, ...features], received shape ${showShape(chunk.shape)}`,
      );
    }
    const batches = chunk.shape[1] as number;
    const features = chunk.shape.slice(2);
    if (s.features === undefined) {
      kind.checkFeatures?.(features, settings);
      if (typeof settings.batch === 'number' && settings.batch >= batches) {
        throw new SpikeflowError(where, 'batch', `batch ${settings.batch} is out of range for chunks of ${batches} batch entries`);
      }
      s.features = features;
      s.batches = batches;
    } else if (!sameShape(features, s.features) || batches !== s.batches) {
      throw new SpikeflowError(
        where,
        argument,
        `${argument} shape ${showShape(chunk.shape)} does not match earlier chunks [T, ${s.batches}, ${s.features.join(', ')}]`,
      );
    }
    return chunk;
  };

  const pushInto = (s: DataState, datum: D): void => {
    const main = checkChunk(s, pick(datum), 'chunk');
    let aux: Tensor | undefined;
    const picked = pickAux?.(datum);
    if (picked !== undefined) {
      aux = checkChunk(s, picked, 'spikes');
      if (!sameShape(aux.shape, main.shape)) {
        throw new SpikeflowError(
          where,
          'spikes',
          `spikes shape ${showShape(aux.shape)} does not match values shape ${showShape(main.shape)}`,
        );
      }
    }
    s.win.push(main, aux);
  };

  const flush = (s: DataState): void => s.win.drain((m, a, first) => s.store.ingest(m, a, first));

  const resolveDomain = (liveView: boolean): 'data' | 'window' =>
    settings.timeDomain === 'auto' ? (liveView ? 'window' : 'data') : settings.timeDomain;

  const span = (s: DataState, domain: 'data' | 'window'): StepSpan => {
    const received = s.win.received;
    const start = Math.max(0, received - settings.window);
    const end = domain === 'window' || received === 0 ? start + settings.window : received;
    return { start, end, received };
  };

  const plotSize = (): { width: number; height: number } => {
    const m = settings.margin;
    return { width: Math.max(1, settings.width - m.left - m.right), height: Math.max(1, settings.height - m.top - m.bottom) };
  };

  const drawingOf = (s: DataState, liveView: boolean): Drawing => {
    const domain = resolveDomain(liveView);
    return s.store.draw({ span: span(s, domain), domain, ...plotSize(), time: timeAxis(settings.timeUnit, settings.dt) });
  };

  const errorText = (s: DataState): string | undefined =>
    s.error === undefined ? undefined : `stream error: ${s.error instanceof Error ? s.error.message : String(s.error)}`;

  const chrome = (s: DataState, marks: boolean, standalone: boolean, renderer: string): ChromeOptions => ({
    kind: where,
    width: settings.width,
    height: settings.height,
    margin: settings.margin,
    title: settings.title,
    error: errorText(s),
    marks,
    standalone,
    renderer,
  });

  const renderStandalone = (s: DataState): string => {
    flush(s);
    const document = createSVGDocument();
    const svg = document.createElementNS(SVG_NS, 'svg') as unknown as SVGSVGElement;
    document.body.appendChild(svg);
    renderChrome(select(svg), drawingOf(s, false), chrome(s, true, true, 'svg'));
    return serializeSVG(svg);
  };

  const raf = (): ((cb: () => void) => unknown) | undefined => {
    const r = (globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }).requestAnimationFrame;
    return r === undefined ? undefined : (cb) => r.call(globalThis, cb);
  };

  const drawLive = (): void => {
    if (live === undefined) return;
    live.scheduled = false;
    live.frames++;
    const { root, canvas, svg } = live;
    try {
      flush(state);
    } catch (e) {
      state.error = e;
    }
    let drawing: Drawing;
    try {
      drawing = drawingOf(state, true);
    } catch (e) {
      state.error = e;
      select(svg).selectAll('*').remove();
      select(svg)
        .append('text')
        .attr('class', 'error')
        .attr('x', 8)
        .attr('y', 16)
        .attr('fill', '#b00020')
        .text(errorText(state) ?? '');
      return;
    }
    const useCanvas = settings.renderer === 'canvas' || (settings.renderer === 'auto' && drawing.marks > settings.svgLimit);
    const m = settings.margin;
    const { width: pw, height: ph } = plotSize();
    root.style.width = `${settings.width}px`;
    root.style.height = `${settings.height}px`;
    const dpr = (globalThis as { devicePixelRatio?: number }).devicePixelRatio ?? 1;
    const cw = Math.max(1, Math.round(pw * dpr));
    const chh = Math.max(1, Math.round(ph * dpr));
    if (canvas.width !== cw) canvas.width = cw;
    if (canvas.height !== chh) canvas.height = chh;
    canvas.style.left = `${m.left}px`;
    canvas.style.top = `${m.top}px`;
    canvas.style.width = `${pw}px`;
    canvas.style.height = `${ph}px`;
    const ctx = canvas.getContext('2d');
    try {
      if (ctx !== null) {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        if (useCanvas) drawing.canvas(ctx, dpr);
        ctx.setTransform(1, 0, 0, 1, 0, 0);
      }
      renderChrome(select(svg), drawing, chrome(state, !useCanvas, false, useCanvas ? 'canvas' : 'svg'));
    } catch (e) {
      state.error = e;
      renderChrome(select(svg), drawing, chrome(state, false, false, 'svg'));
    }
    root.dataset.renderer = useCanvas ? 'canvas' : 'svg';
    root.dataset.marks = String(drawing.marks);
    root.dataset.received = String(state.win.received);
    root.dataset.frames = String(live.frames);
  };

  const redraw = (): void => {
    if (live === undefined || live.scheduled) return;
    const r = raf();
    if (r === undefined) return;
    live.scheduled = true;
    r(drawLive);
  };

  const push = (datum: D): void => {
    pushInto(state, datum);
    redraw();
  };

  const attach = (target: AttachTarget): void => {
    const container = resolveTarget(where, target);
    if (raf() === undefined) {
      throw new SpikeflowError(where, 'target', 'live drawing needs requestAnimationFrame (a browser); use toSVG() in Node');
    }
    detach();
    const doc = container.ownerDocument;
    const root = doc.createElement('div');
    root.className = `spikeflow-chart spikeflow-${where}`;
    root.style.position = 'relative';
    const canvas = doc.createElement('canvas');
    canvas.style.position = 'absolute';
    const svg = doc.createElementNS(SVG_NS, 'svg') as SVGSVGElement;
    svg.style.position = 'absolute';
    svg.style.left = '0';
    svg.style.top = '0';
    root.append(canvas, svg);
    container.appendChild(root);
    live = { root, canvas, svg, scheduled: false, frames: 0 };
    redraw();
  };

  const detach = (): void => {
    live?.root.remove();
    live = undefined;
  };

  const chart = ((target: AttachTarget) => {
    attach(target);
    return chart;
  }) as unknown as Chart<D, unknown> & Record<string, unknown>;

  /** A d3-style accessor (see {@link ChartCore.setter}); `clears` resets the data instead of redrawing. */
  const accessor =
    <T>(get: () => T, set: (v: unknown) => void, clears = false) =>
    (...args: unknown[]): unknown => {
      if (args.length === 0) return get();
      set(args[0]);
      if (clears) reset();
      else redraw();
      return chart;
    };

  const reset = (): void => {
    state = newState();
    redraw();
  };

  const update = (patch: Partial<ChartSettings>): void => {
    settings = { ...settings, ...patch };
  };

  Object.assign(chart, {
    width: accessor(
      () => settings.width,
      (v) => update({ width: checkPositive(where, 'width', v) }),
    ),
    height: accessor(
      () => settings.height,
      (v) => update({ height: checkPositive(where, 'height', v) }),
    ),
    margin: accessor(
      () => settings.margin,
      (v) => {
        if (v === null || typeof v !== 'object') throw new SpikeflowError(where, 'margin', `margin must be an object, received ${show(v)}`);
        const next = { ...settings.margin, ...(v as Partial<Margin>) };
        for (const side of ['top', 'right', 'bottom', 'left'] as const) {
          const x = next[side];
          if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
            throw new SpikeflowError(where, 'margin', `margin.${side} must be a finite number >= 0, received ${show(x)}`);
          }
        }
        update({ margin: Object.freeze(next) });
      },
    ),
    title: accessor(
      () => settings.title,
      (v) => {
        if (typeof v !== 'string') throw new SpikeflowError(where, 'title', `title must be a string, received ${show(v)}`);
        update({ title: v });
      },
    ),
    dt: accessor(
      () => settings.dt,
      (v) => update({ dt: checkPositive(where, 'dt', v) }),
    ),
    timeUnit: accessor(
      () => settings.timeUnit,
      (v) => update({ timeUnit: checkOption(where, 'timeUnit', v, ['ms', 's', 'step'] as const) }),
    ),
    window: accessor(
      () => settings.window,
      (v) => {
        update({ window: checkPositiveInteger(where, 'window', v) });
        state = newState();
      },
    ),
    timeDomain: accessor(
      () => settings.timeDomain,
      (v) => update({ timeDomain: checkOption(where, 'timeDomain', v, ['auto', 'data', 'window'] as const) }),
    ),
    batch: accessor(
      () => settings.batch,
      (v) => {
        const ok = (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (v === 'all' && kind.allowAllBatches);
        if (!ok) {
          const expected = kind.allowAllBatches ? "a non-negative integer or 'all'" : 'a non-negative integer';
          throw new SpikeflowError(where, 'batch', `batch must be ${expected}, received ${show(v)}`);
        }
        update({ batch: v as number | 'all' });
        state = newState();
      },
    ),
    renderer: accessor(
      () => settings.renderer,
      (v) => update({ renderer: checkOption(where, 'renderer', v, ['auto', 'svg', 'canvas'] as const) }),
    ),
    svgLimit: accessor(
      () => settings.svgLimit,
      (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
          throw new SpikeflowError(where, 'svgLimit', `svgLimit must be a non-negative integer, received ${show(v)}`);
        }
        update({ svgLimit: v });
      },
    ),
    push: (datum: D) => {
      push(datum);
      return chart;
    },
    clear: () => {
      reset();
      return chart;
    },
    observer: (): Observer<D> => ({
      next: (d: D) => push(d),
      error: (e: unknown) => {
        state.error = e;
        state.complete = true;
        redraw();
      },
      complete: () => {
        state.complete = true;
        redraw();
      },
    }),
    tap: (): MonoTypeOperatorFunction<D> =>
      tap<D>({
        next: (d) => push(d),
        error: (e: unknown) => {
          state.error = e;
          state.complete = true;
          redraw();
        },
        complete: () => {
          state.complete = true;
          redraw();
        },
      }),
    attach: (target: AttachTarget) => {
      attach(target);
      return chart;
    },
    detach: () => {
      detach();
      return chart;
    },
    node: () => live?.root,
    paint: (ctx: CanvasRenderingContext2D, dpr = 1) => {
      flush(state);
      drawingOf(state, true).canvas(ctx, dpr);
      return chart;
    },
    draw: () => {
      drawLive();
      return chart;
    },
    toSVG: (datum?: D): string => {
      if (datum === undefined) return renderStandalone(state);
      const s = newState();
      pushInto(s, datum);
      return renderStandalone(s);
    },
    scales: () => {
      flush(state);
      const d = drawingOf(state, live !== undefined);
      return { x: d.x, y: d.y };
    },
    buffered: (): BufferStats => ({
      received: state.win.received,
      pending: state.win.pending,
      stored: state.store.stored(),
      marks: state.store.marks(),
    }),
    error: () => state.error,
    completed: () => state.complete,
  });

  return {
    chart,
    settings: () => settings,
    setValue: (p) => {
      pick = p;
    },
    getValue: () => pick,
    setAux: (p) => {
      pickAux = p;
    },
    getAux: () => pickAux,
    reset,
    redraw,
    setter: accessor,
  };
};
