/**
 * The playground's demo NIR model: an untrained convolutional spiking network for N-MNIST-shaped
 * input `[2, 34, 34]` with seeded weights, built with spikeflow's `toNir` (so the page has a model
 * before the user drops one). Conv2d(2→8, 5×5, stride 2, padding 2) → LIF → SumPool2d(2) →
 * Flatten → Affine(512→10) → CubaLIF → output.
 * @module
 */

import { lif } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { toNir } from '../../src/nir/export.js';
import type { NirGraph } from '../../src/nir/graph.js';
import { seededGenerator, uniforms } from '../../src/ops/random.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';

/** Seeded uniform weights in `[lo, hi)` of the given shape. */
const weights = (shape: number[], seed: number, lo: number, hi: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const [u] = uniforms(seededGenerator(seed), n);
  return fromTypedArray(
    Float32Array.from(u, (x) => lo + (hi - lo) * x),
    shape,
  );
};

/** The demo graph (deterministic). */
export const demoGraph = (): NirGraph =>
  toNir(
    [
      { kind: 'conv2d', weight: weights([8, 2, 5, 5], 1, -0.2, 1), bias: weights([8], 2, -0.1, 0), stride: 2, padding: 2, name: 'conv' },
      { kind: 'neuron', model: lifBox, params: { tauMemInv: 100, vTh: 0.25 }, name: 'lif1' },
      { kind: 'sumPool2d', kernelSize: 2, name: 'pool' },
      { kind: 'flatten', name: 'flat' },
      { kind: 'linear', weight: weights([10, 512], 3, -0.5, 0.5), bias: weights([10], 4, 0, 0.02), name: 'fc' },
      { kind: 'neuron', model: lif, params: { vTh: 2 }, name: 'lif2' },
    ],
    { inputShape: [2, 34, 34], metadata: { description: 'spikeflow playground demo (untrained, seeded weights)' } },
  );
