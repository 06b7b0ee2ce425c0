/**
 * What a CLI run may cost, checked before anything large is allocated or stepped: steps, neurons,
 * neuron-steps (time) and bytes. A run over a limit is refused with exit 2 and a message that
 * names the figure and the flag that raises the limit.
 * @module
 */
import { InvalidArgumentError } from 'commander';
import { UsageError } from './usageErrors.js';

/** The limits of one CLI run (flags `--max-steps`, `--max-neurons`, `--max-neuron-steps`, `--max-memory`). */
export interface Limits {
  /** Most simulation steps (default 1e7: 2.8 h simulated at dt = 1 ms). */
  readonly maxSteps: number;
  /** Most neurons over all layers, and most input features (default 1e7). */
  readonly maxNeurons: number;
  /** Most neuron-steps, the run's work (default 1e11: minutes at 10⁸ neuron-steps/s). */
  readonly maxNeuronSteps: number;
  /** Most bytes the run's estimated allocations may take (default 1 GiB). */
  readonly maxMemory: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: Limits = { maxSteps: 1e7, maxNeurons: 1e7, maxNeuronSteps: 1e11, maxMemory: 2 ** 30 };

/** A count for a message: `12 345 678` → `1.23e7` above 1e6. */
export const figure = (n: number): string =>
  !Number.isFinite(n) ? String(n) : Math.abs(n) >= 1e6 ? n.toExponential(2).replace('e+', 'e') : String(Math.round(n));

/** Bytes for a message: `1.5 GiB`. */
export const bytes = (n: number): string => {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let k = 0;
  let v = n;
  while (v >= 1024 && k < units.length - 1) {
    v /= 1024;
    k++;
  }
  return `${k === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[k]}`;
};

/**
 * Commander parser of a positive integer flag (`1e6` accepted).
 * @throws InvalidArgumentError (commander; the CLI exits 2 naming the flag) for anything else
 */
export const countFlag = (value: string): number => {
  const v = Number(value);
  if (value.trim() === '' || !Number.isInteger(v) || v < 1 || !Number.isSafeInteger(v)) {
    throw new InvalidArgumentError(`expected a whole number ≥ 1, received ${JSON.stringify(value)}`);
  }
  return v;
};

/**
 * Commander parser of a size in bytes: `1073741824`, `512M`, `1.5G`, `2GiB`.
 * @throws InvalidArgumentError (commander; the CLI exits 2 naming the flag) for anything else
 */
export const sizeFlag = (value: string): number => {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m?.[2] ?? '').toLowerCase()];
  const v = m === null || scale === undefined ? Number.NaN : Number(m[1]) * scale;
  if (!Number.isFinite(v) || v < 1 || v > Number.MAX_SAFE_INTEGER) {
    throw new InvalidArgumentError(`expected a size such as 512M or 2G (bytes if no unit), received ${JSON.stringify(value)}`);
  }
  return Math.floor(v);
};

/**
 * Refuses `steps` above `--max-steps`; `why` says where the figure comes from.
 * @throws UsageError (`--max-steps`) naming the figure, the limit and how to raise it
 */
export const checkSteps = (limits: Limits, steps: number, why: string): void => {
  if (steps > limits.maxSteps) {
    throw new UsageError(
      `${why} needs ${figure(steps)} steps, more than --max-steps ${figure(limits.maxSteps)}; raise --max-steps, use a larger --dt, or check the input`,
      '--max-steps',
    );
  }
};

/**
 * Refuses `neurons` above `--max-neurons`.
 * @throws UsageError (`--max-neurons`) naming the figure, the limit and how to raise it
 */
export const checkNeurons = (limits: Limits, neurons: number, why: string): void => {
  if (neurons > limits.maxNeurons) {
    throw new UsageError(
      `${why} has ${figure(neurons)} neurons, more than --max-neurons ${figure(limits.maxNeurons)}; raise --max-neurons`,
      '--max-neurons',
    );
  }
};

/**
 * Refuses `steps × neurons` above `--max-neuron-steps`.
 * @throws UsageError (`--max-neuron-steps`) naming the figure, the limit and how to raise it
 */
export const checkWork = (limits: Limits, steps: number, neurons: number, why: string): void => {
  const work = steps * neurons;
  if (work > limits.maxNeuronSteps) {
    throw new UsageError(
      `${why} needs ${figure(work)} neuron-steps (${figure(steps)} steps × ${figure(neurons)} neurons), more than --max-neuron-steps ${figure(limits.maxNeuronSteps)}; raise --max-neuron-steps`,
      '--max-neuron-steps',
    );
  }
};

/**
 * Refuses an estimated allocation (bytes) above `--max-memory`.
 * @throws UsageError (`--max-memory`) naming the estimate, the limit and how to raise it
 */
export const checkMemory = (limits: Limits, need: number, why: string): void => {
  if (need > limits.maxMemory) {
    throw new UsageError(
      `${why} needs about ${bytes(need)} of memory, more than --max-memory ${bytes(limits.maxMemory)}; raise --max-memory`,
      '--max-memory',
    );
  }
};
