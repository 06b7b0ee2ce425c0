/**
 * Tutorial step 5: a LIF layer over a whole input at once (the seed notebook's
 * `LIF()(torch.ones((100, 1)) * 0.3)`): 100 time steps of one neuron receiving 0.3.
 * Run: `npx tsx examples/tutorial/05-lif-layer.ts`
 * @module
 */
import { full, lif, showShape, type Tensor } from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** What step 5 computes. */
export interface LifLayerResult {
  readonly data: Tensor;
  readonly spikes: Tensor;
  /** Steps (0-based) at which the neuron spiked. */
  readonly spikeSteps: readonly number[];
}

/** Runs a LIF layer over a `[100, 1]` input of 0.3 and prints its spikes. */
export const lifLayer = (print: Print = console.log): LifLayerResult => {
  // #region tutorial
  // 100 time steps of input 0.3 for one neuron: shape [time, neurons] = [100, 1].
  // Time always comes first.
  const data = full([100, 1], 0.3);
  print(`input shape ${showShape(data.shape)}, first values ${Array.from(data.data.subarray(0, 3)).map((x) => x.toFixed(1))}`);

  // lif.run(...) applies the neuron to every step in turn, carrying the state along.
  // It returns the spikes (same shape as the input) and the final state.
  const [spikes, state] = lif.run({}, 0.001)(data);
  print(`output shape ${showShape(spikes.shape)}, final state shapes v ${showShape(state.v.shape)}, i ${showShape(state.i.shape)}`);

  // The output is 0 (no spike) or 1 (spike) per step. Where did it spike?
  const spikeSteps: number[] = [];
  spikes.data.forEach((z, t) => {
    if (z === 1) spikeSteps.push(t);
  });
  print(`${spikeSteps.length} spikes, at steps ${spikeSteps.join(', ')}`);
  print(
    Array.from(spikes.data, (z) => (z === 1 ? '|' : '.'))
      .join('')
      .replace(/(.{50})/g, '$1\n')
      .trimEnd(),
  );
  // #endregion
  return { data, spikes, spikeSteps };
};

runIfMain(import.meta.url, lifLayer);
