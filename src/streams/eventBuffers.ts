/**
 * The buffers of `binEvents`: per-pixel queues of events waiting for steps ({@link Pending}) and
 * the bounded FIFO of the clocked operator ({@link EventRing}).
 * @module
 */
import type { TensorData } from '../ops/tensor.js';

/** Events waiting for steps, per pixel/channel; produces one step at a time. */
export class Pending {
  private readonly counts: Float64Array;
  private readonly active: number[] = [];
  /** Events held. */
  total = 0;

  constructor(
    size: number,
    private readonly queue: boolean,
  ) {
    this.counts = new Float64Array(size);
  }

  add(index: number): void {
    if (this.counts[index] === 0) this.active.push(index);
    this.counts[index] = (this.counts[index] as number) + 1;
    this.total++;
  }

  /** Writes one step into `row` at `offset` and removes what it used. */
  emit(row: TensorData, offset: number): void {
    const { counts, active } = this;
    if (!this.queue) {
      for (const n of active) {
        row[offset + n] = counts[n] as number;
        counts[n] = 0;
      }
      active.length = 0;
      this.total = 0;
      return;
    }
    let w = 0;
    for (const n of active) {
      row[offset + n] = 1;
      const left = (counts[n] as number) - 1;
      counts[n] = left;
      this.total--;
      if (left > 0) active[w++] = n;
    }
    active.length = w;
  }
}

/**
 * The bounded FIFO of a clocked `binEvents`: timestamps and flat indices in typed arrays that grow
 * (doubling) up to `capacity` events and never beyond.
 */
export class EventRing {
  private t = new Float64Array(0);
  private index = new Int32Array(0);
  private head = 0;
  /** Events held. */
  length = 0;

  constructor(readonly capacity: number) {}

  /** Appends an event; the caller keeps `length < capacity`. */
  push(t: number, index: number): void {
    if (this.length === this.t.length) {
      const size = Math.min(this.capacity, Math.max(1024, 2 * this.t.length));
      const t2 = new Float64Array(size);
      const i2 = new Int32Array(size);
      for (let k = 0; k < this.length; k++) {
        const j = (this.head + k) % this.t.length;
        t2[k] = this.t[j] as number;
        i2[k] = this.index[j] as number;
      }
      this.t = t2;
      this.index = i2;
      this.head = 0;
    }
    const j = (this.head + this.length) % this.t.length;
    this.t[j] = t;
    this.index[j] = index;
    this.length++;
  }

  /** Timestamp of the oldest event. */
  firstT(): number {
    return this.t[this.head] as number;
  }

  /** Flat index of the oldest event. */
  firstIndex(): number {
    return this.index[this.head] as number;
  }

  /** Removes the oldest event. */
  shift(): void {
    this.head = (this.head + 1) % this.t.length;
    this.length--;
  }

  /** Releases the storage. */
  clear(): void {
    this.t = new Float64Array(0);
    this.index = new Int32Array(0);
    this.head = 0;
    this.length = 0;
  }
}
