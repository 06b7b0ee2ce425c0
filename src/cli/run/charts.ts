/**
 * The plots of `spikeflow run`: a {@link runReport} fed as the run streams (it aggregates as data
 * arrive, so its memory is bounded whatever the run's length), spike counts per layer, and the
 * HTML report at the end.
 * @module
 */
import { lif } from '../../neurons/lif.js';
import type { NeuronModel, RunResult } from '../../neurons/model.js';
import { sizeOf, type Tensor, tensor } from '../../ops/tensor.js';
import { runReport } from '../../viz/runReport.js';
import { traces } from '../../viz/traces.js';
// Plots in Node draw in linkedom's DOM.
import '../../viz/nodeDocument.js';
import type { RunLayer } from './networkPlan.js';
import type { Source } from './runTypes.js';

/** Spike counts of one layer. */
export interface Probe {
  readonly name: string;
  readonly size: number;
  readonly spiking: boolean;
  spikes: number;
}

/**
 * Bytes the charts hold besides their bounded windows: for events, the accumulated frames of
 * input and output (at most 8 float32 frames each) and the sparse spike log of a raster (at most
 * 2^22 spikes per spiking layer, counted once).
 */
export const chartBytes = (features: readonly number[]): number =>
  features.length === 3 ? 2 * 8 * 4 * sizeOf(features) + 4 * (1 << 22) : 0;

/** The charts of a run. */
export interface RunCharts {
  readonly probes: Probe[];
  /** Index of the layer whose voltage is traced (-1: none). */
  readonly firstNeuron: number;
  /** Takes an input chunk `[T, B, N]`. */
  readonly input: (x: Tensor) => void;
  /** Takes a layer's recorded state `v` for a chunk. */
  readonly voltage: (v: Tensor) => void;
  /** Takes a layer's output chunk. */
  readonly output: (k: number, out: Tensor) => void;
  /** The report as HTML, with what the run measured. */
  readonly html: (totals: { readonly wallSeconds: number; readonly neuronStepsPerSecond: number }) => string;
}

/** A model's parameters in effect (Norse's defaults), as `name value` pairs for the report. */
const describeParameters = (model: NeuronModel): string | undefined => {
  let p: Record<string, unknown>;
  try {
    p = model.parameters({}) as Record<string, unknown>;
  } catch {
    return undefined; // parameters without defaults (e.g. weights of a recurrent layer)
  }
  return Object.entries(p)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toPrecision(4) : String(v)}`)
    .join(', ');
};

/** Builds the charts of a run over `layers` fed by `source` (input gain `gain`). */
export const runCharts = (layers: readonly RunLayer[], source: Source, dt: number, gain: number): RunCharts => {
  const probes: Probe[] = layers.map((l) => ({ name: l.name, size: l.size, spiking: l.spiking ?? l.model?.outputName === 'z', spikes: 0 }));
  const firstNeuron = layers.findIndex((l) => l.model !== undefined && l.model.outputName === 'z' && l.model.stateNames.includes('v'));
  const rep = runReport({
    ...source.describe,
    kind: source.kind,
    dt,
    features: source.features,
    gain,
    layers: layers.map((l, k) => ({
      name: l.name,
      size: l.size,
      spiking: (probes[k] as Probe).spiking,
      neuron: l.model !== undefined || l.neuron === true || (probes[k] as Probe).spiking,
      parameters: l.model === undefined ? undefined : describeParameters(l.model),
    })),
  });
  source.onSamples = (samples) => rep.samples(samples);
  if (source.kind === 'demo') {
    // The seed figure of the demo: LIF neurons under constant currents 0, 0.1, 0.3 for 100 steps.
    const xs = tensor(Array.from({ length: 100 }, () => [[0, 0.1, 0.3]]));
    rep.figure(
      traces<RunResult>()
        .threshold(1)
        .labels(['0', '0.1', '0.3'])
        .yLabel('membrane voltage v')
        .title('LIF neurons under constant currents')
        .toSVG(lif.run({}, dt, { record: true })(xs)),
      {
        title: 'The seed figure',
        caption: 'Membrane voltage of one LIF neuron (Norse defaults) per input current; it spikes only at 0.3.',
      },
    );
  }
  return {
    probes,
    firstNeuron,
    input: (x) => rep.input(x),
    voltage: (v) => rep.voltage(v),
    output: (k, out) => {
      rep.output(k, out);
      const probe = probes[k];
      if (probe?.spiking === true) probe.spikes = rep.spikes(k);
    },
    html: (totals) => rep.toHTML(totals),
  };
};
