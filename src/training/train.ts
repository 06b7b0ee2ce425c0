/**
 * Training as a stream: {@link train} returns an RxJS `Observable` of progress records (one per
 * batch, one per epoch with the test accuracy) that D3 sinks draw and the CLI shows as a progress
 * bar; unsubscribing cancels training between two batches. Batches run one per macrotask, so a
 * browser tab stays responsive while it trains.
 *
 * Memory for long sequences ({@link MemoryOptions}): full BPTT keeps the tape of the whole chunk
 * (LIF: the pre-reset voltage and the spikes, i.e. 2 values per neuron-step; LI: its output;
 * Linear: nothing beyond its input). `checkpoint: k` keeps only the states at every k-th step
 * and the network's outputs, and recomputes each k-step segment's tape during the backward pass:
 * tape memory falls from `T` to `k` steps (plus `T/k` saved states), for one extra forward pass;
 * the gradients are exact. `truncate: k` does the same but stops gradients at segment boundaries
 * (truncated BPTT: cheaper, approximate).
 * @module
 */
import { Observable } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import { concat, fromTypedArray, slice, type Tensor } from '../ops/tensor.js';
import { checkPositiveInteger } from '../ops/validate.js';
import { type ClassificationLoss, maxOverTimeCrossEntropy } from './losses.js';
import type { LearningRateSchedule, Optimizer } from './optimizers.js';
import type { LayerState, StateGrad, TrainableLayer } from './trainableLayer.js';

/** Memory options of a forward–backward pass. */
export interface MemoryOptions {
  /** Recompute tapes in segments of this many steps (exact gradients, ~2× forward time). */
  readonly checkpoint?: number;
  /** Truncated BPTT: gradients do not cross segments of this many steps. */
  readonly truncate?: number;
}

/** A classification loss of the network's outputs `[T, batch, C]`. */
export type Loss = (outputs: Tensor, targets: ArrayLike<number>) => ClassificationLoss;

/** Result of {@link forwardBackward}. */
export interface StepResult {
  /** The loss and predictions of the batch. */
  readonly loss: ClassificationLoss;
  /** Outputs of every layer (full BPTT only; else the last layer's). */
  readonly layers: readonly { readonly name: string; readonly out: Tensor }[];
}

/**
 * One forward and backward pass over a batch: gradients are added to `net.grads`.
 * @param xs - `[T, batch, in]`
 * @param targets - class per batch row
 * @throws SpikeflowError for bad memory options or shapes
 */
export const forwardBackward = (
  net: TrainableLayer,
  xs: Tensor,
  targets: ArrayLike<number>,
  loss: Loss = maxOverTimeCrossEntropy,
  memory: MemoryOptions = {},
): StepResult => {
  const k = memory.checkpoint ?? memory.truncate;
  if (memory.checkpoint !== undefined && memory.truncate !== undefined) {
    throw new SpikeflowError('forwardBackward', 'memory', 'give either checkpoint or truncate, not both');
  }
  if (k === undefined) {
    const r = net.forward(xs);
    const l = loss(r.out, targets);
    net.backward(r.tape, l.grad, undefined, false);
    return { loss: l, layers: r.layers ?? [{ name: net.name, out: r.out }] };
  }
  if (!Number.isInteger(k) || k <= 0)
    throw new SpikeflowError('forwardBackward', 'memory', `segment length must be a positive integer, received ${show(k)}`);
  const T = xs.shape[0] as number;
  const starts: number[] = [];
  for (let t = 0; t < T; t += k) starts.push(t);
  const states: (LayerState | undefined)[] = [];
  const outs: Tensor[] = [];
  let state: LayerState | undefined;
  for (const t0 of starts) {
    states.push(state);
    const r = net.forward(slice(xs, t0, Math.min(T, t0 + k)), state, { tape: false });
    // a copy: a last layer with outputs 'reuse' writes the next segment's outputs into the same array
    outs.push(fromTypedArray(r.out.data.slice(), r.out.shape));
    state = r.state;
  }
  const out = concat(outs);
  const l = loss(out, targets);
  const C = l.grad.length / T;
  let gState: StateGrad | undefined;
  for (let s = starts.length - 1; s >= 0; s--) {
    const t0 = starts[s] as number;
    const t1 = Math.min(T, t0 + k);
    const r = net.forward(slice(xs, t0, t1), states[s]);
    const b = net.backward(r.tape, l.grad.subarray(t0 * C, t1 * C), gState, false);
    gState = memory.truncate !== undefined ? undefined : b.gState;
  }
  return { loss: l, layers: [{ name: net.name, out }] };
};

/** A labelled dataset that encodes its own batches. */
export interface Dataset {
  /** Number of samples. */
  readonly size: number;
  /** The chunk `[T, batch, in]` and the class of each row for the samples `indices`. */
  readonly batch: (indices: Int32Array) => { readonly xs: Tensor; readonly targets: ArrayLike<number> };
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** The network (its parameters are updated in place). */
  readonly net: TrainableLayer;
  /** Training samples. */
  readonly train: Dataset;
  /** Held-out samples, evaluated after every epoch (optional). */
  readonly test?: Dataset;
  /** The optimiser, bound to `net`. */
  readonly optimizer: Optimizer;
  /** Epochs (> 0). */
  readonly epochs: number;
  /** Batch size (> 0). */
  readonly batchSize: number;
  /** Permutation of the training samples per epoch: `(epoch) → indices` (seeded by the caller). */
  readonly order: (epoch: number) => Int32Array;
  /** Loss (default {@link maxOverTimeCrossEntropy}). */
  readonly loss?: Loss;
  /** Learning rate per epoch (default the optimiser's). */
  readonly schedule?: LearningRateSchedule;
  /** Memory options (default full BPTT). */
  readonly memory?: MemoryOptions;
  /** Test batch size (default 200). */
  readonly testBatchSize?: number;
}

/** A progress record of {@link train}. */
export interface TrainProgress {
  /** `batch` after each optimiser step, `epoch` after each epoch's test. */
  readonly kind: 'batch' | 'epoch';
  /** 0-based epoch. */
  readonly epoch: number;
  /** Batches done in this epoch. */
  readonly batch: number;
  /** Batches per epoch. */
  readonly batches: number;
  /** Mean loss of this batch (`batch`) or of the epoch's batches (`epoch`). */
  readonly loss: number;
  /** Training accuracy of this batch (`batch`) or of the epoch (`epoch`), in [0, 1]. */
  readonly accuracy: number;
  /** Test accuracy (epoch records with a test set). */
  readonly testAccuracy?: number;
  /** Test loss (epoch records with a test set). */
  readonly testLoss?: number;
  /** Learning rate in use. */
  readonly lr: number;
  /** Mean spikes per neuron per step of each spiking layer in this batch, by `index.name`. */
  readonly spikes: Readonly<Record<string, number>>;
  /** Wall time since the start, ms. */
  readonly elapsedMs: number;
}

const SPIKING = new Set(['LIF', 'LIFBox', 'LSNN', 'LIFRecurrent', 'LSNNRecurrent']);

const spikeRates = (layers: StepResult['layers']): Record<string, number> => {
  const out: Record<string, number> = {};
  layers.forEach((l, k) => {
    if (!SPIKING.has(l.name)) return;
    let s = 0;
    for (let j = 0; j < l.out.data.length; j++) s += l.out.data[j]!;
    out[`${k}.${l.name}`] = s / l.out.data.length;
  });
  return out;
};

/**
 * Evaluates a network on a dataset: mean loss and accuracy (forward only, no tape).
 * @param batchSize - rows per forward pass (default 200)
 */
export const evaluate = (
  net: TrainableLayer,
  data: Dataset,
  loss: Loss = maxOverTimeCrossEntropy,
  batchSize = 200,
): { loss: number; accuracy: number } => {
  let total = 0;
  let correct = 0;
  for (let s = 0; s < data.size; s += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, data.size - s));
    for (let k = 0; k < idx.length; k++) idx[k] = s + k;
    const { xs, targets } = data.batch(idx);
    const r = net.forward(xs, undefined, { tape: false });
    const l = loss(r.out, targets);
    total += l.loss * idx.length;
    correct += l.correct;
  }
  return { loss: total / data.size, accuracy: correct / data.size };
};

/**
 * Trains `net` by mini-batch gradient descent with BPTT, as a cold observable: each subscription
 * trains (from the parameters as they are then); unsubscribing stops before the next batch.
 * Errors (bad shapes, non-finite loss) arrive on the error channel.
 * @throws SpikeflowError (synchronously) for bad epochs or batch size
 */
export const train = (options: TrainOptions): Observable<TrainProgress> => {
  const { net, optimizer, epochs, batchSize } = options;
  checkPositiveInteger('train', 'epochs', epochs);
  checkPositiveInteger('train', 'batchSize', batchSize);
  const loss = options.loss ?? maxOverTimeCrossEntropy;
  return new Observable<TrainProgress>((subscriber) => {
    const start = performance.now();
    const batches = Math.ceil(options.train.size / batchSize);
    let epoch = 0;
    let batch = 0;
    let order = options.order(0);
    let epochLoss = 0;
    let epochCorrect = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const work = (): void => {
      timer = undefined;
      if (stopped) return;
      try {
        const lr = options.schedule?.(epoch) ?? optimizer.lr;
        const idx = order.subarray(batch * batchSize, Math.min(options.train.size, (batch + 1) * batchSize));
        const { xs, targets } = options.train.batch(idx);
        net.zeroGrad();
        const r = forwardBackward(net, xs, targets, loss, options.memory);
        if (!Number.isFinite(r.loss.loss))
          throw new SpikeflowError('train', 'loss', `loss became ${r.loss.loss} at epoch ${epoch}, batch ${batch}`);
        optimizer.step(lr);
        epochLoss += r.loss.loss * idx.length;
        epochCorrect += r.loss.correct;
        batch++;
        const spikes = spikeRates(r.layers);
        subscriber.next({
          kind: 'batch',
          epoch,
          batch,
          batches,
          loss: r.loss.loss,
          accuracy: r.loss.correct / idx.length,
          lr,
          spikes,
          elapsedMs: performance.now() - start,
        });
        if (stopped) return;
        if (batch === batches) {
          const test = options.test === undefined ? undefined : evaluate(net, options.test, loss, options.testBatchSize ?? 200);
          subscriber.next({
            kind: 'epoch',
            epoch,
            batch,
            batches,
            loss: epochLoss / options.train.size,
            accuracy: epochCorrect / options.train.size,
            ...(test === undefined ? {} : { testAccuracy: test.accuracy, testLoss: test.loss }),
            lr,
            spikes,
            elapsedMs: performance.now() - start,
          });
          epoch++;
          batch = 0;
          epochLoss = 0;
          epochCorrect = 0;
          if (epoch === epochs) {
            subscriber.complete();
            return;
          }
          order = options.order(epoch);
        }
        if (!stopped) timer = setTimeout(work, 0);
      } catch (e) {
        subscriber.error(e);
      }
    };
    timer = setTimeout(work, 0);
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  });
};

/** Parameters as plain JSON: `{ format, version, params: { name: { shape, data } } }`. */
export interface ParamsJson {
  readonly format: 'spikeflow-params';
  readonly version: 1;
  readonly params: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: readonly number[] }>>;
}

/** The trainable parameters of `net` as JSON-ready data (copies; exact doubles for float64, float32 values otherwise). */
export const saveParams = (net: TrainableLayer): ParamsJson => {
  const params: Record<string, { shape: readonly number[]; data: number[] }> = {};
  for (const [name, v] of Object.entries(net.params))
    params[name] = { shape: [...(net.paramShapes[name] ?? [v.length])], data: Array.from(v) };
  return { format: 'spikeflow-params', version: 1, params };
};

/**
 * Loads parameters saved by {@link saveParams} into `net` (in place).
 * @throws SpikeflowError for another format, a missing or unknown name, a shape mismatch or a non-finite value
 */
export const loadParams = (net: TrainableLayer, json: unknown): void => {
  const where = 'loadParams';
  const j = json as ParamsJson;
  if (j === null || typeof j !== 'object' || j.format !== 'spikeflow-params' || j.version !== 1 || typeof j.params !== 'object') {
    throw new SpikeflowError(where, 'json', `expected { format: 'spikeflow-params', version: 1, params }, received ${show(json)}`);
  }
  for (const name of Object.keys(j.params))
    if (!(name in net.params))
      throw new SpikeflowError(where, 'json', `unknown parameter ${show(name)}; the network has ${Object.keys(net.params).join(', ')}`);
  for (const [name, target] of Object.entries(net.params)) {
    const p = j.params[name];
    if (p === undefined) throw new SpikeflowError(where, 'json', `parameter ${show(name)} is missing`);
    const shape = net.paramShapes[name] ?? [target.length];
    if (p.shape?.length !== shape.length || p.shape.some((s, k) => s !== shape[k]) || p.data?.length !== target.length) {
      throw new SpikeflowError(where, 'json', `parameter ${show(name)} must have shape [${shape.join(', ')}], received ${show(p.shape)}`);
    }
    for (let k = 0; k < p.data.length; k++) {
      const v = p.data[k];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new SpikeflowError(where, 'json', `parameter ${show(name)}[${k}] must be a finite number, received ${show(v)}`);
    }
    target.set(p.data);
  }
};

/** `Tensor` view of one parameter (a copy), e.g. to draw learnt weights. */
export const paramTensor = (net: TrainableLayer, name: string): Tensor => {
  const v = net.params[name];
  if (v === undefined)
    throw new SpikeflowError('paramTensor', 'name', `no parameter ${show(name)}; the network has ${Object.keys(net.params).join(', ')}`);
  return fromTypedArray(v.slice(), net.paramShapes[name] ?? [v.length]);
};
