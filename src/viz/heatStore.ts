/**
 * The heatmap's store: the events of the last `window` steps, sparse per step, summed into a
 * frame when drawn; the live canvas keeps its image, offscreen canvas and colour table from frame
 * to frame. See ./heatmap.ts for the sink.
 * @module
 */
import { scaleLinear, ticks } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { showShape, sizeOf, type Tensor } from '../ops/tensor.js';
import { SVG_NS } from './document.js';
import { packColor, px } from './render.js';
import type { ChartSettings, Drawing, DrawRequest, Store } from './types.js';

/** Maps `t` in [0, 1] to a CSS colour (as d3's `interpolate*` functions). */
export type ColorInterpolator = (t: number) => string;

/** The settings of a heatmap sink that its store reads (set through the accessors: frame shape, colour scales, fixed or clipped maximum, pixel size). */
export interface HeatStyle {
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

/**
 * The `[C, H, W]` layout of a feature shape (or of `frame` when given), C = 1 or 2 (polarities).
 * @throws SpikeflowError (`frame`, `chunk`) when `frame` does not hold the features' count or the shape is not `[H, W]` / `[C, H, W]`
 */
export const layoutOf = (features: readonly number[], frame: readonly number[] | undefined): [number, number, number] => {
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

/** Levels of the canvas colour table (a pixel's colour is the nearest of 1024 along the scale). */
const LUT_LEVELS = 1024;

/** The live canvas's pixels, kept from frame to frame. */
interface Surface {
  readonly image: ImageData;
  readonly pixels: Uint32Array;
  readonly canvas: OffscreenCanvas | HTMLCanvasElement;
}

/**
 * The samples a heatmap sink holds: per step of a ring of `window` steps, the non-zero pixels
 * (flat indices, float32 values), summed over the window and drawn in SVG or on a canvas.
 * @throws SpikeflowError (from `ingest`: `frame`, `chunk`) for a layout that does not fit (see {@link layoutOf}) or non-finite values
 */
export class HeatStore implements Store {
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
  private colors: { interpolate: ColorInterpolator; table: Uint32Array } | undefined;
  private image: Surface | undefined;
  private summed = new Float64Array(0);

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

  /** Pixel values `[H·W]` summed over the steps in `[start, end)` (one buffer, reused by the next call: a drawing is used before the next). */
  private frameValues(start: number, end: number): Float64Array {
    const [C, H, W] = this.layout;
    const pixels = H * W;
    if (this.summed.length !== pixels) this.summed = new Float64Array(pixels);
    const out = this.summed.fill(0);
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

  /** The packed colours of `interpolate` at {@link LUT_LEVELS} evenly spaced `t` in [0, 1] (kept until the interpolator changes). */
  private lut(interpolate: ColorInterpolator): Uint32Array {
    if (this.colors?.interpolate !== interpolate) {
      const table = new Uint32Array(LUT_LEVELS);
      for (let k = 0; k < LUT_LEVELS; k++) table[k] = packColor(interpolate(k / (LUT_LEVELS - 1)));
      this.colors = { interpolate, table };
    }
    return this.colors.table;
  }

  /** A `W × H` image and the canvas it is put on before scaling (kept while the frame's size stays). */
  private surface(ctx: CanvasRenderingContext2D, W: number, H: number): Surface {
    const s = this.image;
    if (s !== undefined && s.image.width === W && s.image.height === H) return s;
    const image = new ImageData(W, H);
    const canvas =
      typeof OffscreenCanvas === 'function'
        ? new OffscreenCanvas(W, H)
        : Object.assign(ctx.canvas.ownerDocument.createElement('canvas'), { width: W, height: H });
    this.image = { image, pixels: new Uint32Array(image.data.buffer), canvas };
    return this.image;
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
        // The cells are built as plain elements, not a d3 join: a join orders its nodes, which in
        // linkedom's DOM costs a walk of the document per node (seconds for a few thousand cells).
        g.selectAll('rect.cell, path.cells').remove();
        const node = g.node() as SVGGElement;
        const doc = node.ownerDocument;
        const add = (tag: string, attributes: Record<string, string | number>): void => {
          const el = doc.createElementNS(SVG_NS, tag);
          for (const key in attributes) el.setAttribute(key, String(attributes[key]));
          node.appendChild(el);
        };
        if (!dense) {
          for (const c of cells)
            add('rect', { class: 'cell', x: c.x, y: c.y, width: c.w, height: c.h, fill: c.fill, 'data-value': c.value });
          return;
        }
        // Many cells: one path per colour of a 64-level scale (an element per cell would make the
        // SVG large and slow to build), `data-cells` counting the cells of each path.
        const levels = new Map<string, { d: string[]; n: number }>();
        for (const c of cells) {
          const fill = colorOf(Math.sign(c.value) * (Math.round(Math.min(1, Math.abs(c.value) / m) * 64) / 64) * m);
          const level = levels.get(fill) ?? { d: [], n: 0 };
          level.d.push(`M${c.x} ${c.y}h${c.w}v${c.h}h${-c.w}z`);
          level.n++;
          levels.set(fill, level);
        }
        for (const [fill, l] of levels) add('path', { class: 'cells', fill, d: l.d.join(''), 'data-cells': l.n });
      },
      canvas: (ctx) => {
        // a frame allocates nothing: the image, its canvas and the colour table are kept
        const { pixels, image, canvas: off } = this.surface(ctx, W, H);
        const lut = this.lut(interpolate);
        const top = LUT_LEVELS - 1;
        const zero = packColor(colorOf(0));
        for (let p = 0; p < values.length; p++) {
          const v = values[p] as number;
          pixels[p] = v === 0 ? zero : (lut[Math.round(t(v) * top)] as number);
        }
        const octx = off.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (octx === null) return;
        octx.putImageData(image, 0, 0);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(off, 0, 0, ctx.canvas.width, ctx.canvas.height);
      },
    };
  }
}
