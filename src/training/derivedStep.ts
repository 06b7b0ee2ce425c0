/**
 * The reverse-mode step of any per-neuron update, derived from its one definition: the update's
 * intermediate form in straight-line form (`ops/update/straight.ts`) is differentiated in forward
 * mode with respect to every state variable, input and trained parameter (`ops/update/derivative.ts`),
 * and the columns of the Jacobian are contracted with the gradient arriving from the next step —
 * one vector–Jacobian product per neuron and step:
 * ```
 * ḡs_k = Σ_l ḡs'_l·∂s'_l/∂s_k + ḡo·∂o/∂s_k      (state before the step)
 * ḡx_j = Σ_l ḡs'_l·∂s'_l/∂x_j + ḡo·∂o/∂x_j      (inputs of the step)
 * ḡp_m += Σ_l ḡs'_l·∂s'_l/∂p_m + ḡo·∂o/∂p_m     (parameters, summed over neurons and steps)
 * ```
 * The spike's Heaviside step is replaced by the surrogate `σ'` of the model's `method`/`alpha`:
 * every selection `a > b ? X : Y` (or `<`, `≥`, `≤`) whose test depends on the state or the input
 * contributes `(X − Y)·σ'(a − b)·∂(a − b)`, so the reset `(1 − z)·v_d + z·v_reset` is
 * differentiated as Norse does (`z·(v_reset − v_d)` not detached); tests on parameters only (e.g.
 * the choice of a series expansion) are exact selections. `detachOutput` detaches the output in
 * the new state, as Norse's recurrent steps do (`z_new.detach()` in the reset and adaptation).
 * The program is printed as JavaScript and compiled with `new Function` (float64), like the `js`
 * lowering of the forward update (`ops/update/lowerJs.ts`); bindings that read only parameters and `dt`
 * are computed once per call, outside the loop over neurons.
 * Source: Norse `functional/threshold.py` (surrogates), `functional/lif.py` (`lif_step` detach).
 * @module
 */
import type { SurrogateGradient } from '../ops/surrogates.js';
import type { TensorData } from '../ops/tensor.js';
import { derivative } from '../ops/update/derivative.js';
import { arith, type Expr, mapExpr, type NeuronUpdate, neg, ref } from '../ops/update/ir.js';
import { irOf } from '../ops/update/parse.js';
import { printExpr } from '../ops/update/print.js';
import { type Binding, straightLine } from '../ops/update/straight.js';

/**
 * Arguments of one reverse step over `M` neurons (batch × features flattened). Arrays indexed by
 * step are read at `offset + n`; per-neuron gradient arrays `[M]` at `n`.
 */
export interface ReverseStepCall {
  /** Neurons (batch × features). */
  readonly M: number;
  /** Offset of this step in the per-step arrays (`t·M`). */
  readonly offset: number;
  /** The step's inputs in `update.inputs` order, each `[T, M]`. */
  readonly inputs: readonly TensorData[];
  /** The state before the step, one array per variable in `update.state` order. */
  readonly state: readonly TensorData[];
  /** Offset of the step's state in `state` (`(t − 1)·M` in a record of states after each step, 0 for the initial state). */
  readonly stateOffset: number;
  /** Parameter values in `update.params` order (float64). */
  readonly params: readonly number[];
  /** Time step in seconds. */
  readonly dt: number;
  /** ∂loss/∂(state after the step) per variable `[M]`, replaced by ∂loss/∂(state before the step). */
  readonly gState: readonly Float64Array[];
  /** ∂loss/∂(the step's output) `[M]` at `gOutOffset + n`. */
  readonly gOut: Float64Array;
  /** Offset in `gOut`. */
  readonly gOutOffset: number;
  /** ∂loss/∂(input j) `[T, M]` written at `offset + n`, per input (undefined: not needed). */
  readonly gInputs: readonly (Float64Array | undefined)[];
  /** Accumulators of ∂loss/∂(trained parameter m), added to (in `trained` order; scalar parameters). */
  readonly gParams: Float64Array;
  /** Per-neuron values `[M]` of the parameters marked in `perNeuron` (in `update.params` order; undefined for scalars). */
  readonly paramArrays?: readonly (TensorData | undefined)[] | undefined;
  /** Per-neuron accumulators `[M]` of ∂loss/∂(trained per-neuron parameter m), added to (in `trained` order; undefined for scalars). */
  readonly gParamArrays?: readonly (Float64Array | undefined)[] | undefined;
  /** The surrogate derivative σ'(x). */
  readonly sg: SurrogateGradient;
}

/** A compiled reverse step. */
export type ReverseStep = (call: ReverseStepCall) => void;

/** Options of {@link reverseStepSource}. */
export interface ReverseStepOptions {
  /** Update parameters to differentiate with respect to (names in `update.params`). */
  readonly trained: readonly string[];
  /** Detach the output in the new state (Norse's recurrent steps); default false. */
  readonly detachOutput?: boolean;
  /** Update parameters given per neuron (read from `paramArrays`); default none. */
  readonly perNeuron?: readonly string[];
}

/** Whether each local binding depends on a state variable or an input. */
const dynamicLocals = (bindings: readonly Binding[]): Set<string> => {
  const dyn = new Set<string>();
  for (const b of bindings) if (dependsOnDynamic(b.expr, dyn)) dyn.add(b.name);
  return dyn;
};

const dependsOnDynamic = (e: Expr, dyn: ReadonlySet<string>): boolean => {
  let hit = false;
  mapExpr(e, (x) => {
    if (x.k === 'ref' && (x.role === 'state' || x.role === 'input' || (x.role === 'local' && dyn.has(x.name)))) hit = true;
    return x;
  });
  return hit;
};

/**
 * The JavaScript source of the reverse step of `update` (the body of a function for
 * `new Function`, returning `(call: ReverseStepCall) => void`); see the module docs.
 * @param update - the per-neuron update (parsed once, see `ops/update/parse.ts`)
 * @param options - trained parameters, detach
 * @throws UpdateSyntaxError when the update's text is outside the subset; Error for a trained name not in `update.params`
 */
export const reverseStepSource = (update: NeuronUpdate, options: ReverseStepOptions): string => {
  for (const p of options.trained) if (!update.params.includes(p)) throw new Error(`${update.name}: ${p} is not a parameter of the update`);
  const sl = straightLine(irOf(update));
  const pn = new Set(options.perNeuron ?? []);
  for (const k of pn) if (!update.params.includes(k)) throw new Error(`${update.name}: ${k} is not a parameter of the update`);
  const dyn = dynamicLocals(sl.bindings);
  // one surrogate binding per comparison (by identity), computed after the update's bindings
  const sgNames = new Map<Expr, string>();
  const sgLines: string[] = [];
  const names = new Map<string, string>();
  // every name of the update becomes a generated one ($s0, $i1, $p2, $l3, …): no clash with the loop's
  const id = (role: string, name: string): string => {
    if (role === 'dt') return name; // `dt` itself, or a surrogate binding ($sg0, …)
    const key = `${role}:${name}`;
    let n = names.get(key);
    if (n === undefined) {
      n = `$${role[0]}${names.size}`;
      names.set(key, n);
    }
    return n;
  };
  const print = (e: Expr): string =>
    printExpr(
      mapExpr(e, (x) => (x.k === 'ref' ? ref(id(x.role, x.name), x.role) : x)),
      'none',
    );
  const surrogate = (test: Expr & { k: 'compare' }, d: Expr): Expr | undefined => {
    if (d.k === 'num' && d.value === 0) return undefined;
    const up = test.op === '>' || test.op === '>=';
    if (!up && test.op !== '<' && test.op !== '<=') return undefined;
    const diff = up ? arith('-', test.a, test.b) : arith('-', test.b, test.a);
    if (!dependsOnDynamic(diff, dyn)) return undefined;
    let name = sgNames.get(test);
    if (name === undefined) {
      name = `$sg${sgNames.size}`;
      sgNames.set(test, name);
      sgLines.push(`const ${name} = $sg(${print(diff)});`);
    }
    return arith('*', ref(name, 'dt'), up ? d : neg(d));
  };
  const targets = [
    ...update.state.map((name) => ({ role: 'state' as const, name })),
    ...update.inputs.map((name) => ({ role: 'input' as const, name })),
    ...options.trained.map((name) => ({ role: 'param' as const, name })),
  ];
  const outName = sl.output.k === 'ref' && sl.output.role === 'local' ? sl.output.name : undefined;
  const detach = options.detachOutput === true && outName !== undefined ? [outName] : [];
  const lines: string[] = [];
  // Bindings that read only parameters, `dt` and other such bindings are the same for every neuron:
  // computed once per call, before the loop (same operations, so the same bits).
  const invariant = new Set<string>();
  const hoisted: string[] = [];
  const isInvariant = (e: Expr): boolean => {
    let ok = true;
    mapExpr(e, (x) => {
      if (
        x.k === 'ref' &&
        (x.role === 'state' ||
          x.role === 'input' ||
          (x.role === 'dt' && x.name !== 'dt') ||
          (x.role === 'param' && pn.has(x.name)) ||
          (x.role === 'local' && !invariant.has(x.name)))
      )
        ok = false;
      return x;
    });
    return ok;
  };
  const bind = (b: Binding, into: string[]): void => {
    const text = `const ${id('local', b.name)} = ${print(b.expr)};`;
    if (isInvariant(b.expr)) {
      invariant.add(b.name);
      hoisted.push(text);
    } else into.push(text);
  };
  const perNeuron: string[] = [];
  for (const b of sl.bindings) bind(b, perNeuron);
  const gNew = update.state.map((_, j) => `$gn${j}`);
  const term = (g: string, e: Expr): string | undefined => (e.k === 'num' && e.value === 0 ? undefined : `${g} * (${print(e)})`);
  targets.forEach((target, j) => {
    const dState = derivative(sl, target, { surrogate, detach, prefix: `$d${j}_` });
    const dOut = detach.length > 0 ? derivative(sl, target, { surrogate, prefix: `$e${j}_` }) : dState;
    for (const b of dState.bindings.slice(sl.bindings.length)) bind(b, lines);
    if (dOut !== dState) for (const b of dOut.bindings.slice(sl.bindings.length)) bind(b, lines);
    const terms = [...dState.state.map((e, l) => term(gNew[l] as string, e)), term('$go', dOut.output)].filter((t) => t !== undefined);
    lines.push(`const $r${j} = ${terms.length === 0 ? '0' : terms.join(' + ')};`);
  });
  const u = update;
  const inputRefs = u.inputs.map((n) => id('input', n));
  const stateRefs = u.state.map((n) => id('state', n));
  const paramRefs = u.params.map((n) => id('param', n));
  const nS = u.state.length;
  const nI = u.inputs.length;
  const trainedIdx = options.trained.map((_, m) => nS + nI + m);
  return `
"use strict";
return function ${u.name}_reverse($c) {
  const $M = $c.M, $o = $c.offset, $so = $c.stateOffset, $go0 = $c.gOutOffset, $sg = $c.sg, dt = $c.dt, $gOut = $c.gOut;
  ${u.inputs.map((_, j) => `const $in${j} = $c.inputs[${j}], $gin${j} = $c.gInputs[${j}];`).join(' ')}
  ${u.state.map((_, j) => `const $st${j} = $c.state[${j}], $gs${j} = $c.gState[${j}];`).join(' ')}
  ${paramRefs.map((n, j) => (pn.has(u.params[j] as string) ? `const $pa${j} = $c.paramArrays[${j}];` : `const ${n} = $c.params[${j}];`)).join(' ')}
  ${options.trained.map((k, m) => (pn.has(k) ? `const $gpa${m} = $c.gParamArrays[${m}];` : `let $acc${m} = 0;`)).join(' ')}
  ${hoisted.join('\n  ')}
  for (let $n = 0; $n < $M; $n++) {
    ${inputRefs.map((n, j) => `const ${n} = $in${j}[$o + $n];`).join(' ')}
    ${stateRefs.map((n, j) => `const ${n} = $st${j}[$so + $n];`).join(' ')}
    ${gNew.map((n, j) => `const ${n} = $gs${j}[$n];`).join(' ')}
    const $go = $gOut[$go0 + $n];
    ${paramRefs.flatMap((n, j) => (pn.has(u.params[j] as string) ? [`const ${n} = $pa${j}[$n];`] : [])).join(' ')}
    ${perNeuron.join('\n    ')}
    ${sgLines.join('\n    ')}
    ${lines.join('\n    ')}
    ${u.state.map((_, j) => `$gs${j}[$n] = $r${j};`).join(' ')}
    ${u.inputs.map((_, j) => `if ($gin${j} !== undefined) $gin${j}[$o + $n] = $r${nS + j};`).join(' ')}
    ${trainedIdx.map((r, m) => (pn.has(options.trained[m] as string) ? `$gpa${m}[$n] += $r${r};` : `$acc${m} += $r${r};`)).join(' ')}
  }
  ${options.trained.map((k, m) => (pn.has(k) ? '' : `$c.gParams[${m}] += $acc${m};`)).join(' ')}
};`;
};

const cache = new WeakMap<NeuronUpdate, Map<string, ReverseStep>>();

/**
 * Compiles the reverse step of `update` (cached per update, trained set and detach flag).
 * @param update - the per-neuron update
 * @param options - trained parameters, detach
 * @throws UpdateSyntaxError when the update's text is outside the subset
 */
export const compileReverseStep = (update: NeuronUpdate, options: ReverseStepOptions): ReverseStep => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const key = `${options.trained.join(',')}|${options.detachOutput === true}|${(options.perNeuron ?? []).join(',')}`;
  let fn = byKey.get(key);
  if (fn === undefined) {
    fn = new Function(reverseStepSource(update, options))() as ReverseStep;
    byKey.set(key, fn);
  }
  return fn;
};
