/**
 * `webcam`: a camera as an event sensor. Frames from getUserMedia are drawn, downscaled, to a
 * canvas, turned into log intensities, and compared pixel by pixel with a per-pixel reference: a
 * change of at least `threshold` log units emits an ON or OFF event and moves the reference to the
 * new level (the idealised DVS pixel, as in event-camera emulators such as v2e). The pixel model is
 * the pure {@link frameEvents}, tested in Node; the camera plumbing is browser-only and type-checked.
 * @module
 */
import { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import { BatchBuilder, type EventBatch } from '../formats/events.js';

/** Options of {@link webcam}. */
export interface WebcamOptions {
  /** Width and height of the event sensor, pixels (the video is scaled to it; default [160, 120]). */
  readonly size?: readonly [number, number];
  /** Contrast threshold, natural-log units (> 0, default 0.2). */
  readonly threshold?: number;
}

/**
 * Events between a frame and the reference levels, updating the references in place (the
 * references are the emulator's state, owned by the caller).
 * @param logIntensity - `ln(ε + luminance)` per pixel, row-major `[height, width]`
 * @param reference - reference level per pixel (same layout); updated where events fire
 * @param width - sensor width
 * @param t - timestamp of the frame, µs
 * @param threshold - contrast threshold θ > 0
 * @returns the events of the frame, in row-major pixel order
 * @throws SpikeflowError (`reference`) when the frame, the reference and `width` disagree in size
 */
export const frameEvents = (
  logIntensity: Float32Array,
  reference: Float32Array,
  width: number,
  t: number,
  threshold: number,
): EventBatch => {
  if (logIntensity.length !== reference.length || logIntensity.length % width !== 0) {
    throw new SpikeflowError(
      'frameEvents',
      'reference',
      `frame has ${logIntensity.length} pixels, reference ${reference.length}, width ${width}`,
    );
  }
  const out = new BatchBuilder(256);
  for (let k = 0; k < logIntensity.length; k++) {
    const d = (logIntensity[k] as number) - (reference[k] as number);
    if (d >= threshold || d <= -threshold) {
      out.add(t, k % width, Math.floor(k / width), d > 0 ? 1 : 0);
      reference[k] = logIntensity[k] as number;
    }
  }
  return out.take();
};

/**
 * Webcam events, one batch per video frame (the first frame sets the references and emits none).
 * @param options - `size`, `threshold`
 * @throws SpikeflowError for invalid options; a missing API or a denied permission errors the stream
 */
export const webcam = (options: WebcamOptions = {}): Observable<EventBatch> => {
  const { size = [160, 120], threshold = 0.2 } = options;
  const [width, height] = size;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new SpikeflowError('webcam', 'size', `size must be [width, height], positive integers, received ${show(size)}`);
  }
  if (!(threshold > 0 && Number.isFinite(threshold)))
    throw new SpikeflowError('webcam', 'threshold', `threshold must be > 0, received ${show(threshold)}`);
  return new Observable<EventBatch>((subscriber) => {
    let stream: MediaStream | undefined;
    let frame = 0;
    let stopped = false;
    const start = async (): Promise<void> => {
      if (typeof navigator === 'undefined' || navigator.mediaDevices?.getUserMedia === undefined) {
        throw new SpikeflowError('webcam', 'navigator', 'getUserMedia is not available (browser with a secure context needed)');
      }
      stream = await navigator.mediaDevices.getUserMedia({ video: true });
      if (stopped) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = stream;
      await video.play();
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (ctx === null) throw new SpikeflowError('webcam', 'canvas', 'no 2D canvas context');
      const logI = new Float32Array(width * height);
      const reference = new Float32Array(width * height);
      let first = true;
      const tick = (): void => {
        if (stopped) return;
        ctx.drawImage(video, 0, 0, width, height);
        const rgba = ctx.getImageData(0, 0, width, height).data;
        for (let k = 0; k < logI.length; k++) {
          const lum = (0.299 * (rgba[4 * k] as number) + 0.587 * (rgba[4 * k + 1] as number) + 0.114 * (rgba[4 * k + 2] as number)) / 255;
          logI[k] = Math.log(1e-3 + lum);
        }
        if (first) {
          reference.set(logI);
          first = false;
        } else {
          const batch = frameEvents(logI, reference, width, performance.now() * 1000, threshold);
          if (batch.length > 0) subscriber.next(batch);
        }
        frame = requestAnimationFrame(tick);
      };
      frame = requestAnimationFrame(tick);
    };
    start().catch((e: unknown) => subscriber.error(e));
    return () => {
      stopped = true;
      cancelAnimationFrame(frame);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  });
};
