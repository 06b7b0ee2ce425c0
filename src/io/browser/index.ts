/**
 * Browser live sources: microphone (Web Audio), device motion, and a webcam as an event sensor.
 * @module
 */
export { type DeviceMotionOptions, deviceMotion, MOTION_CHANNELS } from './deviceMotion.js';
export { type MicrophoneOptions, microphone } from './microphone.js';
export { frameEvents, type WebcamOptions, webcam } from './webcam.js';
