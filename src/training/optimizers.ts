/**
 * Optimisers and learning-rate schedules. An optimiser updates a layer's `params` in place from
 * its accumulated `grads` (torch's `optimizer.step()`); call `layer.zeroGrad()` between batches.
 * Sources: torch.optim.SGD (momentum, dampening 0, Nesterov off; weight decay added to the
 * gradient) and torch.optim.Adam (Kingma & Ba 2015, bias-corrected; weight decay added to the
 * gradient, as torch's `Adam`).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { checkOptions } from '../ops/validate.js';
import type { TrainableLayer } from './trainableLayer.js';

/** A learning-rate schedule: the rate for a 0-based epoch. */
export type LearningRateSchedule = (epoch: number) => number;

/** An optimiser bound to a layer's parameters. */
export interface Optimizer {
  /** Applies one update from the accumulated gradients, at learning rate `lr` (default: the configured one). */
  readonly step: (lr?: number) => void;
  /** The configured base learning rate. */
  readonly lr: number;
}

const check = (where: string, name: string, v: unknown, min: number, max = Infinity, minOpen = false): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || (minOpen ? v <= min : v < min) || v > max) {
    throw new SpikeflowError(
      where,
      name,
      `${name} must be a finite number ${minOpen ? '>' : '≥'} ${min}${max < Infinity ? ` and ≤ ${max}` : ''}, received ${show(v)}`,
    );
  }
  return v;
};

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Learning rate (> 0). */
  readonly lr: number;
  /** Momentum in [0, 1) (default 0). */
  readonly momentum?: number;
  /** L2 weight decay (default 0). */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent with momentum: `b ← μ·b + g`, `θ ← θ − lr·b` (torch's SGD).
 * @throws SpikeflowError for a bad rate, momentum or decay, or an unknown option (named)
 */
export const sgd = (layer: TrainableLayer, sgdOptions: SgdOptions): Optimizer => {
  const options = checkOptions('sgd', sgdOptions, ['lr', 'momentum', 'weightDecay']);
  const lr = check('sgd', 'lr', options.lr, 0, Infinity, true);
  const mu = check('sgd', 'momentum', options.momentum ?? 0, 0, 0.999999);
  const wd = check('sgd', 'weightDecay', options.weightDecay ?? 0, 0);
  const names = Object.keys(layer.params);
  const buf = names.map((n) => new Float64Array(layer.params[n]!.length));
  let first = true;
  return {
    lr,
    step: (rate = lr) => {
      names.forEach((n, k) => {
        const p = layer.params[n]!;
        const g = layer.grads[n]!;
        const b = buf[k]!;
        for (let j = 0; j < p.length; j++) {
          const gj = g[j]! + wd * p[j]!;
          b[j] = mu > 0 && !first ? mu * b[j]! + gj : gj;
          p[j] = p[j]! - rate * b[j]!;
        }
      });
      first = false;
    },
  };
};

/** Options of {@link adam}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  readonly lr?: number;
  /** Decay rates of the moment estimates (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  readonly eps?: number;
  /** L2 weight decay (default 0). */
  readonly weightDecay?: number;
}

/**
 * Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − lr·m̂/(√v̂ + ε)` with bias correction.
 * @throws SpikeflowError for bad options, or an unknown option (named, e.g. `learningRate` for `lr`)
 */
export const adam = (layer: TrainableLayer, adamOptions: AdamOptions = {}): Optimizer => {
  const options = checkOptions('adam', adamOptions, ['lr', 'betas', 'eps', 'weightDecay']);
  const lr = check('adam', 'lr', options.lr ?? 1e-3, 0, Infinity, true);
  const [b1, b2] = options.betas ?? [0.9, 0.999];
  check('adam', 'betas[0]', b1, 0, 0.999999);
  check('adam', 'betas[1]', b2, 0, 0.999999);
  const eps = check('adam', 'eps', options.eps ?? 1e-8, 0);
  const wd = check('adam', 'weightDecay', options.weightDecay ?? 0, 0);
  const names = Object.keys(layer.params);
  const m = names.map((n) => new Float64Array(layer.params[n]!.length));
  const v = names.map((n) => new Float64Array(layer.params[n]!.length));
  let t = 0;
  return {
    lr,
    step: (rate = lr) => {
      t++;
      const c1 = 1 - b1 ** t;
      const c2 = Math.sqrt(1 - b2 ** t);
      const stepSize = rate / c1;
      names.forEach((n, k) => {
        const p = layer.params[n]!;
        const g = layer.grads[n]!;
        const mk = m[k]!;
        const vk = v[k]!;
        for (let j = 0; j < p.length; j++) {
          const gj = g[j]! + wd * p[j]!;
          mk[j] = b1 * mk[j]! + (1 - b1) * gj;
          vk[j] = b2 * vk[j]! + (1 - b2) * gj * gj;
          p[j] = p[j]! - (stepSize * mk[j]!) / (Math.sqrt(vk[j]!) / c2 + eps);
        }
      });
    },
  };
};

/** A constant rate. */
export const constantLr =
  (lr: number): LearningRateSchedule =>
  () =>
    lr;

/** Step decay: `lr · gamma^⌊epoch / stepSize⌋` (torch's `StepLR`). */
export const stepLr =
  (lr: number, stepSize: number, gamma = 0.1): LearningRateSchedule =>
  (epoch) =>
    lr * gamma ** Math.floor(epoch / stepSize);

/** Exponential decay: `lr · gamma^epoch` (torch's `ExponentialLR`). */
export const exponentialLr =
  (lr: number, gamma: number): LearningRateSchedule =>
  (epoch) =>
    lr * gamma ** epoch;

/** Cosine annealing from `lr` to `minLr` over `epochs` (torch's `CosineAnnealingLR`, one half-period). */
export const cosineLr =
  (lr: number, epochs: number, minLr = 0): LearningRateSchedule =>
  (epoch) =>
    minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(epoch, epochs)) / epochs))) / 2;
