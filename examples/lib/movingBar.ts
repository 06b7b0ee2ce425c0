/**
 * A synthetic event camera: a bright vertical bar sweeping left to right across the sensor, over
 * and over. Where the bar's leading edge passes a pixel the pixel emits an ON event, where its
 * trailing edge passes an OFF event (each with a little timing jitter), plus sparse background
 * noise. Deterministic (seeded), endless, and cheap: events are made one sweep at a time.
 * @module
 */
import { bisectLeft } from 'd3';
import { seededGenerator, uniforms } from 'spikeflow';

/** Events as columns: timestamps in microseconds, pixel column/row, polarity 1 (ON) or 0 (OFF). */
export interface EventBatch {
  readonly length: number;
  readonly t: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

/** Options of {@link movingBar}. */
export interface MovingBarOptions {
  /** Sensor width in pixels (default 64). */
  readonly width?: number;
  /** Sensor height in pixels (default 48). */
  readonly height?: number;
  /** Bar width in pixels (default 4). */
  readonly barWidth?: number;
  /** Duration of one sweep in seconds (default 0.5). */
  readonly period?: number;
  /** Timing jitter of edge events in microseconds (default 300). */
  readonly jitter?: number;
  /** Background noise events per pixel per second (default 0.5). */
  readonly noise?: number;
  /** Seed of the jitter and noise (default 1). */
  readonly seed?: number;
}

/** An endless synthetic event stream: `between(t0, t1)` returns the events with `t0 ≤ t < t1` (µs), sorted. */
export interface MovingBar {
  readonly width: number;
  readonly height: number;
  between(t0: number, t1: number): EventBatch;
}

/** Creates the moving-bar event source. */
export const movingBar = (options: MovingBarOptions = {}): MovingBar => {
  const width = options.width ?? 64;
  const height = options.height ?? 48;
  const bw = options.barWidth ?? 4;
  const period = (options.period ?? 0.5) * 1e6;
  const jitter = options.jitter ?? 300;
  const noise = options.noise ?? 0.5;
  const seed = options.seed ?? 1;
  const cache = new Map<number, EventBatch>();

  /** All events of sweep k (times relative to the sweep's start, sorted). */
  const sweep = (k: number): EventBatch => {
    const hit = cache.get(k);
    if (hit !== undefined) return hit;
    const edges = width * height * 2;
    const nNoise = Math.round((noise * width * height * period) / 1e6);
    const [u] = uniforms(seededGenerator(seed * 1_000_003 + k), edges + 4 * nNoise);
    const ev: [number, number, number, number][] = [];
    let r = 0;
    for (let c = 0; c < width; c++) {
      // leading edge reaches column c at fraction c/(W+bw) of the sweep, trailing edge bw columns later
      const tOn = (c / (width + bw)) * period;
      const tOff = ((c + bw) / (width + bw)) * period;
      for (let y = 0; y < height; y++) {
        ev.push([Math.max(0, tOn + (u[r++]! - 0.5) * jitter), c, y, 1]);
        ev.push([Math.max(0, tOff + (u[r++]! - 0.5) * jitter), c, y, 0]);
      }
    }
    for (let n = 0; n < nNoise; n++) {
      ev.push([u[r++]! * period, Math.floor(u[r++]! * width), Math.floor(u[r++]! * height), u[r++]! < 0.5 ? 1 : 0]);
    }
    ev.sort((a, b) => a[0] - b[0]);
    const batch: EventBatch = {
      length: ev.length,
      t: Float64Array.from(ev, (e) => e[0] + k * period),
      x: Uint16Array.from(ev, (e) => e[1]),
      y: Uint16Array.from(ev, (e) => e[2]),
      p: Uint8Array.from(ev, (e) => e[3]),
    };
    if (cache.size > 4) cache.delete(cache.keys().next().value!);
    cache.set(k, batch);
    return batch;
  };

  const between = (t0: number, t1: number): EventBatch => {
    const parts: EventBatch[] = [];
    for (let k = Math.floor(t0 / period); k * period < t1; k++) {
      const s = sweep(k);
      const a = bisectLeft(s.t, t0);
      const b = bisectLeft(s.t, t1, a);
      if (b > a) parts.push({ length: b - a, t: s.t.subarray(a, b), x: s.x.subarray(a, b), y: s.y.subarray(a, b), p: s.p.subarray(a, b) });
    }
    return concatEvents(parts);
  };
  return { width, height, between };
};

/** Concatenates event batches (in order). */
export const concatEvents = (parts: readonly EventBatch[]): EventBatch => {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = { length: n, t: new Float64Array(n), x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) };
  let o = 0;
  for (const p of parts) {
    out.t.set(p.t, o);
    out.x.set(p.x, o);
    out.y.set(p.y, o);
    out.p.set(p.p, o);
    o += p.length;
  }
  return out;
};
