/**
 * `spikeflow/browser`: spikeflow in a browser page or worker — importing it registers the
 * `threads` backend (the kernels compiled to WebAssembly SIMD; multi-threaded over Web Workers in a
 * cross-origin isolated page, see {@link startThreads}), so `auto` runs the feed-forward models
 * there; and live sources from a browser's devices — the microphone (Web Audio), device motion,
 * and a webcam as an event sensor (frame differences as events).
 * @example
 * ```ts
 * import { binEvents } from 'spikeflow';
 * import { webcam } from 'spikeflow/browser';
 * // frame differences of a 64 × 48 webcam as events (µs), binned into steps of 10 ms
 * const frames$ = webcam({ size: [64, 48] }).pipe(
 *   binEvents({ dt: 0.01, timeUnit: 'us', sensor: { width: 64, height: 48, polarities: 2 } }),
 * );
 * ```
 * @packageDocumentation
 */

// Registers the threads backend whatever is imported from this entry (a side effect bundlers keep: see package.json `sideEffects`).
import '../../ops/backends/threadsBackend.js';

export { type DeviceMotionOptions, deviceMotion, MOTION_CHANNELS } from './deviceMotion.js';
export { type MicrophoneOptions, microphone } from './microphone.js';
export { frameEvents, type WebcamOptions, webcam } from './webcam.js';

// --- browser execution: the threads backend (WebAssembly SIMD, Web Workers when isolated) ---
export {
  activeWorkers,
  createThreadsBackend,
  hardwareThreads,
  startThreads,
  type ThreadsBackend,
  type ThreadsOptions,
  terminateThreads,
  threadsBackend,
} from '../../threads.js';
