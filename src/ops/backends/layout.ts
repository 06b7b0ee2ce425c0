/**
 * How the gpu backend lays a fused neuron run out on a GPU: one thread per neuron runs a block
 * of time steps, and writes everything it produces into a few RGBA float outputs (a gpu.js kernel
 * map, one render target each — WebGL2 guarantees 4, most GPUs have 8).
 *
 * The outputs of one thread are a row of *slots* (4 per output):
 * - slots `0 … S−1`: the S kernel state variables after the block (fed back to the next block);
 * - then *words*: either spikes packed 24 to a float (bit `b` of word `w` is step `24·w + b`;
 *   integers below 2²⁴ are exact in float32), or, for non-binary outputs and recorded runs, one
 *   float per value: step `t` uses `perStep` slots (the output, then each recorded state
 *   variable in kernel order).
 *
 * A block is therefore at most `24·(4G − S)` steps for spikes (720 for LIF with 8 outputs) and
 * `⌊(4G − S) / perStep⌋` steps otherwise. Pure functions, shared by the kernel generator and the
 * host-side unpacking.
 * @module
 */

/** Spikes packed into one float32 word (every integer below 2²⁴ is exact). */
export const BITS_PER_WORD = 24;

/** The layout of one block of a fused neuron run. */
export interface NeuronLayout {
  /** Kernel state variables. */
  readonly S: number;
  /** Whether spikes are packed into words. */
  readonly packed: boolean;
  /** Slots per step when not packed: 1 (the output) plus S when recording. */
  readonly perStep: number;
  /** Maximum steps of one block. */
  readonly steps: number;
  /** Word slots used by a block of `steps` steps. */
  readonly words: number;
  /** RGBA outputs per thread (1 + number of sub-kernels). */
  readonly outputs: number;
  /** Outputs holding the state (the first ⌈S/4⌉). */
  readonly stateOutputs: number;
}

/** Word slots a block of `steps` steps needs. */
export const wordsFor = (packed: boolean, perStep: number, steps: number): number =>
  packed ? Math.ceil(steps / BITS_PER_WORD) : steps * perStep;

/**
 * Plans the blocks of a run.
 * @param S - kernel state variables (≥ 1)
 * @param binary - whether the output is spikes (0/1)
 * @param record - whether every state variable is returned per step
 * @param maxOutputs - RGBA outputs the device can write at once (≥ 1)
 * @param maxSteps - upper bound on steps per block (the chunk length, the input size cap)
 * @returns the layout, or a reason when the device cannot hold even one step
 */
export const planNeuron = (S: number, binary: boolean, record: boolean, maxOutputs: number, maxSteps: number): NeuronLayout | string => {
  const packed = binary && !record;
  const perStep = 1 + (record ? S : 0);
  const capacity = 4 * maxOutputs - S;
  const fits = packed ? capacity * BITS_PER_WORD : Math.floor(capacity / perStep);
  if (fits < 1) return `${S} state variables${record ? ' recorded per step' : ''} do not fit in ${maxOutputs} RGBA outputs`;
  const steps = Math.max(1, Math.min(fits, maxSteps));
  const words = wordsFor(packed, perStep, steps);
  return {
    S,
    packed,
    perStep,
    steps,
    words,
    outputs: Math.ceil((S + words) / 4),
    stateOutputs: Math.ceil(S / 4),
  };
};

/** Slot of step `t` (of the block), item `j` (0: output, 1 + s: state variable s) when not packed. */
export const floatSlot = (layout: NeuronLayout, t: number, j: number): number => layout.S + t * layout.perStep + j;

/** Slot and bit of step `t` of the block when packed. */
export const packedSlot = (layout: NeuronLayout, t: number): readonly [number, number] => [
  layout.S + Math.floor(t / BITS_PER_WORD),
  t % BITS_PER_WORD,
];
