/**
 * The bounded queue between a stream and a sink's display: chunks that arrived since the last frame,
 * trimmed so that it never holds more than the last `window` steps.
 *
 * `push` is O(1) (it keeps references to the immutable chunks, no copy), so a sink never slows the
 * stream it watches. A frame `drain`s the queue into the sink's own store. Steps older than the
 * window are dropped from the queue without being looked at: they would have scrolled out of view
 * anyway. Memory is therefore bounded by the window, whatever the stream's length or rate and
 * however rarely frames run (a hidden browser tab runs none).
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { clone, slice, type Tensor } from '../ops/tensor.js';

/** One queued chunk: `main` (and `aux`, e.g. spikes next to voltages), both `[T, ...]`, starting at step `first`. */
interface Queued {
  readonly main: Tensor;
  readonly aux: Tensor | undefined;
  readonly first: number;
  readonly steps: number;
}

/** Sizes held by a sink, in time steps; see {@link ChunkWindow}. */
export interface BufferStats {
  /** Steps received since the sink started (or was cleared). */
  readonly received: number;
  /** Steps held in queued chunks not yet drawn (including the part of the oldest chunk before the window). */
  readonly pending: number;
  /** Steps held in the sink's display store. */
  readonly stored: number;
  /** Marks (spikes, events, samples or bins) held in the display store. */
  readonly marks: number;
}

/**
 * Queue of chunks covering at most the last `window` steps (plus the older part of one chunk).
 * A chunk longer than the window is cut to its last `window` steps and copied, so that the rest
 * of its storage can be freed; in every case at most `2·window` steps are held.
 * @throws SpikeflowError (`window`, from the constructor) for a window that is not a positive integer
 */
export class ChunkWindow {
  private queue: Queued[] = [];
  private head = 0;
  private held = 0;
  private total = 0;

  /**
   * @param window - steps to keep (a positive integer)
   * @throws SpikeflowError when `window` is not a positive integer
   */
  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 1) {
      throw new SpikeflowError('ChunkWindow', 'window', `window must be a positive integer number of steps, received ${show(window)}`);
    }
  }

  /** Steps received so far. */
  get received(): number {
    return this.total;
  }

  /** Steps held in queued chunks. */
  get pending(): number {
    return this.held;
  }

  /**
   * Queues a chunk `[T, ...]` (and its companion `aux`, same T). O(1) unless T exceeds the window.
   * The caller has validated shapes.
   */
  push(main: Tensor, aux?: Tensor): void {
    const steps = main.shape[0] as number;
    if (steps === 0) return;
    const first = this.total;
    this.total += steps;
    if (steps > this.window) {
      const start = steps - this.window;
      const cut = (t: Tensor): Tensor => clone(slice(t, start));
      this.queue.push({ main: cut(main), aux: aux === undefined ? undefined : cut(aux), first: first + start, steps: this.window });
      this.held += this.window;
    } else {
      this.queue.push({ main, aux, first, steps });
      this.held += steps;
    }
    this.trim();
  }

  /** Counts `steps` steps as received without data (they are drawn empty). The caller has validated `steps`. */
  skip(steps: number): void {
    this.total += steps;
    this.trim();
  }

  /** Drops queued chunks that lie entirely before the window. */
  private trim(): void {
    const start = this.total - this.window;
    while (this.head < this.queue.length) {
      const q = this.queue[this.head] as Queued;
      if (q.first + q.steps > start) break;
      this.held -= q.steps;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Hands every queued chunk, cut to the window, to `consume` in arrival order, then empties the
   * queue. `first` is the global index of the view's first step.
   */
  drain(consume: (main: Tensor, aux: Tensor | undefined, first: number) => void): void {
    const start = Math.max(0, this.total - this.window);
    const items = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.held = 0;
    for (const q of items) {
      const skip = Math.max(0, start - q.first);
      if (skip >= q.steps) continue;
      const main = skip === 0 ? q.main : slice(q.main, skip);
      const aux = q.aux === undefined || skip === 0 ? q.aux : slice(q.aux, skip);
      consume(main, aux, q.first + skip);
    }
  }

  /** Forgets everything (received count included). */
  clear(): void {
    this.queue = [];
    this.head = 0;
    this.held = 0;
    this.total = 0;
  }
}
