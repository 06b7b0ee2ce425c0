/**
 * The state diagram of a neuron model's step, `[out, state] = model.step(p, dt)(x, state)`: boxes
 * for the input, each state variable at step t and t+1 and the output; arrows labelled with the
 * update equations of Norse's feed-forward step functions (`lif_feed_forward_step`,
 * `li_feed_forward_step`) for LIF and LI, and a generic "step" arrow per state variable for the
 * other models. The state at t+1 is fed back (dashed) as the next step's state.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { type DiagramEdge, type DiagramNode, type StateDiagram, stateDiagram } from './stateDiagram.js';

/** What {@link stepDiagram} reads of a model (a `NeuronModel` has it). */
export interface SteppedModel {
  /** Short id, e.g. `lif`. */
  readonly id: string;
  /** State variable names in Norse's order, e.g. `['v', 'i']`. */
  readonly stateNames: readonly string[];
  /** Output name, `z` (spikes) or `out`. */
  readonly outputName: string;
}

const NOTES: Readonly<Record<string, string>> = { v: 'membrane voltage', i: 'synaptic current', z: 'spikes (0 or 1)', x: 'input current' };

/** Norse's equations, per model id: arrow labels keyed `from>to` (′ marks step t+1; the boxes' notes say t and t+1). */
const EQUATIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  lif: {
    'x>i′': '+ x',
    'i>i′': 'i′ = i − dt·τsyn⁻¹·i + x',
    'v>v′': 'v′ = v + dt·τmem⁻¹·(vleak − v + i)',
    'i>v′': 'drives v',
    'v′>z': 'z = Θ(v′ − vth), v′ ← vreset if z',
  },
  li: {
    'x>i′': '+ x',
    'i>i′': 'i′ = i − dt·τsyn⁻¹·i + x',
    'v>v′': 'v′ = v + dt·τmem⁻¹·(vleak − v + i)',
    'i>v′': 'drives v',
    'v′>out': 'out = v′',
  },
};

/**
 * The diagram of `model`'s step (see the module docs), 900 pixels wide by default; set its size,
 * title or boxes with the returned component's accessors, draw it with `(element)` or `toSVG()`.
 * @throws SpikeflowError when `model` has no `id`, `stateNames` or `outputName`
 */
export const stepDiagram = (model: SteppedModel): StateDiagram => {
  if (typeof model?.id !== 'string' || !Array.isArray(model.stateNames) || typeof model.outputName !== 'string') {
    throw new SpikeflowError(
      'stepDiagram',
      'model',
      `model must be a neuron model ({ id, stateNames, outputName }), received ${show(model)}`,
    );
  }
  // rows in the order the input flows through them: the current i (when there is one) before v
  const states = [...model.stateNames].sort((a, b) => (a === 'i' ? -1 : b === 'i' ? 1 : 0));
  const out = model.outputName;
  const rows = states.length;
  const nodes: DiagramNode[] = [{ id: 'x', label: 'x', note: `${NOTES.x}, t`, kind: 'input', col: 1, row: 0 }];
  states.forEach((s, k) => {
    nodes.push({ id: s, label: s, note: `${NOTES[s] ?? 'state'}, t`, kind: 'state', col: 0, row: k + 1 });
    nodes.push({ id: `${s}′`, label: `${s}′`, note: `${NOTES[s] ?? 'state'}, t+1`, kind: 'state', col: 2, row: k + 1 });
  });
  const last = states[rows - 1] as string;
  nodes.push({ id: out, label: out, note: NOTES[out] ?? 'output', kind: 'output', col: 4, row: rows });
  const eq = EQUATIONS[model.id];
  const edges: DiagramEdge[] = [];
  if (eq !== undefined) {
    // the model's own equations: every arrow present in the table, in Norse's order
    for (const [key, label] of Object.entries(eq)) {
      const [from, to] = key.split('>') as [string, string];
      edges.push({ from, to, label });
    }
  } else {
    // any other model: each state variable is stepped; the input enters the first, the output leaves the last
    edges.push({ from: 'x', to: `${states[0] ?? last}′`, label: '+ x' });
    for (const s of states) edges.push({ from: s, to: `${s}′`, label: `${s}′ = step(${states.join(', ')}, x)` });
    edges.push({ from: `${last}′`, to: out, label: `${out} = f(${states.map((s) => `${s}′`).join(', ')})` });
  }
  edges.push({
    from: `${last}′`,
    to: last,
    label: `(${states.map((s) => `${s}′`).join(', ')}) is the next step's state`,
    route: 'below',
    dashed: true,
  });
  return stateDiagram()
    .nodes(nodes)
    .edges(edges)
    .width(900)
    .height(120 + 90 * rows)
    .title(`[${out}, state] = ${model.id}.step(p, dt)(x, state) — one step; state = { ${states.join(', ')} }`);
};
