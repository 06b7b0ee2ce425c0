/**
 * The per-neuron update of a population, written as a {@link NeuronUpdate} in the kernel
 * language (`src/ops/update/`), so that the kernel front end lowers it like any model: to the
 * `js` loop (`compileUpdate`) and to WebAssembly SIMD (`compileWasmUpdate`), bit for bit equal.
 *
 * The model's own update is wrapped with the population's ports and refractoriness. Per neuron
 * and step, with `in_p` the weights arriving on port `p` at this step (the ring buffer's row):
 * ```
 * current p:      g_j = R(g_p + in_p);  g_p ← R(g_j·decay_p);  x ← R(x + g_j)
 * conductance p:  g_j = R(g_p + in_p);  g_p ← R(g_j·decay_p);  x ← R(x + R(g_j·R(E_p − v)))
 * if ref > 0:     ref ← R(ref − 1), state held, no spike   (delta input dropped, as NEST's iaf_psc_delta)
 * else:           target += in_p (delta ports); the model's update with input x; on a spike ref ← refSteps
 * ```
 * `x` starts at the external current `ext`. Inputs are `$ext` and one `$in_<port>` per port;
 * the state is the model's state, one `$g_<port>` per current/conductance port and `$ref`; the
 * parameters are the model's, then `$d_<port>`, `$E_<port>` and `$refSteps`; the output `$z`.
 * @module
 */
import type { NeuronModel } from '../neurons/model.js';
import type { NeuronUpdate } from '../ops/update/ir.js';

/**
 * How a port's state decays over a step: `exact` (default) multiplies by `e^{−dt/τ}`; `euler`
 * by `1 − dt/τ`, as Brian2's `method='euler'` integrates `dg/dt = −g/τ` (the decay of a time
 * constant `−dt/ln(1 − dt/τ)`, 1 % shorter at dt/τ = 0.02).
 */
export type PortDecay = 'exact' | 'euler';

/** A synaptic input port: how the weights of arriving spikes act on the neuron. */
export type PortSpec =
  /** Exponential current (in the model's input units): jumps by the weight, decays with `tau` seconds. */
  | { readonly kind: 'current'; readonly tau: number; readonly decay?: PortDecay }
  /** Exponential conductance (relative to the leak): drives `g·(reversal − v)`, decays with `tau` seconds. */
  | { readonly kind: 'conductance'; readonly tau: number; readonly reversal: number; readonly decay?: PortDecay }
  /** Delta synapse: the weight is added to a state variable (default the voltage) at once. */
  | { readonly kind: 'delta'; readonly target?: string };

/** Names of a population update's parts (in the update's orders). */
export interface PopulationUpdateLayout {
  /** Index of each port's input in `update.inputs` (after `$ext` at 0). */
  readonly portInput: readonly number[];
  /** Index of each current/conductance port's state in `update.state` (−1 for delta ports). */
  readonly portState: readonly number[];
  /** Index of `$ref` in `update.state`. */
  readonly refState: number;
  /** Number of the model's own parameters (first in `update.params`). */
  readonly modelParams: number;
}

const cache = new Map<string, { update: NeuronUpdate; layout: PopulationUpdateLayout }>();

/**
 * The population update of `model` with `ports` (see the module docs). Cached by its text, so
 * equal populations share one update object (and its compiled loops).
 * @param model - a feed-forward spiking model
 * @param ports - the ports in order, with their names
 * @param voltage - the state variable conductance and delta ports act on by default
 * @throws UpdateSyntaxError (when compiled) if the model's update is outside the kernel language
 */
export const populationUpdate = (
  model: NeuronModel,
  ports: readonly { readonly name: string; readonly spec: PortSpec }[],
  voltage: string,
): { readonly update: NeuronUpdate; readonly layout: PopulationUpdateLayout } => {
  const k = model.update;
  const inputs = ['$ext', ...ports.map((p) => `$in_${p.name}`)];
  const portState: number[] = ports.map(() => -1);
  const state = [...k.state];
  ports.forEach((p, j) => {
    if (p.spec.kind === 'delta') return;
    portState[j] = state.length;
    state.push(`$g_${p.name}`);
  });
  const refState = state.length;
  state.push('$ref');
  const params = [...k.params, ...ports.flatMap((p) => [`$d_${p.name}`, `$E_${p.name}`]), '$refSteps'];
  const lines: string[] = ['let $x = $ext;'];
  for (const p of ports) {
    if (p.spec.kind === 'delta') continue;
    const g = `$g_${p.name}`;
    lines.push(`const $gj_${p.name} = R(${g} + $in_${p.name});`, `${g} = R($gj_${p.name} * $d_${p.name});`);
    lines.push(p.spec.kind === 'current' ? `$x = R($x + $gj_${p.name});` : `$x = R($x + R($gj_${p.name} * R($E_${p.name} - ${voltage})));`);
  }
  lines.push('let $z = 0;', 'if ($ref > 0) {', '  $ref = R($ref - 1);', '} else {');
  for (const p of ports) {
    if (p.spec.kind !== 'delta') continue;
    const target = p.spec.target ?? voltage;
    lines.push(`  ${target} = R(${target} + $in_${p.name});`);
  }
  lines.push(`  const ${k.inputs[0] as string} = $x;`);
  for (const extra of k.inputs.slice(1)) lines.push(`  const ${extra} = 0;`);
  lines.push('  {', k.body, `    $z = ${k.output};`, '  }', '  if ($z > 0) {', '    $ref = $refSteps;', '  }', '}');
  const body = lines.join('\n');
  const name = `population_${k.name}`;
  const key = JSON.stringify([name, inputs, state, params, body]);
  let hit = cache.get(key);
  if (hit === undefined) {
    const update: NeuronUpdate = Object.freeze({ name, inputs, state, params, output: '$z', body });
    hit = {
      update,
      layout: Object.freeze({ portInput: ports.map((_, j) => j + 1), portState, refState, modelParams: k.params.length }),
    };
    cache.set(key, hit);
  }
  return hit;
};
