/**
 * `spikeflow run`: the main job. Opens the input (see `source.ts`), costs and builds the network
 * (`network.ts`), checks the output folder, streams the input through the layers (paced to the
 * wall clock with `--realtime`, `pace.ts`), and writes `report.html` and `summary.json`
 * (`charts.ts`). Every refusal — a limit, a bad value, a bad file — happens before the work it
 * would spoil, with a message naming the flag.
 * @module
 */
import { SingleBar } from 'cli-progress';
import { lastValueFrom, map, type Observable, tap } from 'rxjs';
import type { NeuronState } from '../../neurons/model.js';
import { modelByName } from '../../neurons/registry.js';
import { SpikeflowError } from '../../ops/errors.js';
import { reshape, sizeOf, type Tensor } from '../../ops/tensor.js';
import { layer } from '../../streams/layer.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { discretisationOption, isNirPath, openNirNetwork } from '../nir.js';
import { checkDtIn, checkInDtype, checkParamsIn, firstNonFinite } from '../numbers.js';
import { prepareOutputDir } from '../output.js';
import { asFlagError, dtAdvice, UsageError } from '../usageErrors.js';
import { chartBytes, runCharts } from './charts.js';
import { readJsonFile } from './files.js';
import { planNetwork } from './networkPlan.js';
import { pacer } from './pace.js';
import type { RunJobOptions, RunSummary } from './runTypes.js';
import { openSource } from './source.js';

const checkLimits = (given: Partial<Limits> | undefined): Limits => {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const [key, flag] of [
    ['maxSteps', '--max-steps'],
    ['maxNeurons', '--max-neurons'],
    ['maxNeuronSteps', '--max-neuron-steps'],
    ['maxMemory', '--max-memory'],
  ] as const) {
    const v = limits[key];
    if (typeof v !== 'number' || !(v >= 1) || !Number.isFinite(v))
      throw new UsageError(`${flag} must be a number ≥ 1, received ${String(v)}`, flag);
  }
  return limits;
};

/** Refuses a state that became NaN or ±Infinity (an integration that overflowed float32). */
const checkState = (name: string, state: unknown, firstStep: number, dt: number): void => {
  if (state === null || typeof state !== 'object') return;
  for (const [key, t] of Object.entries(state as NeuronState)) {
    const data = (t as Tensor | undefined)?.data;
    if (data === undefined || !ArrayBuffer.isView(data)) continue;
    const k = firstNonFinite(data);
    if (k >= 0) {
      throw new UsageError(
        `the ${name} layer's state ${key} became ${data[k]} in the chunk from step ${firstStep}: the integration overflowed float32 (dt ${dt} s); use a smaller --dt or check the layer's parameters`,
        '--dt',
      );
    }
  }
};

/**
 * Runs the main job and returns its summary; writes `report.html` and `summary.json` to the
 * output folder.
 * @throws UsageError or SpikeflowError for bad options, limits exceeded, unreadable or malformed
 *   input, a bad network file or an unusable output folder — each before the work it concerns
 */
export const runJob = async (options: RunJobOptions, stderr: (text: string) => void = () => {}): Promise<RunSummary> => {
  const limits = checkLimits(options.limits);
  const dt = options.dt ?? 0.001;
  if (typeof dt !== 'number' || !(dt > 0)) throw new UsageError(`--dt must be a number > 0, received ${String(dt)}`, '--dt');
  checkDtIn(dt, 'float32');
  if (options.gain !== undefined) {
    if (typeof options.gain !== 'number' || !(options.gain > 0)) {
      throw new UsageError(`--gain must be a number > 0, received ${String(options.gain)}`, '--gain');
    }
    checkInDtype(options.gain, 'float32', '--gain', '--gain');
  }
  if (options.model !== undefined && options.network !== undefined) {
    throw new UsageError('--model is for the default network; with --network, name the models in the network file', '--model');
  }
  if (options.model !== undefined) {
    try {
      modelByName(options.model);
    } catch (e) {
      throw asFlagError(e, [{ where: 'model', prefix: '--model', flag: '--model' }]);
    }
  }
  const nirPath = options.network !== undefined && isNirPath(options.network);
  discretisationOption(options.discretisation);
  const spec = options.network === undefined || nirPath ? undefined : readJsonFile(options.network, 'network', '--network', limits);
  const layersSpec = (spec as { layers?: unknown } | undefined)?.layers;
  if (Array.isArray(layersSpec)) {
    layersSpec.forEach((l, k) => {
      checkParamsIn((l as { params?: unknown } | null)?.params, 'float32', dt, `layers[${k}].params`, '--network');
    });
  }
  const out = prepareOutputDir(options.out ?? 'spikeflow-out', options.force === true);
  try {
    return await execute(options, { dt, limits, spec, out: out.write, stderr });
  } catch (e) {
    out.abandon();
    // the default network's model refusing --dt (its parameters cannot be set: only --dt helps)
    if (e instanceof SpikeflowError && e.argument === 'dt' && /\.run$/.test(e.where)) {
      throw new UsageError(`--dt ${dt}: ${dtAdvice(e.message.slice(e.where.length + 2), undefined)}`, '--dt');
    }
    throw e;
  }
};

const execute = async (
  options: RunJobOptions,
  ctx: {
    readonly dt: number;
    readonly limits: Limits;
    readonly spec: unknown;
    readonly out: (name: string, text: string) => string;
    readonly stderr: (text: string) => void;
  },
): Promise<RunSummary> => {
  const { dt, limits } = ctx;
  const nir =
    options.network !== undefined && isNirPath(options.network)
      ? await openNirNetwork(options.network, dt, discretisationOption(options.discretisation))
      : undefined;
  const source = await openSource({
    ...(nir === undefined ? {} : { nirInput: nir.inputShape }),
    dt,
    limits,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.gain === undefined ? {} : { gain: options.gain }),
    ...(options.sensor === undefined ? {} : { sensor: options.sensor }),
  });
  let plan: ReturnType<typeof planNetwork>;
  const inputSize = sizeOf(source.features);
  try {
    plan = planNetwork({
      kind: source.kind === 'demo' ? 'demo' : 'other',
      inputSize,
      dt,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(ctx.spec === undefined ? {} : { spec: ctx.spec }),
      ...(nir === undefined ? {} : { nir, features: source.features }),
      limits,
      fixedBytes: chartBytes(source.features),
      ...(source.totalSteps === undefined ? {} : { totalSteps: source.totalSteps }),
      what: source.title,
    });
  } catch (e) {
    await source.close();
    throw e;
  }
  const { layers, cost } = plan;
  const charts = runCharts(layers, source, dt, options.gain ?? (source.kind === 'audio' ? 200 : 1));

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

  const paced = options.realtime === true ? pacer(dt, cost.chunkSteps) : undefined;
  let steps = 0;
  const started = performance.now();
  let stream: Observable<Tensor> = source
    .chunks({ chunkSteps: cost.chunkSteps, neurons: Math.max(1, cost.neurons), ...(paced === undefined ? {} : { gate: paced.gate }) })
    .pipe(
      map((x) => reshape(x, [x.shape[0] as number, x.shape[1] as number, inputSize])),
      tap((x) => charts.input(x)),
    );
  if (paced !== undefined) stream = stream.pipe(paced.pace);
  layers.forEach((l, k) => {
    stream = stream.pipe(
      layer(l.layer, {
        probe: (s: { out: Tensor; state?: unknown; recorded?: unknown }) => {
          if (l.model !== undefined) checkState(l.name, s.state, steps, dt);
          if (k === charts.firstNeuron) {
            const v = (s.recorded as NeuronState | undefined)?.v;
            if (v !== undefined) charts.voltage(v);
          }
        },
      }),
      tap((o: Tensor) => charts.output(k, o)),
    );
  });
  await lastValueFrom(
    stream.pipe(
      tap((o) => {
        steps += o.shape[0] as number;
        bar?.update(steps);
      }),
    ),
    { defaultValue: undefined },
  ).finally(() => bar?.stop());
  const wall = (performance.now() - started) / 1000;
  if (steps === 0) {
    throw new UsageError(
      source.kind === 'events'
        ? `--input ${source.title}: no events were decoded, so there is nothing to simulate; is the format right? (spikeflow inspect ${JSON.stringify(options.input)} shows what the file holds)`
        : `--input ${JSON.stringify(options.input)} gave no step to simulate`,
      '--input',
    );
  }

  const reportStarted = performance.now();
  const isNeuron = (k: number): boolean =>
    layers[k]?.model !== undefined || layers[k]?.neuron === true || charts.probes[k]?.spiking === true;
  const neuronStepsNow = charts.probes.reduce((a, p, k) => a + (isNeuron(k) ? p.size * steps : 0), 0);
  const reportPath = ctx.out('report.html', charts.html({ wallSeconds: wall, neuronStepsPerSecond: wall > 0 ? neuronStepsNow / wall : 0 }));
  const reportSeconds = (performance.now() - reportStarted) / 1000;
  const { probes } = charts;
  const neuronSteps = probes.reduce((a, p, k) => a + (isNeuron(k) ? p.size * steps : 0), 0);
  const summary: RunSummary = {
    input: options.input ?? null,
    network: options.network ?? null,
    kind: source.kind,
    steps,
    dt,
    simulatedSeconds: steps * dt,
    layers: probes.map((p, k) => ({
      name: p.name,
      size: p.size,
      shape: [...(layers[k]?.shape ?? [p.size])],
      spikes: p.spiking ? p.spikes : null,
      meanRateHz: p.spiking && steps > 0 ? p.spikes / p.size / (steps * dt) : null,
    })),
    wallSeconds: wall,
    reportSeconds,
    neuronStepsPerSecond: wall > 0 ? neuronSteps / wall : 0,
    report: reportPath,
  };
  ctx.out('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  ctx.stderr('');
  return summary;
};

/** A rate in Hz with two decimals, or three significant digits below 0.01 Hz (a few spikes over many neurons is not 0.00). */
const showRate = (hz: number): string => (hz > 0 && hz < 0.01 ? hz.toPrecision(3) : hz.toFixed(2));

/** The summary as text, as `spikeflow run` prints it. */
export const formatRunSummary = (s: RunSummary): string => {
  const lines = [
    `spikeflow run — ${s.input ?? 'built-in demo input'} (${s.kind})${s.network === null ? '' : ` through ${s.network}`}`,
    `  steps: ${s.steps} (dt ${s.dt * 1000} ms, ${s.simulatedSeconds.toFixed(3)} s simulated)`,
    ...s.layers.map(
      (l) =>
        `  ${l.name}(${l.shape.length > 1 ? `${l.shape.join('×')} = ` : ''}${l.size}): ${l.spikes === null ? 'no spikes (non-spiking layer)' : `${l.spikes} spikes, mean rate ${showRate(l.meanRateHz ?? 0)} Hz`}`,
    ),
    `  wall time: ${s.wallSeconds.toFixed(3)} s, ${(s.neuronStepsPerSecond / 1e6).toPrecision(3)} M neuron-steps/s`,
    `  report: ${s.report} (drawn in ${s.reportSeconds.toFixed(2)} s)`,
  ];
  return `${lines.join('\n')}\n`;
};
