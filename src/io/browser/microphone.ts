/**
 * `microphone`: the browser's microphone as an `Observable<AudioBlock>` (Web Audio API: getUserMedia
 * → AudioWorklet tap), blocks of `blockFrames` frames, ready for `cochleaEnvelopes`. Browser only:
 * in this project it is type-checked but cannot be run by the Node test suite.
 * @module
 */
import { Observable } from 'rxjs';
import { SpikeflowError, show } from '../../ops/errors.js';
import type { AudioBlock } from '../formats/wav.js';

/** Options of {@link microphone}. */
export interface MicrophoneOptions {
  /** Frames per emitted block (integer ≥ 128, default 1024). */
  readonly blockFrames?: number;
  /** Audio constraints for getUserMedia (default `true`). */
  readonly constraints?: MediaTrackConstraints | true;
}

/** The AudioWorklet processor: posts a copy of every input quantum (128 frames) to the main thread. */
const TAP = `registerProcessor('spikeflow-tap', class extends AudioWorkletProcessor {
  process(inputs) { const input = inputs[0]; if (input && input.length > 0) this.port.postMessage(input.map((c) => c.slice())); return true; }
});`;

/**
 * Microphone audio in blocks. Asks for permission on subscription; unsubscribing stops the tracks
 * and closes the audio context. Samples are the Web Audio API's floats in [-1, 1].
 * @param options - `blockFrames`, `constraints`
 * @throws SpikeflowError for an invalid block size; a denied permission or a missing API errors the stream
 */
export const microphone = (options: MicrophoneOptions = {}): Observable<AudioBlock> => {
  const { blockFrames = 1024, constraints = true } = options;
  if (!(Number.isInteger(blockFrames) && blockFrames >= 128)) {
    throw new SpikeflowError('microphone', 'blockFrames', `blockFrames must be an integer ≥ 128, received ${show(blockFrames)}`);
  }
  return new Observable<AudioBlock>((subscriber) => {
    let stream: MediaStream | undefined;
    let context: AudioContext | undefined;
    let url: string | undefined;
    let stopped = false;
    const start = async (): Promise<void> => {
      if (typeof navigator === 'undefined' || navigator.mediaDevices?.getUserMedia === undefined) {
        throw new SpikeflowError('microphone', 'navigator', 'getUserMedia is not available (browser with a secure context needed)');
      }
      stream = await navigator.mediaDevices.getUserMedia({ audio: constraints });
      context = new AudioContext();
      url = URL.createObjectURL(new Blob([TAP], { type: 'application/javascript' }));
      await context.audioWorklet.addModule(url);
      if (stopped) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      const node = new AudioWorkletNode(context, 'spikeflow-tap');
      context.createMediaStreamSource(stream).connect(node);
      const sampleRate = context.sampleRate;
      let channels: Float32Array[] = [];
      let filled = 0;
      let startFrame = 0;
      node.port.onmessage = (message: MessageEvent<Float32Array[]>) => {
        const input = message.data;
        let k = 0;
        while (k < (input[0]?.length ?? 0)) {
          if (filled === 0) channels = input.map(() => new Float32Array(blockFrames));
          const n = Math.min(blockFrames - filled, (input[0] as Float32Array).length - k);
          input.forEach((c, j) => {
            (channels[j] as Float32Array).set(c.subarray(k, k + n), filled);
          });
          filled += n;
          k += n;
          if (filled === blockFrames) {
            subscriber.next(Object.freeze({ sampleRate, start: startFrame, frames: blockFrames, channels }));
            startFrame += blockFrames;
            filled = 0;
          }
        }
      };
    };
    start().catch((e: unknown) => subscriber.error(e));
    return () => {
      stopped = true;
      for (const track of stream?.getTracks() ?? []) track.stop();
      void context?.close();
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  });
};
