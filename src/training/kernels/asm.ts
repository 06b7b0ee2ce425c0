/**
 * A few WebAssembly instructions (scalar, SIMD `f64x2`/`f32x4`) and a module builder for the
 * hand-written training kernels (`linearGrad.ts`, `lifGrad.ts`). Functions take `i32` parameters
 * (byte offsets, sizes, flags) and `f64` ones; they export `memory` and each function by name.
 * Format reference: WebAssembly Core Specification 2.0 (binary format, SIMD instructions).
 * @module
 */
import { F64, HEADER, I32, name, section, sleb, uleb, V128, vecOf } from '../../ops/backends/wasm/encoding.js';

/** Value types of parameters and locals. */
export const T = { i32: I32, f64: F64, v128: V128 } as const;

const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
const mem = (align: number, offset: number): number[] => [align, ...uleb(offset)];

/** Instructions, each an array of bytes. */
export const w = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f64: (x: number) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltS: [0x48],
  geS: [0x4e],
  eqz: [0x45],
  fAdd: [0xa0],
  fSub: [0xa1],
  fMul: [0xa2],
  fDiv: [0xa3],
  fNe: [0x62],
  fGt: [0x64],
  fAbs: [0x99],
  select: [0x1b],
  f64Load: (offset = 0) => [0x2b, ...mem(3, offset)],
  /** f32.load then f64.promote_f32. */
  f32LoadPromote: (offset = 0) => [0x2a, ...mem(2, offset), 0xbb],
  f64Store: (offset = 0) => [0x39, ...mem(3, offset)],
  i32Load: (offset = 0) => [0x28, ...mem(2, offset)],
  i32Store: (offset = 0) => [0x36, ...mem(2, offset)],
  shl: [0x74],
  shrU: [0x76],
  and: [0x71],
  vLoad: (offset = 0) => simd(0x00, ...mem(3, offset)),
  vStore: (offset = 0) => simd(0x0b, ...mem(3, offset)),
  /** v128.load64_splat: one f64 into both lanes. */
  vLoadSplat: (offset = 0) => simd(0x0a, ...mem(3, offset)),
  /** v128.load32_splat: one f32 into the four lanes. */
  vLoadSplat32: (offset = 0) => simd(0x09, ...mem(2, offset)),
  v32Add: simd(0xe4),
  v32Mul: simd(0xe6),
  /** v128.load64_zero then f64x2.promote_low_f32x4: two float32 values as f64x2. */
  vLoadF32Pair: (offset = 0) => [...simd(0x5d, ...mem(2, offset)), ...simd(0x5f)],
  /** f32x4.demote_f64x2_zero: two f64 into the low float32 lanes. */
  demote: simd(0x5e),
  /** v128.store64_lane lane 0: the low 8 bytes (two float32 after {@link w.demote}). */
  vStoreLow: (offset = 0) => [...simd(0x5b, ...mem(2, offset)), 0],
  vZero: simd(0x0c, ...new Array(16).fill(0)),
  vConst: (x: number) => {
    const b = [...new Uint8Array(new Float64Array([x]).buffer)];
    return simd(0x0c, ...b, ...b);
  },
  splat: simd(0x14),
  vAdd: simd(0xf0),
  vSub: simd(0xf1),
  vMul: simd(0xf2),
  vDiv: simd(0xf3),
  vAbs: simd(0xec),
  vGt: simd(0x4a),
  vAnd: simd(0x4e),
  vAndNot: simd(0x4f),
  vBitselect: simd(0x52),
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
};

/** `for (i = from; i < to; i += step) body` with `i`, `to` local indices (`to` read each turn). */
export const forLoop = (i: number, from: number[], to: number[], step: number, body: number[]): number[] => [
  ...from,
  ...w.set(i),
  ...w.block,
  ...w.loop,
  ...w.get(i),
  ...to,
  ...w.geS,
  ...w.brIf(1),
  ...body,
  ...w.get(i),
  ...w.i32(step),
  ...w.add,
  ...w.set(i),
  ...w.br(0),
  ...w.end,
  ...w.end,
];

/** The byte address `base + index << log2Bytes`: element `index` of an array at local `base` (`index`: instructions giving an i32). */
export const elementAt = (base: number, index: readonly number[], log2Bytes: number): number[] => [
  ...w.get(base),
  ...index,
  ...w.i32(log2Bytes),
  ...w.shl,
  ...w.add,
];

/** A tuple of `N` numbers. */
export type Indices<N extends number, A extends number[] = []> = A['length'] extends N ? A : Indices<N, [...A, number]>;

/** `count` consecutive local indices from `first`, to destructure: `const [i, j] = localIndices(np, 2)`. */
export const localIndices = <N extends number>(first: number, count: N): Indices<N> =>
  Array.from({ length: count }, (_, q) => first + q) as Indices<N>;

/** A function of a module: its name, parameter types, extra locals (by type) and code. */
export interface AsmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly locals: readonly number[];
  readonly code: readonly number[];
}

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /**
   * Import a shared memory `env.memory` of at most this many 64 KiB pages (≤ 65536) instead of
   * owning one: every thread instantiates the module on the same `WebAssembly.Memory({ shared: true })`
   * (`arena.ts`), so the kernels work in place on arrays all threads see.
   */
  readonly sharedMemory?: number;
}

/**
 * Module bytes exporting `memory` and the functions (no results). The memory is the module's own
 * (1 page, growable), or with `sharedMemory` a shared memory it imports as `env.memory` (limits 0 …
 * `sharedMemory` pages; instantiate with `{ env: { memory } }`).
 */
export const assemble = (fns: readonly AsmFunction[], options: AssembleOptions = {}): Uint8Array => {
  const shared = options.sharedMemory;
  const types = fns.map((f) => [0x60, ...vecOf(f.params.map((p) => [p])), ...vecOf([])]);
  const bodies = fns.map((f) => {
    const body = [...vecOf(f.locals.map((t) => [...uleb(1), t])), ...f.code, ...w.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...HEADER,
    ...section(1, vecOf(types)),
    // an imported shared memory: limits flag 3 (shared, with a maximum), 0 pages at least
    ...(shared === undefined ? [] : section(2, vecOf([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(0), ...uleb(shared)]]))),
    ...section(3, vecOf(fns.map((_, k) => uleb(k)))),
    ...(shared === undefined ? section(5, vecOf([[0x00, ...uleb(1)]])) : []),
    ...section(7, vecOf([...fns.map((f, k) => [...name(f.name), 0x00, ...uleb(k)]), [...name('memory'), 0x02, 0]])),
    ...section(10, vecOf(bodies)),
  ]);
};

/** Whether this runtime validates WebAssembly SIMD (Node ≥ 16, current browsers). */
export const simdAvailable = (bytes: Uint8Array): boolean => {
  try {
    return typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
};

/** An instantiated kernel module: its exports and a view of its memory that follows growth. */
export interface AsmInstance<F extends string> {
  readonly fn: Readonly<Record<F, (...args: number[]) => void>>;
  /** Makes the memory hold at least `bytes` bytes. */
  readonly ensure: (bytes: number) => void;
  /** Float64 view of the whole memory (renewed after growth: read it after {@link AsmInstance.ensure}). */
  f64: () => Float64Array;
  /** Float32 view of the whole memory. */
  f32: () => Float32Array;
}

/** Instantiates module bytes (synchronously; the modules are a few hundred bytes). */
export const instantiate = <F extends string>(bytes: Uint8Array): AsmInstance<F> => {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), {});
  const memory = inst.exports.memory as WebAssembly.Memory;
  let v64 = new Float64Array(memory.buffer);
  let v32 = new Float32Array(memory.buffer);
  return {
    fn: inst.exports as unknown as Record<F, (...args: number[]) => void>,
    ensure: (bytes: number) => {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
      if (v64.buffer !== memory.buffer) {
        v64 = new Float64Array(memory.buffer);
        v32 = new Float32Array(memory.buffer);
      }
    },
    f64: () => v64,
    f32: () => v32,
  };
};
