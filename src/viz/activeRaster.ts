/**
 * A raster of a large layer's most active neurons: the spikes of the last `window` steps are
 * logged sparsely as they arrive (neuron indices per step, in bounded memory), and at drawing
 * time the `count` neurons with the most spikes in that window are drawn, labelled with their
 * own indices (or a label function, e.g. a pixel's coordinates), with a title saying which and
 * how many. A raster of the first rows of a sensor is usually blank; this one shows activity.
 *
 * Memory: at most `maxSpikes` logged spikes (default 2^22); past that the oldest steps of the
 * window are dropped and the drawing says from which step it starts.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, sizeOf, type Tensor } from '../ops/tensor.js';
import { type Raster, raster } from './raster.js';

/** Options of {@link activeRaster}. */
export interface ActiveRasterOptions {
  /** Steps shown: the last `window` steps (a positive integer). */
  readonly window: number;
  /** Time step, seconds. */
  readonly dt: number;
  /** Neurons drawn (default 48). */
  readonly count?: number;
  /** Most spikes logged (default 2^22). */
  readonly maxSpikes?: number;
  /** Label of neuron `n` of the layer (default its index). */
  readonly label?: (neuron: number) => string;
  /** What the neurons are, for the title (default `neurons`). */
  readonly what?: string;
}

/** What {@link activeRaster} accumulates and draws. */
export interface ActiveRaster {
  /** Logs the spikes of a chunk `[T, batch, ...]` (batch entry 0). */
  push(spikes: Tensor): ActiveRaster;
  /** Steps received. */
  received(): number;
  /** Spikes logged now (bounded by `maxSpikes`). */
  logged(): number;
  /** The neurons drawn (most spikes in the window first), with their spike counts in the window. */
  selection(): { readonly neurons: readonly number[]; readonly spikes: readonly number[]; readonly from: number; readonly to: number };
  /** A raster chart of the selection, ready to style (`.width(...)`) and render (`.toSVG()`). */
  chart(title: string): Raster<Tensor>;
}

/**
 * Creates an accumulating raster of a layer's most active neurons.
 * @throws SpikeflowError for a window, count or maxSpikes that is not a positive integer
 */
export const activeRaster = (options: ActiveRasterOptions): ActiveRaster => {
  const W = options.window;
  const K = options.count ?? 48;
  const budget = options.maxSpikes ?? 1 << 22;
  for (const [name, v] of [
    ['window', W],
    ['count', K],
    ['maxSpikes', budget],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new SpikeflowError('activeRaster', name, `${name} must be a positive integer, received ${show(v)}`);
    }
  }
  const log: (Int32Array | undefined)[] = new Array(W).fill(undefined);
  let received = 0;
  let logged = 0;
  /** Oldest step still logged (steps before were dropped to keep within the budget). */
  let oldest = 0;
  let neurons = 0;
  let scratch = new Int32Array(0);

  const selection = (): ReturnType<ActiveRaster['selection']> => {
    const from = Math.max(oldest, received - W);
    const counts = new Map<number, number>();
    for (let s = from; s < received; s++) {
      const idx = log[s % W];
      if (idx === undefined) continue;
      for (const n of idx) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, K);
    return { neurons: top.map((e) => e[0]), spikes: top.map((e) => e[1]), from, to: received };
  };

  const self: ActiveRaster = {
    push: (spikes) => {
      const T = spikes.shape[0] as number;
      const B = spikes.shape[1] as number;
      const N = sizeOf(spikes.shape.slice(2));
      neurons = N;
      if (scratch.length < N) scratch = new Int32Array(N);
      const d = spikes.data;
      for (let t = 0; t < T; t++) {
        const step = received + t;
        const slot = step % W;
        logged -= log[slot]?.length ?? 0;
        let c = 0;
        const base = t * B * N;
        for (let n = 0; n < N; n++) if ((d[base + n] as number) !== 0) scratch[c++] = n;
        log[slot] = c === 0 ? undefined : scratch.slice(0, c);
        logged += c;
        while (logged > budget && oldest < step) {
          logged -= log[oldest % W]?.length ?? 0;
          log[oldest % W] = undefined;
          oldest++;
        }
      }
      received += T;
      oldest = Math.max(oldest, received - W);
      return self;
    },
    received: () => received,
    logged: () => logged,
    selection,
    chart: (title) => {
      const sel = selection();
      const order = [...sel.neurons].sort((a, b) => a - b);
      const row = new Map(order.map((n, k) => [n, k]));
      const S = Math.max(1, sel.to - sel.from);
      const R = Math.max(1, order.length);
      const data = new Float32Array(S * R);
      for (let s = sel.from; s < sel.to; s++) {
        const idx = log[s % W];
        if (idx === undefined) continue;
        for (const n of idx) {
          const r = row.get(n);
          if (r !== undefined) data[(s - sel.from) * R + r] = 1;
        }
      }
      const label = options.label ?? String;
      const what = options.what ?? 'neurons';
      const chart = raster<Tensor>()
        .window(S)
        .dt(options.dt)
        .title(
          order.length === 0
            ? `${title}: no spikes in the window`
            : `${title}: the ${order.length} most active of ${neurons} ${what} (${sel.spikes.reduce((a, b) => a + b, 0)} of their spikes)`,
        )
        .yLabel(what)
        .rowLabels((r) => (order[r] === undefined ? '' : label(order[r] as number)));
      chart.advance(sel.from).push(fromTypedArray(data, [S, 1, R]));
      return chart;
    },
  };
  return self;
};
