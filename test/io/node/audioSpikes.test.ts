/**
 * Audio: WAV decoding (synthetic files written by the `wavefile` package, and the real speech in
 * ../shared/data/audio), the cochlea filter bank (analytic frequency response, hand-derived
 * envelope, chunking invariance, and a SciPy reference on real speech), and the spike encoders.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { from, lastValueFrom, reduce, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import * as wavefileModule from 'wavefile';
import { FormatError } from '../../../src/io/formats/formatError.js';
import { type AudioBlock, wavDecoder } from '../../../src/io/formats/wav.js';
import { audioSpikes } from '../../../src/io/node/audioSpikes.js';
import { openWavFile, wavFile } from '../../../src/io/node/wavFile.js';
import { cochlea } from '../../../src/ops/cochlea.js';
import { cochleaEnvelopes } from '../../../src/ops/encoders/cochleaEnvelopes.js';
import { deltaEncoder } from '../../../src/ops/encoders/deltaSpikes.js';
import { fromTypedArray, type Tensor, tensor } from '../../../src/ops/tensor.js';
import { audioDir, describeSharedData } from '../shared.js';

type WaveFileCtor = typeof wavefileModule.WaveFile;
const WaveFile: WaveFileCtor =
  (wavefileModule as { WaveFile?: WaveFileCtor }).WaveFile ??
  (wavefileModule as unknown as { default: { WaveFile: WaveFileCtor } }).default.WaveFile;

/** Decodes `bytes` in pieces cut at the given fractions; returns the blocks joined per channel. */
const decodeSplit = (bytes: Uint8Array, cuts: readonly number[]) => {
  const d = wavDecoder();
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const blocks: AudioBlock[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    blocks.push(d.push(bytes.subarray(prev, c)));
    prev = c;
  }
  blocks.push(d.end());
  const channels = d.info?.channels ?? 0;
  const frames = blocks.reduce((n, b) => n + b.frames, 0);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  let k = 0;
  for (const b of blocks) {
    expect(b.start).toBe(k);
    b.channels.forEach((c, j) => {
      (out[j] as Float32Array).set(c, k);
    });
    k += b.frames;
  }
  return { info: d.info, channels: out };
};

const DEPTHS = [
  { code: '8', bits: 8, scale: (s: number) => (s - 128) / 128, arb: fc.integer({ min: 0, max: 255 }) },
  { code: '16', bits: 16, scale: (s: number) => s / 32768, arb: fc.integer({ min: -32768, max: 32767 }) },
  { code: '24', bits: 24, scale: (s: number) => s / 8388608, arb: fc.integer({ min: -8388608, max: 8388607 }) },
  { code: '32', bits: 32, scale: (s: number) => s / 2147483648, arb: fc.integer({ min: -2147483648, max: 2147483647 }) },
  { code: '32f', bits: 32, scale: (s: number) => s, arb: fc.double({ min: -1, max: 1, noNaN: true }).map(Math.fround) },
  { code: '64', bits: 64, scale: (s: number) => s, arb: fc.double({ min: -1, max: 1, noNaN: true }) },
] as const;

const wavArb = fc
  .record({
    depth: fc.constantFrom(...DEPTHS),
    channels: fc.integer({ min: 1, max: 3 }),
    rate: fc.constantFrom(8000, 16000, 44100, 48000),
    frames: fc.integer({ min: 0, max: 200 }),
  })
  .chain((s) =>
    fc.record({
      spec: fc.constant(s),
      samples: fc.array(fc.array(s.depth.arb, { minLength: s.frames, maxLength: s.frames }), {
        minLength: s.channels,
        maxLength: s.channels,
      }),
    }),
  );

const writeWav = (channels: number, rate: number, code: string, samples: readonly (readonly number[])[]): Uint8Array => {
  const w = new WaveFile();
  w.fromScratch(channels, rate, code, channels === 1 ? (samples[0] as number[]) : (samples as number[][]));
  return w.toBuffer();
};

describe('WAV decoding (synthetic files written by wavefile)', () => {
  it('every supported encoding decodes to the scaled samples, whatever the chunking', () => {
    fc.assert(
      fc.property(wavArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), ({ spec, samples }, cuts) => {
        const bytes = writeWav(spec.channels, spec.rate, spec.depth.code, samples);
        const { info, channels } = decodeSplit(bytes, cuts);
        expect(info?.sampleRate).toBe(spec.rate);
        expect(info?.channels).toBe(spec.channels);
        expect(info?.bitsPerSample).toBe(spec.depth.bits);
        expect(info?.encoding).toBe(spec.depth.code.endsWith('f') || spec.depth.code === '64' ? 'float' : 'pcm');
        expect(info?.frames).toBe(spec.frames);
        samples.forEach((ch, c) => {
          expect(Array.from(channels[c] as Float32Array)).toEqual(ch.map((s) => Math.fround(spec.depth.scale(s))));
        });
      }),
      { numRuns: 120 },
    );
  });

  it('a WAV cut short ends with a truncation error giving the offset and the frames read', () => {
    const samples = [Array.from({ length: 100 }, (_, k) => k * 300 - 15000), Array.from({ length: 100 }, (_, k) => 15000 - k * 300)];
    const bytes = writeWav(2, 16000, '16', samples);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        const d = wavDecoder();
        let frames = 0;
        try {
          frames += d.push(bytes.subarray(0, cut)).frames;
          d.end();
          expect.unreachable('a cut file must not decode without error');
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
          const err = e as FormatError;
          expect(err.kind).toBe('truncated');
          expect(err.eventsRead).toBe(frames);
          expect(err.offset).toBeLessThanOrEqual(cut);
          expect(err.message).toContain(`(${frames} frames read before it)`);
          // Hand-derived: 44-byte header, 4 bytes per stereo 16-bit frame.
          expect(frames).toBe(Math.max(0, Math.floor((cut - 44) / 4)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects what it cannot decode, naming why', () => {
    const pcm = writeWav(1, 8000, '16', [[1, 2, 3]]);
    const decode = (b: Uint8Array) => {
      const d = wavDecoder();
      d.push(b);
      return d.end();
    };
    expect(() => decode(new Uint8Array([...'RIFX'].map((c) => c.charCodeAt(0)).concat(Array.from(pcm.subarray(4)))))).toThrow(
      /RIFX .* not supported/,
    );
    expect(() => decode(Uint8Array.from('hello, this is not a wave file', (c) => c.charCodeAt(0)))).toThrow(/not a RIFF WAVE file/);
    const alaw = new WaveFile();
    alaw.fromScratch(1, 8000, '16', [1, 2, 3, 4]);
    alaw.toALaw();
    expect(() => decode(alaw.toBuffer())).toThrow(/sample format code 6 is not PCM/);
  });
});

// ---------------------------------------------------------------------------------------------

/** Steady-state amplitude of the band-pass output of a pure tone, by simulation of the filter bank's first stage(s). */
const simulatedGain = (f: number, fs: number, centre: number, q: number, stages: number): number => {
  const bank = cochlea({ sampleRate: fs, channels: 1, fMin: centre, fMax: centre, q, stages, hop: 1, dtype: 'float64' });
  // Run the filter through coefficients directly: the bank's envelope is rectified, so use its coefficients.
  const [b0, b1, b2, a1, a2] = bank.coefficients as unknown as number[];
  const n = Math.round(fs * 0.5);
  let y: number[] = Array.from({ length: n }, (_, k) => Math.sin((2 * Math.PI * f * k) / fs));
  for (let s = 0; s < stages; s++) {
    let z1 = 0;
    let z2 = 0;
    y = y.map((x) => {
      const out = (b0 as number) * x + z1;
      z1 = (b1 as number) * x - (a1 as number) * out + z2;
      z2 = (b2 as number) * x - (a2 as number) * out;
      return out;
    });
  }
  const tail = y.slice(n - Math.round(fs * 0.1));
  return Math.sqrt((2 * tail.reduce((s, v) => s + v * v, 0)) / tail.length);
};

/** Analytic |H(e^{jw})| of the RBJ band-pass (0 dB peak), to the power `stages`. */
const analyticGain = (f: number, fs: number, centre: number, q: number, stages: number): number => {
  const w = (2 * Math.PI * f) / fs;
  const w0 = (2 * Math.PI * centre) / fs;
  const alpha = Math.sin(w0) / (2 * q);
  // H = alpha(1 − e^{−2jw}) / ((1+alpha) − 2cos(w0) e^{−jw} + (1−alpha) e^{−2jw})
  const numRe = alpha * (1 - Math.cos(2 * w));
  const numIm = alpha * Math.sin(2 * w);
  const denRe = 1 + alpha - 2 * Math.cos(w0) * Math.cos(w) + (1 - alpha) * Math.cos(2 * w);
  const denIm = 2 * Math.cos(w0) * Math.sin(w) - (1 - alpha) * Math.sin(2 * w);
  return Math.hypot(numRe, numIm) ** stages / Math.hypot(denRe, denIm) ** stages;
};

describe('cochlea filter bank', () => {
  it('centres are log-spaced from fMin to fMax, and the default Q is √k/(k−1)', () => {
    const bank = cochlea({ sampleRate: 16000, channels: 5, fMin: 100, fMax: 1600 });
    // Hand-derived: ratio k = (1600/100)^(1/4) = 2, centres 100, 200, 400, 800, 1600; Q = √2/(2−1).
    expect(Array.from(bank.centres)).toEqual([100, 200, 400, 800, 1600].map((f, c) => 100 * 2 ** c + (f - f)));
    expect(bank.parameters.q).toBeCloseTo(Math.SQRT2, 12);
    expect(bank.parameters.hop).toBe(16);
  });

  it('a biquad cascade passes a tone with the analytic RBJ gain |H|^stages (1 at the centre)', () => {
    const fs = 16000;
    for (const [f, centre, q, stages] of [
      [500, 500, 4, 1],
      [500, 500, 4, 2],
      [700, 500, 4, 1],
      [300, 500, 2, 2],
      [2000, 1000, 6, 2],
    ] as const) {
      const want = analyticGain(f, fs, centre, q, stages);
      if (f === centre) expect(want).toBeCloseTo(1, 12);
      expect(simulatedGain(f, fs, centre, q, stages)).toBeCloseTo(want, 3);
    }
  });

  it('the envelope of a tone at a channel centre averages the rectified tone: A·cot(π/16)/16 at 16 samples a period', () => {
    // Hand-derived: at its centre the band-pass has gain 1 and phase 0, so y_k = A sin(2πk/16); the
    // mean of max(0, y) over a period is (A/16)·Σ_{k=0..7} sin(πk/8) = A·cot(π/16)/16 (≈ 0.987·A/π);
    // the one-pole smoother has DC gain 1, and a hop of 157 samples (prime to 16) samples the
    // remaining ripple at every phase, so the mean of the sampled envelope converges to that value.
    const fs = 16000;
    const A = 0.5;
    const bank = cochlea({
      sampleRate: fs,
      channels: 1,
      fMin: 1000,
      fMax: 1000,
      q: 4,
      stages: 2,
      smoothingHz: 20,
      hop: 157,
      dtype: 'float64',
    });
    const x = Float64Array.from({ length: 2 * fs }, (_, k) => A * Math.sin((2 * Math.PI * 1000 * k) / fs));
    const [env] = bank.run(x);
    expect(env.shape).toEqual([203, 1, 1]);
    const tail = env.data.subarray(75);
    const mean = Array.from(tail).reduce((s, v) => s + v, 0) / tail.length;
    const want = A / 16 / Math.tan(Math.PI / 16);
    expect(Math.abs(mean - want) / want).toBeLessThan(2e-3);
  });

  it('running in blocks of any sizes gives exactly the envelopes of one run', () => {
    const bank = cochlea({ sampleRate: 8000, channels: 6, fMin: 200, fMax: 3000, hop: 7, dtype: 'float64' });
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
        (samples, cuts) => {
          const x = Float64Array.from(samples);
          const [whole] = bank.run(x);
          let state = bank.initialState();
          const parts: number[] = [];
          let prev = 0;
          for (const c of [...cuts.filter((k) => k <= x.length).sort((a, b) => a - b), x.length]) {
            const [env, next] = bank.run(x.subarray(prev, c), state);
            parts.push(...env.data);
            state = next;
            prev = c;
          }
          expect(parts).toEqual(Array.from(whole.data));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects invalid parameters and states, naming them', () => {
    expect(() => cochlea({ sampleRate: 0 })).toThrow(/sampleRate must be > 0/);
    expect(() => cochlea({ sampleRate: 16000, fMax: 9000 })).toThrow(/fMax must be below sampleRate\/2 = 8000 Hz/);
    expect(() => cochlea({ sampleRate: 16000, fMin: 5000, fMax: 4000 })).toThrow(/fMin must be below fMax/);
    expect(() => cochlea({ sampleRate: 16000, channels: 2.5 })).toThrow(/channels must be an integer ≥ 1/);
    expect(() => cochlea({ sampleRate: 16000, gain: 2 } as never)).toThrow(/unknown parameter "gain"/);
    const bank = cochlea({ sampleRate: 16000, channels: 4 });
    expect(() => bank.run([0, Number.NaN])).toThrow(/samples\[1\] must be finite/);
    expect(() => bank.run([0], cochlea({ sampleRate: 16000, channels: 3 }).initialState())).toThrow(/state does not belong/);
  });
});

describe('cochleaEnvelopes operator', () => {
  it('mixes channels (mean) or picks one, and equals one run of the filter bank over the whole signal', async () => {
    const fs = 8000;
    const left = Float32Array.from({ length: 900 }, (_, k) => Math.sin(k / 5));
    const right = Float32Array.from({ length: 900 }, (_, k) => 0.5 * Math.cos(k / 3));
    const blocks = (sizes: number[]): AudioBlock[] => {
      let start = 0;
      return sizes.map((n) => {
        const b = { sampleRate: fs, start, frames: n, channels: [left.subarray(start, start + n), right.subarray(start, start + n)] };
        start += n;
        return b;
      });
    };
    const opts = { channels: 4, fMin: 200, fMax: 2000, hop: 50, dtype: 'float64' } as const;
    const bank = cochlea({ sampleRate: fs, ...opts });
    const mean = Float64Array.from(left, (v, k) => v / 2 + (right[k] as number) / 2);
    const run = async (channel: number | 'mix') =>
      (await lastValueFrom(from(blocks([100, 333, 467])).pipe(cochleaEnvelopes({ ...opts, channel }), toArray()))).flatMap((t) =>
        Array.from(t.data),
      );
    const mixed = await run('mix');
    const [want] = bank.run(Float32Array.from(mean));
    expect(mixed).toEqual(Array.from(want.data));
    expect(mixed.length).toBe(18 * 4);
    expect(await run(1)).toEqual(Array.from(bank.run(right)[0].data));
    await expect(run(2)).rejects.toThrow(/channel 2 does not exist in 2-channel audio/);
  });
});

describe('spike encoders', () => {
  it('send-on-delta: ON/OFF spikes when the signal moves by θ from the last spike level (hand-derived)', () => {
    // θ = 1, reference 0: x = 0.5 (none), 1.2 (ON, r=1.2), 1.9 (none), 2.3 (ON, r=2.3), 1.0 (OFF, r=1), 1.0 (none)
    const enc = deltaEncoder(1);
    const xs = tensor([[[0.5]], [[1.2]], [[1.9]], [[2.3]], [[1.0]], [[1.0]]], 'float64');
    const [z, state] = enc.run(xs);
    expect(z.shape).toEqual([6, 1, 2]);
    expect(Array.from(z.data)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(state.reference)).toEqual([1.0]);
    expect(() => enc.run(tensor([1, 2]))).toThrow(/xs must be \[T, batch, N\]/);
    expect(() => deltaEncoder(0)).toThrow(/threshold must be a finite number > 0/);
  });
});

// ---------------------------------------------------------------------------------------------

const collectEnvelopes = (env: readonly Tensor[]): Tensor => {
  const C = env[0]?.shape[2] as number;
  const T = env.reduce((n, t) => n + (t.shape[0] as number), 0);
  const data = new Float64Array(T * C);
  let k = 0;
  for (const t of env) {
    data.set(t.data, k);
    k += t.data.length;
  }
  return fromTypedArray(data, [T, 1, C]);
};

const sumPerChannel = (t: Tensor): number[] => {
  const C = t.shape[2] as number;
  const s = new Array<number>(C).fill(0);
  t.data.forEach((v, k) => {
    s[k % C] = (s[k % C] as number) + v;
  });
  return s;
};

describeSharedData('audio readers on real speech', () => {
  // Figures from `python3 test/readers/derive_expected.py` (Python's `wave` module and NumPy on the
  // same files; the cochlea, delta and LIF figures from its independent SciPy implementation).
  const SPEECH = {
    'Front_Center.wav': { frames: 68545, sumSamples: 90461, sumAbs: 85335693, min: -15487, max: 13448 },
    'Front_Left.wav': { frames: 71042, sumSamples: -78274, sumAbs: 95026886, min: -16392, max: 12199 },
  } as const;

  for (const [file, want] of Object.entries(SPEECH)) {
    it(`${file}: 48 kHz, mono, 16-bit; frame count, duration and sample sums`, async () => {
      const reader = await openWavFile(join(audioDir, file), { chunkBytes: 5000 });
      expect(reader.info).toMatchObject({ sampleRate: 48000, channels: 1, bitsPerSample: 16, encoding: 'pcm', frames: want.frames });
      expect(reader.info.duration).toBeCloseTo(want.frames / 48000, 12);
      let frames = 0;
      let sum = 0;
      let sumAbs = 0;
      let min = Infinity;
      let max = -Infinity;
      for await (const block of reader) {
        frames += block.frames;
        for (const v of block.channels[0] as Float32Array) {
          const s = Math.round(v * 32768);
          sum += s;
          sumAbs += Math.abs(s);
          min = Math.min(min, s);
          max = Math.max(max, s);
        }
      }
      expect({ frames, sumSamples: sum, sumAbs, min, max }).toEqual(want);
    });
  }

  // Parameters shared with derive_expected.py: 16 channels, 100–8000 Hz, 2 stages, 50 Hz smoothing, 1 ms hops.
  const COCHLEA = { channels: 16, fMin: 100, fMax: 8000, stages: 2, smoothingHz: 50, hop: 48, dtype: 'float64' } as const;

  it('Front_Center.wav: cochlea envelopes match the SciPy reference (per-channel sums, the loudest and the last step)', async () => {
    const bank = cochlea({ sampleRate: 48000, ...COCHLEA });
    const blocks = await lastValueFrom(wavFile(join(audioDir, 'Front_Center.wav'), { chunkBytes: 7777 }).pipe(toArray()));
    let state = bank.initialState();
    const parts: Tensor[] = [];
    for (const b of blocks) {
      const [env, next] = bank.run(b.channels[0] as Float32Array, state);
      parts.push(env);
      state = next;
    }
    const env = collectEnvelopes(parts);
    expect(env.shape).toEqual([1428, 1, 16]);
    const ref = {
      sums: [
        1.0738460994150933, 3.4303390348574636, 10.31038163384463, 12.26415868240464, 4.893031323577719, 2.507669774797849,
        3.4421207269687235, 4.983060857368063, 2.085875215141942, 1.5879167842688622, 2.3912327737229444, 0.8673392355292527,
        0.6624879391415831, 0.9146902905944643, 1.0815878465290123, 1.872509169107779,
      ],
      peakRow: 995,
      peak: [
        0.001124531831997965, 0.0030484230677888064, 0.009266222912954732, 0.08536545276327102, 0.018919136661572956, 0.006293141742629768,
        0.011832475145998857, 0.03673709919677899, 0.008702289498827377, 0.007173649309965896, 0.016209374530632682, 0.004019211609194491,
        0.004496584898335451, 0.0033334213745900643, 0.0005852323049941608, 0.0005502868211407898,
      ],
    };
    const close = (a: readonly number[], b: readonly number[]) => {
      a.forEach((v, k) => {
        expect(Math.abs(v - (b[k] as number)) / Math.abs(b[k] as number)).toBeLessThan(1e-9);
      });
    };
    close(sumPerChannel(env), ref.sums);
    close(Array.from(env.data.subarray(ref.peakRow * 16, ref.peakRow * 16 + 16)), ref.peak);
    // Speech energy lies in the low channels: the 4th channel (≈ 240 Hz) carries the most.
    expect(sumPerChannel(env).indexOf(Math.max(...sumPerChannel(env)))).toBe(3);
  });

  it('Front_Center.wav → spikes: send-on-delta (θ = 0.002) and LIF (gain 200, dt 1 ms) counts match the reference', async () => {
    const path = join(audioDir, 'Front_Center.wav');
    const count = (encoder: 'delta' | 'lif') =>
      lastValueFrom(
        audioSpikes(path, { cochlea: COCHLEA, encoder, threshold: 0.002, gain: 200, chunkBytes: 4096 }).pipe(
          reduce((acc: number[], z: Tensor) => {
            const N = z.shape[2] as number;
            const out = acc.length === 0 ? new Array<number>(N).fill(0) : acc;
            z.data.forEach((v, k) => {
              out[k % N] = (out[k % N] as number) + v;
            });
            return out;
          }, []),
        ),
      );
    const delta = await count('delta');
    expect(delta.slice(0, 16)).toEqual([9, 81, 158, 141, 100, 47, 45, 58, 23, 23, 19, 4, 4, 6, 6, 20]);
    expect(delta.slice(16)).toEqual([11, 111, 228, 199, 133, 56, 51, 72, 28, 25, 23, 5, 4, 8, 6, 20]);
    expect(await count('lif')).toEqual([60, 240, 429, 372, 292, 176, 205, 239, 136, 98, 138, 46, 28, 51, 64, 92]);
  });
});
