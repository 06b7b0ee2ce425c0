/**
 * The contract of the `threads` backend's engines (`engine.ts`): what {@link EngineSpec} an engine
 * is compiled from (structured-cloned to the workers), the calls it runs ({@link EngineCall} for
 * neuron updates, {@link LinearCall} for the spike-driven linear map) and the compiled
 * {@link Engine}. Types only: the engine's own text, which workers evaluate, stays in `engine.ts`.
 * @module
 */
import type { UpdateCall } from '../../update/lowerJs.js';

/** The wasm part of an engine: a module with its lane layout (see `src/ops/backends/wasm/`). */
export interface EngineWasm {
  readonly bytes: Uint8Array;
  readonly lanes: number;
  readonly bytesPerElement: number;
  readonly imports: readonly string[];
}

/** What `createEngine` (`engine.ts`) compiles (structured-cloned to the workers). */
export interface EngineSpec {
  /**
   * `neuron` (default): an update; `linear`: the spike-driven linear map (`wasm/linear.ts`);
   * `source`: an engine of its own, `jsSource` being the body of a function of `spec` that returns
   * it (the training kernels, `threads/training.ts`).
   */
  readonly kind?: 'neuron' | 'linear' | 'source';
  /** What a `source` engine reads from its spec. */
  readonly options?: unknown;
  /** `updateSource(update, dtype, recording, perNeuron)`. */
  readonly jsSource: string;
  /** The wasm module, when the update translates. */
  readonly wasm?: EngineWasm | undefined;
  /**
   * The same module importing the shared heap's memory (`env.memory`, see `ops/sharedHeap.ts`):
   * it runs calls whose arrays all live there ({@link EngineCall.heap}) in place, with no copies.
   */
  readonly wasmHeap?: EngineWasm | undefined;
  /** Inputs and state variables of the update. */
  readonly nIn: number;
  readonly nState: number;
  /** Whether calls carry per-step records. */
  readonly recording: boolean;
  /** Indices (in `update.params`) of the per-neuron parameters. */
  readonly perNeuron: readonly number[];
  /** Neurons per block of the wasm path. */
  readonly blockWidth: number;
  /** Elements per array per tile of the wasm path (a tile has at least 4 rows). */
  readonly tileElements: number;
  /**
   * Per input, whether the wasm module reads it as float32 in a float64 run (`narrowInputs` of
   * `wasm/codegen.ts`): its tiles are copied in as float32 (no widening here) and every call passes
   * a `Float32Array` there. Default none.
   */
  readonly narrow?: readonly boolean[] | undefined;
  /** Neurons per block of calls in the shared heap (default {@link EngineSpec.blockWidth}). */
  readonly heapBlockWidth?: number | undefined;
  /** Elements per array per tile of calls in the shared heap (default {@link EngineSpec.tileElements}). */
  readonly heapTileElements?: number | undefined;
}

/**
 * A call of the linear engine: rows of `y = x Wᵀ + b` (`wt` = Wᵀ in column tiles of `tw` outputs,
 * `[⌈O/tw⌉, K, tw]` as `tileWeights` of `wasm/linear.ts` lays it out; `wtId` its identity).
 */
export interface LinearCall {
  readonly x: Float32Array | Float64Array;
  readonly out: Float32Array | Float64Array;
  readonly K: number;
  readonly O: number;
  readonly wt: Float32Array | Float64Array;
  readonly wtId: number;
  readonly tw: number;
  /** Inputs per chunk: the weights of one column tile and chunk stay in cache while every row uses them. */
  readonly kc: number;
  /** Shared flag: set to 1 by the caller, cleared by any block whose inputs are not all 0 or 1. */
  readonly spikes: Int32Array;
  readonly bias?: Float32Array | Float64Array | undefined;
}

/** A compiled engine: runs neurons (or rows) `[lo, hi)` of a call. */
export interface Engine {
  readonly runRange: (call: UpdateCall | LinearCall, lo: number, hi: number) => void;
  /** `wasm` or `js`. */
  readonly kind: 'wasm' | 'js';
}

/**
 * A neuron call of the engine: an {@link UpdateCall}, plus `nonFinite`, a shared flag the wasm path
 * sets to 1 when an input tile it copies in holds a NaN or ±Infinity (it checks every tile with
 * the module's `finite`, so the caller need not pass over the whole input first). The `js` path
 * does not check.
 */
export interface EngineCall extends UpdateCall {
  readonly nonFinite?: Int32Array | undefined;
  /**
   * Run the steps from the last to the first (`T − 1, …, 0`; backpropagation through time): step
   * `t` still reads and writes row `t` of every per-step array. Default false. Reversed calls take
   * the copying path (not the shared heap's).
   */
  readonly reverse?: boolean | undefined;
  /**
   * Every array of the call (inputs, out, state, records, per-neuron parameters) lives in the
   * shared heap: the engine's {@link EngineSpec.wasmHeap} module reads and writes them in place
   * (pointers are the arrays' byte offsets), whole SIMD vectors of neurons at a time; a range's
   * last `width mod lanes` neurons go through the copying path.
   */
  readonly heap?: boolean | undefined;
}
