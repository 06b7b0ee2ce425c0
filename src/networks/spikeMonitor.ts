/**
 * `spikeMonitor`: the spikes of one population over a stream of network chunks, in bounded memory.
 * @module
 */
import { map, type OperatorFunction, scan } from 'rxjs';
import { SpikeflowError } from '../ops/errors.js';
import { checkPositiveInteger } from '../ops/validate.js';
import type { NetworkChunk, SpikeList } from './network.js';
import type { NetworkStep } from './runNetwork.js';

/** What {@link spikeMonitor} emits after each chunk. */
export interface SpikeRecord {
  /** Spikes seen so far. */
  readonly total: number;
  /** Spikes dropped (the oldest) to stay within `max`. */
  readonly dropped: number;
  /**
   * The kept spikes (the latest `min(total, max)`), in time order, as a fresh copy; call it before
   * the next chunk arrives (e.g. in the subscriber), the buffer is shared with later emissions.
   */
  readonly spikes: () => SpikeList;
}

/**
 * Gathers the spikes of population `pop` from `runNetwork`'s steps (or bare chunks), keeping the
 * latest `max` spikes (Brian2's `SpikeMonitor` with a bounded buffer): memory is `8·max` bytes
 * whatever the length of the stream; older spikes are dropped and counted.
 * @param pop - population name
 * @param max - spikes kept (positive integer, default 1 000 000)
 * @throws SpikeflowError (at construction) for a bad `max`; (in the stream) for a chunk without `pop`
 */
export const spikeMonitor = (pop: string, max = 1_000_000): OperatorFunction<NetworkStep | NetworkChunk, SpikeRecord> => {
  checkPositiveInteger('spikeMonitor', 'max', max);
  return (source) => {
    const i = new Int32Array(max);
    const step = new Int32Array(max);
    let total = 0;
    return source.pipe(
      scan((_: SpikeRecord | null, element: NetworkStep | NetworkChunk) => {
        const chunk = 'chunk' in element ? element.chunk : element;
        const s = chunk.spikes[pop];
        if (s === undefined)
          throw new SpikeflowError(
            'spikeMonitor',
            'pop',
            `no population ${JSON.stringify(pop)} in the chunk (populations: ${Object.keys(chunk.spikes).join(', ')})`,
          );
        for (let q = 0; q < s.i.length; q++) {
          const at = total % max;
          i[at] = s.i[q] as number;
          step[at] = s.step[q] as number;
          total++;
        }
        const seen = total;
        const kept = Math.min(seen, max);
        return {
          total: seen,
          dropped: seen - kept,
          spikes: () => {
            const outI = new Int32Array(kept);
            const outS = new Int32Array(kept);
            const first = seen - kept;
            for (let k = 0; k < kept; k++) {
              outI[k] = i[(first + k) % max] as number;
              outS[k] = step[(first + k) % max] as number;
            }
            return { i: outI, step: outS };
          },
        };
      }, null),
      map((r) => r as SpikeRecord),
    );
  };
};
