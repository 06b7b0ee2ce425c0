/**
 * Per-neuron update kernels, written once and compiled for every backend.
 *
 * A {@link NeuronKernel} holds a model's per-neuron update as statements in the subset of
 * JavaScript that gpu.js compiles (numbers, `const`/`let`, arithmetic, comparisons, ternaries,
 * `Math.*`). The `js` backend generates a fused loop around that text with `new Function`, so the
 * reference CPU loop and the gpu.js kernels run the same definition and cannot drift.
 *
 * Conventions inside `body`:
 * - inputs (e.g. `x`), state variables (e.g. `v`, `i`) and parameters (e.g. `tauMemInv`) are
 *   locals; `dt` is the time step in seconds;
 * - the body assigns the new state to the state variables (`v = ...`) and leaves the output in
 *   the variable named by `output` (declared in the body, or a state variable);
 * - `R(e)` marks the result of one floating-point operation: it rounds to float32 in float32 runs
 *   (so a float32 run reproduces torch's float32 arithmetic operation by operation) and is
 *   removed in float64 runs and on gpu.js (which computes in single precision natively).
 * @module
 */
import type { DType, TensorData } from './tensor.js';

/** The definition of a per-neuron update, shared by all backends. */
export interface NeuronKernel {
  /** Name used in generated code and error messages, e.g. `lif`. */
  readonly name: string;
  /** Per-step input arrays read at the neuron's index, e.g. `['x']`. */
  readonly inputs: readonly string[];
  /** State variables carried from step to step, e.g. `['v', 'i']`. */
  readonly state: readonly string[];
  /** Scalar parameters the body reads, e.g. `['tauSynInv', 'tauMemInv', 'vLeak']`. */
  readonly params: readonly string[];
  /** Variable holding the step's output after `body` runs (e.g. `z`, or `v` for LI). */
  readonly output: string;
  /** The update as JavaScript statements (see module docs). */
  readonly body: string;
}

/**
 * Arguments of one fused call: `T` steps of `M` independent neurons (batch × features flattened).
 * Every per-step array is `[T, M]` row-major; state arrays are `[M]` and updated in place (they
 * are the kernel's own scratch copies, never the caller's).
 */
export interface KernelCall {
  /** Number of time steps. */
  readonly T: number;
  /** Number of neurons (batch × features). */
  readonly M: number;
  /** Per-step inputs in the order of `kernel.inputs`, each `[T, M]`. */
  readonly inputs: readonly TensorData[];
  /** Output `[T, M]`, written. */
  readonly out: TensorData;
  /** State `[M]` per variable in the order of `kernel.state`, read and written. */
  readonly state: readonly TensorData[];
  /** Optional per-step state records `[T, M]` per variable in `kernel.state` order. */
  readonly record?: readonly TensorData[] | undefined;
  /** Parameter values in the order of `kernel.params` (already rounded for float32). */
  readonly params: readonly number[];
  /** Time step in seconds (already rounded for float32). */
  readonly dt: number;
  /**
   * First neuron to update (default 0). With {@link KernelCall.hi}, only neurons `[lo, hi)` are
   * read and written, still indexed in the full `[T, M]` arrays: the `threads` backend splits `M`
   * into such ranges, one per thread.
   */
  readonly lo?: number | undefined;
  /** End (exclusive) of the neuron range to update (default `M`). */
  readonly hi?: number | undefined;
}

/** A compiled kernel: runs one fused call. */
export type CompiledKernel = (call: KernelCall) => void;

/** Neurons per block: the time loop runs inside a block so its state stays in L1 cache. */
const BLOCK = 2048;

/** Rewrites the `R(...)` rounding markers for a dtype: `Math.fround(` or plain parentheses. */
export const lowerRounding = (body: string, dtype: DType | 'gpu'): string =>
  body.replace(/(?<![\w$.])R\(/g, dtype === 'float32' ? '$fround(' : '(');

/**
 * The JavaScript source of the fused loop {@link compileJs} compiles: the body of a function
 * (for `new Function`) that returns the loop as `(call: KernelCall) => void`. Workers of the
 * `threads` backend compile this same text, so every thread runs the reference loop.
 * @param k - the per-neuron update
 * @param dtype - `float32` rounds every marked operation with `Math.fround`; `float64` does not
 * @param recording - whether the loop writes per-step state records
 */
export const kernelSource = (k: NeuronKernel, dtype: DType, recording: boolean): string => {
  const body = lowerRounding(k.body, dtype);
  const ins = k.inputs.map((n) => `$in_${n}`);
  const sts = k.state.map((n) => `$s_${n}`);
  const recs = k.state.map((n) => `$r_${n}`);
  return `
"use strict";
const $fround = Math.fround;
return function ${k.name}_${dtype}${recording ? '_rec' : ''}($call) {
  const $T = $call.T, $M = $call.M, $out = $call.out, dt = $call.dt;
  ${ins.map((n, j) => `const ${n} = $call.inputs[${j}];`).join(' ')}
  ${sts.map((n, j) => `const ${n} = $call.state[${j}];`).join(' ')}
  ${recording ? recs.map((n, j) => `const ${n} = $call.record[${j}];`).join(' ') : ''}
  ${k.params.map((n, j) => `const ${n} = $call.params[${j}];`).join(' ')}
  const $lo = $call.lo === undefined ? 0 : $call.lo, $hi = $call.hi === undefined ? $M : $call.hi;
  for (let $n0 = $lo; $n0 < $hi; $n0 += ${BLOCK}) {
    const $n1 = Math.min($n0 + ${BLOCK}, $hi);
    for (let $t = 0; $t < $T; $t++) {
      const $base = $t * $M;
      for (let $n = $n0; $n < $n1; $n++) {
        const $k = $base + $n;
        ${k.inputs.map((n, j) => `const ${n} = ${ins[j]}[$k];`).join(' ')}
        ${k.state.map((n, j) => `let ${n} = ${sts[j]}[$n];`).join(' ')}
        {
          ${body}
          $out[$k] = ${k.output};
        }
        ${recording ? k.state.map((n, j) => `${recs[j]}[$k] = ${n};`).join(' ') : ''}
        ${k.state.map((n, j) => `${sts[j]}[$n] = ${n};`).join(' ')}
      }
    }
  }
};`;
};

const cache = new WeakMap<NeuronKernel, Map<string, CompiledKernel>>();

/**
 * Compiles a kernel for the plain-JavaScript backend (`js`): a fused loop over blocks of neurons
 * and all `T` steps, with no allocation inside. Compiled functions are cached per kernel, dtype
 * and recording flag.
 * @param kernel - the per-neuron update
 * @param dtype - `float32` rounds every marked operation with `Math.fround`; `float64` does not
 * @param recording - whether the compiled loop writes per-step state records
 */
export const compileJs = (kernel: NeuronKernel, dtype: DType, recording: boolean): CompiledKernel => {
  let byKey = cache.get(kernel);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(kernel, byKey);
  }
  const key = `${dtype}:${recording}`;
  let fn = byKey.get(key);
  if (fn === undefined) {
    fn = new Function(kernelSource(kernel, dtype, recording))() as CompiledKernel;
    byKey.set(key, fn);
  }
  return fn;
};
