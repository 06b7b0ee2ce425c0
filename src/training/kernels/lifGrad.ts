/**
 * WebAssembly SIMD kernels of the common LIF layer (Norse's `LIF`: forward Euler, reset to
 * `v_reset`, not recurrent) for training: the forward pass that records the pre-reset voltage
 * `v_d`, and the backward pass (BPTT) with the SuperSpike surrogate. Two neurons per `f64x2`
 * operation, two pairs per loop turn (their addresses share one computation: 15–30 % less CPU than
 * one pair a turn), then one pair for the last two neurons when neurons × batch ≡ 2 (mod 4), in
 * float64 arithmetic, loading and storing the layer's dtype (float32 values are promoted on load
 * and rounded on store, exactly as the JavaScript loops of `../neurons.ts` do),
 * so the results equal those loops bit for bit. Each function takes the loop width `BN` (neurons
 * × batch of the slice it runs) and the row stride `rowN` (elements from one step's row of the
 * `[T, ·]` arrays to the next) apart: a slice of a `[T, rowN]` array is run in place, the same
 * float operations whatever the stride. The engine (`engine.ts`) runs them over chunks of steps
 * copied into a thread's own memory (`rowN = BN`), or over all steps in place in the shared
 * training arena (`arena.ts`, {@link lifGradSharedModule}).
 *
 * Forward (per neuron, `k = dt·τ_mem⁻¹`, `c = −dt·τ_syn⁻¹`):
 * `i_j = i + x; v_d = v + k·((v_leak − v) + i_j); i ← i_j + c·i_j; z = (v_d − v_th > 0);
 * v ← z ? v_reset : v_d`.
 * Backward: the adjoint in `../neurons.ts` (`s = 1/(α·|v_d − v_th| + 1)²`).
 * @module
 */
import { assemble, forLoop, simdAvailable, T, w } from './asm.js';

/** Loads / stores of two elements of the layer's dtype as an f64x2. */
const io = (f32: boolean) =>
  f32 ? { load: (o = 0) => w.vLoadF32Pair(o), store: (o = 0) => [...w.demote, ...w.vStoreLow(o)] } : { load: w.vLoad, store: w.vStore };

const forward = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const { load, store } = io(f32);
  // params: Tc, BN, rowN, pX, pV, pI, pOut, pVd (i32), kMem, nSyn, vLeak, vTh, vReset (f64)
  const [Tc, BN, rowN, pX, pV, pI, pOut, pVd] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [kMem, nSyn, vLeak, vTh, vReset] = [8, 9, 10, 11, 12];
  const [t, k, row, rowEnd] = [13, 14, 15, 16];
  const [kM, nS, vL, vT, vR, one, vk, iJ, vDec, mask] = [17, 18, 19, 20, 21, 22, 23, 24, 25, 26];
  const end4 = 27; // rowEnd rounded down to 4 neurons
  const stride = 28; // bytes from one step's row of x, out, v_d to the next (rowN·E)
  const at = (base: number, r: boolean) =>
    r ? [...w.get(base), ...w.get(row), ...w.add, ...w.get(k), ...w.add] : [...w.get(base), ...w.get(k), ...w.add];
  // two neurons at byte offset `o` from `k` (0, or 2E for the second pair of an unrolled turn)
  const body = (o: number) => [
    ...at(pV, false),
    ...load(o),
    ...w.set(vk),
    ...at(pI, false),
    ...load(o),
    ...at(pX, true),
    ...load(o),
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
    ...store(o),
    ...at(pVd, true),
    ...w.get(vDec),
    ...store(o),
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
    ...store(o),
    ...at(pOut, true),
    ...w.get(one),
    ...w.get(mask),
    ...w.vAnd,
    ...store(o),
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
    ...w.get(BN),
    ...w.i32(-4),
    ...w.and,
    ...w.i32(E),
    ...w.mul,
    ...w.set(end4),
    ...w.get(rowN),
    ...w.i32(E),
    ...w.mul,
    ...w.set(stride),
    ...forLoop(t, w.i32(0), w.get(Tc), 1, [
      ...w.get(t),
      ...w.get(stride),
      ...w.mul,
      ...w.set(row),
      // four neurons a turn, then the last two when BN ≡ 2 (mod 4): the same operations per neuron
      ...forLoop(k, w.i32(0), w.get(end4), 4 * E, [...body(0), ...body(2 * E)]),
      ...forLoop(k, w.get(k), w.get(rowEnd), 2 * E, body(0)),
    ]),
  ];
  return {
    name: f32 ? 'fwd32' : 'fwd64',
    params: [...Array(8).fill(T.i32), ...Array(5).fill(T.f64)],
    locals: [...Array(4).fill(T.i32), ...Array(10).fill(T.v128), T.i32, T.i32],
    code,
  };
};

const backward = (f32: boolean) => {
  const E = f32 ? 4 : 8;
  const { load } = io(f32);
  // params: Tc, BN, rowN, pG, pOut, pVd, pGv, pGi, pGcur (i32), kMem, cSyn, vTh, vReset, alpha (f64); runs t = Tc−1 … 0
  const [Tc, BN, rowN, pG, pOut, pVd, pGv, pGi, pGcur] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [kMem, cSyn, vTh, vReset, alpha] = [9, 10, 11, 12, 13];
  const [t, k, k8, rowE, row8] = [14, 15, 16, 17, 18];
  const [kM, cS, vT, vR, al, one, kRest, gvn, vDec, d, gz, gvDec, giJ] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
  const end4 = 32; // BN·E rounded down to 4 neurons
  const atE = (base: number) => [...w.get(base), ...w.get(rowE), ...w.add, ...w.get(k), ...w.add];
  const at8 = (base: number, r: boolean) =>
    r ? [...w.get(base), ...w.get(row8), ...w.add, ...w.get(k8), ...w.add] : [...w.get(base), ...w.get(k8), ...w.add];
  // two neurons at byte offsets `oE` (arrays of the layer's dtype) and `o8` (float64 arrays) from `k`, `k8`
  const body = (oE: number, o8: number) => [
    ...at8(pGv, false),
    ...w.vLoad(o8),
    ...w.set(gvn),
    ...atE(pVd),
    ...load(oE),
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
    ...w.vLoad(o8),
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
    ...load(oE),
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
    ...w.vLoad(o8),
    ...w.get(cS),
    ...w.vMul,
    ...w.get(gvDec),
    ...w.get(kM),
    ...w.vMul,
    ...w.vAdd,
    ...w.set(giJ),
    ...at8(pGi, false),
    ...w.get(giJ),
    ...w.vStore(o8),
    ...at8(pGv, false),
    ...w.get(gvDec),
    ...w.get(kRest),
    ...w.vMul,
    ...w.vStore(o8),
    ...at8(pGcur, true),
    ...w.get(giJ),
    ...w.vStore(o8),
  ];
  const k8Add = (n: number) => [...w.get(k8), ...w.i32(n), ...w.add, ...w.set(k8)];
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
    ...w.get(BN),
    ...w.i32(-4),
    ...w.and,
    ...w.i32(E),
    ...w.mul,
    ...w.set(end4),
    ...forLoop(t, w.i32(0), w.get(Tc), 1, [
      // row of step Tc − 1 − t
      ...w.get(Tc),
      ...w.i32(1),
      ...w.sub,
      ...w.get(t),
      ...w.sub,
      ...w.get(rowN),
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
      // four neurons a turn, then the last two when BN ≡ 2 (mod 4): the same operations per neuron
      ...forLoop(k, w.i32(0), w.get(end4), 4 * E, [...body(0, 0), ...body(2 * E, 16), ...k8Add(32)]),
      ...forLoop(k, w.get(k), [...w.get(BN), ...w.i32(E), ...w.mul], 2 * E, [...body(0, 0), ...k8Add(16)]),
    ]),
  ];
  return {
    name: f32 ? 'bwd32' : 'bwd64',
    params: [...Array(9).fill(T.i32), ...Array(5).fill(T.f64)],
    locals: [...Array(5).fill(T.i32), ...Array(13).fill(T.v128), T.i32],
    code,
  };
};

const functions = () => [forward(true), forward(false), backward(true), backward(false)];
let bytes: Uint8Array | undefined;
/** The module's bytes (exports `fwd32`, `fwd64`, `bwd32`, `bwd64`, `memory`; its own memory). */
export const lifGradModule = (): Uint8Array => {
  bytes ??= assemble(functions());
  return bytes;
};

const sharedBytes = new Map<number, Uint8Array>();
/**
 * The same functions in a module that imports a shared memory `env.memory` of at most `maxPages`
 * pages (the training arena, `arena.ts`): the kernels then read and write the arena in place.
 * @param maxPages - the memory's maximum in 64 KiB pages (≤ 65536)
 */
export const lifGradSharedModule = (maxPages: number): Uint8Array => {
  let b = sharedBytes.get(maxPages);
  if (b === undefined) {
    b = assemble(functions(), { sharedMemory: maxPages });
    sharedBytes.set(maxPages, b);
  }
  return b;
};

let available: boolean | undefined;
/** Whether the wasm LIF kernels run here (WebAssembly SIMD available). */
export const lifWasmAvailable = (): boolean => {
  available ??= simdAvailable(lifGradModule());
  return available;
};

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
