/**
 * The reverse-mode step of any per-neuron update, derived from its one definition: the update's
 * intermediate form in straight-line form (`ops/update/straight.ts`) is differentiated in forward
 * mode with respect to every state variable, input and trained parameter (`ops/update/derivative.ts`),
 * and the columns of the Jacobian are contracted with the gradient arriving from the next step —
 * one vector–Jacobian product per neuron and step:
 * ```
 * ḡs_k = Σ_l ḡs'_l·∂s'_l/∂s_k + ḡo·∂o/∂s_k      (state before the step)
 * ḡx_j = Σ_l ḡs'_l·∂s'_l/∂x_j + ḡo·∂o/∂x_j      (inputs of the step)
 * ḡp_m += Σ_l ḡs'_l·∂s'_l/∂p_m + ḡo·∂o/∂p_m     (parameters, per neuron over the steps)
 * ```
 * The spike's Heaviside step is replaced by the surrogate `σ'` of the model's `method`/`alpha`
 * (`ops/surrogates.ts`, the same operations in the same order): every selection `a > b ? X : Y`
 * (or `<`, `≥`, `≤`) whose test depends on the state or the input contributes
 * `(X − Y)·σ'(a − b)·∂(a − b)`, so the reset `(1 − z)·v_d + z·v_reset` is differentiated as Norse
 * does (`z·(v_reset − v_d)` not detached); tests on parameters only (e.g. the choice of a series
 * expansion) are exact selections. `detachOutput` detaches the output in the new state, as
 * Norse's recurrent steps do (`z_new.detach()` in the reset and adaptation).
 *
 * The reverse step is itself written as a per-neuron update ({@link reverseUpdate}), so every
 * backend's lowering of updates runs it: the `js` loop, the `threads` backend's WebAssembly
 * SIMD translation split over worker threads, and the `gpu` backend's gpu.js kernel (`updateRun`
 * kernel, with the steps in reverse order). Its gradients carried from step to step are its state,
 * the parameter gradients are per-neuron accumulators (state too, summed over neurons by the
 * caller), and it computes in float64 (in float32 on `gpu`, every operation rounded).
 * Source: Norse `functional/threshold.py` (surrogates), `functional/lif.py` (`lif_step` detach).
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import { SURROGATES } from '../ops/surrogates.js';
import { derivative } from '../ops/update/derivative.js';
import { arith, type Expr, mapExpr, type NeuronUpdate, neg, ref } from '../ops/update/ir.js';
import { irOf } from '../ops/update/parse.js';
import { printExpr } from '../ops/update/print.js';
import { type Binding, straightLine } from '../ops/update/straight.js';

/** Options of {@link reverseUpdate}. */
export interface ReverseStepOptions {
  /** Update parameters to differentiate with respect to (names in `update.params`). */
  readonly trained: readonly string[];
  /** Detach the output in the new state (Norse's recurrent steps); default false. */
  readonly detachOutput?: boolean;
  /** Surrogate method of the spike (one of `SURROGATES`; default `super`); its slope is the last parameter. */
  readonly method?: string;
}

/**
 * The reverse step of an update as an update of its own (see the module docs). Layout, for a
 * forward update with `S` state variables, `I` inputs and `P` parameters:
 * - inputs: the forward inputs (`I`), the forward state before the step (`S`), then ∂loss/∂output;
 * - state: ∂loss/∂state (`S`: after the step on entry, before it on exit), one per-neuron
 *   accumulator per trained parameter, then ∂loss/∂input `j` for `j ≥ 1` (written each step);
 * - output: ∂loss/∂(input 0);
 * - parameters: the forward parameters (same order, same per-neuron mask), then the surrogate's `alpha`.
 */
export interface ReverseUpdate {
  /** The reverse step as an update (parsed and checked). */
  readonly update: NeuronUpdate;
  /** State variables of the forward update. */
  readonly nState: number;
  /** Inputs of the forward update. */
  readonly nInputs: number;
  /** Trained parameters (per-neuron accumulators in the reverse step's state). */
  readonly nTrained: number;
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
 * √π as Norse's `HeaviErfc` computes it (float32 `sqrt` of float32 π), as `ops/surrogates.ts`.
 */
const SQRT_PI = Math.fround(Math.sqrt(Math.fround(Math.PI)));

/**
 * Statements computing `name = σ'(x)` for a surrogate method: the operations of
 * `surrogateGradient` (`ops/surrogates.ts`) in the same order, so the values are the same bits.
 */
const surrogateLines = (method: string, name: string, x: string, a: string): string[] => {
  const t = `${name}t`;
  switch (method) {
    case 'super':
      return [`const ${t} = ${a} * Math.abs(${x}) + 1;`, `const ${name} = 1 / (${t} * ${t});`];
    case 'triangle':
    case 'tent':
      return [`const ${name} = ${a} * Math.max(0, 1 - Math.abs(${x}));`];
    case 'tanh':
    case 'logistic':
      return [`const ${t} = Math.tanh(${x} * ${a});`, `const ${name} = 1 - ${t} * ${t};`];
    case 'circ':
      return [`const ${t} = ${a} / Math.sqrt(${a} * ${a} + ${x} * ${x});`, `const ${name} = ${t} * ${t} * ${t};`];
    case 'heavi_erfc':
      return [`const ${t} = ${a} * ${x};`, `const ${name} = 2 * Math.exp(-(${t} * ${t})) / ${String(SQRT_PI)};`];
    case 'sigmoid':
      return [
        `const ${t} = Math.exp(-Math.abs(${a} * ${x}));`,
        `const ${t}d = 1 + ${t};`,
        `const ${name} = ${a} * ${t} / (${t}d * ${t}d);`,
      ];
    default:
      return [`const ${name} = 0;`];
  }
};

/**
 * The text of the reverse step of `update` as an update (see {@link ReverseUpdate}).
 * @throws UpdateSyntaxError when the update's text is outside the subset; Error for a trained name not in `update.params`
 */
const build = (update: NeuronUpdate, options: ReverseStepOptions): ReverseUpdate => {
  for (const p of options.trained) if (!update.params.includes(p)) throw new Error(`${update.name}: ${p} is not a parameter of the update`);
  const method = options.method ?? 'super';
  if (!(SURROGATES as readonly string[]).includes(method)) throw new Error(`${update.name}: unknown surrogate method ${method}`);
  const sl = straightLine(irOf(update));
  const dyn = dynamicLocals(sl.bindings);
  const names = new Map<string, string>();
  // every name of the update becomes a generated one ($$s0, $$i1, $$p2, $$l3, …): no clash with the
  // lowerings' own names ($n, $k, $call, …) nor with the reverse step's ($$g0, $$r0, $$sg0, …)
  const id = (role: string, name: string): string => {
    if (role === 'dt') return name;
    const key = `${role}:${name}`;
    let n = names.get(key);
    if (n === undefined) {
      n = `$$${role[0]}${names.size}`;
      names.set(key, n);
    }
    return n;
  };
  const print = (e: Expr): string =>
    printExpr(
      mapExpr(e, (x) => (x.k === 'ref' && x.role !== 'dt' ? ref(id(x.role, x.name), x.role) : x)),
      'none',
    );
  const alpha = '$$alpha';
  const sgNames = new Map<Expr, string>();
  const sgLines: string[] = [];
  const surrogate = (test: Expr & { k: 'compare' }, d: Expr): Expr | undefined => {
    if (d.k === 'num' && d.value === 0) return undefined;
    const up = test.op === '>' || test.op === '>=';
    if (!up && test.op !== '<' && test.op !== '<=') return undefined;
    const diff = up ? arith('-', test.a, test.b) : arith('-', test.b, test.a);
    if (!dependsOnDynamic(diff, dyn)) return undefined;
    let name = sgNames.get(test);
    if (name === undefined) {
      name = `$$sg${sgNames.size}`;
      sgNames.set(test, name);
      sgLines.push(`const ${name}x = ${print(diff)};`, ...surrogateLines(method, name, `${name}x`, alpha));
    }
    // a reference printed as it is (role dt: never renamed)
    return arith('*', ref(name, 'dt'), up ? d : neg(d));
  };
  const targets = [
    ...update.state.map((name) => ({ role: 'state' as const, name })),
    ...update.inputs.map((name) => ({ role: 'input' as const, name })),
    ...options.trained.map((name) => ({ role: 'param' as const, name })),
  ];
  const outName = sl.output.k === 'ref' && sl.output.role === 'local' ? sl.output.name : undefined;
  const detach = options.detachOutput === true && outName !== undefined ? [outName] : [];
  const forward = sl.bindings.map((b) => `const ${id('local', b.name)} = ${print(b.expr)};`);
  const lines: string[] = [];
  const gState = update.state.map((_, j) => `$$g${j}`);
  const acc = options.trained.map((_, m) => `$$a${m}`);
  const gIn = update.inputs.map((_, j) => `$$x${j}`);
  const term = (g: string, e: Expr): string | undefined => (e.k === 'num' && e.value === 0 ? undefined : `${g} * (${print(e)})`);
  targets.forEach((target, j) => {
    const dState = derivative(sl, target, { surrogate, detach, prefix: `$d${j}_` });
    const dOut = detach.length > 0 ? derivative(sl, target, { surrogate, prefix: `$e${j}_` }) : dState;
    for (const b of dState.bindings.slice(sl.bindings.length)) lines.push(`const ${id('local', b.name)} = ${print(b.expr)};`);
    if (dOut !== dState)
      for (const b of dOut.bindings.slice(sl.bindings.length)) lines.push(`const ${id('local', b.name)} = ${print(b.expr)};`);
    const terms = [...dState.state.map((e, l) => term(gState[l] as string, e)), term('$$go', dOut.output)].filter((t) => t !== undefined);
    lines.push(`const $$r${j} = ${terms.length === 0 ? '0' : terms.join(' + ')};`);
  });
  const nS = update.state.length;
  const nI = update.inputs.length;
  const assigns = [
    ...gState.map((g, j) => `${g} = $$r${j};`),
    ...acc.map((a, m) => `${a} = ${a} + $$r${nS + nI + m};`),
    ...gIn.slice(1).map((g, j) => `${g} = $$r${nS + 1 + j};`),
  ];
  const body = [...forward, ...sgLines, ...lines, ...assigns].join('\n');
  const reverse: NeuronUpdate = Object.freeze({
    name: `${update.name}_reverse`,
    inputs: Object.freeze([...update.inputs.map((n) => id('input', n)), ...update.state.map((n) => id('state', n)), '$$go']),
    state: Object.freeze([...gState, ...acc, ...gIn.slice(1)]),
    params: Object.freeze([...update.params.map((n) => id('param', n)), alpha]),
    output: nI === 0 ? '$$none' : `$$r${nS}`,
    body: nI === 0 ? `${body}\nconst $$none = 0;` : body,
  });
  irOf(reverse); // checked once here: a mistake is an error now, not on some backend later
  return { update: reverse, nState: nS, nInputs: nI, nTrained: options.trained.length };
};

const cache = new WeakMap<NeuronUpdate, Map<string, ReverseUpdate>>();

/**
 * The reverse step of `update` as an update of its own (cached per update, trained set, detach
 * flag and surrogate method: one object per key, so every backend compiles it once).
 * @param update - the per-neuron update
 * @param options - trained parameters, detach, surrogate method
 * @throws SpikeflowError when the update's text is outside the subset, a trained name is not a
 *   parameter of the update, or the method is not a surrogate with a backward form
 */
export const reverseUpdate = (update: NeuronUpdate, options: ReverseStepOptions): ReverseUpdate => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const key = `${options.trained.join(',')}|${options.detachOutput === true}|${options.method ?? 'super'}`;
  let r = byKey.get(key);
  if (r === undefined) {
    try {
      r = build(update, options);
    } catch (e) {
      throw new SpikeflowError('trainable', 'model', `cannot derive the backward step of ${update.name}: ${(e as Error).message}`);
    }
    byKey.set(key, r);
  }
  return r;
};
