/**
 * Accumulated event frames over a whole recording: a strip of small multiples, each the sum of
 * the events (or spikes) of one stretch of time per pixel, drawn at the sensor's aspect ratio with
 * axes in sensor pixels and one robust colour scale shared by every frame.
 *
 * Chunks are `[T, batch, C, H, W]` (C = 1, or 2 with OFF in channel 0 and ON in channel 1, as
 * {@link binEvents} makes) or `[T, batch, N]` with `.sensor([C, H, W])`. Batch entry 0 is drawn.
 * Aggregated as data arrive, in bounded memory: pixels are pooled into `k×k` blocks so that a
 * frame is at most `maxSide` blocks wide and high, and the run is cut into at most `frames`
 * stretches of equal length; when a stretch more is needed, neighbouring stretches are merged
 * and the length doubles. Memory: `frames · C · (H/k) · (W/k)` numbers, whatever the run's length.
 *
 * Colour: per block ON − OFF (two channels) on a diverging scale (blue OFF, white 0, red ON), or
 * the count on a sequential one; the scale's top is the 99th percentile of the non-zero
 * magnitudes over all frames, so that hot pixels do not wash the scene out (see heatmap's `clip`).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, showShape, sizeOf, type Tensor } from '../ops/tensor.js';
import { heatmap, magnitudeQuantile } from './heatmap.js';

/** The event-frame strip; see the module docs. */
export interface EventFrames {
  /** Adds a chunk `[T, batch, ...]` whose features hold `C·H·W` values. @throws SpikeflowError for a chunk that does not match the sensor */
  push(chunk: Tensor): EventFrames;
  /** Steps received. */
  received(): number;
  /** Sensor pixels per block side. */
  pixels(): number;
  /** Steps per frame (a power of two). */
  stepsPerFrame(): number;
  /** Values held (bounded; see the module docs). */
  held(): number;
  /** The strip as SVG strings, one per frame, each titled with its time span. */
  toSVGs(): string[];
}

/** Options of {@link eventFrames}. */
export interface EventFramesOptions {
  /** `[C, H, W]` of the sensor (C = 1 or 2). */
  readonly sensor: readonly [number, number, number];
  /** Time step, seconds (for the frames' titles). */
  readonly dt: number;
  /** Most frames in the strip (default 8). */
  readonly frames?: number;
  /** Most blocks per frame side (default 160). */
  readonly maxSide?: number;
  /** Width of one frame's figure, CSS pixels (default 320). */
  readonly width?: number;
  /** Quantile of the colour scale's top (default 0.99). */
  readonly clip?: number;
  /** What is counted, for the legend's caption (default `events`). */
  readonly what?: string;
}

/**
 * Creates an accumulating strip of event frames: `const f = eventFrames({ sensor: [2, 480, 640], dt })`,
 * `f.push(chunk)` as chunks arrive, `f.toSVGs()` at the end.
 * @throws SpikeflowError for a sensor that is not `[C, H, W]` with C = 1 or 2 and positive sizes
 */
export const eventFrames = (options: EventFramesOptions): EventFrames => {
  const [C, H, W] = options.sensor;
  if (!((C === 1 || C === 2) && Number.isInteger(H) && H > 0 && Number.isInteger(W) && W > 0)) {
    throw new SpikeflowError('eventFrames', 'sensor', `sensor must be [C, H, W] with C = 1 or 2, received ${show(options.sensor)}`);
  }
  const count = options.frames ?? 8;
  const k = Math.max(1, Math.ceil(Math.max(H, W) / (options.maxSide ?? 160)));
  const h = Math.ceil(H / k);
  const w = Math.ceil(W / k);
  const size = C * h * w;
  const frames: Float32Array[] = [];
  let per = 1;
  let received = 0;
  // block index of every sensor pixel, computed once
  const blockOf = new Int32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) blockOf[(c * H + y) * W + x] = (c * h + Math.floor(y / k)) * w + Math.floor(x / k);

  const frameFor = (step: number): Float32Array => {
    let j = Math.floor(step / per);
    while (j >= count) {
      // merge neighbours: frame i ← frames 2i and 2i+1
      for (let i = 0; i < count / 2; i++) {
        const a = frames[2 * i] as Float32Array;
        const b = frames[2 * i + 1];
        if (b !== undefined) for (let q = 0; q < size; q++) a[q] = (a[q] as number) + (b[q] as number);
        frames[i] = a;
      }
      frames.length = Math.ceil(frames.length / 2);
      per *= 2;
      j = Math.floor(step / per);
    }
    while (frames.length <= j) frames.push(new Float32Array(size));
    return frames[j] as Float32Array;
  };

  const self: EventFrames = {
    push: (chunk) => {
      const T = chunk.shape[0] as number;
      const B = chunk.shape[1] as number;
      const F = sizeOf(chunk.shape.slice(2));
      if (chunk.shape.length < 3 || F !== C * H * W) {
        throw new SpikeflowError(
          'eventFrames',
          'chunk',
          `chunk must be [T, batch, ...] with ${C * H * W} features (sensor ${showShape(options.sensor)}), received ${showShape(chunk.shape)}`,
        );
      }
      const d = chunk.data;
      for (let t = 0; t < T; t++) {
        const frame = frameFor(received + t);
        const base = t * B * F;
        for (let f = 0; f < F; f++) {
          const v = d[base + f] as number;
          if (v !== 0) {
            const o = blockOf[f] as number;
            frame[o] = (frame[o] as number) + v;
          }
        }
      }
      received += T;
      return self;
    },
    received: () => received,
    pixels: () => k,
    stepsPerFrame: () => per,
    held: () => frames.length * size,
    toSVGs: () => {
      // the shared robust scale: a quantile of the non-zero magnitudes of every frame's ON − OFF
      const shown = frames.map((f) => {
        if (C === 1) return f;
        const out = new Float32Array(h * w);
        for (let q = 0; q < h * w; q++) out[q] = (f[h * w + q] as number) - (f[q] as number);
        return out;
      });
      const all = new Float32Array(shown.length * h * w);
      shown.forEach((f, i) => {
        all.set(f, i * h * w);
      });
      const top = magnitudeQuantile(all, options.clip ?? 0.99);
      const width = options.width ?? 320;
      const margin = { top: 34, right: 8, bottom: 34, left: 40 };
      const pw = width - margin.left - margin.right;
      const ph = Math.max(8, Math.round((pw * H) / W));
      const ms = (step: number): string => `${+(step * options.dt * 1000).toPrecision(4)}`;
      return frames.map((f, i) => {
        const from = i * per;
        const to = Math.min(received, (i + 1) * per);
        return (
          heatmap<Tensor>()
            .window(1)
            .frame(C === 2 ? [2, h, w] : [h, w])
            .pixels(k)
            .clip(options.clip ?? 0.99)
            .max(top > 0 ? top : undefined)
            .width(width)
            .height(ph + margin.top + margin.bottom)
            .margin(margin)
            .title(`${ms(from)}–${ms(to)} ms`)
            // past 400 lit blocks a frame is a path per colour level, not a rect per block: small multiples of a
            // megapixel sensor would otherwise hold tens of thousands of elements (seconds to build and to parse)
            .svgLimit(400)
            .toSVG(fromTypedArray(Float32Array.from(f), [1, 1, size]))
        );
      });
    },
  };
  return self;
};
