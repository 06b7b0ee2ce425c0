/**
 * Tutorial step 2: a linear map and ReLU, composed in sequence (the seed notebook's "PyTorch modules").
 * Run: `npx tsx examples/tutorial/02-linear-relu.ts`
 * @module
 */
import {
  formatTensor,
  linear,
  linearInit,
  linearLayer,
  linearParameters,
  relu,
  reluLayer,
  sequential,
  showShape,
  type Tensor,
  tensor,
} from 'spikeflow';
import { type Print, runIfMain } from './main.js';

/** What step 2 computes. */
export interface LinearReluResult {
  readonly relued: Tensor;
  readonly mapped: Tensor;
  readonly network: Tensor;
}

/** Applies ReLU, a linear map with chosen weights, and a Linear(2, 3) → ReLU network. */
export const linearAndRelu = (print: Print = console.log): LinearReluResult => {
  // #region tutorial
  // ReLU keeps positive numbers and replaces negative ones by 0.
  const relued = relu(tensor([-1, 1]));
  print(`relu([-1, 1]) = ${formatTensor(relued)}`);

  // A linear map computes y = W·x + b. Here we choose W and b ourselves:
  // y = 0.5·(-1) + 0.25·0.4 + 0.1 = -0.3
  const chosen = linearParameters([[0.5, 0.25]], [0.1]);
  const mapped = linear(chosen)(tensor([-1, 0.4]));
  print(`linear([-1, 0.4]) = ${formatTensor(mapped)}`);

  // Usually the weights start random. linearInit draws them (seeded, so every run agrees):
  const random = linearInit(2, 1, { seed: 0 });
  print(`random weight shape ${showShape(random.weight.shape)}, bias shape ${showShape(random.bias!.shape)}`);

  // sequential(...) feeds the output of one layer into the next: Linear(2 → 3), then ReLU.
  // With W = [[1, 0], [0, 1], [1, 1]] and no bias, [-2, 3] maps to [-2, 3, 1], and ReLU gives [0, 3, 1].
  const net = sequential(
    linearLayer(
      linearParameters([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
    ),
    reluLayer,
  );
  const [network] = net.run(tensor([-2, 3]));
  print(`${net.name}([-2, 3]) = ${formatTensor(network)}`);
  // #endregion
  return { relued, mapped, network };
};

runIfMain(import.meta.url, linearAndRelu);
