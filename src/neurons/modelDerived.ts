/**
 * What a model derives from a validated parameter record, once: the scalar record of each element
 * of its per-neuron parameters (running the model's cross-parameter `check` per element), the
 * initial state, and per time step the numeric values of the update's params (running `checkStep`
 * per element), expanded per dtype and state shape for the backends. Cached per record and `dt`.
 * @module
 */
import { SpikeflowError } from '../ops/errors.js';
import type { DType, TensorData } from '../ops/tensor.js';
import { sameShape, showShape } from '../ops/tensor.js';
import type { NeuronUpdate } from '../ops/update/ir.js';
import type { ModelSpecBase, ParamSpecs, ParamsOf, ParamValues } from './modelTypes.js';
import { checkBroadcast, collect, type ElementRecords, elementRecords, expandTo, type PerElement } from './perNeuron.js';

/** A model description with its update resolved (`update`, or the deprecated `kernel`). */
export type ResolvedSpec<P extends ParamSpecs, S extends string> = ModelSpecBase<P, S> & { readonly update: NeuronUpdate };

/** Update param values for one run: scalars rounded to the dtype, per-neuron ones as `[M]` arrays. */
export interface RunValues {
  /** One value per update param (0 where the param is per neuron). */
  readonly params: number[];
  /** Per update param, its `[M]` values when it differs per neuron; undefined when none does. */
  readonly arrays: (TensorData | undefined)[] | undefined;
}

/** Update param values for one `dt`, per element, and their expansions by dtype and state shape. */
interface ByDt {
  readonly values: readonly PerElement[];
  readonly expanded: Map<string, RunValues>;
}

/** What a validated record derives (see the module comment). */
export interface Derived<P extends ParamSpecs> {
  /** The elements of the per-neuron parameters; undefined when every parameter is a scalar. */
  readonly elements: ElementRecords<ParamsOf<P>> | undefined;
  /** Calls `f` with each element's scalar record (one object refilled: not to be kept). */
  readonly forEach: (f: (record: ParamsOf<P>, element: number) => void) => void;
  /** Initial value of each state variable, per element. */
  readonly initial: Readonly<Record<string, PerElement>>;
  /** Update param values by `dt`. */
  readonly byDt: Map<number, ByDt>;
}

/** The derivations of one model (see the module comment). */
export interface ModelCore<P extends ParamSpecs, S extends string> {
  /** The model's description. */
  readonly spec: ResolvedSpec<P, S>;
  /** Derives (once per validated record) the element records and the initial state, running `check` per element. */
  derive(where: string, v: ParamValues<P>): Derived<P>;
  /** The update param values for a time step, per element (running `checkStep` per element), cached by `dt`. */
  forDt(where: string, d: Derived<P>, dt: number): ByDt;
  /** Checks that every per-neuron parameter broadcasts to the state shape. */
  checkShapes(where: string, d: Derived<P>, stateShape: readonly number[]): void;
  /** A per-element value over the state shape: a number, or `[M]` values in the dtype. */
  valueFor(d: Derived<P>, x: PerElement, stateShape: readonly number[], dtype: DType): number | TensorData;
  /** Update param values for a run: scalars rounded to the dtype, per-neuron ones as `[M]` arrays. */
  runValues(where: string, d: Derived<P>, dt: number, stateShape: readonly number[], dtype: DType): RunValues;
  /** The update's param values (in `update.params` order) for a scalar record and `dt`, unrounded. */
  updateValues(p: ParamsOf<P>, dt: number): number[];
}

/**
 * Builds the derivations of a model from its description.
 * @throws Error (when values are derived) if a parameter the update reads has no numeric value — a bug in a model
 *   description, not a user error
 */
export const modelCore = <P extends ParamSpecs, S extends string>(spec: ResolvedSpec<P, S>): ModelCore<P, S> => {
  const { update, id } = spec;
  const numericKeys = Object.keys(spec.parameters).filter((k) => spec.parameters[k]?.kind === 'number');
  const derivedOf = new WeakMap<object, Derived<P>>();

  /** Why an element's record is rejected, with the element named when parameters are per neuron. */
  const elementError = (where: string, d: Derived<P>, e: number, bad: { argument: string; message: string }): SpikeflowError =>
    new SpikeflowError(
      where,
      bad.argument,
      `${bad.message}${d.elements === undefined ? '' : ` (per-neuron parameters, element ${e} of shape ${showShape(d.elements.shape)})`}`,
    );

  const updateValues = (p: ParamsOf<P>, dt: number): number[] => {
    const values = spec.updateParams?.(p, dt) ?? (p as Readonly<Record<string, number>>);
    return update.params.map((name) => {
      const v = values[name];
      if (typeof v !== 'number') throw new Error(`${id}: update parameter ${name} has no numeric value`);
      return v;
    });
  };

  const derive = (where: string, v: ParamValues<P>): Derived<P> => {
    const have = derivedOf.get(v);
    if (have !== undefined) return have;
    const elements = elementRecords(where, v as unknown as ParamsOf<P>, numericKeys);
    const forEach = elements?.forEach ?? ((f: (record: ParamsOf<P>, element: number) => void) => f(v as unknown as ParamsOf<P>, 0));
    const d: Derived<P> = { elements, forEach, initial: {}, byDt: new Map() };
    const initialRows: Record<string, number[]> = Object.fromEntries(spec.state.map((n) => [n, []]));
    forEach((r, e) => {
      const bad = spec.check?.(r);
      if (bad !== undefined) throw elementError(where, d, e, bad);
      const init = spec.initialState(r);
      for (const n of spec.state) (initialRows[n] as number[]).push(init[n]);
    });
    const out: Derived<P> = { ...d, initial: Object.fromEntries(spec.state.map((n) => [n, collect(initialRows[n] as number[])])) };
    derivedOf.set(v, out);
    return out;
  };

  const forDt = (where: string, d: Derived<P>, dt: number): ByDt => {
    let k = d.byDt.get(dt);
    if (k === undefined) {
      const rows: number[][] = update.params.map(() => []);
      d.forEach((r, e) => {
        const bad = spec.checkStep?.(r, dt);
        if (bad !== undefined) throw elementError(where, d, e, bad);
        updateValues(r, dt).forEach((x, j) => {
          (rows[j] as number[]).push(x);
        });
      });
      if (d.byDt.size > 8) d.byDt.clear();
      k = { values: rows.map(collect), expanded: new Map() };
      d.byDt.set(dt, k);
    }
    return k;
  };

  const checkShapes = (where: string, d: Derived<P>, stateShape: readonly number[]): void => {
    for (const [key, t] of d.elements?.tensors ?? []) checkBroadcast(where, key, t.shape, stateShape);
  };

  const valueFor = (d: Derived<P>, x: PerElement, stateShape: readonly number[], dtype: DType): number | TensorData =>
    typeof x === 'number' ? x : expandTo(x, (d.elements as ElementRecords<ParamsOf<P>>).shape, stateShape, dtype);

  // The last answer of runValues and what it was asked (a stream asks the same every chunk).
  let last: { d: Derived<P>; dt: number; stateShape: readonly number[]; dtype: DType; r: RunValues } | undefined;
  const runValues = (where: string, d: Derived<P>, dt: number, stateShape: readonly number[], dtype: DType): RunValues => {
    const l = last;
    if (l !== undefined && l.d === d && Object.is(l.dt, dt) && l.dtype === dtype && sameShape(l.stateShape, stateShape)) return l.r;
    const r = expandedValues(where, d, dt, stateShape, dtype);
    last = { d, dt, stateShape: [...stateShape], dtype, r };
    return r;
  };
  const expandedValues = (where: string, d: Derived<P>, dt: number, stateShape: readonly number[], dtype: DType): RunValues => {
    const k = forDt(where, d, dt);
    const key = `${dtype}|${stateShape.join(',')}`;
    let r = k.expanded.get(key);
    if (r === undefined) {
      const round = dtype === 'float32' ? Math.fround : (x: number) => x;
      const values = k.values.map((x) => valueFor(d, x, stateShape, dtype));
      const perNeuron = values.some((x) => typeof x !== 'number');
      r = {
        params: values.map((x) => (typeof x === 'number' ? round(x) : 0)),
        arrays: perNeuron ? values.map((x) => (typeof x === 'number' ? undefined : x)) : undefined,
      };
      if (k.expanded.size > 16) k.expanded.clear();
      k.expanded.set(key, r);
    }
    return r;
  };

  return { spec, derive, forDt, checkShapes, valueFor, runValues, updateValues };
};
