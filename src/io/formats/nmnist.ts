/**
 * N-MNIST / N-Caltech101 `.bin` files (ATIS recordings by Orchard et al., 2015): no header, then
 * 5-byte events, big-endian bit fields over the 40 bits:
 * ```
 * byte 0      x (8 bits)
 * byte 1      y (8 bits)
 * byte 2..4   p (bit 39) | t (bits 38..16, 23 bits, µs)
 * ```
 * A record with `y = 240` is not an event but a timestamp-overflow marker: every later timestamp
 * is increased by 2¹³ µs. Sensor: 34×34 pixels for N-MNIST (pass `sensorSize` for N-Caltech101).
 * Source: Orchard's reader `eventvision.py` (`read_dataset`), as used by Tonic's `read_mnist_file`.
 * @module
 */

import { ChunkedDecoder, checkDecoderOptions, type ParsedHeader } from './chunkedDecoder.js';
import type { EventDecoder, EventDecoderOptions } from './events.js';

/** Bytes per N-MNIST record. */
export const NMNIST_RECORD_BYTES = 5;

/** N-MNIST's sensor, [width, height]. */
export const NMNIST_SENSOR_SIZE = [34, 34] as const;

/** `y` value that marks a timestamp-overflow record. */
const OVERFLOW_Y = 240;

class NmnistDecoder extends ChunkedDecoder {
  protected override readonly needsHeader = false;
  readonly format = 'nmnist' as const;
  private overflow = 0;

  protected parseHeader(): ParsedHeader {
    return { length: 0, info: { format: 'nmnist', sensorSize: NMNIST_SENSOR_SIZE, origin: 'upper-left', fields: {} } };
  }

  protected decodeBody(b: Uint8Array, start: number, abs: number): number {
    let i = start;
    this.out.reserve(Math.floor((b.length - i) / NMNIST_RECORD_BYTES));
    for (; i + NMNIST_RECORD_BYTES <= b.length; i += NMNIST_RECORD_BYTES) {
      const x = b[i] as number;
      const y = b[i + 1] as number;
      const b2 = b[i + 2] as number;
      if (y === OVERFLOW_Y) {
        this.overflow += 1 << 13;
        continue;
      }
      const t = ((b2 & 0x7f) << 16) | ((b[i + 3] as number) << 8) | (b[i + 4] as number);
      this.emit(t + this.overflow, x, y, b2 >> 7, abs + i);
    }
    return i;
  }
}

/**
 * An incremental N-MNIST `.bin` decoder (see the module docs for the layout).
 * @param options - `sensorSize` (default [34, 34]; events outside it are invalid), `invalidEvents`
 * @throws SpikeflowError for invalid options; the decoder throws FormatError for events outside the sensor or a file ending mid-record
 */
export const nmnistDecoder = (options: EventDecoderOptions = {}): EventDecoder =>
  new NmnistDecoder(checkDecoderOptions('nmnistDecoder', options));
