/**
 * `spikeflow/formats`: file formats as pure decoders with no I/O of their own (Node and browsers
 * alike): event batches and the incremental decoder of every event-camera format, format
 * detection, WAV decoding, and `FormatError`, the one error every format throws; plus the RxJS
 * glue from byte chunks (async iterables, web `ReadableStream`s) to event batches. Node file,
 * stdin and WebSocket sources are in `spikeflow/node`; browser devices in `spikeflow/browser`;
 * the audio and sensor spike encoders in the core.
 * @example
 * ```ts
 * import { decodeEvents } from 'spikeflow/formats';
 * const bytes = new TextEncoder().encode('{"t":0,"x":1,"y":2,"p":1}\n');
 * const { events } = decodeEvents(bytes, 'jsonl'); // events.x[0] === 1, events.t[0] === 0 (µs)
 * ```
 * @packageDocumentation
 */
export { type ByteChunks, decodeEventChunks, eventBatches, fromAsyncGenerator, readableStreamChunks } from '../decodeStream.js';
export { AEDAT_CHIPS, type Aedat2DecoderOptions, type AedatChipLayout, aedat2Decoder } from './aedat2.js';
export { AEDAT3_DEVICES, aedat3Decoder } from './aedat3.js';
export { AEDAT4_COMPRESSION, type Aedat4DecoderOptions, type Aedat4Stream, aedat4Decoder, parseAedat4Streams } from './aedat4.js';
export type { CsvBlock } from './csvBlock.js';
export { DAT_EVENT_BYTES, datDecoder } from './dat.js';
export {
  type AnyEventDecoderOptions,
  type DecodedEvents,
  decodeEvents,
  detectFormat,
  eventDecoder,
  FILE_FORMATS,
  type FileFormat,
  isEventFormat,
  SNIFF_BYTES,
} from './detect.js';
export {
  concatBatches,
  EVENT_FORMATS,
  type EventBatch,
  type EventDecoder,
  type EventDecoderOptions,
  type EventFormat,
  type EventStreamInfo,
  emptyBatch,
} from './events.js';
export { evt2Decoder } from './evt2.js';
export { evt3Decoder } from './evt3.js';
export { FormatError, type FormatErrorKind } from './formatError.js';
export { jsonlDecoder } from './jsonl.js';
export { NMNIST_RECORD_BYTES, NMNIST_SENSOR_SIZE, nmnistDecoder } from './nmnist.js';
export { PROPHESEE_SYSTEM_GEOMETRY, type PropheseeHeader, parsePropheseeHeader } from './propheseeHeader.js';
export { type AudioBlock, type WavDecoder, type WavInfo, wavDecoder } from './wav.js';
