/**
 * The Node-only readers: event, WAV and CSV files streamed through file handles, stdin and
 * WebSocket event sources, and the WAV → cochlea → spikes pipeline.
 * @module
 */
export { type AudioSpikesOptions, audioSpikes } from './audioSpikes.js';
export { type CsvFileOptions, csvFile, readCsvFile } from './csvFile.js';
export { type EventFileOptions, type EventFileReader, eventFile, openEventFile, readEventFile } from './eventFile.js';
export { fileChunks } from './fileChunks.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  eventsFromReadable,
  type LiveEventOptions,
  type NodeByteStream,
  nodeStreamEvents,
  stdinEvents,
  type WebSocketEventOptions,
  webSocketEvents,
} from './liveEvents.js';
export { openWavFile, type WavFileOptions, type WavFileReader, wavFile } from './wavFile.js';
