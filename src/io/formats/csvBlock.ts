/**
 * `CsvBlock`: rows of sampled channels with their time column, as CSV files (Node) and
 * device motion (browsers) deliver them.
 * @module
 */
import type { Tensor } from '../../ops/tensor.js';

/** A block of consecutive rows. */
export interface CsvBlock {
  /** Index of the block's first data row (0-based, header excluded). */
  readonly start: number;
  /** Names of the channels (the header's names, or `column <i>` without a header). */
  readonly channels: readonly string[];
  /** Time column of each row, in the file's units. */
  readonly t: Float64Array;
  /** Channels, `[rows, 1, channels]`. */
  readonly values: Tensor;
}
