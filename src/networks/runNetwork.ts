/**
 * `runNetwork`: a {@link SpikingNetwork} as an RxJS operator over input chunks.
 * @module
 */
import { map, type OperatorFunction, scan } from 'rxjs';
import { SpikeflowError, show } from '../ops/errors.js';
import type { NetworkChunk, NetworkInput, NetworkState, SpikingNetwork } from './network.js';

/** Options of {@link runNetwork}. */
export interface RunNetworkOptions {
  /** State before the first chunk (default the network's initial state). */
  readonly state?: NetworkState;
}

/** What {@link runNetwork} emits per chunk: the chunk's spikes, rates and monitors, and the state after it. */
export interface NetworkStep {
  readonly chunk: NetworkChunk;
  readonly state: NetworkState;
}

/**
 * Runs a network over a stream of chunks: each element is a number of steps (a network without
 * stream inputs, e.g. driven by Poisson sources: a clock's ticks) or the stream inputs by name
 * (`{ name: [T, N] }`). The state is threaded by `scan`, so the emitted chunks equal, bit for bit,
 * those of one `net.run` over the whole input, whatever the chunk sizes. Each subscription starts
 * from `options.state` (default the initial state) and holds its own state. A chunk `run` rejects
 * errors the stream with the same {@link SpikeflowError}.
 * @param net - a network from `spikingNetwork`
 * @throws SpikeflowError (at construction) when `net` is not a network
 */
export const runNetwork = (net: SpikingNetwork, options: RunNetworkOptions = {}): OperatorFunction<NetworkInput, NetworkStep> => {
  if (net === null || typeof net !== 'object' || typeof net.run !== 'function' || typeof net.initialState !== 'function') {
    throw new SpikeflowError('runNetwork', 'net', `net must be a network from spikingNetwork(...), received ${show(net)}`);
  }
  if (options === null || typeof options !== 'object')
    throw new SpikeflowError('runNetwork', 'options', `options must be an object, received ${show(options)}`);
  return (source) =>
    source.pipe(
      scan<NetworkInput, NetworkStep | null, null>((previous, input) => {
        const [chunk, state] = net.run(input, previous === null ? (options.state ?? net.initialState()) : previous.state);
        return { chunk, state };
      }, null),
      map((s) => s as NetworkStep),
    );
};
