/**
 * The kernel front end (src/ops/update/): parsing and its errors, printing (the printed text
 * parses back to the same intermediate form for every model), the straight-line form and its
 * derivative against hand-derived values and finite differences.
 */
import { describe, expect, it } from 'vitest';
import { lif, lifUpdate } from '../../../src/neurons/lif.js';
import { lifAdExUpdate } from '../../../src/neurons/lifAdEx.js';
import { defineModel } from '../../../src/neurons/model.js';
import { models } from '../../../src/neurons/registry.js';
import { tensor } from '../../../src/ops/tensor.js';
import { derivative } from '../../../src/ops/update/derivative.js';
import type { Expr, NeuronUpdate } from '../../../src/ops/update/ir.js';
import { irOf, parseUpdate, UpdateSyntaxError } from '../../../src/ops/update/parse.js';
import { printBody, printExpr } from '../../../src/ops/update/print.js';
import { type StraightLine, straightLine } from '../../../src/ops/update/straight.js';

const update = (body: string, extra: Partial<NeuronUpdate> = {}): NeuronUpdate => ({
  name: 'k',
  inputs: ['x'],
  state: ['v'],
  params: ['a'],
  output: 'v',
  body,
  ...extra,
});

/** Evaluates a straight-line form in float64: the new state and output for given values. */
const evaluate = (sl: StraightLine, values: Readonly<Record<string, number>>): { state: number[]; output: number } => {
  const u = sl.update;
  const names = [...u.inputs, ...u.state, ...u.params, 'dt'];
  const src = [
    ...sl.bindings.map((b) => `const ${b.name} = ${printExpr(b.expr, 'none')};`),
    `return [[${sl.state.map((e) => printExpr(e, 'none')).join(', ')}], ${printExpr(sl.output, 'none')}];`,
  ].join('\n');
  const [state, output] = new Function(...names, src)(...names.map((n) => values[n])) as [number[], number];
  return { state, output };
};

describe('parse', () => {
  it.each([
    ['v = y;', /unknown name y \(line 1, column 5\)/],
    ['a = 1;', /assignment to param a/],
    ['x = 1;', /assignment to input x/],
    ['const w = 1; w = 2;', /assignment to constant w/],
    ['v = Math.foo(v);', /Math\.foo is not supported/],
    ['v = Math.pow(v);', /Math\.pow takes 2 argument/],
    ['v = f(v);', /only R\(\.\.\.\) and Math functions/],
    ['const v = 1;', /v shadows the state/],
    ['let w; if (x > 0) { w = 1; } v = w;', /w is used before it is assigned/],
    ['v = (v + 1;', /expected "\)"/],
    ['v = v # 1;', /unexpected character "#"/],
  ])('rejects %s', (body, message) => {
    expect(() => parseUpdate(update(body))).toThrow(UpdateSyntaxError);
    expect(() => parseUpdate(update(body))).toThrow(message);
  });

  it('rejects an output without a value at the end', () => {
    expect(() => parseUpdate(update('v = x;', { output: 'z' }))).toThrow(/output z has no value/);
  });

  it('accepts a variable assigned in both branches of an if, and expands compound assignments', () => {
    const ir = parseUpdate(update('let w; if (x > a) { w = 1; } else { w = 2; } w *= a; v = w;'));
    expect(printBody(ir, 'marker')).toBe(
      ['let w;', 'if (x > a) {', '  w = 1;', '} else {', '  w = 2;', '}', 'w = w * a;', 'v = w;'].join('\n'),
    );
  });

  it('makes defineModel fail at definition for an update outside the subset', () => {
    expect(() =>
      defineModel({
        name: 'Bad',
        id: 'bad',
        parameters: { a: { kind: 'number', default: 1, range: 'finite' } },
        update: update('v = v + b;'),
        state: ['v'],
        initialState: () => ({ v: 0 }),
        outputName: 'out',
      }),
    ).toThrow(/k: unknown name b/);
  });

  it('still accepts the former field names kernel and kernelParams (deprecated), as aliases of update and updateParams', () => {
    const k = update('v = v + a;');
    const m = defineModel({
      name: 'Old',
      id: 'old',
      parameters: { a: { kind: 'number', default: 1, range: 'finite' } },
      kernel: k,
      kernelParams: (p) => ({ a: 2 * p.a }),
      state: ['v'],
      initialState: () => ({ v: 0 }),
      outputName: 'out',
    });
    expect(m.update).toBe(k);
    expect(m.kernel).toBe(m.update);
    expect(m.updateValues(m.parameters({ a: 3 }) as { a: number }, 0.001)).toEqual([6]);
    expect(m.kernelValues).toBe(m.updateValues);
    const [out] = m.run({ a: 3 }, 0.001)(tensor([[[0]], [[0]]], 'float64'));
    expect(Array.from(out.data)).toEqual([6, 12]);
  });
});

describe('print', () => {
  it('prints every model so that the text parses back to the same intermediate form', () => {
    for (const m of Object.values(models)) {
      const ir = irOf(m.update);
      const again = parseUpdate({ ...m.update, body: printBody(ir, 'marker') });
      expect(again.body).toEqual(ir.body);
    }
  });

  it('keeps the operand order of non-associative float arithmetic', () => {
    const ir = parseUpdate(update('v = R(x + R(v + a)) - (x - (a - v));'));
    expect(printBody(ir, 'marker')).toBe('v = R(x + R(v + a)) - (x - (a - v));');
    expect(printBody(ir, 'none')).toBe('v = x + (v + a) - (x - (a - v));');
    expect(printBody(ir, 'fround')).toBe('v = $fround(x + $fround(v + a)) - (x - (a - v));');
  });
});

describe('straight-line form and derivative', () => {
  const lifValues = {
    x: 0.3,
    v: 0.2,
    i: 0.1,
    tauSynInv: 200,
    tauMemInv: 100,
    vLeak: 0,
    vTh: 1,
    vReset: 0,
    resetMode: 0,
    exact: 0,
    dt: 0.001,
  };

  it('computes what the model computes (LIF, one step, float64)', () => {
    const sl = straightLine(irOf(lifUpdate));
    const { state, output } = evaluate(sl, lifValues);
    const [out, next] = lif.step({}, 0.001)(
      { shape: [1, 1], data: new Float64Array([0.3]) },
      { v: { shape: [1, 1], data: new Float64Array([0.2]) }, i: { shape: [1, 1], data: new Float64Array([0.1]) } },
    );
    expect(output).toBe(out.data[0]);
    expect(state).toEqual([next.v.data[0], next.i.data[0]]);
  });

  it("gives LIF's hand-derived Jacobian below threshold: ∂v'/∂v = 1 − dt/τ_mem, ∂v'/∂x = dt/τ_mem, ∂i'/∂i = 1 − dt/τ_syn", () => {
    const sl = straightLine(irOf(lifUpdate));
    const at = (name: string, role: 'state' | 'input') => evaluate(derivative(sl, { role, name }), lifValues).state;
    expect(at('v', 'state')[0]).toBeCloseTo(0.9, 15);
    expect(at('x', 'input')[0]).toBeCloseTo(0.1, 15);
    expect(at('i', 'state')[1]).toBeCloseTo(0.8, 15);
    // The Heaviside spike has derivative 0 without a surrogate; a surrogate adds (1 − 0)·s.
    expect(evaluate(derivative(sl, { role: 'state', name: 'v' }), lifValues).output).toBe(0);
    const withSurrogate = derivative(
      sl,
      { role: 'state', name: 'v' },
      { surrogate: (_t, d) => ({ k: 'arith', op: '*', a: { k: 'num', value: 2 }, b: d }) },
    );
    expect(evaluate(withSurrogate, lifValues).output).toBeCloseTo(2 * 0.9, 15);
  });

  it("detaches named bindings (torch detach) and keeps derivative names distinct from the update's", () => {
    // z = v > 1 ? 1 : 0; v' = (1 − z)·v: with z detached, ∂v'/∂v = 1 − z; with z's surrogate s, also −v·s
    const u = update('const z = v > 1 ? 1 : 0;\nconst d_z = 2 * v;\nv = (1 - z) * v + d_z * 0;', { output: 'z' });
    const sl = straightLine(irOf(u));
    const surrogate = (_t: unknown, d: Expr): Expr => ({ k: 'arith', op: '*', a: { k: 'num', value: 3 }, b: d });
    const values = { x: 0, v: 0.5, a: 0, dt: 0.001 };
    const attached = evaluate(derivative(sl, { role: 'state', name: 'v' }, { surrogate }), values);
    expect(attached.state[0]).toBeCloseTo(1 - 0.5 * 3, 15);
    expect(attached.output).toBe(3);
    const detached = evaluate(derivative(sl, { role: 'state', name: 'v' }, { surrogate, detach: ['z_1'] }), values);
    expect(detached.state[0]).toBe(1);
    expect(detached.output).toBe(0);
    const names = derivative(sl, { role: 'state', name: 'v' }, { surrogate }).bindings.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(derivative(sl, { role: 'state', name: 'v' }, { prefix: 'g$' }).bindings.some((b) => b.name.startsWith('g$'))).toBe(true);
  });

  it('matches central finite differences for LIFAdEx (exp, parameters as targets)', () => {
    const sl = straightLine(irOf(lifAdExUpdate));
    const values: Record<string, number> = {
      x: 0.4,
      v: 0.3,
      i: 0.2,
      a: 0.05,
      adaptationCurrent: 4,
      adaptationSpike: 0.02,
      deltaT: 0.5,
      tauAdaInv: 2,
      tauSynInv: 200,
      tauMemInv: 100,
      vLeak: 0,
      vTh: 1,
      vReset: 0,
      resetMode: 0,
      exact: 0,
      dt: 0.001,
    };
    for (const name of ['v', 'a', 'deltaT', 'tauMemInv']) {
      const role = name === 'v' || name === 'a' ? 'state' : 'param';
      const d = evaluate(derivative(sl, { role, name }), values).state;
      const h = 1e-6 * Math.max(1, Math.abs(values[name] as number));
      const plus = evaluate(sl, { ...values, [name]: (values[name] as number) + h }).state;
      const minus = evaluate(sl, { ...values, [name]: (values[name] as number) - h }).state;
      d.forEach((g, j) => {
        expect(g).toBeCloseTo(((plus[j] as number) - (minus[j] as number)) / (2 * h), 6);
      });
    }
  });
});
