/**
 * spikeflow for Node (`spikeflow/node`): everything of the browser-safe core (`spikeflow`) and of
 * the file formats (`spikeflow/formats`), plus the I/O that uses Node's file system, streams and
 * sockets (event, WAV and CSV files, stdin, WebSocket). The libraries that only some formats need
 * (flatbuffers, fzstd, lz4js, wavefile, csv-parse, ws) load at their first use, not with this
 * entry. Importing it registers the `threads`
 * backend (worker threads over shared memory, WebAssembly SIMD), which `auto` then prefers to
 * `js` where it applies. Browsers use `spikeflow`; plots are in `spikeflow/viz`.
 * @example
 * ```ts
 * import { eventFile, binEvents } from 'spikeflow/node';
 * // a Prophesee EVT 3.0 recording binned into steps of 1 ms: chunks [T, 1, 2, 480, 640]
 * const frames$ = eventFile('recording.raw').pipe(
 *   binEvents({ dt: 0.001, timeUnit: 'us', sensor: { width: 640, height: 480, polarities: 2 } }),
 * );
 * ```
 * @packageDocumentation
 */

// Registers the threads backend.
import './ops/backends/threadsBackend.js';

// --- the core and the file formats (curated in their own entries) ---
export * from './index.js';
export * from './io/formats/decoders.js';

// --- Node I/O: files, stdin, sockets ---
export { type AudioSpikesOptions, audioSpikes } from './io/node/audioSpikes.js';
export { type CsvFileOptions, csvFile, readCsvFile } from './io/node/csvFile.js';
export { type EventFileOptions, type EventFileReader, eventFile, openEventFile, readEventFile } from './io/node/eventFile.js';
export { fileChunks } from './io/node/fileChunks.js';
export {
  eventsFromReadable,
  type LiveEventOptions,
  stdinEvents,
  type WebSocketEventOptions,
  webSocketEvents,
} from './io/node/liveEvents.js';
export { openWavFile, type WavFileOptions, type WavFileReader, wavFile } from './io/node/wavFile.js';

// --- the threads backend (registered above) ---
export {
  activeWorkers,
  createThreadsBackend,
  hardwareThreads,
  type ThreadsBackend,
  type ThreadsOptions,
  terminateThreads,
  threadsBackend,
} from './threads.js';
