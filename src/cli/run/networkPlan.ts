/**
 * The network of `spikeflow run` — the demo's, the default one layer of `--model` neurons per input
 * feature, or a `--network` file — sized and costed before anything is allocated: neurons, weight
 * bytes and bytes per step decide the chunk length and are checked against the limits.
 * @module
 */
import { li } from '../../neurons/li.js';
import { lif } from '../../neurons/lif.js';
import type { NeuronModel } from '../../neurons/model.js';
import { modelByName } from '../../neurons/registry.js';
import { type Layer, linearLayer, neuron } from '../../neurons/sequential.js';
import { buildNetwork, type NetworkSpec } from '../../neurons/sequentialJson.js';
import { SpikeflowError } from '../../ops/errors.js';
import { linearInit } from '../../ops/linear.js';
import { bytes, checkMemory, checkNeurons, checkSteps, checkWork, figure, type Limits } from '../limits.js';
import type { NirNetwork } from '../nir.js';
import { isSpikingNetworkJson, spikingNetworkLayers } from '../spikingNetwork.js';
import { asFlagError, dtAdvice, UsageError } from '../usageErrors.js';

/** One layer of the run's network. */
export interface RunLayer {
  readonly layer: Layer;
  readonly name: string;
  readonly size: number;
  readonly model?: NeuronModel;
  /** Whether the layer emits spikes (default: its model's output is `z`). */
  readonly spiking?: boolean;
  /** Its output shape per step when not flat (`[size]`), e.g. a NIR Conv2d node's `[C, H, W]`. */
  readonly shape?: readonly number[];
  /** Whether its neurons count as neuron-steps without a model (a NIR neuron node). */
  readonly neuron?: boolean;
}

/** What a network will cost, from its description alone. */
export interface NetworkCost {
  /** Neurons over all neuron layers. */
  readonly neurons: number;
  /** Bytes allocated once (weights, state, event sums). */
  readonly fixedBytes: number;
  /** Bytes per simulated step in flight (input, every layer's output, recorded state). */
  readonly stepBytes: number;
  /** Steps per chunk that keep a chunk within a sixteenth of `--max-memory` (1…100). */
  readonly chunkSteps: number;
}

/** Most layers in a `--network` file. */
export const MAX_LAYERS = 256;

interface Sketch {
  readonly kind: 'linear' | 'relu' | 'neuron';
  readonly size: number;
  readonly weights: number;
  readonly states: number;
}

const count = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new UsageError(`--network: ${what} must be a positive integer, received ${JSON.stringify(v) ?? String(v)}`, '--network');
  }
  return v;
};

/** What a `--network` JSON without layers is told: what a network file holds, and what this file is. */
const notANetwork = (spec: unknown): string => {
  if (spec !== null && typeof spec === 'object' && (spec as { format?: unknown }).format === 'spikeflow-params') {
    return (
      '--network: this file holds trained parameters (written by spikeflow train --out), not a network; ' +
      'load them in code with loadParams into the same trainableSequential'
    );
  }
  const keys = spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? Object.keys(spec) : [];
  const received =
    keys.length > 0
      ? `keys ${keys
          .slice(0, 5)
          .map((k) => JSON.stringify(k))
          .join(', ')}`
      : JSON.stringify(spec)?.slice(0, 40);
  return (
    '--network: a network file needs a non-empty "layers" array (a stack of layers) or "populations" ' +
    `(a spiking network), or is a NIR graph (.nir); received ${received}`
  );
};

/** Sizes of each layer of a description without building it (shapes only; `buildNetwork` checks the rest). */
const sketch = (spec: unknown, inputSize: number): Sketch[] => {
  const layers = (spec as { layers?: unknown } | null)?.layers;
  if (spec === null || typeof spec !== 'object' || !Array.isArray(layers) || layers.length === 0) {
    throw new UsageError(notANetwork(spec), '--network');
  }
  if (layers.length > MAX_LAYERS) {
    throw new UsageError(`--network: ${layers.length} layers, more than the ${MAX_LAYERS} a network may have`, '--network');
  }
  let size = inputSize;
  return layers.map((l: unknown, k: number) => {
    const at = `layers[${k}]`;
    if (l === null || typeof l !== 'object' || typeof (l as { type?: unknown }).type !== 'string') {
      throw new UsageError(`--network: ${at} must be an object with a "type"`, '--network');
    }
    const { type, out, size: hidden } = l as { type: string; out?: unknown; size?: unknown };
    const t = type.toLowerCase();
    if (t === 'linear') {
      const o = count(out, `${at}.out`);
      const s: Sketch = { kind: 'linear', size: o, weights: (size + 1) * o, states: 0 };
      size = o;
      return s;
    }
    if (t === 'relu') return { kind: 'relu', size, weights: 0, states: 0 };
    let model: NeuronModel;
    try {
      model = modelByName(type);
    } catch {
      throw new UsageError(`--network: ${at}.type ${JSON.stringify(type)} is not linear, relu or a neuron model`, '--network');
    }
    if (model.recurrent) {
      const h = count(hidden, `${at}.size`);
      const s: Sketch = { kind: 'neuron', size: h, weights: h * (size + h), states: model.stateNames.length };
      size = h;
      return s;
    }
    return { kind: 'neuron', size, weights: 0, states: model.stateNames.length };
  });
};

/**
 * Costs a network over `inputSize` features: neurons, bytes, chunk length; refuses it when it passes
 * `--max-neurons`, `--max-memory` or (with `totalSteps`) `--max-steps` / `--max-neuron-steps`.
 * Weights are counted at 28 bytes each (float64 draws, their uniforms, and the float32 copy).
 */
export const costNetwork = (
  layers: readonly Sketch[],
  inputSize: number,
  limits: Limits,
  extra: { readonly fixedBytes: number; readonly totalSteps?: number; readonly what: string },
): NetworkCost => {
  checkNeurons(limits, inputSize, `the input (${extra.what})`);
  const neurons = layers.reduce((a, l) => a + (l.kind === 'neuron' ? l.size : 0), 0);
  checkNeurons(limits, neurons, 'the network');
  const firstSpiking = layers.find((l) => l.kind === 'neuron');
  const weightBytes = layers.reduce((a, l) => a + l.weights * 28, 0);
  const stateBytes = layers.reduce((a, l) => a + l.size * l.states * 4, 0);
  const stepBytes =
    4 * (2 * inputSize + layers.reduce((a, l) => a + l.size, 0) + (firstSpiking ? firstSpiking.size * firstSpiking.states : 0));
  const fixedBytes = weightBytes + stateBytes + extra.fixedBytes;
  checkMemory(
    limits,
    fixedBytes,
    `the network's weights and state and the input's event frames (${figure(layers.reduce((a, l) => a + l.weights, 0))} weights, ${figure(inputSize)} input features)`,
  );
  const chunkBudget = Math.min(64 * 2 ** 20, limits.maxMemory / 16);
  const chunkSteps = Math.max(1, Math.min(100, Math.floor(chunkBudget / stepBytes)));
  // Three chunks in flight (the input, a layer's output, its copy) besides the fixed allocations.
  checkMemory(limits, fixedBytes + 3 * chunkSteps * stepBytes, `the run (${bytes(stepBytes)} per step over ${figure(neurons)} neurons)`);
  if (extra.totalSteps !== undefined) {
    checkSteps(limits, extra.totalSteps, `the input (${extra.what})`);
    checkWork(limits, extra.totalSteps, Math.max(neurons, 1), `the run (${extra.what})`);
  }
  return { neurons, fixedBytes, stepBytes, chunkSteps };
};

/** Options of {@link planNetwork}. */
export interface NetworkOptions {
  readonly kind: 'demo' | 'other';
  readonly inputSize: number;
  readonly dt: number;
  readonly model?: string;
  /** The parsed `--network` file (JSON). */
  readonly spec?: unknown;
  /** The opened `--network` NIR graph. */
  readonly nir?: NirNetwork;
  /** The input's feature shape (for a NIR graph). */
  readonly features?: readonly number[];
  readonly limits: Limits;
  readonly fixedBytes: number;
  readonly totalSteps?: number;
  readonly what: string;
}

/**
 * Costs, checks and then builds the run's network.
 * @throws UsageError (`--network`, `--model`, or the limit passed: `--max-neurons`, `--max-memory`, …) before anything is allocated
 */
export const planNetwork = (options: NetworkOptions): { readonly layers: RunLayer[]; readonly cost: NetworkCost } => {
  const { inputSize, dt, limits } = options;
  const extra = {
    fixedBytes: options.fixedBytes,
    what: options.what,
    ...(options.totalSteps === undefined ? {} : { totalSteps: options.totalSteps }),
  };
  if (options.nir !== undefined) {
    const layers = options.nir.layers(options.features ?? [inputSize], options.kind === 'demo' ? undefined : options.what);
    const cost = costNetwork(
      layers.map((l) => ({ kind: l.neuron || l.spiking ? 'neuron' : 'linear', size: l.size, weights: 0, states: 1 })),
      inputSize,
      limits,
      extra,
    );
    return { layers, cost };
  }
  if (options.spec !== undefined && isSpikingNetworkJson(options.spec)) {
    // Populations and projections (src/networks): sized by their own builder, then costed.
    let layers: RunLayer[];
    try {
      layers = spikingNetworkLayers(options.spec, inputSize, dt, options.kind === 'demo' ? undefined : options.what);
    } catch (e) {
      throw asFlagError(e, [{ where: 'network', prefix: '--network', flag: '--network' }]);
    }
    const cost = costNetwork(
      layers.map((l) => ({ kind: 'neuron', size: l.size, weights: 0, states: 1 })),
      inputSize,
      limits,
      extra,
    );
    return { layers, cost };
  }
  if (options.spec !== undefined) {
    const cost = costNetwork(sketch(options.spec, inputSize), inputSize, limits, extra);
    let layers: RunLayer[];
    try {
      layers = buildNetwork(options.spec as NetworkSpec, inputSize, dt, { recordFirst: true }).layers.map((l) => ({ ...l }));
    } catch (e) {
      if (!(e instanceof SpikeflowError) || e.where !== 'network') throw e;
      const detail = e.message.slice('network: '.length);
      if (e.argument === 'dt') {
        const at = /^layers\[\d+\]/.exec(detail)?.[0] ?? 'layers[k]';
        throw new UsageError(`--dt ${dt}: the --network's ${dtAdvice(detail, `the --network file's ${at}.params`)}`, '--dt');
      }
      throw new UsageError(`--network: ${detail}`, '--network');
    }
    return { layers, cost };
  }
  if (options.kind === 'demo') {
    const cost = costNetwork(
      [
        { kind: 'neuron', size: 64, weights: 0, states: 3 },
        { kind: 'linear', size: 10, weights: 650, states: 0 },
        { kind: 'neuron', size: 10, weights: 0, states: 2 },
      ],
      inputSize,
      limits,
      extra,
    );
    return {
      cost,
      layers: [
        { layer: neuron(lif, {}, dt, { record: true }) as Layer, name: 'LIF', size: 64, model: lif as unknown as NeuronModel },
        { layer: linearLayer(linearInit(64, 10, { seed: 1 })), name: 'Linear', size: 10 },
        { layer: neuron(li, {}, dt) as Layer, name: 'LI', size: 10, model: li as unknown as NeuronModel },
      ],
    };
  }
  const model = modelByName(options.model ?? 'LIF');
  if (model.recurrent) {
    throw new UsageError(
      `--model ${model.name} is recurrent: describe its size and weights in a --network file, ` +
        `e.g. { "layers": [ { "type": "${model.name}", "size": 20, "seed": 1 } ] } (seeded weights)`,
      '--model',
    );
  }
  const record = inputSize <= 100_000;
  const cost = costNetwork(
    [{ kind: 'neuron', size: inputSize, weights: 0, states: record ? model.stateNames.length : 1 }],
    inputSize,
    limits,
    extra,
  );
  return { cost, layers: [{ layer: neuron(model, {}, dt, { record }) as Layer, name: model.name, size: inputSize, model }] };
};
