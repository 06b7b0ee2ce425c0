/**
 * Spike raster: one mark per spike, neuron index against time, over a sliding window of steps.
 *
 * Input chunks are spikes `[T, batch, ...features]` (features flattened to neuron indices in
 * row-major order); every non-zero entry is a spike (event tensors with signed polarity, ±1, are
 * drawn too, and can be coloured by sign with {@link byPolarity}). One batch entry is drawn
 * (`.batch(k)`, default 0). Neuron 0 is at the bottom; the y domain is `[-0.5, N - 0.5]`.
 * Step `k` is drawn at `x = k·dt` (circle centre in SVG, left edge of the cell on canvas).
 *
 * Live, the store keeps, per step of the window, the indices of the neurons that spiked: memory
 * is bounded by `window` steps (at most `window·N` spikes). Source: the raster plot of
 * neuroscience (e.g. Brian's `plot(t, i, '.')`), Norse's `plot_spikes_2d` as marks.
 * @module
 */
import { scaleLinear, ticks } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { sizeOf, type Tensor } from '../ops/tensor.js';
import { makeChart } from './chart.js';
import { checkColor, checkString } from './checks.js';
import { pickOutput } from './dataPath.js';
import { packColor, px } from './render.js';
import { timeScale } from './time.js';
import type { Chart, ChartKind, ChartSettings, Drawing, DrawRequest, LegendEntry, Picker, StepSpan, Store, StreamChunk } from './types.js';

/** Sign of a spike's value: +1 (spikes, ON events) or -1 (OFF events). */
export type SpikeSign = 1 | -1;

/**
 * Colour of a spike: a CSS colour, or a function of the neuron index and the sign of the value
 * (optionally carrying a legend). A function is called at most once per neuron and sign per
 * frame, so its cost does not grow with the number of spikes.
 */
export type SpikeColor = string | (((neuron: number, sign: SpikeSign) => string) & { readonly legend?: readonly LegendEntry[] });

/** The raster sink; see the module docs. Accessors chain as in d3. */
export interface Raster<D = StreamChunk> extends Chart<D, Raster<D>> {
  /**
   * Picks the spike tensor from a stream element (default: the element itself when it is a
   * tensor, the spikes `[0]` of a model's run result `[spikes, state, recorded]`).
   */
  value(): Picker<D>;
  value<E = D>(pick: Picker<E>): Raster<E>;
  /** Colour of each spike (default `#222`): a CSS colour or a function of (neuron, sign); see {@link byLayer}, {@link byPolarity}. */
  color(): SpikeColor;
  color(c: SpikeColor): Raster<D>;
  /** Legend entries (default: the colour function's `legend`, if any). */
  legend(): readonly LegendEntry[] | undefined;
  legend(entries: readonly LegendEntry[] | undefined): Raster<D>;
  /** Y axis label (default `neuron`). */
  yLabel(): string;
  yLabel(label: string): Raster<D>;
  /**
   * Tick labels of the rows: row `k` (the `k`-th feature of the chunks) is labelled
   * `rowLabels(k)`, e.g. the neuron's index in its layer when the chunks hold a selection of
   * neurons, or its pixel. Undefined (default) labels rows by index.
   */
  rowLabels(): ((row: number) => string) | undefined;
  rowLabels(f: ((row: number) => string) | undefined): Raster<D>;
}

interface RasterStyle {
  color: SpikeColor;
  legend: readonly LegendEntry[] | undefined;
  /** Bumped when the colours change (invalidates the canvas strip). */
  version: number;
  yLabel: string;
  rowLabels: ((row: number) => string) | undefined;
}

const EMPTY_I = new Int32Array(0);
const EMPTY_S = new Int8Array(0);

class RasterStore implements Store {
  private readonly capacity: number;
  private readonly index: Int32Array[];
  private readonly signs: Int8Array[];
  private readonly stepOf: Float64Array;
  private scratch = EMPTY_I;
  private neurons = 0;
  private events = 0;
  private received = 0;
  /** Slots of the ring holding a step (≤ window). */
  private filled = 0;
  /** The canvas strip of the live view (see `paint`). */
  private strip:
    | { key: string; image: Uint32Array; out: ImageData; table: Uint32Array; rowOf: Int32Array; drawnTo: number; clearedTo: number }
    | undefined;

  constructor(
    private readonly settings: ChartSettings,
    private readonly style: RasterStyle,
  ) {
    this.capacity = settings.window;
    this.index = new Array<Int32Array>(this.capacity).fill(EMPTY_I);
    this.signs = new Array<Int8Array>(this.capacity).fill(EMPTY_S);
    this.stepOf = new Float64Array(this.capacity).fill(-1);
  }

  ingest(main: Tensor, _aux: Tensor | undefined, first: number): void {
    const T = main.shape[0] as number;
    const B = main.shape[1] as number;
    const N = sizeOf(main.shape.slice(2));
    const b = this.settings.batch as number;
    this.neurons = N;
    if (this.scratch.length < N) this.scratch = new Int32Array(N);
    const d = main.data;
    for (let t = 0; t < T; t++) {
      const base = (t * B + b) * N;
      let count = 0;
      for (let n = 0; n < N; n++) {
        const v = d[base + n] as number;
        if (v !== 0) {
          if (!Number.isFinite(v)) {
            throw new SpikeflowError('raster', 'chunk', `spikes must be finite, received ${show(v)} at step ${first + t}, neuron ${n}`);
          }
          this.scratch[count++] = n;
        }
      }
      const step = first + t;
      const slot = step % this.capacity;
      this.events -= (this.index[slot] as Int32Array).length;
      if (count === 0) {
        this.index[slot] = EMPTY_I;
        this.signs[slot] = EMPTY_S;
      } else {
        const idx = this.scratch.slice(0, count);
        const sign = new Int8Array(count);
        for (let k = 0; k < count; k++) sign[k] = (d[base + (idx[k] as number)] as number) < 0 ? -1 : 1;
        this.index[slot] = idx;
        this.signs[slot] = sign;
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

  /** Held steps in `[start, end)`, as `[from, to)`. */
  private held(start: number, end: number): [number, number] {
    return [Math.max(start, this.received - this.capacity), Math.min(end, this.received)];
  }

  /** Calls `f` for every held spike with step in `[start, end)`. */
  private each(start: number, end: number, f: (step: number, neuron: number, sign: SpikeSign) => void): void {
    const [from, to] = this.held(start, end);
    for (let step = from; step < to; step++) {
      const slot = step % this.capacity;
      if (this.stepOf[slot] !== step) continue;
      const idx = this.index[slot] as Int32Array;
      const sign = this.signs[slot] as Int8Array;
      for (let k = 0; k < idx.length; k++) f(step, idx[k] as number, sign[k] as SpikeSign);
    }
  }

  /**
   * A per-frame colour table: packed RGBA at `2·neuron + (sign < 0 ? 1 : 0)`, 0 until computed
   * (for a constant colour, filled at once).
   */
  private colorTable(): Uint32Array {
    const N = Math.max(1, this.neurons);
    const table = new Uint32Array(2 * N);
    const color = this.style.color;
    if (typeof color === 'string') table.fill(packColor(color));
    return table;
  }

  /**
   * Canvas drawing of the dense path. The picture lives in a pixel strip the size of the canvas,
   * used as a ring over time: global column `G(step) = floor(step·W / steps)` is stored at
   * `G mod W`. A frame paints only the steps that arrived since the last one (clearing the
   * columns they reuse), then copies the ring, rotated, to the canvas: its cost grows with the new
   * spikes, not with the window. The strip is rebuilt when the canvas size, the span's length,
   * the neuron count or the colours change (and while the span grows, before the window is full).
   */
  private paint(ctx: CanvasRenderingContext2D, span: StepSpan): void {
    const W = ctx.canvas.width;
    const H = ctx.canvas.height;
    const steps = Math.max(1, span.end - span.start);
    const N = Math.max(1, this.neurons);
    const key = `${W}x${H}/${steps}/${N}/${this.style.version}`;
    const [from, to] = this.held(span.start, span.end);
    const G = (step: number): number => Math.floor((step * W) / steps);
    let strip = this.strip;
    if (strip === undefined || strip.key !== key || strip.drawnTo < from || strip.drawnTo > to) {
      const rowOf = new Int32Array(N);
      for (let n = 0; n < N; n++) rowOf[n] = Math.floor(((N - 1 - n) * H) / N);
      strip = {
        key,
        image: new Uint32Array(W * H),
        out: ctx.createImageData(W, H),
        table: this.colorTable(),
        rowOf,
        drawnTo: from,
        clearedTo: G(from),
      };
      this.strip = strip;
    }
    const { image, table, rowOf } = strip;
    const h = Math.max(1, Math.round(H / N));
    const color = this.style.color;
    const colorFn = typeof color === 'string' ? undefined : color;
    for (let step = Math.max(strip.drawnTo, from); step < to; step++) {
      const a = G(step);
      const b = Math.max(a + 1, G(step + 1));
      for (let g = Math.max(strip.clearedTo, a); g < b; g++) {
        const col = g % W;
        for (let r = 0; r < H; r++) image[r * W + col] = 0;
      }
      strip.clearedTo = Math.max(strip.clearedTo, b);
      const slot = step % this.capacity;
      if (this.stepOf[slot] !== step) continue;
      const idx = this.index[slot] as Int32Array;
      const sign = this.signs[slot] as Int8Array;
      for (let k = 0; k < idx.length; k++) {
        const n = idx[k] as number;
        const neg = (sign[k] as number) < 0 ? 1 : 0;
        let c = table[2 * n + neg] as number;
        if (c === 0 && colorFn !== undefined) {
          c = packColor(colorFn(n, neg === 1 ? -1 : 1));
          table[2 * n + neg] = c;
        }
        const y0 = rowOf[n] as number;
        const y1 = Math.min(H, y0 + h);
        for (let g = a; g < b; g++) {
          const col = g % W;
          for (let r = y0; r < y1; r++) image[r * W + col] = c;
        }
      }
    }
    strip.drawnTo = to;
    const img = strip.out; // kept with the strip: a frame allocates nothing
    const out = new Uint32Array(img.data.buffer, img.data.byteOffset, W * H);
    const g0 = G(span.start) % W;
    for (let r = 0; r < H; r++) {
      const row = r * W;
      out.set(image.subarray(row + g0, row + W), row);
      out.set(image.subarray(row, row + g0), row + W - g0);
    }
    ctx.putImageData(img, 0, 0);
  }

  draw(req: DrawRequest): Drawing {
    const { span, time, width, height } = req;
    const N = Math.max(1, this.neurons);
    const x = timeScale(span, time, width);
    const y = scaleLinear()
      .domain([-0.5, N - 0.5])
      .range([height, 0]);
    const steps = Math.max(1, span.end - span.start);
    const cellW = width / steps;
    const cellH = height / N;
    // At least 1.25 px, so that a spike of a long window stays visible as a dot.
    const r = Math.min(3, Math.max(1.25, Math.min(cellW, cellH) / 2));
    const color = this.style.color;
    const [from, to] = this.held(span.start, span.end);
    let count = 0;
    for (let step = from; step < to; step++) {
      const slot = step % this.capacity;
      if (this.stepOf[slot] === step) count += (this.index[slot] as Int32Array).length;
    }
    const labels = this.style.rowLabels;
    const room = Math.max(2, Math.floor(height / (labels === undefined ? 30 : 14)));
    const yTicks =
      labels !== undefined && N <= room
        ? Array.from({ length: N }, (_, k) => k)
        : ticks(0, N - 1, Math.min(N, room)).filter(Number.isInteger);
    return {
      x,
      y,
      xLabel: time.label,
      yLabel: this.style.yLabel,
      yTicks,
      ...(labels === undefined ? {} : { yFormat: labels }),
      marks: count,
      legend: this.style.legend ?? (typeof color === 'function' ? color.legend : undefined),
      attributes: { 'data-neurons': String(this.neurons) },
      svg: (g) => {
        const marks: { cx: number; cy: number; fill: string }[] = [];
        const fill = typeof color === 'string' ? () => color : color;
        this.each(span.start, span.end, (step, neuron, sign) => {
          marks.push({ cx: px(x(step * time.perStep)), cy: px(y(neuron)), fill: fill(neuron, sign) });
        });
        g.selectAll('circle.spike')
          .data(marks)
          .join('circle')
          .attr('class', 'spike')
          .attr('cx', (m) => m.cx)
          .attr('cy', (m) => m.cy)
          .attr('r', r)
          .attr('fill', (m) => m.fill);
      },
      canvas: (ctx) => this.paint(ctx, span),
    };
  }
}

/**
 * Creates a spike raster sink: `stream.pipe(raster().window(1000).tap())`, or in Node
 * `raster().toSVG(spikes)`. Accessors: see {@link Raster} and {@link Chart}.
 * Errors: accessors throw SpikeflowError for invalid values; `push` for chunks that are not
 * `[T, batch, ...]` tensors of a consistent shape; drawing for non-finite spikes.
 */
export const raster = <D = StreamChunk>(): Raster<D> => {
  const style: RasterStyle = { color: '#222', legend: undefined, version: 0, yLabel: 'neuron', rowLabels: undefined };
  const kind: ChartKind = {
    name: 'raster',
    allowAllBatches: false,
    store: (settings) => new RasterStore(settings, style),
  };
  const core = makeChart<D>(kind, pickOutput as Picker<D>);
  const chart = core.chart;
  Object.assign(chart, {
    value: (...args: unknown[]) => {
      if (args.length === 0) return core.getValue();
      if (typeof args[0] !== 'function') throw new SpikeflowError('raster', 'value', `value must be a function, received ${show(args[0])}`);
      core.setValue(args[0] as Picker<D>);
      return chart;
    },
    color: core.setter(
      () => style.color,
      (c) => {
        style.color = typeof c === 'function' ? (c as SpikeColor) : checkColor('raster', 'color', c);
        style.version++;
      },
    ),
    legend: core.setter(
      () => style.legend,
      (v) => {
        style.legend = v as readonly LegendEntry[] | undefined;
      },
    ),
    yLabel: core.setter(
      () => style.yLabel,
      (v) => {
        style.yLabel = checkString('raster', 'yLabel', v);
      },
    ),
    rowLabels: core.setter(
      () => style.rowLabels,
      (v) => {
        if (v !== undefined && typeof v !== 'function') {
          throw new SpikeflowError('raster', 'rowLabels', `rowLabels must be a function of the row or undefined, received ${show(v)}`);
        }
        style.rowLabels = v as ((row: number) => string) | undefined;
      },
    ),
  });
  return chart as unknown as Raster<D>;
};
