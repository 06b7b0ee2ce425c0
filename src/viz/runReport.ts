/**
 * The report of a run (what `spikeflow run` writes): built as data arrive, in bounded memory,
 * whatever the run's length — every panel aggregates (event frames per stretch of time, sparse
 * spikes of the last window, per-step counts, envelopes of the window) instead of keeping chunks.
 *
 * What a report shows:
 * - a summary table (recording: file name, format, sensor or sample rate, duration, events and
 *   event rate; network: layers, neurons, spikes and rate per layer, parameters; wall time and
 *   neuron-steps per second);
 * - the input: event recordings as a strip of accumulated event frames at the sensor's aspect
 *   ratio with axes in sensor pixels and a robust ON/OFF colour scale; audio as its waveform and
 *   the cochlea's spectrogram (channel × time); other inputs as traces labelled with their
 *   quantity (input current, value);
 * - per spiking layer a raster of its most active neurons (which and how many, labelled — for a
 *   pixel layout with their pixel and polarity) and its population rate; per non-spiking layer
 *   its outputs; the membrane voltage of neurons of the first spiking layer that get input;
 * - for an event layer laid out as the sensor, its output spikes as frames.
 * Every time panel spans the same window: the last `window` steps of the run (captions say
 * which); the frames span the whole run.
 * @module
 */
import { fromTypedArray, sizeOf, type Tensor } from '../ops/tensor.js';
import { activeRaster } from './activeRaster.js';
import { type EventFrames, eventFrames } from './eventFrames.js';
import { largestIndices } from './largestIndices.js';
import { rate } from './rate.js';
import { type Figure, type FigureOptions, report } from './report.js';
import { type Spectrogram, spectrogram } from './spectrogram.js';
import { type Traces, traces } from './traces.js';

/** A layer of the network, as the report describes it. */
export interface RunReportLayer {
  readonly name: string;
  readonly size: number;
  /** Whether the layer emits spikes (0/1). */
  readonly spiking: boolean;
  /** Whether its outputs are neurons (default true); false for a linear map or another op, whose size is values per step. */
  readonly neuron?: boolean | undefined;
  /** Its parameters, as shown in the summary (e.g. `tauMemInv 100, vTh 1`); none for weights-only layers. */
  readonly parameters?: string | undefined;
}

/** What the report knows before the run. */
export interface RunReportOptions {
  /** The input's file name (not its path) or `built-in demo`. */
  readonly name: string;
  readonly kind: 'demo' | 'events' | 'audio' | 'timeseries' | 'currents';
  /** Time step, seconds. */
  readonly dt: number;
  /** Feature shape of one input step (`[2, H, W]` for events, `[channels]` otherwise). */
  readonly features: readonly number[];
  /** What an input value is, for the y label (default `input`). */
  readonly quantity?: string;
  /** Recording facts for the summary, e.g. `[['format', 'evt2'], ['sensor', '640 × 480 px']]`. */
  readonly recording?: readonly (readonly [string, string])[];
  /** Input gain (binned event counts are divided by it to count events; default 1). */
  readonly gain?: number;
  readonly layers: readonly RunReportLayer[];
  /** Steps of the window shared by the time panels (default 1000). */
  readonly window?: number;
  /** Neurons of a raster (default 48). */
  readonly rasterNeurons?: number;
  /** Audio sample rate, Hz, and samples per step (for the waveform). */
  readonly audio?: { readonly sampleRate: number; readonly hop: number; readonly bands?: readonly number[] };
}

/** What the run measured, given at the end. */
export interface RunReportTotals {
  readonly wallSeconds: number;
  readonly neuronStepsPerSecond: number;
}

/** The report under construction; see the module docs. */
export interface RunReport {
  /** Feeds an input chunk `[T, 1, N]` (after gain). */
  input(chunk: Tensor): void;
  /** Feeds mono audio samples, in order (for the waveform). */
  samples(samples: Float32Array): void;
  /** Feeds the output chunk `[T, 1, N]` of layer `k`. */
  output(k: number, chunk: Tensor): void;
  /** Feeds membrane voltages `[T, 1, N]` of the first spiking layer. */
  voltage(v: Tensor): void;
  /** Adds a figure before the panels (e.g. the demo's seed figure). */
  figure(f: Figure | string, options?: FigureOptions): void;
  /** Steps received. */
  steps(): number;
  /** Spikes of layer `k` so far. */
  spikes(k: number): number;
  /** Input events so far (binned counts over the gain). */
  events(): number;
  /** The report as HTML. */
  toHTML(totals: RunReportTotals): string;
}

/** Picks features `indices` of chunks `[T, B, N]` as `[T, B, indices.length]`. */
const pick = (t: Tensor, indices: readonly number[]): Tensor => {
  const [T, B] = t.shape as [number, number];
  const N = sizeOf(t.shape.slice(2));
  const K = indices.length;
  const out = new Float32Array(T * B * K);
  for (let r = 0; r < T * B; r++) for (let k = 0; k < K; k++) out[r * K + k] = t.data[r * N + (indices[k] as number)] as number;
  return fromTypedArray(out, [T, B, K]);
};

/** A frequency in few digits: `203` → `203`, `1650` → `1.7k`. */
const hz = (f: number): string => (f >= 1000 ? `${+(f / 1000).toPrecision(2)}k` : String(Math.round(f)));

const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k);

/** A number with few digits: `1234567` → `1 234 567`, `0.0123` → `0.0123`. */
const fmt = (v: number, digits = 3): string => {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US').replace(/,/g, ' ');
  const a = Math.abs(v);
  return a >= 100 ? Math.round(v).toLocaleString('en-US').replace(/,/g, ' ') : v.toPrecision(digits);
};

/** Per-step minimum and maximum of the audio samples of the last `window` steps. */
const waveform = (window: number, hop: number) => {
  const lo = new Float32Array(window);
  const hi = new Float32Array(window);
  let step = 0;
  let inStep = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  return {
    push(samples: Float32Array): void {
      for (const s of samples) {
        if (s < min) min = s;
        if (s > max) max = s;
        if (++inStep === hop) {
          lo[step % window] = min;
          hi[step % window] = max;
          step++;
          inStep = 0;
          min = Number.POSITIVE_INFINITY;
          max = Number.NEGATIVE_INFINITY;
        }
      }
    },
    /** The last `steps` steps (ending at `end`) as `[S, 1, 2]` (max, min). */
    tensor(end: number, steps: number): { t: Tensor; from: number } {
      const to = Math.min(end, step);
      const from = Math.max(0, to - Math.min(steps, window));
      const d = new Float32Array((to - from) * 2);
      for (let s = from; s < to; s++) {
        d[(s - from) * 2] = hi[s % window] as number;
        d[(s - from) * 2 + 1] = lo[s % window] as number;
      }
      return { t: fromTypedArray(d, [to - from, 1, 2]), from };
    },
  };
};

/**
 * Starts the report of a run: feed it as the run goes (`input`, `output`, `voltage`, `samples`)
 * and call `toHTML` at the end.
 */
export const runReport = (o: RunReportOptions): RunReport => {
  const dt = o.dt;
  const W = o.window ?? 1000;
  const gain = o.gain ?? 1;
  const N = sizeOf(o.features);
  const sensor = o.kind === 'events' && o.features.length === 3 ? (o.features as unknown as readonly [number, number, number]) : undefined;
  const pixelLabel = (n: number): string => {
    if (sensor === undefined) return String(n);
    const [C, H, Wd] = sensor;
    const c = Math.floor(n / (H * Wd));
    const p = n % (H * Wd);
    return `${p % Wd},${Math.floor(p / Wd)}${C === 2 ? (c === 1 ? ' ON' : ' OFF') : ''}`;
  };
  const extra: { f: Figure | string; options: FigureOptions }[] = [];
  let steps = 0;
  let events = 0;

  const inputFrames: EventFrames | undefined = sensor === undefined ? undefined : eventFrames({ sensor, dt });
  const inputSpectrogram: Spectrogram<Tensor> | undefined =
    o.kind === 'audio'
      ? spectrogram<Tensor>()
          .window(W)
          .dt(dt)
          .height(260)
          .yLabel('cochlea channel (centre Hz)')
          .channelLabels((c) => {
            const f = o.audio?.bands?.[c];
            return f === undefined ? String(c) : hz(f);
          })
          .margin({ left: 64 })
          .title(`Cochlea envelopes, ${N} channels`)
      : undefined;
  const wave = o.kind === 'audio' && o.audio !== undefined ? waveform(W, o.audio.hop) : undefined;
  const inputTraces: Traces<Tensor> | undefined =
    sensor === undefined && o.kind !== 'audio'
      ? traces<Tensor>()
          .value((t) => pick(t, range(Math.min(8, N))))
          .labels(range(Math.min(8, N)).map((k) => `ch ${k}`))
          .window(W)
          .dt(dt)
          .yLabel(o.quantity ?? 'input')
          .title(`Input${N > 8 ? ` (channels 0–7 of ${N})` : ''}`)
      : undefined;

  const layers = o.layers.map((l, k) => {
    const spikes = { n: 0 };
    if (l.spiking) {
      const pixels = k === 0 && sensor !== undefined && l.size === N;
      const bands = k === 0 && o.kind === 'audio' && l.size === N ? o.audio?.bands : undefined;
      return {
        l,
        spikes,
        raster: activeRaster({
          window: W,
          dt,
          count: o.rasterNeurons ?? 48,
          ...(pixels ? { label: pixelLabel, what: 'pixel neurons' } : {}),
          ...(bands !== undefined ? { label: (n: number) => `${n} (${hz(bands[n] ?? 0)})`, what: 'channel neurons' } : {}),
        }),
        rate: rate<Tensor>()
          .window(W)
          .bin('auto')
          .dt(dt)
          .title(`${l.name}: population rate, mean over all ${fmt(l.size)} neurons`),
        frames: pixels && sensor !== undefined ? eventFrames({ sensor, dt }) : undefined,
      };
    }
    return {
      l,
      spikes,
      traces: traces<Tensor>()
        .value((t) => pick(t, range(Math.min(8, l.size))))
        .labels(range(Math.min(8, l.size)).map((j) => `${j}`))
        .window(W)
        .dt(dt)
        .yLabel(`${l.name} output`)
        .title(`${l.name} outputs${l.size > 8 ? ` (0–7 of ${l.size})` : ''}`),
    };
  });
  const first = layers.findIndex((x) => x.l.spiking);
  let voltageNeurons: number[] | undefined;
  const voltage = traces<Tensor>()
    .value((t) => pick(t, voltageNeurons ?? range(Math.min(4, sizeOf(t.shape.slice(2))))))
    .window(W)
    .dt(dt)
    .yLabel('membrane voltage v')
    .threshold(1);

  const self: RunReport = {
    input: (chunk) => {
      const T = chunk.shape[0] as number;
      steps += T;
      let sum = 0;
      for (let q = 0, d = chunk.data; q < d.length; q++) sum += d[q] as number; // indexed: for…of is ~5× slower
      if (sensor !== undefined) {
        events += sum / gain;
        inputFrames?.push(chunk);
        if (voltageNeurons === undefined && sum !== 0) {
          // the voltage panel follows the 4 neurons with the most events in the first chunk that has any
          const counts = new Float64Array(N);
          for (let q = 0, d = chunk.data; q < d.length; q++) {
            const x = d[q] as number;
            if (x !== 0) counts[q % N] = (counts[q % N] as number) + Math.abs(x); // events are sparse: zeros skipped
          }
          voltageNeurons = largestIndices(counts, 4);
        }
      }
      inputSpectrogram?.push(chunk);
      inputTraces?.push(chunk);
    },
    samples: (s) => wave?.push(s),
    output: (k, chunk) => {
      const x = layers[k];
      if (x === undefined) return;
      if (x.l.spiking) {
        let n = 0;
        for (let q = 0, d = chunk.data; q < d.length; q++) n += d[q] as number;
        x.spikes.n += n;
        x.raster?.push(chunk);
        x.rate?.push(chunk);
        x.frames?.push(chunk);
      } else x.traces?.push(chunk);
    },
    voltage: (v) => {
      voltage.push(v);
    },
    figure: (f, options = {}) => {
      extra.push({ f, options });
    },
    steps: () => steps,
    spikes: (k) => layers[k]?.spikes.n ?? 0,
    events: () => events,
    toHTML: (totals) => {
      const seconds = steps * dt;
      const ms = (s: number): string => fmt(+(s * dt * 1000).toPrecision(6));
      const from = Math.max(0, steps - W);
      const windowCaption = `Steps ${fmt(from)}–${fmt(steps)} (t = ${ms(from)}–${ms(steps)} ms${
        from > 0 ? `: the last ${fmt(W)} steps of the run` : ': the whole run'
      }), the same window in every time panel.`;
      const rep = report().title(`spikeflow run: ${o.name}`);
      const rows: [string, string][] = [
        ['input', o.name],
        ...(o.recording ?? []).map(([k, v]) => [k, v] as [string, string]),
        ['duration', `${fmt(seconds)} s (${fmt(steps)} steps of dt = ${fmt(dt * 1000)} ms)`],
      ];
      if (sensor !== undefined) {
        rows.push(['events', fmt(Math.round(events))], ['event rate', `${fmt(seconds > 0 ? events / seconds : 0)} events/s`]);
      }
      o.layers.forEach((l, k) => {
        const x = layers[k];
        const spikes = x?.spikes.n ?? 0;
        rows.push([
          `layer ${k}: ${l.name}`,
          `${fmt(l.size)} ${l.neuron === false ? 'values per step' : 'neurons'}${
            l.spiking
              ? `, ${fmt(spikes)} spikes, mean rate ${fmt(seconds > 0 ? spikes / l.size / seconds : 0)} Hz per neuron`
              : ', non-spiking'
          }${l.parameters === undefined ? '' : `; ${l.parameters}`}`,
        ]);
      });
      rows.push(
        ['neurons', fmt(o.layers.reduce((a, l) => a + (l.neuron === false ? 0 : l.size), 0))],
        ['wall time', `${fmt(totals.wallSeconds)} s`],
        ['speed', `${fmt(totals.neuronStepsPerSecond / 1e6)} M neuron-steps/s`],
      );
      rep.table(rows, { title: 'Summary' });
      for (const e of extra) rep.add(e.f, e.options);

      if (inputFrames !== undefined && sensor !== undefined) {
        const k = inputFrames.pixels();
        rep.row(inputFrames.toSVGs(), {
          title: 'Input events over time',
          caption: `Events per ${k > 1 ? `${k}×${k}-pixel block` : 'pixel'} (ON − OFF: red ON, blue OFF), each frame summing ${fmt(
            inputFrames.stepsPerFrame() * dt * 1000,
          )} ms of the whole recording; the colour scale is shared and clipped at the 99th percentile of the non-zero magnitudes (≥ marks saturation). Axes in sensor pixels.`,
        });
      }
      if (wave !== undefined) {
        const { t, from: wFrom } = wave.tensor(steps, W);
        rep.add(
          traces<Tensor>()
            .window(Math.max(1, t.shape[0] as number))
            .dt(dt)
            .labels(['max', 'min'])
            .colors(['#555', '#999'])
            .yLabel('amplitude')
            .height(200)
            .title('Waveform (min and max of the samples of each step)')
            .advance(wFrom)
            .push(t),
          { title: 'Sound', caption: windowCaption },
        );
      }
      if (inputSpectrogram !== undefined) {
        rep.add(inputSpectrogram, {
          title: 'Cochlea spectrogram',
          caption: `Envelope of each cochlea channel (low bands at the bottom), colour clipped at the 99th percentile. ${windowCaption}`,
        });
      }
      if (inputTraces !== undefined) rep.add(inputTraces, { title: 'Input', caption: windowCaption });
      if (first >= 0 && voltage.buffered().received > 0) {
        const which = voltageNeurons ?? range(4);
        const name = o.layers[first]?.name ?? '';
        rep.add(
          voltage
            .labels(which.map((n) => (first === 0 ? pixelLabel(n) : String(n))))
            .title(
              `${name}: membrane voltage of ${which.length} neurons${sensor !== undefined && voltageNeurons !== undefined ? ' that get events' : ''}`,
            ),
          { title: 'Voltage', caption: `Dashed: the threshold vTh = 1. ${windowCaption}` },
        );
      }
      layers.forEach((x, k) => {
        if (x.raster !== undefined && x.rate !== undefined) {
          const chart = x.raster.chart(`${x.l.name}`).margin({ left: sensor !== undefined && k === 0 ? 84 : 56 });
          const rows = x.raster.selection().neurons.length;
          rep.add(chart.height(Math.max(220, Math.min(600, 60 + rows * 12))), {
            title: `${x.l.name}: raster`,
            caption: `The ${rows} neurons with the most spikes in the window, by index (of ${fmt(x.l.size)}). ${windowCaption}`,
          });
          rep.add(x.rate.height(220), {
            title: `${x.l.name}: rate`,
            caption: `Spikes per neuron per second, averaged over all ${fmt(x.l.size)} neurons of the layer${
              sensor !== undefined && k === 0 ? ' (most pixels see no event, so the mean is low)' : ''
            }. ${windowCaption}`,
          });
        } else if (x.traces !== undefined) {
          rep.add(x.traces, { title: `${x.l.name}: outputs`, caption: windowCaption });
        }
        if (x.frames !== undefined) {
          rep.row(x.frames.toSVGs(), {
            title: `${x.l.name}: output spikes over time`,
            caption: 'Spikes of the pixel neurons (ON − OFF), laid out as the sensor, per stretch of the whole run.',
          });
        }
      });
      return rep.toHTML();
    },
  };
  return self;
};
