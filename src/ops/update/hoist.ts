/**
 * Loop-invariant hoisting for the `js` lowering: the numeric subexpressions of an update that read
 * only scalar parameters, `dt` and numbers (e.g. a leak factor `R(1 − R(Math.exp(R(−dt·τ⁻¹))))`)
 * are the same for every neuron and step of a call, yet the fused loop computes them per neuron.
 * {@link hoistInvariants} moves each maximal such subexpression into a new scalar parameter
 * (`$h0`, `$h1`, …) and returns the function that computes those parameters once per call with the
 * same operations and the same float32 rounding, so the loop gives the same bits, minus a
 * `Math.exp` per neuron-step. Boolean-valued subexpressions stay in place.
 * @module
 */
import { type Expr, isBoolean, type NeuronUpdate, ref, type Stmt } from './ir.js';
import type { PerNeuronMask } from './lowerJs.js';
import { irOf } from './parse.js';
import { printExpr, printStatements } from './print.js';

/** An update with its invariant subexpressions as parameters, and how to compute them. */
export interface HoistedUpdate {
  /** The update reading `$h<j>` parameters (appended to `params`) instead of the subexpressions. */
  readonly update: NeuronUpdate;
  /** The per-neuron mask of `update.params` (the hoisted ones are scalar). */
  readonly perNeuron: PerNeuronMask;
  /** Number of hoisted parameters (0: `update` is the original update). */
  readonly hoisted: number;
  /**
   * The parameter values of `update` from those of the original (float32-rounded where the run is)
   * and `dt` (likewise): the original values followed by the hoisted ones.
   */
  readonly params: (params: readonly number[], dt: number) => number[];
}

const cache = new WeakMap<NeuronUpdate, Map<string, HoistedUpdate>>();

/**
 * Hoists the loop-invariant numeric subexpressions of `update` (see the module docs).
 * @param update - the per-neuron update
 * @param dtype - `float32` computes the hoisted values with `Math.fround` rounding, `float64` without
 * @param perNeuron - which parameters are per-neuron arrays (those are never invariant)
 * @throws UpdateSyntaxError when the update's text is outside the subset (see `parse.ts`)
 */
export const hoistInvariants = (update: NeuronUpdate, dtype: 'float32' | 'float64', perNeuron?: PerNeuronMask): HoistedUpdate => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const key = `${dtype}:${(perNeuron ?? []).map((m) => (m ? 1 : 0)).join('')}`;
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;

  const scalar = new Set(update.params.filter((_, j) => perNeuron?.[j] !== true));
  const invariant = (e: Expr): boolean => {
    switch (e.k) {
      case 'num':
        return true;
      case 'ref':
        return e.role === 'dt' || (e.role === 'param' && scalar.has(e.name));
      case 'neg':
      case 'not':
      case 'round':
        return invariant(e.a);
      case 'arith':
      case 'compare':
      case 'logic':
        return invariant(e.a) && invariant(e.b);
      case 'cond':
        return invariant(e.test) && invariant(e.ifTrue) && invariant(e.ifFalse);
      case 'call':
        return e.args.every(invariant);
    }
  };
  const hoisted: Expr[] = [];
  const names: string[] = [];
  const taken = new Set([...update.inputs, ...update.state, ...update.params, update.output]);
  const hoist = (e: Expr): Expr => {
    if (e.k !== 'num' && e.k !== 'ref' && !isBoolean(e) && invariant(e)) {
      let name = `$h${hoisted.length}`;
      while (taken.has(name)) name = `_${name}`;
      hoisted.push(e);
      names.push(name);
      return ref(name, 'param');
    }
    switch (e.k) {
      case 'num':
      case 'ref':
        return e;
      case 'neg':
      case 'not':
      case 'round':
        return { ...e, a: hoist(e.a) };
      case 'arith':
      case 'compare':
      case 'logic':
        return { ...e, a: hoist(e.a), b: hoist(e.b) };
      case 'cond':
        return { ...e, test: hoist(e.test), ifTrue: hoist(e.ifTrue), ifFalse: hoist(e.ifFalse) };
      case 'call':
        return { ...e, args: e.args.map(hoist) };
    }
  };
  const rewritten = mapTopDown(irOf(update).body, hoist);
  let result: HoistedUpdate;
  if (hoisted.length === 0) {
    result = { update, perNeuron: perNeuron ?? update.params.map(() => false), hoisted: 0, params: (p) => [...p] };
  } else {
    const rounding = dtype === 'float32' ? 'Math.fround' : 'none';
    const evaluate = new Function(
      'dt',
      ...update.params,
      `"use strict"; return [${hoisted.map((e) => printExpr(e, rounding)).join(', ')}];`,
    ) as (...a: number[]) => number[];
    result = {
      update: Object.freeze({
        ...update,
        name: `${update.name}_hoisted`,
        params: [...update.params, ...names],
        body: printStatements(rewritten, 'marker'),
      }),
      perNeuron: [...update.params.map((_, j) => perNeuron?.[j] === true), ...names.map(() => false)],
      hoisted: hoisted.length,
      params: (p, dt) => [...p, ...evaluate(dt, ...p)],
    };
  }
  byKey.set(key, result);
  return result;
};

/** Rewrites every top-level expression of the statements with `f` (which recurses itself). */
const mapTopDown = (body: readonly Stmt[], f: (e: Expr) => Expr): Stmt[] =>
  body.map((s): Stmt => {
    switch (s.k) {
      case 'decl':
        return { ...s, init: s.init === undefined ? undefined : f(s.init) };
      case 'assign':
        return { ...s, value: f(s.value) };
      case 'if':
        return {
          ...s,
          test: f(s.test),
          ifTrue: mapTopDown(s.ifTrue, f),
          ifFalse: s.ifFalse === undefined ? undefined : mapTopDown(s.ifFalse, f),
        };
      default:
        return { ...s, body: mapTopDown(s.body, f) };
    }
  });
