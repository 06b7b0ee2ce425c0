/**
 * WebAssembly SIMD kernels of the common LIF layer (Norse's `LIF`: forward Euler, reset to
 * `v_reset`, not recurrent) for training: the forward pass that records the pre-reset voltage
 * `v_d`, and the backward pass (BPTT) with the SuperSpike surrogate. Two neurons per `f64x2`
 * operation, in float64 arithmetic, loading and storing the layer's dtype (float32 values are
 * promoted on load and rounded on store, exactly as the JavaScript loops of `../neurons.ts` do),
 * so the results equal those loops bit for bit. Steps are processed in chunks of at most
 * {@link CHUNK_BYTES} of inputs and outputs; the state stays in the module's memory between chunks.
 *
 * Forward (per neuron, `k = dt·τ_mem⁻¹`, `c = −dt·τ_syn⁻¹`):
 * `i_j = i + x; v_d = v + k·((v_leak − v) + i_j); i ← i_j + c·i_j; z = (v_d − v_th > 0);
 * v ← z ? v_reset : v_d`.
 * Backward: the adjoint in `../neurons.ts` (`s = 1/(α·|v_d − v_th| + 1)²`).
 * @module
 */
import type { TensorData } from '../../ops/tensor.js';
import { type AsmInstance, assemble, forLoop, instantiate, simdAvailable, T, w } from './asm.js';
import { CHUNK_BYTES } from './linearGrad.js';

type Fn = 'fwd32' | 'fwd64' | 'bwd32' | 'bwd64';

/** Loads / stores of two elements of the layer's dtype as an f64x2. */
const io = (f32: boolean) =>
  f32 ? { load: (o = 0) => w.vLoadF32Pair(o), store: (o = 0) => [...w.demote, ...w.vStoreLow(o)] } : { load: w.vLoad, store: w.vStore };

const forward = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const { load, store } = io(f32);
  // params: Tc, BN, pX, pV, pI, pOut, pVd (i32), kMem, nSyn, vLeak, vTh, vReset (f64)
  const [Tc, BN, pX, pV, pI, pOut, pVd] = [0, 1, 2, 3, 4, 5, 6];
  const [kMem, nSyn, vLeak, vTh, vReset] = [7, 8, 9, 10, 11];
  const [t, k, row, rowEnd] = [12, 13, 14, 15];
  const [kM, nS, vL, vT, vR, one, vk, iJ, vDec, mask] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const at = (base: number, r: boolean) =>
    r ? [...w.get(base), ...w.get(row), ...w.add, ...w.get(k), ...w.add] : [...w.get(base), ...w.get(k), ...w.add];
  const body = [
    ...at(pV, false),
    ...load(),
    ...w.set(vk),
    ...at(pI, false),
    ...load(),
    ...at(pX, true),
    ...load(),
    ...w.vAdd,
    ...w.set(iJ),
    // v_d = v + k·((v_leak − v) + i_j)
    ...w.get(vk),
    ...w.get(kM),
    ...w.get(vL),
    ...w.get(vk),
    ...w.vSub,
    ...w.get(iJ),
    ...w.vAdd,
    ...w.vMul,
    ...w.vAdd,
    ...w.set(vDec),
    // i ← i_j + c·i_j
    ...at(pI, false),
    ...w.get(iJ),
    ...w.get(nS),
    ...w.get(iJ),
    ...w.vMul,
    ...w.vAdd,
    ...store(),
    ...at(pVd, true),
    ...w.get(vDec),
    ...store(),
    // z = v_d − v_th > 0
    ...w.get(vDec),
    ...w.get(vT),
    ...w.vSub,
    ...w.vZero,
    ...w.vGt,
    ...w.set(mask),
    ...at(pV, false),
    ...w.get(vR),
    ...w.get(vDec),
    ...w.get(mask),
    ...w.vBitselect,
    ...store(),
    ...at(pOut, true),
    ...w.get(one),
    ...w.get(mask),
    ...w.vAnd,
    ...store(),
  ];
  const code = [
    ...[
      [kMem, kM],
      [nSyn, nS],
      [vLeak, vL],
      [vTh, vT],
      [vReset, vR],
    ].flatMap(([p, l]) => [...w.get(p as number), ...w.splat, ...w.set(l as number)]),
    ...w.vConst(1),
    ...w.set(one),
    ...w.get(BN),
    ...w.i32(E),
    ...w.mul,
    ...w.set(rowEnd),
    ...forLoop(t, w.i32(0), w.get(Tc), 1, [
      ...w.get(t),
      ...w.get(rowEnd),
      ...w.mul,
      ...w.set(row),
      ...forLoop(k, w.i32(0), w.get(rowEnd), 2 * E, body),
    ]),
  ];
  return {
    name: f32 ? 'fwd32' : 'fwd64',
    params: [...Array(7).fill(T.i32), ...Array(5).fill(T.f64)],
    locals: [...Array(4).fill(T.i32), ...Array(10).fill(T.v128)],
    code,
  };
};

const backward = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const { load } = io(f32);
  // params: Tc, BN, pG, pOut, pVd, pGv, pGi, pGcur (i32), kMem, cSyn, vTh, vReset, alpha (f64); runs t = Tc−1 … 0
  const [Tc, BN, pG, pOut, pVd, pGv, pGi, pGcur] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [kMem, cSyn, vTh, vReset, alpha] = [8, 9, 10, 11, 12];
  const [t, k, k8, rowE, row8] = [13, 14, 15, 16, 17];
  const [kM, cS, vT, vR, al, one, kRest, gvn, vDec, d, gz, gvDec, giJ] = [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30];
  const atE = (base: number) => [...w.get(base), ...w.get(rowE), ...w.add, ...w.get(k), ...w.add];
  const at8 = (base: number, r: boolean) =>
    r ? [...w.get(base), ...w.get(row8), ...w.add, ...w.get(k8), ...w.add] : [...w.get(base), ...w.get(k8), ...w.add];
  const body = [
    ...at8(pGv, false),
    ...w.vLoad(),
    ...w.set(gvn),
    ...atE(pVd),
    ...load(),
    ...w.set(vDec),
    // d = α·|v_d − v_th| + 1
    ...w.get(al),
    ...w.get(vDec),
    ...w.get(vT),
    ...w.vSub,
    ...w.vAbs,
    ...w.vMul,
    ...w.get(one),
    ...w.vAdd,
    ...w.set(d),
    // gz = ḡout + ḡv·(v_reset − v_d)
    ...at8(pG, true),
    ...w.vLoad(),
    ...w.get(gvn),
    ...w.get(vR),
    ...w.get(vDec),
    ...w.vSub,
    ...w.vMul,
    ...w.vAdd,
    ...w.set(gz),
    // ḡv_d = ḡv·(1 − z) + gz·(1/(d·d))
    ...w.get(gvn),
    ...w.get(one),
    ...atE(pOut),
    ...load(),
    ...w.vSub,
    ...w.vMul,
    ...w.get(gz),
    ...w.get(one),
    ...w.get(d),
    ...w.get(d),
    ...w.vMul,
    ...w.vDiv,
    ...w.vMul,
    ...w.vAdd,
    ...w.set(gvDec),
    // ḡi_j = ḡi·c + ḡv_d·k
    ...at8(pGi, false),
    ...w.vLoad(),
    ...w.get(cS),
    ...w.vMul,
    ...w.get(gvDec),
    ...w.get(kM),
    ...w.vMul,
    ...w.vAdd,
    ...w.set(giJ),
    ...at8(pGi, false),
    ...w.get(giJ),
    ...w.vStore(),
    ...at8(pGv, false),
    ...w.get(gvDec),
    ...w.get(kRest),
    ...w.vMul,
    ...w.vStore(),
    ...at8(pGcur, true),
    ...w.get(giJ),
    ...w.vStore(),
    ...w.get(k8),
    ...w.i32(16),
    ...w.add,
    ...w.set(k8),
  ];
  const code = [
    ...[
      [kMem, kM],
      [cSyn, cS],
      [vTh, vT],
      [vReset, vR],
      [alpha, al],
    ].flatMap(([p, l]) => [...w.get(p as number), ...w.splat, ...w.set(l as number)]),
    ...w.vConst(1),
    ...w.set(one),
    // kRest = 1 − kMem (as the JavaScript loop: one rounding)
    ...w.f64(1),
    ...w.get(kMem),
    ...w.fSub,
    ...w.splat,
    ...w.set(kRest),
    ...forLoop(t, w.i32(0), w.get(Tc), 1, [
      // row of step Tc − 1 − t
      ...w.get(Tc),
      ...w.i32(1),
      ...w.sub,
      ...w.get(t),
      ...w.sub,
      ...w.get(BN),
      ...w.mul,
      ...w.tee(rowE),
      ...w.i32(8),
      ...w.mul,
      ...w.set(row8),
      ...w.get(rowE),
      ...w.i32(E),
      ...w.mul,
      ...w.set(rowE),
      ...w.i32(0),
      ...w.set(k8),
      ...forLoop(k, w.i32(0), [...w.get(BN), ...w.i32(E), ...w.mul], 2 * E, body),
    ]),
  ];
  return {
    name: f32 ? 'bwd32' : 'bwd64',
    params: [...Array(8).fill(T.i32), ...Array(5).fill(T.f64)],
    locals: [...Array(5).fill(T.i32), ...Array(13).fill(T.v128)],
    code,
  };
};

let bytes: Uint8Array | undefined;
/** The module's bytes (exports `fwd32`, `fwd64`, `bwd32`, `bwd64`, `memory`). */
export const lifGradModule = (): Uint8Array => {
  bytes ??= assemble([forward(true), forward(false), backward(true), backward(false)]);
  return bytes;
};

let instance: AsmInstance<Fn> | null | undefined;
const kernel = (): AsmInstance<Fn> | null => {
  if (instance === undefined) instance = simdAvailable(lifGradModule()) ? instantiate(lifGradModule()) : null;
  return instance;
};

/** Whether the wasm LIF kernels run here (WebAssembly SIMD available). */
export const lifWasmAvailable = (): boolean => kernel() !== null;

/** Constants of the LIF update (see the module docs). */
export interface LifConstants {
  readonly kMem: number;
  readonly nSyn: number;
  readonly cSyn: number;
  readonly vLeak: number;
  readonly vTh: number;
  readonly vReset: number;
  readonly alpha: number;
}

const stepsPerChunk = (T: number, bytesPerStep: number): number => Math.max(1, Math.min(T, Math.floor(CHUNK_BYTES / bytesPerStep)));

/**
 * Forward pass over `T` steps of `BN` neurons (`BN` even): updates `v`, `i` in place, writes `out`
 * (spikes) and `vd` (pre-reset voltages), all `[T, BN]` in the dtype of `x`.
 */
export const lifForwardWasm = (
  x: TensorData,
  T: number,
  BN: number,
  v: TensorData,
  i: TensorData,
  out: TensorData,
  vd: TensorData | undefined,
  c: LifConstants,
): void => {
  const m = kernel() as AsmInstance<Fn>;
  const f32 = x instanceof Float32Array;
  const E = f32 ? 4 : 8;
  const tc = stepsPerChunk(T, 3 * BN * E);
  const vOff = 0;
  const iOff = BN;
  const xOff = 2 * BN;
  const outOff = xOff + tc * BN;
  const vdOff = outOff + tc * BN;
  m.ensure((vdOff + tc * BN) * E);
  const view = f32 ? m.f32() : m.f64();
  view.set(v, vOff);
  view.set(i, iOff);
  for (let t0 = 0; t0 < T; t0 += tc) {
    const n = Math.min(tc, T - t0);
    view.set(x.subarray(t0 * BN, (t0 + n) * BN), xOff);
    m.fn[f32 ? 'fwd32' : 'fwd64'](n, BN, xOff * E, vOff * E, iOff * E, outOff * E, vdOff * E, c.kMem, c.nSyn, c.vLeak, c.vTh, c.vReset);
    out.set(view.subarray(outOff, outOff + n * BN), t0 * BN);
    vd?.set(view.subarray(vdOff, vdOff + n * BN), t0 * BN);
  }
  v.set(view.subarray(vOff, vOff + BN));
  i.set(view.subarray(iOff, iOff + BN));
};

/**
 * Backward pass (SuperSpike surrogate) over `T` steps of `BN` neurons (`BN` even): `gv`, `gi`
 * (∂L/∂ final state in, ∂L/∂ initial state out) updated in place; `gcur` `[T, BN]` receives
 * ∂L/∂(input current) per step when given.
 */
export const lifBackwardWasm = (
  gOut: Float64Array,
  out: TensorData,
  vd: TensorData,
  T: number,
  BN: number,
  gv: Float64Array,
  gi: Float64Array,
  gcur: Float64Array | undefined,
  c: LifConstants,
): void => {
  const m = kernel() as AsmInstance<Fn>;
  const f32 = out instanceof Float32Array;
  const E = f32 ? 4 : 8;
  const tc = stepsPerChunk(T, BN * (16 + 2 * E));
  // bytes: gv, gi [BN] f64; ḡout, ḡcur [tc, BN] f64; out, v_d [tc, BN] (E)
  const gvB = 0;
  const giB = 8 * BN;
  const gB = 16 * BN;
  const gcB = gB + 8 * tc * BN;
  const outB = gcB + 8 * tc * BN;
  const vdB = outB + E * tc * BN;
  m.ensure(vdB + E * tc * BN);
  const v64 = m.f64();
  const vE = f32 ? m.f32() : v64;
  v64.set(gv, gvB / 8);
  v64.set(gi, giB / 8);
  const nChunks = Math.ceil(T / tc);
  for (let q = nChunks - 1; q >= 0; q--) {
    const t0 = q * tc;
    const n = Math.min(tc, T - t0);
    v64.set(gOut.subarray(t0 * BN, (t0 + n) * BN), gB / 8);
    vE.set(out.subarray(t0 * BN, (t0 + n) * BN), outB / E);
    vE.set(vd.subarray(t0 * BN, (t0 + n) * BN), vdB / E);
    m.fn[f32 ? 'bwd32' : 'bwd64'](n, BN, gB, outB, vdB, gvB, giB, gcB, c.kMem, c.cSyn, c.vTh, c.vReset, c.alpha);
    gcur?.set(v64.subarray(gcB / 8, gcB / 8 + n * BN), t0 * BN);
  }
  gv.set(v64.subarray(gvB / 8, gvB / 8 + BN));
  gi.set(v64.subarray(giB / 8, giB / 8 + BN));
};
