/**
 * Voltage / state traces: one line per neuron over a sliding window of steps, an optional
 * threshold line, and spikes marked (a vertical line from the trace up to the top of the plot).
 *
 * Input chunks are a state variable `[T, batch, ...features]` (e.g. LIF's recorded `v`),
 * features flattened to neuron indices; `.neurons([...])` picks which (default all). Spikes come
 * from a companion tensor of the same shape (`.spikes(pick)`; a model's run result gives its own).
 * Step `k` is drawn at `x = k·dt`.
 *
 * Non-finite values (NaN, ±Infinity) are drawn as a visible gap: the line breaks there, and a
 * translucent red band (`rect.gap`) covers the steps concerned, so a simulation that diverged is
 * seen where it diverged rather than stopping the display. They are left out of the automatic y
 * domain. Non-finite spikes are an error.
 *
 * The y domain is `.yDomain([lo, hi])` or, by default, the extent of the finite values held
 * together with the threshold; a flat extent `[a, a]` becomes `[a - 1, a + 1]`, no data `[0, 1]`.
 * Memory: `window × neurons` samples. Source: Norse's `plot_neuron_states`, the membrane-voltage
 * plots of Norse's and Brian's tutorials.
 * @module
 */
import { schemeCategory10 } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { sizeOf, type Tensor } from '../ops/tensor.js';
import { makeChart } from './chart.js';
import { checkColor, checkNeurons } from './checks.js';
import { type TraceLabels, TraceStore, type TraceStyle } from './traceStore.js';
import type { Chart, ChartKind, OptionalPicker, Picker, StreamChunk } from './types.js';

export type { TraceLabels } from './traceStore.js';

/** The traces sink; see the module docs. Accessors chain as in d3. */
export interface Traces<D = StreamChunk> extends Chart<D, Traces<D>> {
  /**
   * Picks the values from a stream element (default: the element when it is a tensor; for a
   * model's run result `[spikes, state, recorded]` or a `layer` probe's `{ out, state, recorded }`,
   * `recorded[field]`).
   */
  value(): Picker<D>;
  value<E = D>(pick: Picker<E>): Traces<E>;
  /** Picks the spikes to mark (default: none for tensors, `[0]` of a run result, `out` of a probe's step). */
  spikes(): OptionalPicker<D> | undefined;
  spikes(pick: OptionalPicker<D> | undefined): Traces<D>;
  /** State variable read from run results (default `v`); also the default y label. */
  field(): string;
  field(name: string): Traces<D>;
  /** Flattened neuron indices to draw, or undefined for all (default). Setting it clears the chart. */
  neurons(): readonly number[] | undefined;
  neurons(indices: readonly number[] | undefined): Traces<D>;
  /** Threshold drawn as a dashed line (e.g. `vTh`), or undefined for none (default). */
  threshold(): number | undefined;
  threshold(v: number | undefined): Traces<D>;
  /** Fixed y domain, or undefined for automatic (default). */
  yDomain(): readonly [number, number] | undefined;
  yDomain(domain: readonly [number, number] | undefined): Traces<D>;
  /** Y axis label (default: the field name, `v`). */
  yLabel(): string | undefined;
  yLabel(label: string | undefined): Traces<D>;
  /** Line colours, cycled (default d3's category10). */
  colors(): readonly string[];
  colors(c: readonly string[]): Traces<D>;
  /** Legend labels (default none). */
  labels(): TraceLabels | undefined;
  labels(l: TraceLabels | undefined): Traces<D>;
}

const isRunResult = (d: unknown): d is readonly [Tensor, unknown, Readonly<Record<string, Tensor>> | undefined] => Array.isArray(d);

/**
 * A stream element as a run result: the tuple itself, or the `{ out, state, recorded }` a `layer`
 * probe receives (so `layer(neuron(lif, p, dt, { record: true }), { probe: traces<LayerStep<unknown>>().observer() })`
 * draws the voltages); undefined for a tensor.
 */
const asRunResult = (d: unknown): readonly [Tensor, unknown, Readonly<Record<string, Tensor>> | undefined] | undefined => {
  if (isRunResult(d)) return d;
  if (d !== null && typeof d === 'object' && 'out' in d && 'recorded' in d && !('shape' in d)) {
    const step = d as { out: Tensor; state: unknown; recorded: Readonly<Record<string, Tensor>> | undefined };
    return [step.out, step.state, step.recorded];
  }
  return undefined;
};

/**
 * Creates a traces sink, e.g. the seed figure (one LIF neuron per input current, 100 steps):
 * ```ts
 * const xs = tensor(Array.from({ length: 100 }, () => [[0, 0.1, 0.3]]));
 * const run = lif.run({}, 0.001, { record: true })(xs);
 * writeFileSync('lif.svg', traces().threshold(1).labels(['0', '0.1', '0.3']).toSVG(run));
 * ```
 * Accessors: see {@link Traces} and {@link Chart}. Errors: accessors throw SpikeflowError for
 * invalid values; `push` for chunks that are not `[T, batch, ...]` tensors of a consistent shape,
 * for neuron indices out of range, and for run results without recorded states.
 */
export const traces = <D = StreamChunk>(): Traces<D> => {
  const style: TraceStyle = {
    field: 'v',
    neurons: undefined,
    threshold: undefined,
    yDomain: undefined,
    yLabel: undefined,
    colors: schemeCategory10,
    labels: undefined,
  };
  const kind: ChartKind = {
    name: 'traces',
    allowAllBatches: false,
    store: (settings) => new TraceStore(settings, style),
    checkFeatures: (features) => {
      const N = sizeOf(features);
      for (const n of style.neurons ?? []) {
        if (n >= N) throw new SpikeflowError('traces', 'neurons', `neuron index ${n} is out of range for chunks of ${N} neurons`);
      }
    },
  };
  const pickValue = (datum: unknown): Tensor => {
    const d = asRunResult(datum);
    if (d === undefined) return datum as Tensor;
    const recorded = d[2];
    if (recorded === undefined) {
      throw new SpikeflowError('traces', 'chunk', `the run result has no recorded states; run the model with { record: true }`);
    }
    const v = recorded[style.field];
    if (v === undefined) {
      throw new SpikeflowError(
        'traces',
        'field',
        `the run result records no state ${show(style.field)}; recorded: ${Object.keys(recorded).join(', ')}`,
      );
    }
    return v;
  };
  const core = makeChart<D>(kind, pickValue as Picker<D>);
  core.setAux(((d: unknown) => asRunResult(d)?.[0]) as OptionalPicker<D>);
  const chart = core.chart;
  const { setter } = core;
  Object.assign(chart, {
    value: setter(core.getValue, (v) => {
      if (typeof v !== 'function') throw new SpikeflowError('traces', 'value', `value must be a function, received ${show(v)}`);
      core.setValue(v as Picker<D>);
    }),
    spikes: setter(core.getAux, (v) => {
      if (v !== undefined && typeof v !== 'function') {
        throw new SpikeflowError('traces', 'spikes', `spikes must be a function or undefined, received ${show(v)}`);
      }
      core.setAux(v as OptionalPicker<D> | undefined);
    }),
    field: setter(
      () => style.field,
      (v) => {
        if (typeof v !== 'string' || v === '')
          throw new SpikeflowError('traces', 'field', `field must be a state name, received ${show(v)}`);
        style.field = v;
      },
    ),
    neurons: setter(
      () => style.neurons,
      (v) => {
        style.neurons = checkNeurons('traces', 'neurons', v);
      },
      true,
    ),
    threshold: setter(
      () => style.threshold,
      (v) => {
        if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) {
          throw new SpikeflowError('traces', 'threshold', `threshold must be a finite number or undefined, received ${show(v)}`);
        }
        style.threshold = v as number | undefined;
      },
    ),
    yDomain: setter(
      () => style.yDomain,
      (v) => {
        const ok =
          v === undefined ||
          (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number' && Number.isFinite(e)) && v[0] < v[1]);
        if (!ok)
          throw new SpikeflowError('traces', 'yDomain', `yDomain must be [lo, hi] with finite lo < hi, or undefined, received ${show(v)}`);
        style.yDomain = v === undefined ? undefined : [v[0], v[1]];
      },
    ),
    yLabel: setter(
      () => style.yLabel,
      (v) => {
        if (v !== undefined && typeof v !== 'string')
          throw new SpikeflowError('traces', 'yLabel', `yLabel must be a string, received ${show(v)}`);
        style.yLabel = v as string | undefined;
      },
    ),
    colors: setter(
      () => style.colors,
      (v) => {
        if (!Array.isArray(v) || v.length === 0) {
          throw new SpikeflowError('traces', 'colors', `colors must be a non-empty array of CSS colours, received ${show(v)}`);
        }
        style.colors = v.map((c, k) => checkColor('traces', `colors[${k}]`, c));
      },
    ),
    labels: setter(
      () => style.labels,
      (v) => {
        if (v !== undefined && typeof v !== 'function' && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
          throw new SpikeflowError('traces', 'labels', `labels must be an array of strings or a function, received ${show(v)}`);
        }
        style.labels = v as TraceLabels | undefined;
      },
    ),
  });
  return chart as unknown as Traces<D>;
};
