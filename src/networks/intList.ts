/**
 * A growable list of int32 values: the synapse lists of `connect.ts` and the spikes a network run
 * collects (`networkRun.ts`).
 * @module
 */

/** A growable int32 list (its buffer doubles when full). */
export class IntList {
  /** The buffer: the values are its first {@link IntList.length} elements. */
  data: Int32Array;
  /** How many values the list holds. */
  length = 0;

  /** @param capacity - initial capacity in elements (default 1024) */
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  /** Appends `v` (an int32). */
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }

  /** The values, as a view of the buffer (valid until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }

  /** The values, copied. */
  copy(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
