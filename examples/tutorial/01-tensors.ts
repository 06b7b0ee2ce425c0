/**
 * Tutorial step 1: tensors and their shapes (the seed notebook's "Working with Tensors").
 * Run: `npx tsx examples/tutorial/01-tensors.ts`
 * @module
 */
import { formatTensor, showShape, type Tensor, tensor } from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** What step 1 builds: a vector, a matrix and a 2×2×2 tensor. */
export interface TensorsResult {
  readonly v: Tensor;
  readonly m: Tensor;
  readonly t: Tensor;
}

/** Builds a vector, a matrix and a 2×2×2 tensor and prints each with its shape. */
export const tensorsAndShapes = (print: Print = console.log): TensorsResult => {
  // #region tutorial
  // A tensor is a list of numbers plus a shape. A vector has one dimension:
  const v = tensor([1, 2]);
  print(formatTensor(v));

  // The same notation with nested lists gives a matrix (two dimensions):
  const m = tensor([
    [1, 2],
    [3, 4],
  ]);
  print(formatTensor(m));

  // ...and one more level of nesting a tensor of 2×2×2 numbers (a cube):
  const t = tensor([
    [
      [1, 2],
      [3, 4],
    ],
    [
      [5, 6],
      [7, 8],
    ],
  ]);
  print(formatTensor(t));

  // The shape says how many entries each dimension holds, outermost first.
  // Always know the shape of the tensor you are working with!
  print(`v.shape = ${showShape(v.shape)}`);
  print(`m.shape = ${showShape(m.shape)}`);
  print(`t.shape = ${showShape(t.shape)}`);
  print(
    `tensor([[1, 2, 3], [4, 5, 6]]).shape = ${showShape(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]).shape,
    )}`,
  );
  // #endregion
  return { v, m, t };
};

runIfMain(import.meta.url, tensorsAndShapes);
