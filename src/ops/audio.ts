/**
 * `AudioBlock`: consecutive frames of audio, the element of every audio stream (WAV files,
 * microphones) that the cochlea encoders consume.
 * @module
 */

/** A block of consecutive audio frames. */
export interface AudioBlock {
  /** Sample rate, Hz. */
  readonly sampleRate: number;
  /** Index of the block's first frame in the recording. */
  readonly start: number;
  /** Number of frames (samples per channel). */
  readonly frames: number;
  /** One array of `frames` samples per channel, in [-1, 1) for integer encodings. */
  readonly channels: readonly Float32Array[];
}
