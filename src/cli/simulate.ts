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
import { checkDtIn, checkParamsIn, firstNonFinite, RANGE } from './numbers.js';
import { UsageError } from './usageErrors.js';

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
        if (Math.abs(v) > RANGE[dtype].max || (v !== 0 && Math.abs(v) < RANGE[dtype].minPositive / 2)) {
          const idx = rank === 3 ? `[${t}][${b}][${n}]` : `[${t}][${n}]`;
          const what = Math.abs(v) > 1 ? `overflows ${dtype} (largest ${RANGE[dtype].max})` : `underflows to 0 in ${dtype}`;
          throw new SpikeflowError(where, 'input', `input${idx} = ${v} ${what}; use --dtype float64 or rescale the input`);
        }
        data[k++] = v;
      });
    });
  });
  return { xs: fromTypedArray(data, [T, B, N]), squeeze: rank === 2 };
};

/** The result of a simulation as tensors (see {@link simulateTensors}); `squeeze` drops the batch axis of `T×N` input. */
export interface SimulateTensors {
  readonly model: string;
  readonly dtype: DType;
  readonly dt: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, Tensor>>;
  readonly squeeze: boolean;
}

/**
 * Runs one model over the input, keeping the outputs as tensors (for streamed output).
 * @throws SpikeflowError for an unknown model, bad parameters (unknown names, non-finite or
 *   out-of-range values), bad input (shape, non-finite), `dt <= 0`, or an unknown dtype; UsageError
 *   for values that overflow or underflow in the dtype, and a state that becomes NaN or ±Infinity
 */
export const simulateTensors = (options: SimulateOptions): SimulateTensors => {
  const model = modelByName(options.model);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new SpikeflowError(where, 'dtype', `dtype must be "float32" or "float64", received ${show(dtype)}`);
  const dt = options.dt ?? 0.001;
  if (typeof dt !== 'number' || !(dt > 0)) throw new SpikeflowError(where, 'dt', `dt must be a number > 0, received ${show(dt)}`);
  checkDtIn(dt, dtype);
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
  checkParamsIn(params, dtype, dt, 'params', '--params');
  const { xs, squeeze } = inputTensor(options.input, dtype);
  const validated = model.parameters(params as Record<string, never>);
  const [outs, , recorded] = model.run(params as Record<string, never>, dt, { record: true })(xs);
  const outputs: Record<string, Tensor> = { [model.outputName]: outs };
  for (const name of model.stateNames) {
    const rec = recorded?.[name];
    if (rec !== undefined && !(name === 'z' && model.outputName === 'z')) outputs[name] = rec;
  }
  const N = Math.max(1, (xs.shape[1] as number) * (xs.shape[2] as number));
  for (const [name, t] of Object.entries(outputs)) {
    const k = firstNonFinite(t.data);
    if (k >= 0) {
      throw new UsageError(
        `${model.name} ${name} became ${t.data[k]} at step ${Math.floor(k / N)}: the integration overflowed ${dtype}; use a smaller --dt or smaller parameters${dtype === 'float32' ? ' (or --dtype float64)' : ''}`,
        '--params',
      );
    }
  }
  const shownParams = Object.fromEntries(
    Object.entries(validated).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'data' in v ? toNested(v as Tensor) : v]),
  );
  return { model: model.name, dtype, dt, params: shownParams, outputs, squeeze };
};

const squeezeBatch = (t: Tensor, squeeze: boolean): NestedArray => {
  const nested = toNested(t) as NestedArray[];
  return squeeze ? nested.map((step) => (step as NestedArray[])[0] as NestedArray) : nested;
};

/**
 * Runs one model over the input and returns the output document.
 * @throws as {@link simulateTensors}
 */
export const simulate = (options: SimulateOptions): SimulateResult => {
  const r = simulateTensors(options);
  const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, t]) => [k, squeezeBatch(t, r.squeeze)]));
  return { model: r.model, dtype: r.dtype, dt: r.dt, params: r.params, outputs };
};

/** A number as `JSON.stringify` writes it. */
const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/**
 * Writes the output document of {@link simulateTensors} as JSON, byte for byte what
 * `JSON.stringify(simulate(options))` gives, in pieces of about 64 KiB: no string the size of the
 * output is ever built (outputs of gigabytes are fine).
 * @param write - receives the pieces in order
 */
export const writeSimulateJson = (r: SimulateTensors, write: (text: string) => void): void => {
  let buf = `{"model":${JSON.stringify(r.model)},"dtype":${JSON.stringify(r.dtype)},"dt":${JSON.stringify(r.dt)},"params":${JSON.stringify(r.params)},"outputs":{`;
  const flush = (force = false): void => {
    if (force || buf.length >= 1 << 16) {
      write(buf);
      buf = '';
    }
  };
  Object.entries(r.outputs).forEach(([name, t], j) => {
    const [T, B, N] = t.shape as [number, number, number];
    buf += `${j > 0 ? ',' : ''}${JSON.stringify(name)}:[`;
    const d = t.data;
    for (let s = 0; s < T; s++) {
      buf += s > 0 ? ',[' : '[';
      for (let b = 0; b < B; b++) {
        if (!r.squeeze) buf += b > 0 ? ',[' : '[';
        const o = (s * B + b) * N;
        for (let n = 0; n < N; n++) buf += n > 0 ? `,${num(d[o + n] as number)}` : num(d[o + n] as number);
        if (!r.squeeze) buf += ']';
        flush();
      }
      buf += ']';
    }
    buf += ']';
  });
  buf += '}}';
  flush(true);
};
