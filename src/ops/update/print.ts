/**
 * Prints the intermediate form back as JavaScript: the text the `js` loop and gpu.js compile, and
 * the readable snapshot of a model's update (`test/kernels/<model>.js`). Parentheses follow
 * JavaScript's precedence, and an operand is never re-associated (float addition is not
 * associative), so the printed text computes exactly what the intermediate form says.
 * @module
 */
import { BINARY_PRECEDENCE, type Expr, type Stmt, type UpdateIR } from './ir.js';

/**
 * How `round` nodes print: `marker` as the source's `R(e)`, `fround` as `$fround(e)` (a local
 * bound to `Math.fround`), `Math.fround` as `Math.fround(e)`, `none` as `e` (float64, GL).
 */
export type RoundingStyle = 'marker' | 'fround' | 'Math.fround' | 'none';

const UNARY = 8;

const numberText = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** Prints an expression; `min` is the least precedence the context accepts without parentheses. */
export const printExpr = (e: Expr, rounding: RoundingStyle, min = 0): string => {
  const wrap = (prec: number, text: string): string => (prec < min ? `(${text})` : text);
  switch (e.k) {
    case 'num':
      return e.value < 0 || Object.is(e.value, -0) ? wrap(UNARY, numberText(e.value)) : numberText(e.value);
    case 'ref':
      return e.name;
    case 'neg':
    case 'not': {
      const inner = printExpr(e.a, rounding, UNARY);
      const op = e.k === 'neg' ? '-' : '!';
      // Never print `--x` or `- -x`.
      return wrap(UNARY, `${op}${inner.startsWith('-') && op === '-' ? `(${inner})` : inner}`);
    }
    case 'arith':
    case 'compare':
    case 'logic': {
      const p = BINARY_PRECEDENCE[e.op] as number;
      return wrap(
        p,
        `${printExpr(e.a, rounding, p)} ${e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op} ${printExpr(e.b, rounding, p + 1)}`,
      );
    }
    case 'cond':
      return wrap(1, `${printExpr(e.test, rounding, 2)} ? ${printExpr(e.ifTrue, rounding, 1)} : ${printExpr(e.ifFalse, rounding, 1)}`);
    case 'round':
      if (rounding === 'none') return printExpr(e.a, rounding, min);
      return `${rounding === 'marker' ? 'R' : rounding === 'fround' ? '$fround' : 'Math.fround'}(${printExpr(e.a, rounding, 0)})`;
    case 'call':
      return `Math.${e.fn}(${e.args.map((a) => printExpr(a, rounding, 0)).join(', ')})`;
  }
};

/** Prints statements, one a line, indented by `indent`. */
export const printStatements = (body: readonly Stmt[], rounding: RoundingStyle, indent = ''): string => {
  const lines: string[] = [];
  const block = (b: readonly Stmt[]) => printStatements(b, rounding, `${indent}  `);
  for (const s of body) {
    switch (s.k) {
      case 'decl':
        lines.push(`${indent}${s.mutable ? 'let' : 'const'} ${s.name}${s.init === undefined ? '' : ` = ${printExpr(s.init, rounding)}`};`);
        break;
      case 'assign':
        lines.push(`${indent}${s.name} = ${printExpr(s.value, rounding)};`);
        break;
      case 'if':
        lines.push(`${indent}if (${printExpr(s.test, rounding)}) {`, block(s.ifTrue));
        if (s.ifFalse !== undefined) lines.push(`${indent}} else {`, block(s.ifFalse));
        lines.push(`${indent}}`);
        break;
      case 'block':
        lines.push(`${indent}{`, block(s.body), `${indent}}`);
        break;
    }
  }
  return lines.filter((l) => l !== '').join('\n');
};

/** The body of an update as JavaScript with the given rounding style. */
export const printBody = (ir: UpdateIR, rounding: RoundingStyle, indent = ''): string => printStatements(ir.body, rounding, indent);

/**
 * An update as a readable JavaScript function (the committed snapshot `test/kernels/<model>.js`):
 * its inputs, state variables, parameters and `dt` as arguments, the fully expanded body with the
 * `R(...)` rounding markers, and the new state and output returned.
 */
export const printUpdate = (ir: UpdateIR): string => {
  const u = ir.update;
  const args = [...u.inputs, ...u.state, ...u.params, 'dt'];
  const results = [...new Set([u.output, ...u.state])];
  return [
    `function ${u.name}(${args.join(', ')}) {`,
    printStatements(ir.body, 'marker', '  '),
    `  return { ${results.join(', ')} };`,
    '}',
    '',
  ].join('\n');
};
