/**
 * A sequence whose LIF layer reuses its outputs (`outputs: 'reuse'`): the next layer's tape reads
 * that layer's outputs array, so a backward pass over the tape of an earlier forward pass (a later
 * forward pass overwrote the array) is refused by `trainableSequential` before any layer runs —
 * no gradient changed. Before, the linear map's backward pass ran first over the overwritten
 * spikes and accumulated a wrong ∂W, then the LIF layer refused. Sequences of fresh layers keep
 * accepting an older tape, with the exact gradients.
 */
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { uniformSource } from '../../src/training/data.js';
import { trainableLinear } from '../../src/training/linear.js';
import { trainable } from '../../src/training/neurons.js';
import { trainableSequential } from '../../src/training/trainableSequential.js';

const [T, B, N, O] = [20, 2, 300, 7];
const { next: rnd } = uniformSource(5);
const input = (): Tensor =>
  fromTypedArray(
    Float32Array.from({ length: T * B * N }, () => rnd() * 4),
    [T, B, N],
  );
const x1 = input();
const x2 = input();
const gOut = Float64Array.from({ length: T * B * O }, () => rnd() - 0.5);
const stack = (outputs: 'fresh' | 'reuse') =>
  trainableSequential(trainable(lif, {}, 0.001, { outputs }), trainableLinear([N, O], { seed: 1 }));
const sumAbs = (a: Float64Array): number => a.reduce((s, v) => s + Math.abs(v), 0);

describe('trainableSequential: a tape whose reused outputs a later forward pass overwrote', () => {
  it('is refused before any layer runs: every gradient stays zero', () => {
    const net = stack('reuse');
    const t1 = net.forward(x1).tape;
    net.forward(x2);
    expect(() => net.backward(t1, gOut)).toThrow(/layer 0 \(LIF\) wrote a later forward pass's outputs/);
    expect(sumAbs(net.grads['1.weight'] as Float64Array)).toBe(0);
    expect(sumAbs(net.grads['1.bias'] as Float64Array)).toBe(0);
  });

  it('is refused after a forward pass without a tape too, and the last tape still runs exactly', () => {
    const net = stack('reuse');
    const t1 = net.forward(x1).tape;
    net.forward(x2, undefined, { tape: false });
    expect(() => net.backward(t1, gOut)).toThrow(/trainableSequential\.backward: layer 0/);
    const t2 = net.forward(x1).tape;
    const gx = Float64Array.from(net.backward(t2, gOut).gx as Float64Array);
    const ref = stack('fresh');
    const gxRef = ref.backward(ref.forward(x1).tape, gOut).gx as Float64Array;
    expect(gx).toEqual(gxRef);
    expect(net.grads['1.weight']).toEqual(ref.grads['1.weight']);
    expect(sumAbs(gxRef)).toBeGreaterThan(0);
  });

  it('a later forward pass with another batch size (new arrays, none overwritten) is refused before any layer runs too', () => {
    // Before: the arrays differ, so the sequence let it through; the linear map's backward pass
    // accumulated ∂W and ∂b, and only then the LIF layer refused its tape.
    const xBig = fromTypedArray(
      Float32Array.from({ length: T * 2 * B * N }, () => rnd() * 4),
      [T, 2 * B, N],
    );
    for (const nested of [false, true]) {
      const inner = stack('reuse');
      const net = nested ? trainableSequential(inner) : inner;
      const r1 = net.forward(x1);
      const r2 = net.forward(xBig);
      expect(r2.layers?.[0]?.out.data).not.toBe(r1.layers?.[0]?.out.data);
      expect(() => net.backward(r1.tape, gOut)).toThrow(
        new RegExp(
          `^trainableSequential\\.backward: ${nested ? 'layer 0 \\(Sequential\\(LIF, Linear\\(300→7\\)\\)\\) refuses this tape: ' : ''}` +
            'layer 0 \\(LIF\\) refuses this tape: with options\\.outputs "reuse" a backward pass needs the tape of the last forward pass, ' +
            'received the tape of an earlier one .* \\(no gradient was changed\\)$',
        ),
      );
      expect(sumAbs(inner.grads['1.weight'] as Float64Array)).toBe(0);
      expect(sumAbs(inner.grads['1.bias'] as Float64Array)).toBe(0);
      // the last tape still runs
      const gBig = Float64Array.from({ length: T * 2 * B * O }, () => rnd() - 0.5);
      expect(sumAbs(net.backward(r2.tape, gBig).gx as Float64Array)).toBeGreaterThan(0);
    }
  });

  it('a sequence of fresh layers accepts an older tape, with its exact gradients', () => {
    const ref = stack('fresh');
    const gxRef = ref.backward(ref.forward(x1).tape, gOut).gx as Float64Array;
    const net = stack('fresh');
    const t1 = net.forward(x1).tape;
    net.forward(x2);
    expect(net.backward(t1, gOut).gx).toEqual(gxRef);
    expect(net.grads['1.weight']).toEqual(ref.grads['1.weight']);
  });
});
