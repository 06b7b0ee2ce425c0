/**
 * A chart's data path: stream elements are checked and queued by reference in a
 * {@link ChunkWindow}, then drained into the chart kind's {@link Store} (which aggregates them:
 * sparse spikes, bins, samples). The queue is drained at each display frame, and also as soon as
 * it holds more than {@link MAX_PENDING_VALUES} values: without a display (Node, a hidden tab)
 * the chart then aggregates as data arrive, so its memory is bounded by its store whatever the
 * run's length and the layer's size.
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import { isTensor, sameShape, showShape, type Tensor } from '../ops/tensor.js';
import { ChunkWindow } from './buffer.js';
import type { ChartKind, ChartSettings, OptionalPicker, Picker, StepSpan, Store } from './types.js';

/**
 * Most values (numbers of all queued chunks, `aux` included) a chart's queue holds before it is
 * drained into the store: 2^22 values (16 MB of float32).
 */
export const MAX_PENDING_VALUES = 1 << 22;

/**
 * Picks the spikes of a stream element: a tensor is taken as it is; a neuron model's run result
 * `[spikes, state, recorded]` gives its spikes.
 */
export const pickOutput = (datum: unknown): Tensor => (Array.isArray(datum) ? (datum[0] as Tensor) : (datum as Tensor));

/** The data of a chart between two `clear`s: queue, store, the shape seen first, errors, completion. */
export class ChartData {
  readonly win: ChunkWindow;
  readonly store: Store;
  private features: readonly number[] | undefined;
  private batches: number | undefined;
  /** Values held by queued chunks (approximate: chunks trimmed from the queue are not subtracted until the next drain). */
  private pendingValues = 0;
  error: unknown;
  complete = false;

  constructor(
    private readonly kind: ChartKind,
    private readonly settings: () => ChartSettings,
  ) {
    this.win = new ChunkWindow(settings().window);
    this.store = kind.store(settings());
  }

  private checkChunk(t: unknown, argument: string): Tensor {
    const where = this.kind.name;
    const x = isTensor(argument, t);
    if (x._tag === 'Left') throw new SpikeflowError(where, argument, x.left.message);
    const chunk = x.right;
    if (chunk.shape.length < 3) {
      throw new SpikeflowError(
        where,
        argument,
        `${argument} must be a chunk [T, batch, ...features], received shape ${showShape(chunk.shape)}`,
      );
    }
    const batches = chunk.shape[1] as number;
    const features = chunk.shape.slice(2);
    if (this.features === undefined) {
      const settings = this.settings();
      this.kind.checkFeatures?.(features, settings);
      if (typeof settings.batch === 'number' && settings.batch >= batches) {
        throw new SpikeflowError(where, 'batch', `batch ${settings.batch} is out of range for chunks of ${batches} batch entries`);
      }
      this.features = features;
      this.batches = batches;
    } else if (!sameShape(features, this.features) || batches !== this.batches) {
      throw new SpikeflowError(
        where,
        argument,
        `${argument} shape ${showShape(chunk.shape)} does not match earlier chunks [T, ${this.batches}, ${this.features.join(', ')}]`,
      );
    }
    return chunk;
  }

  /**
   * Checks and queues one element (its tensor picked by `pick`, its companion by `pickAux`);
   * drains the queue into the store when it holds too many values.
   * @throws SpikeflowError for an invalid element
   */
  push<D>(datum: D, pick: Picker<D>, pickAux: OptionalPicker<D> | undefined): void {
    const main = this.checkChunk(pick(datum), 'chunk');
    let aux: Tensor | undefined;
    const picked = pickAux?.(datum);
    if (picked !== undefined) {
      aux = this.checkChunk(picked, 'spikes');
      if (!sameShape(aux.shape, main.shape)) {
        throw new SpikeflowError(
          this.kind.name,
          'spikes',
          `spikes shape ${showShape(aux.shape)} does not match values shape ${showShape(main.shape)}`,
        );
      }
    }
    this.win.push(main, aux);
    this.pendingValues += main.data.length + (aux?.data.length ?? 0);
    if (this.pendingValues > MAX_PENDING_VALUES) this.flush();
  }

  /** Drains the queue into the store. @throws SpikeflowError for values the store cannot draw */
  flush(): void {
    this.pendingValues = 0;
    this.win.drain((m, a, first) => this.store.ingest(m, a, first));
  }

  /** The steps a drawing spans: the last `window` steps received (`data`), or a whole window (`window`). */
  span(domain: 'data' | 'window'): StepSpan {
    const received = this.win.received;
    const window = this.settings().window;
    const start = Math.max(0, received - window);
    const end = domain === 'window' || received === 0 ? start + window : received;
    return { start, end, received };
  }

  /** The line shown for a recorded error, or undefined. */
  errorText(): string | undefined {
    return this.error === undefined ? undefined : `stream error: ${this.error instanceof Error ? this.error.message : String(this.error)}`;
  }
}
