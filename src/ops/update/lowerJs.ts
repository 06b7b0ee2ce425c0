/**
 * The `js` lowering: a fused loop over blocks of neurons and all `T` steps around the printed
 * update, compiled with `new Function`. It is the reference every other lowering is compared with,
 * and the loop the `threads` engine runs where the wasm translation does not apply.
 * @module
 */
import type { DType, TensorData } from '../tensor.js';
import type { NeuronUpdate } from './ir.js';
import { irOf } from './parse.js';
import { printBody, type RoundingStyle } from './print.js';

/**
 * Arguments of one fused call: `T` steps of `M` independent neurons (batch × features flattened).
 * Every per-step array is `[T, M]` row-major; state arrays are `[M]` and updated in place (they
 * are the caller's scratch copies, never user data).
 */
export interface UpdateCall {
  /** Number of time steps. */
  readonly T: number;
  /** Number of neurons (batch × features). */
  readonly M: number;
  /** Per-step inputs in the order of `update.inputs`, each `[T, M]`. */
  readonly inputs: readonly TensorData[];
  /** Output `[T, M]`, written. */
  readonly out: TensorData;
  /** State `[M]` per variable in the order of `update.state`, read and written. */
  readonly state: readonly TensorData[];
  /** Optional per-step state records `[T, M]` per variable in `update.state` order. */
  readonly record?: readonly TensorData[] | undefined;
  /**
   * Parameter values in the order of `update.params` (already rounded for float32); for a
   * per-neuron parameter (see {@link UpdateCall.paramArrays}) the entry is ignored.
   */
  readonly params: readonly number[];
  /**
   * Per-neuron parameter values: entry `j` is an `[M]` array for a parameter compiled as
   * per-neuron (see `perNeuron` of {@link compileUpdate}), undefined for a scalar one.
   */
  readonly paramArrays?: readonly (TensorData | undefined)[] | undefined;
  /** Time step in seconds (already rounded for float32). */
  readonly dt: number;
  /**
   * First neuron to update (default 0). With {@link UpdateCall.hi}, only neurons `[lo, hi)` are
   * read and written, still indexed in the full `[T, M]` arrays (the `threads` backend splits `M`
   * into such ranges, one per thread).
   */
  readonly lo?: number | undefined;
  /** End (exclusive) of the neuron range to update (default `M`). */
  readonly hi?: number | undefined;
}

/** A compiled update: runs one fused call. */
export type CompiledUpdate = (call: UpdateCall) => void;

/** Which parameters are per-neuron arrays, in `update.params` order (all scalar when absent). */
export type PerNeuronMask = readonly boolean[];

/** Neurons per block: the time loop runs inside a block so its state stays in L1 cache. */
const BLOCK = 2048;

/** The mask as a cache key (`-` for all scalar). */
export const maskKey = (mask: PerNeuronMask | undefined): string => (mask?.some((m) => m) ? mask.map((m) => (m ? 1 : 0)).join('') : '-');

/**
 * The JavaScript source of the fused loop {@link compileUpdate} compiles: the body of a function
 * (for `new Function`) that returns the loop as `(call: UpdateCall) => void`. The `threads`
 * engine compiles this same text, so every thread runs the reference loop.
 * @param update - the per-neuron update (parsed once, see `parse.ts`)
 * @param dtype - `float32` rounds every marked operation with `Math.fround`; `float64` does not
 * @param recording - whether the loop writes per-step state records
 * @param perNeuron - which parameters are per-neuron arrays (default: none)
 */
export const updateSource = (update: NeuronUpdate, dtype: DType, recording: boolean, perNeuron?: PerNeuronMask): string => {
  const ir = irOf(update);
  const rounding: RoundingStyle = dtype === 'float32' ? 'fround' : 'none';
  const body = printBody(ir, rounding, '          ');
  const k = update;
  const pn = (j: number): boolean => perNeuron?.[j] === true;
  const ins = k.inputs.map((n) => `$in_${n}`);
  const sts = k.state.map((n) => `$s_${n}`);
  const recs = k.state.map((n) => `$r_${n}`);
  const scalarParams = k.params.map((n, j) => (pn(j) ? `const $p_${n} = $call.paramArrays[${j}];` : `const ${n} = $call.params[${j}];`));
  const neuronParams = k.params.flatMap((n, j) => (pn(j) ? [`const ${n} = $p_${n}[$n];`] : []));
  return `
"use strict";
const $fround = Math.fround;
return function ${k.name}_${dtype}${recording ? '_rec' : ''}($call) {
  const $T = $call.T, $M = $call.M, $out = $call.out, dt = $call.dt;
  ${ins.map((n, j) => `const ${n} = $call.inputs[${j}];`).join(' ')}
  ${sts.map((n, j) => `const ${n} = $call.state[${j}];`).join(' ')}
  ${recording ? recs.map((n, j) => `const ${n} = $call.record[${j}];`).join(' ') : ''}
  ${scalarParams.join(' ')}
  const $lo = $call.lo === undefined ? 0 : $call.lo, $hi = $call.hi === undefined ? $M : $call.hi;
  for (let $n0 = $lo; $n0 < $hi; $n0 += ${BLOCK}) {
    const $n1 = Math.min($n0 + ${BLOCK}, $hi);
    for (let $t = 0; $t < $T; $t++) {
      const $base = $t * $M;
      for (let $n = $n0; $n < $n1; $n++) {
        const $k = $base + $n;
        ${k.inputs.map((n, j) => `const ${n} = ${ins[j]}[$k];`).join(' ')}
        ${k.state.map((n, j) => `let ${n} = ${sts[j]}[$n];`).join(' ')}
        ${neuronParams.join(' ')}
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

const cache = new WeakMap<NeuronUpdate, Map<string, CompiledUpdate>>();

/**
 * Compiles an update for the plain-JavaScript backend (`js`): a fused loop over blocks of neurons
 * and all `T` steps, with no allocation inside. Cached per update, dtype, recording flag and mask.
 * @param update - the per-neuron update
 * @param dtype - `float32` rounds every marked operation with `Math.fround`; `float64` does not
 * @param recording - whether the compiled loop writes per-step state records
 * @param perNeuron - which parameters are per-neuron arrays (default: none)
 * @throws UpdateSyntaxError when the update's text is outside the subset (see `parse.ts`)
 */
export const compileUpdate = (update: NeuronUpdate, dtype: DType, recording: boolean, perNeuron?: PerNeuronMask): CompiledUpdate => {
  let byKey = cache.get(update);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(update, byKey);
  }
  const key = `${dtype}:${recording}:${maskKey(perNeuron)}`;
  let fn = byKey.get(key);
  if (fn === undefined) {
    fn = new Function(updateSource(update, dtype, recording, perNeuron))() as CompiledUpdate;
    byKey.set(key, fn);
  }
  return fn;
};
