/**
 * Loss functions with their gradients, for outputs `[T, batch, C]` (time first). Each returns the
 * scalar loss and `grad`, ∂loss/∂outputs in the outputs' layout, as a `Float64Array`.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import type { Tensor } from '../ops/tensor.js';

/** A loss value and its gradient with respect to the outputs `[T, batch, C]`. */
export interface LossResult {
  /** The scalar loss. */
  readonly loss: number;
  /** ∂loss/∂outputs, same length and layout as the outputs. */
  readonly grad: Float64Array;
}

/** Result of {@link maxOverTimeCrossEntropy}: also the logits and the predicted classes. */
export interface ClassificationLoss extends LossResult {
  /** `[batch, C]` max over time of the outputs. */
  readonly logits: Float64Array;
  /** Predicted class per batch row (argmax of the logits). */
  readonly predictions: Int32Array;
  /** How many predictions equal the targets. */
  readonly correct: number;
}

const shape3 = (where: string, t: Tensor): [number, number, number] => {
  if (t?.shape?.length !== 3)
    throw new SpikeflowError(where, 'outputs', `outputs must have shape [T, batch, C], received ${show(t?.shape)}`);
  return t.shape as [number, number, number];
};

const checkTargets = (where: string, targets: ArrayLike<number>, B: number, C: number): void => {
  if (targets?.length !== B)
    throw new SpikeflowError(where, 'targets', `targets must hold ${B} class indices, received ${show(targets?.length)}`);
  for (let b = 0; b < B; b++) {
    const y = targets[b] as number;
    if (!Number.isInteger(y) || y < 0 || y >= C)
      throw new SpikeflowError(where, 'targets', `targets[${b}] must be an integer in [0, ${C}), received ${show(y)}`);
  }
};

/**
 * Softmax cross-entropy of logits `[batch, C]` against class indices, averaged over the batch
 * (torch's `F.cross_entropy`, reduction `mean`); numerically stable (max subtracted).
 * @returns the loss and ∂loss/∂logits `[batch, C]` = `(softmax − onehot) / batch`
 * @throws SpikeflowError for targets out of range
 */
export const crossEntropy = (logits: Float64Array, B: number, C: number, targets: ArrayLike<number>): LossResult => {
  checkTargets('crossEntropy', targets, B, C);
  const grad = new Float64Array(B * C);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const o = b * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[o + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c]! - m);
    const lse = m + Math.log(sum);
    const y = targets[b] as number;
    loss += lse - logits[o + y]!;
    for (let c = 0; c < C; c++) grad[o + c] = (Math.exp(logits[o + c]! - lse) - (c === y ? 1 : 0)) / B;
  }
  return { loss: loss / B, grad };
};

/**
 * Norse's classic decoding and loss: logits = max over time of the outputs (LI voltages),
 * `[T, batch, C] → [batch, C]`, then {@link crossEntropy}. The gradient flows to the step of the
 * maximum (the first one on ties, as torch's `max`).
 * @param outputs - `[T, batch, C]`
 * @param targets - class index per batch row
 * @throws SpikeflowError for a wrong shape or targets out of range
 */
export const maxOverTimeCrossEntropy = (outputs: Tensor, targets: ArrayLike<number>): ClassificationLoss => {
  const [T, B, C] = shape3('maxOverTimeCrossEntropy', outputs);
  const x = outputs.data;
  const logits = new Float64Array(B * C).fill(-Infinity);
  const at = new Int32Array(B * C);
  for (let t = 0; t < T; t++) {
    const o = t * B * C;
    for (let k = 0; k < B * C; k++) {
      if (x[o + k]! > logits[k]!) {
        logits[k] = x[o + k]!;
        at[k] = t;
      }
    }
  }
  const ce = crossEntropy(logits, B, C, targets);
  const grad = new Float64Array(T * B * C);
  for (let k = 0; k < B * C; k++) grad[at[k]! * B * C + k] = ce.grad[k]!;
  const predictions = argmaxRows(logits, B, C);
  let correct = 0;
  for (let b = 0; b < B; b++) if (predictions[b] === targets[b]) correct++;
  return { loss: ce.loss, grad, logits, predictions, correct };
};

/** Index of the largest value of each row of `[rows, C]` (first on ties). */
export const argmaxRows = (x: ArrayLike<number>, rows: number, C: number): Int32Array => {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if ((x[r * C + c] as number) > (x[r * C + best] as number)) best = c;
    out[r] = best;
  }
  return out;
};

/**
 * Mean squared error `mean((outputs − target)²)` over every element (torch's `mse_loss`).
 * @param target - same number of elements as `outputs`
 * @throws SpikeflowError when the sizes differ
 */
export const mse = (outputs: Tensor, target: ArrayLike<number>): LossResult => {
  const x = outputs.data;
  if (target?.length !== x.length)
    throw new SpikeflowError('mse', 'target', `target must hold ${x.length} values, received ${show(target?.length)}`);
  const n = x.length;
  const grad = new Float64Array(n);
  let loss = 0;
  for (let k = 0; k < n; k++) {
    const d = x[k]! - (target[k] as number);
    loss += d * d;
    grad[k] = (2 * d) / n;
  }
  return { loss: loss / n, grad };
};

/**
 * Spike-count loss for classification: per batch row, the spike count of each output neuron over
 * the chunk should be `correctCount` for the target class and `incorrectCount` for the others
 * (snnTorch's `mse_count_loss`); loss = mean over rows and classes of `(count − wanted)²`.
 * @param spikes - `[T, batch, C]` output spikes
 * @param targets - class index per row
 * @param correctCount - wanted count of the target neuron (default 0.8·T)
 * @param incorrectCount - wanted count of the others (default 0.2·T)
 * @throws SpikeflowError for a wrong shape or targets out of range
 */
export const spikeCountLoss = (
  spikes: Tensor,
  targets: ArrayLike<number>,
  correctCount?: number,
  incorrectCount?: number,
): ClassificationLoss => {
  const [T, B, C] = shape3('spikeCountLoss', spikes);
  checkTargets('spikeCountLoss', targets, B, C);
  const hi = correctCount ?? 0.8 * T;
  const lo = incorrectCount ?? 0.2 * T;
  const counts = new Float64Array(B * C);
  const z = spikes.data;
  for (let t = 0; t < T; t++) for (let k = 0; k < B * C; k++) counts[k] = counts[k]! + z[t * B * C + k]!;
  let loss = 0;
  const gc = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const d = counts[b * C + c]! - (c === targets[b] ? hi : lo);
      loss += d * d;
      gc[b * C + c] = (2 * d) / (B * C);
    }
  }
  const grad = new Float64Array(T * B * C);
  for (let t = 0; t < T; t++) grad.set(gc, t * B * C);
  const predictions = argmaxRows(counts, B, C);
  let correct = 0;
  for (let b = 0; b < B; b++) if (predictions[b] === targets[b]) correct++;
  return { loss: loss / (B * C), grad, logits: counts, predictions, correct };
};

/**
 * Spike-rate regularisation: `weight · mean_n (r_n − targetRate)²` where `r_n` is neuron n's
 * spikes per step averaged over time and batch; keeps a hidden layer from falling silent or
 * saturating. Add its `grad` to the layer's output gradient.
 * @param spikes - `[T, batch, N]`
 * @param targetRate - wanted spikes per step (in [0, 1])
 * @param weight - strength (≥ 0)
 * @throws SpikeflowError for a wrong shape or a bad rate/weight
 */
export const rateRegularization = (spikes: Tensor, targetRate: number, weight: number): LossResult => {
  const [T, B, N] = shape3('rateRegularization', spikes);
  if (!(targetRate >= 0 && targetRate <= 1))
    throw new SpikeflowError('rateRegularization', 'targetRate', `targetRate must be in [0, 1], received ${show(targetRate)}`);
  if (!(weight >= 0 && Number.isFinite(weight)))
    throw new SpikeflowError('rateRegularization', 'weight', `weight must be a finite number ≥ 0, received ${show(weight)}`);
  const z = spikes.data;
  const rate = new Float64Array(N);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) rate[n] = rate[n]! + z[(t * B + b) * N + n]!;
  let loss = 0;
  const gr = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    rate[n] = rate[n]! / (T * B);
    const d = rate[n]! - targetRate;
    loss += d * d;
    gr[n] = (weight * 2 * d) / N / (T * B);
  }
  const grad = new Float64Array(T * B * N);
  for (let r = 0; r < T * B; r++) grad.set(gr, r * N);
  return { loss: (weight * loss) / N, grad };
};
