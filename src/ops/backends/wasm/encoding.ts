/**
 * The WebAssembly binary encoding used by the wasm lowerings: LEB128 numbers, sections, the
 * instructions they emit, and the SIMD opcodes per lane type (`f32x4`, `f64x2`).
 * Format reference: WebAssembly Core Specification 2.0 (binary format, SIMD instructions).
 * @module
 */

/** A module translated to wasm. */
export interface WasmModule {
  /** The module's bytes: exports `memory` and `run`, imports `math.<name>` for each of {@link WasmModule.imports}. */
  readonly bytes: Uint8Array;
  /** Elements per vector: 4 for float32, 2 for float64. */
  readonly lanes: number;
  /** Bytes per element: 4 or 8. */
  readonly bytesPerElement: number;
  /** JavaScript `Math` functions the module imports (as `math.<name>`). */
  readonly imports: readonly string[];
}

/**
 * Unsigned LEB128 encoding of `n` (taken as a 32-bit unsigned integer), as the binary format writes sizes, counts and indices.
 */
export const uleb = (n: number): number[] => {
  const o: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    o.push(b);
  } while (v !== 0);
  return o;
};

/**
 * Signed LEB128 encoding of `n` (taken as a 32-bit signed integer), as `i32.const` immediates are written.
 */
export const sleb = (n: number): number[] => {
  const o: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
};

/** A binary-format vector: the item count (unsigned LEB128) followed by the items' bytes. */
export const vecOf = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
/**
 * A module section: its id (1 type, 2 import, 3 function, 5 memory, 7 export, 10 code, …) and its size-prefixed bytes.
 */
export const section = (id: number, bytes: readonly number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
/** A binary-format name: the UTF-8 byte length (unsigned LEB128) followed by the bytes. */
export const name = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};

/** Value type `i32`. */
export const I32 = 0x7f;
/** Value type `f32`. */
export const F32 = 0x7d;
/** Value type `f64`. */
export const F64 = 0x7c;
/** Value type `v128` (SIMD). */
export const V128 = 0x7b;

/** SIMD instruction: prefix 0xfd and the LEB128 opcode. */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** The memory argument of the SIMD loads and stores: alignment 2⁴ bytes (a whole vector), offset 0. */
export const memarg = [4, 0];

/**
 * Scalar and SIMD instructions the lowerings emit, as byte arrays (functions for those with an
 * immediate: branch depth `l`, local index `i`, function index `f`, constant `n`). `load`/`store` are
 * `v128.load`/`v128.store` with {@link memarg}.
 */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  call: (f: number) => [0x10, ...uleb(f)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtS: [0x48],
  i32GeS: [0x4e],
  f32Demote: [0xb6],
  f64Promote: [0xbb],
  load: [...simd(0x00), ...memarg],
  store: [...simd(0x0b), ...memarg],
  /** `v128.load` / `v128.store` at a constant byte offset from the address on the stack. */
  loadAt: (offset: number) => [...simd(0x00), 4, ...uleb(offset)],
  storeAt: (offset: number) => [...simd(0x0b), 4, ...uleb(offset)],
  /** `v128.load64_zero` at a constant byte offset (two float32 values into the low lanes). */
  load64ZeroAt: (offset: number) => [...simd(0x5d), 3, ...uleb(offset)],
  /** `f64x2.promote_low_f32x4`: the two low float32 lanes widened to float64 (exact). */
  promoteLow: simd(0x5f),
  i32ShrU: [0x76],
  i32Sub: [0x6b],
  i32DivS: [0x6d],
  and32: [0x71],
  i32Eqz: [0x45],
  andnot: simd(0x4f),
  vconst: (bytes: readonly number[]) => [...simd(0x0c), ...bytes],
  not: simd(0x4d),
  and: simd(0x4e),
  or: simd(0x50),
  bitselect: simd(0x52),
  i32x4Lane0: [...simd(0x1b), 0],
  ifV128: [0x04, V128],
  else: [0x05],
};

/** Per-dtype SIMD opcodes. */
export interface Lanes {
  readonly lanes: number;
  readonly bytes: number;
  readonly scalar: number;
  readonly splat: number[];
  readonly extract: (lane: number) => number[];
  readonly replace: (lane: number) => number[];
  readonly bin: Readonly<Record<BinOp, number[]>>;
  readonly un: Readonly<Record<UnOp, number[]>>;
  readonly cmp: Readonly<Record<CmpOp, number[]>>;
  readonly constBytes: (x: number) => number[];
}

/** Binary arithmetic of a lane type ({@link Lanes.bin}). */
export type BinOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max';
/** Unary arithmetic of a lane type ({@link Lanes.un}). */
export type UnOp = 'neg' | 'abs' | 'sqrt' | 'floor' | 'ceil' | 'trunc';
/** Comparisons of a lane type ({@link Lanes.cmp}); each lane gives all ones (true) or zero. */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge';

/** The SIMD opcodes of four float32 lanes (`f32x4.*`). */
export const f32x4: Lanes = {
  lanes: 4,
  bytes: 4,
  scalar: F32,
  splat: simd(0x13),
  extract: (l) => [...simd(0x1f), l],
  replace: (l) => [...simd(0x20), l],
  bin: { add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7), min: simd(0xe8), max: simd(0xe9) },
  un: { abs: simd(0xe0), neg: simd(0xe1), sqrt: simd(0xe3), ceil: simd(0x67), floor: simd(0x68), trunc: simd(0x69) },
  cmp: { eq: simd(0x41), ne: simd(0x42), lt: simd(0x43), gt: simd(0x44), le: simd(0x45), ge: simd(0x46) },
  constBytes: (x) => {
    const b = [...new Uint8Array(new Float32Array([x]).buffer)];
    return [...b, ...b, ...b, ...b];
  },
};

/** The SIMD opcodes of two float64 lanes (`f64x2.*`). */
export const f64x2: Lanes = {
  lanes: 2,
  bytes: 8,
  scalar: F64,
  splat: simd(0x14),
  extract: (l) => [...simd(0x21), l],
  replace: (l) => [...simd(0x22), l],
  bin: { add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2), div: simd(0xf3), min: simd(0xf4), max: simd(0xf5) },
  un: { abs: simd(0xec), neg: simd(0xed), sqrt: simd(0xef), ceil: simd(0x74), floor: simd(0x75), trunc: simd(0x7a) },
  cmp: { eq: simd(0x47), ne: simd(0x48), lt: simd(0x49), gt: simd(0x4a), le: simd(0x4b), ge: simd(0x4c) },
  constBytes: (x) => {
    const b = [...new Uint8Array(new Float64Array([x]).buffer)];
    return [...b, ...b];
  },
};

/** The wasm magic number and version 1. */
export const HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
