/**
 * Event-camera replay: a recording (or the synthetic moving bar) replayed in real time; events
 * are binned per step into currents for a LIF layer (one neuron per pooled patch of pixels).
 * Left, a heatmap of the latest events (spikeflow's heatmap sink: ON − OFF per pixel); right, the
 * layer's spikes (raster) and population rate.
 * @module
 */
import { fromTypedArray, type Tensor } from 'spikeflow';
import { heatmap } from 'spikeflow/viz';
import { controlBar } from '../lib/controls.js';
import { binRunsToCells, type EventRun, type EventSource, type Pooling, pooling, runLength, runsOf } from '../lib/events.js';
import { outputCharts, runLive } from '../lib/live.js';
import { movingBar } from '../lib/movingBar.js';
import { byId } from '../lib/page.js';
import { recordingSource } from './recording.js';

const bar = movingBar();
const synthetic: EventSource = { label: 'synthetic moving bar, 64×48', width: bar.width, height: bar.height, between: bar.between };

let source: EventSource = synthetic;
let pool: Pooling = pooling(source.width, source.height);
let sourceStart = 0; // simulated µs at which the current source started replaying
let now = 0; // simulated µs at the end of the last frame
let eventCount = 0;
let spikeCount = 0;
let statusAt = Number.NEGATIVE_INFINITY; // wall ms of the last status line

/**
 * One frame's events as a `[1, 1, 2, h, w]` tensor (channel 0 OFF, 1 ON) of blocks of `k×k` pixels,
 * the heatmap's input: a frame of a megapixel sensor is pooled to at most 160 blocks a side, so a
 * frame costs what its events cost, not what the sensor's pixels do (the axes stay in pixels).
 */
const blockSide = (width: number, height: number): number => Math.max(1, Math.ceil(Math.max(width, height) / 160));
const eventFrame = (runs: readonly EventRun[], width: number, height: number): Tensor => {
  const k = blockSide(width, height);
  const w = Math.ceil(width / k);
  const h = Math.ceil(height / k);
  const data = new Float32Array(2 * w * h);
  for (const { batch, from, to } of runs) {
    const { x, y, p } = batch;
    for (let e = from; e < to; e++) data[(p[e]! > 0 ? w * h : 0) + Math.floor(y[e]! / k) * w + Math.floor(x[e]! / k)]! += 1;
  }
  return fromTypedArray(data, [1, 1, 2, h, w]);
};

// The heatmap sums the last 8 frames (about 130 ms at 60 frames per second).
const heat = heatmap().renderer('canvas').window(8).timeUnit('step').width(360).height(300).title('events (ON red, OFF blue)');
heat(byId('heatmap'));
const charts = outputCharts({ raster: byId('raster'), rates: byId('rates'), width: 520 });
const info = byId('source-info');
const status = byId('status');

const errorBox = byId('error');
const useSource = (s: EventSource): void => {
  errorBox.textContent = ''; // a new action: the last error is answered
  source = s;
  sourceStart = now;
  pool = pooling(s.width, s.height);
  info.textContent = `${s.label} → ${pool.cols}×${pool.rows} = ${pool.neurons} neurons (${pool.pool}×${pool.pool} pixels each)`;
  heat.clear().pixels(blockSide(s.width, s.height));
};
useSource(synthetic);

const settings$ = controlBar(byId('controls'), { gain: 1 });

runLive({
  settings$,
  error: byId('error'),
  input: (frame) => {
    // Replay in real time: the events of the recording's next `steps × dt` seconds.
    const t0 = frame.time * 1e6 - sourceStart;
    const t1 = t0 + frame.steps * frame.dt * 1e6;
    now = (frame.time + frame.steps * frame.dt) * 1e6;
    // the events as views of the source's batches: a frame copies no events
    const runs = runsOf(source, t0, t1);
    eventCount += runLength(runs);
    heat.push(eventFrame(runs, source.width, source.height));
    return fromTypedArray(binRunsToCells(runs, t0, frame.steps, frame.dt, pool), [frame.steps, 1, pool.neurons]);
  },
  draw: (step) => {
    const T = step.spikes.shape[0] as number;
    charts.push(step.spikes, step.frame.dt);
    for (const z of step.spikes.data) spikeCount += z;
    // the status line 4 times a second: a person cannot read it faster, and each change reflows the page
    const wall = performance.now();
    if (wall - statusAt < 250) return;
    statusAt = wall;
    const t = step.frame.time + T * step.frame.dt;
    const lap = source.lap?.(t * 1e6 - sourceStart);
    const replay =
      lap === undefined || lap.duration === 0
        ? ''
        : `, recording lap ${lap.lap} (${(lap.duration / 1000).toFixed(1)} ms long, replayed in a loop with a 0.2 s gap)`;
    status.textContent = `t = ${t.toFixed(2)} s simulated, ${eventCount} events in, ${spikeCount} spikes out${replay}`;
  },
});

// Source choice: the synthetic bar, or a recording decoded incrementally as the replay advances.
const select = byId<HTMLSelectElement>('source');
const file = byId<HTMLInputElement>('file');
let recording: EventSource | undefined;
// Replay from the start: the same file, reopened.
const replay = document.createElement('button');
replay.type = 'button';
replay.id = 'replay';
replay.textContent = 'Replay from the start';
replay.hidden = true;
file.closest('label')?.after(replay);
replay.addEventListener('click', () => file.dispatchEvent(new Event('change')));
select.addEventListener('change', () => useSource(select.value === 'file' && recording !== undefined ? recording : synthetic));
file.addEventListener('change', () => {
  const f = file.files?.[0];
  if (f === undefined) return;
  errorBox.textContent = '';
  recordingSource(f)
    .then((r) => {
      recording = r;
      if (select.querySelector('option[value=file]') === null) select.append(new Option('recording', 'file'));
      select.value = 'file';
      replay.hidden = false;
      useSource(r);
    })
    .catch((e: unknown) => {
      // stays until the next action (another file, another source)
      errorBox.textContent = `Could not open ${f.name}: ${e instanceof Error ? e.message : String(e)}`;
    });
});
