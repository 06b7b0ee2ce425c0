/**
 * Specialization of the wasm SIMD translation on the run's parameters: a selection whose test is
 * the same for every neuron (it depends on scalar parameters, `dt` and literals only — LIF's
 * `scheme > 0.5`, `resetMode < 0.5`, `currentInput > 0.5`) would otherwise be a branch in the
 * innermost loop, taken once per vector and step. {@link uniformConditions} lists these tests
 * in a fixed order; {@link conditionKey} evaluates them for a call's parameters into a key of
 * `0`/`1` characters, and the code generator (`codegen.ts`) emits, for that key, only the arms
 * the tests choose. The parameters' values stay arguments of the module: one module serves every
 * parameter set with the same key.
 *
 * The evaluation repeats what the generic module computes: each float32 operation rounded to
 * float32 (`Math.fround`; double rounding is innocuous for `+ − × ÷ √`), `Math` functions called
 * in double precision and rounded, comparisons with IEEE semantics (NaN compares false). So the
 * specialized module takes, for every lane, the arm the generic one would select: bit for bit
 * the same results.
 * @module
 */

import type { DType } from '../../tensor.js';
import type { NeuronUpdate } from '../../update/ir.js';
import { maskKey, type PerNeuronMask } from '../../update/lowerJs.js';
import { irOf } from '../../update/parse.js';
import { buildGraph, type Graph, Unsupported, type Val } from './stepGraph.js';

/**
 * The uniform tests of the graph's non-uniform selections, each once, in depth-first order from
 * the output and then each state variable (the order {@link conditionKey} and the generator share).
 * @param graph - a step's graph (`graph.ts`)
 */
export const uniformConditions = (graph: Graph): Val[] => {
  const seen = new Set<Val>();
  const found: Val[] = [];
  const walk = (v: Val): void => {
    if (seen.has(v) || v.uniform) return;
    seen.add(v);
    const n = v.node;
    switch (n.k) {
      case 'sel':
        if (n.c.uniform) {
          if (!found.includes(n.c)) found.push(n.c);
        } else walk(n.c);
        walk(n.a);
        walk(n.b);
        break;
      case 'bin':
      case 'cmp':
      case 'logic':
        walk(n.a);
        walk(n.b);
        break;
      case 'un':
      case 'not':
        walk(n.a);
        break;
      case 'math':
        for (const a of n.args) walk(a);
        break;
      default:
        break;
    }
  };
  walk(graph.out);
  for (const s of graph.state) walk(s);
  return found;
};

/**
 * The value of a uniform node for scalar parameters `params` (in `update.params` order) and `dt`,
 * as the generic module computes it: a number, or a boolean for a test.
 * @throws Unsupported when a node below `v` is not uniform (reads per-neuron values or state)
 */
export const evaluateUniform = (v: Val, f32: boolean, params: readonly number[], dt: number): number | boolean => {
  const r = (x: number) => (f32 ? Math.fround(x) : x);
  const memo = new Map<Val, number | boolean>();
  const ev = (u: Val): number | boolean => {
    const have = memo.get(u);
    if (have !== undefined) return have;
    const n = u.node;
    const num = (w: Val) => ev(w) as number;
    let out: number | boolean;
    switch (n.k) {
      case 'const':
        out = n.value;
        break;
      case 'param':
        out = r(n.index < params.length ? (params[n.index] as number) : dt);
        break;
      case 'bin': {
        const a = num(n.a);
        const b = num(n.b);
        const ops = { add: a + b, sub: a - b, mul: a * b, div: a / b, min: Math.min(a, b), max: Math.max(a, b) };
        out = r(ops[n.op]);
        break;
      }
      case 'un': {
        const a = num(n.a);
        const ops = { neg: -a, abs: Math.abs(a), sqrt: Math.sqrt(a), floor: Math.floor(a), ceil: Math.ceil(a), trunc: Math.trunc(a) };
        out = r(ops[n.op]);
        break;
      }
      case 'math':
        out = r((Math as unknown as Record<string, (...xs: number[]) => number>)[n.fn]?.(...n.args.map(num)) as number);
        break;
      case 'sel':
        out = ev(n.c) === true ? ev(n.a) : ev(n.b);
        break;
      case 'cmp': {
        const a = num(n.a);
        const b = num(n.b);
        const ops = { eq: a === b, ne: a !== b, lt: a < b, gt: a > b, le: a <= b, ge: a >= b };
        out = ops[n.op];
        break;
      }
      case 'logic':
        out = n.op === 'and' ? ev(n.a) === true && ev(n.b) === true : ev(n.a) === true || ev(n.b) === true;
        break;
      case 'not':
        out = ev(n.a) !== true;
        break;
      default:
        throw new Unsupported(`a ${n.k} is not uniform`);
    }
    memo.set(u, out);
    return out;
  };
  return ev(v);
};

type KeyOf = (params: readonly number[], dt: number) => string;
const keys = new WeakMap<NeuronUpdate, Map<string, KeyOf | null>>();

/**
 * For an update, dtype and per-neuron mask: a function from a call's scalar parameters and `dt`
 * to its specialization key (one `0`/`1` per {@link uniformConditions} entry; empty when the
 * update has none), or `undefined` when the update does not translate. Cached per update.
 * @param update - the per-neuron update
 * @param dtype - element type of the run
 * @param perNeuron - which parameters are per-neuron arrays (default none)
 */
export const conditionKey = (update: NeuronUpdate, dtype: DType, perNeuron?: PerNeuronMask): KeyOf | undefined => {
  let byKey = keys.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    keys.set(update, byKey);
  }
  const k = `${dtype}:${maskKey(perNeuron)}`;
  let f = byKey.get(k);
  if (f === undefined) {
    try {
      const conds = uniformConditions(buildGraph(irOf(update), dtype, perNeuron));
      const f32 = dtype === 'float32';
      f =
        conds.length === 0
          ? () => ''
          : (params, dt) => conds.map((c) => (evaluateUniform(c, f32, params, dt) === true ? '1' : '0')).join('');
    } catch (e) {
      if (!(e instanceof Unsupported) && !(e instanceof Error && e.name === 'UpdateSyntaxError')) throw e;
      f = null;
    }
    byKey.set(k, f);
  }
  return f ?? undefined;
};
