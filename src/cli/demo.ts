/**
 * The built-in demo of `npm start` / `spikeflow demo`: the seed tutorial's LIF neurons under
 * constant currents, and a small LIF → Linear → LI network on seeded random input. Returns the
 * summary text.
 * @module
 */
import { li } from '../neurons/li.js';
import { lif } from '../neurons/lif.js';
import { linearLayer, neuron, sequential } from '../neurons/sequential.js';
import { linearInit } from '../ops/linear.js';
import { seededGenerator, uniforms } from '../ops/random.js';
import { at, fromTypedArray } from '../ops/tensor.js';

const count = (data: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < data.length; k++) s += data[k] as number;
  return s;
};

/** Runs the demo and returns a human-readable summary. */
export const runDemo = (): string => {
  const lines: string[] = ['spikeflow demo', ''];
  const dt = 0.001;

  // 1. The seed figure: one LIF neuron per constant current, 100 steps.
  const currents = [0, 0.1, 0.3];
  const T = 100;
  const xs = new Float32Array(T * currents.length);
  for (let t = 0; t < T; t++) xs.set(currents, t * currents.length);
  const [z, , rec] = lif.run({}, dt, { record: true })(fromTypedArray(xs, [T, 1, currents.length]));
  lines.push(`LIF neurons under constant input currents, ${T} steps of dt = ${dt * 1000} ms:`);
  currents.forEach((c, n) => {
    let spikes = 0;
    let vmax = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < T; t++) {
      spikes += at(z, t, 0, n);
      vmax = Math.max(vmax, at(rec!.v, t, 0, n));
    }
    lines.push(
      `  current ${c.toFixed(1)}: ${spikes} spikes, peak voltage ${vmax.toFixed(4)}, final voltage ${at(rec!.v, T - 1, 0, n).toFixed(4)}`,
    );
  });

  // 2. A small network on seeded random currents.
  const N = 1000;
  const steps = 1000;
  const [u] = uniforms(seededGenerator(1), steps * N);
  const input = new Float32Array(steps * N);
  for (let k = 0; k < input.length; k++) input[k] = 0.6 * (u[k] as number);
  const net = sequential(neuron(lif, {}, dt, { record: false }), linearLayer(linearInit(N, 10, { seed: 2 })), neuron(li, {}, dt));
  const start = performance.now();
  const [out, , layers] = net.run(fromTypedArray(input, [steps, 1, N]));
  const wall = (performance.now() - start) / 1000;
  const spikes = count((layers as readonly { data: Float32Array }[])[0]!.data);
  lines.push('');
  lines.push(
    `Network LIF(${N}) → Linear(${N}→10) → LI(10) on uniform input in [0, 0.6), ${steps} steps (${(steps * dt).toFixed(1)} s simulated):`,
  );
  lines.push(`  LIF spikes: ${spikes} (mean rate ${(spikes / N / (steps * dt)).toFixed(1)} Hz)`);
  lines.push(`  LI output after the last step: ${Array.from(out.data.slice(-10), (v) => v.toFixed(3)).join(' ')}`);
  lines.push(`  wall time ${(wall * 1000).toFixed(1)} ms, ${((N * steps) / wall / 1e6).toFixed(1)} M LIF neuron-steps/s`);
  return `${lines.join('\n')}\n`;
};
