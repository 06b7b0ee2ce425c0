/**
 * `audioSpikes`: a WAV file streamed in blocks → cochlea envelopes → spikes, as an
 * `Observable<Tensor>` of spike chunks `[T, 1, N]` (Node). The encoder is send-on-delta
 * (`N = 2·channels`, ON then OFF) or a LIF current encoder (`N = channels`, `dt = hop / sampleRate`).
 * ```ts
 * audioSpikes('speech.wav', { cochlea: { channels: 32 }, encoder: 'lif', gain: 200 }).pipe(...)
 * ```
 * @module
 */
import { defer, finalize, from, mergeMap, type Observable } from 'rxjs';
import { type CochleaEnvelopesOptions, cochleaEnvelopes } from '../../ops/encoders/cochleaEnvelopes.js';
import { deltaSpikes } from '../../ops/encoders/deltaSpikes.js';
import { type LifSpikesOptions, lifSpikes } from '../../ops/encoders/lifSpikes.js';
import { SpikeflowError, show } from '../../ops/errors.js';
import type { Tensor } from '../../ops/tensor.js';
import { fromAsyncGenerator } from '../decodeStream.js';
import { openWavFile } from './wavFile.js';

/** Options of {@link audioSpikes}. */
export interface AudioSpikesOptions {
  /** Cochlea parameters and audio channel (see `cochleaEnvelopes`); default 32 channels, 1 ms hops. */
  readonly cochlea?: CochleaEnvelopesOptions;
  /** `delta` (default): send-on-delta on the envelopes; `lif`: envelopes × gain as LIF currents. */
  readonly encoder?: 'delta' | 'lif';
  /** Delta threshold, in envelope units (default 0.002, for speech near −20 dBFS). */
  readonly threshold?: number;
  /** LIF: factor from envelope to current (default 200). */
  readonly gain?: number;
  /** LIF parameters (Norse's defaults). */
  readonly lif?: LifSpikesOptions['p'];
  /** Bytes read per chunk (default 256 KiB). */
  readonly chunkBytes?: number;
}

/**
 * Spikes of a WAV recording (see the module docs).
 * @param path - WAV file path
 * @param options - cochlea, encoder and its parameters
 * @returns a cold `Observable<Tensor>` of spike chunks `[T, 1, N]`; the file is closed on completion, error or unsubscription
 * @throws SpikeflowError for an unknown encoder (at once); file and parameter errors go through the stream
 */
export const audioSpikes = (path: string, options: AudioSpikesOptions = {}): Observable<Tensor> => {
  const { cochlea = {}, encoder = 'delta', threshold = 0.002, gain = 200, lif = {}, chunkBytes } = options;
  if (encoder !== 'delta' && encoder !== 'lif')
    throw new SpikeflowError('audioSpikes', 'encoder', `encoder must be "delta" or "lif", received ${show(encoder)}`);
  return defer(() => from(openWavFile(path, chunkBytes === undefined ? {} : { chunkBytes }))).pipe(
    mergeMap((reader) => {
      const fs = reader.info.sampleRate;
      const hop = cochlea.hop ?? Math.max(1, Math.round(fs / 1000));
      const envelopes = fromAsyncGenerator(() => reader).pipe(cochleaEnvelopes({ ...cochlea, hop }));
      const spikes =
        encoder === 'delta' ? envelopes.pipe(deltaSpikes(threshold)) : envelopes.pipe(lifSpikes({ dt: hop / fs, gain, p: lif }));
      return spikes.pipe(finalize(() => void reader.close()));
    }),
  );
};
