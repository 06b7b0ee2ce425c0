/**
 * Spectrogram: channel against time, each cell coloured by its value — a cochlea's envelopes
 * (one channel per band), a filter bank's energies, or any `[T, batch, channels]` stream whose
 * channels are ordered (channel 0 at the bottom, the lowest band).
 *
 * Colour: sequential (default viridis) over `[0, top]`, `top` the `clip`-quantile (default 0.99)
 * of the non-zero values of the window, so that a loud onset does not hide the rest; larger
 * values saturate. Negative values are drawn as 0. When the window has more steps than the plot
 * has room for (2 CSS pixels per column), neighbouring steps are averaged into one column.
 * Memory: `window · channels` numbers.
 * @module
 */
import { interpolateViridis, scaleLinear, ticks } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { sizeOf, type Tensor } from '../ops/tensor.js';
import { makeChart } from './chart.js';
import { checkString } from './checks.js';
import { pickOutput } from './dataPath.js';
import { type ColorInterpolator, magnitudeQuantile } from './heatmap.js';
import { px } from './render.js';
import { timeScale } from './time.js';
import type { Chart, ChartKind, ChartSettings, Drawing, DrawRequest, Picker, Store, StreamChunk } from './types.js';

/** The spectrogram sink; see the module docs. Accessors chain as in d3. */
export interface Spectrogram<D = StreamChunk> extends Chart<D, Spectrogram<D>> {
  /** Picks the tensor from a stream element (default: the tensor, or `[0]` of a run result). */
  value(): Picker<D>;
  value<E = D>(pick: Picker<E>): Spectrogram<E>;
  /** Colours over `[0, top]` (default `d3.interpolateViridis`). */
  interpolator(): ColorInterpolator;
  interpolator(f: ColorInterpolator): Spectrogram<D>;
  /** Quantile in (0, 1] of the non-zero values taken as the top of the scale (default 0.99). */
  clip(): number;
  clip(q: number): Spectrogram<D>;
  /** Y axis label (default `channel`). */
  yLabel(): string;
  yLabel(label: string): Spectrogram<D>;
  /** Tick label of channel `c` (e.g. its centre frequency), or undefined for the index (default). */
  channelLabels(): ((channel: number) => string) | undefined;
  channelLabels(f: ((channel: number) => string) | undefined): Spectrogram<D>;
}

interface SpectroStyle {
  interpolator: ColorInterpolator;
  clip: number;
  yLabel: string;
  channelLabels: ((channel: number) => string) | undefined;
}

class SpectroStore implements Store {
  private values = new Float32Array(0);
  private readonly stepOf: Float64Array;
  private channels = 0;
  private received = 0;

  constructor(
    private readonly settings: ChartSettings,
    private readonly style: SpectroStyle,
  ) {
    this.stepOf = new Float64Array(settings.window).fill(-1);
  }

  ingest(main: Tensor, _aux: Tensor | undefined, first: number): void {
    const T = main.shape[0] as number;
    const B = main.shape[1] as number;
    const N = sizeOf(main.shape.slice(2));
    const W = this.settings.window;
    if (this.channels !== N) {
      this.channels = N;
      this.values = new Float32Array(W * N);
    }
    const b = this.settings.batch as number;
    for (let t = 0; t < T; t++) {
      const step = first + t;
      const slot = step % W;
      const base = (t * B + b) * N;
      for (let n = 0; n < N; n++) {
        const v = main.data[base + n] as number;
        if (!Number.isFinite(v)) {
          throw new SpikeflowError('spectrogram', 'chunk', `values must be finite, received ${show(v)} at step ${step}, channel ${n}`);
        }
        this.values[slot * N + n] = v;
      }
      this.stepOf[slot] = step;
      this.received = step + 1;
    }
  }

  stored(): number {
    let n = 0;
    for (const s of this.stepOf) if (s >= 0) n++;
    return n;
  }

  marks(): number {
    return this.stored() * this.channels;
  }

  draw(req: DrawRequest): Drawing {
    const { span, time, width, height } = req;
    const N = Math.max(1, this.channels);
    const W = this.settings.window;
    const x = timeScale(span, time, width);
    const y = scaleLinear()
      .domain([-0.5, N - 0.5])
      .range([height, 0]);
    const from = Math.max(span.start, this.received - W);
    const to = Math.min(span.end, this.received);
    const steps = Math.max(0, to - from);
    const group = Math.max(1, Math.ceil(steps / Math.max(1, Math.floor(width / 2))));
    const columns: { step: number; end: number; values: Float32Array }[] = [];
    for (let s = from; s < to; s += group) {
      const col = new Float32Array(N);
      let k = 0;
      for (let u = s; u < Math.min(to, s + group); u++) {
        const slot = u % W;
        if (this.stepOf[slot] !== u) continue;
        for (let n = 0; n < N; n++) col[n] = (col[n] as number) + (this.values[slot * N + n] as number);
        k++;
      }
      if (k === 0) continue;
      for (let n = 0; n < N; n++) col[n] = (col[n] as number) / k;
      columns.push({ step: s, end: Math.min(to, s + group), values: col });
    }
    const all = new Float32Array(columns.length * N);
    for (let i = 0; i < columns.length; i++) {
      const c = (columns[i] as (typeof columns)[number]).values;
      for (let n = 0; n < N; n++) all[i * N + n] = Math.max(0, c[n] as number);
    }
    const q = magnitudeQuantile(all, this.style.clip);
    const top = q > 0 ? q : 1;
    const color = (v: number): string => this.style.interpolator(Math.min(1, Math.max(0, v / top)));
    const labels = this.style.channelLabels;
    const yTicks = ticks(0, N - 1, Math.min(N, Math.max(2, Math.floor(height / 24)))).filter(Number.isInteger);
    const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(3));
    const cell = (c: (typeof columns)[number], n: number) => ({
      x: px(x(c.step * time.perStep)),
      y: px(y(n + 0.5)),
      w: px(x(c.end * time.perStep) - x(c.step * time.perStep)),
      h: px(y(n - 0.5) - y(n + 0.5)),
      fill: color(c.values[n] as number),
    });
    return {
      x,
      y,
      xLabel: time.label,
      yLabel: this.style.yLabel,
      yTicks,
      ...(labels === undefined ? {} : { yFormat: labels }),
      marks: columns.length * N,
      legend: [{ label: `${q > 0 && all.some((v) => v > top) ? '≥ ' : 'max '}${fmt(top)}`, color: color(top) }],
      attributes: { 'data-top': String(top), 'data-channels': String(N), 'data-columns': String(columns.length) },
      svg: (g) => {
        // one path per colour of a 64-level scale: far fewer elements than one per cell
        const levels = new Map<string, string[]>();
        for (const c of columns) {
          for (let n = 0; n < N; n++) {
            const r = cell(c, n);
            const fill = color((Math.round(Math.min(1, Math.max(0, (c.values[n] as number) / top)) * 64) / 64) * top);
            const d = levels.get(fill) ?? [];
            d.push(`M${r.x} ${r.y}h${px(r.w + 0.4)}v${px(r.h + 0.4)}h${px(-r.w - 0.4)}z`);
            levels.set(fill, d);
          }
        }
        g.selectAll('path.cells')
          .data([...levels.entries()])
          .join('path')
          .attr('class', 'cells')
          .attr('fill', ([fill]) => fill)
          .attr('d', ([, d]) => d.join(''));
      },
      canvas: (ctx, dpr) => {
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        for (const c of columns) {
          for (let n = 0; n < N; n++) {
            const r = cell(c, n);
            ctx.fillStyle = r.fill;
            ctx.fillRect(r.x, r.y, r.w + 0.5, r.h + 0.5);
          }
        }
      },
    };
  }
}

/**
 * Creates a spectrogram sink: `envelopes$.pipe(spectrogram().window(500).tap())`; in Node
 * `spectrogram().toSVG(envelopes)`. Accessors: see {@link Spectrogram} and {@link Chart}.
 * Errors: SpikeflowError for invalid accessor values, invalid chunks and non-finite values.
 */
export const spectrogram = <D = StreamChunk>(): Spectrogram<D> => {
  const style: SpectroStyle = { interpolator: interpolateViridis, clip: 0.99, yLabel: 'channel', channelLabels: undefined };
  const kind: ChartKind = { name: 'spectrogram', allowAllBatches: false, store: (settings) => new SpectroStore(settings, style) };
  const core = makeChart<D>(kind, pickOutput as Picker<D>);
  const chart = core.chart;
  const { setter } = core;
  const fn = (argument: string, v: unknown): void => {
    if (typeof v !== 'function') throw new SpikeflowError('spectrogram', argument, `${argument} must be a function, received ${show(v)}`);
  };
  Object.assign(chart, {
    value: setter(core.getValue, (v) => {
      fn('value', v);
      core.setValue(v as Picker<D>);
    }),
    interpolator: setter(
      () => style.interpolator,
      (v) => {
        fn('interpolator', v);
        style.interpolator = v as ColorInterpolator;
      },
    ),
    clip: setter(
      () => style.clip,
      (v) => {
        if (!(typeof v === 'number' && v > 0 && v <= 1)) {
          throw new SpikeflowError('spectrogram', 'clip', `clip must be a quantile in (0, 1], received ${show(v)}`);
        }
        style.clip = v;
      },
    ),
    yLabel: setter(
      () => style.yLabel,
      (v) => {
        style.yLabel = checkString('spectrogram', 'yLabel', v);
      },
    ),
    channelLabels: setter(
      () => style.channelLabels,
      (v) => {
        if (v !== undefined) fn('channelLabels', v);
        style.channelLabels = v as ((channel: number) => string) | undefined;
      },
    ),
  });
  return chart as unknown as Spectrogram<D>;
};
