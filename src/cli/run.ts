/**
 * `spikeflow run`: the main job. Reads an input (an event-camera recording, a WAV file, a CSV time
 * series, a JSON array of currents, or — with no input — the built-in demo), streams it through a
 * network (a default per input kind, or one described in a JSON network file), and writes an HTML
 * report with rasters, voltage traces, rates and heatmaps plus a `summary.json`, printing a summary.
 *
 * Defaults per input kind (the "default network" is one layer of `--model` neurons per input
 * feature, fed the input times `--gain`):
 * - no input: the seed tutorial's LIF neurons under constant currents 0, 0.1, 0.3 (voltage traces),
 *   and a synthetic 64-channel sensor signal (sinusoids, 2 s) → LIF(64) → Linear(64→10) → LI(10);
 * - events (`.bin`, `.raw`, `.dat`, `.aedat`, `.aedat4`, `.jsonl`): events binned into steps of
 *   `dt` per pixel and polarity `[T, 1, 2, H, W]`, one neuron per pixel and polarity;
 * - audio (`.wav`): a 32-channel cochlea front end, one envelope step per `dt`, gain 200;
 * - CSV (`.csv`): one row per step, a time column first, the other columns as currents;
 * - JSON (`.json`): a `T×N` or `T×B×N` array of currents, as `spikeflow simulate` takes.
 * @module
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { concatMap, firstValueFrom, lastValueFrom, map, type Observable, of, tap, timer } from 'rxjs';
import { detectFormat, isEventFormat, SNIFF_BYTES } from '../io/formats/detect.js';
import { csvFile } from '../io/node/csvFile.js';
import { eventFile, openEventFile } from '../io/node/eventFile.js';
import { openWavFile, wavFile } from '../io/node/wavFile.js';
import { li } from '../neurons/li.js';
import { lif } from '../neurons/lif.js';
import type { NeuronModel, NeuronState, RunResult } from '../neurons/model.js';
import { buildNetwork, type NetworkSpec } from '../neurons/network.js';
import { modelByName } from '../neurons/registry.js';
import { type Layer, linearLayer, neuron } from '../neurons/sequential.js';
import type { NirDiscretisation } from '../nir/runtime.js';
import { cochlea } from '../ops/cochlea.js';
import { cochleaEnvelopes, monoSamples } from '../ops/encoders/cochleaEnvelopes.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { linearInit } from '../ops/linear.js';
import { allocate, dtypeOf, fromTypedArray, reshape, sizeOf, type Tensor, tensor } from '../ops/tensor.js';
import { binEvents } from '../streams/binEvents.js';
import { fromTensor } from '../streams/fromTensor.js';
import { layer } from '../streams/layer.js';
// Plots in Node draw in linkedom's DOM.
import '../viz/nodeDocument.js';
import { type RunReportOptions, runReport } from '../viz/runReport.js';
import { traces } from '../viz/traces.js';
import { discretisationOption, eventGridFor, isNirPath, openNirNetwork } from './nir.js';
import { inputTensor } from './simulate.js';
import { isSpikingNetworkJson, spikingNetworkLayers } from './spikingNetwork.js';

/** Options of {@link runJob} (the flags of `spikeflow run`). */
export interface RunJobOptions {
  /** Input file; undefined runs the built-in demo. */
  readonly input?: string;
  /** Input format overriding detection (`nmnist`, `evt2`, `evt3`, `dat`, `aedat2`, `aedat3`, `aedat4`, `jsonl`, `wav`, `csv`, `json`). */
  readonly format?: string;
  /** Neuron model of the default network (Norse class name, default `LIF`). */
  readonly model?: string;
  /** Path of a JSON network description (see `src/neurons/network.ts`), replacing the default network. */
  readonly network?: string;
  /** Time step in seconds (> 0, default 0.001). */
  readonly dt?: number;
  /** Input scale of the default network (default 1; audio 200). */
  readonly gain?: number;
  /** Output folder for `report.html` and `summary.json` (default `spikeflow-out`). */
  readonly out?: string;
  /** Pace the simulation to wall-clock time. */
  readonly realtime?: boolean;
  /** Show a progress bar (default: when stderr is a terminal and the run is long). */
  readonly progress?: boolean;
  /** How a NIR network (`--network model.nir`) advances: `'norse'` (forward Euler, default) or `'exact'`. */
  readonly discretisation?: NirDiscretisation;
}

/** Spikes and rates of one layer of a run. */
export interface LayerSummary {
  readonly name: string;
  readonly size: number;
  /** Spikes emitted (spiking layers), or null for non-spiking layers. */
  readonly spikes: number | null;
  /** Mean rate per neuron, Hz (spiking layers), or null. */
  readonly meanRateHz: number | null;
}

/** What `spikeflow run` reports (also written to `summary.json`). */
export interface RunSummary {
  readonly input: string | null;
  readonly kind: 'demo' | 'events' | 'audio' | 'timeseries' | 'currents';
  readonly steps: number;
  readonly dt: number;
  readonly simulatedSeconds: number;
  readonly layers: readonly LayerSummary[];
  /** Wall-clock seconds of the simulation (reading, binning and all layers; not the report). */
  readonly wallSeconds: number;
  /** Wall-clock seconds spent drawing and writing the report. */
  readonly reportSeconds: number;
  /** Neuron-steps of all neuron layers per wall-clock second. */
  readonly neuronStepsPerSecond: number;
  readonly report: string;
}

interface Source {
  readonly kind: RunSummary['kind'];
  readonly chunks: Observable<Tensor>;
  /** Feature shape of one step (e.g. `[2, H, W]` for events). */
  readonly features: readonly number[];
  readonly totalSteps?: number;
  readonly title: string;
  /** What the report says of the input: its file name, recording facts, the quantity of a value, audio. */
  readonly describe: Pick<RunReportOptions, 'name' | 'recording' | 'quantity' | 'audio'>;
  /** Audio: receives the mono samples as they are read (for the report's waveform). */
  onSamples?: (samples: Float32Array) => void;
}

const where = 'run';

const positive = (name: string, v: number | undefined, fallback: number): number => {
  const value = v ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new SpikeflowError(where, name, `${name} must be a number > 0, received ${show(value)}`);
  }
  return value;
};

const readJson = (path: string, what: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SpikeflowError(where, what, `cannot read ${what} file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
};

const scaled = (t: Tensor, gain: number): Tensor => {
  if (gain === 1) return t;
  const out = allocate(dtypeOf(t), t.data.length);
  for (let k = 0; k < out.length; k++) out[k] = (t.data[k] as number) * gain;
  return fromTypedArray(out, t.shape);
};

/** The synthetic sensor signal of the demo: 64 channels `0.15 + 0.15·sin(2π f_c t + c)`, f_c = 1…8 Hz, `[steps, 1, 64]`. */
const demoSignal = (steps: number, dt: number): Tensor => {
  const C = 64;
  const d = new Float32Array(steps * C);
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < C; c++) d[t * C + c] = 0.15 + 0.15 * Math.sin(2 * Math.PI * (1 + (7 * c) / (C - 1)) * t * dt + c);
  }
  return fromTypedArray(d, [steps, 1, C]);
};

const FORMATS = ['nmnist', 'evt2', 'evt3', 'dat', 'aedat2', 'aedat3', 'aedat4', 'jsonl', 'wav', 'csv', 'json'];

const openSource = async (options: RunJobOptions, dt: number, gain: number | undefined, nirInput?: readonly number[]): Promise<Source> => {
  const path = options.input;
  if (path === undefined) {
    const steps = 2000;
    return {
      kind: 'demo',
      chunks: fromTensor(demoSignal(steps, dt), { chunk: 100 }),
      features: [64],
      totalSteps: steps,
      title: 'built-in demo',
      describe: {
        name: 'built-in demo',
        recording: [['signal', '64 sinusoids 0.15 + 0.15·sin(2π f t), f = 1–8 Hz']],
        quantity: 'input current',
      },
    };
  }
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new SpikeflowError(where, 'input', `cannot read input file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  let format = options.format;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new SpikeflowError(where, 'format', `format must be one of ${FORMATS.join(', ')}, received ${show(format)}`);
  }
  if (format === undefined) {
    if (extname(path).toLowerCase() === '.json') format = 'json';
    else {
      const head = readFileSync(path).subarray(0, Math.min(size, SNIFF_BYTES));
      format = detectFormat(path, head);
    }
  }
  const g = gain ?? 1;
  if (format === 'json') {
    const { xs } = inputTensor(readJson(path, 'input'), 'float32');
    return {
      kind: 'currents',
      chunks: fromTensor(scaled(xs, g), { chunk: 100 }),
      features: xs.shape.slice(2),
      totalSteps: xs.shape[0] as number,
      title: path,
      describe: { name: basename(path), recording: [['format', 'JSON currents']], quantity: 'input current' },
    };
  }
  if (format === 'csv') {
    const chunks = csvFile(path, { timeColumn: 0 }).pipe(map((b) => scaled(b.values, g)));
    // The channel count is known after the header: read the first row.
    const first = await firstValueFrom(csvFile(path, { timeColumn: 0, blockRows: 1 }));
    return {
      kind: 'timeseries',
      chunks,
      features: [first.channels.length],
      title: path,
      describe: {
        name: basename(path),
        recording: [['format', `CSV, ${first.channels.length} channels`]],
        quantity: `input value${g === 1 ? '' : ` × ${g}`}`,
      },
    };
  }
  if (format === 'wav') {
    const reader = await openWavFile(path);
    const { sampleRate, frames } = reader.info;
    await reader.close();
    const hop = Math.max(1, Math.round(dt * sampleRate));
    const channels = 32;
    const source: Source = {
      kind: 'audio',
      chunks: wavFile(path).pipe(
        tap((block) => source.onSamples?.(monoSamples(block, 'mix'))),
        cochleaEnvelopes({ channels, hop }),
        map((x) => scaled(x, gain ?? 200)),
      ),
      features: [channels],
      ...(frames === undefined ? {} : { totalSteps: Math.floor(frames / hop) }),
      title: `${path} (${sampleRate} Hz, cochlea ${channels} channels, hop ${hop} samples)`,
      describe: {
        name: basename(path),
        recording: [
          ['format', `WAV, ${sampleRate} Hz`],
          ['front end', `cochlea, ${channels} channels, one envelope step per ${hop} samples, gain ${gain ?? 200}`],
        ],
        quantity: 'cochlea envelope',
        audio: { sampleRate, hop, bands: Array.from(cochlea({ channels, sampleRate }).centres) },
      },
    };
    return source;
  }
  if (!isEventFormat(format)) throw new SpikeflowError(where, 'format', `no reader for format ${show(format)}`);
  const reader = await openEventFile(path, { format });
  const sensor = reader.info.sensorSize;
  await reader.close();
  const fmt = format;
  let width: number;
  let height: number;
  let events = eventFile(path, { format: fmt });
  if (sensor === undefined) {
    // Unknown sensor (e.g. some .dat files): read once for the extent.
    let w = 0;
    let h = 0;
    for await (const batch of await openEventFile(path, { format: fmt })) {
      for (let k = 0; k < batch.length; k++) {
        w = Math.max(w, (batch.x[k] as number) + 1);
        h = Math.max(h, (batch.y[k] as number) + 1);
      }
    }
    width = Math.max(1, w);
    height = Math.max(1, h);
    events = eventFile(path, { format: fmt, sensorSize: [width, height] });
  } else {
    [width, height] = sensor;
  }
  // a NIR network's input fixes the grid the events are binned on (cli/nir.ts)
  const grid = nirInput === undefined ? undefined : eventGridFor(nirInput, width, height);
  if (grid !== undefined) {
    events = events.pipe(grid.scale);
    ({ width, height } = grid.sensor);
  }
  const polarities = grid?.sensor.polarities ?? 2;
  const maxChunk = Math.max(1, Math.min(100, Math.floor(4e6 / (2 * width * height))));
  const chunks = events.pipe(
    binEvents({ dt, timeUnit: 'us', sensor: { width, height, polarities }, t0: 'first', maxChunk }),
    map((x) => scaled(x, g)),
  );
  return {
    kind: 'events',
    chunks,
    features: [polarities, height, width],
    title: `${path} (${fmt}, ${width}×${height})`,
    describe: {
      name: basename(path),
      recording: [
        ['format', fmt],
        ['sensor', `${width} × ${height} px${sensor === undefined ? ' (from the events)' : ''}`],
      ],
      quantity: 'events',
    },
  };
};

/** A model's parameters in effect (Norse's defaults), as `name value` pairs for the report. */
const describeParameters = (model: NeuronModel): string | undefined => {
  let p: Record<string, unknown>;
  try {
    p = model.parameters({}) as Record<string, unknown>;
  } catch {
    return undefined; // parameters without defaults (e.g. weights of a recurrent layer)
  }
  return Object.entries(p)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toPrecision(4) : String(v)}`)
    .join(', ');
};

/** Paces chunks to wall time: a chunk ending at simulated time s is emitted no earlier than s after the start. */
const paced =
  (dt: number) =>
  (source: Observable<Tensor>): Observable<Tensor> => {
    let start = 0;
    let steps = 0;
    return source.pipe(
      concatMap((chunk) => {
        if (steps === 0) start = performance.now();
        steps += chunk.shape[0] as number;
        const wait = start + steps * dt * 1000 - performance.now();
        return wait > 1 ? timer(wait).pipe(map(() => chunk)) : of(chunk);
      }),
    );
  };

interface Probe {
  readonly name: string;
  readonly size: number;
  readonly spiking: boolean;
  spikes: number;
}

/**
 * Runs the main job and returns its summary; writes `report.html` and `summary.json` to the
 * output folder and calls `log` with progress lines.
 * @throws SpikeflowError for bad options, unreadable or malformed input, or a bad network file
 */
export const runJob = async (options: RunJobOptions, stderr: (text: string) => void = () => {}): Promise<RunSummary> => {
  const dt = positive('dt', options.dt, 0.001);
  const gain = options.gain === undefined ? undefined : positive('gain', options.gain, 1);
  const model: NeuronModel = modelByName(options.model ?? 'LIF');
  if (model.recurrent && options.network === undefined) {
    throw new SpikeflowError(where, 'model', `${model.name} is recurrent: describe its size and weights in a --network file`);
  }
  const nir =
    options.network !== undefined && isNirPath(options.network)
      ? await openNirNetwork(options.network, dt, discretisationOption(options.discretisation))
      : undefined;
  const source = await openSource(options, dt, gain, nir?.inputShape);
  const inputSize = sizeOf(source.features);

  // The network: layers built with `record` on the first neuron layer for voltage traces.
  let layers: { layer: Layer; name: string; size: number; model?: NeuronModel; spiking?: boolean }[];
  if (nir !== undefined) {
    layers = nir.layers(source.features);
  } else if (options.network !== undefined) {
    const spec = readJson(options.network, 'network') as NetworkSpec;
    layers = isSpikingNetworkJson(spec)
      ? spikingNetworkLayers(spec, inputSize, dt)
      : buildNetwork(spec, inputSize, dt, { recordFirst: true }).layers.map((l) => ({ ...l }));
  } else if (source.kind === 'demo') {
    layers = [
      { layer: neuron(lif, {}, dt, { record: true }) as Layer, name: 'LIF', size: 64, model: lif as unknown as NeuronModel },
      { layer: linearLayer(linearInit(64, 10, { seed: 1 })), name: 'Linear', size: 10 },
      { layer: neuron(li, {}, dt) as Layer, name: 'LI', size: 10, model: li as unknown as NeuronModel },
    ];
  } else {
    layers = [{ layer: neuron(model, {}, dt, { record: inputSize <= 100_000 }) as Layer, name: model.name, size: inputSize, model }];
  }

  const probes: Probe[] = layers.map((l) => ({ name: l.name, size: l.size, spiking: l.spiking ?? l.model?.outputName === 'z', spikes: 0 }));
  const firstNeuron = layers.findIndex((l) => l.model !== undefined && l.model.outputName === 'z' && l.model.stateNames.includes('v'));
  // The report aggregates as data arrive (bounded memory whatever the run's length).
  const rep = runReport({
    ...source.describe,
    kind: source.kind,
    dt,
    features: source.features,
    gain: gain ?? (source.kind === 'audio' ? 200 : 1),
    layers: layers.map((l, k) => ({
      name: l.name,
      size: l.size,
      spiking: (probes[k] as Probe).spiking,
      parameters: l.model === undefined ? undefined : describeParameters(l.model),
    })),
  });
  source.onSamples = (samples) => rep.samples(samples);

  const total = source.totalSteps;
  const showBar =
    options.progress === true || (options.progress !== false && process.stderr.isTTY === true && (total === undefined || total >= 10_000));
  const bar = showBar
    ? new SingleBar({
        format: total === undefined ? 'spikeflow run | {value} steps' : 'spikeflow run |{bar}| {percentage}% {value}/{total} steps',
        stream: process.stderr,
        hideCursor: true,
        noTTYOutput: options.progress === true,
        notTTYSchedule: 1000,
      })
    : undefined;
  bar?.start(total ?? 0, 0);

  let steps = 0;
  const started = performance.now();
  let stream = source.chunks.pipe(
    map((x) => reshape(x, [x.shape[0] as number, x.shape[1] as number, inputSize])),
    tap((x) => rep.input(x)),
  );
  if (options.realtime === true) stream = stream.pipe(paced(dt));
  layers.forEach((l, k) => {
    const probe = probes[k] as Probe;
    stream = stream.pipe(
      layer(l.layer, {
        probe: (s: { out: Tensor; recorded?: unknown }) => {
          if (k === firstNeuron) {
            const v = (s.recorded as NeuronState | undefined)?.v;
            if (v !== undefined) rep.voltage(v);
          }
        },
      }),
      tap((out: Tensor) => {
        rep.output(k, out);
        probe.spikes = rep.spikes(k);
      }),
    );
  });
  await lastValueFrom(
    stream.pipe(
      tap((out) => {
        steps += out.shape[0] as number;
        bar?.update(steps);
      }),
    ),
    { defaultValue: undefined },
  ).finally(() => bar?.stop());
  const wall = (performance.now() - started) / 1000;
  if (source.kind === 'events' && steps === 0) {
    throw new SpikeflowError(
      where,
      'input',
      `no events were decoded from ${JSON.stringify(options.input)} (${source.title}); is the format right?`,
    );
  }

  // The seed figure of the demo: LIF neurons under constant currents 0, 0.1, 0.3 for 100 steps.
  if (source.kind === 'demo') {
    const xs = tensor(Array.from({ length: 100 }, () => [[0, 0.1, 0.3]]));
    rep.figure(
      traces<RunResult>()
        .threshold(1)
        .labels(['0', '0.1', '0.3'])
        .yLabel('membrane voltage v')
        .title('LIF neurons under constant currents')
        .toSVG(lif.run({}, dt, { record: true })(xs)),
      {
        title: 'The seed figure',
        caption: 'Membrane voltage of one LIF neuron (Norse defaults) per input current; it spikes only at 0.3.',
      },
    );
  }

  const outDir = resolve(options.out ?? 'spikeflow-out');
  const reportStarted = performance.now();
  mkdirSync(outDir, { recursive: true });
  const reportPath = join(outDir, 'report.html');
  const neuronStepsPerSecond =
    wall > 0 ? probes.reduce((a, p, k) => a + (layers[k]?.model !== undefined ? p.size * steps : 0), 0) / wall : 0;
  writeFileSync(reportPath, rep.toHTML({ wallSeconds: wall, neuronStepsPerSecond }));
  const reportSeconds = (performance.now() - reportStarted) / 1000;
  const summary: RunSummary = {
    input: options.input ?? null,
    kind: source.kind,
    steps,
    dt,
    simulatedSeconds: steps * dt,
    layers: probes.map((p) => ({
      name: p.name,
      size: p.size,
      spikes: p.spiking ? p.spikes : null,
      meanRateHz: p.spiking && steps > 0 ? p.spikes / p.size / (steps * dt) : null,
    })),
    wallSeconds: wall,
    reportSeconds,
    neuronStepsPerSecond,
    report: reportPath,
  };
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  stderr('');
  return summary;
};

/** The summary as text, as `spikeflow run` prints it. */
export const formatRunSummary = (s: RunSummary): string => {
  const lines = [
    `spikeflow run — ${s.input ?? 'built-in demo'} (${s.kind})`,
    `  steps: ${s.steps} (dt ${s.dt * 1000} ms, ${s.simulatedSeconds.toFixed(3)} s simulated)`,
    ...s.layers.map(
      (l) =>
        `  ${l.name}(${l.size}): ${l.spikes === null ? 'no spikes (non-spiking layer)' : `${l.spikes} spikes, mean rate ${(l.meanRateHz ?? 0).toFixed(2)} Hz`}`,
    ),
    `  wall time: ${s.wallSeconds.toFixed(3)} s, ${(s.neuronStepsPerSecond / 1e6).toFixed(2)} M neuron-steps/s`,
    `  report: ${s.report} (drawn in ${s.reportSeconds.toFixed(2)} s)`,
  ];
  return `${lines.join('\n')}\n`;
};
