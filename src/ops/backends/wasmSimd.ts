/**
 * WebAssembly SIMD code generation for per-neuron kernels: translates a {@link NeuronKernel}'s
 * body (the gpu.js subset of JavaScript, see `src/ops/kernel.ts`) into a wasm function that runs
 * 4 float32 lanes (`f32x4`) or 2 float64 lanes (`f64x2`) at a time.
 *
 * The result is bit for bit the `js` backend's: a float32 run rounds each operation marked `R(·)`
 * to float32, and a wasm `f32` operation on float32 operands gives exactly that rounded result
 * (IEEE 754 round-to-nearest; double rounding through float64 is innocuous for `+ − × ÷ √`);
 * float64 runs use the same IEEE double operations as JavaScript. wasm never contracts a multiply
 * and an add into an FMA and keeps subnormals, as V8's JavaScript does. Where the float32 result
 * could differ — an arithmetic result used unrounded, a literal that is not a float32 — or the body
 * uses something outside the subset below, the kernel is not translated and the caller keeps the
 * JavaScript loop ({@link WasmKernelUnsupported} says why).
 *
 * The subset: `const`/`let` declarations, assignments (`=`, `+=`, `-=`, `*=`, `/=`) to locals and
 * state variables, blocks, `if`/`else` (if-converted: both branches are computed and selected per
 * lane), number literals, `+ − × ÷`, unary `−`/`+`, comparisons, `&&`, `||`, `!` on comparisons,
 * `c ? a : b` (selected per lane), `Math.min`/`max`/`abs`/`sqrt`/`floor`/`ceil`/`trunc` (SIMD
 * instructions) and `Math.exp`/`log`/`expm1`/`log1p`/`tanh`/`sin`/`cos`/`atan`/`pow` (JavaScript's
 * own functions, imported and called per lane, or once when the argument is the same for every
 * neuron).
 *
 * The generated function runs a tile: `T` steps of `V` vectors of neurons whose per-step arrays are
 * rows of `S` bytes; lanes past the last neuron of a row spill into the next row (or the tile's
 * padding) and are overwritten or ignored, so tiles need no per-row padding.
 * Format reference: WebAssembly Core Specification 2.0 (binary format, SIMD instructions).
 * @module
 */
import { parse } from 'acorn';
import type { NeuronKernel } from '../kernel.js';
import type { DType } from '../tensor.js';

/** A kernel translated to wasm. */
export interface WasmKernel {
  /** The module's bytes: exports `memory` and `run`, imports `math.<name>` for each of {@link WasmKernel.imports}. */
  readonly bytes: Uint8Array;
  /** Neurons per vector: 4 for float32, 2 for float64. */
  readonly lanes: number;
  /** Bytes per element: 4 or 8. */
  readonly bytesPerElement: number;
  /** JavaScript `Math` functions the module imports (as `math.<name>`). */
  readonly imports: readonly string[];
}

/** Why a kernel was not translated. */
export interface WasmKernelUnsupported {
  readonly unsupported: string;
}

/**
 * Signature of the exported `run` (all pointers are byte offsets into the module's memory):
 * `run(T, V, S, ...inputs, out, ...state, ...record, ...params, dt)`. `T` steps; `V` vectors per
 * row; `S` the row stride in bytes; inputs, out and records are `[T, S/bytes]` tiles; state arrays
 * hold `V·lanes` elements and are updated in place; params and dt are numbers of the dtype.
 */
export type WasmRun = (T: number, V: number, S: number, ...args: number[]) => void;

// ---------------------------------------------------------------------------------------------
// Binary encoding helpers.

const uleb = (n: number): number[] => {
  const o: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    o.push(b);
  } while (v !== 0);
  return o;
};

const sleb = (n: number): number[] => {
  const o: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
};

const vecOf = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: readonly number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

/** SIMD instruction: prefix 0xfd and the LEB128 opcode. */
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const memarg = [4, 0]; // align 2^4, offset 0

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  call: (f: number) => [0x10, ...uleb(f)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtS: [0x48],
  i32GeS: [0x4e],
  f32Demote: [0xb6],
  f64Promote: [0xbb],
  load: [...simd(0x00), ...memarg],
  store: [...simd(0x0b), ...memarg],
  vconst: (bytes: readonly number[]) => [...simd(0x0c), ...bytes],
  not: simd(0x4d),
  and: simd(0x4e),
  or: simd(0x50),
  bitselect: simd(0x52),
  i32x4Lane0: [...simd(0x1b), 0],
  ifV128: [0x04, V128],
  else: [0x05],
};

/** Per-dtype SIMD opcodes. */
interface Lanes {
  readonly lanes: number;
  readonly bytes: number;
  readonly scalar: number;
  readonly splat: number[];
  readonly extract: (lane: number) => number[];
  readonly replace: (lane: number) => number[];
  readonly bin: Readonly<Record<BinOp, number[]>>;
  readonly un: Readonly<Record<UnOp, number[]>>;
  readonly cmp: Readonly<Record<CmpOp, number[]>>;
  readonly constBytes: (x: number) => number[];
}

type BinOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
type UnOp = 'neg' | 'abs' | 'sqrt' | 'floor' | 'ceil' | 'trunc';
type CmpOp = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge';

const f32x4: Lanes = {
  lanes: 4,
  bytes: 4,
  scalar: F32,
  splat: simd(0x13),
  extract: (l) => [...simd(0x1f), l],
  replace: (l) => [...simd(0x20), l],
  bin: { add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7), min: simd(0xe8), max: simd(0xe9) },
  un: { abs: simd(0xe0), neg: simd(0xe1), sqrt: simd(0xe3), ceil: simd(0x67), floor: simd(0x68), trunc: simd(0x69) },
  cmp: { eq: simd(0x41), ne: simd(0x42), lt: simd(0x43), gt: simd(0x44), le: simd(0x45), ge: simd(0x46) },
  constBytes: (x) => {
    const b = [...new Uint8Array(new Float32Array([x]).buffer)];
    return [...b, ...b, ...b, ...b];
  },
};

const f64x2: Lanes = {
  lanes: 2,
  bytes: 8,
  scalar: F64,
  splat: simd(0x14),
  extract: (l) => [...simd(0x21), l],
  replace: (l) => [...simd(0x22), l],
  bin: { add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2), div: simd(0xf3), min: simd(0xf4), max: simd(0xf5) },
  un: { abs: simd(0xec), neg: simd(0xed), sqrt: simd(0xef), ceil: simd(0x74), floor: simd(0x75), trunc: simd(0x7a) },
  cmp: { eq: simd(0x47), ne: simd(0x48), lt: simd(0x49), gt: simd(0x4a), le: simd(0x4b), ge: simd(0x4c) },
  constBytes: (x) => {
    const b = [...new Uint8Array(new Float64Array([x]).buffer)];
    return [...b, ...b];
  },
};

// ---------------------------------------------------------------------------------------------
// Expression graph. Numeric nodes carry `exact`: the value is what the `js` backend holds at that
// point (always true in float64; in float32, false for an arithmetic result not yet rounded by
// `R`, which JavaScript would keep in double precision). `binary`: known to be 0 or 1.

type Num =
  | { readonly k: 'const'; readonly value: number }
  | { readonly k: 'param'; readonly index: number }
  | { readonly k: 'input'; readonly index: number }
  | { readonly k: 'state'; readonly index: number }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Val; readonly b: Val }
  | { readonly k: 'un'; readonly op: UnOp; readonly a: Val }
  | { readonly k: 'math'; readonly fn: string; readonly args: readonly Val[] }
  | { readonly k: 'sel'; readonly c: Val; readonly a: Val; readonly b: Val };
type Bool =
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly a: Val; readonly b: Val }
  | { readonly k: 'logic'; readonly op: 'and' | 'or'; readonly a: Val; readonly b: Val }
  | { readonly k: 'not'; readonly a: Val };

/** A node of the graph with its analysis. */
interface Val {
  readonly node: Num | Bool;
  readonly bool: boolean;
  readonly exact: boolean;
  readonly binary: boolean;
  /** Same value in every lane (depends on params, dt and literals only). */
  readonly uniform: boolean;
}

class Unsupported extends Error {}
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
const IMPORTED_MATH: Readonly<Record<string, number>> = {
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

// biome-ignore lint/suspicious/noExplicitAny: acorn's ESTree nodes are walked structurally
type AstNode = any;

interface Binding {
  value: Val | undefined;
  readonly mutable: boolean;
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}
  find(n: string): Binding | undefined {
    return this.vars.get(n) ?? this.parent?.find(n);
  }
}

/** Translates the body into the graph of the step's results. */
const buildGraph = (kernel: NeuronKernel, dtype: DType) => {
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
  const cond = (v: Val, what: string): Val => (v.bool ? v : fail(`${what}: condition must be a comparison`));
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
    cond(c, 'c ? a : b');
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
    const isOne = (v: Val) => v.node.k === 'const' && (v.node as { value: number }).value === 1;
    const bin01 = (o === 'mul' && a.binary && b.binary) || (o === 'sub' && isOne(a) && b.binary);
    return mk({ k: 'bin', op: o, a, b }, { uniform, exact: !f32 || bin01, binary: bin01 });
  };
  const unary = (o: UnOp, a: Val, what: string): Val => {
    operand(a, what);
    return mk({ k: 'un', op: o, a }, { uniform: a.uniform, exact: !f32 || o !== 'sqrt', binary: a.binary && o !== 'neg' });
  };

  const base = new Scope(undefined);
  kernel.params.forEach((p, index) => {
    base.vars.set(p, { value: mk({ k: 'param', index }, { uniform: true }), mutable: false });
  });
  base.vars.set('dt', { value: mk({ k: 'param', index: kernel.params.length }, { uniform: true }), mutable: false });
  kernel.inputs.forEach((p, index) => {
    base.vars.set(p, { value: mk({ k: 'input', index }, { uniform: false }), mutable: false });
  });
  kernel.state.forEach((p, index) => {
    base.vars.set(p, { value: mk({ k: 'state', index }, { uniform: false }), mutable: true });
  });

  const expr = (e: AstNode, scope: Scope): Val => {
    switch (e.type) {
      case 'Literal':
        return typeof e.value === 'number' ? constant(e.value) : fail(`literal ${e.raw} is not a number`);
      case 'Identifier': {
        const b = scope.find(e.name);
        if (b === undefined) return fail(`unknown name ${e.name}`);
        return b.value ?? fail(`${e.name} is used before it is assigned`);
      }
      case 'UnaryExpression': {
        const a = expr(e.argument, scope);
        if (e.operator === '-') {
          // −(0/1) is not 0/1; negation is exact.
          operand(a, 'unary -');
          return mk({ k: 'un', op: 'neg', a }, { uniform: a.uniform });
        }
        if (e.operator === '+') return operand(a, 'unary +');
        if (e.operator === '!') return mk({ k: 'not', a: cond(a, '!') }, { bool: true, uniform: a.uniform });
        return fail(`operator ${e.operator} is not supported`);
      }
      case 'BinaryExpression': {
        const a = expr(e.left, scope);
        const b = expr(e.right, scope);
        const arith: Record<string, BinOp> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' };
        const cmps: Record<string, CmpOp> = {
          '<': 'lt',
          '>': 'gt',
          '<=': 'le',
          '>=': 'ge',
          '==': 'eq',
          '===': 'eq',
          '!=': 'ne',
          '!==': 'ne',
        };
        const ao = arith[e.operator];
        if (ao !== undefined) return binary(ao, a, b, `operator ${e.operator}`);
        const co = cmps[e.operator];
        if (co !== undefined) {
          operand(a, `operator ${e.operator}`);
          operand(b, `operator ${e.operator}`);
          return mk({ k: 'cmp', op: co, a, b }, { bool: true, uniform: a.uniform && b.uniform });
        }
        return fail(`operator ${e.operator} is not supported`);
      }
      case 'LogicalExpression': {
        const a = cond(expr(e.left, scope), e.operator);
        const b = cond(expr(e.right, scope), e.operator);
        if (e.operator !== '&&' && e.operator !== '||') fail(`operator ${e.operator} is not supported`);
        return mk({ k: 'logic', op: e.operator === '&&' ? 'and' : 'or', a, b }, { bool: true, uniform: a.uniform && b.uniform });
      }
      case 'ConditionalExpression':
        return select(expr(e.test, scope), expr(e.consequent, scope), expr(e.alternate, scope));
      case 'CallExpression': {
        const args: Val[] = e.arguments.map((a: AstNode) => expr(a, scope));
        if (e.callee.type === 'Identifier' && e.callee.name === 'R' && scope.find('R') === undefined) {
          if (args.length !== 1) fail('R(...) takes one argument');
          return round(args[0] as Val);
        }
        if (
          e.callee.type === 'MemberExpression' &&
          !e.callee.computed &&
          e.callee.object.type === 'Identifier' &&
          e.callee.object.name === 'Math' &&
          scope.find('Math') === undefined
        ) {
          const fn: string = e.callee.property.name;
          const s = SIMD_MATH[fn];
          if (s === 'min' || s === 'max') {
            if (args.length < 1) fail(`Math.${fn} needs arguments`);
            return args.slice(1).reduce((acc, v) => binary(s, acc, v, `Math.${fn}`), operand(args[0] as Val, `Math.${fn}`));
          }
          if (s !== undefined) {
            if (args.length !== 1) fail(`Math.${fn} takes one argument`);
            return unary(s as UnOp, args[0] as Val, `Math.${fn}`);
          }
          const arity = IMPORTED_MATH[fn];
          if (arity !== undefined) {
            if (args.length !== arity) fail(`Math.${fn} takes ${arity} argument(s)`);
            args.forEach((a) => {
              operand(a, `Math.${fn}`);
            });
            return mk({ k: 'math', fn, args }, { uniform: args.every((a) => a.uniform), exact: !f32 });
          }
          return fail(`Math.${fn} is not supported`);
        }
        return fail('only R(...) and Math functions may be called');
      }
      default:
        return fail(`${e.type} is not supported in expressions`);
    }
  };

  const assign = (target: string, value: Val, scope: Scope): void => {
    const b = scope.find(target);
    if (b === undefined) fail(`assignment to undeclared ${target}`);
    else if (!b.mutable) fail(`assignment to constant ${target}`);
    else b.value = value;
  };

  /** All mutable bindings visible from a scope (for if-conversion). */
  const mutables = (scope: Scope): Binding[] => {
    const seen = new Set<string>();
    const out: Binding[] = [];
    for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
      for (const [k, b] of s.vars) {
        if (!seen.has(k)) {
          seen.add(k);
          if (b.mutable) out.push(b);
        }
      }
    }
    return out;
  };

  const statement = (s: AstNode, scope: Scope): void => {
    switch (s.type) {
      case 'EmptyStatement':
        return;
      case 'VariableDeclaration':
        if (s.kind !== 'const' && s.kind !== 'let') fail(`${s.kind} declarations are not supported`);
        for (const d of s.declarations) {
          if (d.id.type !== 'Identifier') fail('destructuring is not supported');
          if (scope.vars.has(d.id.name)) fail(`${d.id.name} is declared twice`);
          const value = d.init === null || d.init === undefined ? undefined : num(expr(d.init, scope), d.id.name);
          scope.vars.set(d.id.name, { value, mutable: s.kind === 'let' });
        }
        return;
      case 'ExpressionStatement': {
        const e = s.expression;
        if (e.type !== 'AssignmentExpression' || e.left.type !== 'Identifier')
          fail('only assignments to names are supported as statements');
        const right = num(expr(e.right, scope), e.left.name);
        const compound: Record<string, BinOp> = { '+=': 'add', '-=': 'sub', '*=': 'mul', '/=': 'div' };
        if (e.operator === '=') {
          assign(e.left.name, right, scope);
          return;
        }
        const o = compound[e.operator];
        if (o === undefined) fail(`operator ${e.operator} is not supported`);
        else assign(e.left.name, binary(o, expr(e.left, scope), right, `operator ${e.operator}`), scope);
        return;
      }
      case 'BlockStatement': {
        const inner = new Scope(scope);
        for (const t of s.body) statement(t, inner);
        return;
      }
      case 'IfStatement': {
        const c = cond(expr(s.test, scope), 'if');
        const bindings = mutables(scope);
        const before = bindings.map((b) => b.value);
        statement(s.consequent, new Scope(scope));
        const afterThen = bindings.map((b) => b.value);
        bindings.forEach((b, k) => {
          b.value = before[k];
        });
        if (s.alternate !== null && s.alternate !== undefined) statement(s.alternate, new Scope(scope));
        bindings.forEach((b, k) => {
          const t = afterThen[k];
          const f = b.value;
          if (t === f) return;
          if (t === undefined || f === undefined) fail('a variable assigned in only one branch of an if has no value before it');
          else b.value = select(c, t, f);
        });
        return;
      }
      default:
        fail(`${s.type} is not supported`);
    }
  };

  const program = parse(kernel.body, { ecmaVersion: 2022, sourceType: 'script' });
  const top = new Scope(base);
  for (const s of program.body) statement(s, top);

  const finalValue = (n: string): Val => {
    const b = top.find(n);
    if (b?.value === undefined) return fail(`${n} has no value at the end of the body`);
    // Storing to a Float32Array rounds: an unrounded single operation on exact operands stores its float32 result.
    return round(num(b.value, n));
  };
  return {
    out: finalValue(kernel.output),
    state: kernel.state.map((n) => finalValue(n)),
  };
};

// ---------------------------------------------------------------------------------------------
// Code generation.

/**
 * Translates a kernel to a wasm SIMD module, or says why it cannot (the caller then runs the
 * JavaScript loop). Results are cached per kernel object, dtype and recording flag.
 * @param kernel - the per-neuron update
 * @param dtype - element type (`float32` → `f32x4`, `float64` → `f64x2`)
 * @param recording - whether `run` also writes each state variable per step
 */
export const compileWasmKernel = (kernel: NeuronKernel, dtype: DType, recording: boolean): WasmKernel | WasmKernelUnsupported => {
  let byKey = cache.get(kernel);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(kernel, byKey);
  }
  const key = `${dtype}:${recording}`;
  let r = byKey.get(key);
  if (r === undefined) {
    try {
      r = generate(kernel, dtype, recording);
    } catch (e) {
      if (!(e instanceof Unsupported) && !(e instanceof SyntaxError)) throw e;
      r = { unsupported: `${kernel.name}: ${e.message}` };
    }
    byKey.set(key, r);
  }
  return r;
};

const cache = new WeakMap<NeuronKernel, Map<string, WasmKernel | WasmKernelUnsupported>>();

const generate = (kernel: NeuronKernel, dtype: DType, recording: boolean): WasmKernel => {
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const graph = buildGraph(kernel, dtype);
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
  const pParam = pRec + nRec;
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
  const types = section(1, vecOf([...mathTypes, runType]));
  const importSec = section(2, vecOf(imports.map((fn, k) => [...name('math'), ...name(fn), 0x00, ...uleb(k)])));
  const funcs = section(3, vecOf([uleb(imports.length)]));
  const memory = section(5, vecOf([[0x00, ...uleb(1)]]));
  const exportsSec = section(
    7,
    vecOf([
      [...name('run'), 0x00, ...uleb(imports.length)],
      [...name('memory'), 0x02, 0],
    ]),
  );
  const codeSec = section(10, vecOf([[...uleb(funcBody.length), ...funcBody]]));
  // Imports are functions 0..k-1, `run` is function k.
  const bytes = new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...types,
    ...importSec,
    ...funcs,
    ...memory,
    ...exportsSec,
    ...codeSec,
  ]);
  return Object.freeze({ bytes, lanes: L.lanes, bytesPerElement: L.bytes, imports: Object.freeze(imports) });
};

// ---------------------------------------------------------------------------------------------
// The linear map y = x Wᵀ + b, event-driven.

const linearCache = new Map<DType, WasmKernel>();

/**
 * A wasm SIMD module for `y = x Wᵀ + b` over rows of `x` that skips the zero entries of `x` (the
 * silent inputs of a spike raster): for every nonzero `x[r, k]` it adds `x[r, k]·Wᵀ[k, :]` to
 * the row's accumulators, `lanes` outputs at a time, in increasing `k`. Each output therefore sums
 * the same products in the same order as the dense `js` product (`matmulInto` in `src/ops/matmul.ts`), one
 * rounding per operation in float32; a skipped term `0·w` (w finite) would add ±0 to an
 * accumulator that is never −0, which changes nothing — so results are equal bit for bit.
 *
 * Exports `memory` and `run(rows, K, O, V, x, wt, bias, out, hasBias)`: `x` `[rows, K]`,
 * `wt` = Wᵀ `[K, O]`, `bias` `[O]`, `out` `[rows, O]` (pointers in bytes; `V = ⌈O / lanes⌉`;
 * arrays need `lanes − 1` elements of padding after their end, rows of `out` may be overwritten
 * past `O` up to the next row's start, which is rewritten when that row runs).
 * @param dtype - `float32` or `float64`
 */
export const linearWasmKernel = (dtype: DType): WasmKernel => {
  const have = linearCache.get(dtype);
  if (have !== undefined) return have;
  const L = dtype === 'float32' ? f32x4 : f64x2;
  const E = L.bytes;
  const [pRows, pK, pO, pV, pX, pWt, pB, pOut, pHasBias] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [lr, lk, lo, lEnd, lXrow, lOrow, lWrow] = [9, 10, 11, 12, 13, 14, 15];
  const [vxs, vzero] = [16, 17];
  const lx = 18;
  const scalarLoad = dtype === 'float32' ? [0x2a, 2, 0] : [0x2b, 3, 0];
  const scalarNe = dtype === 'float32' ? [0x5c] : [0x62];
  const scalarConst0 = dtype === 'float32' ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
  const i32c = op.i32;
  const loopOver = (body: number[]): number[] => [
    ...i32c(0),
    ...op.set(lo),
    ...op.loop,
    ...body,
    ...op.get(lo),
    ...i32c(16),
    ...op.i32Add,
    ...op.tee(lo),
    ...op.get(lEnd),
    ...op.i32LtS,
    ...op.brIf(0),
    ...op.end,
  ];
  const at = (base: number) => [...op.get(base), ...op.get(lo), ...op.i32Add];
  const code = [
    ...op.vconst(L.constBytes(0)),
    ...op.set(vzero),
    ...op.get(pV),
    ...i32c(16),
    ...op.i32Mul,
    ...op.set(lEnd),
    ...i32c(0),
    ...op.set(lr),
    ...op.block,
    ...op.loop,
    ...op.get(lr),
    ...op.get(pRows),
    ...op.i32GeS,
    ...op.brIf(1),
    // xrow = x + r·K·E, orow = out + r·O·E
    ...op.get(pX),
    ...op.get(lr),
    ...op.get(pK),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lXrow),
    ...op.get(pOut),
    ...op.get(lr),
    ...op.get(pO),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lOrow),
    // accumulators = 0
    ...loopOver([...at(lOrow), ...op.get(vzero), ...op.store]),
    // k loop
    ...i32c(0),
    ...op.set(lk),
    ...op.block,
    ...op.loop,
    ...op.get(lk),
    ...op.get(pK),
    ...op.i32GeS,
    ...op.brIf(1),
    ...op.get(lXrow),
    ...op.get(lk),
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...scalarLoad,
    ...op.tee(lx),
    ...scalarConst0,
    ...scalarNe,
    0x04,
    0x40, // if (x != 0)
    ...op.get(lx),
    ...L.splat,
    ...op.set(vxs),
    ...op.get(pWt),
    ...op.get(lk),
    ...op.get(pO),
    ...op.i32Mul,
    ...i32c(E),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(lWrow),
    ...loopOver([
      ...at(lOrow),
      ...at(lOrow),
      ...op.load,
      ...op.get(vxs),
      ...at(lWrow),
      ...op.load,
      ...L.bin.mul,
      ...L.bin.add,
      ...op.store,
    ]),
    ...op.end, // if
    ...op.get(lk),
    ...i32c(1),
    ...op.i32Add,
    ...op.set(lk),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // bias
    ...op.get(pHasBias),
    0x04,
    0x40,
    ...loopOver([...at(lOrow), ...at(lOrow), ...op.load, ...at(pB), ...op.load, ...L.bin.add, ...op.store]),
    ...op.end,
    ...op.get(lr),
    ...i32c(1),
    ...op.i32Add,
    ...op.set(lr),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const locals = [
    [...uleb(7), I32],
    [...uleb(2), V128],
    [...uleb(1), L.scalar],
  ];
  const funcBody = [...vecOf(locals), ...code, ...op.end];
  const runType = [0x60, ...vecOf(Array.from({ length: 9 }, () => [I32])), ...vecOf([])];
  const bytes = new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vecOf([runType])),
    ...section(3, vecOf([uleb(0)])),
    ...section(5, vecOf([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vecOf([
        [...name('run'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vecOf([[...uleb(funcBody.length), ...funcBody]])),
  ]);
  const k = Object.freeze({ bytes, lanes: L.lanes, bytesPerElement: E, imports: Object.freeze([]) as readonly string[] });
  linearCache.set(dtype, k);
  return k;
};
