/**
 * A model's state: Norse's initial state for a layer shape (per-neuron initial values expanded
 * over the shape) and the checks of a state a caller passes back (its variables, shapes, dtype,
 * finite values; a device-resident state is checked without copying it back).
 * @module
 */
import { isDeviceTensor } from '../ops/backends/device.js';
import { orThrowAt, SpikeflowError, show } from '../ops/errors.js';
import {
  allocate,
  type DType,
  dtypeOf,
  finiteTensor,
  fromTypedArray,
  isShape,
  isTensor,
  sameShape,
  showShape,
  sizeOf,
  type Tensor,
  type TensorData,
} from '../ops/tensor.js';
import type { ModelCore } from './modelDerived.js';
import type { NeuronState, ParamSpecs, ParamValues } from './modelTypes.js';
import type { PerElement } from './perNeuron.js';

/**
 * Norse's initial state of a layer of `shape` for validated parameters, each variable a tensor of
 * `shape` in `dtype`.
 * @throws SpikeflowError when `shape` is not an array of non-negative integers, a per-neuron
 *   parameter does not broadcast to it, or a cross-parameter check fails
 */
export const initialStateOf = <P extends ParamSpecs, S extends string>(
  core: ModelCore<P, S>,
  where: string,
  shape: readonly number[],
  p: ParamValues<P>,
  dtype: DType,
): NeuronState<S> => {
  if (!isShape(shape)) {
    throw new SpikeflowError(where, 'shape', `shape must be an array of non-negative integers, received ${show(shape)}`);
  }
  const n = sizeOf(shape);
  const state: Record<string, Tensor> = {};
  eachInitial(core, where, shape, p, dtype, (name, x) => {
    let d: TensorData;
    if (typeof x === 'number') {
      d = allocate(dtype, n);
      d.fill(x);
    } else d = x;
    state[name] = fromTypedArray(d, shape);
  });
  return Object.freeze(state) as NeuronState<S>;
};

/** Calls `f` with each state variable's initial value (a number, or an array of `shape`) for validated parameters. */
const eachInitial = <P extends ParamSpecs, S extends string>(
  core: ModelCore<P, S>,
  where: string,
  shape: readonly number[],
  p: ParamValues<P>,
  dtype: DType,
  f: (name: S, x: number | TensorData) => void,
): void => {
  const derived = core.derive(where, p);
  core.checkShapes(where, derived, shape);
  for (const name of core.spec.state) f(name, core.valueFor(derived, derived.initial[name] as PerElement, shape, dtype));
};

/**
 * Writes Norse's initial state of a layer of `shape` into the arrays of `into` (a state record of
 * that shape and `dtype`, e.g. the kept state of a `reuse` run function), the same values as
 * {@link initialStateOf} (whose shape checks the caller has done: `shape` is a run's state shape).
 * @param into - the state record whose arrays are overwritten
 * @throws SpikeflowError when a per-neuron parameter does not broadcast to `shape`
 */
export const initialStateInto = <P extends ParamSpecs, S extends string>(
  core: ModelCore<P, S>,
  where: string,
  shape: readonly number[],
  p: ParamValues<P>,
  dtype: DType,
  into: Readonly<Record<string, Tensor>>,
): void => {
  eachInitial(core, where, shape, p, dtype, (name, x) => {
    const d = (into[name] as Tensor).data;
    if (typeof x === 'number') d.fill(x);
    else d.set(x);
  });
};

/**
 * Checks a state passed to `step`/`run`: exactly the model's variables, each of `shape` and
 * `dtype` with finite values (not scanned when `finite` is false: a state a run returned and the
 * caller gave up in place).
 * @throws SpikeflowError naming the state, the variable and what differs
 */
export const checkState = (
  where: string,
  names: readonly string[],
  state: NeuronState,
  shape: readonly number[],
  dtype: DType,
  finite = true,
): void => {
  if (state === null || typeof state !== 'object') {
    throw new SpikeflowError(where, 'state', `state must be an object with ${names.join(', ')}, received ${show(state)}`);
  }
  const keys = Object.keys(state);
  // Exactly `names` (checked per name only when the count or a name differs: a stream checks every
  // chunk, so a loop, not a closure made per call, which loses its optimised code at every collection).
  let same = keys.length === names.length;
  for (let k = 0; same && k < names.length; k++) same = keys.includes(names[k] as string);
  if (!same) {
    const missing = names.filter((n) => !keys.includes(n));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new SpikeflowError(where, 'state', `state must have exactly ${names.join(', ')}, received ${keys.join(', ') || 'none'}`);
    }
  }
  for (const name of names) {
    const device = isDeviceTensor(state[name]);
    const t = device ? (state[name] as Tensor) : orThrowAt(where, isTensor(`state.${name}`, state[name]));
    if (!sameShape(t.shape, shape)) {
      const what = where.endsWith('.step') ? 'input shape' : 'input step shape';
      throw new SpikeflowError(
        where,
        'input',
        `${what} ${showShape(shape)} does not match state shape ${showShape(t.shape)} (state.${name})`,
      );
    }
    // A device-resident state (float32, produced by a backend) is checked without copying it back.
    const stateDtype = device ? 'float32' : dtypeOf(t);
    if (stateDtype !== dtype) {
      throw new SpikeflowError(
        where,
        `state.${name}`,
        `state.${name} has dtype ${stateDtype} but the input has dtype ${dtype}; mixed dtypes are not converted implicitly`,
      );
    }
    if (finite && !device) orThrowAt(where, finiteTensor(`state.${name}`, t));
  }
};
