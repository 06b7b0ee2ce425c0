/**
 * The plots of `spikeflow run`: what each layer's chart keeps while the run streams, and the HTML
 * report assembled from them at the end.
 * @module
 */
import { lif } from '../../neurons/lif.js';
import type { RunResult } from '../../neurons/model.js';
import { allocate, dtypeOf, fromTypedArray, sizeOf, type Tensor, tensor } from '../../ops/tensor.js';
import { heatmap } from '../../viz/heatmap.js';
import { raster } from '../../viz/raster.js';
import { rate } from '../../viz/rate.js';
import { report } from '../../viz/report.js';
import { traces } from '../../viz/traces.js';
// Plots in Node draw in linkedom's DOM.
import '../../viz/nodeDocument.js';
import type { RunLayer } from './network.js';

/** Spike counts of one layer. */
export interface Probe {
  readonly name: string;
  readonly size: number;
  readonly spiking: boolean;
  spikes: number;
}

/** The first `k` features of chunks `[T, B, N]` (for plots of large layers). */
const firstFeatures = (t: Tensor, k: number): Tensor => {
  const [T, B] = t.shape as [number, number];
  const N = sizeOf(t.shape.slice(2));
  if (N <= k) return t;
  const out = allocate(dtypeOf(t), T * B * k);
  for (let r = 0; r < T * B; r++) out.set(t.data.subarray(r * N, r * N + k), r * k);
  return fromTypedArray(out, [T, B, k]);
};

/** Adds a chunk `[T, B, N]` into per-feature sums `[N]`. */
const accumulate = (sum: Float64Array, t: Tensor): void => {
  const N = sum.length;
  const d = t.data;
  for (let r = 0; r < d.length; r += N) for (let n = 0; n < N; n++) sum[n] = (sum[n] as number) + (d[r + n] as number);
};

/** Per-pixel sums `[C·H·W]` pooled into `k×k` blocks (k chosen so the frame is at most 160 blocks wide and high), as a chunk `[1, 1, C, h, w]`. */
const pooledFrame = (sum: Float64Array, [C, H, W]: readonly [number, number, number]): { frame: Tensor; k: number } => {
  const k = Math.max(1, Math.ceil(Math.max(H, W) / 160));
  const h = Math.ceil(H / k);
  const w = Math.ceil(W / k);
  const out = new Float32Array(C * h * w);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (c * h + Math.floor(y / k)) * w + Math.floor(x / k);
        out[o] = (out[o] as number) + (sum[(c * H + y) * W + x] as number);
      }
  return { frame: fromTypedArray(out, [1, 1, C, h, w]), k };
};

/** Bytes the charts hold besides their bounded windows: the event sums (two float64 frames). */
export const chartBytes = (features: readonly number[]): number => (features.length === 3 ? 2 * 8 * sizeOf(features) : 0);

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
  /** The report as HTML. */
  readonly html: (title: string, demo: boolean, dt: number) => string;
}

/** Builds the charts of a run over `layers` with input feature shape `features`. */
export const runCharts = (layers: readonly RunLayer[], features: readonly number[], dt: number): RunCharts => {
  const shown = 4096;
  const inputSize = sizeOf(features);
  const probes: Probe[] = layers.map((l) => ({ name: l.name, size: l.size, spiking: l.spiking ?? l.model?.outputName === 'z', spikes: 0 }));
  const charts = layers.map((l, k) => {
    const p = probes[k] as Probe;
    if (p.spiking) {
      return {
        raster: raster<Tensor>()
          .value((t) => firstFeatures(t, shown))
          .window(1000)
          .dt(dt)
          .title(`${l.name} spikes${l.size > shown ? ` (first ${shown} of ${l.size} neurons)` : ''}`),
        rate: rate<Tensor>().window(100_000).dt(dt).title(`${l.name} population rate`),
      };
    }
    return {
      traces: traces<Tensor>()
        .value((t) => firstFeatures(t, 8))
        .window(1000)
        .dt(dt)
        .title(`${l.name} output (first 8)`),
    };
  });
  const firstNeuron = layers.findIndex((l) => l.model !== undefined && l.model.outputName === 'z' && l.model.stateNames.includes('v'));
  const voltage = traces<Tensor>()
    .value((t) => firstFeatures(t, 4))
    .window(500)
    .dt(dt)
    .title('Membrane voltage v (first 4 neurons of the first spiking layer)');
  // Event frames: per-pixel sums accumulated here, drawn once at the end as one frame pooled into
  // blocks of k×k pixels (an SVG cell per pixel of a megapixel sensor would take minutes to draw).
  const frames = features.length === 3 ? (features as [number, number, number]) : undefined;
  const inputSum = frames === undefined ? undefined : new Float64Array(inputSize);
  const outputSum = frames !== undefined && probes[0]?.spiking && layers[0]?.size === inputSize ? new Float64Array(inputSize) : undefined;
  const input =
    frames === undefined
      ? traces<Tensor>()
          .value((t) => firstFeatures(t, 8))
          .window(1000)
          .dt(dt)
          .title('Input (first 8 channels)')
      : undefined;

  return {
    probes,
    firstNeuron,
    input: (x) => {
      input?.push(x);
      if (inputSum !== undefined) accumulate(inputSum, x);
    },
    voltage: (v) => voltage.push(v),
    output: (k, out) => {
      const probe = probes[k] as Probe;
      const chart = charts[k];
      if (probe.spiking) {
        let n = 0;
        for (let j = 0; j < out.data.length; j++) n += out.data[j] as number;
        probe.spikes += n;
      }
      if (chart?.raster !== undefined) {
        chart.raster.push(out);
        chart.rate.push(out);
      }
      if (k === 0 && outputSum !== undefined) accumulate(outputSum, out);
      chart?.traces?.push(out);
    },
    html: (title, demo, step) => {
      const rep = report().title(title);
      if (demo) {
        // The seed figure of the demo: LIF neurons under constant currents 0, 0.1, 0.3 for 100 steps.
        const xs = tensor(Array.from({ length: 100 }, () => [[0, 0.1, 0.3]]));
        rep.add(
          traces<RunResult>()
            .threshold(1)
            .labels(['0', '0.1', '0.3'])
            .title('LIF neurons under constant currents')
            .toSVG(lif.run({}, step, { record: true })(xs)),
          {
            title: 'The seed figure',
            caption: 'Membrane voltage of one LIF neuron (Norse defaults) per input current; it spikes only at 0.3.',
          },
        );
      }
      if (input !== undefined) rep.add(input, { title: 'Input' });
      if (frames !== undefined && inputSum !== undefined) {
        const { frame, k } = pooledFrame(inputSum, frames);
        rep.add(
          heatmap<Tensor>()
            .window(1)
            .title(`Input events per ${k > 1 ? `${k}×${k} pixel block` : 'pixel'} (ON − OFF)`)
            .toSVG(frame),
          { title: 'Input events' },
        );
      }
      if (firstNeuron >= 0 && voltage.buffered().received > 0) rep.add(voltage, { title: 'Voltage traces' });
      charts.forEach((c, k) => {
        const name = probes[k]?.name ?? '';
        if (c.raster !== undefined) {
          rep.add(c.raster, { title: `${name}: raster` });
          rep.add(c.rate, { title: `${name}: rate` });
        } else if (c.traces !== undefined) rep.add(c.traces, { title: `${name}: output` });
      });
      if (frames !== undefined && outputSum !== undefined) {
        const { frame, k } = pooledFrame(outputSum, frames);
        rep.add(
          heatmap<Tensor>()
            .window(1)
            .title(`Output spikes per ${k > 1 ? `${k}×${k} pixel block` : 'neuron (pixel layout)'}`)
            .toSVG(frame),
          { title: 'Output heatmap' },
        );
      }
      return rep.toHTML();
    },
  };
};
