/**
 * The kernel front end: reads a {@link NeuronUpdate}'s body once into its intermediate form
 * ({@link UpdateIR}), checking every name on the way. `defineModel` parses each model's update
 * when the model is defined, so a mistake in an update is an error at import time, not at the
 * first run on some backend.
 *
 * The subset (what gpu.js compiles, and what the wasm and js lowerings translate):
 * - statements: `const`/`let` declarations, assignments `=`, `+=`, `-=`, `*=`, `/=` to locals and
 *   state variables, blocks `{ }`, `if (…) … else …`, empty statements; `//` and block comments;
 * - expressions: number literals, names, `+ − × ÷ %`, unary `−`/`+`/`!`, comparisons
 *   (`< > <= >= == === != !==`), `&&`, `||`, `c ? a : b`, `Math.<fn>(…)` for the functions of
 *   {@link MATH_FUNCTIONS}, and `R(e)` (round one operation's result to float32 in float32 runs).
 * Inputs, parameters and `dt` are read-only; state variables are assigned their new values; the
 * variable named by `output` must have a value at the end of the body.
 * @module
 */
import {
  type ArithOp,
  BINARY_PRECEDENCE,
  type CompareOp,
  type Expr,
  MATH_FUNCTIONS,
  type MathFn,
  type NeuronUpdate,
  type Role,
  type Stmt,
  type UpdateIR,
} from './ir.js';

/** A mistake in an update's text or names; the message names the update and the line and column. */
export class UpdateSyntaxError extends Error {
  override readonly name = 'UpdateSyntaxError';
}

type Token =
  | { readonly t: 'num'; readonly value: number; readonly raw: string; readonly at: number }
  | { readonly t: 'name'; readonly value: string; readonly at: number }
  | { readonly t: 'punct'; readonly value: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const PUNCT = [
  '===',
  '!==',
  '+=',
  '-=',
  '*=',
  '/=',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '(',
  ')',
  '{',
  '}',
  ';',
  ',',
  '.',
  '?',
  ':',
  '=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
];

const tokenize = (src: string, fail: (at: number, m: string) => never): Token[] => {
  const out: Token[] = [];
  let p = 0;
  while (p < src.length) {
    const c = src[p] as string;
    if (/\s/.test(c)) {
      p++;
    } else if (src.startsWith('//', p)) {
      while (p < src.length && src[p] !== '\n') p++;
    } else if (src.startsWith('/*', p)) {
      const e = src.indexOf('*/', p + 2);
      if (e < 0) fail(p, 'unterminated comment');
      p = e + 2;
    } else if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (src[p + 1] ?? '') : c)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(p)) as RegExpExecArray;
      out.push({ t: 'num', value: Number(m[0]), raw: m[0], at: p });
      p += m[0].length;
      if (/[A-Za-z_$]/.test(src[p] ?? '')) fail(p, `unexpected character ${JSON.stringify(src[p])} after a number`);
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(p)) as RegExpExecArray;
      out.push({ t: 'name', value: m[0], at: p });
      p += m[0].length;
    } else {
      const op = PUNCT.find((o) => src.startsWith(o, p));
      if (op === undefined) fail(p, `unexpected character ${JSON.stringify(c)}`);
      out.push({ t: 'punct', value: op as string, at: p });
      p += (op as string).length;
    }
  }
  out.push({ t: 'end', at: src.length });
  return out;
};

const RESERVED = new Set(['R', 'Math', 'const', 'let', 'var', 'if', 'else', 'for', 'while', 'return', 'function', 'this']);

interface Binding {
  readonly role: Role;
  readonly mutable: boolean;
  assigned: boolean;
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}
  find(n: string): Binding | undefined {
    return this.vars.get(n) ?? this.parent?.find(n);
  }
}

/**
 * Parses and checks an update (no caching: see {@link irOf}).
 * @throws UpdateSyntaxError for text outside the subset, unknown names, assignments to inputs,
 *   parameters, `dt` or constants, names declared twice, an output without a value
 */
export const parseUpdate = (update: NeuronUpdate): UpdateIR => {
  const src = update.body;
  const fail = (at: number, message: string): never => {
    const before = src.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    throw new UpdateSyntaxError(`${update.name}: ${message} (line ${line}, column ${col})`);
  };
  const names = [...update.inputs, ...update.state, ...update.params, 'dt', update.output];
  for (const n of names) if (!/^[A-Za-z_$][\w$]*$/.test(n) || RESERVED.has(n)) fail(0, `${JSON.stringify(n)} is not a valid name`);
  const seen = new Set<string>();
  for (const n of [...update.inputs, ...update.state, ...update.params, 'dt']) {
    if (seen.has(n)) fail(0, `${n} is declared twice (inputs, state, params and dt must be distinct)`);
    seen.add(n);
  }
  const toks = tokenize(src, fail);
  let p = 0;
  const peek = (): Token => toks[p] as Token;
  const next = (): Token => toks[p++] as Token;
  const isP = (v: string): boolean => {
    const t = peek();
    return t.t === 'punct' && t.value === v;
  };
  const expect = (v: string): void => {
    const t = next();
    if (t.t !== 'punct' || t.value !== v) fail(t.at, `expected ${JSON.stringify(v)}, found ${describe(t)}`);
  };
  const describe = (t: Token): string => (t.t === 'end' ? 'the end of the body' : JSON.stringify(t.t === 'num' ? t.raw : t.value));

  const base = new Scope(undefined);
  for (const n of update.inputs) base.vars.set(n, { role: 'input', mutable: false, assigned: true });
  for (const n of update.state) base.vars.set(n, { role: 'state', mutable: true, assigned: true });
  for (const n of update.params) base.vars.set(n, { role: 'param', mutable: false, assigned: true });
  base.vars.set('dt', { role: 'dt', mutable: false, assigned: true });

  const primary = (scope: Scope): Expr => {
    const t = next();
    if (t.t === 'num') return { k: 'num', value: t.value };
    if (t.t === 'punct' && t.value === '(') {
      const e = expression(scope);
      expect(')');
      return e;
    }
    if (t.t !== 'name') return fail(t.at, `expected an expression, found ${describe(t)}`);
    if (t.value === 'R' && scope.find('R') === undefined && isP('(')) {
      next();
      const a = expression(scope);
      if (isP(',')) fail(peek().at, 'R(...) takes one argument');
      expect(')');
      return { k: 'round', a };
    }
    if (t.value === 'Math' && isP('.')) {
      next();
      const f = next();
      if (f.t !== 'name') return fail(f.at, 'expected a Math function name');
      const arity = (MATH_FUNCTIONS as Readonly<Record<string, number>>)[f.value];
      if (arity === undefined) return fail(f.at, `Math.${f.value} is not supported`);
      expect('(');
      const args: Expr[] = [];
      if (!isP(')')) {
        args.push(expression(scope));
        while (isP(',')) {
          next();
          args.push(expression(scope));
        }
      }
      expect(')');
      if (arity >= 0 && args.length !== arity) fail(f.at, `Math.${f.value} takes ${arity} argument(s), received ${args.length}`);
      if (arity < 0 && args.length < 1) fail(f.at, `Math.${f.value} needs arguments`);
      return { k: 'call', fn: f.value as MathFn, args };
    }
    if (isP('(')) return fail(t.at, 'only R(...) and Math functions may be called');
    const b = scope.find(t.value);
    if (b === undefined) return fail(t.at, `unknown name ${t.value}`);
    if (!b.assigned) return fail(t.at, `${t.value} is used before it is assigned`);
    return { k: 'ref', name: t.value, role: b.role };
  };

  const unary = (scope: Scope): Expr => {
    if (isP('-')) {
      next();
      return { k: 'neg', a: unary(scope) };
    }
    if (isP('+')) {
      next();
      return unary(scope);
    }
    if (isP('!')) {
      next();
      return { k: 'not', a: unary(scope) };
    }
    return primary(scope);
  };

  const binary = (scope: Scope, minPrec: number): Expr => {
    let left = unary(scope);
    for (;;) {
      const t = peek();
      const prec = t.t === 'punct' ? BINARY_PRECEDENCE[t.value] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      next();
      const right = binary(scope, prec + 1);
      const op = (t as { value: string }).value;
      if (op === '&&' || op === '||') left = { k: 'logic', op, a: left, b: right };
      else if (prec >= 6) left = { k: 'arith', op: op as ArithOp, a: left, b: right };
      else left = { k: 'compare', op: (op === '===' ? '==' : op === '!==' ? '!=' : op) as CompareOp, a: left, b: right };
    }
  };

  const expression = (scope: Scope): Expr => {
    const test = binary(scope, 2);
    if (!isP('?')) return test;
    next();
    const then = expression(scope);
    expect(':');
    return { k: 'cond', test, ifTrue: then, ifFalse: expression(scope) };
  };

  const endStatement = (): void => {
    if (isP(';')) next();
  };

  /** Statements until `}` (or the end); names assigned in `scope` are tracked for if-branches. */
  const statements = (scope: Scope, inBlock: boolean): Stmt[] => {
    const out: Stmt[] = [];
    for (;;) {
      const t = peek();
      if (t.t === 'end') {
        if (inBlock) fail(t.at, 'expected "}"');
        return out;
      }
      if (inBlock && t.t === 'punct' && t.value === '}') return out;
      out.push(...statement(scope));
    }
  };

  const branch = (scope: Scope): Stmt[] => {
    const inner = new Scope(scope);
    if (isP('{')) {
      next();
      const body = statements(inner, true);
      expect('}');
      return body;
    }
    return statement(inner);
  };

  /** Locals assigned in an if-branch count as assigned after the if only when both branches assign them. */
  const snapshot = (scope: Scope): Map<Binding, boolean> => {
    const m = new Map<Binding, boolean>();
    for (let s: Scope | undefined = scope; s !== undefined; s = s.parent)
      for (const b of s.vars.values()) if (!m.has(b)) m.set(b, b.assigned);
    return m;
  };

  const statement = (scope: Scope): Stmt[] => {
    const t = next();
    if (t.t === 'punct' && t.value === ';') return [];
    if (t.t === 'punct' && t.value === '{') {
      const body = statements(new Scope(scope), true);
      expect('}');
      return [{ k: 'block', body }];
    }
    if (t.t === 'name' && (t.value === 'const' || t.value === 'let')) {
      const mutable = t.value === 'let';
      const decls: Stmt[] = [];
      for (;;) {
        const n = next();
        if (n.t !== 'name' || RESERVED.has(n.value)) return fail(n.at, `expected a variable name, found ${describe(n)}`);
        if (base.vars.has(n.value)) fail(n.at, `${n.value} shadows the ${base.vars.get(n.value)?.role} of the same name`);
        if (scope.find(n.value) !== undefined) fail(n.at, `${n.value} is declared twice`);
        let init: Expr | undefined;
        if (isP('=')) {
          next();
          init = expression(scope);
        } else if (!mutable) fail(n.at, `const ${n.value} needs a value`);
        scope.vars.set(n.value, { role: 'local', mutable, assigned: init !== undefined });
        decls.push({ k: 'decl', mutable, name: n.value, init });
        if (!isP(',')) break;
        next();
      }
      endStatement();
      return decls;
    }
    if (t.t === 'name' && t.value === 'if') {
      expect('(');
      const test = expression(scope);
      expect(')');
      const before = snapshot(scope);
      const then = branch(scope);
      const afterThen = snapshot(scope);
      for (const [b, a] of before) b.assigned = a;
      let otherwise: Stmt[] | undefined;
      if (peek().t === 'name' && (peek() as { value: string }).value === 'else') {
        next();
        otherwise = branch(scope);
      }
      for (const [b, a] of before) b.assigned = a || (afterThen.get(b) === true && b.assigned);
      return [{ k: 'if', test, ifTrue: then, ifFalse: otherwise }];
    }
    if (t.t === 'name') {
      const b = scope.find(t.value);
      if (b === undefined) return fail(t.at, `assignment to undeclared ${t.value}`);
      const o = next();
      const ops: Readonly<Record<string, ArithOp | ''>> = { '=': '', '+=': '+', '-=': '-', '*=': '*', '/=': '/' };
      const op = o.t === 'punct' ? ops[o.value] : undefined;
      if (op === undefined) return fail(o.at, `only assignments to names are supported as statements, found ${describe(o)}`);
      if (!b.mutable) fail(t.at, `assignment to ${b.role === 'local' ? 'constant' : b.role} ${t.value}`);
      if (op !== '' && !b.assigned) fail(t.at, `${t.value} is used before it is assigned`);
      const right = expression(scope);
      b.assigned = true;
      endStatement();
      const target: Expr = { k: 'ref', name: t.value, role: b.role };
      return [{ k: 'assign', name: t.value, value: op === '' ? right : { k: 'arith', op, a: target, b: right } }];
    }
    return fail(t.at, `expected a statement, found ${describe(t)}`);
  };

  const top = new Scope(base);
  const body = statements(top, false);
  const out = top.find(update.output);
  if (out === undefined || !out.assigned) fail(src.length, `the output ${update.output} has no value at the end of the body`);
  return Object.freeze({ update, body });
};

const parsed = new WeakMap<NeuronUpdate, UpdateIR>();

/**
 * The intermediate form of an update, parsed once per update object (and cached while it lives).
 * @throws UpdateSyntaxError as {@link parseUpdate}
 */
export const irOf = (update: NeuronUpdate): UpdateIR => {
  let ir = parsed.get(update);
  if (ir === undefined) {
    ir = parseUpdate(update);
    parsed.set(update, ir);
  }
  return ir;
};
