/** Helpers to read Norse reference traces (test/fixtures/norse, copied from ../shared/reference/norse). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DType, fromTypedArray, type Tensor } from '../src/ops/tensor.js';

export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'norse');

export interface Trace {
  readonly model: string;
  readonly dtype: DType;
  readonly dt: number;
  readonly param_set: string;
  readonly params: Record<string, unknown>;
  readonly input: number[][];
  readonly initial_state?: Record<string, unknown>;
  readonly outputs: Record<string, number[][]>;
  readonly [extra: string]: unknown;
}

export const loadTrace = (file: string): Trace => JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as Trace;

/** snake_case → camelCase, mechanically (tau_mem_inv → tauMemInv, delta_T → deltaT, e_rev_I → eRevI). */
export const camel = (name: string): string => name.replace(/_([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Norse parameters → spikeflow parameters: camelCase names, nested groups flattened, reset names mapped. */
export const fromNorse = (params: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, fromNorse(v as Record<string, unknown>));
    else if (k === 'reset_method') out.resetMethod = String(v).replace(/^reset_/, '');
    else out[camel(k)] = v;
  }
  return out;
};

/** A `T × N` (or `T × B × N`) JSON array as a `[T, 1, N]` tensor. */
export const seq = (rows: number[][], dtype: DType): Tensor => {
  const T = rows.length;
  const N = rows[0]?.length ?? 0;
  const data = dtype === 'float64' ? new Float64Array(T * N) : new Float32Array(T * N);
  rows.forEach((r, t) => {
    data.set(r, t * N);
  });
  return fromTypedArray(data, [T, 1, N]);
};

/** Maximum absolute difference between a tensor and a `T × N` JSON array (NaN if sizes differ). */
export const maxAbsError = (actual: Tensor, expected: number[][]): number => {
  const flat = expected.flat();
  if (flat.length !== actual.data.length) return Number.NaN;
  let m = 0;
  flat.forEach((e, k) => {
    const d = Math.abs((actual.data[k] as number) - e);
    if (!(d <= m)) m = d;
  });
  return m;
};

/** Maximum relative difference |a − e| / max(|e|, 1e-30)… bounded below by an absolute floor. */
export const maxRelError = (actual: Tensor, expected: number[][], floor = 1e-6): number => {
  const flat = expected.flat();
  if (flat.length !== actual.data.length) return Number.NaN;
  let m = 0;
  flat.forEach((e, k) => {
    const d = Math.abs((actual.data[k] as number) - e) / Math.max(Math.abs(e), floor);
    if (!(d <= m)) m = d;
  });
  return m;
};
