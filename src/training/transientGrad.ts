/**
 * Internal hand-off between a sequence of layers and its layers' backward passes: whether the
 * ∂input a backward pass returns now is dead once the sequence's previous layer has consumed it
 * (`trainableSequential` runs its inner layers' backward passes — all but the first — under
 * {@link withTransientGradInput}). A layer may then write that ∂input into a buffer it keeps and
 * overwrites call after call: `trainableLinear` keeps it in the training arena (`kernels/arena.ts`),
 * where a LIF layer's in-place backward pass (`outputs: 'reuse'`) reads it without a copy. A
 * ∂input returned to the user (the sequence's first layer, a layer called alone) is never such a buffer.
 * @module
 */

let transient = false;

/** Whether the ∂input of the backward pass running now is consumed by the caller's previous layer and then dead. */
export const transientGradInput = (): boolean => transient;

/**
 * Runs `fn` with {@link transientGradInput} set to `value` (restored afterwards, also on error).
 * @param value - whether the ∂input of the backward pass `fn` runs is transient
 * @param fn - the backward pass
 * @returns what `fn` returns
 */
export const withTransientGradInput = <R>(value: boolean, fn: () => R): R => {
  const prev = transient;
  transient = value;
  try {
    return fn();
  } finally {
    transient = prev;
  }
};
