/**
 * `deviceMotion`: a phone's accelerometer and gyroscope (`devicemotion` events) as blocks of rows
 * — time in ms and six channels (ax, ay, az in m/s², rotation rates α, β, γ in °/s) — shaped like
 * the CSV reader's blocks, so the same `lifSpikes` / `deltaSpikes` encoders apply. Browser only:
 * type-checked here, not run by the Node test suite.
 * @module
 */
import { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import { fromTypedArray } from '../../ops/tensor.js';
import type { CsvBlock } from '../formats/csvBlock.js';

/** Channel names of {@link deviceMotion} blocks. */
export const MOTION_CHANNELS = ['ax', 'ay', 'az', 'alpha', 'beta', 'gamma'] as const;

/** Options of {@link deviceMotion}. */
export interface DeviceMotionOptions {
  /** Samples per block (integer ≥ 1, default 32). */
  readonly blockRows?: number;
}

/**
 * Motion samples in blocks `{ start, channels, t (ms), values [rows, 1, 6] }` (float32). Asks for
 * permission where the browser requires it (iOS); missing readings are 0.
 * @param options - `blockRows`
 * @throws SpikeflowError for an invalid block size; a missing API or a refused permission errors the stream
 */
export const deviceMotion = (options: DeviceMotionOptions = {}): Observable<CsvBlock> => {
  const { blockRows = 32 } = options;
  if (!(Number.isInteger(blockRows) && blockRows >= 1)) {
    throw new SpikeflowError('deviceMotion', 'blockRows', `blockRows must be an integer ≥ 1, received ${show(blockRows)}`);
  }
  return new Observable<CsvBlock>((subscriber) => {
    if (typeof window === 'undefined' || typeof DeviceMotionEvent === 'undefined') {
      subscriber.error(
        new SpikeflowError('deviceMotion', 'window', 'DeviceMotionEvent is not available (browser on a device with motion sensors needed)'),
      );
      return;
    }
    let t = new Float64Array(blockRows);
    let v = new Float32Array(blockRows * 6);
    let n = 0;
    let rows = 0;
    const onMotion = (e: DeviceMotionEvent): void => {
      const a = e.acceleration ?? e.accelerationIncludingGravity;
      const r = e.rotationRate;
      t[n] = e.timeStamp;
      v.set([a?.x ?? 0, a?.y ?? 0, a?.z ?? 0, r?.alpha ?? 0, r?.beta ?? 0, r?.gamma ?? 0], 6 * n);
      n++;
      rows++;
      if (n === blockRows) {
        subscriber.next(Object.freeze({ start: rows - n, channels: MOTION_CHANNELS, t, values: fromTypedArray(v, [n, 1, 6]) }));
        t = new Float64Array(blockRows);
        v = new Float32Array(blockRows * 6);
        n = 0;
      }
    };
    const request = (DeviceMotionEvent as unknown as { requestPermission?: () => Promise<string> }).requestPermission;
    (request === undefined ? Promise.resolve('granted') : request())
      .then((answer) => {
        if (answer !== 'granted') throw new SpikeflowError('deviceMotion', 'permission', `motion permission was ${show(answer)}`);
        if (!subscriber.closed) window.addEventListener('devicemotion', onMotion);
      })
      .catch((e: unknown) => subscriber.error(e));
    return () => window.removeEventListener('devicemotion', onMotion);
  });
};
