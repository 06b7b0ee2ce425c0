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
  /** For recordings: which lap of the loop time `t` (µs since the start of the replay) falls in, from 1, and the recording's length in µs. */
  lap?(t: number): { readonly lap: number; readonly duration: number };
}

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
export const binToCells = (events: EventBatch, t0: number, steps: number, dt: number, pool: Pooling): Float32Array => {
  const out = new Float32Array(steps * pool.neurons);
  const dtUs = dt * 1e6;
  for (let k = 0; k < events.length; k++) {
    const step = Math.floor((events.t[k]! - t0) / dtUs);
    if (step < 0 || step >= steps) continue;
    const cell = Math.floor(events.y[k]! / pool.pool) * pool.cols + Math.floor(events.x[k]! / pool.pool);
    out[step * pool.neurons + cell]! += 1;
  }
  return out;
};
