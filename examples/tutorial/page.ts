/**
 * The tutorial page: shows each step's code (the same files the Node scripts run), runs it in the
 * browser, and wires the slider of step 4 to a live voltage plot.
 * @module
 */

import type { RunResult } from 'spikeflow';
import { raster, traces } from 'spikeflow/viz';
import { byId, panelWidth, showOutput, tutorialRegion } from '../lib/page.js';
import { tensorsAndShapes } from './01-tensors.js';
import source1 from './01-tensors.ts?raw';
import { linearAndRelu } from './02-linear-relu.js';
import source2 from './02-linear-relu.ts?raw';
import { lifStepByStep } from './03-lif-step.js';
import source3 from './03-lif-step.ts?raw';
import { slider, voltageTrace } from './04-voltage-slider.js';
import source4 from './04-voltage-slider.ts?raw';
import { lifLayer } from './05-lif-layer.js';
import source5 from './05-lif-layer.ts?raw';
import { scalingUp } from './06-scaling-up.js';
import source6 from './06-scaling-up.ts?raw';
import { exercises, runExercise } from './exercises.js';
import { drawLi, drawState, drawStateDiagram } from './illustrations.js';

const sources = [source1, source2, source3, source4, source5, source6];
sources.forEach((s, k) => {
  byId(`code-${k + 1}`).textContent = tutorialRegion(s);
});

showOutput(byId('out-1'), tensorsAndShapes);
showOutput(byId('out-2'), linearAndRelu);
showOutput(byId('out-3'), lifStepByStep);
drawLi(byId('li-input'), byId('li-voltage'), panelWidth(byId('li-input')));
drawStateDiagram(byId('state-diagram'));
drawState(byId('state-plot'), panelWidth(byId('state-plot')));
showOutput(byId('out-5'), lifLayer);

// Step 4: the slider redraws the voltage of one LIF neuron on every input event.
const input = byId<HTMLInputElement>('current');
input.min = String(slider.min);
input.max = String(slider.max);
input.step = String(slider.step);
// The voltage plot: spikeflow's traces sink (d3), drawn as SVG, with the threshold and the spikes.
const chart = traces<RunResult>()
  .renderer('svg')
  .timeUnit('step')
  .window(100)
  .yDomain([0, 1.05])
  .yLabel('membrane voltage v')
  .width(panelWidth(byId('voltage-plot')))
  .height(280)
  .colors(['#2f6fde']);
chart(byId('voltage-plot'));
const redraw = (): void => {
  const current = Number(input.value);
  const trace = voltageTrace(current);
  byId('current-value').textContent = current.toFixed(2);
  byId('spike-count').textContent = `${trace.spikes.length} spikes in 100 steps`;
  chart.threshold(trace.vTh).clear().push(trace.run).draw();
};
input.addEventListener('input', redraw);
redraw();

// Step 6: the raster of 100 neurons over 200 steps.
const result = showOutput(byId('out-6'), (print) => scalingUp(print));
if (result !== undefined) {
  raster()
    .window(result.spikes.shape[0]!)
    .width(panelWidth(byId('raster')))
    .height(320)
    .title('100 neurons, currents 0 (bottom) to 0.5 (top)')(byId('raster'))
    .push(result.spikes)
    .draw();
}

// The exercises: editable cells, each with Run (checks the answer) and Show answer.
const cells = byId('exercise-cells');
for (const exercise of exercises) {
  const cell = document.createElement('div');
  cell.className = 'exercise';
  cell.dataset.exercise = exercise.id;
  const title = document.createElement('h3');
  title.textContent = exercise.title;
  const prompt = document.createElement('p');
  prompt.textContent = exercise.prompt;
  const code = document.createElement('textarea');
  code.className = 'code';
  code.spellcheck = false;
  code.rows = Math.max(3, exercise.answer.split('\n').length + 1);
  code.value = exercise.starter;
  code.setAttribute('aria-label', `${exercise.title}: code`);
  const run = document.createElement('button');
  run.type = 'button';
  run.textContent = 'Run';
  const show = document.createElement('button');
  show.type = 'button';
  show.textContent = 'Show answer';
  const verdict = document.createElement('p');
  verdict.className = 'check';
  verdict.setAttribute('role', 'status');
  run.addEventListener('click', () => {
    const v = runExercise(exercise, code.value);
    verdict.textContent = `${v.ok ? '✓' : '✗'} ${v.message}`;
    verdict.dataset.state = v.ok ? 'right' : 'wrong';
  });
  show.addEventListener('click', () => {
    code.value = exercise.answer;
  });
  cell.append(title, prompt, code, run, show, verdict);
  cells.appendChild(cell);
}
