/**
 * Networks described as JSON (the `--network` file of `spikeflow run`): a list of layers whose
 * sizes chain from the input size, with seeded weights, built into a {@link sequential} layer.
 *
 * ```json
 * { "layers": [
 *     { "type": "linear", "out": 100, "seed": 1 },
 *     { "type": "LIF", "params": { "vTh": 0.5 } },
 *     { "type": "linear", "out": 10, "seed": 2, "bias": false },
 *     { "type": "LI" } ] }
 * ```
 * Layer types: `linear` (`out`, optional `seed`, `bias`), `relu`, any neuron model by Norse class
 * name (feed-forward models keep the size; recurrent models take `size` and optional `seed`, with
 * weights drawn as Norse's modules do: normal · √(2/size)), each with optional `params`.
 * @module
 */
import { errorDetail, offendingKey, SpikeflowError, show } from '../ops/errors.js';
import { linearInit } from '../ops/linear.js';
import { seededGenerator, uniforms } from '../ops/random.js';
import { fromTypedArray, type Tensor } from '../ops/tensor.js';
import { checkPositiveInteger } from '../ops/validate.js';
import type { NeuronModel } from './model.js';
import { modelByName } from './registry.js';
import { type Layer, linearLayer, neuron, reluLayer, type SequentialState, sequential } from './sequential.js';

/** One layer of a network description. */
export interface LayerSpec {
  /** `linear`, `relu`, or a neuron model's Norse class name (case-insensitive). */
  readonly type: string;
  /** Output size of a linear layer, or the size of a recurrent layer. */
  readonly out?: number;
  /** Size of a recurrent neuron layer. */
  readonly size?: number;
  /** Seed of the layer's weights (default: the layer's index). */
  readonly seed?: number;
  /** Whether a linear layer has a bias (default true). */
  readonly bias?: boolean;
  /** Neuron parameters (spikeflow names). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A network description. */
export interface NetworkSpec {
  readonly layers: readonly LayerSpec[];
}

/** A built network: the composed layer plus what each layer is. */
export interface Network {
  readonly layer: Layer<SequentialState>;
  /** Per layer: the layer itself, its name, output size and neuron model (undefined for stateless layers). */
  readonly layers: readonly { readonly layer: Layer; readonly name: string; readonly size: number; readonly model?: NeuronModel }[];
}

/** Seeded normal draws (Box–Muller over the seeded uniforms), `[rows, cols]` scaled by `scale`. */
const normalMatrix = (rows: number, cols: number, seed: number, scale: number): Tensor => {
  const n = rows * cols;
  const [u] = uniforms(seededGenerator(seed), 2 * n);
  const d = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u1 = 1 - (u[2 * k] as number);
    const u2 = u[2 * k + 1] as number;
    d[k] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * scale;
  }
  return fromTypedArray(d, [rows, cols]);
};

/**
 * The seeded weights {@link buildNetwork} gives a recurrent layer that has none of its own:
 * normal draws scaled by `√(2/hidden)`, `inputWeights` `[hidden, inputs]` from `seed`,
 * `recurrentWeights` `[hidden, hidden]` from `seed + 500000` (float64). Also used by NIR export,
 * so that an exported JSON network holds the weights it runs with.
 * @param hidden - the layer's size
 * @param inputs - the size of its input
 * @param seed - the layer's `seed` (default in a spec: its index)
 */
export const recurrentLayerWeights = (hidden: number, inputs: number, seed: number): { inputWeights: Tensor; recurrentWeights: Tensor } => {
  const scale = Math.sqrt(2 / hidden);
  return { inputWeights: normalMatrix(hidden, inputs, seed, scale), recurrentWeights: normalMatrix(hidden, hidden, seed + 0.5e6, scale) };
};

/** Refuses given weights (nested arrays or a tensor) whose shape is not `want`, naming what it should be. */
const checkWeightShape = (path: string, w: unknown, want: readonly [number, number], what: string): void => {
  if (w === undefined) return;
  const shape = Array.isArray(w)
    ? [w.length, Array.isArray(w[0]) ? (w[0] as unknown[]).length : 0]
    : ((w as { shape?: readonly number[] } | null)?.shape ?? []);
  const rows = Array.isArray(w) && w.every((r) => Array.isArray(r) && r.length === shape[1]);
  if (shape[0] !== want[0] || shape[1] !== want[1] || shape.length !== 2 || (Array.isArray(w) && !rows)) {
    const got = Array.isArray(w) ? (rows ? `a [${shape.join(', ')}] array` : 'a ragged array') : show(w);
    throw new SpikeflowError('network', path, `${path} must be [${want[0]}, ${want[1]}] (${what}), received ${got}`);
  }
};

/** A key that does not apply to the layer's type, and why; undefined when every key applies. */
const misplacedKey = (l: LayerSpec, type: string): readonly [string, string] | undefined => {
  if (type === 'linear') {
    if (l.params !== undefined) return ['params', 'is for neuron layers; a linear layer takes out, seed and bias'];
    if (l.size !== undefined) return ['size', 'is for recurrent neuron layers; a linear layer takes its size as out'];
    return undefined;
  }
  if (type === 'relu') {
    const key = (['out', 'size', 'seed', 'bias', 'params'] as const).find((k) => l[k] !== undefined);
    return key === undefined ? undefined : [key, 'does not apply to a relu layer (it takes only type)'];
  }
  if (l.out !== undefined) return ['out', 'is for linear layers; a neuron layer keeps its input size (a recurrent one takes size)'];
  if (l.bias !== undefined) return ['bias', 'is for linear layers'];
  return undefined;
};

/**
 * A neuron layer of a description, built and stepped once on zeros so that a bad parameter (its
 * value, or a per-neuron or weight shape that does not fit the layer) is reported here, with the
 * layer's path (`layers[k].params.tauMemInv …`; a `dt` the layer cannot take: `layers[k] (LIF): …`,
 * argument `dt`), rather than by the model at the first chunk.
 */
const neuronAt = (
  arg: string,
  model: NeuronModel,
  params: Record<string, unknown>,
  dt: number,
  record: boolean,
  inputSize: number,
  given: Readonly<Record<string, unknown>>,
): Layer => {
  try {
    const layer = neuron(model, params as never, dt, { record }) as Layer;
    layer.run(fromTypedArray(new Float32Array(inputSize), [1, 1, inputSize]));
    return layer;
  } catch (e) {
    if (!(e instanceof SpikeflowError)) throw e;
    const detail = errorDetail(e);
    if (e.argument === 'dt') throw new SpikeflowError('network', 'dt', `${arg} (${model.name}): ${detail}`);
    const named = offendingKey(e, Object.keys(given));
    const path = named === undefined ? `${arg}.params` : `${arg}.params.${named}`;
    throw new SpikeflowError('network', path, `${path} (${model.name}): ${detail}`);
  }
};

/** Options of {@link buildNetwork}. */
export interface BuildNetworkOptions {
  /** Build the first spiking neuron layer with `record: true` (its voltages for plots). Default false. */
  readonly recordFirst?: boolean;
}

/**
 * Builds a network from its description.
 * @param spec - the description (see module docs)
 * @param inputSize - size of the last input dimension
 * @param dt - time step in seconds (> 0)
 * @throws SpikeflowError (`network`) for unknown layer types or keys, a key that does not apply to
 *   the layer's type, bad sizes, bad parameters — each with its path, e.g. `layers[1].params.tauMemInv`
 */
export const buildNetwork = (spec: NetworkSpec, inputSize: number, dt = 0.001, options: BuildNetworkOptions = {}): Network => {
  const where = 'network';
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new SpikeflowError(where, 'layers', `a network needs a non-empty "layers" array, received ${show(spec)}`);
  }
  checkPositiveInteger(where, 'inputSize', inputSize);
  let size = inputSize;
  const info: { layer: Layer; name: string; size: number; model?: NeuronModel }[] = [];
  let recorded = options.recordFirst !== true;
  spec.layers.forEach((l, k) => {
    const arg = `layers[${k}]`;
    if (l === null || typeof l !== 'object' || typeof l.type !== 'string') {
      throw new SpikeflowError(where, arg, `${arg} must be an object with a "type", received ${show(l)}`);
    }
    const allowed = ['type', 'out', 'size', 'seed', 'bias', 'params'];
    const unknown = Object.keys(l).find((key) => !allowed.includes(key));
    if (unknown !== undefined)
      throw new SpikeflowError(where, arg, `${arg} has unknown key ${JSON.stringify(unknown)}; expected ${allowed.join(', ')}`);
    if (l.seed !== undefined && !Number.isInteger(l.seed)) {
      throw new SpikeflowError(where, `${arg}.seed`, `${arg}.seed must be an integer, received ${show(l.seed)}`);
    }
    const seed = l.seed ?? k;
    const type = l.type.toLowerCase();
    if (l.bias !== undefined && typeof l.bias !== 'boolean') {
      throw new SpikeflowError(where, `${arg}.bias`, `${arg}.bias must be true or false, received ${show(l.bias)}`);
    }
    if (l.params !== undefined && (l.params === null || typeof l.params !== 'object' || Array.isArray(l.params))) {
      throw new SpikeflowError(where, `${arg}.params`, `${arg}.params must be an object of neuron parameters, received ${show(l.params)}`);
    }
    const misplaced = misplacedKey(l, type);
    if (misplaced !== undefined) throw new SpikeflowError(where, `${arg}.${misplaced[0]}`, `${arg}.${misplaced[0]} ${misplaced[1]}`);
    if (type === 'linear') {
      const out = checkPositiveInteger(where, `${arg}.out`, l.out);
      info.push({ layer: linearLayer(linearInit(size, out, { seed, bias: l.bias ?? true, dtype: 'float32' })), name: 'Linear', size: out });
      size = out;
    } else if (type === 'relu') {
      info.push({ layer: reluLayer, name: 'ReLU', size });
    } else {
      let model: NeuronModel;
      try {
        model = modelByName(l.type);
      } catch {
        throw new SpikeflowError(where, `${arg}.type`, `${arg}.type ${JSON.stringify(l.type)} is not linear, relu or a neuron model`);
      }
      if (!model.recurrent && l.size !== undefined) {
        throw new SpikeflowError(
          where,
          `${arg}.size`,
          `${arg}.size is only for recurrent layers: a ${model.name} layer keeps its input size (${size})`,
        );
      }
      const params: Record<string, unknown> = { ...(l.params ?? {}) };
      const inputs = size;
      if (model.recurrent) {
        const hidden = checkPositiveInteger(where, `${arg}.size`, l.size);
        checkWeightShape(`${arg}.params.inputWeights`, params.inputWeights, [hidden, size], `size × the layer's ${size} inputs`);
        checkWeightShape(`${arg}.params.recurrentWeights`, params.recurrentWeights, [hidden, hidden], 'size × size');
        const drawn = recurrentLayerWeights(hidden, size, seed);
        params.inputWeights ??= drawn.inputWeights;
        params.recurrentWeights ??= drawn.recurrentWeights;
        size = hidden;
      }
      const record = !recorded && model.outputName === 'z';
      recorded ||= record;
      info.push({ layer: neuronAt(arg, model, params, dt, record, inputs, l.params ?? {}), name: model.name, size, model });
    }
  });
  return { layer: sequential(...info.map((l) => l.layer)), layers: info };
};
