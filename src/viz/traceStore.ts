/**
 * The store behind {@link traces}: a ring of the last `window` steps of the selected neurons'
 * values and spikes, the automatic y domain, gaps of non-finite values, and the drawing of lines,
 * threshold, gaps and spike marks in SVG or on a canvas.
 * @module
 */
import { line, type ScaleLinear, scaleLinear } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { sizeOf, type Tensor } from '../ops/tensor.js';
import { px } from './render.js';
import { timeScale } from './time.js';
import type { ChartSettings, Drawing, DrawRequest, LegendEntry, Store, TimeAxis } from './types.js';

/** Labels of traces: one per selected neuron, or a function of the neuron index and the line's position. */
export type TraceLabels = readonly string[] | ((neuron: number, k: number) => string);

/** The settings of a traces sink that its store reads (set through the accessors). */
export interface TraceStyle {
  field: string;
  neurons: readonly number[] | undefined;
  threshold: number | undefined;
  yDomain: readonly [number, number] | undefined;
  yLabel: string | undefined;
  colors: readonly string[];
  labels: TraceLabels | undefined;
}

/**
 * The samples a traces sink holds: the selected neurons' values (float32) and spike flags over a
 * ring of `window` steps, and their drawing (SVG through d3, or canvas).
 * @throws SpikeflowError (from `ingest`) for a non-finite spike value
 */
export class TraceStore implements Store {
  private readonly capacity: number;
  private selected: readonly number[] = [];
  private values = new Float32Array(0);
  private spiked = new Uint8Array(0);
  private readonly stepOf: Float64Array;
  private received = 0;
  /** Slots of the ring holding a step (≤ window). */
  private filled = 0;
  private hasSpikes = false;

  constructor(
    private readonly settings: ChartSettings,
    private readonly style: TraceStyle,
  ) {
    this.capacity = settings.window;
    this.stepOf = new Float64Array(this.capacity).fill(-1);
  }

  ingest(main: Tensor, aux: Tensor | undefined, first: number): void {
    const T = main.shape[0] as number;
    const B = main.shape[1] as number;
    const N = sizeOf(main.shape.slice(2));
    if (this.values.length === 0) {
      this.selected = this.style.neurons ?? Array.from({ length: N }, (_, k) => k);
      this.values = new Float32Array(this.capacity * this.selected.length);
      this.spiked = new Uint8Array(this.capacity * this.selected.length);
    }
    const K = this.selected.length;
    const b = this.settings.batch as number;
    const d = main.data;
    const z = aux?.data;
    if (z !== undefined) this.hasSpikes = true;
    for (let t = 0; t < T; t++) {
      const step = first + t;
      const slot = step % this.capacity;
      const base = (t * B + b) * N;
      for (let k = 0; k < K; k++) {
        const n = this.selected[k] as number;
        this.values[slot * K + k] = d[base + n] as number;
        let s = 0;
        if (z !== undefined) {
          const zv = z[base + n] as number;
          if (!Number.isFinite(zv)) {
            throw new SpikeflowError('traces', 'spikes', `spikes must be finite, received ${show(zv)} at step ${step}, neuron ${n}`);
          }
          s = zv !== 0 ? 1 : 0;
        }
        this.spiked[slot * K + k] = s;
      }
      if ((this.stepOf[slot] as number) < 0) this.filled++;
      this.stepOf[slot] = step;
      this.received = step + 1;
    }
  }

  stored(): number {
    return this.filled;
  }

  marks(): number {
    return this.stored() * this.selected.length;
  }

  private heldSteps(start: number, end: number): number[] {
    const out: number[] = [];
    const from = Math.max(start, this.received - this.capacity);
    const to = Math.min(end, this.received);
    for (let step = from; step < to; step++) if (this.stepOf[step % this.capacity] === step) out.push(step);
    return out;
  }

  private value(step: number, k: number): number {
    return this.values[(step % this.capacity) * this.selected.length + k] as number;
  }

  private yScale(steps: readonly number[], height: number): ScaleLinear<number, number> {
    let domain = this.style.yDomain;
    if (domain === undefined) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const step of steps) {
        for (let k = 0; k < this.selected.length; k++) {
          const v = this.value(step, k);
          if (Number.isFinite(v)) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
      }
      const th = this.style.threshold;
      if (th !== undefined) {
        lo = Math.min(lo, th);
        hi = Math.max(hi, th);
      }
      domain = lo > hi ? [0, 1] : lo === hi ? [lo - 1, hi + 1] : [lo, hi];
    }
    return scaleLinear().domain([domain[0], domain[1]]).range([height, 0]);
  }

  /** Runs of consecutive non-finite samples of line k: `[firstStep, lastStep + 1)`. */
  private gaps(steps: readonly number[], k: number): [number, number][] {
    const out: [number, number][] = [];
    let open: number | undefined;
    for (const step of steps) {
      const bad = !Number.isFinite(this.value(step, k));
      if (bad && open === undefined) open = step;
      if (!bad && open !== undefined) {
        out.push([open, step]);
        open = undefined;
      }
    }
    if (open !== undefined) out.push([open, (steps[steps.length - 1] as number) + 1]);
    return out;
  }

  private label(k: number): string | undefined {
    const l = this.style.labels;
    if (l === undefined) return undefined;
    const n = this.selected[k] as number;
    return typeof l === 'function' ? l(n, k) : l[k];
  }

  draw(req: DrawRequest): Drawing {
    const { span, time, width, height } = req;
    const x = timeScale(span, time, width);
    const steps = this.heldSteps(span.start, span.end);
    const y = this.yScale(steps, height);
    const K = this.selected.length;
    const colors = this.style.colors;
    const colorOf = (k: number): string => colors[k % colors.length] as string;
    const tx = (step: number, t: TimeAxis): number => x(step * t.perStep);
    const lines = Array.from({ length: K }, (_, k) => k);
    const legend: LegendEntry[] = [];
    for (const k of lines) {
      const label = this.label(k);
      if (label !== undefined) legend.push({ label, color: colorOf(k) });
    }
    const spikes: { step: number; k: number }[] = [];
    if (this.hasSpikes) {
      for (const step of steps) {
        const slot = step % this.capacity;
        for (let k = 0; k < K; k++) if (this.spiked[slot * K + k] === 1) spikes.push({ step, k });
      }
    }
    const spikeTop = (step: number, k: number): number => {
      const v = this.value(step, k);
      return Number.isFinite(v) ? Math.min(height, Math.max(0, y(v))) : height;
    };
    const th = this.style.threshold;
    const gaps = lines.flatMap((k) => this.gaps(steps, k).map(([a, b]) => ({ k, a, b })));
    let nonFinite = 0;
    for (const g of gaps) nonFinite += g.b - g.a;
    const clipX = (v: number): number => Math.min(width, Math.max(0, v));
    return {
      x,
      y,
      xLabel: time.label,
      yLabel: this.style.yLabel ?? this.style.field,
      marks: steps.length * K,
      legend,
      attributes: { 'data-nonfinite': String(nonFinite) },
      svg: (g) => {
        g.selectAll('rect.gap')
          .data(gaps)
          .join('rect')
          .attr('class', 'gap')
          .attr('x', (d) => px(clipX(tx(d.a, time))))
          .attr('width', (d) => px(clipX(tx(d.b, time)) - clipX(tx(d.a, time))))
          .attr('y', 0)
          .attr('height', px(height))
          .attr('fill', '#b00020')
          .attr('fill-opacity', 0.15)
          .attr('data-neuron', (d) => this.selected[d.k] as number);
        g.selectAll('line.threshold')
          .data(th === undefined ? [] : [th])
          .join('line')
          .attr('class', 'threshold')
          .attr('x1', 0)
          .attr('x2', px(width))
          .attr('y1', (v) => px(y(v)))
          .attr('y2', (v) => px(y(v)))
          .attr('stroke', '#555')
          .attr('stroke-dasharray', '4 3');
        const path = (k: number): string =>
          line<number>()
            .defined((step) => Number.isFinite(this.value(step, k)))
            .x((step) => px(tx(step, time)))
            .y((step) => px(y(this.value(step, k))))(steps) ?? '';
        g.selectAll('path.trace')
          .data(lines)
          .join('path')
          .attr('class', 'trace')
          .attr('data-neuron', (k) => this.selected[k] as number)
          .attr('fill', 'none')
          .attr('stroke', (k) => colorOf(k))
          .attr('stroke-width', 1.5)
          .attr('d', path);
        g.selectAll('line.spike')
          .data(spikes)
          .join('line')
          .attr('class', 'spike')
          .attr('data-neuron', (s) => this.selected[s.k] as number)
          .attr('x1', (s) => px(tx(s.step, time)))
          .attr('x2', (s) => px(tx(s.step, time)))
          .attr('y1', (s) => px(spikeTop(s.step, s.k)))
          .attr('y2', 0)
          .attr('stroke', (s) => colorOf(s.k))
          .attr('stroke-width', 1);
      },
      canvas: (ctx, dpr) => {
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.fillStyle = 'rgba(176, 0, 32, 0.15)';
        for (const gap of gaps) ctx.fillRect(clipX(tx(gap.a, time)), 0, clipX(tx(gap.b, time)) - clipX(tx(gap.a, time)), height);
        if (th !== undefined) {
          ctx.strokeStyle = '#555';
          ctx.setLineDash([4, 3]);
          ctx.beginPath();
          ctx.moveTo(0, y(th));
          ctx.lineTo(width, y(th));
          ctx.stroke();
          ctx.setLineDash([]);
        }
        ctx.lineWidth = 1.5;
        for (const k of lines) {
          ctx.strokeStyle = colorOf(k);
          ctx.beginPath();
          let pen = false;
          for (const step of steps) {
            const v = this.value(step, k);
            if (!Number.isFinite(v)) {
              pen = false;
              continue;
            }
            if (pen) ctx.lineTo(tx(step, time), y(v));
            else ctx.moveTo(tx(step, time), y(v));
            pen = true;
          }
          ctx.stroke();
        }
        ctx.lineWidth = 1;
        for (const s of spikes) {
          ctx.strokeStyle = colorOf(s.k);
          ctx.beginPath();
          ctx.moveTo(tx(s.step, time), spikeTop(s.step, s.k));
          ctx.lineTo(tx(s.step, time), 0);
          ctx.stroke();
        }
      },
    };
  }
}
