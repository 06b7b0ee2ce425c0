/**
 * The spiking networks of `spikeflow run --network` (files with `populations`, see
 * `src/networks/json.ts`) as layers of the run's pipeline, one per population in file order (so
 * that the summary and the report show each): the first runs the network for a chunk of the input
 * (`[T, 1, N]`, `T` steps, feeding the `input` population when the file names one) and emits its
 * population's spikes `[T, 1, n]`; each next one emits its population's spikes of the same chunk.
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
 * The layers `runJob` chains for a spiking-network file: one per population, named `E PointLIF`.
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
  const models = (json as { populations?: Record<string, { model?: unknown }> }).populations ?? {};
  // Each chunk's spikes of every population, keyed by the tensor a layer emits (the next layer's input).
  const chunks = new WeakMap<Tensor, readonly Tensor[]>();
  const emit = (spikes: readonly Tensor[], k: number): Tensor => {
    const out = spikes[k] as Tensor;
    chunks.set(out, spikes);
    return out;
  };
  return net.populations.map((p, k) => {
    const name = `${p.name} ${String(models[p.name]?.model ?? 'PointLIF')}`;
    const layer: Layer<NetworkState | undefined> =
      k === 0
        ? {
            name,
            run(xs: Tensor, state?: NetworkState) {
              const T = xs.shape[0] as number;
              if (xs.shape[1] !== 1)
                throw new SpikeflowError('network', 'input', `a spiking network runs one batch entry, received batch ${xs.shape[1]}`);
              const [chunk, next] = net.run(input === undefined ? T : { [input]: fromTypedArray(xs.data, [T, inputSize]) }, state);
              const spikes = net.populations.map((q) => {
                const out = new Float32Array(T * q.n);
                const s = chunk.spikes[q.name];
                if (s !== undefined)
                  for (let e = 0; e < s.i.length; e++) out[((s.step[e] as number) - chunk.start) * q.n + (s.i[e] as number)] = 1;
                return fromTypedArray(out, [T, 1, q.n]);
              });
              return [emit(spikes, 0), next];
            },
          }
        : {
            name,
            run(xs: Tensor) {
              const spikes = chunks.get(xs);
              if (spikes === undefined) throw new Error(`population layer ${name} received a chunk the network did not produce`);
              return [emit(spikes, k), undefined];
            },
          };
    return { layer: layer as Layer, name, size: p.n, model: pointLif as unknown as NeuronModel };
  });
};
