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
 * caller hands to a call (for that call only), and the kept arrays of a run function built with
 * `outputs: 'reuse'` — its kept output and its kept state — which the caller agreed to share:
 * each call's output and new state are valid until the next call of the same run function (read
 * them, copy them or pass them on before then; passing the state on to that next call is the
 * usual loop `[z, s] = run(xs, s)`).
 *
 * State: a run never changes the state it is given and returns a new one, except when the caller
 * gives its state up with `run(xs, state, { inPlace: true })`: the run may then write the new
 * state into the given state's arrays and return that same state object. The `layer` stream
 * operator does so for the state it alone holds (no probe; never the caller's `options.state`),
 * so that a stream of chunks allocates no state per chunk.
 *
 * Kept state (`outputs: 'reuse'`, {@link keptState}): the new state is written into arrays the
 * run function keeps (one shared allocation for every variable, grown as needed, never shrunk),
 * not into fresh memory (at `N = 1e4` a fresh LIF state is an 80 KB pooled slot per call, which
 * came back only at spikeflow's next collection). When the state given to a call is the kept state
 * the previous call returned, it is updated in place (as `inPlace`); any other state (the
 * caller's own; one from another run function) is left alone and copied into the kept arrays
 * first; without a state the initial state is written into them (no state allocated at all). A
 * state an earlier call of the same run function returned (not the last one) has been overwritten
 * since: it is refused with a `SpikeflowError` naming `state` (else two users of one run function,
 * e.g. two subscriptions of one `layer`, would silently continue from each other's state). Each
 * call returns a new state record (one small object) over the kept tensors, so that such a state
 * is told apart. The kept state's values are not scanned for finiteness again. If a call throws,
 * the kept state's contents are unspecified. The states a run with `record: true` records per step
 * are not kept: they are new arrays per call, the caller's alone, as with `fresh`.
 * @module
 */
import { isDeviceTensor } from '../ops/backends/device.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { holdUntilCollected } from '../ops/outputPool.js';
import { allocateShared, type DType, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';

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

/**
 * The state a `reuse` run function keeps (see the module docs): {@link KeptState.holds} says
 * whether a given state is the one the previous call returned (then the run updates it in place),
 * {@link KeptState.stale} whether it is one an earlier call returned (overwritten since);
 * {@link KeptState.fill} copies another state into the kept arrays and returns them as a state
 * record; {@link KeptState.returned} makes the record the call returns.
 */
export interface KeptState {
  /** Whether `state` is the state record the previous call returned over the kept arrays (identity). */
  readonly holds: (state: unknown) => boolean;
  /** Whether `state` is a state record an earlier call returned over the kept arrays, not the last one. */
  readonly stale: (state: unknown) => boolean;
  /**
   * The kept arrays as a frozen state record of `shape` (`M` elements per variable `names[k]`,
   * `dtype`), holding the values of `from` (copied in) or, without `from`, unspecified values (the
   * caller writes every element): one shared allocation of `names.length·M` elements, reallocated
   * when it is smaller, of another dtype, or shares memory with `from` or `input` (so that neither
   * is overwritten before it is read), else overwritten.
   * @param from - the state to start from (host arrays, already checked), if any
   * @param input - the call's input data (undefined for a device input)
   */
  readonly fill: (
    dtype: DType,
    M: number,
    names: readonly string[],
    shape: readonly number[],
    from: Readonly<Record<string, Tensor>> | undefined,
    input: TensorData | undefined,
  ) => Readonly<Record<string, Tensor>>;
  /**
   * The state a call returns. `ran` is the kept record the run was asked to update in place
   * (from {@link KeptState.fill} or {@link KeptState.holds}), undefined when the kept arrays were
   * not used. When the backend updated it (`next === ran`), the call returns a new frozen record
   * over the same tensors (one small object: so that a record an earlier call returned is told
   * apart, {@link KeptState.stale}), which becomes the kept record; when it returned arrays of its
   * own (a backend that does not update in place), that state is the caller's and none is kept.
   */
  readonly returned: <T extends object>(next: T, ran: object | undefined) => T;
}

/** Whether `a` lies in `buffer`. */
const inBuffer = (a: TensorData | undefined, buffer: ArrayBufferLike): boolean => a !== undefined && a.buffer === buffer;

/**
 * Creates the kept state of a `reuse` run function (see the module docs and {@link KeptState}).
 * @returns a new, empty kept state
 */
export const keptState = (): KeptState => {
  let kept: TensorData | undefined;
  // the record the last call returned over the kept arrays, and every such record returned
  let last: object | undefined;
  const made = new WeakSet<object>();
  return {
    holds: (state) => state !== undefined && state === last,
    stale: (state) => typeof state === 'object' && state !== null && state !== last && made.has(state),
    fill: (dtype, M, names, shape, from, input) => {
      const n = names.length * M;
      let fresh = kept === undefined || dtypeOf({ data: kept }) !== dtype || kept.length < n;
      if (!fresh) {
        const buffer = (kept as TensorData).buffer;
        fresh = inBuffer(input, buffer);
        for (let k = 0; !fresh && from !== undefined && k < names.length; k++)
          fresh = inBuffer((from[names[k] as string] as Tensor).data, buffer);
      }
      if (fresh) {
        kept = allocateShared(dtype, n);
        // Kept call after call: worker threads' handles on it hold no memory of their own until it is dropped.
        if (typeof SharedArrayBuffer === 'function' && kept.buffer instanceof SharedArrayBuffer) holdUntilCollected(kept.buffer);
      }
      const k0 = kept as TensorData;
      const record: Record<string, Tensor> = {};
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const a = k0.subarray(k * M, (k + 1) * M);
        if (from !== undefined) a.set((from[name] as Tensor).data);
        record[name] = fromTypedArray(a, shape);
      }
      // the kept arrays now hold other values: no record returned before is valid
      last = undefined;
      return Object.freeze(record);
    },
    returned: <T extends object>(next: T, ran: object | undefined): T => {
      if (ran === undefined) return next;
      if (next !== ran) {
        last = undefined;
        return next;
      }
      const record: Record<string, unknown> = {};
      for (const name in next) record[name] = next[name];
      const fresh = Object.freeze(record) as T;
      last = fresh;
      made.add(fresh);
      return fresh;
    },
  };
};

/** Whether any variable of a state lives on a device (its data would be read back to copy it). */
export const onDevice = (state: Readonly<Record<string, unknown>>, names: readonly string[]): boolean => {
  for (let k = 0; k < names.length; k++) if (isDeviceTensor(state[names[k] as string])) return true;
  return false;
};
