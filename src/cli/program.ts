/**
 * The `spikeflow` command line (commander):
 * - `run` (the default, what `npm start` runs): the main job — an input through a network, a
 *   summary on stdout and an HTML report;
 * - `simulate`: one model over recorded currents (JSON in, JSON out);
 * - `inspect`: what a recording holds.
 * Exit codes: 0 ok, 2 bad arguments or input (message on stderr).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { FormatError } from '../io/formats/formatError.js';
import { SpikeflowError } from '../ops/errors.js';
import { formatInspect, inspect } from './inspect.js';
import { inspectNir, isNirPath } from './nir.js';
import { formatRunSummary, runJob } from './run.js';
import { simulate } from './simulate.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** An error the CLI reports with exit code 2 (bad arguments or input). */
export class UsageError extends Error {}

const readJson = (path: string, what: string): unknown => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} file ${JSON.stringify(path)} is not valid JSON: ${(e as Error).message}`);
  }
};

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

/** The commands; a first argument that is none of them (and no option) is an unknown command. */
const COMMANDS = ['run', 'simulate', 'inspect', 'help'];

/** Output streams of the CLI, injectable for tests. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Builds the commander program. */
export const buildProgram = (io: Io): Command => {
  const program = new Command('spikeflow')
    .description('Spiking neural networks as reactive dataflow, numerically identical to Norse.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('simulate')
    .description('run one neuron model over recorded input currents (JSON T×N or T×B×N) and write every state variable per step')
    .requiredOption('--model <name>', 'Norse class name, case-insensitive (LIF, LIFRecurrent, LI, LIBox, LIFBox, IAF, LIFRefrac, …)')
    .requiredOption('--input <file>', 'input currents: JSON array T×N or T×B×N (or an object with an "input" field)')
    .option('--params <file>', "parameters JSON with spikeflow's names (Norse's in camelCase)")
    .addOption(new Option('--dtype <dtype>', 'numeric type').choices(['float32', 'float64']).default('float32'))
    .option('--dt <seconds>', 'time step in seconds', positiveFloat, 0.001)
    .option('--out <file>', 'write the output JSON here instead of stdout')
    .action((opts: { model: string; input: string; params?: string; dtype: 'float32' | 'float64'; dt: number; out?: string }) => {
      const result = simulate({
        model: opts.model,
        input: readJson(opts.input, 'input'),
        params: opts.params === undefined ? undefined : readJson(opts.params, 'params'),
        dtype: opts.dtype,
        dt: opts.dt,
      });
      const text = `${JSON.stringify(result)}\n`;
      if (opts.out === undefined) io.stdout(text);
      else writeFileSync(opts.out, text);
    });

  program
    .command('run', { isDefault: true })
    .description(
      'run a network on an input (events, WAV, CSV, JSON currents; none: the built-in demo), print a summary and write an HTML report',
    )
    .option('--input <file>', 'input recording: .bin/.raw/.dat/.aedat/.aedat4/.jsonl events, .wav audio, .csv time series, .json currents')
    .option(
      '--format <format>',
      'input format, overriding detection (nmnist, evt2, evt3, dat, aedat2, aedat3, aedat4, jsonl, wav, csv, json)',
    )
    .option('--model <name>', 'neuron model of the default network (Norse class name)', 'LIF')
    .option('--network <file>', 'JSON network description, or a NIR graph (.nir), replacing the default network')
    .addOption(new Option('--discretisation <scheme>', 'how a NIR network advances per dt').choices(['norse', 'exact']).default('norse'))
    .option('--dt <seconds>', 'time step in seconds', positiveFloat, 0.001)
    .option('--gain <factor>', 'input scale of the default network (default 1; audio 200)', positiveFactor)
    .option('--out <dir>', 'folder for report.html and summary.json', 'spikeflow-out')
    .option('--realtime', 'pace the simulation to wall-clock time')
    .option('--progress', 'always show a progress bar')
    .option('--no-progress', 'never show a progress bar')
    .action(
      async (opts: {
        input?: string;
        format?: string;
        model: string;
        network?: string;
        dt: number;
        gain?: number;
        out: string;
        realtime?: boolean;
        progress?: boolean;
        discretisation: 'norse' | 'exact';
      }) => {
        const summary = await runJob(
          {
            ...(opts.input === undefined ? {} : { input: opts.input }),
            ...(opts.format === undefined ? {} : { format: opts.format }),
            model: opts.model,
            ...(opts.network === undefined ? {} : { network: opts.network }),
            dt: opts.dt,
            ...(opts.gain === undefined ? {} : { gain: opts.gain }),
            out: opts.out,
            realtime: opts.realtime === true,
            ...(opts.progress === undefined ? {} : { progress: opts.progress }),
            discretisation: opts.discretisation,
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
    .argument('<file>', 'the recording')
    .option('--format <format>', 'format, overriding detection')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { format?: string; json?: boolean }) => {
      if (isNirPath(file)) {
        io.stdout(await inspectNir(file, opts.json === true));
        return;
      }
      const summary = await inspect(file, opts.format === undefined ? {} : ({ format: opts.format } as never));
      io.stdout(opts.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatInspect(summary));
    });

  return program;
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code:
 * 0 ok, 2 bad arguments or input (the message goes to stderr).
 */
export const main = async (argv: readonly string[], io: Io): Promise<number> => {
  const program = buildProgram(io);
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !COMMANDS.includes(first)) {
    io.stderr(`spikeflow: unknown command ${JSON.stringify(first)}; expected one of run, simulate, inspect (see spikeflow --help)\n`);
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof SpikeflowError || e instanceof UsageError || e instanceof FormatError) {
      io.stderr(`spikeflow: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
};
