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
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { map, Observable, type OperatorFunction, tap } from 'rxjs';
import type { CsvBlock } from '../../io/formats/csvBlock.js';
import { detectFormat, isEventFormat, SNIFF_BYTES } from '../../io/formats/detect.js';
import type { EventBatch, EventFormat } from '../../io/formats/events.js';
import { readCsvFile } from '../../io/node/csvFile.js';
import { openEventFile } from '../../io/node/eventFile.js';
import { openWavFile } from '../../io/node/wavFile.js';
import { cochlea } from '../../ops/cochlea.js';
import { cochleaEnvelopes, monoSamples } from '../../ops/encoders/cochleaEnvelopes.js';
import { SpikeflowError, show } from '../../ops/errors.js';
import { fromTypedArray, type Tensor } from '../../ops/tensor.js';
import { binEvents } from '../../streams/binEvents.js';
import { fromTensor } from '../../streams/fromTensor.js';
import type { RunReportOptions } from '../../viz/runReport.js';
import { UsageError } from '../errors.js';
import { bytes, checkNeurons, checkSteps, checkWork, type Limits } from '../limits.js';
import { eventGridFor } from '../nir.js';
import { inputTensor } from '../simulate.js';
import { checkedInput } from './input.js';
import type { RunSummary } from './types.js';

/** The formats `--format` accepts. */
export const FORMATS = ['nmnist', 'evt2', 'evt3', 'dat', 'aedat2', 'aedat3', 'aedat4', 'jsonl', 'wav', 'csv', 'json'] as const;

/** What the chunk stream of a source needs from the run. */
export interface ChunkContext {
  /** Most steps per chunk (chosen from the network's size so a chunk stays small). */
  readonly chunkSteps: number;
  /** Neurons of the network (for the neuron-step limit of streamed inputs). */
  readonly neurons: number;
  /** Awaited before each read from the file (real-time pacing holds reading back with it). */
  readonly gate?: () => Promise<void>;
}

/** An opened input. */
export interface Source {
  readonly kind: RunSummary['kind'];
  /** Feature shape of one step (e.g. `[2, H, W]` for events). */
  readonly features: readonly number[];
  /** Steps, when known before reading. */
  readonly totalSteps?: number;
  readonly title: string;
  /** What the report says of the input: its file name (not its path), recording facts, the quantity of a value, audio. */
  readonly describe: Pick<RunReportOptions, 'name' | 'recording' | 'quantity' | 'audio'>;
  /** Audio: set to receive the mono samples as they are read (the report's waveform). */
  onSamples?: (samples: Float32Array) => void;
  /** The chunks `[T, 1, ...features]`, float32; subscribe once. */
  readonly chunks: (ctx: ChunkContext) => Observable<Tensor>;
  /** Releases the file if `chunks` was never subscribed (after a refused run). */
  readonly close: () => Promise<void>;
}

/** Options of {@link openSource}. */
export interface SourceOptions {
  readonly input?: string;
  readonly format?: string;
  readonly dt: number;
  readonly gain?: number;
  readonly sensor?: readonly [number, number];
  readonly limits: Limits;
  /** A NIR network's input shape: events are binned on the grid it takes (see `cli/nir.ts`). */
  readonly nirInput?: readonly number[];
}

/** The synthetic sensor signal of the demo: 64 channels `0.15 + 0.15·sin(2π f_c t + c)`, f_c = 1…8 Hz, `[steps, 1, 64]`. */
const demoSignal = (steps: number, dt: number): Tensor => {
  const C = 64;
  const d = new Float32Array(steps * C);
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < C; c++) d[t * C + c] = 0.15 + 0.15 * Math.sin(2 * Math.PI * (1 + (7 * c) / (C - 1)) * t * dt + c);
  }
  return fromTypedArray(d, [steps, 1, C]);
};

/** An async iterable as an Observable that awaits `gate` before each read (backpressure for pacing). */
const gated = <T>(iterable: AsyncIterable<T>, gate: (() => Promise<void>) | undefined): Observable<T> =>
  new Observable<T>((subscriber) => {
    const it = iterable[Symbol.asyncIterator]();
    let stopped = false;
    (async () => {
      for (;;) {
        if (gate !== undefined) await gate();
        if (stopped) return;
        const r = await it.next();
        if (r.done === true || stopped) break;
        subscriber.next(r.value);
      }
      if (!stopped) subscriber.complete();
    })().catch((e: unknown) => {
      if (!stopped) subscriber.error(e);
    });
    return () => {
      stopped = true;
      void it.return?.()?.catch(() => undefined);
    };
  });

/** Scales and checks chunks, counting steps (for messages). */
const checked =
  (gain: number, what: string): OperatorFunction<Tensor, Tensor> =>
  (source) =>
    new Observable<Tensor>((subscriber) => {
      let step = 0;
      return source.subscribe({
        next: (t) => {
          let out: Tensor;
          try {
            out = checkedInput(t, gain, step, what);
          } catch (e) {
            subscriber.error(e);
            return;
          }
          step += t.shape[0] as number;
          subscriber.next(out);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });

/** Refuses streamed inputs once they pass `--max-steps` or `--max-neuron-steps`. */
const stepGuard =
  (limits: Limits, neurons: number, what: string): OperatorFunction<Tensor, Tensor> =>
  (source) =>
    new Observable<Tensor>((subscriber) => {
      let steps = 0;
      return source.subscribe({
        next: (t) => {
          steps += t.shape[0] as number;
          try {
            checkSteps(limits, steps, what);
            checkWork(limits, steps, neurons, what);
          } catch (e) {
            subscriber.error(e);
            return;
          }
          subscriber.next(t);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });

const fileSize = (path: string): number => {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`cannot read input file ${JSON.stringify(path)}: ${(e as Error).message}`, '--input');
  }
  if (st.isDirectory()) throw new UsageError(`--input ${JSON.stringify(path)} is a folder; give a recording file`, '--input');
  if (!st.isFile()) throw new UsageError(`--input ${JSON.stringify(path)} is not a regular file`, '--input');
  return st.size;
};

const sniff = (path: string, size: number): Uint8Array => {
  const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head;
};

/** Reads a JSON file whole, refusing one larger than an eighth of `--max-memory` (parsing takes several times its size). */
export const readJsonFile = (path: string, what: string, flag: string, limits: Limits): unknown => {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${flag} ${JSON.stringify(path)} is a folder; give a JSON file`, flag);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} file ${JSON.stringify(path)}: ${(e as Error).message}`, flag);
  }
  if (size * 8 > limits.maxMemory) {
    throw new UsageError(
      `${what} file ${JSON.stringify(path)} is ${bytes(size)}; JSON is parsed whole and needs about ${bytes(size * 8)}, more than --max-memory ${bytes(limits.maxMemory)}; raise --max-memory`,
      '--max-memory',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} file ${JSON.stringify(path)}: ${(e as Error).message}`, flag);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message;
    throw new UsageError(`${what} file ${JSON.stringify(path)} is not valid JSON: ${message}`, flag);
  }
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
  format ??= extname(path).toLowerCase() === '.json' ? 'json' : detectFormat(path, sniff(path, size));
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
    const blocks = readCsvFile(path, { timeColumn: 0, dtype: 'float64' })[Symbol.asyncIterator]();
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
    if (totalSteps !== undefined) checkSteps(limits, totalSteps, `the audio (${JSON.stringify(path)} at dt ${dt} s)`);
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

/** The µs of one event batch's largest timestamp. */
const maxTime = (b: EventBatch): number => {
  let m = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < b.length; k++) m = Math.max(m, b.t[k] as number);
  return m;
};

const openEvents = async (path: string, format: EventFormat, options: SourceOptions & { gain: number }): Promise<Source> => {
  const { dt, limits, gain } = options;
  const reader = await openEventFile(path, { format, ...(options.sensor === undefined ? {} : { sensorSize: options.sensor }) });
  const stated = options.sensor ?? reader.info.sensorSize;
  let batches: AsyncIterable<EventBatch> = reader;
  let width: number;
  let height: number;
  const neuronsOf = (w: number, h: number): number => 2 * w * h;
  if (stated !== undefined) {
    [width, height] = stated;
    checkNeurons(limits, neuronsOf(width, height), `the sensor of ${JSON.stringify(path)} (${width}×${height}, 2 polarities)`);
  } else {
    // The header does not say: scan the events for their extent, keeping them if they fit.
    const budget = limits.maxMemory / 4;
    let kept: EventBatch[] | undefined = [];
    let held = 0;
    let w = 0;
    let h = 0;
    try {
      for await (const b of reader) {
        for (let k = 0; k < b.length; k++) {
          w = Math.max(w, (b.x[k] as number) + 1);
          h = Math.max(h, (b.y[k] as number) + 1);
        }
        // The extent alone may already be too large: stop at once rather than read on.
        checkNeurons(
          limits,
          neuronsOf(w, h),
          `the sensor inferred from the events of ${JSON.stringify(path)} (${w}×${h}, 2 polarities; its header gives no size: give --sensor WxH if this is wrong)`,
        );
        if (kept !== undefined) {
          held += b.length * 24;
          if (held > budget) kept = undefined;
          else kept.push(b);
        }
      }
    } finally {
      await reader.close();
    }
    width = Math.max(1, w);
    height = Math.max(1, h);
    const all = kept;
    batches =
      all !== undefined
        ? (async function* () {
            yield* all;
          })()
        : eventFileIterable(path, format, [width, height]);
  }
  const source = batches;
  const sensorWidth = width;
  const sensorHeight = height;
  // a NIR network's input fixes the grid the events are binned on (cli/nir.ts)
  const grid = options.nirInput === undefined ? undefined : eventGridFor(options.nirInput, width, height);
  if (grid !== undefined) ({ width, height } = grid.sensor);
  const polarities = grid?.sensor.polarities ?? 2;
  const binWidth = width;
  const binHeight = height;
  return {
    kind: 'events',
    features: [polarities, height, width],
    title: `${path} (${format}, ${sensorWidth}×${sensorHeight})`,
    describe: {
      name: basename(path),
      recording: [
        ['format', format],
        ['sensor', `${sensorWidth} × ${sensorHeight} px${stated === undefined ? ' (from the events)' : ''}`],
      ],
      quantity: 'events',
    },
    chunks: ({ chunkSteps, gate, neurons }) => {
      let t0: number | undefined;
      const what = `the events of ${JSON.stringify(path)}`;
      const timeGuard = map((b: EventBatch) => {
        if (b.length === 0) return b;
        t0 ??= b.t[0] as number;
        const last = maxTime(b);
        const steps = Math.floor(((last - t0) * 1e-6) / dt) + 1;
        const why = `${what} (an event at t = ${last} µs, ${last - t0} µs after the first; dt ${dt} s)`;
        checkSteps(limits, steps, why);
        checkWork(limits, steps, neurons, why);
        return b;
      });
      return gated(source, gate).pipe(
        timeGuard,
        grid?.scale ?? map((b: EventBatch) => b),
        binEvents({ dt, timeUnit: 'us', sensor: { width: binWidth, height: binHeight, polarities }, t0: 'first', maxChunk: chunkSteps }),
        checked(gain, 'binned events'),
      );
    },
    close: () => reader.close(),
  };
};

/** The events of a file read again with a known sensor (after an extent scan that did not fit in memory). */
async function* eventFileIterable(path: string, format: EventFormat, sensorSize: readonly [number, number]): AsyncGenerator<EventBatch> {
  const reader = await openEventFile(path, { format, sensorSize });
  try {
    yield* reader;
  } finally {
    await reader.close();
  }
}
