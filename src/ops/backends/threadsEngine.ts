/**
 * The code every thread of the `threads` backend runs, as JavaScript source text: the main thread
 * compiles it with `new Function` and each worker evaluates the same text, so all threads run the
 * same loops (and the result cannot depend on which thread computed which neurons).
 *
 * - {@link ENGINE_SOURCE} defines `createEngine(spec)`, which compiles a kernel (the `js` loop
 *   text from `kernelSource`, and the wasm SIMD module when there is one) and returns
 *   `runRange(call, lo, hi)`: neurons `[lo, hi)` of a {@link KernelCall} over all `T` steps. The
 *   wasm path copies tiles (a block of neurons × a few steps) into the module's memory, runs them,
 *   and copies results back; blocks keep the state in L1/L2 cache.
 * - {@link WORKER_SOURCE} is a worker's program: it waits on a shared control word
 *   (`Atomics.wait`), takes the job from its message port (`receiveMessageOnPort`), runs its
 *   range, and signals completion (`Atomics.add` + `Atomics.notify`); the main thread joins with
 *   `Atomics.wait`, so the fork-join is synchronous.
 *
 * Plain text rather than a module file, so that workers start the same way under tsx, vitest and
 * the built package (`new Worker(source, { eval: true })`).
 * @module
 */

/** What `createEngine` compiles. */
export interface EngineSpec {
  /** `neuron` (default): a neuron kernel; `linear`: the event-driven linear map (`linearWasmKernel`). */
  readonly kind?: 'neuron' | 'linear';
  /** `kernelSource(kernel, dtype, recording)`. */
  readonly jsSource: string;
  /** The wasm module, when the kernel translates (see `wasmSimd.ts`). */
  readonly wasm?:
    | { readonly bytes: Uint8Array; readonly lanes: number; readonly bytesPerElement: number; readonly imports: readonly string[] }
    | undefined;
  /** Inputs, state variables and recording, as in the kernel. */
  readonly nIn: number;
  readonly nState: number;
  readonly recording: boolean;
  /** Neurons per block of the wasm path. */
  readonly blockWidth: number;
  /** Elements per array per tile of the wasm path. */
  readonly tileElements: number;
}

/** A compiled engine: runs neurons `[lo, hi)` of a call. */
export interface Engine {
  readonly runRange: (call: import('../kernel.js').KernelCall, lo: number, hi: number) => void;
  /** `wasm` or `js`. */
  readonly kind: 'wasm' | 'js';
}

/** Source of `function createEngine(spec) → Engine` (see module docs). */
export const ENGINE_SOURCE = `
function createEngine(spec) {
  if (spec.kind === 'linear') return createLinearEngine(spec);
  const js = new Function(spec.jsSource)();
  if (spec.wasm === undefined || spec.wasm === null) {
    return {
      kind: 'js',
      runRange(call, lo, hi) {
        js({ T: call.T, M: call.M, inputs: call.inputs, out: call.out, state: call.state, record: call.record,
             params: call.params, dt: call.dt, lo, hi });
      },
    };
  }
  const w = spec.wasm;
  const math = {};
  for (const f of w.imports) math[f] = Math[f];
  const instance = new WebAssembly.Instance(new WebAssembly.Module(w.bytes), { math });
  const run = instance.exports.run;
  const memory = instance.exports.memory;
  const L = w.lanes, E = w.bytesPerElement, Arr = E === 4 ? Float32Array : Float64Array;
  const nIn = spec.nIn, nState = spec.nState, nRec = spec.recording ? spec.nState : 0;
  let view = new Arr(memory.buffer);
  const ensure = (elements) => {
    const bytes = elements * E;
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
      view = new Arr(memory.buffer);
    }
  };
  // run(T, V, S, ...inputs, out, ...state, ...record, ...params, dt): arguments reused call to call.
  const args = [];
  return {
    kind: 'wasm',
    runRange(call, lo, hi) {
      const T = call.T, M = call.M;
      if (hi <= lo || T === 0) return;
      const ins = call.inputs, out = call.out, st = call.state, rec = call.record;
      // Rows of the whole layer are contiguous when one block covers them: one copy per tile.
      const whole = lo === 0 && hi === M && M <= spec.blockWidth * 4;
      const bw = whole ? M : Math.min(spec.blockWidth, hi - lo);
      const tb = Math.max(1, Math.min(T, Math.floor(spec.tileElements / bw)));
      const vec = Math.ceil(bw / L) * L;
      const tile = tb * bw + L;
      // Layout (elements): inputs, out, records (tiles), then states (vec each).
      const inOff = [], recOff = [], stOff = [];
      let p = 0;
      for (let j = 0; j < nIn; j++) { inOff.push(p); p += tile; }
      const outOff = p; p += tile;
      for (let j = 0; j < nRec; j++) { recOff.push(p); p += tile; }
      for (let j = 0; j < nState; j++) { stOff.push(p); p += vec; }
      ensure(p);
      args.length = 0;
      args.push(0, 0, 0);
      for (let j = 0; j < nIn; j++) args.push(inOff[j] * E);
      args.push(outOff * E);
      for (let j = 0; j < nState; j++) args.push(stOff[j] * E);
      for (let j = 0; j < nRec; j++) args.push(recOff[j] * E);
      for (let j = 0; j < call.params.length; j++) args.push(call.params[j]);
      args.push(call.dt);
      for (let n0 = lo; n0 < hi; n0 += bw) {
        const wdt = Math.min(bw, hi - n0);
        for (let j = 0; j < nState; j++) view.set(st[j].subarray(n0, n0 + wdt), stOff[j]);
        args[1] = Math.ceil(wdt / L);
        args[2] = wdt * E;
        for (let t0 = 0; t0 < T; t0 += tb) {
          const rows = Math.min(tb, T - t0);
          if (wdt === M) {
            for (let j = 0; j < nIn; j++) view.set(ins[j].subarray(t0 * M, (t0 + rows) * M), inOff[j]);
          } else {
            for (let t = 0; t < rows; t++) {
              const src = (t0 + t) * M + n0;
              for (let j = 0; j < nIn; j++) view.set(ins[j].subarray(src, src + wdt), inOff[j] + t * wdt);
            }
          }
          args[0] = rows;
          run.apply(null, args);
          if (wdt === M) {
            out.set(view.subarray(outOff, outOff + rows * M), t0 * M);
            for (let j = 0; j < nRec; j++) rec[j].set(view.subarray(recOff[j], recOff[j] + rows * M), t0 * M);
          } else {
            for (let t = 0; t < rows; t++) {
              const dst = (t0 + t) * M + n0;
              out.set(view.subarray(outOff + t * wdt, outOff + (t + 1) * wdt), dst);
              for (let j = 0; j < nRec; j++) rec[j].set(view.subarray(recOff[j] + t * wdt, recOff[j] + (t + 1) * wdt), dst);
            }
          }
        }
        for (let j = 0; j < nState; j++) st[j].set(view.subarray(stOff[j], stOff[j] + wdt), n0);
      }
    },
  };
}

function createLinearEngine(spec) {
  const w = spec.wasm;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(w.bytes), {});
  const run = instance.exports.run;
  const memory = instance.exports.memory;
  const L = w.lanes, E = w.bytesPerElement, Arr = E === 4 ? Float32Array : Float64Array;
  let view = new Arr(memory.buffer);
  let loaded = -1;
  const ensure = (elements) => {
    const bytes = elements * E;
    if (bytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
      view = new Arr(memory.buffer);
    }
  };
  return {
    kind: 'wasm',
    // Rows [lo, hi) of y = x Wᵀ + b; call: { x, out, K, O, wt (Wᵀ, [K, O]), wtId, bias }.
    runRange(call, lo, hi) {
      if (hi <= lo) return;
      const K = call.K, O = call.O;
      const wtLen = K * O + L, biasOff = wtLen, biasLen = O + L;
      const tr = Math.max(1, Math.min(hi - lo, Math.floor(spec.tileElements / Math.max(K, O, 1))));
      const xOff = biasOff + biasLen, outOff = xOff + tr * K + L;
      ensure(outOff + tr * O + L);
      if (loaded !== call.wtId) {
        view.set(call.wt, 0);
        loaded = call.wtId;
      }
      const hasBias = call.bias === undefined || call.bias === null ? 0 : 1;
      if (hasBias) view.set(call.bias, biasOff);
      const V = Math.ceil(O / L);
      for (let r = lo; r < hi; r += tr) {
        const n = Math.min(tr, hi - r);
        view.set(call.x.subarray(r * K, (r + n) * K), xOff);
        run(n, K, O, V, xOff * E, 0, biasOff * E, outOff * E, hasBias);
        call.out.set(view.subarray(outOff, outOff + n * O), r * O);
      }
    },
  };
}
`;

/**
 * Source of a worker's program (evaluated with `new Worker(source, { eval: true })`). Its
 * `workerData` is `{ control, port, genIndex, errIndex }`: `control` an `Int32Array` over a
 * `SharedArrayBuffer` whose `[0]` counts the workers still running the current job,
 * `[genIndex]` is this worker's job generation (the main thread adds 1 per job, stores −1 to stop)
 * and `[errIndex]` is set to 1 when a job failed (the error's text then follows on `port`).
 * Messages on `port`: `{ type: 'engine', id, spec }` compiles an engine and keeps it;
 * `{ type: 'job', engine, call, lo, hi, large }` runs neurons `[lo, hi)` of `call`.
 *
 * Memory: every job message gives the worker its own handles on the job's `SharedArrayBuffer`s,
 * and a shared buffer is freed only when every thread holding a handle has collected it. A worker
 * blocked in `Atomics.wait` allocates almost nothing, so its heap would never be collected and
 * it would keep every output it ever wrote alive (gigabytes per run of a large layer). After a
 * `large` job (buffers of 8 MB or more) the worker therefore runs a garbage collection of its own
 * (a small heap: well under a millisecond), after signalling completion. The collector is reached
 * the way Node's documentation shows (`v8.setFlagsFromString('--expose-gc')` then
 * `vm.runInNewContext('gc')`); the flag is process-wide but only gives contexts created later a
 * `gc` function.
 */
export const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
${ENGINE_SOURCE}
const { control, port, genIndex, errIndex } = workerData;
const engines = new Map();
let collect = null;
try {
  require('node:v8').setFlagsFromString('--expose-gc');
  collect = require('node:vm').runInNewContext('gc');
} catch (e) {
  collect = null;
}
// Runs the queued messages; returns whether a large job ran. A function of its own, so that no
// handle on a job's buffers survives in a frame once it returns.
function drain() {
  let error = null;
  let large = false;
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    const msg = m.message;
    try {
      if (msg.type === 'engine') engines.set(msg.id, createEngine(msg.spec));
      else if (msg.type === 'job') {
        large = large || msg.large === true;
        engines.get(msg.engine).runRange(msg.call, msg.lo, msg.hi);
      }
    } catch (e) {
      error = e;
    }
  }
  if (error !== null) {
    Atomics.store(control, errIndex, 1);
    port.postMessage({ type: 'error', message: String((error && error.stack) || error) });
  }
  return large;
}
let seen = 0;
for (;;) {
  Atomics.wait(control, genIndex, seen);
  const generation = Atomics.load(control, genIndex);
  if (generation < 0) break;
  if (generation === seen) continue;
  seen = generation;
  const large = drain();
  if (Atomics.sub(control, 0, 1) === 1) Atomics.notify(control, 0);
  if (large && collect !== null) collect();
}
`;
