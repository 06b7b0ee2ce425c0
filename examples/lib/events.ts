/**
 * Event sources for the replay demo (a common shape for the synthetic stream and recordings) and
 * the binning of events into input currents for a layer of neurons, one neuron per pooled cell.
 * @module
 */
import type { EventBatch } from './movingBar.js';

/** A replayable event stream: `between(t0, t1)` gives the events with `t0 ≤ t < t1`, in µs from the start. */
export interface EventSource {
  readonly label: string;
  readonly width: number;
  readonly height: number;
  between(t0: number, t1: number): EventBatch;
  /**
   * The same events as `between`, as views of the source's own batches (no copy): sources that hold
   * decoded events (recordings) give these so that a frame costs no more than reading its events.
   */
  runs?(t0: number, t1: number): readonly EventRun[];
  /** For recordings: which lap of the loop time `t` (µs since the start of the replay) falls in, from 1, and the recording's length in µs. */
  lap?(t: number): { readonly lap: number; readonly duration: number };
}

/** Events `[from, to)` of `batch`, replayed `shift` µs after their own times. */
export interface EventRun {
  readonly batch: EventBatch;
  readonly from: number;
  readonly to: number;
  readonly shift: number;
}

/** The events of `source` with `t0 ≤ t < t1`, as runs (one run of a fresh batch for sources without `runs`). */
export const runsOf = (source: EventSource, t0: number, t1: number): readonly EventRun[] => {
  if (source.runs !== undefined) return source.runs(t0, t1);
  const batch = source.between(t0, t1);
  return [{ batch, from: 0, to: batch.length, shift: 0 }];
};

/** Number of events in `runs`. */
export const runLength = (runs: readonly EventRun[]): number => runs.reduce((n, r) => n + r.to - r.from, 0);

/** How events map to neurons: `pool × pool` pixels per neuron, `cols × rows` neurons. */
export interface Pooling {
  readonly pool: number;
  readonly cols: number;
  readonly rows: number;
  readonly neurons: number;
}

/** Picks a pooling that gives at most about `target` neurons for a `width × height` sensor. */
export const pooling = (width: number, height: number, target = 256): Pooling => {
  const pool = Math.max(1, Math.ceil(Math.sqrt((width * height) / target)));
  const cols = Math.ceil(width / pool);
  const rows = Math.ceil(height / pool);
  return { pool, cols, rows, neurons: cols * rows };
};

/**
 * Bins events into `steps` steps of `dt` seconds starting at `t0` µs: each event adds 1 to the input
 * of its cell's neuron at its step (ON and OFF alike). Returns `[steps, neurons]` row-major.
 */
export const binToCells = (events: EventBatch, t0: number, steps: number, dt: number, pool: Pooling): Float32Array =>
  binRunsToCells([{ batch: events, from: 0, to: events.length, shift: 0 }], t0, steps, dt, pool);

/** {@link binToCells} of runs of events. */
export const binRunsToCells = (runs: readonly EventRun[], t0: number, steps: number, dt: number, pool: Pooling): Float32Array => {
  const out = new Float32Array(steps * pool.neurons);
  const dtUs = dt * 1e6;
  const { pool: k, cols, neurons } = pool;
  for (const { batch, from, to, shift } of runs) {
    const { t, x, y } = batch;
    const origin = t0 - shift;
    for (let e = from; e < to; e++) {
      const step = Math.floor((t[e]! - origin) / dtUs);
      if (step < 0 || step >= steps) continue;
      const cell = Math.floor(y[e]! / k) * cols + Math.floor(x[e]! / k);
      out[step * neurons + cell]! += 1;
    }
  }
  return out;
};
