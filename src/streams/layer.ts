/**
 * `layer`: a neuron model, linear map, decoder, synapse model or any other layer as an RxJS operator.
 * @module
 */
import { map, type OperatorFunction, tap } from 'rxjs';
import type { Tensor } from '../ops/tensor.js';
import { checkLayer, checkOptions, type Sink, sinkOf } from './internal.js';
import { type Layerlike, type LayerStep, type ScanLayerOptions, scanLayer } from './scanLayer.js';

/** Options of {@link layer}. */
export interface LayerOptions<S> extends ScanLayerOptions<S> {
  /**
   * A probe: receives `{ out, state, recorded }` for every chunk while the operator passes only
   * `out` on, so a layer's state (e.g. voltage traces, with a layer built with `{ record: true }`)
   * can be observed without breaking the chain. A callback or an observer (e.g. a `Subject`; only
   * its `next` is called).
   */
  readonly probe?: Sink<LayerStep<S>>;
}

/**
 * A layer as an operator over chunks `[T, batch, ...] → [T, batch, ...]`: `source.pipe(layer(neuron(lif)))`
 * emits the spikes of a LIF layer. State is held per subscription in `scan` over the layer's pure
 * `run` (see {@link scanLayer}, which also emits the state); chunk sizes never change the result.
 * Errors of `run` (e.g. `lif.run: input must be finite, received NaN at index [3, 0, 1]`) error
 * the stream unchanged.
 * @param l - a layer (`neuron(model, p, dt, options?)`, `linearLayer(p)`, `sequential(...)`, any
 *   `{ name, run }`) or a chunk function (`lif.run(p, dt)`, `expFilter(p)`, `stpRun(p)`, `linear(w)`)
 * @param options - `state` before the first chunk; `probe` to observe `{ out, state, recorded }`
 * @throws SpikeflowError (at construction) when `l` is neither a layer nor a function, or `probe` is not a sink
 */
export const layer = <S>(l: Layerlike<S>, options: LayerOptions<S> = {}): OperatorFunction<Tensor, Tensor> => {
  checkLayer('layer', 'layer', l);
  checkOptions('layer', options, ['state', 'probe']);
  const probe = sinkOf('layer', 'probe', options.probe);
  const scanned = scanLayer(l, options.state === undefined ? {} : { state: options.state });
  return (source) => {
    const steps = source.pipe(scanned);
    return (probe === undefined ? steps : steps.pipe(tap(probe))).pipe(map((s) => s.out));
  };
};
