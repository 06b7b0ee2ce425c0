/**
 * One step of an update's graph (`stepGraph.ts`) as WebAssembly SIMD instructions: the emitter of
 * `codegen.ts`'s `run` function for one of its unrolled copies. Each value is computed once into a
 * v128 local: uniform values (scalar parameters, `dt`, literals) once per call, per-neuron
 * parameters once per group of vectors, the rest once per step. `Math` functions the SIMD
 * instruction set lacks are imported and called per lane (once when the argument is uniform); a
 * selection on a uniform test branches, or, in a specialized module, emits only the chosen arm.
 * @module
 */

import { F32, type Lanes, op } from './encoding.js';
import type { Val } from './stepGraph.js';

/** What the emitter reads from and writes into the function `codegen.ts` generates. */
export interface StepEmitContext {
  /** The lane type's opcodes (`f32x4` or `f64x2`). */
  readonly L: Lanes;
  /** Per input, whether a float64 module reads it as float32 (`narrowInputs` of `compileWasmUpdate`). */
  readonly narrow: readonly boolean[] | undefined;
  /** The arms of uniform tests decided by the module's specialization (`specialize.ts`). */
  readonly chosen: ReadonlyMap<Val, boolean>;
  /** The locals holding the state variables, per unrolled copy: `stateOf[copy][variable]`. */
  readonly stateOf: readonly (readonly number[])[];
  /** Per input, the local holding the address of its current row. */
  readonly inRow: readonly number[];
  /** The local holding the byte offset of the group's first vector in a row. */
  readonly vectorOffset: number;
  /** The index of the first scalar parameter argument of `run`. */
  readonly paramArg: number;
  /** The index of the first per-neuron parameter pointer argument of `run`. */
  readonly perNeuronArg: number;
  /** Per parameter, its slot among the per-neuron parameter arguments. */
  readonly perNeuronSlot: readonly number[];
  /** Code run once per call, before the loops: uniform values are emitted here. */
  readonly pre: number[];
  /** A fresh v128 local. */
  readonly newV: () => number;
  /** The index of an imported `Math` function (added to the imports on first use). */
  readonly importIndex: (fn: string) => number;
}

/**
 * The emitters of a function's unrolled copies; uniform values are shared by all of them (emitted
 * once into {@link StepEmitContext.pre}).
 * @param cx - the function being generated
 * @returns `copy(k, body, hoist)`: the emitter of unrolled copy `k`, which emits a value (and all it
 *   depends on) into `body` (per step) or `hoist` (per-neuron parameters: once per group of
 *   vectors) and returns the local holding it
 */
export const stepEmitter = (cx: StepEmitContext) => {
  const uniformDone = new Map<Val, number>();
  return (k: number, body: number[], hoist: number[]): ((v: Val) => number) => {
    // Locals holding emitted values; an inner map per branch arm (its values exist only there).
    const L = cx.L;
    const scopes: Map<Val, number>[] = [new Map()];
    const lookup = (v: Val): number | undefined => {
      if (v.uniform) return uniformDone.get(v);
      for (let s = scopes.length - 1; s >= 0; s--) {
        const l = (scopes[s] as Map<Val, number>).get(v);
        if (l !== undefined) return l;
      }
      return undefined;
    };
    const emit = (v: Val): number => {
      const have = lookup(v);
      if (have !== undefined) return have;
      const n = v.node;
      if (n.k === 'state') return cx.stateOf[k]?.[n.index] as number;
      if (n.k === 'sel' && cx.chosen.has(n.c) && !v.uniform) return emit(cx.chosen.get(n.c) === true ? n.a : n.b);
      const code = v.uniform ? cx.pre : n.k === 'pparam' ? hoist : body;
      const args = (...vs: Val[]) => {
        for (const a of vs) code.push(...op.get(emit(a)));
      };
      const isZero = (x: Val) => x.node.k === 'const' && Object.is(x.node.value, 0);
      switch (n.k) {
        case 'const':
          code.push(...op.vconst(L.constBytes(n.value)));
          break;
        case 'param':
          code.push(...op.get(cx.paramArg + n.index), ...L.splat);
          break;
        case 'input':
          // A float32 input of a float64 module: two floats loaded, widened exactly (`promote`).
          if (cx.narrow?.[n.index] === true) code.push(...op.get(cx.inRow[n.index] as number), ...op.load64ZeroAt(8 * k), ...op.promoteLow);
          else code.push(...op.get(cx.inRow[n.index] as number), ...op.loadAt(16 * k));
          break;
        case 'pparam':
          code.push(
            ...op.get(cx.perNeuronArg + (cx.perNeuronSlot[n.index] as number)),
            ...op.get(cx.vectorOffset),
            ...op.i32Add,
            ...op.loadAt(16 * k),
          );
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
            // The same condition for every neuron, not specialized: branch (well predicted).
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
          } else if (isZero(n.b)) {
            // c ? a : +0 — the lanes of a where c holds, zero bits elsewhere: bitselect's result.
            args(n.a, n.c);
            code.push(...op.and);
          } else if (isZero(n.a)) {
            args(n.b, n.c);
            code.push(...op.andnot);
          } else {
            args(n.a, n.b, n.c);
            code.push(...op.bitselect);
          }
          break;
        case 'math': {
          const f = cx.importIndex(n.fn);
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
      const local = cx.newV();
      code.push(...op.set(local));
      (v.uniform ? uniformDone : (scopes[scopes.length - 1] as Map<Val, number>)).set(v, local);
      return local;
    };
    return emit;
  };
};
