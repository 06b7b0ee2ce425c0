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
import { interpolateInferno, interpolateRdBu } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { makeChart } from './chart.js';
import { pickOutput } from './dataPath.js';
import { type ColorInterpolator, HeatStore, type HeatStyle, layoutOf } from './heatStore.js';
import type { Chart, ChartKind, Picker, StreamChunk } from './types.js';

export { type ColorInterpolator, magnitudeQuantile } from './heatStore.js';

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
