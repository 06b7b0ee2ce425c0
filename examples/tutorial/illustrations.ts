/**
 * The notebook's two illustrations, drawn with spikeflow's own sinks: how a leaky integrator (LI)
 * neuron behaves in time under a constant input of 0.1 and under a sawtooth input between −0.1 and
 * 0.1, and how state is carried from step to step (`[out, state] = step(x, state)`): the step's
 * state diagram (boxes and arrows labelled with Norse's equations) and the state plotted step by step.
 * @module
 */
import { fromTypedArray, li, lif, type Tensor } from 'spikeflow';
import { stepDiagram, traces } from 'spikeflow/viz';

/** Inputs `[T, 1, 2]`: neuron 0 a constant 0.1, neuron 1 a sawtooth rising from −0.1 to 0.1 every `period` steps. */
export const liInputs = (T = 200, period = 50): Tensor => {
  const d = new Float32Array(T * 2);
  for (let t = 0; t < T; t++) {
    d[2 * t] = 0.1;
    d[2 * t + 1] = -0.1 + (0.2 * (t % period)) / (period - 1);
  }
  return fromTypedArray(d, [T, 1, 2]);
};

/** Draws the LI illustration (input above, voltage below) into `inputHost` and `voltageHost`, each `width` CSS pixels wide. */
export const drawLi = (inputHost: HTMLElement, voltageHost: HTMLElement, width: number): { input: Tensor; v: Tensor } => {
  const xs = liInputs();
  const [v] = li.run({}, 0.001)(xs);
  const labels = ['constant 0.1', 'sawtooth −0.1…0.1'];
  const colors = ['#2f6fde', '#d1495b'];
  const T = xs.shape[0] as number;
  const input = traces<Tensor>()
    .renderer('svg')
    .window(T)
    .width(width)
    .height(180)
    .colors(colors)
    .labels(labels)
    .yLabel('input x')
    .title('input');
  input(inputHost).push(xs).draw();
  const voltage = traces<Tensor>()
    .renderer('svg')
    .window(T)
    .width(width)
    .height(220)
    .colors(colors)
    .labels(labels)
    .yLabel('LI voltage v')
    .title('a leaky integrator follows its input, smoothed: it never spikes');
  voltage(voltageHost).push(v).draw();
  return { input: xs, v };
};

/**
 * Draws how state is carried: one LIF neuron under a constant input of 0.3, stepped 60 times by
 * hand, each step's state `{ v, i }` fed to the next; the traces show `i` and `v` and the spikes.
 */
export const drawState = (host: HTMLElement, width: number): number => {
  const T = 60;
  const step = lif.step({}, 0.001);
  let state: Parameters<typeof step>[1];
  const rows = new Float32Array(T * 2);
  const spikes = new Float32Array(T * 2);
  for (let t = 0; t < T; t++) {
    const [z, next] = step(fromTypedArray(Float32Array.of(0.3), [1, 1]), state);
    state = next;
    rows[2 * t] = next.i.data[0] as number;
    rows[2 * t + 1] = next.v.data[0] as number;
    spikes[2 * t + 1] = z.data[0] as number;
  }
  const chart = traces<Tensor>()
    .renderer('svg')
    .window(T)
    .timeUnit('step')
    .width(width)
    .height(240)
    .threshold(1)
    .labels(['state.i', 'state.v'])
    .colors(['#7a5195', '#2f6fde'])
    .spikes(() => fromTypedArray(spikes, [T, 1, 2]))
    .yLabel('state')
    .title('[out, state] = step(x, state): each step reads the last state and returns the next');
  chart(host)
    .push(fromTypedArray(rows, [T, 1, 2]))
    .draw();
  return Array.from(spikes).reduce((a, b) => a + b, 0);
};

/**
 * Draws the state diagram of LIF's step (`[z, state] = lif.step(p, dt)(x, state)`) into `host`:
 * boxes for x, i, v (steps t and t+1) and z, arrows labelled with the update equations. The SVG
 * scales to the panel's width.
 */
export const drawStateDiagram = (host: HTMLElement): SVGSVGElement => {
  stepDiagram(lif)(host);
  const svg = host.querySelector('svg.state-diagram') as SVGSVGElement;
  svg.style.width = '100%';
  svg.style.height = 'auto';
  return svg;
};
