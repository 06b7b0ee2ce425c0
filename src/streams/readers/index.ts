/**
 * The platform-neutral readers (Node and browsers): event batches and their incremental decoders
 * for every format, format detection, stream decoding, WAV decoding, and the audio/sensor
 * operators (cochlea envelopes, send-on-delta and LIF spike encoders). Node file, stdin and
 * WebSocket sources are in `./node.js`.
 * @module
 */
export { AEDAT_CHIPS, type Aedat2DecoderOptions, type AedatChipLayout, aedat2Decoder } from './aedat2.js';
export { AEDAT3_DEVICES, aedat3Decoder } from './aedat3.js';
export { AEDAT4_COMPRESSION, type Aedat4DecoderOptions, type Aedat4Stream, aedat4Decoder, parseAedat4Streams } from './aedat4.js';
export { type CochleaEnvelopesOptions, cochleaEnvelopes, monoSamples } from './cochleaEnvelopes.js';
export { DAT_EVENT_BYTES, datDecoder } from './dat.js';
export { type ByteChunks, decodeEventChunks, eventBatches, fromAsyncGenerator, readableStreamChunks } from './decodeStream.js';
export { type DeltaEncoder, type DeltaOptions, type DeltaState, deltaEncoder, deltaSpikes } from './deltaSpikes.js';
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
  EventFormatError,
  type EventFormatErrorKind,
  type EventStreamInfo,
  emptyBatch,
} from './events.js';
export { evt2Decoder } from './evt2.js';
export { evt3Decoder } from './evt3.js';
export { jsonlDecoder } from './jsonl.js';
export { type LifSpikesOptions, lifSpikes } from './lifSpikes.js';
export { NMNIST_RECORD_BYTES, NMNIST_SENSOR_SIZE, nmnistDecoder } from './nmnist.js';
export { PROPHESEE_SYSTEM_GEOMETRY, type PropheseeHeader, parsePropheseeHeader } from './propheseeHeader.js';
export { type AudioBlock, type WavDecoder, type WavInfo, wavDecoder } from './wav.js';
