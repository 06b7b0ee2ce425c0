/**
 * Differentiation of an update (forward mode, symbolic): the derivative of every new state
 * variable and of the output with respect to one old state variable, input or parameter, as a
 * straight-line program of its own. Training (backpropagation through time) builds its Jacobians
 * from these; a model defined with `defineModel` gets them without writing any gradient code.
 *
 * Rules: the usual ones for `+ − × ÷` and `Math` functions; `R(e)` (float32 rounding) is treated
 * as the identity; `floor`, `ceil`, `trunc` and comparisons have derivative 0; a selection
 * `c ? a : b` differentiates to `c ? a' : b'`, plus `(a − b)·s` when a surrogate `s` is given for
 * its test (the Heaviside step of a spike, `z = v − θ > 0 ? 1 : 0`, has derivative 0 almost
 * everywhere; surrogate-gradient training replaces it, as Norse's `SuperSpike` does).
 * @module
 */
import { arith, call, cond, type Expr, neg, num, type Role } from './ir.js';
import type { Binding, StraightLine } from './straight.js';

/** The variable to differentiate with respect to. */
export interface DerivativeTarget {
  readonly role: Exclude<Role, 'local'>;
  readonly name: string;
}

/** Options of {@link derivative}. */
export interface DerivativeOptions {
  /**
   * Surrogate derivative of a comparison `a op b` used as a selection's test, given the
   * derivative `d` of `a − b`; undefined (default) means 0 (the exact derivative almost everywhere).
   */
  readonly surrogate?: (test: Expr & { k: 'compare' }, d: Expr) => Expr | undefined;
  /**
   * Bindings (straight-line names, e.g. `z_1`) whose derivative is taken as zero wherever they are
   * read, as torch's `detach()` (Norse's recurrent steps detach the spike in the reset). Default none.
   */
  readonly detach?: readonly string[];
  /** Prefix of the derivative bindings' names (default `d_`); names stay distinct from the update's. */
  readonly prefix?: string;
}

const isZero = (e: Expr): boolean => e.k === 'num' && e.value === 0;
const isOne = (e: Expr): boolean => e.k === 'num' && e.value === 1;
const add = (a: Expr, b: Expr): Expr => (isZero(a) ? b : isZero(b) ? a : arith('+', a, b));
const sub = (a: Expr, b: Expr): Expr => (isZero(b) ? a : isZero(a) ? neg(b) : arith('-', a, b));
const mul = (a: Expr, b: Expr): Expr => (isZero(a) || isZero(b) ? num(0) : isOne(a) ? b : isOne(b) ? a : arith('*', a, b));
const div = (a: Expr, b: Expr): Expr => (isZero(a) ? num(0) : isOne(b) ? a : arith('/', a, b));

/**
 * Differentiates a straight-line update with respect to one variable.
 * @param sl - the update in straight-line form (see `straight.ts`)
 * @param target - the input, state variable, parameter or `dt` to differentiate with respect to
 * @param options - surrogate of the spike comparisons, detached bindings, names
 * @returns a straight-line form whose bindings are the original ones followed by their
 *   derivatives (`d_<name>`, or the given prefix), whose `state` holds `∂state'/∂target` and whose
 *   `output` holds `∂output/∂target`
 */
export const derivative = (sl: StraightLine, target: DerivativeTarget, options: DerivativeOptions = {}): StraightLine => {
  const dBindings: Binding[] = [];
  const dOf = new Map<string, Expr>();
  const detached = new Set(options.detach ?? []);
  const taken = new Set(sl.bindings.map((b) => b.name));
  const prefix = options.prefix ?? 'd_';
  const d = (e: Expr): Expr => {
    switch (e.k) {
      case 'num':
        return num(0);
      case 'ref':
        if (e.role === 'local') return detached.has(e.name) ? num(0) : (dOf.get(e.name) ?? num(0));
        return e.role === target.role && e.name === target.name ? num(1) : num(0);
      case 'neg':
        return isZero(d(e.a)) ? num(0) : neg(d(e.a));
      case 'round':
        return d(e.a);
      case 'not':
      case 'compare':
      case 'logic':
        return num(0);
      case 'arith': {
        const da = d(e.a);
        const db = d(e.b);
        switch (e.op) {
          case '+':
            return add(da, db);
          case '-':
            return sub(da, db);
          case '*':
            return add(mul(da, e.b), mul(e.a, db));
          case '/':
            return sub(div(da, e.b), div(mul(e.a, db), arith('*', e.b, e.b)));
          case '%':
            return da;
        }
        return num(0);
      }
      case 'cond': {
        const dt = d(e.ifTrue);
        const de = d(e.ifFalse);
        let r = isZero(dt) && isZero(de) ? num(0) : cond(e.test, dt, de);
        if (e.test.k === 'compare' && options.surrogate !== undefined) {
          const s = options.surrogate(e.test, sub(d(e.test.a), d(e.test.b)));
          if (s !== undefined) r = add(r, mul(sub(e.ifTrue, e.ifFalse), s));
        }
        return r;
      }
      case 'call': {
        const [a, b] = e.args as [Expr, Expr | undefined];
        const da = d(a);
        switch (e.fn) {
          case 'exp':
            return mul(call('exp', a), da);
          case 'expm1':
            return mul(call('exp', a), da);
          case 'log':
            return div(da, a);
          case 'log1p':
            return div(da, add(num(1), a));
          case 'sqrt':
            return div(da, mul(num(2), call('sqrt', a)));
          case 'abs':
            return isZero(da) ? num(0) : cond({ k: 'compare', op: '<', a, b: num(0) }, neg(da), da);
          case 'tanh':
            return mul(sub(num(1), mul(call('tanh', a), call('tanh', a))), da);
          case 'sin':
            return mul(call('cos', a), da);
          case 'cos':
            return neg(mul(call('sin', a), da));
          case 'atan':
            return div(da, add(num(1), mul(a, a)));
          case 'pow': {
            const y = b as Expr;
            const dy = d(y);
            const left = mul(mul(y, call('pow', a, sub(y, num(1)))), da);
            return isZero(dy) ? left : add(left, mul(mul(call('pow', a, y), call('log', a)), dy));
          }
          case 'min':
          case 'max':
            return e.args.slice(1).reduce<{ v: Expr; dv: Expr }>(
              (acc, x) => {
                const dx = d(x);
                const pick = { k: 'compare', op: e.fn === 'min' ? '<=' : '>=', a: acc.v, b: x } as const;
                return { v: call(e.fn, acc.v, x), dv: isZero(acc.dv) && isZero(dx) ? num(0) : cond(pick, acc.dv, dx) };
              },
              { v: a, dv: da },
            ).dv;
          default:
            return num(0);
        }
      }
    }
  };
  for (const b of sl.bindings) {
    const db = d(b.expr);
    if (db.k === 'num' || db.k === 'ref') {
      if (!isZero(db)) dOf.set(b.name, db);
      continue;
    }
    let name = `${prefix}${b.name}`;
    while (taken.has(name)) name = `${prefix}${name}`;
    taken.add(name);
    dBindings.push({ name, expr: db });
    dOf.set(b.name, { k: 'ref', name, role: 'local' });
  }
  return Object.freeze({
    update: sl.update,
    bindings: [...sl.bindings, ...dBindings],
    state: sl.state.map(d),
    output: d(sl.output),
  });
};
