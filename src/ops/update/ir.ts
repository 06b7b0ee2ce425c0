/**
 * The intermediate form of a per-neuron update: what the kernel front end (`parse.ts`) makes of a
 * {@link NeuronUpdate}'s text once, and what every lowering consumes — the `js` loop (`js.ts`),
 * the WebAssembly SIMD translation (`../backends/wasm/`), the gpu.js kernels (`../backends/gpu/`),
 * the readable snapshots (`print.ts`) — and what transformations rewrite (`derivative.ts`).
 *
 * A program is a list of statements over expression trees. Every name is resolved: a reference
 * says whether it reads an input, a state variable, a parameter, `dt` or a local of the body.
 * Rounding is explicit: `round` is Norse's float32 rounding of one operation's result (the
 * `R(...)` marker of the source), removed in float64.
 * @module
 */

/**
 * The definition of a per-neuron update, shared by all backends: the model's equations as
 * statements in the subset of JavaScript described in `parse.ts` (numbers, `const`/`let`,
 * assignments, `if`/`else`, arithmetic, comparisons, ternaries, `Math.*`, `R(...)`).
 *
 * Conventions inside `body`: inputs (e.g. `x`), state variables (e.g. `v`, `i`) and parameters
 * (e.g. `tauMemInv`) are names in scope, `dt` is the time step in seconds; the body assigns the
 * new state to the state variables (`v = ...`) and leaves the output in the variable named by
 * `output`; `R(e)` marks the result of one floating-point operation, rounded to float32 in float32
 * runs (so a float32 run reproduces torch's float32 arithmetic operation by operation).
 */
export interface NeuronUpdate {
  /** Name used in generated code and error messages, e.g. `lif`. */
  readonly name: string;
  /** Per-step input arrays read at the neuron's index, e.g. `['x']`. */
  readonly inputs: readonly string[];
  /** State variables carried from step to step, e.g. `['v', 'i']`. */
  readonly state: readonly string[];
  /** Parameters the body reads, e.g. `['tauSynInv', 'tauMemInv', 'vLeak']` (scalars or per-neuron arrays). */
  readonly params: readonly string[];
  /** Variable holding the step's output after `body` runs (e.g. `z`, or `v` for LI). */
  readonly output: string;
  /** The update as JavaScript statements (see above). */
  readonly body: string;
}

/** What a name refers to. */
export type Role = 'input' | 'state' | 'param' | 'dt' | 'local';

/** Arithmetic operators. */
export type ArithOp = '+' | '-' | '*' | '/' | '%';
/** Comparison operators (`==` and `===` are one operator here, as are `!=` and `!==`). */
export type CompareOp = '<' | '>' | '<=' | '>=' | '==' | '!=';

/**
 * JavaScript's precedence of the binary operators of the update language (higher binds tighter;
 * `===`/`!==` parse as `==`/`!=`): the parser's and the printer's one table.
 */
export const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 2,
  '&&': 3,
  '==': 4,
  '===': 4,
  '!=': 4,
  '!==': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

/** `Math` functions the subset allows, with their arity. */
export const MATH_FUNCTIONS = {
  exp: 1,
  log: 1,
  expm1: 1,
  log1p: 1,
  sqrt: 1,
  abs: 1,
  floor: 1,
  ceil: 1,
  trunc: 1,
  tanh: 1,
  sin: 1,
  cos: 1,
  atan: 1,
  pow: 2,
  min: -1,
  max: -1,
} as const;
/** A `Math` function name. */
export type MathFn = keyof typeof MATH_FUNCTIONS;

/** An expression: a tree, immutable. */
export type Expr =
  | { readonly k: 'num'; readonly value: number }
  | { readonly k: 'ref'; readonly name: string; readonly role: Role }
  | { readonly k: 'neg'; readonly a: Expr }
  | { readonly k: 'not'; readonly a: Expr }
  | { readonly k: 'arith'; readonly op: ArithOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'compare'; readonly op: CompareOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'logic'; readonly op: '&&' | '||'; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'cond'; readonly test: Expr; readonly ifTrue: Expr; readonly ifFalse: Expr }
  | { readonly k: 'round'; readonly a: Expr }
  | { readonly k: 'call'; readonly fn: MathFn; readonly args: readonly Expr[] };

/** A statement. Assignments are plain `=` (the front end expands `x += e` to `x = x + e`). */
export type Stmt =
  | { readonly k: 'decl'; readonly mutable: boolean; readonly name: string; readonly init: Expr | undefined }
  | { readonly k: 'assign'; readonly name: string; readonly value: Expr }
  | { readonly k: 'if'; readonly test: Expr; readonly ifTrue: readonly Stmt[]; readonly ifFalse: readonly Stmt[] | undefined }
  | { readonly k: 'block'; readonly body: readonly Stmt[] };

/** A parsed, validated update: the description and its statements. */
export interface UpdateIR {
  readonly update: NeuronUpdate;
  readonly body: readonly Stmt[];
}

// Constructors (the shapes above, for transformations that build trees).
/** A number literal. */
export const num = (value: number): Expr => ({ k: 'num', value });
/** A reference to a name with its role (input, state, parameter, local, `dt`). */
export const ref = (name: string, role: Role): Expr => ({ k: 'ref', name, role });
/** `−a`. */
export const neg = (a: Expr): Expr => ({ k: 'neg', a });
/** `a op b` for an arithmetic operator. */
export const arith = (op: ArithOp, a: Expr, b: Expr): Expr => ({ k: 'arith', op, a, b });
/** `test ? ifTrue : otherwise`. */
export const cond = (test: Expr, ifTrue: Expr, otherwise: Expr): Expr => ({ k: 'cond', test, ifTrue, ifFalse: otherwise });
/** A call of a `Math` function of the kernel language. */
export const call = (fn: MathFn, ...args: Expr[]): Expr => ({ k: 'call', fn, args });

/** Whether an expression is boolean-valued (a comparison, `&&`, `||`, `!`). */
export const isBoolean = (e: Expr): boolean => e.k === 'compare' || e.k === 'logic' || e.k === 'not';

/**
 * Rebuilds an expression bottom-up: `f` receives each node with its children already mapped and
 * returns its replacement (or the node itself).
 */
export const mapExpr = (e: Expr, f: (e: Expr) => Expr): Expr => {
  const m = (x: Expr) => mapExpr(x, f);
  switch (e.k) {
    case 'num':
    case 'ref':
      return f(e);
    case 'neg':
    case 'not':
    case 'round':
      return f({ ...e, a: m(e.a) });
    case 'arith':
    case 'compare':
    case 'logic':
      return f({ ...e, a: m(e.a), b: m(e.b) });
    case 'cond':
      return f({ ...e, test: m(e.test), ifTrue: m(e.ifTrue), ifFalse: m(e.ifFalse) });
    case 'call':
      return f({ ...e, args: e.args.map(m) });
  }
};

/** Applies `f` to every expression of a statement list (see {@link mapExpr}). */
export const mapStatements = (body: readonly Stmt[], f: (e: Expr) => Expr): Stmt[] =>
  body.map((s): Stmt => {
    switch (s.k) {
      case 'decl':
        return { ...s, init: s.init === undefined ? undefined : mapExpr(s.init, f) };
      case 'assign':
        return { ...s, value: mapExpr(s.value, f) };
      case 'if':
        return {
          ...s,
          test: mapExpr(s.test, f),
          ifTrue: mapStatements(s.ifTrue, f),
          ifFalse: s.ifFalse === undefined ? undefined : mapStatements(s.ifFalse, f),
        };
      default:
        return { ...s, body: mapStatements(s.body, f) };
    }
  });
