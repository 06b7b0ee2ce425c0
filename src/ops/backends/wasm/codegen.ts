/**
 * The WebAssembly SIMD lowering of a per-neuron update: the graph of `graph.ts` emitted as a wasm
 * function that runs 4 float32 lanes (`f32x4`) or 2 float64 lanes (`f64x2`) at a time.
 *
 * The result is bit for bit the `js` lowering's: a float32 run rounds each operation marked `R(·)`
 * to float32, and a wasm `f32` operation on float32 operands gives exactly that rounded result
 * (IEEE 754 round-to-nearest; double rounding through float64 is innocuous for `+ − × ÷ √`);
 * float64 runs use the same IEEE double operations as JavaScript. wasm never contracts a multiply
 * and an add into an FMA and keeps subnormals, as V8's JavaScript does. Where the float32 result
 * could differ, or the update uses something the translation lacks (`%`), it is not translated and
 * the caller keeps the JavaScript loop ({@link WasmUpdateUnsupported} says why).
 *
 * Translated: `+ − × ÷`, comparisons, `&&`, `||`, `!`, selections and if-converted `if`/`else`
 * (both sides computed, selected per lane; a selection whose test is the same for every neuron
 * branches instead), `Math.min`/`max`/`abs`/`sqrt`/`floor`/`ceil`/`trunc` (SIMD instructions) and
 * `Math.exp`/`log`/`expm1`/`log1p`/`tanh`/`sin`/`cos`/`atan`/`pow` (JavaScript's own functions,
 * imported and called per lane, or once when the argument is the same for every neuron).
 *
 * The generated function runs a tile: `T` steps of `V` vectors of neurons whose per-step arrays are
 * rows of `S` bytes. It takes {@link UNROLL} vectors at a time through all `T` steps with their
 * state in locals (registers): per step one load of each input and one store of the output (and
 * records) per vector, the state loaded and stored once per tile; per-neuron parameters are
 * loaded once per tile. Lanes past the last neuron of a row spill into the next row (or the
 * tile's padding): the last vector runs first, so the others overwrite what it spilled, and tiles
 * need no per-row padding. A selection on a test every neuron shares is a branch, or, in a module
 * specialized on the run's parameters (`specialize.ts`), just the arm the test chooses. This file
 * lays out the function (arguments, locals, loops) and the module; `emitStep.ts` emits a step's values.
 * @module
 */

import { HEAP_MAX_PAGES } from '../../sharedHeap.js';
import type { DType } from '../../tensor.js';
import type { NeuronUpdate, UpdateIR } from '../../update/ir.js';
import type { PerNeuronMask } from '../../update/lowerJs.js';
import { maskKey } from '../../update/lowerJs.js';
import { irOf } from '../../update/parse.js';
import { stepEmitter } from './emitStep.js';
import { F64, f32x4, f64x2, HEADER, I32, name, op, section, uleb, V128, vecOf, type WasmModule } from './encoding.js';
import { finiteFunction } from './finite.js';
import { uniformConditions } from './specialize.js';
import { buildGraph, IMPORTED_MATH, Unsupported, type Val } from './stepGraph.js';

/** Why an update was not translated. */
export interface WasmUpdateUnsupported {
  readonly unsupported: string;
}

/**
 * Signature of the exported `run` (all pointers are byte offsets into the module's memory):
 * `run(T, V, S, ...inputs, out, ...state, ...record, ...perNeuronParams, ...params, dt)`. `T`
 * steps; `V` vectors per row; `S` the row stride in bytes; inputs, out and records are
 * `[T, S/bytes]` tiles; state arrays hold `V·lanes` elements and are updated in place; per-neuron
 * parameter arrays (one per parameter of the mask, in order) hold `V·lanes` elements and are read;
 * params (every parameter, per-neuron ones ignored) and dt are numbers of the dtype.
 */
export type WasmRun = (T: number, V: number, S: number, ...args: number[]) => void;

const cache = new WeakMap<NeuronUpdate, Map<string, WasmModule | WasmUpdateUnsupported>>();

/**
 * Translates an update to a wasm SIMD module, or says why it cannot (the caller then runs the
 * JavaScript loop). Results are cached per update object, dtype, recording flag and mask.
 * @param update - the per-neuron update
 * @param dtype - element type (`float32` → `f32x4`, `float64` → `f64x2`)
 * @param recording - whether `run` also writes each state variable per step
 * @param perNeuron - which parameters are per-neuron arrays (default none)
 * @param specialization - a key of `conditionKey` (`specialize.ts`) for the run's
 *   parameters: the module then runs only runs whose parameters give that key (default: none,
 *   a module for every parameter set, branching on uniform tests)
 * @param sharedMemory - import its memory as `env.memory`, shared, up to {@link HEAP_MAX_PAGES}
 *   pages (the shared heap of `../../sharedHeap.ts`: pointers are then the tensors' own byte
 *   offsets), instead of defining its own (default)
 * @param narrowInputs - float64 modules only: per input, whether it is stored as float32 (its rows
 *   `S/2` bytes apart, each value widened exactly to float64 as it is loaded: training's float32
 *   tapes read by the float64 backward steps); default none
 */
export const compileWasmUpdate = (
  update: NeuronUpdate,
  dtype: DType,
  recording: boolean,
  perNeuron?: PerNeuronMask,
  specialization?: string,
  sharedMemory = false,
  narrowInputs?: readonly boolean[],
): WasmModule | WasmUpdateUnsupported => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const narrow = dtype === 'float64' && narrowInputs?.some((x) => x === true) === true ? narrowInputs : undefined;
  const key = `${dtype}:${recording}:${maskKey(perNeuron)}:${specialization ?? '*'}:${sharedMemory}:${maskKey(narrow)}`;
  let r = byKey.get(key);
  if (r === undefined) {
    try {
      r = generate(irOf(update), dtype, recording, perNeuron, specialization, sharedMemory, narrow);
    } catch (e) {
      if (!(e instanceof Unsupported) && !(e instanceof Error && e.name === 'UpdateSyntaxError')) throw e;
      r = { unsupported: `${update.name}: ${e.message}` };
    }
    byKey.set(key, r);
  }
  return r;
};

/**
 * Vectors one pass of the inner loop updates side by side: each neuron's step depends on its
 * previous step (a chain of about ten float operations), so independent vectors are what the CPU
 * overlaps; 8 chains keep its float units busy without running out of registers.
 */
export const UNROLL = 8;

/** Appends `src` to `dst` (large bodies — e.g. derived backward steps — exceed the argument limit of `push(...src)`). */
const append = (dst: number[], src: readonly number[]): void => {
  for (const b of src) dst.push(b);
};

const generate = (
  ir: UpdateIR,
  dtype: DType,
  recording: boolean,
  perNeuron: PerNeuronMask | undefined,
  key: string | undefined,
  sharedMemory: boolean,
  narrow: readonly boolean[] | undefined,
): WasmModule => {
  const kernel = ir.update;
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const graph = buildGraph(ir, dtype, perNeuron);
  // Tests the run's parameters decide (see specialize.ts): only the chosen arm is emitted.
  const chosen = new Map<Val, boolean>();
  if (key !== undefined) {
    const conds = uniformConditions(graph);
    if (key.length !== conds.length) throw new Error(`specialization key "${key}" does not have ${conds.length} characters`);
    conds.forEach((c, j) => {
      chosen.set(c, key[j] === '1');
    });
  }
  const pnSlots = kernel.params.map((_, j) => (perNeuron?.[j] === true ? 1 : 0));
  const nPn = pnSlots.reduce((a: number, b) => a + b, 0);
  const pnSlot = kernel.params.map((_, j) => pnSlots.slice(0, j).reduce((a: number, b) => a + b, 0));
  const nIn = kernel.inputs.length;
  const nState = kernel.state.length;
  const nRec = recording ? nState : 0;
  const nParam = kernel.params.length + 1;

  // Function parameters: T, V, S, inputs, out, states, records, per-neuron params (i32), params, dt (scalar).
  const pT = 0;
  const pV = 1;
  const pS = 2;
  const pIn = 3;
  const pOut = pIn + nIn;
  const pState = pOut + 1;
  const pRec = pState + nState;
  const pPn = pRec + nRec;
  const pParam = pPn + nPn;
  const nArgs = pParam + nParam;
  const paramTypes = [...Array<number>(pParam).fill(I32), ...Array<number>(nParam).fill(L.scalar)];

  // Locals: i32 first (vector offset, its end, the end of whole groups, step countdown, row
  // addresses), then v128 (state per unrolled copy, then values).
  let nextLocal = nArgs;
  const i32Locals: number[] = [];
  const newI32 = () => {
    i32Locals.push(nextLocal);
    return nextLocal++;
  };
  const ln = newI32();
  const lEnd = newI32();
  const lGroups = newI32();
  const lt = newI32();
  const lInRow = kernel.inputs.map(() => newI32());
  const lOutRow = newI32();
  const lRecRow = Array.from({ length: nRec }, () => newI32());
  const vLocals: number[] = [];
  const newV = () => {
    vLocals.push(nextLocal);
    return nextLocal++;
  };
  const stateOf = Array.from({ length: UNROLL }, () => kernel.state.map(() => newV()));

  const imports: string[] = [];
  const importIndex = (fn: string): number => {
    let k = imports.indexOf(fn);
    if (k < 0) {
      imports.push(fn);
      k = imports.length - 1;
    }
    return k;
  };

  const pre: number[] = [];
  const emitter = stepEmitter({
    L,
    narrow,
    chosen,
    stateOf,
    inRow: lInRow,
    vectorOffset: ln,
    paramArg: pParam,
    perNeuronArg: pPn,
    perNeuronSlot: pnSlot,
    pre,
    newV,
    importIndex,
  });

  /**
   * A loop over the vectors `[n, until)` (byte offsets in locals), `u` vectors at a time: their
   * state is loaded into locals, all `T` steps run with it there (each step reading one row of
   * the inputs and writing one row of the outputs, `S` bytes apart), and it is stored back.
   */
  const groupLoop = (u: number, until: number, down: boolean): number[] => {
    const hoist: number[] = [];
    const body: number[] = [];
    for (let k = 0; k < u; k++) {
      const emit = emitter(k, body, hoist);
      // Compute every result first, then store (a state variable is read before it is replaced).
      const o = emit(graph.out);
      const s = graph.state.map((v) => emit(v));
      body.push(...op.get(lOutRow), ...op.get(o), ...op.storeAt(16 * k));
      for (let j = 0; j < nRec; j++) body.push(...op.get(lRecRow[j] as number), ...op.get(s[j] as number), ...op.storeAt(16 * k));
      s.forEach((local, j) => {
        const st = stateOf[k]?.[j] as number;
        if (local !== st) body.push(...op.get(local), ...op.set(st));
      });
    }
    const c: number[] = [...op.block, ...op.loop];
    c.push(...op.get(ln), ...op.get(until), ...(down ? op.i32LtS : op.i32GeS), ...op.brIf(1));
    for (let k = 0; k < u; k++) {
      for (let j = 0; j < nState; j++) {
        c.push(...op.get(pState + j), ...op.get(ln), ...op.i32Add, ...op.loadAt(16 * k), ...op.set(stateOf[k]?.[j] as number));
      }
    }
    append(c, hoist);
    // float32 inputs: half the byte offset (and below, half the row stride)
    const half = (j: number): number[] => (narrow?.[j] === true ? [...op.i32(1), ...op.i32ShrU] : []);
    kernel.inputs.forEach((_, j) => {
      c.push(...op.get(pIn + j), ...op.get(ln), ...half(j), ...op.i32Add, ...op.set(lInRow[j] as number));
    });
    c.push(...op.get(pOut), ...op.get(ln), ...op.i32Add, ...op.set(lOutRow));
    for (let j = 0; j < nRec; j++) c.push(...op.get(pRec + j), ...op.get(ln), ...op.i32Add, ...op.set(lRecRow[j] as number));
    c.push(...op.get(pT), ...op.set(lt));
    c.push(...op.block, ...op.loop, ...op.get(lt), ...op.i32Eqz, ...op.brIf(1));
    append(c, body);
    const advance = (l: number, h: number[] = []) => c.push(...op.get(l), ...op.get(pS), ...h, ...op.i32Add, ...op.set(l));
    lInRow.forEach((l, j) => {
      advance(l, half(j));
    });
    advance(lOutRow);
    for (const l of lRecRow) advance(l);
    c.push(...op.get(lt), ...op.i32(1), ...op.i32Sub, ...op.set(lt), ...op.br(0), ...op.end, ...op.end);
    for (let k = 0; k < u; k++) {
      for (let j = 0; j < nState; j++) {
        c.push(...op.get(pState + j), ...op.get(ln), ...op.i32Add, ...op.get(stateOf[k]?.[j] as number), ...op.storeAt(16 * k));
      }
    }
    c.push(...op.get(ln), ...op.i32(16 * u), ...(down ? op.i32Sub : op.i32Add), ...op.set(ln), ...op.br(0), ...op.end, ...op.end);
    return c;
  };

  // The last vector may spill past its row into the next row's first lanes: it runs first, alone
  // (the vectors after the last whole group run one at a time, last first); the others then
  // overwrite what it spilled.
  const singles = groupLoop(1, lGroups, true);
  const groups = groupLoop(UNROLL, lEnd, false);
  const code: number[] = [...pre];
  code.push(...op.get(pV), ...op.i32(16), ...op.i32Mul, ...op.set(lEnd));
  // groups end = ⌊(V − 1) / UNROLL⌋ · UNROLL · 16 (0 when V = 0: then nothing runs)
  code.push(...op.get(pV), ...op.i32(1), ...op.i32Sub, ...op.i32(UNROLL), ...op.i32DivS);
  code.push(...op.i32(UNROLL * 16), ...op.i32Mul, ...op.set(lGroups));
  code.push(...op.get(lEnd), ...op.i32(16), ...op.i32Sub, ...op.set(ln));
  append(code, singles);
  code.push(...op.get(lGroups), ...op.set(lEnd), ...op.i32(0), ...op.set(ln));
  append(code, groups);

  // i32 locals were all allocated before the first v128 local, so indices are already grouped.
  const locals = [
    [...uleb(i32Locals.length), I32],
    [...uleb(vLocals.length), V128],
  ];
  const funcBody = [...vecOf(locals), ...code, ...op.end];

  const mathTypes = imports.map((fn) => [
    0x60,
    ...vecOf(Array.from({ length: IMPORTED_MATH[fn] as number }, () => [F64])),
    ...vecOf([[F64]]),
  ]);
  const runType = [0x60, ...vecOf(paramTypes.map((t) => [t])), ...vecOf([])];
  const finiteType = [0x60, ...vecOf([[I32], [I32]]), ...vecOf([[I32]])];
  const types = section(1, vecOf([...mathTypes, runType, finiteType]));
  const importItems = imports.map((fn, k) => [...name('math'), ...name(fn), 0x00, ...uleb(k)]);
  // A shared memory's limits: flag 0x03 (a maximum, shared), 1 page at least.
  if (sharedMemory) importItems.push([...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(HEAP_MAX_PAGES)]);
  const importSec = section(2, vecOf(importItems));
  const funcs = section(3, vecOf([uleb(imports.length), uleb(imports.length + 1)]));
  const memory = sharedMemory ? [] : section(5, vecOf([[0x00, ...uleb(1)]]));
  const exportsSec = section(
    7,
    vecOf([
      [...name('run'), 0x00, ...uleb(imports.length)],
      [...name('finite'), 0x00, ...uleb(imports.length + 1)],
      [...name('memory'), 0x02, 0],
    ]),
  );
  const finiteBody = finiteFunction(L);
  const codeSec = section(
    10,
    vecOf([
      [...uleb(funcBody.length), ...funcBody],
      [...uleb(finiteBody.length), ...finiteBody],
    ]),
  );
  // Imports are functions 0..k-1, `run` is function k.
  const bytes = new Uint8Array([...HEADER, ...types, ...importSec, ...funcs, ...memory, ...exportsSec, ...codeSec]);
  return Object.freeze({ bytes, lanes: L.lanes, bytesPerElement: L.bytes, imports: Object.freeze(imports) });
};
