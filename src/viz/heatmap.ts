/**
 * 2-D heatmap of spikes or events over a frame: each pixel's sum over the last `window` steps
 * (event cameras; Norse's `plot_spikes_2d` / `plot_heatmap_2d` of a layer laid out as an image).
 *
 * Input chunks are `[T, batch, H, W]`, `[T, batch, C, H, W]` with C = 1 or 2 polarity channels
 * (Tonic's frame layout: channel 0 OFF, channel 1 ON), or `[T, batch, ...]` of any feature shape
 * when `.frame([H, W])` or `.frame([C, H, W])` says how to lay the features out (row-major).
 * With two channels a pixel's value is ON − OFF; with one it is the sum of the values.
 *
 * Colours: when every pixel is ≥ 0, a sequential scale (default inferno) over `[0, max]`; when
 * any is negative (OFF events, signed ±1 events), a diverging scale (default blue–white–red,
 * ON red) over `[-m, m]`, `m` the largest magnitude. `.clip(q)` makes the scale robust: `max` / `m`
 * is then the `q`-quantile of the non-zero magnitudes (e.g. 0.99), so that a few hot pixels do
 * not wash the picture out; larger values saturate (the legend says `≥`). `.max(v)` fixes it.
 * Row 0 is at the top (image convention); x is the column, y the row, both in pixels of the
 * sensor: a cell covers `.pixels()` × `.pixels()` sensor pixels (1 by default; more for a frame
 * pooled into blocks), and the axes count sensor pixels either way.
 * One mark per non-zero pixel. Memory: the events of `window` steps (at most `window·C·H·W`).
 * @module
 */
import { interpolateInferno, interpolateRdBu, scaleLinear, ticks } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { showShape, sizeOf, type Tensor } from '../ops/tensor.js';
import { makeChart } from './chart.js';
import { pickOutput } from './data.js';
import { packColor, px } from './render.js';
import type { Chart, ChartKind, ChartSettings, Drawing, DrawRequest, Picker, Store, StreamChunk } from './types.js';

/** Maps `t` in [0, 1] to a CSS colour (as d3's `interpolate*` functions). */
export type ColorInterpolator = (t: number) => string;

/** The heatmap sink; see the module docs. Accessors chain as in d3. */
export interface Heatmap<D = StreamChunk> extends Chart<D, Heatmap<D>> {
  /** Picks the event tensor from a stream element (default: the tensor, or `[0]` of a run result). */
  value(): Picker<D>;
  value<E = D>(pick: Picker<E>): Heatmap<E>;
  /** Frame layout `[H, W]` or `[C, H, W]` of the features, or undefined to read it from the chunk shape. Setting it clears the chart. */
  frame(): readonly number[] | undefined;
  frame(shape: readonly number[] | undefined): Heatmap<D>;
  /** Colours for non-negative frames (default `d3.interpolateInferno`). */
  interpolator(): ColorInterpolator;
  interpolator(f: ColorInterpolator): Heatmap<D>;
  /** Colours for signed frames, 0 → most negative (default blue–white–red, `t => interpolateRdBu(1 - t)`). */
  diverging(): ColorInterpolator;
  diverging(f: ColorInterpolator): Heatmap<D>;
  /** Fixed top of the colour scale (> 0), or undefined for the data's maximum (default). */
  max(): number | undefined;
  max(v: number | undefined): Heatmap<D>;
  /** Quantile in (0, 1] of the non-zero magnitudes taken as the top of the colour scale (robust scale), or undefined for the maximum (default). */
  clip(): number | undefined;
  clip(q: number | undefined): Heatmap<D>;
  /** Sensor pixels per cell side (a positive integer, default 1): axes are labelled in sensor pixels. */
  pixels(): number;
  pixels(k: number): Heatmap<D>;
}

interface HeatStyle {
  frame: readonly number[] | undefined;
  interpolator: ColorInterpolator;
  diverging: ColorInterpolator;
  max: number | undefined;
  clip: number | undefined;
  pixels: number;
}

/** The `q`-quantile of the non-zero magnitudes of `values` (0 when all are 0). */
export const magnitudeQuantile = (values: ArrayLike<number>, q: number): number => {
  const mags: number[] = [];
  for (let k = 0; k < values.length; k++) {
    const v = Math.abs(values[k] as number);
    if (v !== 0) mags.push(v);
  }
  if (mags.length === 0) return 0;
  mags.sort((a, b) => a - b);
  return mags[Math.min(mags.length - 1, Math.max(0, Math.ceil(q * mags.length) - 1))] as number;
};

/** The `[C, H, W]` layout of a feature shape. */
const layoutOf = (features: readonly number[], frame: readonly number[] | undefined): [number, number, number] => {
  const shape = frame ?? features;
  if (frame !== undefined && sizeOf(frame) !== sizeOf(features)) {
    throw new SpikeflowError(
      'heatmap',
      'frame',
      `frame ${showShape(frame)} holds ${sizeOf(frame)} pixels but chunks have ${sizeOf(features)} features ${showShape(features)}`,
    );
  }
  if (shape.length === 2) return [1, shape[0] as number, shape[1] as number];
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 2)) return [shape[0], shape[1] as number, shape[2] as number];
  throw new SpikeflowError(
    'heatmap',
    frame === undefined ? 'chunk' : 'frame',
    `features must be laid out as [H, W] or [C, H, W] with C = 1 or 2 (set .frame([H, W]) for other shapes), received ${showShape(shape)}`,
  );
};

const EMPTY_I = new Int32Array(0);
const EMPTY_F = new Float32Array(0);

class HeatStore implements Store {
  private readonly capacity: number;
  private readonly index: Int32Array[];
  private readonly values: Float32Array[];
  private readonly stepOf: Float64Array;
  private scratch = EMPTY_I;
  private sums = new Float64Array(0);
  private seen = new Uint8Array(0);
  private layout: [number, number, number] = [1, 1, 1];
  private events = 0;
  private received = 0;
  /** Slots of the ring holding a step (≤ window). */
  private filled = 0;

  constructor(
    private readonly settings: ChartSettings,
    private readonly style: HeatStyle,
  ) {
    this.capacity = settings.window;
    this.index = new Array<Int32Array>(this.capacity).fill(EMPTY_I);
    this.values = new Array<Float32Array>(this.capacity).fill(EMPTY_F);
    this.stepOf = new Float64Array(this.capacity).fill(-1);
  }

  ingest(main: Tensor, _aux: Tensor | undefined, first: number): void {
    const T = main.shape[0] as number;
    const B = main.shape[1] as number;
    const features = main.shape.slice(2);
    this.layout = layoutOf(features, this.style.frame);
    const F = sizeOf(features);
    if (this.scratch.length < F) {
      this.scratch = new Int32Array(F);
      this.sums = new Float64Array(F);
      this.seen = new Uint8Array(F);
    }
    const batches = this.settings.batch === 'all' ? Array.from({ length: B }, (_, k) => k) : [this.settings.batch];
    const d = main.data;
    const sums = this.sums;
    const seen = this.seen;
    for (let t = 0; t < T; t++) {
      let count = 0;
      for (const b of batches) {
        const base = (t * B + b) * F;
        for (let f = 0; f < F; f++) {
          const v = d[base + f] as number;
          if (v === 0) continue;
          if (!Number.isFinite(v)) {
            throw new SpikeflowError('heatmap', 'chunk', `events must be finite, received ${show(v)} at step ${first + t}, feature ${f}`);
          }
          if (seen[f] === 0) {
            seen[f] = 1;
            this.scratch[count++] = f;
          }
          sums[f] = (sums[f] as number) + v;
        }
      }
      const step = first + t;
      const slot = step % this.capacity;
      this.events -= (this.index[slot] as Int32Array).length;
      if (count === 0) {
        this.index[slot] = EMPTY_I;
        this.values[slot] = EMPTY_F;
      } else {
        const idx = this.scratch.slice(0, count);
        const val = new Float32Array(count);
        for (let k = 0; k < count; k++) {
          const f = idx[k] as number;
          val[k] = sums[f] as number;
          sums[f] = 0;
          seen[f] = 0;
        }
        this.index[slot] = idx;
        this.values[slot] = val;
      }
      if ((this.stepOf[slot] as number) < 0) this.filled++;
      this.stepOf[slot] = step;
      this.events += count;
      this.received = step + 1;
    }
  }

  stored(): number {
    return this.filled;
  }

  marks(): number {
    return this.events;
  }

  /** Pixel values `[H·W]` summed over the steps in `[start, end)`. */
  private frameValues(start: number, end: number): Float64Array {
    const [C, H, W] = this.layout;
    const pixels = H * W;
    const out = new Float64Array(pixels);
    const from = Math.max(start, this.received - this.capacity);
    const to = Math.min(end, this.received);
    for (let step = from; step < to; step++) {
      const slot = step % this.capacity;
      if (this.stepOf[slot] !== step) continue;
      const idx = this.index[slot] as Int32Array;
      const val = this.values[slot] as Float32Array;
      for (let k = 0; k < idx.length; k++) {
        const f = idx[k] as number;
        const p = f % pixels;
        const sign = C === 2 && f < pixels ? -1 : 1;
        out[p] = (out[p] as number) + sign * (val[k] as number);
      }
    }
    return out;
  }

  draw(req: DrawRequest): Drawing {
    const { span, width, height } = req;
    const [, H, W] = this.layout;
    const values = this.frameValues(span.start, span.end);
    let lo = 0;
    let hi = 0;
    let active = 0;
    for (const v of values) {
      if (v !== 0) active++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const signed = lo < 0;
    const peak = signed ? Math.max(-lo, hi) : hi;
    const clip = this.style.clip;
    const top = this.style.max ?? (clip === undefined ? peak : magnitudeQuantile(values, clip));
    const m = top > 0 ? top : 1;
    const clipped = peak > m;
    const k = this.style.pixels;
    const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(3));
    const interpolate = signed ? this.style.diverging : this.style.interpolator;
    const t = (v: number): number => Math.min(1, Math.max(0, signed ? (v + m) / (2 * m) : v / m));
    const colorOf = (v: number): string => interpolate(t(v));
    const x = scaleLinear()
      .domain([0, W * k])
      .range([0, width]);
    const y = scaleLinear()
      .domain([0, H * k])
      .range([0, height]);
    const cells: { x: number; y: number; w: number; h: number; fill: string; value: number }[] = [];
    const collect = (): void => {
      for (let p = 0; p < values.length; p++) {
        const v = values[p] as number;
        if (v === 0) continue;
        const r = Math.floor(p / W);
        const c = p % W;
        cells.push({
          x: px(x(c * k)),
          y: px(y(r * k)),
          w: px(x((c + 1) * k) - x(c * k)),
          h: px(y((r + 1) * k) - y(r * k)),
          fill: colorOf(v),
          value: v,
        });
      }
    };
    const intTicks = (n: number, room: number): number[] => ticks(0, n, Math.max(2, Math.floor(room / 40))).filter(Number.isInteger);
    return {
      x,
      y,
      xLabel: 'x (pixel)',
      yLabel: 'y (pixel)',
      xTicks: intTicks(W * k, width),
      yTicks: intTicks(H * k, height),
      marks: active,
      legend: signed
        ? [
            { label: `ON ${clipped ? '≥ ' : ''}${fmt(m)}`, color: colorOf(m) },
            { label: `OFF ${clipped ? '≥ ' : ''}${fmt(m)}`, color: colorOf(-m) },
          ]
        : [{ label: `${clipped ? '≥ ' : 'max '}${fmt(m)}`, color: colorOf(m) }],
      attributes: {
        'data-max': String(m),
        'data-peak': String(peak),
        'data-signed': String(signed),
        'data-frame': `${H}x${W}`,
        'data-pixels': String(k),
      },
      svg: (g) => {
        collect();
        g.selectAll('rect.background')
          .data([colorOf(0)])
          .join('rect')
          .attr('class', 'background')
          .attr('width', px(width))
          .attr('height', px(height))
          .attr('fill', (c) => c);
        const dense = cells.length > this.settings.svgLimit;
        g.selectAll('rect.cell')
          .data(dense ? [] : cells)
          .join('rect')
          .attr('class', 'cell')
          .attr('x', (c) => c.x)
          .attr('y', (c) => c.y)
          .attr('width', (c) => c.w)
          .attr('height', (c) => c.h)
          .attr('fill', (c) => c.fill)
          .attr('data-value', (c) => c.value);
        // Many cells: one path per colour of a 64-level scale (an element per cell would make the
        // SVG large and slow to build), `data-cells` counting the cells of each path.
        const levels = new Map<string, { d: string[]; n: number }>();
        if (dense) {
          for (const c of cells) {
            const fill = colorOf(Math.sign(c.value) * (Math.round(Math.min(1, Math.abs(c.value) / m) * 64) / 64) * m);
            const level = levels.get(fill) ?? { d: [], n: 0 };
            level.d.push(`M${c.x} ${c.y}h${c.w}v${c.h}h${-c.w}z`);
            level.n++;
            levels.set(fill, level);
          }
        }
        g.selectAll('path.cells')
          .data([...levels.entries()])
          .join('path')
          .attr('class', 'cells')
          .attr('fill', ([fill]) => fill)
          .attr('d', ([, l]) => l.d.join(''))
          .attr('data-cells', ([, l]) => l.n);
      },
      canvas: (ctx) => {
        const img = new ImageData(W, H);
        const pixels = new Uint32Array(img.data.buffer);
        const zero = packColor(colorOf(0));
        for (let p = 0; p < values.length; p++) {
          const v = values[p] as number;
          pixels[p] = v === 0 ? zero : packColor(colorOf(v));
        }
        const off =
          typeof OffscreenCanvas === 'function'
            ? new OffscreenCanvas(W, H)
            : Object.assign(ctx.canvas.ownerDocument.createElement('canvas'), { width: W, height: H });
        const octx = off.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (octx === null) return;
        octx.putImageData(img, 0, 0);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(off, 0, 0, ctx.canvas.width, ctx.canvas.height);
      },
    };
  }
}

/**
 * Creates a heatmap sink: `events$.pipe(heatmap().window(50).tap())`; in Node
 * `heatmap().frame([28, 28]).toSVG(spikes)`. Accessors: see {@link Heatmap} and {@link Chart}
 * (`.batch('all')` sums over the batch). Errors: SpikeflowError for invalid accessor values,
 * chunks whose features are not a frame (and no `.frame`), and non-finite events.
 */
export const heatmap = <D = StreamChunk>(): Heatmap<D> => {
  const style: HeatStyle = {
    frame: undefined,
    interpolator: interpolateInferno,
    diverging: (t) => interpolateRdBu(1 - t),
    max: undefined,
    clip: undefined,
    pixels: 1,
  };
  const kind: ChartKind = {
    name: 'heatmap',
    window: 100,
    allowAllBatches: true,
    store: (settings) => new HeatStore(settings, style),
    checkFeatures: (features) => {
      layoutOf(features, style.frame);
    },
  };
  const core = makeChart<D>(kind, pickOutput as Picker<D>);
  const chart = core.chart;
  const { setter } = core;
  const fn = (argument: string) => (v: unknown) => {
    if (typeof v !== 'function') throw new SpikeflowError('heatmap', argument, `${argument} must be a function, received ${show(v)}`);
    return v as ColorInterpolator;
  };
  Object.assign(chart, {
    value: setter(core.getValue, (v) => core.setValue(fn('value')(v) as unknown as Picker<D>)),
    frame: setter(
      () => style.frame,
      (v) => {
        if (v !== undefined && !(Array.isArray(v) && (v.length === 2 || v.length === 3) && v.every((s) => Number.isInteger(s) && s > 0))) {
          throw new SpikeflowError('heatmap', 'frame', `frame must be [H, W] or [C, H, W] of positive integers, received ${show(v)}`);
        }
        style.frame = v === undefined ? undefined : Object.freeze([...(v as number[])]);
      },
      true,
    ),
    interpolator: setter(
      () => style.interpolator,
      (v) => {
        style.interpolator = fn('interpolator')(v);
      },
    ),
    diverging: setter(
      () => style.diverging,
      (v) => {
        style.diverging = fn('diverging')(v);
      },
    ),
    max: setter(
      () => style.max,
      (v) => {
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
          throw new SpikeflowError('heatmap', 'max', `max must be a finite number > 0 or undefined, received ${show(v)}`);
        }
        style.max = v as number | undefined;
      },
    ),
    clip: setter(
      () => style.clip,
      (v) => {
        if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= 1)) {
          throw new SpikeflowError('heatmap', 'clip', `clip must be a quantile in (0, 1] or undefined, received ${show(v)}`);
        }
        style.clip = v as number | undefined;
      },
    ),
    pixels: setter(
      () => style.pixels,
      (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
          throw new SpikeflowError('heatmap', 'pixels', `pixels must be a positive integer, received ${show(v)}`);
        }
        style.pixels = v;
      },
    ),
  });
  return chart as unknown as Heatmap<D>;
};
