/**
 * `spikeflow/formats`: file formats as pure decoders with no I/O of their own (Node and browsers
 * alike): event batches and the incremental decoder of every event-camera format, format
 * detection, WAV decoding, and `FormatError`, the one error every format throws; plus the RxJS
 * glue from byte chunks (async iterables, web `ReadableStream`s) to event batches. Node file,
 * stdin and WebSocket sources are in `spikeflow/node`; browser devices in `spikeflow/browser`;
 * the audio and sensor spike encoders in the core. Importing this entry loads the format-only
 * libraries (flatbuffers, fzstd, lz4js, linkedom's DOMParser, wavefile); `spikeflow/node` exports
 * the same names without loading them until a decoder needs one.
 * @example
 * ```ts
 * import { decodeEvents } from 'spikeflow/formats';
 * const bytes = new TextEncoder().encode('{"t":0,"x":1,"y":2,"p":1}\n');
 * const { events } = decodeEvents(bytes, 'jsonl'); // events.x[0] === 1, events.t[0] === 0 (µs)
 * ```
 * @packageDocumentation
 */

// Provides the format-only libraries up front (browsers cannot load them synchronously later).
import './eager.js';

export * from './decoders.js';
