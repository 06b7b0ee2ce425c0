/**
 * The straight-line form of an update: every assignment becomes a fresh binding (single
 * assignment), and every `if` becomes selections `c ? a : b` of the values its branches leave.
 * It is the form transformations work on (see `derivative.ts`): the result of a step is a pure
 * function of the old state, the inputs, the parameters and `dt`, written as a list of bindings.
 * @module
 */
import { type Expr, mapExpr, type NeuronUpdate, type Stmt, type UpdateIR } from './ir.js';
import { printExpr, type RoundingStyle } from './print.js';

/** One binding `name = expr` (references to earlier bindings have role `local`). */
export interface Binding {
  readonly name: string;
  readonly expr: Expr;
}

/** An update in straight-line form. */
export interface StraightLine {
  readonly update: NeuronUpdate;
  /** Bindings in order; each is computed once. */
  readonly bindings: readonly Binding[];
  /** New value of each state variable (in `update.state` order). */
  readonly state: readonly Expr[];
  /** The step's output. */
  readonly output: Expr;
}

/** Converts an update's intermediate form to straight-line form. */
export const straightLine = (ir: UpdateIR): StraightLine => {
  const bindings: Binding[] = [];
  const counts = new Map<string, number>();
  const fresh = (name: string, expr: Expr): Expr => {
    if (expr.k === 'ref' || expr.k === 'num') return expr;
    const c = (counts.get(name) ?? 0) + 1;
    counts.set(name, c);
    const b = `${name}_${c}`;
    bindings.push({ name: b, expr });
    return { k: 'ref', name: b, role: 'local' };
  };
  // Current value of every state variable and local, by source name (inner scopes are copies).
  const resolve = (env: Map<string, Expr>, e: Expr): Expr =>
    mapExpr(e, (x) => (x.k === 'ref' && (x.role === 'local' || x.role === 'state') ? (env.get(x.name) as Expr) : x));
  const run = (body: readonly Stmt[], env: Map<string, Expr>): void => {
    for (const s of body) {
      switch (s.k) {
        case 'decl':
          if (s.init !== undefined) env.set(s.name, fresh(s.name, resolve(env, s.init)));
          else env.delete(s.name);
          break;
        case 'assign':
          env.set(s.name, fresh(s.name, resolve(env, s.value)));
          break;
        case 'block': {
          const inner = new Map(env);
          run(s.body, inner);
          for (const k of env.keys()) env.set(k, inner.get(k) as Expr);
          break;
        }
        case 'if': {
          const test = resolve(env, s.test);
          const a = new Map(env);
          run(s.ifTrue, a);
          const b = new Map(env);
          if (s.ifFalse !== undefined) run(s.ifFalse, b);
          for (const k of [...env.keys(), ...a.keys()]) {
            const x = a.get(k);
            const y = b.get(k);
            if (x === undefined || y === undefined) {
              if (env.has(k)) env.delete(k);
              continue;
            }
            env.set(k, x === y ? x : fresh(k, { k: 'cond', test, ifTrue: x, ifFalse: y }));
          }
          break;
        }
      }
    }
  };
  const env = new Map<string, Expr>(ir.update.state.map((n) => [n, { k: 'ref', name: n, role: 'state' }]));
  run(ir.body, env);
  return Object.freeze({
    update: ir.update,
    bindings,
    state: ir.update.state.map((n) => env.get(n) as Expr),
    output: env.get(ir.update.output) as Expr,
  });
};

/** Prints a straight-line form as JavaScript statements (`const` bindings, then `name' = …` results). */
export const printStraightLine = (sl: StraightLine, rounding: RoundingStyle = 'marker'): string =>
  [
    ...sl.bindings.map((b) => `const ${b.name} = ${printExpr(b.expr, rounding)};`),
    ...sl.update.state.map((n, j) => `// ${n}' = ${printExpr(sl.state[j] as Expr, rounding)}`),
    `// ${sl.update.output} (output) = ${printExpr(sl.output, rounding)}`,
  ].join('\n');
