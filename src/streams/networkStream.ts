/**
 * `network`: a pipeline of layers, the streaming form of Norse's `SequentialState`.
 * @module
 */
import type { OperatorFunction } from 'rxjs';
import type { Layer } from '../neurons/sequential.js';
import { SpikeflowError } from '../ops/errors.js';
import type { Tensor } from '../ops/tensor.js';
import { checkLayer } from './internal.js';
import { layer } from './layer.js';

/** One element of a network: a {@link Layer} (wrapped with {@link layer}) or any operator on chunks. */
export type NetworkElement = Layer<unknown> | OperatorFunction<Tensor, Tensor>;

/**
 * Builds a network from a list of layers, applied left to right:
 * `source.pipe(network(neuron(lif), linearLayer(w), neuron(li)))` equals
 * `source.pipe(layer(neuron(lif)), layer(linearLayer(w)), layer(neuron(li)))`. Each layer keeps its
 * own state per subscription, as in Norse's `SequentialState`; the whole network gives, chunk by
 * chunk, the outputs of `sequential(...layers).run` over the whole input. Operators (e.g.
 * `map(linear(w))`, `layer(l, { probe })`) may be mixed in to observe or transform the signal
 * between layers. Recurrent models (`lifRecurrent`, …) carry their recurrent feedback in their own
 * state, so they stream like any other layer.
 * @param elements - layers or operators on chunks `[T, batch, ...]`
 * @returns an operator on chunks
 * @throws SpikeflowError when no element is given or an element is neither a layer nor a function
 */
export const network = (...elements: readonly NetworkElement[]): OperatorFunction<Tensor, Tensor> => {
  if (elements.length === 0) throw new SpikeflowError('network', 'elements', 'expected at least one layer, received none');
  const ops = elements.map((e, k): OperatorFunction<Tensor, Tensor> => {
    if (typeof e === 'function') return e;
    checkLayer('network', `elements[${k}]`, e, true);
    return layer(e);
  });
  return (source) => ops.reduce((s, op) => s.pipe(op), source);
};
