/**
 * The spiking networks of `spikeflow run --network` (files with `populations`, see
 * `src/networks/json.ts`) as one layer of the run's pipeline: each chunk of the input (`[T, 1, N]`)
 * runs the network for `T` steps (feeding the `input` population when the file names one) and
 * emits the spikes of every population, concatenated in file order, `[T, 1, ΣN]`.
 * @module
 */

import { spikingNetworkFromJson } from '../networks/json.js';
import type { NetworkState } from '../networks/network.js';
import { pointLif } from '../networks/pointLif.js';
import type { NeuronModel } from '../neurons/model.js';
import type { Layer } from '../neurons/sequential.js';
import { SpikeflowError } from '../ops/errors.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
// Networks' `auto` takes the threads backend's WebAssembly SIMD population steps once registered.
import '../threads.js';

export { isSpikingNetworkJson } from '../networks/json.js';

/**
 * The layers `runJob` chains for a spiking-network file: one layer running the whole network.
 * @param what - the input (its path), for messages; undefined for the built-in demo
 * @throws SpikeflowError for a bad description, or an `input` population whose size differs from the input's
 */
export const spikingNetworkLayers = (
  json: unknown,
  inputSize: number,
  dt: number,
  what?: string,
): { layer: Layer; name: string; size: number; model: NeuronModel }[] => {
  const { net, input, inputSize: wanted } = spikingNetworkFromJson(json, dt);
  if (input !== undefined && wanted !== inputSize) {
    const to = (json as { input?: { to?: unknown } }).input?.to;
    throw new SpikeflowError(
      'network',
      'input',
      `the input feeds population ${JSON.stringify(to)} of ${wanted} neurons, but ${what === undefined ? 'the built-in demo input (no --input was given)' : `the input ${what}`} has ${inputSize} features per step; give an --input of ${wanted} features per step, or change "input" in the network file`,
    );
  }
  const total = net.populations.reduce((a, p) => a + p.n, 0);
  const offsets = net.populations.map((_, k) => net.populations.slice(0, k).reduce((a, p) => a + p.n, 0));
  const layer: Layer<NetworkState> = {
    name: `SpikingNetwork (${net.populations.map((p) => `${p.name} ${p.n}`).join(', ')})`,
    run(xs: Tensor, state?: NetworkState) {
      const T = xs.shape[0] as number;
      if (xs.shape[1] !== 1)
        throw new SpikeflowError('network', 'input', `a spiking network runs one batch entry, received batch ${xs.shape[1]}`);
      const [chunk, next] = net.run(input === undefined ? T : { [input]: fromTypedArray(xs.data, [T, inputSize]) }, state);
      const out = new Float32Array(T * total);
      net.populations.forEach((p, k) => {
        const s = chunk.spikes[p.name];
        if (s === undefined) return;
        for (let q = 0; q < s.i.length; q++)
          out[((s.step[q] as number) - chunk.start) * total + (offsets[k] as number) + (s.i[q] as number)] = 1;
      });
      return [fromTypedArray(out, [T, 1, total]), next];
    },
  };
  return [{ layer: layer as Layer, name: layer.name, size: total, model: pointLif as unknown as NeuronModel }];
};
