/**
 * Validation of a neuron model's parameter record against its specs, with Norse's defaults. Every
 * parameter is checked and every problem is collected (fp-ts `Either` validation, see
 * `src/ops/validate.ts`): unknown names, values out of range, bad per-neuron tensors and missing
 * weight matrices of one record are reported together, in one {@link SpikeflowError}.
 * @module
 */
import { sequenceT } from 'fp-ts/lib/Apply.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { SpikeflowError } from '../ops/errors.js';
import { finiteTensor, isTensor, type NestedArray, showShape, type Tensor, tensor } from '../ops/tensor.js';
import {
  knownKeysV,
  orThrowAll,
  problem,
  recordV,
  scalarParameterV,
  type Validated,
  Validation,
  validated,
  validateFields,
} from '../ops/validate.js';
import type { ParamSpec, ParamSpecs, ParamValue, ParamValues } from './modelTypes.js';
import { tensorParameterV } from './perNeuron.js';

/** Whether a value looks like a tensor (`data` and `shape`), checked further by the callers. */
export const isTensorLike = (v: unknown): v is Tensor =>
  v !== null && typeof v === 'object' && 'data' in (v as object) && 'shape' in (v as object);

/** A required weight matrix `[rows, cols]`: a tensor or nested arrays of finite numbers, as float64 when nested. */
const matrixV = (key: string, v: unknown): Validated<Tensor> => {
  if (v === undefined) return problem(key, `${key} is required (a [rows, cols] weight matrix)`);
  let t: Tensor;
  if (isTensorLike(v)) {
    const checked = validated(isTensor(key, v));
    if (E.isLeft(checked)) return checked;
    t = checked.right;
  } else {
    try {
      t = tensor(v as NestedArray, 'float64');
    } catch (e) {
      return problem(key, `${key} must be a [rows, cols] matrix of numbers: ${(e as Error).message}`);
    }
  }
  if (t.shape.length !== 2) return problem(key, `${key} must be a matrix [rows, cols], received shape ${showShape(t.shape)}`);
  return validated(finiteTensor(key, t));
};

/** One parameter against its spec: a matrix, an optional number left out, a per-neuron tensor, or a scalar. */
const parameterV = (key: string, spec: ParamSpec, v: unknown): Validated<unknown> => {
  if (spec.kind === 'matrix') return matrixV(key, v);
  if (spec.kind === 'number' && v === undefined && spec.optional === true) return E.right(undefined);
  if (spec.kind === 'number' && (isTensorLike(v) || Array.isArray(v))) return tensorParameterV(key, spec.range, v as Tensor | NestedArray);
  return scalarParameterV(key, spec, v);
};

/**
 * Validates a model's parameter record and fills Norse's defaults.
 * @param where - the function, for messages (e.g. `lif.run`)
 * @param specs - the model's parameter specs
 * @param p - the caller's record (any subset), or undefined for all defaults
 * @returns the frozen record of every parameter (per-neuron ones as float64 tensors)
 * @throws SpikeflowError for a tensor given in place of the record (with a pointed hint), or
 *   listing together every unknown name and every value that does not fit its spec
 */
export const validateParams = <P extends ParamSpecs>(
  where: string,
  specs: P,
  p: Partial<Record<string, ParamValue>> | undefined,
): ParamValues<P> => {
  if (isTensorLike(p)) {
    const model = where.split('.')[0];
    throw new SpikeflowError(
      where,
      'p',
      `expected parameters (an object such as { vTh: 1 }), received a tensor of shape [${p.shape.join(', ')}]; ` +
        `a model takes parameters first and the input after: ${model}.run(params, dt)(xs) or ${model}.step(params, dt)(x, state); ` +
        `as a layer of a stream or network, wrap it: layer(neuron(${model})), not layer(${model})`,
    );
  }
  return pipe(
    recordV(p),
    E.chain((given) =>
      sequenceT(Validation)(
        knownKeysV(Object.keys(specs), given),
        validateFields(Object.entries(specs).map(([key, spec]) => [key, parameterV(key, spec, given[key])] as const)),
      ),
    ),
    E.map(([, fields]) => Object.freeze(fields) as ParamValues<P>),
    orThrowAll(where),
  );
};
