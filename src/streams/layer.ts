/**
 * `layer`: a neuron model, linear map, decoder, synapse model or any other layer as an RxJS operator.
 * @module
 */
import { defer, map, type OperatorFunction, tap } from 'rxjs';
import { acceptsInPlace, IN_PLACE } from '../neurons/runOutput.js';
import type { LayerCallOptions } from '../neurons/sequential.js';
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
 *
 * Ownership: the operator owns the state it threads. Without a probe nobody else ever sees it, so
 * for neuron and `sequential` layers (and a model's `run(p, dt)`) it updates that state in place
 * from the second chunk on (`run(xs, state, { inPlace: true })`): no state is allocated per
 * chunk. `options.state` is never written, and with a probe every emitted state stays as it was
 * emitted (each chunk then gets a new state, as `scanLayer` gives). The chunk outputs passed on
 * are the caller's, as from `run` (new per chunk unless the layer was built with `outputs: 'reuse'`,
 * whose run function also keeps its state: a probe's states are then valid until the next chunk,
 * and of two subscriptions of one such operator whose chunks interleave, the one whose state the
 * other overwrote errors with a `SpikeflowError` naming `state`, see `src/neurons/runOutput.ts`).
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
  const run = typeof l === 'function' ? l : l.run;
  if (probe === undefined && acceptsInPlace(run))
    return inPlaceLayer(typeof l === 'function' ? l : (xs, state, call) => l.run(xs, state, call), options.state);
  const scanned = scanLayer(l, options.state === undefined ? {} : { state: options.state });
  return (source) => {
    const steps = source.pipe(scanned);
    return (probe === undefined ? steps : steps.pipe(tap(probe))).pipe(map((s) => s.out));
  };
};

/**
 * The operator of a layer whose state nobody but the operator sees (no probe): the first chunk
 * runs from `initial` (the caller's, never written), every later chunk updates the state the
 * previous chunk returned in place (`{ inPlace: true }`, see `src/neurons/runOutput.ts`), so no
 * state is allocated per chunk. Chunk outputs stay fresh (or the run's `outputs` policy). Per
 * subscription, as {@link scanLayer}.
 */
/**
 * The state a stream of {@link inPlaceLayer} threads through its chunks (one per subscription). A
 * class, so that every subscription runs the same `next` function (V8 keeps it optimised across
 * subscriptions and collections).
 */
class InPlaceChunks<S> {
  private state: S | undefined;
  /** Whether `state` is one a run returned, which only this subscription holds (given up in place). */
  private owned = false;

  constructor(
    private readonly run: (xs: Tensor, state?: S, call?: LayerCallOptions) => readonly [Tensor, S, unknown?] | Tensor,
    initial: S | undefined,
  ) {
    this.state = initial;
  }

  /** Runs one chunk: in place on the state it owns, else from the given one; returns the chunk's output. */
  next(xs: Tensor): Tensor {
    const result = this.owned ? this.run(xs, this.state, IN_PLACE) : this.run(xs, this.state);
    if (!Array.isArray(result)) {
      this.state = undefined;
      this.owned = false;
      return result as Tensor;
    }
    const [out, state] = result as readonly [Tensor, S, unknown?];
    this.state = state;
    this.owned = state !== undefined;
    return out;
  }
}

// One `map` per subscription over its own state (not `scan` + `map`: one operator less per chunk).
const inPlaceLayer =
  <S>(
    run: (xs: Tensor, state?: S, call?: LayerCallOptions) => readonly [Tensor, S, unknown?] | Tensor,
    initial: S | undefined,
  ): OperatorFunction<Tensor, Tensor> =>
  (source) =>
    defer(() => {
      const chunks = new InPlaceChunks(run, initial);
      return source.pipe(map((xs) => chunks.next(xs)));
    });
