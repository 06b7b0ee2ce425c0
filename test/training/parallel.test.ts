/**
 * The training passes split over the threads backend's worker pool (`src/training/kernels/parallel.ts`,
 * registered by `src/ops/backends/threads/training.ts`) equal the one-thread passes bit for bit:
 * LIF → Linear → LI forward and backward, float32 and float64, sizes that cut the slices raggedly
 * (neurons not a multiple of 16, inputs not a multiple of 32, outputs not a multiple of 8), input
 * in ordinary memory (staged) and in shared memory. Each output element is computed by one thread
 * in the one-thread order, so no tolerance is needed. The linear forward pass is split by rows
 * and by outputs (one shape each).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import { activeWorkers, terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import '../../src/ops/backends/threads/training.js';
import { allocateShared, type DType, fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { lastLinearForwardSplit, lastThreads, setTrainingThreads } from '../../src/training/kernels/parallel.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';

// T·B·N ≥ 2 × 65 536 neuron-steps, rows·N·O ≥ 2 × 2e6 multiply-adds: the passes split in two.
// B·N = 3306 neurons: 16-neuron slices end raggedly; N = 34·32 + 14 inputs. The linear forward
// pass splits by rows when rows (T·B) > outputs, else by outputs: one shape of each.
const shapes = [
  { T: 40, B: 3, N: 1102, O: 37, split: 'rows' },
  { T: 20, B: 3, N: 2302, O: 64, split: 'outputs' },
] as const;
let T = 40;
let B = 3;
let N = 1102;
let O = 37;

const input = (dtype: DType, shared: boolean): Tensor => {
  const rng = uniformSource(7);
  const a = shared ? allocateShared(dtype, T * B * N) : dtype === 'float64' ? new Float64Array(T * B * N) : new Float32Array(T * B * N);
  for (let k = 0; k < a.length; k++) a[k] = 0.6 * rng.next();
  return fromTypedArray(a, [T, B, N]);
};

const pass = (threads: number, dtype: DType, shared: boolean) => {
  setTrainingThreads(threads);
  try {
    const net = trainableSequential(trainable(lif), trainableLinear([N, O], { seed: 3, dtype }), trainable(li));
    const xs = input(dtype, shared);
    const r = net.forward(xs);
    const g = new Float64Array(r.out.data.length).map((_, k) => Math.sin(k));
    const b = net.backward(r.tape, g);
    expect(lastThreads).toEqual({ lifFwd: threads, lifBwd: threads, linFwd: threads, linBwd: threads });
    return {
      out: Float64Array.from(r.out.data),
      gx: Float64Array.from(b.gx as Float64Array),
      grads: Object.values(net.grads).map((a) => Float64Array.from(a)),
    };
  } finally {
    setTrainingThreads(undefined);
  }
};

/** Index of the first element that differs (Object.is), −1 when equal. */
const firstDiff = (a: Float64Array, b: Float64Array): number => {
  if (a.length !== b.length) return -2;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
};

/** The same stack with the public per-layer option `threads` (no process-wide setting). */
const passWithOption = (threads: number, dtype: DType) => {
  const net = trainableSequential(
    trainable(lif, undefined, 0.001, { threads }),
    trainableLinear([N, O], { seed: 3, dtype, threads }),
    trainable(li, undefined, 0.001, { threads }),
  );
  const r = net.forward(input(dtype, true));
  const b = net.backward(
    r.tape,
    new Float64Array(r.out.data.length).map((_, k) => Math.sin(k)),
  );
  expect(lastThreads).toEqual({ lifFwd: threads, lifBwd: threads, linFwd: threads, linBwd: threads });
  return {
    out: Float64Array.from(r.out.data),
    gx: Float64Array.from(b.gx as Float64Array),
    gw: Float64Array.from(net.grads['1.weight'] as Float64Array),
  };
};

afterAll(async () => {
  await terminateThreads();
});

describe('training passes over threads', () => {
  for (const shape of shapes)
    for (const dtype of ['float32', 'float64'] as const)
      for (const shared of [false, true])
        it(`LIF → Linear → LI on 2 threads equals 1 thread bit for bit (${dtype}, input ${shared ? 'shared' : 'ordinary'}, linear forward split by ${shape.split})`, () => {
          ({ T, B, N, O } = shape);
          const one = pass(1, dtype, shared);
          const two = pass(2, dtype, shared);
          expect(lastLinearForwardSplit).toBe(shape.split);
          expect(activeWorkers()).toBeGreaterThanOrEqual(1);
          expect(one.out.some((v) => v !== 0)).toBe(true);
          expect(firstDiff(two.out, one.out)).toBe(-1);
          expect(firstDiff(two.gx, one.gx)).toBe(-1);
          expect(one.grads.length).toBe(2); // the linear map's weight and bias
          expect(two.grads.map((ga, k) => firstDiff(ga, one.grads[k] as Float64Array))).toEqual([-1, -1]);
          expect(one.grads[0]?.some((v) => v !== 0)).toBe(true);
        });

  it("the layers' threads option picks the thread count of every pass (1 or 2), results equal bit for bit", () => {
    ({ T, B, N, O } = shapes[0]);
    const one = passWithOption(1, 'float32');
    const two = passWithOption(2, 'float32');
    expect(one.out.some((v) => v !== 0)).toBe(true);
    expect([firstDiff(two.out, one.out), firstDiff(two.gx, one.gx), firstDiff(two.gw, one.gw)]).toEqual([-1, -1, -1]);
    expect(one.gw.some((v) => v !== 0)).toBe(true);
  });

  it('a threads option that is not an integer ≥ 1 is refused by name', () => {
    expect(() => trainable(lif, undefined, 0.001, { threads: 0 })).toThrow('trainable: options.threads must be an integer ≥ 1, received 0');
    expect(() => trainableLinear([4, 2], { threads: 1.5 })).toThrow('options.threads must be an integer ≥ 1, received 1.5');
    expect(() => trainable(lif, undefined, 0.001, { threads: 2, adjoint: 'derived' })).toThrow(
      'derived adjoints choose with options.backend',
    );
  });
});
