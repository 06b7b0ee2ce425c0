/**
 * The wasm lowering's view of an update: the intermediate form (`src/ops/update/`) evaluated
 * symbolically into a graph of the step's results, with the analysis the SIMD translation needs.
 *
 * Numeric nodes carry `exact`: the value is what the `js` loop holds at that point (always true
 * in float64; in float32, false for an arithmetic result not yet rounded by `R`, which JavaScript
 * would keep in double precision). Where the float32 result could differ — an arithmetic result
 * used unrounded, a literal that is not a float32 — the update is not translated
 * ({@link Unsupported}) and the caller keeps the JavaScript loop. `if`/`else` is if-converted: both
 * branches are evaluated and their results selected per lane.
 * @module
 */

import type { DType } from '../../tensor.js';
import type { Expr, Stmt, UpdateIR } from '../../update/ir.js';
import type { PerNeuronMask } from '../../update/lowerJs.js';
import type { BinOp, CmpOp, UnOp } from './encoding.js';

/** A numeric node. `pparam` is a per-neuron parameter (loaded per lane, like a state variable). */
export type Num =
  | { readonly k: 'const'; readonly value: number }
  | { readonly k: 'param'; readonly index: number }
  | { readonly k: 'pparam'; readonly index: number }
  | { readonly k: 'input'; readonly index: number }
  | { readonly k: 'state'; readonly index: number }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Val; readonly b: Val }
  | { readonly k: 'un'; readonly op: UnOp; readonly a: Val }
  | { readonly k: 'math'; readonly fn: string; readonly args: readonly Val[] }
  | { readonly k: 'sel'; readonly c: Val; readonly a: Val; readonly b: Val };
/** A boolean (mask) node. */
export type Bool =
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly a: Val; readonly b: Val }
  | { readonly k: 'logic'; readonly op: 'and' | 'or'; readonly a: Val; readonly b: Val }
  | { readonly k: 'not'; readonly a: Val };

/** A node of the graph with its analysis. */
export interface Val {
  readonly node: Num | Bool;
  readonly bool: boolean;
  readonly exact: boolean;
  /** Known to be 0 or 1. */
  readonly binary: boolean;
  /** Same value in every lane (depends on scalar params, dt and literals only). */
  readonly uniform: boolean;
}

/** Why an update is not translated. */
export class Unsupported extends Error {}
const fail = (message: string): never => {
  throw new Unsupported(message);
};

const SIMD_MATH: Readonly<Record<string, UnOp | BinOp>> = {
  min: 'min',
  max: 'max',
  abs: 'abs',
  sqrt: 'sqrt',
  floor: 'floor',
  ceil: 'ceil',
  trunc: 'trunc',
};

/** `Math` functions imported from JavaScript (called per lane), with their arity. */
export const IMPORTED_MATH: Readonly<Record<string, number>> = {
  exp: 1,
  log: 1,
  expm1: 1,
  log1p: 1,
  tanh: 1,
  sin: 1,
  cos: 1,
  atan: 1,
  pow: 2,
};

const CMP: Readonly<Record<string, CmpOp>> = { '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge', '==': 'eq', '!=': 'ne' };
const ARITH: Readonly<Record<string, BinOp>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' };

/** The graph of one step: the output and each state variable's new value. */
export interface Graph {
  readonly out: Val;
  readonly state: readonly Val[];
}

/**
 * Evaluates an update's intermediate form into its graph.
 * @throws Unsupported when the translation could differ from the `js` loop, or uses `%`
 */
export const buildGraph = (ir: UpdateIR, dtype: DType, perNeuron?: PerNeuronMask): Graph => {
  const { update } = ir;
  const f32 = dtype === 'float32';
  const mk = (node: Num | Bool, props: { bool?: boolean; exact?: boolean; binary?: boolean; uniform: boolean }): Val => ({
    node,
    bool: props.bool ?? false,
    exact: props.exact ?? true,
    binary: props.binary ?? false,
    uniform: props.uniform,
  });
  const num = (v: Val, what: string): Val => (v.bool ? fail(`${what}: a comparison used as a number`) : v);
  const operand = (v: Val, what: string): Val => {
    num(v, what);
    if (!v.exact) fail(`${what}: a float32 result used before rounding with R(...) (JavaScript keeps it in double precision)`);
    return v;
  };
  const condition = (v: Val, what: string): Val => (v.bool ? v : fail(`${what}: condition must be a comparison`));
  const constant = (value: number): Val => {
    if (!Number.isFinite(value)) fail(`literal ${value} is not finite`);
    if (f32 && Math.fround(value) !== value) fail(`literal ${value} is not a float32 value`);
    return mk({ k: 'const', value }, { uniform: true, binary: value === 0 || value === 1 });
  };
  /** `R(v)`: the float32 result of the operation (nothing in float64). */
  const round = (v: Val): Val => {
    num(v, 'R(...)');
    if (v.exact) return v;
    const n = v.node as Num;
    if (n.k === 'sel') return select(n.c, round(n.a), round(n.b));
    return { ...v, exact: true };
  };
  const select = (c: Val, a: Val, b: Val): Val => {
    condition(c, 'c ? a : b');
    if (a.bool || b.bool) fail('c ? a : b: branches must be numbers');
    if (a === b) return a;
    return mk(
      { k: 'sel', c, a, b },
      { exact: a.exact && b.exact, binary: a.binary && b.binary, uniform: c.uniform && a.uniform && b.uniform },
    );
  };
  const binary = (o: BinOp, a: Val, b: Val, what: string): Val => {
    operand(a, what);
    operand(b, what);
    const uniform = a.uniform && b.uniform;
    if (o === 'min' || o === 'max') return mk({ k: 'bin', op: o, a, b }, { uniform, binary: a.binary && b.binary });
    // Products of 0/1 values and 1 − (0/1) are 0/1 and exact in float32 without rounding.
    const isOne = (v: Val) => v.node.k === 'const' && v.node.value === 1;
    const bin01 = (o === 'mul' && a.binary && b.binary) || (o === 'sub' && isOne(a) && b.binary);
    return mk({ k: 'bin', op: o, a, b }, { uniform, exact: !f32 || bin01, binary: bin01 });
  };
  const unary = (o: UnOp, a: Val, what: string): Val => {
    operand(a, what);
    return mk({ k: 'un', op: o, a }, { uniform: a.uniform, exact: !f32 || o !== 'sqrt', binary: a.binary && o !== 'neg' });
  };

  const leaf = new Map<string, Val>();
  update.params.forEach((p, index) => {
    leaf.set(
      p,
      perNeuron?.[index] === true ? mk({ k: 'pparam', index }, { uniform: false }) : mk({ k: 'param', index }, { uniform: true }),
    );
  });
  leaf.set('dt', mk({ k: 'param', index: update.params.length }, { uniform: true }));
  update.inputs.forEach((p, index) => {
    leaf.set(p, mk({ k: 'input', index }, { uniform: false }));
  });

  const expr = (e: Expr, env: Map<string, Val>): Val => {
    switch (e.k) {
      case 'num':
        return constant(e.value);
      case 'ref': {
        const v = e.role === 'local' || e.role === 'state' ? env.get(e.name) : leaf.get(e.name);
        return v ?? fail(`${e.name} has no value here`);
      }
      case 'neg': {
        // −(0/1) is not 0/1; negation is exact.
        const a = operand(expr(e.a, env), 'unary -');
        return mk({ k: 'un', op: 'neg', a }, { uniform: a.uniform });
      }
      case 'not': {
        const a = condition(expr(e.a, env), '!');
        return mk({ k: 'not', a }, { bool: true, uniform: a.uniform });
      }
      case 'arith': {
        const o = ARITH[e.op];
        if (o === undefined) return fail(`operator ${e.op} is not supported`);
        return binary(o, expr(e.a, env), expr(e.b, env), `operator ${e.op}`);
      }
      case 'compare': {
        const a = operand(expr(e.a, env), `operator ${e.op}`);
        const b = operand(expr(e.b, env), `operator ${e.op}`);
        return mk({ k: 'cmp', op: CMP[e.op] as CmpOp, a, b }, { bool: true, uniform: a.uniform && b.uniform });
      }
      case 'logic': {
        const a = condition(expr(e.a, env), e.op);
        const b = condition(expr(e.b, env), e.op);
        return mk({ k: 'logic', op: e.op === '&&' ? 'and' : 'or', a, b }, { bool: true, uniform: a.uniform && b.uniform });
      }
      case 'cond':
        return select(expr(e.test, env), expr(e.ifTrue, env), expr(e.ifFalse, env));
      case 'round':
        return round(expr(e.a, env));
      case 'call': {
        const args = e.args.map((a) => expr(a, env));
        const what = `Math.${e.fn}`;
        const s = SIMD_MATH[e.fn];
        if (s === 'min' || s === 'max') return args.slice(1).reduce((acc, v) => binary(s, acc, v, what), operand(args[0] as Val, what));
        if (s !== undefined) return unary(s as UnOp, args[0] as Val, what);
        if (IMPORTED_MATH[e.fn] === undefined) return fail(`${what} is not supported`);
        for (const a of args) operand(a, what);
        return mk({ k: 'math', fn: e.fn, args }, { uniform: args.every((a) => a.uniform), exact: !f32 });
      }
    }
  };

  const run = (body: readonly Stmt[], env: Map<string, Val>): void => {
    for (const s of body) {
      switch (s.k) {
        case 'decl':
          if (s.init === undefined) env.delete(s.name);
          else env.set(s.name, num(expr(s.init, env), s.name));
          break;
        case 'assign':
          env.set(s.name, num(expr(s.value, env), s.name));
          break;
        case 'block': {
          const inner = new Map(env);
          run(s.body, inner);
          for (const k of env.keys()) env.set(k, inner.get(k) as Val);
          break;
        }
        case 'if': {
          const c = condition(expr(s.test, env), 'if');
          const a = new Map(env);
          run(s.ifTrue, a);
          const b = new Map(env);
          if (s.ifFalse !== undefined) run(s.ifFalse, b);
          for (const k of [...env.keys()]) {
            const t = a.get(k);
            const f = b.get(k);
            if (t === undefined || f === undefined) fail('a variable assigned in only one branch of an if has no value before it');
            else env.set(k, t === f ? t : select(c, t, f));
          }
          for (const k of a.keys()) {
            if (env.has(k)) continue;
            const t = a.get(k);
            const f = b.get(k);
            if (t !== undefined && f !== undefined) env.set(k, t === f ? t : select(c, t, f));
          }
          break;
        }
      }
    }
  };

  const env = new Map<string, Val>();
  update.state.forEach((p, index) => {
    env.set(p, mk({ k: 'state', index }, { uniform: false }));
  });
  run(ir.body, env);
  const finalValue = (n: string): Val => {
    const v = env.get(n);
    if (v === undefined) return fail(`${n} has no value at the end of the body`);
    // Storing to a Float32Array rounds: an unrounded single operation on exact operands stores its float32 result.
    return round(num(v, n));
  };
  return { out: finalValue(update.output), state: update.state.map(finalValue) };
};
