/**
 * Microphone demo: sound → spikeflow's cochlea (band-pass filter bank, log-spaced like the places
 * along the cochlea, then rectification and smoothing) → compressed envelopes as input currents →
 * a LIF layer, one neuron per channel → raster and rate. A chirp (a tone sweeping up and down)
 * stands in for the microphone when there is none.
 *
 * Audio samples reach the page through an AudioWorklet; the cochlea turns them into one envelope
 * per simulation step (its hop is `dt` of audio). The envelopes queue up and each animation frame
 * consumes as many steps as it simulates; the queue is capped at 50 ms so the delay stays short.
 * @module
 */
import { type Cochlea, type CochleaState, cochlea, fromTypedArray, type Tensor } from 'spikeflow';
import { spectrogram } from 'spikeflow/viz';
import { controlBar } from '../lib/controls.js';
import { outputCharts, runLive } from '../lib/live.js';
import { byId } from '../lib/page.js';

const CHANNELS = 32;
const MAX_QUEUE_SECONDS = 0.05;

/** The AudioWorklet that hands blocks of samples to the page. */
const CAPTURE = `
class SpikeflowCapture extends AudioWorkletProcessor {
  constructor() { super(); this.buffer = new Float32Array(1024); this.filled = 0; }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      this.buffer.set(ch, this.filled);
      this.filled += ch.length;
      if (this.filled + 128 > this.buffer.length) {
        this.port.postMessage(this.buffer.slice(0, this.filled));
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('spikeflow-capture', SpikeflowCapture);
`;

let sampleRate = 0;
let pendingSamples: Float32Array[] = [];
let bank: { cochlea: Cochlea; state: CochleaState; dt: number } | undefined;
let steps: Float32Array[] = []; // envelope rows waiting to be simulated
let last: Float32Array = new Float32Array(CHANNELS);

/** Runs the samples received since the last frame through the cochlea (rebuilt when dt changes). */
const envelopesFor = (dt: number): void => {
  if (sampleRate === 0) return;
  if (bank === undefined || bank.dt !== dt) {
    const c = cochlea({ sampleRate, channels: CHANNELS, hop: Math.max(1, Math.round(sampleRate * dt)) });
    bank = { cochlea: c, state: c.initialState(), dt };
    steps = [];
  }
  for (const block of pendingSamples) {
    const [env, state] = bank.cochlea.run(block, bank.state);
    bank.state = state;
    const T = env.shape[0] as number;
    for (let t = 0; t < T; t++) steps.push(env.data.slice(t * CHANNELS, (t + 1) * CHANNELS) as Float32Array);
  }
  pendingSamples = [];
};

/** What a running source holds, released by {@link stop}. */
let running: { ctx: AudioContext; stream?: MediaStream } | undefined;

/** Stops the source: closes the audio graph and releases the microphone. */
const stop = async (): Promise<void> => {
  const r = running;
  running = undefined;
  if (r === undefined) return;
  for (const track of r.stream?.getTracks() ?? []) track.stop();
  await r.ctx.close();
  sampleRate = 0;
  pendingSamples = [];
  steps = [];
  last = new Float32Array(CHANNELS);
};

const start = async (kind: 'microphone' | 'chirp'): Promise<string> => {
  const ctx = new AudioContext();
  running = { ctx };
  if (ctx.audioWorklet === undefined) throw new Error('this page needs AudioWorklet (a secure context: https or localhost)');
  const url = URL.createObjectURL(new Blob([CAPTURE], { type: 'text/javascript' }));
  await ctx.audioWorklet.addModule(url);
  URL.revokeObjectURL(url);
  const capture = new AudioWorkletNode(ctx, 'spikeflow-capture');
  capture.port.onmessage = (e: MessageEvent<Float32Array>) => pendingSamples.push(e.data);
  const mute = ctx.createGain();
  mute.gain.value = 0;
  capture.connect(mute).connect(ctx.destination); // pulled by the graph, never heard
  if (kind === 'microphone') {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    running = { ctx, stream };
    ctx.createMediaStreamSource(stream).connect(capture);
  } else {
    const osc = ctx.createOscillator();
    const sweep = ctx.createOscillator();
    const depth = ctx.createGain();
    const level = ctx.createGain();
    osc.frequency.value = 1200;
    sweep.frequency.value = 0.5;
    depth.gain.value = 1000;
    level.gain.value = 0.3;
    sweep.connect(depth).connect(osc.frequency);
    osc.connect(level).connect(capture);
    osc.start();
    sweep.start();
  }
  await ctx.resume();
  sampleRate = ctx.sampleRate;
  return `${kind === 'microphone' ? 'microphone' : 'test chirp 200–2200 Hz'} at ${ctx.sampleRate} Hz → cochlea, ${CHANNELS} channels, 100–${Math.round(Math.min(8000, 0.45 * ctx.sampleRate))} Hz`;
};

const info = byId('source-info');
const button = byId<HTMLButtonElement>('start');
const chirp = document.createElement('button');
chirp.type = 'button';
chirp.textContent = 'Use a test chirp';
button.after(chirp);
const stopButton = document.createElement('button');
stopButton.type = 'button';
stopButton.id = 'stop';
stopButton.textContent = 'Stop';
stopButton.disabled = true;
chirp.after(stopButton);
stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  void stop().then(() => {
    button.disabled = false;
    chirp.disabled = false;
    info.textContent = 'Stopped. The microphone is released; press a button to start again.';
  });
});
for (const [b, kind] of [
  [button, 'microphone'],
  [chirp, 'chirp'],
] as const) {
  b.addEventListener('click', () => {
    button.disabled = true;
    chirp.disabled = true;
    byId('error').textContent = '';
    start(kind)
      .then((text) => {
        info.textContent = text;
        stopButton.disabled = false;
      })
      .catch((e: unknown) => {
        void stop();
        button.disabled = false;
        chirp.disabled = false;
        byId('error').textContent = `Could not start: ${e instanceof Error ? e.message : String(e)}`;
      });
  });
}

const settings$ = controlBar(byId('controls'), { gain: 2, maxGain: 8 });
const charts = outputCharts({ raster: byId('raster'), rates: byId('rates'), width: 520 });
// The filter bank's channels over time (spikeflow's spectrogram sink): axes and labels even before any sound.
const bands = spectrogram<Tensor>().renderer('canvas').window(300).width(360).height(300).yLabel('band').title('cochlea envelopes (√)');
bands(byId('bands'));
let bandsDt = 0;

runLive({
  settings$,
  error: byId('error'),
  input: (frame) => {
    envelopesFor(frame.dt);
    const cap = frame.steps + Math.round(MAX_QUEUE_SECONDS / frame.dt);
    if (steps.length > cap) steps = steps.slice(steps.length - cap);
    // Input current: the square root of each channel's envelope (a compressive loudness scale,
    // as the cochlea compresses), times the gain of the control bar.
    const xs = new Float32Array(frame.steps * CHANNELS);
    for (let t = 0; t < frame.steps; t++) {
      last = steps.shift() ?? last; // hold the last envelope when audio runs late
      for (let c = 0; c < CHANNELS; c++) xs[t * CHANNELS + c] = Math.sqrt(last[c]!);
    }
    const input = fromTypedArray(xs, [frame.steps, 1, CHANNELS]);
    if (bandsDt !== frame.dt) {
      bands.clear().dt(frame.dt);
      bandsDt = frame.dt;
    }
    bands.push(input);
    return input;
  },
  draw: (step) => {
    const T = step.spikes.shape[0] as number;
    charts.push(step.spikes, step.frame.dt);
    byId('status').textContent = `t = ${(step.frame.time + T * step.frame.dt).toFixed(2)} s simulated`;
  },
});
