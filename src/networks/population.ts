/**
 * Populations: `N` neurons of one model (a built-in Norse model or any `defineModel` model) with
 * per-neuron parameters, initial state drawn from seeded distributions, a refractory period in
 * seconds and named synaptic input ports with their own dynamics.
 *
 * A population's step is one per-neuron update in the kernel language (`populationUpdate.ts`),
 * which the kernel front end lowers to the `js` loop or to WebAssembly SIMD: per neuron and step
 * ```
 * for each port:   s ← s + in(t)                       (the weights that arrive at this step)
 *                  current:      x += s,        s ← s·e^{−dt/τ}  (each operation rounded to float32)
 *                  conductance:  x += s·(E − v), s ← s·e^{−dt/τ}
 *                  delta:        v += in(t)     (dropped while refractory, as NEST's iaf_psc_delta)
 * if refractory:   counter −1, no update, no spike (the model's state is held, e.g. v at v_reset)
 * else:            the model's own update with input x (plus external currents), e.g. LIF
 *                  on a spike: counter ← round(t_ref/dt) − 1, the spike index is recorded
 * ```
 * so a neuron that spikes at step s can spike again at step s + round(t_ref/dt) at the earliest
 * (Brian2's `refractory` with `(unless refractory)`).
 * Parameters that are per neuron (lists, tensors or distributions) must be parameters the model's
 * kernel reads by the same name (e.g. `tauMemInv`, `vTh`); the others are scalars as for the model.
 * @module
 */
import type { NeuronModel, ParamValue } from '../neurons/model.js';
import { errorDetail, offendingKey, SpikeflowError, show } from '../ops/errors.js';
import type { NeuronUpdate } from '../ops/update/ir.js';
import { checkOptions, checkPositiveInteger } from '../ops/validate.js';
import { isDistribution, listOf, resolveValues, type Values } from './distributions.js';
import type { RngState } from './fastRandom.js';
import { type PopulationUpdateLayout, type PortDecay, type PortSpec, populationUpdate } from './populationUpdate.js';

export type { PortDecay, PortSpec } from './populationUpdate.js';

const positiveSeconds = (where: string, argument: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new SpikeflowError(where, argument, `${argument} must be a time constant > 0 in seconds, received ${show(v)}`);
  }
  return v;
};

const checkDecay = (where: string, decay: unknown): PortDecay => {
  if (decay !== 'exact' && decay !== 'euler')
    throw new SpikeflowError(where, 'decay', `decay must be "exact" or "euler", received ${show(decay)}`);
  return decay;
};

/**
 * A current-based exponential synapse port: `I` jumps by each arriving weight and decays as
 * `dI/dt = −I/τ`; the model receives `I` as input (CUBA's `ge`, `gi` in Brian2's `CUBA.py`).
 * @param tau - time constant in seconds (> 0)
 * @param decay - `exact` (default, `e^{−dt/τ}` per step) or `euler` (`1 − dt/τ`, Brian2's `method='euler'`)
 * @throws SpikeflowError when `tau` is not > 0 or `decay` is unknown
 */
export const currentPort = (tau: number, decay: PortDecay = 'exact'): PortSpec =>
  Object.freeze({ kind: 'current', tau: positiveSeconds('currentPort', 'tau', tau), decay: checkDecay('currentPort', decay) });

/**
 * A conductance-based exponential synapse port: `g` (relative to the leak conductance) jumps by
 * each arriving weight, decays as `dg/dt = −g/τ`, and the model receives `g·(reversal − v)` (COBA).
 * @param tau - time constant in seconds (> 0)
 * @param reversal - reversal potential, in the units of the model's voltage
 * @param decay - `exact` (default, `e^{−dt/τ}` per step) or `euler` (`1 − dt/τ`, Brian2's `method='euler'`)
 * @throws SpikeflowError when `tau` is not > 0, `reversal` is not finite or `decay` is unknown
 */
export const conductancePort = (tau: number, reversal: number, decay: PortDecay = 'exact'): PortSpec => {
  positiveSeconds('conductancePort', 'tau', tau);
  if (typeof reversal !== 'number' || !Number.isFinite(reversal)) {
    throw new SpikeflowError('conductancePort', 'reversal', `reversal must be a finite potential, received ${show(reversal)}`);
  }
  return Object.freeze({ kind: 'conductance', tau, reversal, decay: checkDecay('conductancePort', decay) });
};

/**
 * A delta synapse port: each arriving weight is added to `target` (default the population's
 * voltage) before the step's update (Brunel 2000's `J` jumps).
 * @param target - a state variable of the model
 */
export const deltaPort = (target?: string): PortSpec => Object.freeze(target === undefined ? { kind: 'delta' } : { kind: 'delta', target });

/** Options of {@link population}. */
export interface PopulationOptions {
  /**
   * Model parameters (spikeflow names): scalars as the model accepts them, or per neuron — a list
   * of `N` numbers, a tensor of `N` values or a distribution ({@link uniformDist}, {@link normalDist}).
   */
  readonly params?: Readonly<Record<string, ParamValue | Values>>;
  /**
   * Initial state per variable (default the model's initial state) or per current/conductance
   * port (default 0): a number, `N` values or a distribution.
   */
  readonly init?: Readonly<Record<string, Values>>;
  /** Refractory period in seconds (default 0: none). */
  readonly refractory?: number;
  /** Synaptic input ports by name (default none: only external currents). */
  readonly ports?: Readonly<Record<string, PortSpec>>;
  /** State variable that conductance and delta ports act on (default `v`). */
  readonly voltage?: string;
}

/** A population description; built into a network by `spikingNetwork`. */
export interface Population {
  readonly kind: 'population';
  readonly model: NeuronModel;
  readonly n: number;
  readonly options: PopulationOptions;
}

/**
 * A population of `n` neurons of `model`.
 * @param model - a spiking model (output `z`), feed-forward: `lif`, `lifRefrac`, `pointLif`, a `defineModel` model
 * @param n - number of neurons (positive integer)
 * @param options - parameters, initial state, refractory period, ports (see {@link PopulationOptions})
 * @throws SpikeflowError for a non-spiking or recurrent model, a bad size or bad options
 */
export const population = (model: NeuronModel, n: number, options: PopulationOptions = {}): Population => {
  const where = 'population';
  if (model === null || typeof model !== 'object' || typeof model.update !== 'object') {
    throw new SpikeflowError(where, 'model', `model must be a neuron model (e.g. pointLif, lif), received ${show(model)}`);
  }
  if (model.outputName !== 'z')
    throw new SpikeflowError(
      where,
      'model',
      `${model.name} does not spike (its output is ${model.outputName}); a population needs a spiking model`,
    );
  if (model.recurrent) {
    throw new SpikeflowError(
      where,
      'model',
      `${model.name} has its own weight matrices; use its feed-forward model and projections instead`,
    );
  }
  checkPositiveInteger(where, 'n', n);
  checkOptions(where, options, ['params', 'init', 'refractory', 'ports', 'voltage']);
  if (
    options.refractory !== undefined &&
    (typeof options.refractory !== 'number' || !Number.isFinite(options.refractory) || options.refractory < 0)
  ) {
    throw new SpikeflowError(where, 'refractory', `refractory must be a period >= 0 in seconds, received ${show(options.refractory)}`);
  }
  const voltage = options.voltage ?? 'v';
  for (const [name, port] of Object.entries(options.ports ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new SpikeflowError(where, 'ports', `port name ${JSON.stringify(name)} must be an identifier`);
    if (port === null || typeof port !== 'object' || !['current', 'conductance', 'delta'].includes((port as PortSpec).kind)) {
      throw new SpikeflowError(
        where,
        `ports.${name}`,
        `ports.${name} must be currentPort(τ), conductancePort(τ, E) or deltaPort(), received ${show(port)}`,
      );
    }
    const target = port.kind === 'delta' ? (port.target ?? voltage) : port.kind === 'conductance' ? voltage : undefined;
    if (target !== undefined && !model.update.state.includes(target)) {
      throw new SpikeflowError(
        where,
        `ports.${name}`,
        `ports.${name} acts on ${JSON.stringify(target)}, which is not a state variable of ${model.name} (${model.update.state.join(', ')})`,
      );
    }
  }
  const portNames = Object.entries(options.ports ?? {})
    .filter(([, p]) => p.kind !== 'delta')
    .map(([name]) => name);
  for (const key of Object.keys(options.init ?? {})) {
    if (!model.update.state.includes(key) && !portNames.includes(key)) {
      throw new SpikeflowError(
        where,
        `init.${key}`,
        `init.${key}: ${JSON.stringify(key)} is neither a state variable of ${model.name} (${model.update.state.join(', ')}) nor a current/conductance port`,
      );
    }
  }
  return Object.freeze({ kind: 'population', model, n, options });
};

/** A population compiled for a network: values resolved, update generated. */
export interface CompiledPopulation {
  readonly name: string;
  readonly n: number;
  readonly model: NeuronModel;
  /** Kernel parameter values: a number, or `N` values per neuron. */
  readonly params: readonly (number | Float32Array)[];
  /** Port names in order, with their compiled form. */
  readonly ports: readonly { readonly name: string; readonly spec: PortSpec; readonly decay: number; readonly init: Float32Array }[];
  /** Steps a spike keeps the neuron still after the spiking step (`round(t_ref/dt) − 1`, or 0). */
  readonly refSteps: number;
  /** Initial values of the update's state, in its order. */
  readonly init: readonly Float32Array[];
  /** The population's per-neuron update (see `populationUpdate.ts`) and where its parts are. */
  readonly update: NeuronUpdate;
  readonly layout: PopulationUpdateLayout;
  /** Values of `update.params` (float32; 0 where per neuron). */
  readonly updateParams: readonly number[];
  /** Per-neuron values of `update.params` by index (undefined for scalars). */
  readonly updateParamArrays: readonly (Float32Array | undefined)[];
}

const perNeuron = (v: unknown): boolean => isDistribution(v) || listOf('population', 'params', v) !== undefined;

/**
 * Compiles a population for a network: validates and resolves parameters (scalars through the
 * model's own validation, per-neuron values drawn or copied), the initial state, the ports, and
 * generates the loop.
 * @throws SpikeflowError for parameters that cannot be per neuron, bad values, bad initial state
 */
export const compilePopulation = (name: string, pop: Population, dt: number, rng: RngState): CompiledPopulation => {
  const where = `population ${name}`;
  const { model, n, options } = pop;
  const given = options.params ?? {};
  const scalars: Record<string, ParamValue> = {};
  const arrays: Record<string, Values> = {};
  for (const [key, v] of Object.entries(given)) {
    if (perNeuron(v)) {
      if (!model.update.params.includes(key)) {
        throw new SpikeflowError(
          where,
          `params.${key}`,
          `params.${key} cannot be per neuron: ${model.name}'s update reads ${model.update.params.join(', ')} (give ${key} as a single value)`,
        );
      }
      arrays[key] = v as Values;
    } else scalars[key] = v as ParamValue;
  }
  let values: readonly unknown[];
  try {
    values = model.updateValues(model.parameters(scalars as never), dt);
  } catch (e) {
    // the model's refusal, named by the population's path (`population E: params.tauMemInv: …`)
    if (!(e instanceof SpikeflowError)) throw e;
    const detail = errorDetail(e);
    const key = offendingKey(e, Object.keys(given));
    const arg = e.argument === 'dt' ? 'dt' : key === undefined ? 'params' : `params.${key}`;
    throw new SpikeflowError(where, arg, `${arg}: ${detail}`);
  }
  const params = model.update.params.map((p, j) => {
    const v = arrays[p];
    if (v === undefined) return Math.fround(values[j] as number);
    const spec = model.specs[p];
    const check =
      spec?.kind === 'number' && spec.range === 'positive'
        ? (x: number) => (x > 0 ? undefined : 'must be > 0')
        : spec?.kind === 'number' && spec.range === 'nonNegative'
          ? (x: number) => (x >= 0 ? undefined : 'must be >= 0')
          : undefined;
    return resolveValues(where, `params.${p}`, v, n, rng, check);
  });
  const init0 = model.initialState([n], scalars as never, 'float32');
  const init = model.update.state.map((s) => {
    const v = options.init?.[s];
    if (v === undefined) return new Float32Array((init0 as Record<string, { data: Float32Array }>)[s]?.data ?? new Float32Array(n));
    return resolveValues(where, `init.${s}`, v, n, rng);
  });
  const portEntries = Object.entries(options.ports ?? {});
  const ports = portEntries.map(([pname, spec]) => {
    const v = options.init?.[pname];
    return {
      name: pname,
      spec,
      decay: spec.kind === 'delta' ? 0 : spec.decay === 'euler' ? 1 - dt / spec.tau : Math.exp(-dt / spec.tau),
      init: v === undefined || spec.kind === 'delta' ? new Float32Array(n) : resolveValues(where, `init.${pname}`, v, n, rng),
    };
  });
  const refractory = options.refractory ?? 0;
  const refSteps = Math.max(0, Math.round(refractory / dt) - 1);
  const { update, layout } = populationUpdate(model, ports, options.voltage ?? 'v');
  const updateParams = [
    ...params.map((p) => (typeof p === 'number' ? p : 0)),
    ...ports.flatMap((p) => [Math.fround(p.decay), Math.fround(p.spec.kind === 'conductance' ? p.spec.reversal : 0)]),
    refSteps,
  ];
  const updateParamArrays = update.params.map((_, j) => {
    const p = params[j];
    return p === undefined || typeof p === 'number' ? undefined : p;
  });
  return { name, n, model, params, ports, refSteps, init, update, layout, updateParams, updateParamArrays };
};
