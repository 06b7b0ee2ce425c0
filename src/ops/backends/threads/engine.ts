/**
 * The code every thread of the `threads` backend runs: {@link createEngine} compiles an update
 * (the `js` loop text of `src/ops/update/lowerJs.ts`, and the wasm SIMD module when there is one) and
 * returns `runRange(call, lo, hi)`: neurons `[lo, hi)` of an {@link UpdateCall} over all `T`
 * steps. The wasm path copies tiles (a block of neurons × a few steps) into the module's memory,
 * runs them, and copies the results back; blocks keep the state in L1/L2 cache.
 *
 * The main thread calls these functions directly; workers evaluate their text (`worker.ts`), so
 * every function here is self-contained: it uses nothing from outside its own body but globals
 * (`Math`, `WebAssembly`, typed arrays, `Function`). The types it is compiled from and runs
 * (`EngineSpec`, `EngineCall`, `LinearCall`, `Engine`) are in `engineTypes.ts`, re-exported here.
 * @module
 */
import type { UpdateCall } from '../../update/lowerJs.js';
import type { Engine, EngineCall, EngineSpec, EngineWasm, LinearCall } from './engineTypes.js';

export type { Engine, EngineCall, EngineSpec, EngineWasm, LinearCall } from './engineTypes.js';

type Floats = Float32Array | Float64Array;
type WasmExports = { run: (...args: number[]) => number; finite: (p: number, n: number) => number; memory: WebAssembly.Memory };

/**
 * Compiles an engine (see the module docs). Self-contained: workers evaluate its text.
 * @param spec - what to compile
 * @param heapMemory - the shared heap's memory (asked for on the first {@link EngineCall.heap} call)
 */
export function createEngine(spec: EngineSpec, heapMemory?: () => WebAssembly.Memory | undefined): Engine {
  const instantiate = (w: EngineWasm, math: Record<string, unknown>, memory?: WebAssembly.Memory) => {
    const imports = memory === undefined ? { math } : { math, env: { memory } };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(w.bytes as Uint8Array<ArrayBuffer>), imports as WebAssembly.Imports);
    const ex = instance.exports as unknown as WasmExports;
    const Arr = w.bytesPerElement === 4 ? Float32Array : Float64Array;
    const mem = { view: new Arr(ex.memory.buffer) as Floats };
    const ensure = (elements: number): void => {
      const bytes = elements * w.bytesPerElement;
      if (bytes > ex.memory.buffer.byteLength) {
        ex.memory.grow(Math.ceil((bytes - ex.memory.buffer.byteLength) / 65536));
        mem.view = new Arr(ex.memory.buffer);
      }
    };
    return { run: ex.run, finite: ex.finite, mem, ensure };
  };

  if (spec.kind === 'source') return new Function('spec', spec.jsSource)(spec) as Engine;

  if (spec.kind === 'linear') {
    // The spike-driven linear map (`wasm/linear.ts`): Wᵀ in column tiles, loaded once per weight;
    // rows in blocks of at most `tileElements` inputs.
    const w = spec.wasm as EngineWasm;
    const { run, mem, ensure } = instantiate(w, {});
    const E = w.bytesPerElement;
    let loaded = -1;
    return {
      kind: 'wasm',
      runRange(c, lo, hi) {
        const call = c as LinearCall;
        if (hi <= lo) return;
        const K = call.K;
        const O = call.O;
        const TW = call.tw;
        const J = Math.ceil(O / TW);
        const P = J * TW;
        const tr = Math.max(1, Math.min(hi - lo, Math.floor(spec.tileElements / Math.max(K, 1))));
        const biasOff = J * K * TW;
        const xOff = biasOff + P;
        const outOff = xOff + tr * K;
        const idxOff = outOff + tr * P;
        const endsOff = idxOff + Math.ceil((tr * K * 4) / E);
        const KC = call.kc;
        ensure(endsOff + Math.ceil((tr * Math.ceil(K / KC) * 4) / E) + 1);
        const view = mem.view;
        if (loaded !== call.wtId) {
          view.set(call.wt, 0);
          loaded = call.wtId;
        }
        const hasBias = call.bias === undefined || call.bias === null ? 0 : 1;
        if (hasBias === 1) view.set(call.bias as Floats, biasOff);
        for (let r = lo; r < hi; r += tr) {
          const n = Math.min(tr, hi - r);
          view.set(call.x.subarray(r * K, (r + n) * K), xOff);
          const ones = run(n, K, J, xOff * E, 0, biasOff * E, outOff * E, hasBias, idxOff * E, endsOff * E, KC);
          if (ones === 0) call.spikes[0] = 0;
          if (P === O) call.out.set(view.subarray(outOff, outOff + n * O), r * O);
          else for (let q = 0; q < n; q++) call.out.set(view.subarray(outOff + q * P, outOff + q * P + O), (r + q) * O);
        }
      },
    };
  }

  const js = new Function(spec.jsSource)() as (call: UpdateCall) => void;
  const w = spec.wasm;
  if (w === undefined || w === null) {
    return {
      kind: 'js',
      runRange(c, lo, hi) {
        const call = c as EngineCall;
        if (call.reverse !== true) {
          js({ ...call, lo, hi });
          return;
        }
        const M = call.M;
        const row = (a: Floats, t: number) => a.subarray(t * M, (t + 1) * M);
        for (let t = call.T - 1; t >= 0; t--) {
          js({
            ...call,
            T: 1,
            inputs: call.inputs.map((a) => row(a as Floats, t)),
            out: row(call.out as Floats, t),
            record: call.record?.map((a) => row(a as Floats, t)),
            lo,
            hi,
          });
        }
      },
    };
  }
  // One loop per direction, so that each sees one pair of array types (fast element access).
  const widen = (d: Float64Array, to: number, a: Float32Array, from: number, n: number): void => {
    for (let k = 0; k < n; k++) d[to + k] = a[from + k] as number;
  };
  const narrow = (d: Float32Array, to: number, a: Float64Array, from: number, n: number): void => {
    for (let k = 0; k < n; k++) d[to + k] = a[from + k] as number;
  };
  const math: Record<string, unknown> = {};
  for (const f of w.imports) math[f] = (Math as unknown as Record<string, unknown>)[f];
  const { run, finite, mem, ensure } = instantiate(w, math);
  const L = w.lanes;
  const E = w.bytesPerElement;
  const nIn = spec.nIn;
  const nState = spec.nState;
  const nRec = spec.recording ? spec.nState : 0;
  const pn = spec.perNeuron;
  const nar = Array.from({ length: nIn }, (_, j) => spec.narrow?.[j] === true);
  const anyNarrow = nar.some((x) => x);
  // A float32 view of the module's memory (float32 inputs of a float64 module), renewed when it grows.
  let v32: Float32Array = new Float32Array(0);
  const view32 = (): Float32Array => {
    if (v32.buffer !== mem.view.buffer) v32 = new Float32Array(mem.view.buffer);
    return v32;
  };
  // run(T, V, S, ...inputs, out, ...state, ...record, ...perNeuron, ...params, dt): arguments reused call to call.
  const args: number[] = [];
  // each input's and record's tile start (elements) in the current tile
  const tileAt: number[] = [];
  let heapRun: ReturnType<typeof instantiate> | undefined;
  const pointer = (a: Floats | undefined, element: number): number => (a as Floats).byteOffset + element * E;
  /** Neurons [lo, hi) (a multiple of the lanes wide) of a call whose arrays live in the shared heap, in place. */
  const runInHeap = (call: EngineCall, lo: number, hi: number): void => {
    if (heapRun === undefined) {
      const memory = heapMemory?.();
      if (memory === undefined || spec.wasmHeap === undefined || spec.wasmHeap === null) throw new Error('no shared heap in this thread');
      heapRun = instantiate(spec.wasmHeap, math, memory);
    }
    const { run: hrun, finite: hfinite } = heapRun;
    const T = call.T;
    const M = call.M;
    const flag = call.nonFinite;
    const a: number[] = [];
    const bw = Math.max(L, Math.floor(Math.min(spec.heapBlockWidth ?? spec.blockWidth, hi - lo) / L) * L);
    // At least 8 steps per tile: the state (loaded and stored once per tile) then moves a quarter of the input and output bytes.
    const tb = Math.max(1, Math.min(T, Math.max(8, Math.floor((spec.heapTileElements ?? spec.tileElements) / bw))));
    for (let n0 = lo; n0 < hi; n0 += bw) {
      const wdt = Math.min(bw, hi - n0);
      for (let t0 = 0; t0 < T; t0 += tb) {
        const rows = Math.min(tb, T - t0);
        const at = t0 * M + n0;
        if (flag !== undefined && flag !== null) {
          for (const x of call.inputs) {
            let ok = 1;
            if (wdt === M) ok = hfinite(pointer(x, at), rows * M * E);
            else for (let t = 0; t < rows && ok === 1; t++) ok = hfinite(pointer(x, at + t * M), wdt * E);
            if (ok === 0) flag[0] = 1;
          }
        }
        a.length = 0;
        a.push(rows, wdt / L, M * E);
        for (const x of call.inputs) a.push(pointer(x, at));
        a.push(pointer(call.out, at));
        for (const x of call.state) a.push(pointer(x, n0));
        for (let j = 0; j < nRec; j++) a.push(pointer(call.record?.[j], at));
        for (const j of pn) a.push(pointer(call.paramArrays?.[j], n0));
        for (const x of call.params) a.push(x);
        a.push(call.dt);
        hrun.apply(null, a);
      }
    }
  };
  // Input j's element `k` of the tile: float32 inputs of a float64 module are stored as float32
  // from the tile's first byte (rows `wdt` float32 apart), read and widened by the module.
  // (one function, not a closure made per call: a stream calls it every chunk)
  const copyIn = (
    view: Floats,
    v4: Float32Array | undefined,
    a: Floats,
    from: number,
    n: number,
    to: number,
    j: number,
    k: number,
  ): void => {
    if (nar[j] === true) {
      if (!(a instanceof Float32Array)) throw new Error(`input ${j} must be a Float32Array (the module reads float32 there)`);
      (v4 as Float32Array).set(a.subarray(from, from + n), to * 2 + k);
    } else if (a.BYTES_PER_ELEMENT === E) view.set(a.subarray(from, from + n), to + k);
    else if (E === 8) widen(view as Float64Array, to + k, a as Float32Array, from, n);
    else narrow(view as Float32Array, to + k, a as Float64Array, from, n);
  };
  type Layout = {
    readonly bw: number;
    readonly tb: number;
    readonly gaps: boolean;
    readonly inOff: readonly number[];
    readonly recOff: readonly number[];
    readonly stOff: readonly number[];
    readonly pnOff: readonly number[];
    readonly outOff: number;
    readonly end: number;
  };
  let lastLayout: Layout | undefined;
  // Layout (elements) of `bw` neurons × `tb` steps: inputs, out, records (tiles), then states and
  // per-neuron params (vec each); `gaps`: rows may lie `bw + 1` apart (see `stride` below). The last
  // one is kept (a stream's chunks ask the same).
  const layoutOf = (bw: number, tb: number, gaps: boolean): Layout => {
    if (lastLayout !== undefined && lastLayout.bw === bw && lastLayout.tb === tb && lastLayout.gaps === gaps) return lastLayout;
    const vec = Math.ceil(bw / L) * L;
    // rows `bw` (with gaps: up to `bw + 1`) apart; the `L` after them hold the last row's spill and one element of shift
    const tile = tb * (gaps ? bw + 1 : bw) + L;
    const inOff: number[] = [];
    const recOff: number[] = [];
    const stOff: number[] = [];
    const pnOff: number[] = [];
    let p = 0;
    for (let j = 0; j < nIn; j++) {
      inOff.push(p);
      p += tile;
    }
    const outOff = p;
    p += tile;
    for (let j = 0; j < nRec; j++) {
      recOff.push(p);
      p += tile;
    }
    for (let j = 0; j < nState; j++) {
      stOff.push(p);
      p += vec;
    }
    for (let j = 0; j < pn.length; j++) {
      pnOff.push(p);
      p += vec;
    }
    lastLayout = { bw, tb, gaps, inOff, recOff, stOff, pnOff, outOff, end: p };
    return lastLayout;
  };
  return {
    kind: 'wasm',
    runRange(c, lo, hi) {
      const call = c as EngineCall;
      const T = call.T;
      const M = call.M;
      if (hi <= lo || T === 0) return;
      // Reversed runs: tile row r is step T − 1 − (t0 + r), so rows are copied one at a time.
      const rev = call.reverse === true;
      if (call.heap === true && !rev && !anyNarrow) {
        const end = lo + Math.floor((hi - lo) / L) * L;
        if (end > lo) runInHeap(call, lo, end);
        if (end === hi) return;
        lo = end;
      }
      const flag = call.nonFinite;
      const ins = call.inputs;
      const out = call.out;
      const st = call.state;
      const rec = call.record as readonly Floats[];
      const pa = call.paramArrays as readonly (Floats | undefined)[];
      // Rows of the whole layer are contiguous when one block covers them: one copy per tile.
      const whole = lo === 0 && hi === M && M <= spec.blockWidth * 4;
      const bw = whole ? M : Math.min(spec.blockWidth, hi - lo);
      // At least 4 steps per tile: the state stays in registers through a tile's steps.
      const tb = Math.max(1, Math.min(T, Math.max(4, Math.floor(spec.tileElements / bw))));
      // float32 rows go between shared and ordinary memory 8 bytes at a time only when both ends
      // are 8-byte aligned (V8 copies shared memory with relaxed atomics, else byte by byte, ~9×
      // slower): rows lie `stride` elements apart in a tile, stride ≡ M (mod 2), and an array's tile
      // starts one element later when its first row would not line up (`shiftOf`). Rows of odd
      // width in even layers or of even width in odd layers then have a gap after them.
      const pair = E === 4 && !anyNarrow;
      const gaps = pair && ((M | bw | (hi - lo)) & 1) === 1;
      const { inOff, recOff, stOff, pnOff, outOff, end } = layoutOf(bw, tb, gaps);
      ensure(end);
      const view = mem.view;
      // An input of another element type than the module's (float32 tapes into the float64
      // backward steps of training) is converted by a loop: typed-array `set` across element
      // types is several times slower in V8.
      const v4 = anyNarrow ? view32() : undefined;
      args.length = 0;
      args.push(0, 0, 0);
      for (let j = 0; j < nIn; j++) args.push((inOff[j] as number) * E);
      args.push(outOff * E);
      for (let j = 0; j < nState; j++) args.push((stOff[j] as number) * E);
      for (let j = 0; j < nRec; j++) args.push((recOff[j] as number) * E);
      for (let j = 0; j < pn.length; j++) args.push((pnOff[j] as number) * E);
      for (let j = 0; j < call.params.length; j++) args.push(call.params[j] as number);
      args.push(call.dt);
      const aOut = 3 + nIn;
      const aRec = aOut + 1 + nState;
      const shiftOf = (a: Floats, row: number, n0: number, off: number): number =>
        pair ? ((a.byteOffset >> 2) + row * M + n0 + off) & 1 : 0;
      for (let n0 = lo; n0 < hi; n0 += bw) {
        const wdt = Math.min(bw, hi - n0);
        for (let j = 0; j < nState; j++) {
          const a = st[j] as Floats;
          view.set(n0 === 0 && wdt === a.length ? a : a.subarray(n0, n0 + wdt), stOff[j] as number);
        }
        for (let j = 0; j < pn.length; j++) view.set((pa[pn[j] as number] as Floats).subarray(n0, n0 + wdt), pnOff[j] as number);
        const tileCopy = wdt === M && !rev; // one copy per array per tile
        const stride = pair && !tileCopy && ((wdt ^ M) & 1) === 1 ? wdt + 1 : wdt;
        args[1] = Math.ceil(wdt / L);
        args[2] = stride * E;
        for (let t0 = 0; t0 < T; t0 += tb) {
          const rows = Math.min(tb, T - t0);
          const row0 = rev ? T - 1 - t0 : t0;
          // each array's tile start (elements) for this tile
          for (let j = 0; j < nIn; j++) {
            const off = inOff[j] as number;
            const at = off + shiftOf(ins[j] as Floats, row0, n0, off);
            tileAt[j] = at;
            args[3 + j] = at * E;
          }
          const outAt = outOff + shiftOf(out, row0, n0, outOff);
          args[aOut] = outAt * E;
          for (let j = 0; j < nRec; j++) {
            const off = recOff[j] as number;
            const at = off + shiftOf(rec[j] as Floats, row0, n0, off);
            tileAt[nIn + j] = at;
            args[aRec + j] = at * E;
          }
          if (tileCopy) {
            for (let j = 0; j < nIn; j++) copyIn(view, v4, ins[j] as Floats, t0 * M, rows * M, tileAt[j] as number, j, 0);
          } else {
            for (let t = 0; t < rows; t++) {
              const src = (rev ? T - 1 - t0 - t : t0 + t) * M + n0;
              for (let j = 0; j < nIn; j++) {
                copyIn(view, v4, ins[j] as Floats, src, wdt, tileAt[j] as number, j, t * stride);
                // the gap after a row holds a finite value (the check below reads whole rows of `stride`)
                if (stride !== wdt) view[(tileAt[j] as number) + t * stride + wdt] = 0;
              }
            }
          }
          if (flag !== undefined && flag !== null) {
            // The tile just copied in: whole vectors in wasm, the last few elements here.
            const count = rows * stride;
            const vectors = count - (count % L);
            for (let j = 0; j < nIn; j++) {
              const base = tileAt[j] as number;
              if (nar[j] === true) {
                // float32 values: checked here (the module's `finite` reads its own element type)
                for (let k = 2 * base; k < 2 * base + count; k++) {
                  const x = (v4 as Float32Array)[k] as number;
                  if (x - x !== 0) flag[0] = 1;
                }
                continue;
              }
              let ok = finite(base * E, vectors * E);
              for (let k = base + vectors; k < base + count; k++) {
                const x = view[k] as number;
                if (x - x !== 0) ok = 0;
              }
              if (ok === 0) flag[0] = 1;
            }
          }
          args[0] = rows;
          run.apply(null, args);
          if (tileCopy) {
            out.set(view.subarray(outAt, outAt + rows * M), t0 * M);
            for (let j = 0; j < nRec; j++) {
              const at = tileAt[nIn + j] as number;
              (rec[j] as Floats).set(view.subarray(at, at + rows * M), t0 * M);
            }
          } else {
            for (let t = 0; t < rows; t++) {
              const dst = (rev ? T - 1 - t0 - t : t0 + t) * M + n0;
              out.set(view.subarray(outAt + t * stride, outAt + t * stride + wdt), dst);
              for (let j = 0; j < nRec; j++) {
                const r0 = (tileAt[nIn + j] as number) + t * stride;
                (rec[j] as Floats).set(view.subarray(r0, r0 + wdt), dst);
              }
            }
          }
        }
        for (let j = 0; j < nState; j++) (st[j] as Floats).set(view.subarray(stOff[j] as number, (stOff[j] as number) + wdt), n0);
      }
    },
  };
}
