/**
 * A minimal scalar reverse-mode automatic differentiation, independent of src/training, used to
 * check the hand-written adjoints: each model's update is written here once more in Norse's form
 * (operation by operation) on scalars, and the gradients autograd gives are compared with BPTT's.
 */
export class V {
  static tape: V[] = [];
  grad = 0;
  constructor(
    readonly val: number,
    readonly parents: readonly (readonly [V, number])[] = [],
  ) {
    V.tape.push(this);
  }
}

export const c = (x: number): V => new V(x);
export const add = (a: V, b: V): V =>
  new V(a.val + b.val, [
    [a, 1],
    [b, 1],
  ]);
export const sub = (a: V, b: V): V =>
  new V(a.val - b.val, [
    [a, 1],
    [b, -1],
  ]);
export const mul = (a: V, b: V): V =>
  new V(a.val * b.val, [
    [a, b.val],
    [b, a.val],
  ]);
export const neg = (a: V): V => new V(-a.val, [[a, -1]]);
export const exp = (a: V): V => {
  const e = Math.exp(a.val);
  return new V(e, [[a, e]]);
};
/** Heaviside forward (strict), surrogate derivative backward. */
export const spike = (a: V, sg: (x: number) => number): V => new V(a.val > 0 ? 1 : 0, [[a, sg(a.val)]]);
/** Same value, no gradient (torch's `detach`). */
export const detach = (a: V): V => new V(a.val);

/** Resets the tape (call before building a graph). */
export const reset = (): void => {
  V.tape = [];
};

/** Backpropagates from `loss` through every node created since {@link reset}. */
export const backward = (loss: V): void => {
  loss.grad = 1;
  for (let k = V.tape.length - 1; k >= 0; k--) {
    const v = V.tape[k] as V;
    if (v.grad === 0) continue;
    for (const [p, g] of v.parents) p.grad += v.grad * g;
  }
};
