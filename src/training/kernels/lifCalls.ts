/**
 * The LIF slices of a training pass (`engine.ts`'s calls `lifFwd` / `lifBwd`): with arrays
 * (copied chunk by chunk into a thread's own module memory) or, with `arena: true`, byte offsets in
 * the shared training arena (`arena.ts`; run in place). Types only: the engine's text, which
 * workers evaluate, does not import them.
 * @module
 */

type Floats = Float32Array | Float64Array;
/** LIF forward slice: `v`, `i` `[BN]` updated in place, `out` and `vd` `[T, BN]` written (dtype of `x`). */
export interface LifForwardCall {
  readonly op: 'lifFwd';
  readonly arena?: false;
  readonly x: Floats;
  readonly T: number;
  readonly BN: number;
  readonly v: Floats;
  readonly i: Floats;
  readonly out: Floats;
  readonly vd: Floats | null;
  readonly kMem: number;
  readonly nSyn: number;
  readonly vLeak: number;
  readonly vTh: number;
  readonly vReset: number;
}

/** LIF backward slice (SuperSpike): `gv`, `gi` `[BN]` in place, `gcur` `[T, BN]` written when given. */
export interface LifBackwardCall {
  readonly op: 'lifBwd';
  readonly arena?: false;
  readonly gOut: Float64Array;
  readonly out: Floats;
  readonly vd: Floats;
  readonly T: number;
  readonly BN: number;
  readonly gv: Float64Array;
  readonly gi: Float64Array;
  readonly gcur: Float64Array | null;
  readonly kMem: number;
  readonly cSyn: number;
  readonly vTh: number;
  readonly vReset: number;
  readonly alpha: number;
}

/**
 * LIF forward slice in place in the arena: byte offsets of `x`, `out`, `vd` `[T, BN]` and `v`, `i`
 * `[BN]` (float32 when `f32`, else float64); the constants as {@link LifForwardCall}'s.
 */
export interface LifArenaForwardCall extends Omit<LifForwardCall, 'arena' | 'x' | 'v' | 'i' | 'out' | 'vd'> {
  readonly arena: true;
  readonly f32: boolean;
  readonly x: number;
  readonly v: number;
  readonly i: number;
  readonly out: number;
  readonly vd: number;
  /** A shared array `[T, BN]` each thread first copies its neurons of into `x` (an input outside the arena), or null. */
  readonly xFrom?: Floats | null;
}

/**
 * LIF backward slice in place in the arena: byte offsets of `gOut`, `gcur` `[T, BN]` and `gv`, `gi`
 * `[BN]` (float64), `out`, `vd` `[T, BN]` (float32 when `f32`); the constants as {@link LifBackwardCall}'s.
 */
export interface LifArenaBackwardCall extends Omit<LifBackwardCall, 'arena' | 'gOut' | 'out' | 'vd' | 'gv' | 'gi' | 'gcur'> {
  readonly arena: true;
  readonly f32: boolean;
  readonly gOut: number;
  readonly out: number;
  readonly vd: number;
  readonly gv: number;
  readonly gi: number;
  readonly gcur: number;
  /** A shared array `[T, BN]` each thread first copies its neurons of into `gOut` (a ∂output outside the arena), or null. */
  readonly gFrom?: Float64Array | null;
}
