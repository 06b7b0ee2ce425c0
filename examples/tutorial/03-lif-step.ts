/**
 * Tutorial step 3: one LIF neuron stepped by hand, carrying its state explicitly
 * (the seed notebook's "Remembering state": `output, state = module(input, state)`).
 * Run: `npx tsx examples/tutorial/03-lif-step.ts`
 * @module
 */
import { type LIFState, lif, tensor } from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** One row per step: spike, voltage and current after the step. */
export interface LifStepRow {
  readonly step: number;
  readonly z: number;
  readonly v: number;
  readonly i: number;
}

/** Steps a LIF neuron (Norse's defaults, dt = 1 ms) 5 times under a constant input of 0.3. */
export const lifStepByStep = (print: Print = console.log): LifStepRow[] => {
  // #region tutorial
  // A spiking neuron lives in time: each step it reads an input and its own previous state,
  // and returns an output (spike 1 or no spike 0) and its new state.
  // lif.step(parameters, dt) gives that step function; {} means Norse's default parameters.
  const step = lif.step({}, 0.001);

  // The input of one step has shape [batch, neurons]: here one neuron receiving 0.3.
  const x = tensor([[0.3]]);

  // No state yet: the first call starts from rest (v = 0, i = 0).
  let state: LIFState | undefined;
  const rows: LifStepRow[] = [];
  for (let t = 1; t <= 5; t++) {
    const [z, next] = step(x, state);
    state = next; // remember the state for the next step
    rows.push({ step: t, z: z.data[0]!, v: state.v.data[0]!, i: state.i.data[0]! });
    print(`step ${t}: z = ${z.data[0]}, v = ${state.v.data[0]!.toFixed(6)}, i = ${state.i.data[0]!.toFixed(6)}`);
  }
  // The voltage v creeps up towards the threshold (1.0); nothing has spiked yet.
  // #endregion
  return rows;
};

runIfMain(import.meta.url, lifStepByStep);
