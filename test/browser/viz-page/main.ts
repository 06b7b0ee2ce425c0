/**
 * Test page: streams a LIF network of 10 000 neurons (1 000 steps, chunks of 10 steps) into every
 * live sink, and exposes what the browser test checks on `window.__viz`.
 */
import { interval, map, scan, take } from 'rxjs';
import { lif } from '../../../src/neurons/lif.js';
import type { NeuronState } from '../../../src/neurons/model.js';
import { fromTypedArray, type Tensor } from '../../../src/ops/tensor.js';
import { byLayer } from '../../../src/viz/colors.js';
import { heatmap } from '../../../src/viz/heatmap.js';
import { raster } from '../../../src/viz/raster.js';
import { rate } from '../../../src/viz/rate.js';
import { traces } from '../../../src/viz/traces.js';

const N = 10_000;
const STEPS = 1000;
const CHUNK = 10;
const SILENT = 9000; // neurons 9000..9999 get no input: a blank band at the top of the raster
const SMALL = 20; // the small raster shows neurons 0..19 over the last SMALL_WINDOW steps
const SMALL_WINDOW = 300;
const TRACED = [1, 2, 3];
const TRACE_WINDOW = 200;

/** Constant input per neuron (0.25 ... 0.55), none for the silent block. */
const current = new Float32Array(N);
for (let n = 0; n < N; n++) current[n] = n >= SILENT ? 0 : 0.25 + (0.3 * ((n * 7919) % 1000)) / 1000;
const inputChunk = (): Tensor => {
  const d = new Float32Array(CHUNK * N);
  for (let t = 0; t < CHUNK; t++) d.set(current, t * N);
  return fromTypedArray(d, [CHUNK, 1, N]);
};

/** The first `k` neurons of a `[T, 1, N]` chunk, as `[T, 1, k]`. */
const firstNeurons = (z: Tensor, k: number): Tensor => {
  const T = z.shape[0] as number;
  const out = new Float32Array(T * k);
  for (let t = 0; t < T; t++) out.set(z.data.subarray(t * N, t * N + k), t * k);
  return fromTypedArray(out, [T, 1, k]);
};

type Run = readonly [Tensor, NeuronState<'v' | 'i'>, NeuronState<'v' | 'i'>?];

const dense = raster<Run>()
  .title('10 000 LIF neurons (canvas)')
  .window(1000)
  .color(
    byLayer([
      { size: SILENT, name: 'driven' },
      { size: N - SILENT, name: 'silent' },
    ]),
  );
const small = raster<Run>()
  .title('neurons 0-19 (SVG)')
  .window(SMALL_WINDOW)
  .value((d) => firstNeurons(d[0], SMALL));
const volt = traces<Run>().title('v of neurons 1-3').window(TRACE_WINDOW).neurons(TRACED).threshold(1).labels(['n1', 'n2', 'n3']);
const psth = rate<Run>().title('population rate').bin(10);
const frame = heatmap<Run>().title('spikes over a 100 × 100 frame').frame([100, 100]).window(50).width(640).height(300);
dense(document.getElementById('dense') as HTMLElement);
small(document.getElementById('small') as HTMLElement);
volt(document.getElementById('traces') as HTMLElement);
psth(document.getElementById('rate') as HTMLElement);
frame.attach(document.getElementById('heatmap') as HTMLElement);

// Bookkeeping for the test, computed from the spikes themselves.
let smallSpikes = 0;
let tracedSpikes = 0;
const lastSpikes: [number, number][] = [];
let step = 0;
const chunkTimes: number[] = [];
const run = lif.run({}, 0.001, { record: true });

interval(0)
  .pipe(
    take(STEPS / CHUNK),
    map(inputChunk),
    scan<Tensor, Run | undefined>((prev, xs) => run(xs, prev?.[1]) as Run, undefined),
    map((r) => r as Run),
    map((r) => {
      chunkTimes.push(performance.now());
      const z = r[0].data;
      for (let t = 0; t < CHUNK; t++, step++) {
        if (step >= STEPS - SMALL_WINDOW) for (let n = 0; n < SMALL; n++) smallSpikes += z[t * N + n] as number;
        if (step >= STEPS - TRACE_WINDOW) for (const n of TRACED) tracedSpikes += z[t * N + n] as number;
        if (step >= STEPS - 20) for (let n = 0; n < SILENT; n += 37) if (z[t * N + n] === 1) lastSpikes.push([step, n]);
      }
      return r;
    }),
    small.tap(),
    volt.tap(),
    psth.tap(),
    frame.tap(),
  )
  .subscribe(dense.observer());

// A burst: 500 chunks pushed in one task reach a live sink as one frame.
const burst = raster().title('burst of 500 chunks').height(160);
burst(document.getElementById('burst') as HTMLElement);
for (let k = 0; k < 500; k++)
  burst.push(
    fromTypedArray(
      Float32Array.from({ length: 20 }, (_, n) => ((k + n) % 5 === 0 ? 1 : 0)),
      [1, 1, 20],
    ),
  );

declare global {
  interface Window {
    __viz: unknown;
  }
}
window.__viz = {
  charts: { dense, small, volt, psth, frame, burst },
  chunkTimes,
  /** 10 steps of random spikes (p = 0.125) over all neurons, for timing a frame with new data. */
  spikeChunk: () =>
    fromTypedArray(
      Float32Array.from({ length: CHUNK * N }, () => (Math.random() < 0.125 ? 1 : 0)),
      [CHUNK, 1, N],
    ),
  expected: () => ({ steps: STEPS, smallSpikes, tracedSpikes, lastSpikes, silentFrom: SILENT, neurons: N }),
  dense,
};
