/**
 * The input of `spikeflow run`, opened once: its kind, feature shape, length when known, and its
 * chunks `[T, 1, ...features]` (float32, scaled by the gain and checked). Event recordings are
 * binned into steps of `dt` per pixel and polarity; audio goes through a 32-channel cochlea; CSV
 * rows are steps; JSON holds a `T×N` or `T×B×N` array of currents; no input is the built-in demo.
 *
 * Every file is opened once and read once, except an event file whose header does not give the
 * sensor size and whose events do not fit the scan buffer (a quarter of `--max-memory`): its
 * extent is scanned first, then it is read again (or give `--sensor`).
 * @module
 */
import { basename, extname } from 'node:path';
import { tap } from 'rxjs';
import type { CsvBlock } from '../../io/formats/csvBlock.js';
import { detectFormat, isEventFormat } from '../../io/formats/detect.js';
import { readCsvFile } from '../../io/node/csvFile.js';
import { openWavFile } from '../../io/node/wavFile.js';
import { cochlea } from '../../ops/cochlea.js';
import { cochleaEnvelopes, monoSamples } from '../../ops/encoders/cochleaEnvelopes.js';
import { SpikeflowError, show } from '../../ops/errors.js';
import { fromTypedArray, type Tensor } from '../../ops/tensor.js';
import { fromTensor } from '../../streams/fromTensor.js';
import { checkSteps } from '../limits.js';
import { inputTensor } from '../simulate.js';
import { asFlagError, UsageError } from '../usageErrors.js';
import { openEvents } from './eventSource.js';
import { fileSize, readJsonFile, sniff } from './files.js';
import { checkedInput } from './input.js';
import type { Source, SourceOptions } from './runTypes.js';
import { checked, gated, stepGuard } from './streamGuards.js';

/** The formats `--format` accepts. */
export const FORMATS = ['nmnist', 'evt2', 'evt3', 'dat', 'aedat2', 'aedat3', 'aedat4', 'jsonl', 'wav', 'csv', 'json'] as const;

/** The synthetic sensor signal of the demo: 64 channels `0.15 + 0.15·sin(2π f_c t + c)`, f_c = 1…8 Hz, `[steps, 1, 64]`. */
const demoSignal = (steps: number, dt: number): Tensor => {
  const C = 64;
  const d = new Float32Array(steps * C);
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < C; c++) d[t * C + c] = 0.15 + 0.15 * Math.sin(2 * Math.PI * (1 + (7 * c) / (C - 1)) * t * dt + c);
  }
  return fromTypedArray(d, [steps, 1, C]);
};

/**
 * Opens the input of a run (reading headers, not data).
 * @throws UsageError / SpikeflowError for unreadable files, unknown formats, limits exceeded
 */
export const openSource = async (options: SourceOptions): Promise<Source> => {
  const { dt, limits } = options;
  const path = options.input;
  const none = async (): Promise<void> => {};
  if (path === undefined) {
    const steps = 2000;
    return {
      kind: 'demo',
      features: [64],
      totalSteps: steps,
      title: 'built-in demo',
      describe: {
        name: 'built-in demo',
        recording: [['signal', '64 sinusoids 0.15 + 0.15·sin(2π f t), f = 1–8 Hz']],
        quantity: 'input current',
      },
      chunks: ({ chunkSteps }) => fromTensor(demoSignal(steps, dt), { chunk: chunkSteps }),
      close: none,
    };
  }
  const size = fileSize(path);
  let format = options.format;
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, received ${show(format)}`, '--format');
  }
  try {
    format ??= extname(path).toLowerCase() === '.json' ? 'json' : detectFormat(path, sniff(path, size));
  } catch (e) {
    throw asFlagError(e, [{ where: 'detectFormat', replace: [[/pass format/, 'pass --format']], flag: '--format' }]);
  }
  const gain = options.gain ?? (format === 'wav' ? 200 : 1);
  if (options.sensor !== undefined && !isEventFormat(format)) {
    throw new UsageError(`--sensor is for event recordings; ${JSON.stringify(path)} is ${format}`, '--sensor');
  }

  if (format === 'json') {
    const { xs } = inputTensor(readJsonFile(path, 'input', '--input', limits), 'float32');
    const T = xs.shape[0] as number;
    checkSteps(limits, T, `the input (${T} rows)`);
    const scaled = checkedInput(xs, gain, 0, 'input value');
    return {
      kind: 'currents',
      features: xs.shape.slice(2),
      totalSteps: T,
      title: path,
      describe: {
        name: basename(path),
        recording: [['format', 'JSON currents']],
        quantity: `input current${gain === 1 ? '' : ` × ${gain}`}`,
      },
      chunks: ({ chunkSteps }) => fromTensor(scaled, { chunk: chunkSteps }),
      close: none,
    };
  }

  if (format === 'csv') {
    // float64 so that values beyond float32 are caught by name rather than becoming Infinity.
    const blocks = readCsvFile(path, { timeColumn: 0, dtype: 'float64', header: 'auto' })[Symbol.asyncIterator]();
    const first = await blocks.next();
    if (first.done === true) {
      await blocks.return(undefined);
      throw new UsageError(`CSV file ${JSON.stringify(path)} has no data rows`, '--input');
    }
    const head: CsvBlock = first.value;
    async function* all(): AsyncGenerator<Tensor, void, undefined> {
      yield head.values;
      for (;;) {
        const r = await blocks.next();
        if (r.done === true) return;
        yield r.value.values;
      }
    }
    return {
      kind: 'timeseries',
      features: [head.channels.length],
      title: path,
      describe: {
        name: basename(path),
        recording: [['format', `CSV, ${head.channels.length} channels`]],
        quantity: `input value${gain === 1 ? '' : ` × ${gain}`}`,
      },
      chunks: ({ gate, neurons }) =>
        gated(all(), gate).pipe(checked(gain, 'CSV value'), stepGuard(limits, neurons, `the CSV input ${JSON.stringify(path)}`)),
      close: async () => {
        await blocks.return(undefined);
      },
    };
  }

  if (format === 'wav') {
    const reader = await openWavFile(path);
    const { sampleRate, frames } = reader.info;
    const exact = dt * sampleRate;
    if (exact < 1) {
      await reader.close();
      throw new UsageError(
        `--dt ${dt} s is shorter than one sample of ${JSON.stringify(path)} (${sampleRate} Hz: ${1 / sampleRate} s); use --dt ≥ ${1 / sampleRate}`,
        '--dt',
      );
    }
    const hop = Math.round(exact);
    const channels = 32;
    const totalSteps = frames === undefined ? undefined : Math.floor(frames / hop);
    if (totalSteps === 0) {
      await reader.close();
      throw new UsageError(
        `--dt ${dt} s is longer than ${JSON.stringify(path)} (${(frames ?? 0) / sampleRate} s): the run would have no step; use a smaller --dt`,
        '--dt',
      );
    }
    if (totalSteps !== undefined) {
      try {
        checkSteps(limits, totalSteps, `the audio (${JSON.stringify(path)} at dt ${dt} s)`);
      } catch (e) {
        await reader.close();
        throw e;
      }
    }
    const audio: Source = {
      kind: 'audio',
      features: [channels],
      ...(totalSteps === undefined ? {} : { totalSteps }),
      title: `${path} (${sampleRate} Hz, cochlea ${channels} channels, hop ${hop} samples)`,
      describe: {
        name: basename(path),
        recording: [
          ['format', `WAV, ${sampleRate} Hz`],
          ['front end', `cochlea, ${channels} channels, one envelope step per ${hop} samples, gain ${gain}`],
        ],
        quantity: 'cochlea envelope',
        audio: { sampleRate, hop, bands: Array.from(cochlea({ channels, sampleRate }).centres) },
      },
      chunks: ({ gate }) =>
        gated(reader, gate).pipe(
          tap((block) => audio.onSamples?.(monoSamples(block, 'mix'))),
          cochleaEnvelopes({ channels, hop }),
          checked(gain, 'audio envelope'),
        ),
      close: () => reader.close(),
    };
    return audio;
  }

  if (!isEventFormat(format)) throw new SpikeflowError('run', 'format', `no reader for format ${show(format)}`);
  return openEvents(path, format, { ...options, gain });
};
