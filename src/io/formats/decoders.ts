/**
 * The file formats' public names, in one list: the `spikeflow/formats` entry (`index.ts`) and
 * `spikeflow/node` both re-export it. This list loads none of the format-only libraries; they
 * load at their first use (`libraries.ts`), while the `spikeflow/formats` entry provides them up
 * front so that its decoders run at once in browsers too.
 * @module
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
export { FORMAT_LIBRARIES, type FormatLibraryName, loadFormatLibraries } from './libraries.js';
export { NMNIST_RECORD_BYTES, NMNIST_SENSOR_SIZE, nmnistDecoder } from './nmnist.js';
export { PROPHESEE_SYSTEM_GEOMETRY, type PropheseeHeader, parsePropheseeHeader } from './propheseeHeader.js';
export { type AudioBlock, type WavDecoder, type WavInfo, wavDecoder } from './wav.js';
