/**
 * The `spikeflow` command line (commander):
 * - `run` (the default, what `npm start` runs): the main job — an input through a network, a
 *   summary on stdout and an HTML report;
 * - `simulate`: one model over recorded currents (JSON in, JSON out);
 * - `inspect`: what a recording holds.
 * Exit codes: 0 ok; 2 bad arguments or input, a limit exceeded, an unusable output path (a message
 * on stderr); 1 a bug in spikeflow (a message asking to report it).
 * @module
 */
import { statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SpikeflowError } from '../ops/errors.js';
import { formatInspect, inspect } from './inspect.js';
import { countFlag, DEFAULT_LIMITS, type Limits, sizeFlag } from './limits.js';
import { inspectNir, isNirPath } from './nir.js';
import { prepareOutputFile } from './output.js';
import { readJsonFile } from './run/files.js';

/** Told when `simulate --input` is not JSON (a CSV, WAV or event file is `run`'s). */
const SIMULATE_JSON_ONLY =
  '; simulate reads JSON currents only (an array T×N or T×B×N); spikeflow run --input reads CSV, WAV and event files';

import { formatRunSummary, runJob } from './run/index.js';
import { simulateTensors, writeSimulateJson } from './simulate.js';
import { registerTrainCommand } from './trainCommand.js';
import { asFlagError, classify, dtAdvice, UsageError } from './usageErrors.js';

export { UsageError } from './usageErrors.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * A commander argument parser that refuses a repeated option (commander would keep the last one
 * silently): `--input a --input b` is an error.
 */
const once =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: unknown): T => {
    if (previous !== undefined)
      throw new InvalidArgumentError(`given more than once (${JSON.stringify(previous)}, then ${JSON.stringify(value)})`);
    return parse(value);
  };
const text = (value: string): string => value;

const positive =
  (unit: string) =>
  (value: string): number => {
    const v = Number(value);
    if (!Number.isFinite(v) || v <= 0 || value.trim() === '')
      throw new InvalidArgumentError(`expected a number > 0${unit}, received ${JSON.stringify(value)}`);
    return v;
  };
const positiveFloat = positive(' (seconds)');
const positiveFactor = positive('');

const sensorFlag = (value: string): readonly [number, number] => {
  const m = /^(\d+)x(\d+)$/i.exec(value.trim());
  const w = Number(m?.[1]);
  const h = Number(m?.[2]);
  if (m === null || !(w >= 1 && w <= 65536 && h >= 1 && h <= 65536)) {
    throw new InvalidArgumentError(`expected WIDTHxHEIGHT, each 1…65536 (e.g. 640x480), received ${JSON.stringify(value)}`);
  }
  return [w, h];
};

/** Library errors of `simulate` re-worded with the flag or file at fault (`--params "p.json": tauMemInv must be > 0, …`). */
const simulateError = (
  e: unknown,
  opts: { readonly model: string; readonly input: string; readonly params?: string; readonly dt?: number },
): unknown => {
  const params = opts.params === undefined ? undefined : `--params ${JSON.stringify(opts.params)}`;
  if (e instanceof SpikeflowError && e.argument === 'dt' && /\.run$/.test(e.where)) {
    return new UsageError(`--dt ${opts.dt ?? 0.001}: ${dtAdvice(e.message.slice(e.where.length + 2), params ?? '--params')}`, '--dt');
  }
  return asFlagError(e, [
    { where: 'model', prefix: '--model', flag: '--model' },
    { where: 'simulate', argument: 'input', prefix: `--input ${JSON.stringify(opts.input)}`, flag: '--input' },
    { where: 'simulate', argument: /^dt(ype)?$/, names: { dt: '--dt', dtype: '--dtype' } },
    params === undefined
      ? { where: /\.parameters$/, prefix: `--model ${opts.model} needs parameters given with --params FILE`, flag: '--params' }
      : { where: /^simulate$|\.parameters$|\.run$/, prefix: params, flag: '--params' },
  ]);
};

/** The commands; a first argument that is none of them (and no option) is an unknown command. */
const COMMANDS = ['run', 'simulate', 'inspect', 'train', 'help'];

/** Output streams of the CLI, injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface LimitFlags {
  maxSteps?: number;
  maxNeurons?: number;
  maxNeuronSteps?: number;
  maxMemory?: number;
}

const limitsOf = (o: LimitFlags): Limits => ({
  maxSteps: o.maxSteps ?? DEFAULT_LIMITS.maxSteps,
  maxNeurons: o.maxNeurons ?? DEFAULT_LIMITS.maxNeurons,
  maxNeuronSteps: o.maxNeuronSteps ?? DEFAULT_LIMITS.maxNeuronSteps,
  maxMemory: o.maxMemory ?? DEFAULT_LIMITS.maxMemory,
});

const withLimits = (c: Command, which: readonly (keyof LimitFlags)[]): Command => {
  const all: Record<keyof LimitFlags, Option> = {
    maxSteps: new Option('--max-steps <n>', `most simulation steps (default ${DEFAULT_LIMITS.maxSteps})`).argParser(once(countFlag)),
    maxNeurons: new Option('--max-neurons <n>', `most neurons, and most input features (default ${DEFAULT_LIMITS.maxNeurons})`).argParser(
      once(countFlag),
    ),
    maxNeuronSteps: new Option(
      '--max-neuron-steps <n>',
      `most neuron-steps, the run's work (default ${DEFAULT_LIMITS.maxNeuronSteps})`,
    ).argParser(once(countFlag)),
    maxMemory: new Option('--max-memory <size>', 'most memory the run may allocate, e.g. 512M, 4G (default 1G)').argParser(once(sizeFlag)),
  };
  for (const k of which) c.addOption(all[k]);
  return c;
};

/** Builds the commander program. */
export const buildProgram = (io: Io): Command => {
  const program = new Command('spikeflow')
    .description('Spiking neural networks as reactive dataflow, numerically identical to Norse.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const simulate = program
    .command('simulate')
    .description('run one neuron model over recorded input currents (JSON T×N or T×B×N) and write every state variable per step')
    .requiredOption(
      '--model <name>',
      'Norse class name, case-insensitive (LIF, LIFRecurrent, LI, LIBox, LIFBox, IAF, LIFRefrac, …)',
      once(text),
    )
    .requiredOption('--input <file>', 'input currents: JSON array T×N or T×B×N (or an object with an "input" field)', once(text))
    .option('--params <file>', "parameters JSON with spikeflow's names (Norse's in camelCase)", once(text))
    .addOption(new Option('--dtype <dtype>', 'numeric type (default float32)').choices(['float32', 'float64']))
    .option('--dt <seconds>', 'time step in seconds (default 0.001)', once(positiveFloat))
    .option('--out <file>', 'write the output JSON here instead of stdout (a new file unless --force)', once(text))
    .option('--force', 'overwrite an existing --out file');
  withLimits(simulate, ['maxMemory']).action(
    (opts: {
      model: string;
      input: string;
      params?: string;
      dtype?: 'float32' | 'float64';
      dt?: number;
      out?: string;
      force?: boolean;
      maxMemory?: number;
    }) => {
      const limits = limitsOf(opts);
      const out = opts.out === undefined ? undefined : prepareOutputFile(opts.out, opts.force === true);
      try {
        const result = simulateTensors({
          model: opts.model,
          input: readJsonFile(opts.input, 'input', '--input', limits, SIMULATE_JSON_ONLY),
          params: opts.params === undefined ? undefined : readJsonFile(opts.params, 'params', '--params', limits),
          dtype: opts.dtype ?? 'float32',
          dt: opts.dt ?? 0.001,
        });
        if (out === undefined) {
          writeSimulateJson(result, io.stdout);
          io.stdout('\n');
        } else {
          const write = (t: string): void => {
            const b = Buffer.from(t, 'utf8');
            for (let off = 0; off < b.length; ) off += writeSync(out.fd, b, off, b.length - off);
          };
          writeSimulateJson(result, write);
          write('\n');
          out.close();
        }
      } catch (e) {
        out?.discard();
        throw simulateError(e, opts);
      }
    },
  );

  const run = program
    .command('run', { isDefault: true })
    .description(
      'run a network on an input (events, WAV, CSV, JSON currents; none: the built-in demo), print a summary and write an HTML report',
    )
    .option(
      '--input <file>',
      'input recording: .bin/.raw/.dat/.aedat/.aedat4/.jsonl events, .wav audio, .csv time series, .json currents',
      once(text),
    )
    .option(
      '--format <format>',
      'input format, overriding detection (nmnist, evt2, evt3, dat, aedat2, aedat3, aedat4, jsonl, wav, csv, json)',
      once(text),
    )
    .option('--model <name>', 'neuron model of the default network (Norse class name; default LIF)', once(text))
    .option('--network <file>', 'JSON network description, or a NIR graph (.nir), replacing the default network', once(text))
    .addOption(new Option('--discretisation <scheme>', 'how a NIR network advances per dt (default norse)').choices(['norse', 'exact']))
    .option('--dt <seconds>', 'time step in seconds (default 0.001)', once(positiveFloat))
    .option('--gain <factor>', 'input scale of the default network (default 1; audio 200)', once(positiveFactor))
    .option('--sensor <WxH>', 'sensor size of an event recording, overriding its header (events outside are errors)', once(sensorFlag))
    .option('--out <dir>', 'folder for report.html and summary.json (default spikeflow-out)', once(text))
    .option('--force', 'overwrite files in --out that spikeflow did not write')
    .option('--realtime', 'pace the simulation to wall-clock time')
    .option('--progress', 'always show a progress bar')
    .option('--no-progress', 'never show a progress bar');
  withLimits(run, ['maxSteps', 'maxNeurons', 'maxNeuronSteps', 'maxMemory']).action(
    async (
      opts: {
        input?: string;
        format?: string;
        model?: string;
        network?: string;
        dt?: number;
        gain?: number;
        sensor?: readonly [number, number];
        out?: string;
        force?: boolean;
        realtime?: boolean;
        progress?: boolean;
        discretisation?: 'norse' | 'exact';
      } & LimitFlags,
    ) => {
      const summary = await runJob(
        {
          ...(opts.input === undefined ? {} : { input: opts.input }),
          ...(opts.format === undefined ? {} : { format: opts.format }),
          ...(opts.model === undefined ? {} : { model: opts.model }),
          ...(opts.network === undefined ? {} : { network: opts.network }),
          dt: opts.dt ?? 0.001,
          ...(opts.gain === undefined ? {} : { gain: opts.gain }),
          ...(opts.sensor === undefined ? {} : { sensor: opts.sensor }),
          out: opts.out ?? 'spikeflow-out',
          force: opts.force === true,
          realtime: opts.realtime === true,
          ...(opts.progress === undefined ? {} : { progress: opts.progress }),
          ...(opts.discretisation === undefined ? {} : { discretisation: opts.discretisation }),
          limits: limitsOf(opts),
        },
        io.stderr,
      );
      io.stdout(formatRunSummary(summary));
    },
  );

  program
    .command('inspect')
    .description(
      'show what a recording holds: format, event count, time range, sensor size, x/y ranges, polarities (audio: rate, channels, duration); for a .nir file, its graph',
    )
    .argument('<file>', 'the recording (or a .nir graph)')
    .option('--format <format>', 'format, overriding detection', once(text))
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { format?: string; json?: boolean }) => {
      if (statSync(file, { throwIfNoEntry: false })?.isDirectory() === true) {
        throw new UsageError(`${JSON.stringify(file)} is a folder; inspect takes a recording file`, '<file>');
      }
      if (isNirPath(file)) {
        io.stdout(await inspectNir(file, opts.json === true));
        return;
      }
      let summary: Awaited<ReturnType<typeof inspect>>;
      try {
        summary = await inspect(file, opts.format === undefined ? {} : ({ format: opts.format } as never));
      } catch (e) {
        throw asFlagError(e, [
          { where: 'inspect', argument: 'format', names: { format: '--format' } },
          { where: 'inspect', argument: 'path', flag: '<file>' },
          { where: 'detectFormat', replace: [[/pass format/, 'pass --format']], flag: '--format' },
        ]);
      }
      io.stdout(opts.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatInspect(summary));
    });

  registerTrainCommand(program, io);

  return program;
};

/**
 * Reports a mistyped long option before commander's check of required options, which runs first and
 * would otherwise hide it (`simulate --modle LIF` said "required option '--model' not specified").
 * Tokens after `--` and values of options that take one are not options.
 * @throws CommanderError through the subcommand's `unknownOption` (exit 2, with "Did you mean …?")
 */
const unknownOptionsFirst = (program: Command, argv: readonly string[]): void => {
  const first = argv[0];
  const cmd = program.commands.find((c) => c.name() === first) ?? program.commands.find((c) => c.name() === 'run');
  if (cmd === undefined) return;
  const known = [...cmd.options, ...program.options];
  const isHelp = (name: string): boolean => name === '--help' || name === '--version';
  for (let k = cmd.name() === first ? 1 : 0; k < argv.length; k++) {
    const token = argv[k] as string;
    if (token === '--') return;
    if (!token.startsWith('--')) continue;
    const name = token.split('=')[0] as string;
    const option = known.find((o) => o.long === name);
    // commander's own message and suggestion ("Did you mean …?"); the method is not in its typings
    if (option === undefined && !isHelp(name)) (cmd as unknown as { unknownOption(flag: string): never }).unknownOption(token);
    if (option !== undefined && (option.required || option.optional) && !token.includes('=')) k++;
  }
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code: 0 ok, 2 bad
 * arguments or input (the message goes to stderr), 1 a bug in spikeflow (with a request to report
 * it). Never throws.
 */
export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  try {
    const program = buildProgram(io);
    const first = argv[0];
    if (first !== undefined && !first.startsWith('-') && !COMMANDS.includes(first)) {
      throw new UsageError(
        `unknown command ${JSON.stringify(first)}; expected one of run, simulate, inspect, train (see spikeflow --help)`,
      );
    }
    unknownOptionsFirst(program, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const { code, message } = classify(e);
    if (message !== undefined) io.stderr(`spikeflow: ${message}\n`);
    return code;
  }
};
