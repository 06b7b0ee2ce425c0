/**
 * `lifSpikes`: currents → spikes through a layer of leaky integrate-and-fire neurons
 * (`src/neurons/lif.ts`, Norse's `lif_feed_forward_step`), one neuron per input feature: the
 * "LIF current encoder" of the audio and sensor readers. The input is scaled by `gain` first.
 * @module
 */
import { map, type OperatorFunction, scan } from 'rxjs';
import { type LIFState, lif } from '../../neurons/lif.js';
import type { ParamsInput } from '../../neurons/model.js';
import { SpikeflowError, show } from '../errors.js';
import { allocate, dtypeOf, fromTypedArray, type Tensor } from '../tensor.js';

/** Options of {@link lifSpikes}. */
export interface LifSpikesOptions {
  /** Time step, seconds (> 0): for cochlea envelopes `hop / sampleRate`. */
  readonly dt: number;
  /** Factor applied to the input before it enters the neurons as current (default 1). */
  readonly gain?: number;
  /** LIF parameters (Norse's names in camelCase, Norse's defaults). */
  readonly p?: Pick<ParamsInput<typeof lif.specs>, 'tauSynInv' | 'tauMemInv' | 'vLeak' | 'vTh' | 'vReset' | 'method' | 'alpha'>;
}

/**
 * Chunks `[T, batch, N]` of values → LIF spikes `[T, batch, N]` (0/1), the neurons' state threaded
 * from chunk to chunk (so any chunking gives the same spikes).
 * @param options - `dt` (required), `gain`, LIF parameters `p`
 * @throws SpikeflowError for invalid `dt`, `gain` or LIF parameters (at construction), invalid chunks (through the stream)
 */
export const lifSpikes = (options: LifSpikesOptions): OperatorFunction<Tensor, Tensor> => {
  const { dt, gain = 1, p = {} } = options ?? ({} as LifSpikesOptions);
  if (!Number.isFinite(gain)) throw new SpikeflowError('lifSpikes', 'gain', `gain must be a finite number, received ${show(gain)}`);
  const run = lif.run(p, dt);
  return (source) =>
    source.pipe(
      scan<Tensor, readonly [Tensor | undefined, LIFState | undefined]>(
        (prev, xs) => {
          const scaled = allocate(dtypeOf(xs), xs.data.length);
          for (let k = 0; k < scaled.length; k++) scaled[k] = gain * (xs.data[k] as number);
          const [z, state] = run(fromTypedArray(scaled, xs.shape), prev[1]);
          return [z, state as LIFState];
        },
        [undefined, undefined],
      ),
      map(([z]) => z as Tensor),
    );
};
