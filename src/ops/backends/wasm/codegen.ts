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
 * rows of `S` bytes; lanes past the last neuron of a row spill into the next row (or the tile's
 * padding) and are overwritten or ignored, so tiles need no per-row padding.
 * @module
 */

import type { DType } from '../../tensor.js';
import type { NeuronUpdate, UpdateIR } from '../../update/ir.js';
import type { PerNeuronMask } from '../../update/js.js';
import { maskKey } from '../../update/js.js';
import { irOf } from '../../update/parse.js';
import { F32, F64, f32x4, f64x2, HEADER, I32, name, op, section, simd, uleb, V128, vecOf, type WasmModule } from './encoding.js';
import { buildGraph, IMPORTED_MATH, Unsupported, type Val } from './graph.js';

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
 */
export const compileWasmUpdate = (
  update: NeuronUpdate,
  dtype: DType,
  recording: boolean,
  perNeuron?: PerNeuronMask,
): WasmModule | WasmUpdateUnsupported => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const key = `${dtype}:${recording}:${maskKey(perNeuron)}`;
  let r = byKey.get(key);
  if (r === undefined) {
    try {
      r = generate(irOf(update), dtype, recording, perNeuron);
    } catch (e) {
      if (!(e instanceof Unsupported) && !(e instanceof Error && e.name === 'UpdateSyntaxError')) throw e;
      r = { unsupported: `${update.name}: ${e.message}` };
    }
    byKey.set(key, r);
  }
  return r;
};

const generate = (ir: UpdateIR, dtype: DType, recording: boolean, perNeuron: PerNeuronMask | undefined): WasmModule => {
  const kernel = ir.update;
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const graph = buildGraph(ir, dtype, perNeuron);
  const pnSlots = kernel.params.map((_, j) => (perNeuron?.[j] === true ? 1 : 0));
  const nPn = pnSlots.reduce((a: number, b) => a + b, 0);
  const pnSlot = kernel.params.map((_, j) => pnSlots.slice(0, j).reduce((a: number, b) => a + b, 0));
  const nIn = kernel.inputs.length;
  const nState = kernel.state.length;
  const nRec = recording ? nState : 0;
  const nParam = kernel.params.length + 1;

  // Function parameters: T, V, S, inputs, out, states, records (i32), params, dt (scalar).
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

  // Locals: i32 t, n, end, rowOff, then the per-row addresses; then v128 values.
  let nextLocal = nArgs;
  const i32Locals: number[] = [];
  const newI32 = () => {
    i32Locals.push(nextLocal);
    return nextLocal++;
  };
  const lt = newI32();
  const ln = newI32();
  const lEnd = newI32();
  const lRow = newI32();
  const lInRow = kernel.inputs.map(() => newI32());
  const lOutRow = newI32();
  const lRecRow = Array.from({ length: nRec }, () => newI32());
  const vLocals: number[] = [];
  const newV = () => {
    vLocals.push(nextLocal);
    return nextLocal++;
  };

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
  const body: number[] = [];
  // Locals holding emitted values; an inner map per branch arm (its values exist only there).
  const uniformDone = new Map<Val, number>();
  const scopes: Map<Val, number>[] = [new Map()];
  const lookup = (v: Val): number | undefined => {
    if (v.uniform) return uniformDone.get(v);
    for (let k = scopes.length - 1; k >= 0; k--) {
      const l = (scopes[k] as Map<Val, number>).get(v);
      if (l !== undefined) return l;
    }
    return undefined;
  };

  const emit = (v: Val): number => {
    const have = lookup(v);
    if (have !== undefined) return have;
    const code = v.uniform ? pre : body;
    const n = v.node;
    const args = (...vs: Val[]) => {
      for (const a of vs) code.push(...op.get(emit(a)));
    };
    switch (n.k) {
      case 'const':
        code.push(...op.vconst(L.constBytes(n.value)));
        break;
      case 'param':
        code.push(...op.get(pParam + n.index), ...L.splat);
        break;
      case 'input':
        code.push(...op.get(lInRow[n.index] as number), ...op.get(ln), ...op.i32Add, ...op.load);
        break;
      case 'state':
        code.push(...op.get(pState + n.index), ...op.get(ln), ...op.i32Add, ...op.load);
        break;
      case 'pparam':
        code.push(...op.get(pPn + (pnSlot[n.index] as number)), ...op.get(ln), ...op.i32Add, ...op.load);
        break;
      case 'bin':
        args(n.a, n.b);
        code.push(...L.bin[n.op]);
        break;
      case 'un':
        args(n.a);
        code.push(...L.un[n.op]);
        break;
      case 'cmp':
        args(n.a, n.b);
        code.push(...L.cmp[n.op]);
        break;
      case 'logic':
        args(n.a, n.b);
        code.push(...(n.op === 'and' ? op.and : op.or));
        break;
      case 'not':
        args(n.a);
        code.push(...op.not);
        break;
      case 'sel':
        if (n.c.uniform && !v.uniform) {
          // The same condition for every neuron: branch (well predicted) instead of computing both sides.
          const mask = emit(n.c);
          code.push(...op.get(mask), ...op.i32x4Lane0, ...op.ifV128);
          const arm = (x: Val) => {
            scopes.push(new Map());
            code.push(...op.get(emit(x)));
            scopes.pop();
          };
          arm(n.a);
          code.push(...op.else);
          arm(n.b);
          code.push(...op.end);
        } else {
          args(n.a, n.b, n.c);
          code.push(...op.bitselect);
        }
        break;
      case 'math': {
        const f = importIndex(n.fn);
        const argLocals = n.args.map((a) => emit(a));
        const call = (lane: number) => {
          for (const a of argLocals) {
            code.push(...op.get(a), ...L.extract(lane));
            if (L.scalar === F32) code.push(...op.f64Promote);
          }
          code.push(...op.call(f));
          if (L.scalar === F32) code.push(...op.f32Demote);
        };
        if (v.uniform) {
          // Same argument in every lane: one call, then splat.
          call(0);
          code.push(...L.splat);
        } else {
          code.push(...op.get(argLocals[0] as number));
          for (let l = 0; l < L.lanes; l++) {
            call(l);
            code.push(...L.replace(l));
          }
        }
        break;
      }
    }
    const local = newV();
    code.push(...op.set(local));
    (v.uniform ? uniformDone : (scopes[scopes.length - 1] as Map<Val, number>)).set(v, local);
    return local;
  };

  // Loop prologue: rows of the t loop.
  const code: number[] = [];
  // Compute every result first (loads happen before any store), then store.
  const outLocal = (): number => emit(graph.out);
  const loopBody = () => {
    const o = outLocal();
    const s = graph.state.map((v) => emit(v));
    const store = (addr: number[], local: number) => {
      body.push(...addr, ...op.get(ln), ...op.i32Add, ...op.get(local), ...op.store);
    };
    store(op.get(lOutRow), o);
    for (let j = 0; j < nRec; j++) store(op.get(lRecRow[j] as number), s[j] as number);
    for (let j = 0; j < nState; j++) store(op.get(pState + j), s[j] as number);
  };
  loopBody();

  code.push(...pre);
  // end = V * 16 (bytes per vector)
  code.push(...op.get(pV), ...op.i32(16), ...op.i32Mul, ...op.set(lEnd));
  code.push(...op.i32(0), ...op.set(lt));
  code.push(...op.block, ...op.loop);
  code.push(...op.get(lt), ...op.get(pT), ...op.i32GeS, ...op.brIf(1));
  code.push(...op.get(lt), ...op.get(pS), ...op.i32Mul, ...op.set(lRow));
  kernel.inputs.forEach((_, j) => {
    code.push(...op.get(pIn + j), ...op.get(lRow), ...op.i32Add, ...op.set(lInRow[j] as number));
  });
  code.push(...op.get(pOut), ...op.get(lRow), ...op.i32Add, ...op.set(lOutRow));
  for (let j = 0; j < nRec; j++) code.push(...op.get(pRec + j), ...op.get(lRow), ...op.i32Add, ...op.set(lRecRow[j] as number));
  code.push(...op.i32(0), ...op.set(ln));
  code.push(...op.loop);
  code.push(...body);
  code.push(...op.get(ln), ...op.i32(16), ...op.i32Add, ...op.tee(ln), ...op.get(lEnd), ...op.i32LtS, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(lt), ...op.i32(1), ...op.i32Add, ...op.set(lt), ...op.br(0));
  code.push(...op.end, ...op.end);

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
  const importSec = section(2, vecOf(imports.map((fn, k) => [...name('math'), ...name(fn), 0x00, ...uleb(k)])));
  const funcs = section(3, vecOf([uleb(imports.length), uleb(imports.length + 1)]));
  const memory = section(5, vecOf([[0x00, ...uleb(1)]]));
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

/**
 * The body of the exported `finite(p, n) → i32`: 1 when the `n` bytes at `p` (a multiple of 16)
 * hold only finite numbers, else 0. One SIMD pass: `acc += x − x` stays 0 for finite `x` and
 * becomes NaN for the first NaN or ±Infinity; at the end, whether every lane of `acc` equals
 * itself. The engine runs it on each input tile it copies in, in place of a separate pass over
 * the whole input on the main thread.
 */
const finiteFunction = (L: typeof f32x4): number[] => {
  const p = 0;
  const n = 1;
  const end = 2;
  const acc = 3;
  return [
    ...vecOf([
      [1, I32],
      [1, V128],
    ]),
    ...op.vconst(L.constBytes(0)),
    ...op.set(acc),
    ...op.get(p),
    ...op.get(n),
    ...op.i32Add,
    ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(p),
    ...op.get(end),
    ...op.i32GeS,
    ...op.brIf(1),
    ...op.get(acc),
    ...op.get(p),
    ...op.load,
    ...op.get(p),
    ...op.load,
    ...L.bin.sub,
    ...L.bin.add,
    ...op.set(acc),
    ...op.get(p),
    ...op.i32(16),
    ...op.i32Add,
    ...op.set(p),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(acc),
    ...op.get(acc),
    ...L.cmp.eq,
    ...simd(0xa3), // i32x4.all_true
    ...op.end,
  ];
};
