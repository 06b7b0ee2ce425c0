/**
 * Brunel (2000) live: the network runs in real time (as many 0.1 ms steps per animation frame as
 * wall time has passed, at most 50 ms' worth), its E spikes drawn by spikeflow's raster and rate
 * sinks, with sliders for g and ν_ext/ν_thr. A slider rebuilds the network with the same seed
 * (same connectivity, new weights and drive) and carries the state over, so the activity moves
 * from one regime to the next without a restart.
 * @module
 */
import { animationFrames, filter, map, scan } from 'rxjs';
import type { NetworkChunk, NetworkState, SpikeList, SpikingNetwork } from '../../src/networks/index.js';
import { binnedRate, brunelNetwork, classifyBrunel, isiCv, meanRate, rateSpectrum, synchrony } from '../../src/networks/index.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { raster, rate } from '../../src/viz/index.js';
import { byId } from '../lib/page.js';
// The threads backend: the populations step as WebAssembly SIMD in the page (`auto` takes it).
import '../../src/threads.js';

const dt = 1e-4;
const SHOWN = 300;
const sizes = { small: { nE: 1000, cE: 250, j: 0.4 }, paper: { nE: 4000, cE: 400, j: 0.25 } } as const;

const gInput = byId<HTMLInputElement>('g');
const nuInput = byId<HTMLInputElement>('nu');
const sizeInput = byId<HTMLSelectElement>('size');
let playing = true;
byId('play').addEventListener('click', () => {
  playing = !playing;
  byId('play').textContent = playing ? 'Pause' : 'Play';
});

let net: SpikingNetwork | undefined;
let state: NetworkState | undefined;
let key = '';
const build = (): SpikingNetwork => {
  const size = sizes[sizeInput.value as keyof typeof sizes];
  const g = Number(gInput.value);
  const nu = Number(nuInput.value);
  byId('g-value').textContent = g.toFixed(1);
  byId('nu-value').textContent = nu.toFixed(1);
  const k = `${g}/${nu}/${sizeInput.value}`;
  if (net === undefined || k !== key) {
    const sizeChanged = !key.endsWith(`/${sizeInput.value}`);
    net = brunelNetwork({ ...size, g, nuExtOverNuThr: nu, seed: 1 });
    if (sizeChanged) state = undefined;
    key = k;
  }
  return net;
};

const rasterChart = raster<Tensor>().renderer('canvas').window(5000).dt(dt).width(640).height(300).title(`spikes of ${SHOWN} E neurons`);
// The rate plot takes every E neuron, not only the SHOWN ones of the raster: it is fed one column
// holding the fraction of E neurons that spiked at each step, so a 1 ms bar is the mean rate per E
// neuron in Hz (`rate`'s Hz unit divides by neurons · steps · dt, and there is one "neuron").
const rateChart = rate<Tensor>()
  .window(5000)
  .bin(10)
  .dt(dt)
  .width(640)
  .height(200)
  .title('E population rate, all E neurons (Hz, 1 ms bins)')
  .color('#2f6fde');
rasterChart(byId('raster'));
rateChart(byId('rates'));

/** Recent E spikes (last 0.5 s) for the measures. */
const recent: NetworkChunk[] = [];

const shown = (c: NetworkChunk): Tensor => {
  const d = new Float32Array(c.steps * SHOWN);
  const s = c.spikes.E as SpikeList;
  for (let q = 0; q < s.i.length; q++)
    if ((s.i[q] as number) < SHOWN) d[((s.step[q] as number) - c.start) * SHOWN + (s.i[q] as number)] = 1;
  return fromTypedArray(d, [c.steps, 1, SHOWN]);
};

/** Fraction of the E population spiking at each step of a chunk, `[steps, 1, 1]`. */
const eFraction = (c: NetworkChunk): Tensor => {
  const n = net?.populations[0]?.n ?? 1;
  const f = new Float32Array(c.steps);
  const s = c.spikes.E as SpikeList;
  for (let q = 0; q < s.step.length; q++) {
    const k = (s.step[q] as number) - c.start;
    f[k] = (f[k] ?? 0) + 1 / n;
  }
  return fromTypedArray(f, [c.steps, 1, 1]);
};

const measures = (): string => {
  const n = net?.populations[0]?.n ?? 1;
  const steps = recent.reduce((a, c) => a + c.steps, 0);
  if (steps < 1000) return '';
  const start = recent[0]?.start ?? 0;
  const total = recent.reduce((a, c) => a + (c.spikes.E?.i.length ?? 0), 0);
  const i = new Int32Array(total);
  const step = new Int32Array(total);
  let at = 0;
  for (const c of recent) {
    i.set((c.spikes.E as SpikeList).i, at);
    step.set((c.spikes.E as SpikeList).step, at);
    at += (c.spikes.E as SpikeList).i.length;
  }
  const s = { i, step };
  const m = {
    rate: meanRate(s, n, steps * dt),
    cv: isiCv(s, n),
    synchrony: synchrony(s, n, 20, start, steps, Math.min(n, 1000)),
    peak: rateSpectrum(binnedRate(s, n, dt, 5, start, steps), 5 * dt).peak,
  };
  const r = classifyBrunel(m);
  return `E rate ${m.rate.toFixed(1)} Hz · CV ${m.cv.toFixed(2)} · synchrony χ ${m.synchrony.toFixed(2)} · spectral peak ${m.peak.toFixed(0)} Hz → ${r.regime}`;
};

animationFrames()
  .pipe(
    scan((acc, f) => ({ last: f.elapsed, wall: Math.min(0.05, (f.elapsed - acc.last) / 1000) }), { last: 0, wall: 0 }),
    filter(() => playing),
    map((f) => Math.max(1, Math.round(f.wall / dt))),
  )
  .subscribe({
    next: (steps) => {
      try {
        const n = build();
        const [chunk, next] = n.run(steps, state);
        state = next;
        const t = shown(chunk);
        rasterChart.push(t);
        rateChart.push(eFraction(chunk));
        recent.push(chunk);
        let kept = recent.reduce((a, c) => a + c.steps, 0);
        while (kept > 5000 && recent.length > 1) kept -= (recent.shift() as NetworkChunk).steps;
        byId('status').textContent = `t = ${(next.step * dt).toFixed(2)} s · ${measures()}`;
      } catch (e) {
        byId('error').textContent = e instanceof Error ? e.message : String(e);
        playing = false;
      }
    },
  });
for (const input of [gInput, nuInput, sizeInput]) input.addEventListener('input', () => build());
build();
