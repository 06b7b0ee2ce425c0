/**
 * The golden-trace cases every backend runs (Node: test/backends/golden.test.ts; browser:
 * test/browser/gpu.browser.test.ts): every Norse trace of a registered model, run in float32.
 *
 * Criterion: spikes identical to Norse's, every other value (output voltage, recorded state) within
 * 1e-5 of Norse's, relative where |value| > 1 (|a − e| ≤ 1e-5 · max(1, |e|)).
 *
 * A few float64 traces cannot be met by any float32 computation (listed in
 * {@link FLOAT32_DEPARTS}, with the reason); there every backend is compared with the `js`
 * backend's float32 run under the same criterion instead.
 */
import { readdirSync } from 'node:fs';
import type { NeuronModel } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import type { Tensor } from '../../src/ops/tensor.js';
import { camel, fixtureDir, fromNorse, loadTrace, type Trace } from '../golden.js';

/** Tolerance of values (relative above 1). */
export const TOLERANCE = 1e-5;

/** float64 traces whose float32 run departs from them whatever computes it, and why. */
export const FLOAT32_DEPARTS: Readonly<Record<string, string>> = {
  // Neuron 1 receives 0.1 per step: ten float64 additions reach 0.9999999999999999 (no spike at
  // step 10), ten float32 additions reach 1.0000001 (spike) — documented in test/neurons/golden.test.ts.
  IAF_default_b_const_per_neuron: 'float32 sums of 0.1 cross v_th one step earlier than float64',
  // v' = 0.04 v² + 5 v + ... with v near −60 mV: a relative rounding of 6e-8 grows to 1e-4 within
  // the spiking regime and shifts spike times in the class-1 excitable regime (near a bifurcation).
  Izhikevich_default_e_strong: 'quadratic membrane term amplifies float32 rounding in the tonic spiking regime',
  'Izhikevich_nondefault_a_const_0.3': 'class-1 excitable regime sits at a bifurcation: float32 rounding changes the trajectory',
  Izhikevich_nondefault_b_const_per_neuron: 'class-1 excitable regime sits at a bifurcation: float32 rounding changes the trajectory',
  Izhikevich_nondefault_c_sawtooth: 'class-1 excitable regime sits at a bifurcation: float32 rounding changes the trajectory',
  Izhikevich_nondefault_e_strong: 'class-1 excitable regime sits at a bifurcation: float32 rounding changes the trajectory',
};

/** One golden case: a trace of a registered model. */
export interface GoldenCase {
  readonly file: string;
  readonly trace: Trace;
  readonly model: NeuronModel;
  /** spikeflow parameters (Norse's converted; recurrent weights added). */
  readonly params: Record<string, unknown>;
  /** Why the float32 run is compared with the js float32 run instead of Norse, if it is. */
  readonly departs: string | undefined;
}

const departsOf = (file: string): string | undefined => FLOAT32_DEPARTS[file.replace(/\.json$/, '')];

/** Every trace of a registered neuron model (recurrent ones where the trace gives both weight matrices). */
export const goldenCases = (): GoldenCase[] =>
  readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .flatMap((file): GoldenCase[] => {
      const trace = loadTrace(file);
      const model = models[trace.model];
      if (model === undefined) return [];
      const params: Record<string, unknown> = fromNorse(trace.params);
      if (model.recurrent) {
        if (trace.input_weights === undefined || trace.recurrent_weights_given === undefined) return [];
        params.inputWeights = trace.input_weights;
        params.recurrentWeights = trace.recurrent_weights_given;
      }
      return [{ file, trace, model, params, departs: departsOf(file) }];
    });

/** Per output key of a trace: the tensor of a run that holds it (`z`/`out`: the output; else a recorded state). */
export const valuesOf = (key: string, outs: Tensor, recorded: Readonly<Record<string, Tensor>>): Tensor | undefined =>
  key === 'z' || key === 'out' ? outs : recorded[camel(key)];

/** How far a run is from expected values: spike mismatches and the worst scaled difference. */
export interface Distance {
  readonly spikeMismatches: number;
  readonly worst: number;
  readonly worstKey: string;
}

/** Distance of `actual` (per key) from `expected` (per key, flat arrays of the same length). */
export const distance = (
  keys: readonly string[],
  actual: (key: string) => ArrayLike<number> | undefined,
  expected: (key: string) => ArrayLike<number>,
): Distance => {
  let spikeMismatches = 0;
  let worst = 0;
  let worstKey = '';
  for (const key of keys) {
    const a = actual(key);
    const e = expected(key);
    if (a === undefined || a.length !== e.length) return { spikeMismatches: Number.NaN, worst: Number.NaN, worstKey: `${key} missing` };
    for (let k = 0; k < e.length; k++) {
      const ev = e[k] as number;
      const d = Math.abs((a[k] as number) - ev);
      if (key === 'z') {
        if (d !== 0) spikeMismatches++;
      } else {
        const scaled = d / Math.max(1, Math.abs(ev));
        if (!(scaled <= worst)) {
          worst = scaled;
          worstKey = key;
        }
      }
    }
  }
  return { spikeMismatches, worst, worstKey };
};
