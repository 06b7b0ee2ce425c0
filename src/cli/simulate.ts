/**
 * `spikeflow simulate`: runs one neuron model over recorded input currents, the public contract
 * for running a model from outside (and for checking the Norse traces).
 *
 * Input JSON: a `T×N` or `T×B×N` array of numbers (or an object with such an `input` field, as
 * the reference traces have). Parameters JSON: spikeflow's parameter names (Norse's in camelCase;
 * recurrent models take `inputWeights` and `recurrentWeights`). Output JSON:
 * `{ "outputs": { "z" | "out": T×N, <state variable>: T×N, ... } }` (T×B×N for 3-D input), the
 * layout of the reference traces' `outputs`, plus `model`, `dtype`, `dt` and `params`.
 * @module
 */

import { modelByName } from '../neurons/registry.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { type DType, fromTypedArray, type NestedArray, type Tensor, toNested } from '../ops/tensor.js';

/** Options of {@link simulate}, as parsed from the command line. */
export interface SimulateOptions {
  /** Norse class name, case-insensitive (`LIF`, `lifrecurrent`, …). */
  readonly model: string;
  /** Parsed input JSON (`T×N`, `T×B×N`, or `{ input: … }`). */
  readonly input: unknown;
  /** Parsed parameters JSON (object), or undefined for Norse's defaults. */
  readonly params?: unknown;
  /** `float32` (default) or `float64`. */
  readonly dtype?: DType;
  /** Time step in seconds (> 0, default 0.001). */
  readonly dt?: number;
}

/** The output document of `spikeflow simulate`. */
export interface SimulateResult {
  readonly model: string;
  readonly dtype: DType;
  readonly dt: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** `z` (spiking models) or `out` (integrators) plus every state variable, each T×N or T×B×N. */
  readonly outputs: Readonly<Record<string, NestedArray>>;
}

const where = 'simulate';

/**
 * Converts the input JSON to a `[T, B, N]` tensor; a `T×N` array becomes `[T, 1, N]`.
 * @throws SpikeflowError for anything but a non-empty rectangular 2-D/3-D array of finite numbers
 */
export const inputTensor = (input: unknown, dtype: DType): { xs: Tensor; squeeze: boolean } => {
  const raw =
    input !== null && typeof input === 'object' && !Array.isArray(input) && 'input' in input ? (input as { input: unknown }).input : input;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SpikeflowError(where, 'input', `input must be a non-empty T×N or T×B×N array of numbers, received ${show(raw)}`);
  }
  const rank = Array.isArray(raw[0]) ? (Array.isArray((raw[0] as unknown[])[0]) ? 3 : 2) : 1;
  if (rank === 1)
    throw new SpikeflowError(where, 'input', `input must be T×N or T×B×N (time first), received a 1-D array of length ${raw.length}`);
  const rows = rank === 2 ? (raw as unknown[][]).map((r) => [r]) : (raw as unknown[][][]);
  const T = rows.length;
  const B = rows[0]?.length ?? 0;
  const N = rows[0]?.[0]?.length ?? 0;
  const data = dtype === 'float64' ? new Float64Array(T * B * N) : new Float32Array(T * B * N);
  let k = 0;
  rows.forEach((step, t) => {
    if (!Array.isArray(step) || step.length !== B)
      throw new SpikeflowError(where, 'input', `input[${t}] must have ${B} rows, received ${show(step)}`);
    step.forEach((row, b) => {
      if (!Array.isArray(row) || row.length !== N) {
        throw new SpikeflowError(
          where,
          'input',
          `input${rank === 3 ? `[${t}][${b}]` : `[${t}]`} must have ${N} numbers, received ${Array.isArray(row) ? `${row.length} entries` : show(row)}`,
        );
      }
      row.forEach((v, n) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          const idx = rank === 3 ? `[${t}][${b}][${n}]` : `[${t}][${n}]`;
          throw new SpikeflowError(where, 'input', `input${idx} must be a finite number, received ${show(v)}`);
        }
        data[k++] = v;
      });
    });
  });
  return { xs: fromTypedArray(data, [T, B, N]), squeeze: rank === 2 };
};

const squeezeBatch = (t: Tensor, squeeze: boolean): NestedArray => {
  const nested = toNested(t) as NestedArray[];
  return squeeze ? nested.map((step) => (step as NestedArray[])[0] as NestedArray) : nested;
};

/**
 * Runs one model over the input and returns the output document.
 * @throws SpikeflowError for an unknown model, bad parameters (unknown names, non-finite or
 *   out-of-range values), bad input (shape, non-finite), `dt <= 0`, or an unknown dtype
 */
export const simulate = (options: SimulateOptions): SimulateResult => {
  const model = modelByName(options.model);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError(where, 'dtype', `dtype must be "float32" or "float64", received ${show(dtype)}`);
  const dt = options.dt ?? 0.001;
  const params = options.params ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new SpikeflowError(where, 'params', `params must be a JSON object of ${model.name} parameters, received ${show(params)}`);
  }
  for (const key of Object.keys(params)) {
    if (key.includes('_') && !(key in model.specs)) {
      const hint = key.replace(/_([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase());
      throw new SpikeflowError(
        where,
        key,
        `unknown parameter ${JSON.stringify(key)} for ${model.name}; spikeflow uses Norse's names in camelCase (did you mean ${JSON.stringify(hint)}?)`,
      );
    }
  }
  const { xs, squeeze } = inputTensor(options.input, dtype);
  const validated = model.parameters(params as Record<string, never>);
  const [outs, , recorded] = model.run(params as Record<string, never>, dt, { record: true })(xs);
  const outputs: Record<string, NestedArray> = { [model.outputName]: squeezeBatch(outs, squeeze) };
  for (const name of model.stateNames) {
    const rec = recorded?.[name];
    if (rec !== undefined && !(name === 'z' && model.outputName === 'z')) outputs[name] = squeezeBatch(rec, squeeze);
  }
  const shownParams = Object.fromEntries(
    Object.entries(validated).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'data' in v ? toNested(v as Tensor) : v]),
  );
  return { model: model.name, dtype, dt, params: shownParams, outputs };
};
