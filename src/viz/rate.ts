/**
 * Firing rate / peri-stimulus time histogram (PSTH): spike counts in bins of `bin` steps over a
 * sliding window, drawn as bars.
 *
 * Input chunks are spikes `[T, batch, ...features]`; a spike is any non-zero entry. By default
 * every batch entry counts as a trial (`.batch('all')`, the PSTH over trials) and every neuron
 * counts (`.neurons([...])` selects flattened indices). Bin `j` covers steps `[j·bin, (j+1)·bin)`
 * from the first step received. In `Hz` (default) a bar is the mean rate per neuron and trial:
 * `count / (neurons · trials · steps · dt)`, where `steps` is the number of steps the bin has
 * received so far (the newest bin is drawn only as wide as the steps it holds, and its rate is
 * not diluted by steps still to come). In `count` a bar is the raw count.
 * With `.bin('auto')` the store keeps one count per step of the window and each drawing groups
 * the steps it spans into at most {@link AUTO_BARS} bins (a 9-step recording gets 9 bars, a
 * 100 000-step one bins of 1 000): memory `window + 1` counts.
 * The x domain starts at the first held bin's start; the y domain is `[0, max]` (`[0, 1]` when
 * every bar is 0). One mark (`rect.bar`) per bin. Memory: `window / bin + 1` bins.
 * @module
 */
import { scaleLinear } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { sizeOf, type Tensor } from '../ops/tensor.js';
import { makeChart } from './chart.js';
import { checkColor, checkNeurons } from './checks.js';
import { pickOutput } from './dataPath.js';
import { px } from './render.js';
import { timeScale } from './time.js';
import type { Chart, ChartKind, ChartSettings, Drawing, DrawRequest, Picker, Store, StreamChunk } from './types.js';

/** Unit of a rate plot's y axis. */
export type RateUnit = 'Hz' | 'count';

/** The firing-rate / PSTH sink; see the module docs. Accessors chain as in d3. */
export interface Rate<D = StreamChunk> extends Chart<D, Rate<D>> {
  /** Picks the spike tensor from a stream element (default: the tensor, or `[0]` of a run result). */
  value(): Picker<D>;
  value<E = D>(pick: Picker<E>): Rate<E>;
  /** Bin width in steps (a positive integer, default 10), or `auto` (at most {@link AUTO_BARS} bars over the span drawn). Setting it clears the chart. */
  bin(): number | 'auto';
  bin(steps: number | 'auto'): Rate<D>;
  /** `Hz` (default, mean rate per neuron and trial) or `count`. */
  unit(): RateUnit;
  unit(u: RateUnit): Rate<D>;
  /** Flattened neuron indices counted, or undefined for all (default). Setting it clears the chart. */
  neurons(): readonly number[] | undefined;
  neurons(indices: readonly number[] | undefined): Rate<D>;
  /** Bar colour (default `steelblue`). */
  color(): string;
  color(c: string): Rate<D>;
}

/** Most bars a rate plot with `bin('auto')` draws. */
export const AUTO_BARS = 100;

interface RateStyle {
  bin: number | 'auto';
  unit: RateUnit;
  neurons: readonly number[] | undefined;
  color: string;
}

class RateStore implements Store {
  private readonly bins: number;
  private readonly binSize: number;
  private readonly counts: Float64Array;
  private readonly steps: Float64Array;
  private readonly binOf: Float64Array;
  private received = 0;
  private units = 1;

  constructor(
    private readonly settings: ChartSettings,
    private readonly style: RateStyle,
  ) {
    this.binSize = style.bin === 'auto' ? 1 : style.bin;
    this.bins = Math.ceil(settings.window / this.binSize) + 1;
    this.counts = new Float64Array(this.bins);
    this.steps = new Float64Array(this.bins);
    this.binOf = new Float64Array(this.bins).fill(-1);
  }

  ingest(main: Tensor, _aux: Tensor | undefined, first: number): void {
    const T = main.shape[0] as number;
    const B = main.shape[1] as number;
    const N = sizeOf(main.shape.slice(2));
    const selected = this.style.neurons;
    const batches = this.settings.batch === 'all' ? Array.from({ length: B }, (_, k) => k) : [this.settings.batch];
    this.units = (selected?.length ?? N) * batches.length;
    const d = main.data;
    for (let t = 0; t < T; t++) {
      const step = first + t;
      let count = 0;
      for (const b of batches) {
        const base = (t * B + b) * N;
        const check = (v: number, n: number): void => {
          if (!Number.isFinite(v))
            throw new SpikeflowError('rate', 'chunk', `spikes must be finite, received ${show(v)} at step ${step}, neuron ${n}`);
        };
        if (selected === undefined) {
          for (let n = 0; n < N; n++) {
            const v = d[base + n] as number;
            if (v !== 0) {
              check(v, n);
              count++;
            }
          }
        } else {
          for (const n of selected) {
            const v = d[base + n] as number;
            if (v !== 0) {
              check(v, n);
              count++;
            }
          }
        }
      }
      const j = Math.floor(step / this.binSize);
      const slot = j % this.bins;
      if (this.binOf[slot] !== j) {
        this.binOf[slot] = j;
        this.counts[slot] = 0;
        this.steps[slot] = 0;
      }
      this.counts[slot] = (this.counts[slot] as number) + count;
      this.steps[slot] = (this.steps[slot] as number) + 1;
      this.received = step + 1;
    }
  }

  stored(): number {
    let n = 0;
    for (let k = 0; k < this.bins; k++) if ((this.binOf[k] as number) >= 0) n += this.steps[k] as number;
    return n;
  }

  marks(): number {
    let n = 0;
    for (const j of this.binOf) if (j >= 0) n++;
    return n;
  }

  draw(req: DrawRequest): Drawing {
    const { span, time, width, height } = req;
    const stored = this.binSize;
    // auto: group the per-step counts of the span into at most AUTO_BARS bins
    const bin =
      this.style.bin === 'auto' ? Math.max(1, Math.ceil(Math.max(1, Math.min(span.end, this.received) - span.start) / AUTO_BARS)) : stored;
    const start = Math.floor(span.start / bin) * bin;
    const end = req.domain === 'window' ? start + this.settings.window : Math.max(span.end, start + 1);
    const shown = { start, end, received: span.received };
    const x = timeScale(shown, time, width);
    const dtSeconds = this.settings.dt;
    const bars: { j: number; value: number }[] = [];
    const per = bin / stored;
    for (let j = start / bin; j * bin < Math.min(end, this.received); j++) {
      let c = 0;
      let n = 0;
      for (let i = j * per; i < (j + 1) * per; i++) {
        const slot = i % this.bins;
        if (this.binOf[slot] !== i) continue;
        c += this.counts[slot] as number;
        n += this.steps[slot] as number;
      }
      if (n === 0) continue;
      bars.push({ j, value: this.style.unit === 'count' ? c : c / (this.units * n * dtSeconds) });
    }
    let top = 0;
    for (const b of bars) top = Math.max(top, b.value);
    const y = scaleLinear()
      .domain([0, top > 0 ? top : 1])
      .range([height, 0]);
    const left = (j: number): number => x(j * bin * time.perStep);
    const right = (j: number): number => x(Math.min((j + 1) * bin, this.received) * time.perStep);
    const fill = this.style.color;
    return {
      x,
      y,
      xLabel: time.label,
      yLabel: this.style.unit === 'count' ? `spikes per bin (${bin} steps)` : 'rate (Hz)',
      marks: bars.length,
      attributes: { 'data-bin': String(bin), 'data-unit': this.style.unit },
      svg: (g) => {
        g.selectAll('rect.bar')
          .data(bars)
          .join('rect')
          .attr('class', 'bar')
          .attr('x', (b) => px(left(b.j)))
          .attr('width', (b) => px(right(b.j) - left(b.j)))
          .attr('y', (b) => px(y(b.value)))
          .attr('height', (b) => px(height - y(b.value)))
          .attr('fill', fill)
          .attr('data-value', (b) => b.value);
      },
      canvas: (ctx, dpr) => {
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.fillStyle = fill;
        for (const b of bars) ctx.fillRect(left(b.j), y(b.value), right(b.j) - left(b.j), height - y(b.value));
      },
    };
  }
}

/**
 * Creates a firing-rate / PSTH sink: `spikes$.pipe(rate().bin(10).tap())`; in Node
 * `rate().toSVG(spikes)`. Accessors: see {@link Rate} and {@link Chart}. Errors: SpikeflowError
 * for invalid accessor values, neuron indices out of range, invalid chunks and non-finite spikes.
 */
export const rate = <D = StreamChunk>(): Rate<D> => {
  const style: RateStyle = { bin: 10, unit: 'Hz', neurons: undefined, color: 'steelblue' };
  const kind: ChartKind = {
    name: 'rate',
    batch: 'all',
    allowAllBatches: true,
    store: (settings) => new RateStore(settings, style),
    checkFeatures: (features) => {
      const N = sizeOf(features);
      for (const n of style.neurons ?? []) {
        if (n >= N) throw new SpikeflowError('rate', 'neurons', `neuron index ${n} is out of range for chunks of ${N} neurons`);
      }
    },
  };
  const core = makeChart<D>(kind, pickOutput as Picker<D>);
  const chart = core.chart;
  const { setter } = core;
  Object.assign(chart, {
    value: setter(core.getValue, (v) => {
      if (typeof v !== 'function') throw new SpikeflowError('rate', 'value', `value must be a function, received ${show(v)}`);
      core.setValue(v as Picker<D>);
    }),
    bin: setter(
      () => style.bin,
      (v) => {
        if (v !== 'auto' && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
          throw new SpikeflowError('rate', 'bin', `bin must be a positive integer number of steps or 'auto', received ${show(v)}`);
        }
        style.bin = v;
      },
      true,
    ),
    unit: setter(
      () => style.unit,
      (v) => {
        if (v !== 'Hz' && v !== 'count') throw new SpikeflowError('rate', 'unit', `unit must be 'Hz' or 'count', received ${show(v)}`);
        style.unit = v;
      },
    ),
    neurons: setter(
      () => style.neurons,
      (v) => {
        style.neurons = checkNeurons('rate', 'neurons', v);
      },
      true,
    ),
    color: setter(
      () => style.color,
      (v) => {
        style.color = checkColor('rate', 'color', v);
      },
    ),
  });
  return chart as unknown as Rate<D>;
};
