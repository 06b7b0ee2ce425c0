/**
 * `scanLayer`: a layer over a stream of chunks that emits its output together with its state.
 * @module
 */
import { type OperatorFunction, scan } from 'rxjs';
import type { Layer } from '../neurons/sequential.js';
import type { Tensor } from '../ops/tensor.js';
import { checkLayer, checkOptions } from './internal.js';

/** What {@link scanLayer} emits per chunk. */
export interface LayerStep<S> {
  /** The layer's output for the chunk, `[T, batch, ...]` (spikes for spiking models). */
  readonly out: Tensor;
  /** The layer's state after the chunk's last step (e.g. `{ v, i }`, each `[batch, N]`). */
  readonly state: S;
  /**
   * Per-step states when the layer records (`neuron(model, p, dt, { record: true })`: each state
   * variable `[T, batch, N]`, e.g. the voltage trace `recorded.v`); for a `sequential` layer the
   * array of its layers' records; `undefined` otherwise.
   */
  readonly recorded?: unknown;
}

/**
 * A chunk function: `(xs, state?) → [outs, state, recorded?]` — a model's `run(p, dt)`, or a
 * decoder/plasticity run such as `expFilter(p)` or `stpRun(p)` — or a stateless
 * `(xs) → outs` such as `linear(w)` (its state is `undefined`).
 */
export type ChunkFunction<S> = (xs: Tensor, state?: S) => readonly [Tensor, S, unknown?] | Tensor;

/** Anything {@link scanLayer} and {@link layer} run over chunks: a {@link Layer} or a {@link ChunkFunction}. */
export type Layerlike<S> = Layer<S> | ChunkFunction<S>;

/** Options of {@link scanLayer} and {@link layer}. */
export interface ScanLayerOptions<S> {
  /** State before the first chunk; default `undefined`, i.e. the layer's initial state (Norse's `state=None`). */
  readonly state?: S;
}

/**
 * A layer as an RxJS operator that emits `{ out, state, recorded }` for every chunk `[T, batch, ...]`.
 * The state is threaded from chunk to chunk by `scan` over the layer's pure `run`, so streaming an
 * input in chunks of any sizes gives exactly the outputs and states of one fused run over the whole
 * input. Every subscription starts from `options.state` and holds its own state (two subscriptions,
 * or two networks built from the same layer, never share state); the state is released with the
 * subscription. A chunk that `run` rejects (wrong shape, non-finite values, wrong dtype) errors the
 * stream with the same {@link SpikeflowError} as calling `run` directly.
 * @param l - a layer (`neuron(lif, p, dt)`, `linearLayer(p)`, `sequential(...)`, any `{ name, run }`)
 *   or a chunk function (`lif.run(p, dt)`, `expFilter(p)`, `stpRun(p)`, `linear(w)`)
 * @param options - `state`: the state before the first chunk
 * @throws SpikeflowError (at construction) when `l` is neither
 */
export const scanLayer = <S>(l: Layerlike<S>, options: ScanLayerOptions<S> = {}): OperatorFunction<Tensor, LayerStep<S>> => {
  checkLayer('scanLayer', 'layer', l);
  checkOptions('scanLayer', options, ['state']);
  const initial = options.state;
  const run: ChunkFunction<S> = typeof l === 'function' ? l : (xs, state) => l.run(xs, state);
  return scan<Tensor, LayerStep<S>, LayerStep<S> | null>((previous, xs) => {
    const result = run(xs, previous === null ? initial : previous.state);
    if (!Array.isArray(result)) return { out: result as Tensor, state: undefined as S };
    const [out, state, recorded] = result as readonly [Tensor, S, unknown?];
    return recorded === undefined ? { out, state } : { out, state, recorded };
  }, null);
};
