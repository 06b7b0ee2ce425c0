/**
 * Where a fused run writes its output `[T, ...stateShape]`: a fresh array per call (the default),
 * an array the caller gives per call (`run(xs, state, { out })`), or one array the run function
 * keeps and overwrites call after call (`run(p, dt, { outputs: 'reuse' })`).
 *
 * Why: a fresh output of a large layer is fresh memory, and on Linux every 4 KiB page of fresh
 * memory faults in on first write (the kernel zeroes it); at `N = 1e5`, `T = 1000` that is 10⁵
 * faults per call, which cost more than the neuron update itself. An output written into memory
 * that was written before faults nothing and is not zeroed first. In Node, fresh outputs from 16 KiB
 * on come from the output pool (`ops/outputPool.ts`), which recycles an output's memory once the
 * caller has dropped it and the garbage collector has run (spikeflow runs a collection itself after
 * 64 MiB of shared memory, see `ops/sharedPressure.ts`; asynchronous code recycles, a synchronous
 * loop still gets fresh memory until it yields): the caller still owns each fresh output alone.
 *
 * Ownership rule: spikeflow never writes into an array the caller holds, except the `out` the
 * caller hands to a call (for that call only), and the kept array of a run function built with
 * `outputs: 'reuse'` (which the caller agreed to share: each call's output is valid until the
 * next call of the same run function — read it, copy it or pass it on before then).
 *
 * State: a run never changes the state it is given and returns a new one, except when the caller
 * gives its state up with `run(xs, state, { inPlace: true })`: the run may then write the new
 * state into the given state's arrays and return that same state object. The `layer` stream
 * operator does so for the state it alone holds (no probe; never the caller's `options.state`),
 * so that a stream of chunks allocates no state per chunk.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { holdUntilCollected } from '../ops/outputPool.js';
import { allocateShared, type DType, dtypeOf, type TensorData } from '../ops/tensor.js';

/** Options of one call of a fused run: `run(xs, state, { out })`. */
export interface RunCallOptions {
  /**
   * The array the output is written into: a `Float32Array`/`Float64Array` of the input's dtype and
   * exactly `T·M` elements (`M` = elements of one step of the state), sharing no memory with the
   * input. The returned output tensor wraps it (no copy). For the `threads` backend, an array in
   * shared memory (`sharedTensor`) is written in place; another one through a
   * staging copy. Its contents are unspecified if the call throws.
   */
  readonly out?: TensorData;
  /**
   * The caller gives `state` up (default false): the run may write the new state into `state`'s
   * arrays and return `state` itself (the `threads` and `js` backends do, when the arrays fit the
   * run: ordinary `Float32Array`/`Float64Array` of the input's dtype, shared for a multi-threaded
   * run), so no state is allocated or copied. Afterwards use only the returned state: the given
   * one may hold the new values or, on other backends, the old ones. Its values are not checked
   * for finiteness again (it is taken to be a state a run returned); its shape and dtype are. If
   * the call throws, the given state's contents are unspecified. Ignored without a `state`.
   */
  readonly inPlace?: boolean;
}

const inPlaceCapable = new WeakSet<object>();

/**
 * Marks a chunk function (a model's `run(p, dt)`, a layer's `run`) as accepting
 * `{ inPlace: true }` as its third argument ({@link RunCallOptions.inPlace}).
 * @returns `f`
 */
export const markInPlace = <F extends object>(f: F): F => {
  inPlaceCapable.add(f);
  return f;
};

/** `{ inPlace: true }`, shared (no allocation per call). */
export const IN_PLACE: RunCallOptions = Object.freeze({ inPlace: true });

/** Whether a chunk function was marked with {@link markInPlace} (others are never passed a third argument). */
export const acceptsInPlace = (f: unknown): boolean => typeof f === 'function' && inPlaceCapable.has(f);

/** Where outputs of a run function go: `fresh` (default) or `reuse` (see the module docs). */
export type OutputPolicy = 'fresh' | 'reuse';

/**
 * Validates a run's output policy.
 * @throws SpikeflowError naming `outputs` when it is neither `fresh` nor `reuse`
 */
export const checkOutputPolicy = (where: string, outputs: unknown): OutputPolicy => {
  if (outputs === undefined || outputs === 'fresh') return 'fresh';
  if (outputs === 'reuse') return 'reuse';
  throw new SpikeflowError(where, 'outputs', `outputs must be "fresh" or "reuse", received ${show(outputs)}`);
};

/**
 * Validates a caller's `out` for a run of `length = T·M` elements of `dtype` over `input`.
 * @throws SpikeflowError naming `out` when it is not a Float32Array/Float64Array, has another
 *   dtype or length, or shares memory with the input
 */
export const checkOut = (where: string, out: unknown, dtype: DType, length: number, input: TensorData | undefined): TensorData => {
  if (!(out instanceof Float32Array || out instanceof Float64Array)) {
    throw new SpikeflowError(where, 'out', `out must be a Float32Array or Float64Array, received ${show(out)}`);
  }
  if (dtypeOf({ data: out }) !== dtype) {
    throw new SpikeflowError(where, 'out', `out has dtype ${dtypeOf({ data: out })} but the input has dtype ${dtype}`);
  }
  if (out.length !== length) {
    throw new SpikeflowError(where, 'out', `out must have T·M = ${length} elements, received ${out.length}`);
  }
  if (input !== undefined && out.buffer === input.buffer) {
    const a = out.byteOffset;
    const b = input.byteOffset;
    if (a < b + input.byteLength && b < a + out.byteLength) {
      throw new SpikeflowError(where, 'out', 'out must not share memory with the input');
    }
  }
  return out;
};

/**
 * Marks a caller's checked `out` array (see {@link checkOut}) as memory the caller keeps and
 * usually hands again: the `threads` workers' handles on it then hold no memory of their own until
 * the caller drops it (else a ring of such arrays made the workers collect garbage every few
 * calls; `holdUntilCollected` in `ops/outputPool.ts`). Arrays outside shared memory are left alone.
 * @param out - the caller's output array
 * @returns `out`
 */
export const holdCallerOut = (out: TensorData): TensorData => {
  if (typeof SharedArrayBuffer === 'function' && out.buffer instanceof SharedArrayBuffer) holdUntilCollected(out.buffer);
  return out;
};

/**
 * The output array a `reuse` run function keeps: grown (never shrunk) to the largest call, in
 * shared memory so that the `threads` backend writes it in place.
 */
export const keptOutput = (): ((dtype: DType, length: number) => TensorData) => {
  let kept: TensorData | undefined;
  return (dtype, length) => {
    if (kept === undefined || dtypeOf({ data: kept }) !== dtype || kept.length < length) {
      kept = allocateShared(dtype, length);
      // Kept call after call: worker threads' handles on it hold no memory of their own until it is dropped.
      if (typeof SharedArrayBuffer === 'function' && kept.buffer instanceof SharedArrayBuffer) holdUntilCollected(kept.buffer);
    }
    return kept.length === length ? kept : kept.subarray(0, length);
  };
};
