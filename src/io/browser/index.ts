/**
 * `spikeflow/browser`: live sources from a browser's devices — the microphone (Web Audio), device
 * motion, and a webcam as an event sensor (frame differences as events).
 * @example
 * ```ts
 * import { binEvents } from 'spikeflow';
 * import { webcam } from 'spikeflow/browser';
 * const frames$ = webcam({ width: 64, height: 48 }).pipe(binEvents({ dt: 0.01, sensor: { width: 64, height: 48, polarities: 2 } }));
 * ```
 * @packageDocumentation
 */ export { type DeviceMotionOptions, deviceMotion, MOTION_CHANNELS } from './deviceMotion.js';
export { type MicrophoneOptions, microphone } from './microphone.js';
export { frameEvents, type WebcamOptions, webcam } from './webcam.js';
