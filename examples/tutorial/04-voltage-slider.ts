/**
 * Tutorial step 4: the interactive demo. A constant input current drives one LIF neuron for 100
 * steps; on the page a slider (0–0.5, step 0.02) sets the current and the voltage trace redraws.
 * This script prints the same traces for a few slider positions.
 * Run: `npx tsx examples/tutorial/04-voltage-slider.ts`
 * @module
 */

import type { RunResult } from 'spikeflow';
import { full, lif } from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** The slider of the page: range and default of the input current. */
export const slider = { min: 0, max: 0.5, step: 0.02, value: 0.3 } as const;

/** Voltage and spikes of one LIF neuron over `steps` steps. */
export interface VoltageTrace {
  /** Membrane voltage after each step (after reset when it spiked). */
  readonly v: Float32Array;
  /** Step indices (0-based) at which the neuron spiked. */
  readonly spikes: readonly number[];
  /** Threshold the voltage has to exceed to spike. */
  readonly vTh: number;
  /** The whole run result `[spikes, state, recorded]`, as the plotting sinks take it. */
  readonly run: RunResult;
}

// #region tutorial
/**
 * Simulates one LIF neuron (Norse's defaults, dt = 1 ms) under a constant input `current`.
 * @param current - input added to the synaptic current every step
 * @param steps - number of steps (default 100)
 */
export const voltageTrace = (current: number, steps = 100): VoltageTrace => {
  // All 100 inputs at once, shape [time, batch, neurons] = [steps, 1, 1].
  const xs = full([steps, 1, 1], current);
  // run(...) steps through the whole chunk; { record: true } also keeps v and i after each step.
  const run = lif.run({}, 0.001, { record: true })(xs);
  const [z, , recorded] = run;
  const spikes: number[] = [];
  z.data.forEach((s, t) => {
    if (s === 1) spikes.push(t);
  });
  return { v: recorded!.v.data as Float32Array, spikes, vTh: lif.parameters().vTh as number, run };
};
// #endregion

/** Prints the trace summary for a few slider positions. */
export const voltageSlider = (print: Print = console.log): Record<string, VoltageTrace> => {
  const traces: Record<string, VoltageTrace> = {};
  for (const current of [0.1, 0.3, 0.4]) {
    const trace = voltageTrace(current);
    traces[current.toFixed(2)] = trace;
    const peak = Math.max(...trace.v);
    print(
      `input ${current.toFixed(2)}: peak v = ${peak.toFixed(4)}, spikes at steps [${trace.spikes.join(', ')}], ` +
        `v[0..4] = ${Array.from(trace.v.subarray(0, 5), (v) => v.toFixed(6)).join(' ')}`,
    );
  }
  return traces;
};

runIfMain(import.meta.url, voltageSlider);
