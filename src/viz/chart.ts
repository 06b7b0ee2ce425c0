/**
 * `makeChart`: assembles a sink from its kind — the callable chart object with the accessors
 * every sink shares, its data path ({@link ChartData}), live view ({@link LiveView}) and
 * standalone SVG rendering. Chart files (raster, traces, heatmap, rate) add their own accessors.
 *
 * How a sink runs:
 * - `push` (what the sink's RxJS observer and `tap` operator call) picks the tensor from the
 *   stream element, checks its shape, and queues a reference: O(1), no copy, never blocking.
 * - A display frame (`requestAnimationFrame` while attached to a page; `toSVG` in Node) drains
 *   the queue into the sink's store and draws what is there. Many chunks between two frames cost
 *   one drawing, so rendering runs at display rate whatever the stream's rate.
 * - Queue and store hold only the last `window` steps, and the queue is drained into the store
 *   when it holds more than a fixed number of values, so memory is bounded whatever the run.
 *
 * Time: step `k` (counted from the first step the sink received, from 0) is drawn at time `k·dt`,
 * shown in ms (default), s or steps. Chunks are `[T, batch, ...features]` (time first).
 * @module
 */

import { type MonoTypeOperatorFunction, type Observer, tap } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import type { BufferStats } from './buffer.js';
import { ChartData } from './dataPath.js';
import { drawingOf, renderStandalone } from './figure.js';
import { LiveView } from './live.js';
import { defaultSettings, settingRules } from './settings.js';
import type { AttachTarget, Chart, ChartCore, ChartKind, ChartSettings, OptionalPicker, Picker } from './types.js';

/**
 * Builds the shared part of a chart: the callable chart object with the common accessors, its
 * data path and rendering. Chart files add their own accessors to `core.chart`.
 * @param kind - the chart kind
 * @param value - default picker of the tensor from a stream element
 * @throws SpikeflowError from the accessors and `push` for invalid values (each names the argument)
 */
export const makeChart = <D>(kind: ChartKind, value: Picker<D>): ChartCore<D> => {
  const where = kind.name;
  let settings: ChartSettings = defaultSettings(kind);
  let pick: Picker<D> = value;
  let pickAux: OptionalPicker<D> | undefined;
  let live: LiveView | undefined;
  const getSettings = (): ChartSettings => settings;
  const newData = (): ChartData => new ChartData(kind, getSettings);
  let data = newData();

  const redraw = (): void => live?.schedule();
  const reset = (): void => {
    data = newData();
    redraw();
  };
  const push = (datum: D): void => {
    data.push(datum, pick, pickAux);
    redraw();
  };
  const attach = (target: AttachTarget): void => {
    const view = new LiveView(where, target, () => data, getSettings);
    live?.remove();
    live = view;
    redraw();
  };
  const detach = (): void => {
    live?.remove();
    live = undefined;
  };
  const ended = (error?: unknown): void => {
    if (error !== undefined) data.error = error;
    data.complete = true;
    redraw();
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

  const rules = settingRules(kind);
  const shared: Record<string, unknown> = chart;
  for (const name of Object.keys(rules) as (keyof ChartSettings)[]) {
    const rule = rules[name];
    shared[name] = accessor(
      () => settings[name],
      (v) => {
        settings = { ...settings, ...rule.check(v, settings) };
      },
      rule.clears === true,
    );
  }

  Object.assign(chart, {
    push: (datum: D) => {
      push(datum);
      return chart;
    },
    advance: (steps: unknown) => {
      if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) {
        throw new SpikeflowError(where, 'steps', `steps must be a non-negative integer, received ${show(steps)}`);
      }
      data.win.skip(steps);
      redraw();
      return chart;
    },
    clear: () => {
      reset();
      return chart;
    },
    observer: (): Observer<D> => ({ next: (d: D) => push(d), error: (e: unknown) => ended(e), complete: () => ended() }),
    tap: (): MonoTypeOperatorFunction<D> => tap<D>({ next: (d) => push(d), error: (e: unknown) => ended(e), complete: () => ended() }),
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
      data.flush();
      drawingOf(data, settings, true).canvas(ctx, dpr);
      return chart;
    },
    draw: () => {
      live?.draw();
      return chart;
    },
    toSVG: (datum?: D): string => {
      if (datum === undefined) return renderStandalone(where, settings, data);
      const one = newData();
      one.push(datum, pick, pickAux);
      return renderStandalone(where, settings, one);
    },
    scales: () => {
      data.flush();
      const d = drawingOf(data, settings, live !== undefined);
      return { x: d.x, y: d.y };
    },
    buffered: (): BufferStats => ({
      received: data.win.received,
      pending: data.win.pending,
      stored: data.store.stored(),
      marks: data.store.marks(),
    }),
    error: () => data.error,
    completed: () => data.complete,
  });

  return {
    chart,
    settings: getSettings,
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
