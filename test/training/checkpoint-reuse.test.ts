/**
 * `forwardBackward` with `memory: { checkpoint | truncate }` over a network whose layers reuse
 * their outputs (`outputs: 'reuse'`): the segments' forward passes without a tape return the same
 * outputs array each time, so the loss must be taken over copies. Loss and every gradient equal
 * the network with fresh outputs bit for bit (before: the last segment's outputs stood for every
 * segment — loss 4.49 instead of 3.09 with checkpoint 10, wrong gradients, no error).
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { fromTypedArray } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import { forwardBackward, type MemoryOptions } from '../../src/training/train.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';

const [T, B, N, C] = [40, 2, 200, 10];
const { next } = uniformSource(3);
const xs = fromTypedArray(
  Float32Array.from({ length: T * B * N }, () => next() * 3),
  [T, B, N],
);
const net = (outputs: 'fresh' | 'reuse') =>
  trainableSequential(trainable(lif, {}, 0.001, { outputs }), trainableLinear([N, C], { seed: 1 }), trainable(li, {}, 0.001, { outputs }));

describe('forwardBackward in segments with reused outputs', () => {
  const cases: MemoryOptions[] = [{ checkpoint: 10 }, { checkpoint: 15 }, { truncate: 10 }];
  for (const memory of cases) {
    it(`${JSON.stringify(memory)}: loss and gradients equal the fresh network's`, () => {
      const fresh = net('fresh');
      const reuse = net('reuse');
      const lf = forwardBackward(fresh, xs, [1, 4], undefined, memory);
      const lr = forwardBackward(reuse, xs, [1, 4], undefined, memory);
      expect(lr.loss.loss).toBe(lf.loss.loss);
      expect(lr.layers[0]?.out.data).toEqual(lf.layers[0]?.out.data);
      for (const name of Object.keys(fresh.grads)) expect(reuse.grads[name], name).toEqual(fresh.grads[name]);
      expect(fresh.grads['1.weight']?.some((v) => v !== 0)).toBe(true);
    });
  }
});
