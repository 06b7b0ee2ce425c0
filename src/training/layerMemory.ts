/**
 * Where a hand-written neuron layer of `trainable` (`neurons.ts`) keeps its outputs, ∂input and
 * tape, by its `outputs` option and whether it runs in place in the training arena
 * (`kernels/arena.ts`: the common LIF layer on the WebAssembly kernels).
 *
 * - `reuse`: outputs and ∂input written into the same arrays call after call — in the arena when
 *   the layer runs there (with its tape `v_d`, its state and copies of inputs that do not live
 *   there), else in shared memory.
 * - `fresh` in the arena: the passes write the arena's arrays in place, then the outputs and
 *   ∂input are copied out into new arrays (the caller never holds the arena's); the tape reads the
 *   arena's outputs and `v_d` until a later forward pass would overwrite them — a tape no backward
 *   pass has used by then gets its own copies of both first (scratch buffers, never the outputs
 *   handed to the caller), so every tape stays exact whatever the caller does with its outputs.
 * - `fresh` elsewhere: new arrays from the passes themselves.
 *
 * Memory the layer keeps between calls in the arena, per neuron-step (float32 input): outputs 4,
 * `v_d` 4, ∂input 8, plus a copy of an input outside the arena 4 and of a ∂output outside it 8 —
 * 16 to 28 bytes; the arena never shrinks (freed blocks are reused).
 * @module
 */
import { allocate, allocateShared, type DType, dtypeOf, fromTypedArray, type Tensor, type TensorData } from '../ops/tensor.js';
import { type ArenaStore, arenaOffset, arenaStore } from './kernels/arena.js';
import { takeScratch } from './kernels/scratch.js';
import type { NeuronTape } from './neuronTape.js';
import type { BackwardResult, ForwardResult } from './trainableLayer.js';

/** A layer's memory for its passes (see the module docs). */
export interface LayerMemory {
  /** The layer's arena arrays (given to the passes), when it runs in the arena. */
  readonly store: ArenaStore | undefined;
  /** Before a forward pass over `xs` (`last`: the layer's last tape): the storage of its outputs (`undefined`: new arrays). */
  forwardOutputs(xs: Tensor, last: NeuronTape | undefined): ((dtype: DType, length: number) => TensorData) | undefined;
  /** The forward pass's result as handed to the caller. */
  handForward(r: ForwardResult): ForwardResult;
  /** Before a backward pass with `gOut`: the storage of its ∂input (`undefined`: a scratch buffer). */
  backwardInput(gOut: Float64Array | undefined): ((length: number) => Float64Array) | undefined;
  /** The backward pass's result as handed to the caller. */
  handBackward(b: BackwardResult): BackwardResult;
}

/**
 * The memory of a layer.
 * @param reuse - `outputs: 'reuse'`
 * @param inArena - whether the layer's passes run in place in the arena when it has room (a
 *   feed-forward layer: batch × features of its input even)
 */
export const layerMemory = (reuse: boolean, inArena: boolean): LayerMemory => {
  const store = inArena ? arenaStore() : undefined;
  // outputs 'reuse': the outputs and ∂input written call after call (reallocated when the size or dtype changes)
  let outKept: TensorData | undefined;
  let gxKept: Float64Array | undefined;
  const keptOut = (dtype: DType, length: number): TensorData => {
    if (outKept === undefined || outKept.length !== length || outKept instanceof Float64Array !== (dtype === 'float64'))
      outKept = store?.take('out', dtype, length) ?? allocateShared(dtype, length);
    return outKept;
  };
  const keptGx = (length: number): Float64Array => {
    if (gxKept?.length !== length)
      gxKept = (store?.take('gx', 'float64', length) as Float64Array | undefined) ?? (allocateShared('float64', length) as Float64Array);
    return gxKept;
  };
  // fresh outputs in the arena: the arena's arrays (read by the tape until spilled)
  const arenaOut = (dtype: DType, length: number): TensorData => store?.take('out', dtype, length) ?? allocate(dtype, length);
  const arenaGx = (length: number): Float64Array =>
    (store?.take('gx', 'float64', length) as Float64Array | undefined) ?? takeScratch('float64', length);
  // A tape in the arena that no backward pass has used gets its own copies before a forward pass overwrites them
  // (of the arena's outputs, not the caller's: a caller writing into its outputs changes no gradient).
  const copyOut = (a: TensorData): TensorData => {
    if (arenaOffset(a) < 0) return a;
    const c = takeScratch(a instanceof Float64Array ? 'float64' : 'float32', a.length);
    c.set(a);
    return c;
  };
  const spill = (t: NeuronTape | undefined): void => {
    if (t === undefined || t.use.done || t.vd === undefined || arenaOffset(t.vd) < 0) return;
    t.vd = copyOut(t.vd);
    t.out = copyOut(t.out);
  };
  return {
    store,
    forwardOutputs(xs, last) {
      if (!reuse) {
        // the kernels run pairs of neurons: an odd batch × neurons runs the js loops, into new arrays
        const even = xs?.shape?.length === 3 && ((xs.shape[1] as number) * (xs.shape[2] as number)) % 2 === 0;
        if (store === undefined || !even) return undefined;
        spill(last);
        return arenaOut;
      }
      // an input that is this layer's own kept outputs is not overwritten while it is read
      const own = xs?.data !== undefined && outKept !== undefined && xs.data.buffer === outKept.buffer;
      return own ? undefined : keptOut;
    },
    handForward(r) {
      if (reuse || store === undefined || arenaOffset(r.out.data) < 0) return r;
      const out = allocate(dtypeOf(r.out), r.out.data.length);
      out.set(r.out.data);
      return { out: fromTypedArray(out, r.out.shape), state: r.state, tape: r.tape };
    },
    backwardInput(gOut) {
      if (!reuse) return store === undefined ? undefined : arenaGx;
      // a ∂output that is this layer's own kept ∂input is not overwritten while it is read
      return gxKept !== undefined && gOut?.buffer === gxKept.buffer ? undefined : keptGx;
    },
    handBackward(b) {
      if (reuse || b.gx === undefined || arenaOffset(b.gx) < 0) return b;
      const gx = takeScratch('float64', b.gx.length);
      gx.set(b.gx);
      return { gx, gState: b.gState };
    },
  };
};
