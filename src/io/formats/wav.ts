/**
 * WAV audio, decoded incrementally into blocks of samples (one Float32Array per channel), so a
 * recording of any length streams in bounded memory into the cochlea front end.
 *
 * The RIFF chunks are walked until the `data` chunk; the `fmt ` chunk is parsed by the `wavefile`
 * package (given only the header bytes). Sample encodings: integer PCM of 8 (unsigned), 16, 24 or
 * 32 bits, and IEEE float of 32 or 64 bits, also inside WAVE_FORMAT_EXTENSIBLE. Integer samples are
 * scaled to [-1, 1): `s / 2^(bits−1)` (8-bit: `(s − 128) / 128`); float samples are kept as they are.
 * A `data` chunk size of 0xFFFFFFFF (streamed WAVs) means "up to the end of the file".
 * Source: Microsoft/IBM RIFF WAVE specification (1991) and the WAVE_FORMAT_EXTENSIBLE note.
 * @module
 */
import type { AudioBlock } from '../../ops/audio.js';
import { FormatError } from './formatError.js';
import { formatLibrary } from './libraries.js';

/** What a WAV header says. */
export interface WavInfo {
  /** Samples per second per channel, Hz. */
  readonly sampleRate: number;
  /** Number of channels. */
  readonly channels: number;
  /** Bits per sample. */
  readonly bitsPerSample: number;
  /** `pcm` (integers) or `float` (IEEE). */
  readonly encoding: 'pcm' | 'float';
  /** Byte offset of the samples. */
  readonly dataOffset: number;
  /** Frames (samples per channel) the data chunk declares; `undefined` for streamed WAVs (size 0xFFFFFFFF). */
  readonly frames: number | undefined;
  /** Duration in seconds (`frames / sampleRate`), when the frame count is known. */
  readonly duration: number | undefined;
}

export type { AudioBlock };

/** An incremental WAV decoder: `push` bytes in order, `end` at the end of the file. */
export interface WavDecoder {
  /** Header information, once the `fmt ` chunk and the start of `data` have been read. */
  readonly info: WavInfo | undefined;
  /** Frames decoded so far. */
  readonly frameCount: number;
  /** Decodes the next bytes; returns the frames they complete (possibly none). */
  push(bytes: Uint8Array): AudioBlock;
  /**
   * Ends the input; returns the last frames.
   * @throws FormatError (`truncated`) when the file ends inside the header, a frame, or before the declared data size
   */
  end(): AudioBlock;
}

const MAX_HEADER = 16 << 20;

const u32 = (b: Uint8Array, k: number): number =>
  ((b[k] as number) | ((b[k + 1] as number) << 8) | ((b[k + 2] as number) << 16) | ((b[k + 3] as number) << 24)) >>> 0;
const tag = (b: Uint8Array, k: number): string => String.fromCharCode(...b.subarray(k, k + 4));

class Wav implements WavDecoder {
  info: WavInfo | undefined = undefined;
  frameCount = 0;
  private carry = new Uint8Array(0);
  private base = 0; // absolute offset of carry[0]
  private remaining = Number.POSITIVE_INFINITY; // data bytes still expected
  private ended = false;

  private fail(kind: 'truncated' | 'corrupt' | 'unsupported', offset: number, message: string): never {
    throw new FormatError('wav', kind, offset, this.frameCount, message, 'frames');
  }

  /** Walks the RIFF chunks; returns the header when the `data` chunk's start is in `b`. */
  private header(b: Uint8Array, final: boolean): WavInfo | undefined {
    const more = (): undefined => {
      if (final) this.fail('truncated', b.length, `file of ${b.length} bytes ends inside the WAV header`);
      if (b.length > MAX_HEADER) this.fail('corrupt', 0, `no data chunk within the first ${MAX_HEADER} bytes`);
      return undefined;
    };
    if (b.length < 12) return more();
    const riff = tag(b, 0);
    if (riff === 'RIFX') this.fail('unsupported', 0, 'big-endian RIFX WAV files are not supported');
    if ((riff !== 'RIFF' && riff !== 'RF64') || tag(b, 8) !== 'WAVE')
      this.fail('corrupt', 0, 'not a RIFF WAVE file (no "RIFF…WAVE" signature)');
    let k = 12;
    let fmtSeen = false;
    for (;;) {
      if (k + 8 > b.length) return more();
      const id = tag(b, k);
      const size = u32(b, k + 4);
      if (id === 'fmt ') fmtSeen = true;
      if (id === 'data') {
        if (!fmtSeen) this.fail('corrupt', k, 'data chunk before the fmt chunk');
        break;
      }
      k += 8 + size + (size & 1);
    }
    const { WaveFile } = formatLibrary('wavDecoder', 'wavefile');
    const w = new WaveFile();
    try {
      w.fromBuffer(b.subarray(0, k + 8), false);
    } catch (e) {
      this.fail('corrupt', 12, `wavefile cannot read the header: ${(e as Error).message}`);
    }
    const fmt = w.fmt as {
      audioFormat: number;
      numChannels: number;
      sampleRate: number;
      bitsPerSample: number;
      blockAlign: number;
      subformat: number[];
    };
    const code = fmt.audioFormat === 0xfffe ? (fmt.subformat[0] ?? 0) : fmt.audioFormat;
    const encoding = code === 1 ? 'pcm' : code === 3 ? 'float' : undefined;
    const bits = fmt.bitsPerSample;
    if (encoding === undefined) this.fail('unsupported', 20, `WAV sample format code ${code} is not PCM (1) or IEEE float (3)`);
    if ((encoding === 'pcm' && ![8, 16, 24, 32].includes(bits)) || (encoding === 'float' && bits !== 32 && bits !== 64)) {
      this.fail('unsupported', 34, `${bits}-bit ${encoding} samples are not supported`);
    }
    if (!(fmt.numChannels >= 1) || !(fmt.sampleRate > 0) || fmt.blockAlign !== (fmt.numChannels * bits) / 8) {
      this.fail('corrupt', 22, `inconsistent fmt chunk: ${fmt.numChannels} channels, ${fmt.sampleRate} Hz, block align ${fmt.blockAlign}`);
    }
    const declared = u32(b, k + 4);
    const streamed = declared === 0xffffffff;
    this.remaining = streamed ? Number.POSITIVE_INFINITY : declared;
    const frames = streamed ? undefined : Math.floor(declared / fmt.blockAlign);
    return Object.freeze({
      sampleRate: fmt.sampleRate,
      channels: fmt.numChannels,
      bitsPerSample: bits,
      encoding,
      dataOffset: k + 8,
      frames,
      duration: frames === undefined ? undefined : frames / fmt.sampleRate,
    });
  }

  private samples(b: Uint8Array, from: number, frames: number, info: WavInfo): Float32Array[] {
    const { channels: nc, bitsPerSample: bits, encoding } = info;
    const out = Array.from({ length: nc }, () => new Float32Array(frames));
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const bytes = bits / 8;
    let k = from;
    for (let f = 0; f < frames; f++) {
      for (let c = 0; c < nc; c++, k += bytes) {
        let v: number;
        if (encoding === 'float') v = bits === 32 ? view.getFloat32(k, true) : view.getFloat64(k, true);
        else if (bits === 16) v = view.getInt16(k, true) / 32768;
        else if (bits === 8) v = ((b[k] as number) - 128) / 128;
        else if (bits === 24) v = ((((b[k] as number) | ((b[k + 1] as number) << 8) | ((b[k + 2] as number) << 16)) << 8) >> 8) / 8388608;
        else v = view.getInt32(k, true) / 2147483648;
        (out[c] as Float32Array)[f] = v;
      }
    }
    return out;
  }

  private step(b: Uint8Array, final: boolean): AudioBlock {
    let i = 0;
    if (this.info === undefined) {
      const info = this.header(b, final);
      if (info === undefined) {
        this.carry = b.slice();
        return this.empty(0);
      }
      this.info = info;
      i = info.dataOffset;
      this.base = 0;
    }
    const info = this.info;
    const align = (info.channels * info.bitsPerSample) / 8;
    if (this.remaining < align && b.length - i >= this.remaining && this.remaining > 0) {
      this.fail('corrupt', this.base + i, `data chunk size leaves ${this.remaining} bytes, less than a ${align}-byte frame`);
    }
    const available = Math.min(b.length - i, this.remaining);
    const frames = Math.floor(available / align);
    const block: AudioBlock = Object.freeze({
      sampleRate: info.sampleRate,
      start: this.frameCount,
      frames,
      channels: this.samples(b, i, frames, info),
    });
    this.frameCount += frames;
    this.remaining -= frames * align;
    i += frames * align;
    if (this.remaining === 0) i = b.length; // chunks after the data chunk (LIST, …) are not audio
    this.carry = i >= b.length ? new Uint8Array(0) : b.slice(i);
    this.base += i;
    if (final) {
      if (this.carry.length > 0 && this.remaining !== Number.POSITIVE_INFINITY && this.remaining > 0) {
        this.fail('truncated', this.base, `file ends ${this.remaining} bytes before the end of the declared data chunk`);
      }
      if (this.carry.length > 0) this.fail('truncated', this.base, `file ends inside a frame: ${this.carry.length} of ${align} bytes`);
      if (this.remaining !== Number.POSITIVE_INFINITY && this.remaining > 0) {
        this.fail('truncated', this.base, `file ends ${this.remaining} bytes before the end of the declared data chunk`);
      }
    }
    return block;
  }

  private empty(start: number): AudioBlock {
    return Object.freeze({ sampleRate: this.info?.sampleRate ?? 0, start, frames: 0, channels: [] });
  }

  push(bytes: Uint8Array): AudioBlock {
    if (this.ended) throw new FormatError('wav', 'corrupt', this.base, this.frameCount, 'push() called after end()', 'frames');
    let b = bytes;
    if (this.carry.length > 0) {
      b = new Uint8Array(this.carry.length + bytes.length);
      b.set(this.carry);
      b.set(bytes, this.carry.length);
    }
    return this.step(b, false);
  }

  end(): AudioBlock {
    if (this.ended) return this.empty(this.frameCount);
    this.ended = true;
    return this.step(this.carry, true);
  }
}

/**
 * An incremental WAV decoder (see the module docs for the encodings and scaling).
 * @throws nothing itself; the decoder throws FormatError (with the byte offset and the frames read)
 *   for non-WAV input, unsupported encodings, or a file ending inside the header or a frame
 */
export const wavDecoder = (): WavDecoder => new Wav();
