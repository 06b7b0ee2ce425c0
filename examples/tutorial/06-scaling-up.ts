/**
 * Tutorial step 6: scaling up. 100 neurons side by side, each receiving its own constant current
 * (from 0 to 0.5), simulated for 200 steps; their spikes form a raster.
 * Run: `npx tsx examples/tutorial/06-scaling-up.ts`
 * @module
 */
import { fromTypedArray, lif, showShape, type Tensor } from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** What step 6 computes. */
export interface ScalingResult {
  /** Input current of each neuron, `[neurons]`. */
  readonly currents: Float32Array;
  /** Spikes `[steps, 1, neurons]`. */
  readonly spikes: Tensor;
  /** Number of spikes of each neuron. */
  readonly counts: readonly number[];
}

/** Simulates `neurons` LIF neurons for `steps` steps under currents spread over [0, 0.5]. */
export const scalingUp = (print: Print = console.log, neurons = 100, steps = 200): ScalingResult => {
  // #region tutorial
  // Neuron n receives the constant current 0.5·n/(neurons − 1): from 0 up to 0.5.
  const currents = Float32Array.from({ length: neurons }, (_, n) => (0.5 * n) / (neurons - 1));

  // The input holds every step for every neuron: shape [steps, batch = 1, neurons].
  const xs = new Float32Array(steps * neurons);
  for (let t = 0; t < steps; t++) xs.set(currents, t * neurons);
  const input = fromTypedArray(xs, [steps, 1, neurons]);

  // One call simulates all neurons for all steps: more neurons cost no extra code.
  const [spikes] = lif.run({}, 0.001)(input);
  print(`input ${showShape(input.shape)} → spikes ${showShape(spikes.shape)}`);

  // Count each neuron's spikes; stronger inputs fire more often.
  const counts = Array.from({ length: neurons }, (_, n) => {
    let c = 0;
    for (let t = 0; t < steps; t++) c += spikes.data[t * neurons + n]!;
    return c;
  });
  const silent = counts.filter((c) => c === 0).length;
  print(`${silent} neurons stayed silent; the busiest fired ${Math.max(...counts)} times in ${steps} steps`);

  // A raster: one row per neuron (every 10th shown), one column per step, '|' for a spike.
  for (let n = neurons - 1; n >= 0; n -= Math.max(1, Math.floor(neurons / 10))) {
    let row = '';
    for (let t = 0; t < steps; t += 2) row += spikes.data[t * neurons + n]! + spikes.data[(t + 1) * neurons + n]! > 0 ? '|' : '.';
    print(`${currents[n]!.toFixed(3)} ${row}`);
  }
  // #endregion
  return { currents, spikes, counts };
};

runIfMain(import.meta.url, (print) => scalingUp(print));
