import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { buildNetwork } from '../../src/neurons/sequentialJson.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearInit } from '../../src/ops/linear.js';
import { full } from '../../src/ops/tensor.js';

describe('networks from JSON descriptions', () => {
  it('chains sizes and equals the same layers composed by hand', () => {
    const net = buildNetwork(
      {
        layers: [
          { type: 'linear', out: 5, seed: 3 },
          { type: 'lif', params: { vTh: 0.2 } },
        ],
      },
      4,
    );
    expect(net.layers.map((l) => [l.name, l.size])).toEqual([
      ['Linear', 5],
      ['LIF', 5],
    ]);
    const xs = full([20, 2, 4], 0.5);
    const [out] = net.layer.run(xs);
    const [expected] = lif.run({ vTh: 0.2 })(linear(linearInit(4, 5, { seed: 3 }))(xs));
    expect(out.shape).toEqual([20, 2, 5]);
    expect(Array.from(out.data)).toEqual(Array.from(expected.data));
  });

  it('builds recurrent layers with seeded weights of the right shapes', () => {
    const net = buildNetwork({ layers: [{ type: 'LIFRecurrent', size: 7, seed: 1 }, { type: 'linear', out: 2 }, { type: 'LI' }] }, 3);
    const [out, state] = net.layer.run(full([10, 1, 3], 1));
    expect(out.shape).toEqual([10, 1, 2]);
    expect((state[0] as { v: { shape: number[] } }).v.shape).toEqual([1, 7]);
    const again = buildNetwork({ layers: [{ type: 'LIFRecurrent', size: 7, seed: 1 }, { type: 'linear', out: 2 }, { type: 'LI' }] }, 3);
    expect(Array.from(again.layer.run(full([10, 1, 3], 1))[0].data)).toEqual(Array.from(out.data));
  });

  it('rejects unknown types, keys and bad sizes with the layer index', () => {
    expect(() => buildNetwork({ layers: [{ type: 'conv' }] }, 3)).toThrow(/layers\[0\].type "conv" is not linear, relu or a neuron model/);
    expect(() => buildNetwork({ layers: [{ type: 'linear', out: 0 }] }, 3)).toThrow(
      /layers\[0\].out must be a positive integer, received 0/,
    );
    expect(() => buildNetwork({ layers: [{ type: 'lif', size: 3, foo: 1 } as never] }, 3)).toThrow(/unknown key "foo"/);
    expect(() => buildNetwork({ layers: [] }, 3)).toThrow(SpikeflowError);
    expect(() => buildNetwork({ layers: [{ type: 'LIF', size: 7 }] }, 3)).toThrow(
      /layers\[0\].size is only for recurrent layers: a LIF layer keeps its input size \(3\)/,
    );
    expect(() => buildNetwork({ layers: [{ type: 'linear', out: 2, seed: 1.5 }] }, 3)).toThrow(
      /layers\[0\].seed must be an integer, received 1.5/,
    );
    expect(() => buildNetwork({ layers: [{ type: 'lif', params: { vTh: Number.NaN } }] }, 3)).toThrow(
      /vTh must be a finite number, received NaN/,
    );
  });
});
