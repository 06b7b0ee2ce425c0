/**
 * A fused neuron run split across worker threads by neuron range: neurons of a feed-forward layer
 * are independent within a step, so `M` neurons split into contiguous ranges, one per thread,
 * and every thread runs all `T` steps of its range. The main thread takes the first range itself
 * and joins the workers with `Atomics.wait`, so a run stays synchronous. Each thread runs the same
 * engine (`engine.ts`): the update's wasm SIMD translation (`../wasm/`) when there is one, else
 * the `js` loop text — so results are bit for bit the `js` backend's, whatever the number of
 * threads.
 * @module
 */
import { SpikeflowError } from '../../errors.js';
import { heapAllocate, inSharedHeap, sharedHeapMemory } from '../../sharedHeap.js';
import type { DType, TensorData } from '../../tensor.js';
import type { NeuronUpdate } from '../../update/ir.js';
import { type CompiledUpdate, maskKey, type PerNeuronMask, updateSource } from '../../update/lowerJs.js';
import { compileWasmUpdate } from '../wasm/codegen.js';
import { conditionKey } from '../wasm/specialize.js';
import { createEngine, type EngineCall, type EngineSpec } from './engine.js';
import { checkThreadsOptions, hardwareThreads, planThreads, type ThreadsOptions, type ThreadsPlan } from './plan.js';
import { callStagesFresh, STAGING_KEEP_BYTES, stagesFresh } from './staging.js';
import { type EngineEntry, isShared, MAX_WORKERS, poolOf, splitRanges } from './workerPool.js';

/** An update compiled by {@link compileThreaded}: a {@link CompiledUpdate} that also tells its plan. */
export interface ThreadedKernel extends CompiledUpdate {
  /** Runs a call; with `nonFinite`, the wasm engine flags a non-finite input there (see {@link EngineCall}). */
  (call: EngineCall): void;
  /**
   * The plan for `T` steps of `M` neurons; `arrays` (the caller's input and output, when known):
   * one outside shared memory and too large to keep a staging buffer for means 1 thread
   * (`stagesFresh` in `staging.ts`), as the run itself then decides.
   */
  readonly plan: (T: number, M: number, arrays?: readonly (TensorData | undefined)[]) => ThreadsPlan;
  /** `wasm` or `js`. */
  readonly engine: 'wasm' | 'js';
  /** Why the wasm translation was not used, when it was not. */
  readonly wasmUnsupported?: string | undefined;
}

const FRESH_STAGING =
  '1 thread: an array outside shared memory is too large to stage for workers (a fresh shared copy costs more than a thread saves; sharedTensor avoids it)';

const engines = new WeakMap<NeuronUpdate, Map<string, EngineEntry>>();
let nextEngineId = 1;

/** A fresh engine identity (workers compile each engine once). */
export const newEngineId = (): number => nextEngineId++;

/**
 * Neurons per block of the wasm path (see `engine.ts`): wide, so that the tiles a thread copies
 * are long contiguous pieces of each row (measured at N = 1e5, T = 1000 on 2 cores: blocks of
 * 65536 neurons ran 1.3–1.5× faster than blocks of 8192 read in 32 KB pieces 400 KB apart).
 */
export const BLOCK_WIDTH = 65536;
/** Elements per array per tile of the wasm path (at least `MIN_TILE_ROWS` rows: see `engine.ts`). */
export const TILE_ELEMENTS = 32768;

/** Neurons per block of a call in the shared heap (its rows are read in place, `M` elements apart). */
export const HEAP_BLOCK_WIDTH = 65536;
/**
 * Elements per array per tile of a call in the shared heap (at least 8 rows: see `engine.ts`;
 * measured in Node, N = 1e5, T = 1000, one thread, load 11–12: 8 rows of 65536 neurons ran about
 * 1.2× faster than 4 rows, narrow blocks of 2048–4096 neurons × 64+ rows about 0.75×).
 */
export const HEAP_TILE_ELEMENTS = 262144;

/** Heap arrays kept for staging a heap call's arrays that live elsewhere (at most `STAGING_KEEP_BYTES` each). */
const heapStaging = new Map<string, TensorData>();
const stageInHeap = (role: string, dtype: DType, length: number): TensorData | undefined => {
  const kept = heapStaging.get(role);
  if (kept !== undefined && kept.length >= length && kept instanceof Float64Array === (dtype === 'float64'))
    return kept.subarray(0, length);
  if (length * (dtype === 'float64' ? 8 : 4) > STAGING_KEEP_BYTES) return undefined;
  const a = heapAllocate(dtype, length, false);
  if (a !== undefined) heapStaging.set(role, a);
  return a;
};

/**
 * The call in the shared heap (`sharedHeap.ts`): arrays that live elsewhere are copied into kept
 * heap arrays (and results back) — only the small ones (state, per-neuron parameters) unless
 * `stageAll` (web workers: every array up to `STAGING_KEEP_BYTES`, as the `SharedArrayBuffer`
 * staging of Node's pool); `undefined` when the inputs, output or records live elsewhere and are
 * not staged, or staging does not fit.
 */
const heapCall = (call: EngineCall, dtype: DType, back: (() => void)[], partial: boolean, stageAll: boolean): EngineCall | undefined => {
  if (!stageAll && !(call.inputs.every(inSharedHeap) && inSharedHeap(call.out) && (call.record ?? []).every(inSharedHeap)))
    return undefined;
  let ok = true;
  const place = (role: string, a: TensorData, copyIn: boolean, copyOut: boolean): TensorData => {
    if (inSharedHeap(a)) return a;
    const s = stageInHeap(role, dtype, a.length);
    if (s === undefined) {
      ok = false;
      return a;
    }
    if (copyIn) s.set(a);
    if (copyOut) back.push(() => a.set(s));
    return s;
  };
  const c: EngineCall = {
    ...call,
    inputs: call.inputs.map((a, j) => place(`in${j}`, a, true, false)),
    out: place('out', call.out, partial, true),
    state: call.state.map((a, j) => place(`state${j}`, a, true, true)),
    record: call.record?.map((a, j) => place(`record${j}`, a, partial, true)),
    paramArrays: call.paramArrays?.map((a, j) => (a === undefined ? undefined : place(`param${j}`, a, true, false))),
    heap: true,
  };
  if (!ok) back.length = 0;
  return ok ? c : undefined;
};

const engineFor = (
  update: NeuronUpdate,
  dtype: DType,
  recording: boolean,
  kind: 'auto' | 'wasm' | 'js',
  mask: PerNeuronMask | undefined,
  specialization?: string,
  narrow?: readonly boolean[],
) => {
  let byKey = engines.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    engines.set(update, byKey);
  }
  const wasm = kind === 'js' ? undefined : compileWasmUpdate(update, dtype, recording, mask, specialization, false, narrow);
  const unsupported = wasm !== undefined && 'unsupported' in wasm ? wasm.unsupported : undefined;
  if (kind === 'wasm' && unsupported !== undefined) {
    throw new SpikeflowError('compileThreaded', 'engine', `engine "wasm" cannot run kernel ${update.name}: ${unsupported}`);
  }
  const useWasm = wasm !== undefined && unsupported === undefined;
  const narrowed = useWasm && dtype === 'float64' && narrow?.some((x) => x) === true ? narrow : undefined;
  const key = `${dtype}:${recording}:${useWasm ? 'wasm' : 'js'}:${maskKey(mask)}:${useWasm ? (specialization ?? '*') : ''}:${maskKey(narrowed)}`;
  let entry = byKey.get(key);
  if (entry === undefined) {
    // The same module over the shared heap, where shared memory exists (see sharedHeap.ts).
    // (none for float32 inputs read by a float64 module: those calls take the copying path)
    const inHeap =
      useWasm && narrowed === undefined && typeof SharedArrayBuffer === 'function'
        ? compileWasmUpdate(update, dtype, recording, mask, specialization, true)
        : undefined;
    const spec: EngineSpec = {
      jsSource: updateSource(update, dtype, recording, mask),
      wasm: useWasm ? (wasm as Exclude<typeof wasm, { unsupported: string } | undefined>) : undefined,
      wasmHeap: inHeap === undefined || 'unsupported' in inHeap ? undefined : inHeap,
      nIn: update.inputs.length,
      nState: update.state.length,
      recording,
      perNeuron: (mask ?? []).flatMap((m, j) => (m ? [j] : [])),
      narrow: narrowed,
      blockWidth: BLOCK_WIDTH,
      tileElements: TILE_ELEMENTS,
      heapBlockWidth: HEAP_BLOCK_WIDTH,
      heapTileElements: HEAP_TILE_ELEMENTS,
    };
    entry = { id: newEngineId(), spec, main: createEngine(spec, sharedHeapMemory) };
    byKey.set(key, entry);
  }
  return { entry, unsupported: kind === 'js' ? 'engine "js" was asked for' : unsupported };
};

/** Whether two lists of numbers hold the same values (`Object.is`: NaN equals NaN, 0 differs from −0). */
const sameValues = (a: readonly number[], b: readonly number[]): boolean => {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
};

/**
 * Compiles an update for the multi-threaded engine. The result is a {@link CompiledUpdate}: it
 * runs `call` (all neurons, or `[call.lo, call.hi)`) on as many threads as {@link planThreads}
 * allows, each running the wasm SIMD translation of the update when there is one, else the `js`
 * loop. Equal, bit for bit, to `compileUpdate(update, dtype, recording, perNeuron)` on the same call.
 * @param update - the per-neuron update
 * @param dtype - `float32` or `float64`
 * @param recording - whether calls carry per-step state records
 * @param options - threads, least work per thread, engine
 * @param perNeuron - which parameters are per-neuron arrays (default none)
 * @param narrow - float64 runs: per input, whether calls pass it as a `Float32Array` that the wasm
 *   module then reads as float32 (widened exactly as it loads; training's float32 tapes in the
 *   float64 backward steps). Calls must then pass float32 there. Default none.
 * @throws SpikeflowError for invalid options, or `engine: 'wasm'` on an update that does not translate
 */
export const compileThreaded = (
  update: NeuronUpdate,
  dtype: DType,
  recording: boolean,
  options: ThreadsOptions = {},
  perNeuron?: PerNeuronMask,
  narrow?: readonly boolean[],
): ThreadedKernel => {
  const { maxThreads, minWork, minWidth, kind } = checkThreadsOptions('compileThreaded', options);
  const { entry, unsupported } = engineFor(update, dtype, recording, kind, perNeuron, undefined, narrow);
  const engine = entry.main.kind;
  // The wasm module specialized on the call's uniform tests (wasm/specialize.ts), per key.
  const keyOf = engine === 'wasm' ? conditionKey(update, dtype, perNeuron) : undefined;
  const specialized = new Map<string, EngineEntry>();
  // The last call's parameter values and module: evaluating the key costs ~25 µs, as much as a
  // small chunk's whole update (N = 1e3, 100 steps), and calls of a stream repeat their parameters.
  let last: { readonly params: readonly number[]; readonly dt: number; readonly entry: EngineEntry } | undefined;
  const entryFor = (call: EngineCall): EngineEntry => {
    if (keyOf === undefined) return entry;
    if (last !== undefined && Object.is(last.dt, call.dt) && sameValues(last.params, call.params)) return last.entry;
    const key = keyOf(call.params, call.dt);
    let e = specialized.get(key);
    if (e === undefined) {
      e = engineFor(update, dtype, recording, kind, perNeuron, key, narrow).entry;
      specialized.set(key, e);
    }
    last = { params: [...call.params], dt: call.dt, entry: e };
    return e;
  };
  const allowed = Math.min(maxThreads, hardwareThreads() >= 2 ? MAX_WORKERS + 1 : 1);

  const plan = (T: number, M: number, arrays: readonly (TensorData | undefined)[] = []): ThreadsPlan => {
    const p = planThreads(T, M, allowed, minWork, minWidth);
    if (p.threads > 1 && stagesFresh(arrays)) return { threads: 1, engine, reason: FRESH_STAGING };
    const ready = p.threads > 1 ? poolOf().ready(p.threads) : 1;
    const reason = ready < p.threads ? `${p.reason}; ${ready} ready (web workers starting)` : p.reason;
    const heapRun = engine === 'wasm' && (ready === 1 || poolOf().heapCalls);
    // in place: every given array lives in the shared heap (a loop: a stream plans every chunk)
    let given = 0;
    let inPlace = heapRun;
    for (let k = 0; inPlace && k < arrays.length; k++) {
      const a = arrays[k];
      if (a === undefined) continue;
      given++;
      inPlace = inSharedHeap(a);
    }
    inPlace = inPlace && given > 0;
    const staged = heapRun && ready > 1 && !inPlace;
    const where = inPlace
      ? '; in place in the shared WebAssembly memory'
      : staged
        ? '; arrays outside the shared WebAssembly memory copied into it'
        : '';
    const l = lastPlan;
    const full = where === '' ? reason : `${reason}${where}`;
    if (l !== undefined && l.threads === ready && l.reason === full) return l;
    lastPlan = Object.freeze({ threads: ready, engine, reason: full });
    return lastPlan;
  };
  let lastPlan: ThreadsPlan | undefined;

  const run = (call: EngineCall): void => {
    const lo = call.lo ?? 0;
    const hi = call.hi ?? call.M;
    const fresh = callStagesFresh(call.inputs, call.out, call.record);
    const planned = fresh ? 1 : planThreads(call.T, hi - lo, allowed, minWork, minWidth).threads;
    const p = planned > 1 ? poolOf() : undefined;
    const threads = p === undefined ? 1 : p.ready(planned);
    const chosen = entryFor(call);
    const back: (() => void)[] = [];
    // Arrays in the shared heap: every thread runs them in place (Node's workers copy them instead).
    const partial = lo !== 0 || hi !== call.M;
    const heapRuns = chosen.spec.wasmHeap !== undefined && (threads === 1 || p?.heapCalls === true);
    const inHeap = heapRuns ? heapCall(call, dtype, back, partial, threads > 1) : undefined;
    if (inHeap !== undefined) {
      if (p === undefined || threads === 1) chosen.main.runRange(inHeap, lo, hi);
      else p.run(chosen, inHeap, splitRanges(lo, hi, threads));
      for (const f of back) f();
      return;
    }
    if (p === undefined || threads === 1) {
      chosen.main.runRange(call, lo, hi);
      return;
    }
    // Share every array; stage the ones that are not shared already.
    // (staged in the array's own element type: a module may read float32 inputs as they are)
    const share = (role: string, a: TensorData, copyIn: boolean, copyOut: boolean): TensorData => {
      if (isShared(a)) return a;
      const s = p.stage(role, a instanceof Float32Array ? 'float32' : 'float64', a.length);
      if (copyIn) s.set(a);
      if (copyOut) back.push(() => a.set(s));
      return s;
    };
    const shared: EngineCall = {
      T: call.T,
      M: call.M,
      inputs: call.inputs.map((a, j) => share(`in${j}`, a, true, false)),
      out: share('out', call.out, partial, true),
      state: call.state.map((a, j) => share(`state${j}`, a, true, true)),
      record: call.record?.map((a, j) => share(`record${j}`, a, partial, true)),
      params: call.params,
      paramArrays: call.paramArrays?.map((a, j) => (a === undefined ? undefined : share(`param${j}`, a, true, false))),
      dt: call.dt,
      nonFinite: call.nonFinite,
      reverse: call.reverse,
    };
    p.run(chosen, shared, splitRanges(lo, hi, threads));
    for (const f of back) f();
  };

  return Object.assign(run, { plan, engine, wasmUnsupported: unsupported });
};
