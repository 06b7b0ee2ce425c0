/**
 * `cochleaEnvelopes`: audio blocks through the cochlea filter bank (`src/ops/cochlea.ts`) into
 * envelope chunks `[T, 1, channels]`, one step per `hop` samples.
 * @module
 */
import { filter, map, type OperatorFunction, scan } from 'rxjs';
import type { AudioBlock } from '../audio.js';
import { type Cochlea, type CochleaParameters, type CochleaState, cochlea } from '../cochlea.js';
import { SpikeflowError, show } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** Options of {@link cochleaEnvelopes}: the filter bank's parameters (the sample rate comes from the blocks) and the channel. */
export interface CochleaEnvelopesOptions extends Omit<CochleaParameters, 'sampleRate'> {
  /** Audio channel fed to the filter bank, or `mix` (default) for the mean of all channels. */
  readonly channel?: number | 'mix';
}

/**
 * Mono samples of a block: one channel, or the mean of all.
 * @throws SpikeflowError (`channel`) for a channel that is neither `mix` nor an index the block has
 */
export const monoSamples = (block: AudioBlock, channel: number | 'mix'): Float32Array => {
  if (channel !== 'mix') {
    const c = block.channels[channel];
    if (c === undefined)
      throw new SpikeflowError(
        'cochleaEnvelopes',
        'channel',
        `channel ${channel} does not exist in ${block.channels.length}-channel audio`,
      );
    return c;
  }
  if (block.channels.length === 1) return block.channels[0] as Float32Array;
  const out = new Float32Array(block.frames);
  for (const c of block.channels)
    for (let k = 0; k < block.frames; k++) out[k] = (out[k] as number) + (c[k] as number) / block.channels.length;
  return out;
};

/**
 * Audio blocks → cochlea envelope chunks `[T, 1, channels]` (chunks with `T = 0` are not emitted).
 * The filter bank is built at the first block, from its sample rate; the state is threaded by
 * `scan`, so the envelopes do not depend on the block sizes.
 * @param options - cochlea parameters (`channels`, `fMin`, `fMax`, `q`, `stages`, `smoothingHz`, `hop`, `dtype`) and `channel`
 * @throws SpikeflowError (through the stream) for invalid parameters, a missing channel, or blocks whose sample rate changes
 */
export const cochleaEnvelopes = (options: CochleaEnvelopesOptions = {}): OperatorFunction<AudioBlock, Tensor> => {
  const { channel = 'mix', ...params } = options;
  if (channel !== 'mix' && !(Number.isInteger(channel) && channel >= 0)) {
    throw new SpikeflowError('cochleaEnvelopes', 'channel', `channel must be "mix" or a channel index, received ${show(channel)}`);
  }
  interface Acc {
    readonly bank: Cochlea | undefined;
    readonly state: CochleaState | undefined;
    readonly out: Tensor | undefined;
  }
  return (source) =>
    source.pipe(
      scan<AudioBlock, Acc>(
        (acc, block) => {
          const bank = acc.bank ?? cochlea({ ...params, sampleRate: block.sampleRate });
          if (block.sampleRate !== bank.parameters.sampleRate) {
            throw new SpikeflowError(
              'cochleaEnvelopes',
              'block',
              `sample rate changed from ${bank.parameters.sampleRate} to ${block.sampleRate} Hz`,
            );
          }
          const [out, state] = bank.run(monoSamples(block, channel), acc.state);
          return { bank, state, out };
        },
        { bank: undefined, state: undefined, out: undefined },
      ),
      map((acc) => acc.out as Tensor),
      filter((t) => (t.shape[0] as number) > 0),
    );
};
