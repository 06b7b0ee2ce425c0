/**
 * Device-motion demo: the phone's tilt (front-back β, left-right γ) and rotation speed, each read
 * by 16 LIF neurons with Gaussian tuning curves over the axis's range (a population code).
 * On a computer the mouse over the pad stands in for the tilt and its speed for the rotation.
 * @module
 */
import { fromTypedArray } from 'spikeflow';
import { controlBar } from '../lib/controls.js';
import { outputCharts, runLive } from '../lib/live.js';
import { byId } from '../lib/page.js';

const PER_AXIS = 16;
/** The three axes: name and range of values. */
const axes = [
  { name: 'β (front-back tilt, °)', min: -90, max: 90 },
  { name: 'γ (left-right tilt, °)', min: -90, max: 90 },
  { name: 'rotation speed (°/s)', min: 0, max: 360 },
] as const;
const N = PER_AXIS * axes.length;

/** The latest reading of each axis. */
const reading = [0, 0, 0];

/** Input currents: neuron k of an axis prefers value min + k/(PER_AXIS−1)·(max − min). */
const currents = (): Float32Array => {
  const out = new Float32Array(N);
  axes.forEach((axis, a) => {
    const width = (axis.max - axis.min) / (PER_AXIS - 1);
    for (let k = 0; k < PER_AXIS; k++) {
      const preferred = axis.min + k * width;
      const d = (reading[a]! - preferred) / width;
      out[a * PER_AXIS + k] = 0.5 * Math.exp(-0.5 * d * d);
    }
  });
  return out;
};

// The mouse pad: position → tilt, speed → rotation.
const pad = byId<HTMLCanvasElement>('pad');
let last: { x: number; y: number; t: number } | undefined;
pad.addEventListener('pointermove', (e) => {
  const r = pad.getBoundingClientRect();
  const x = (e.clientX - r.left) / r.width;
  const y = (e.clientY - r.top) / r.height;
  reading[0] = (y - 0.5) * 180;
  reading[1] = (x - 0.5) * 180;
  if (last !== undefined && e.timeStamp > last.t) {
    const speed = (Math.hypot(x - last.x, y - last.y) * 180 * 1000) / (e.timeStamp - last.t);
    reading[2] = 0.8 * reading[2]! + 0.2 * Math.min(360, speed);
  }
  last = { x, y, t: e.timeStamp };
});

// Real sensors, after the user asks (iOS needs a permission request from a click).
byId('start').addEventListener('click', async () => {
  const ask = (DeviceOrientationEvent as unknown as { requestPermission?: () => Promise<string> }).requestPermission;
  try {
    if (ask !== undefined && (await ask()) !== 'granted') throw new Error('permission denied');
    window.addEventListener('deviceorientation', (e) => {
      reading[0] = Math.max(-90, Math.min(90, e.beta ?? 0));
      reading[1] = e.gamma ?? 0;
    });
    window.addEventListener('devicemotion', (e) => {
      const r = e.rotationRate;
      if (r !== null) reading[2] = Math.min(360, Math.hypot(r.alpha ?? 0, r.beta ?? 0, r.gamma ?? 0));
    });
    byId('source-info').textContent = 'motion sensors on: tilt the device';
  } catch (err) {
    byId('error').textContent = `Motion sensors unavailable: ${err instanceof Error ? err.message : String(err)}`;
  }
});

const drawPad = (): void => {
  const ctx = pad.getContext('2d')!;
  const { width, height } = pad;
  ctx.fillStyle = '#f3f5f8';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#dde1e7';
  ctx.beginPath();
  ctx.moveTo(width / 2, 0);
  ctx.lineTo(width / 2, height);
  ctx.moveTo(0, height / 2);
  ctx.lineTo(width, height / 2);
  ctx.stroke();
  ctx.fillStyle = '#2f6fde';
  ctx.beginPath();
  ctx.arc(((reading[1]! + 90) / 180) * width, ((reading[0]! + 90) / 180) * height, 6 + reading[2]! / 30, 0, 2 * Math.PI);
  ctx.fill();
};

const settings$ = controlBar(byId('controls'), { gain: 1 });
const charts = outputCharts({ raster: byId('raster'), rates: byId('rates'), width: 520 });

runLive({
  settings$,
  error: byId('error'),
  input: (frame) => {
    drawPad();
    reading[2] = reading[2]! * 0.95; // rotation speed fades when nothing moves
    const c = currents();
    const xs = new Float32Array(frame.steps * N);
    for (let t = 0; t < frame.steps; t++) xs.set(c, t * N);
    return fromTypedArray(xs, [frame.steps, 1, N]);
  },
  draw: (step) => {
    charts.push(step.spikes, step.frame.dt);
    byId('status').textContent = `β ${reading[0]!.toFixed(0)}°, γ ${reading[1]!.toFixed(0)}°, rotation ${reading[2]!.toFixed(0)}°/s`;
  },
});
