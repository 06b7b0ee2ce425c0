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

  it("names the path of a layer's bad parameter, value or shape (layers[k].params.name), at build", () => {
    const err = (layers: unknown[]): SpikeflowError => {
      try {
        buildNetwork({ layers } as never, 3);
      } catch (e) {
        if (e instanceof SpikeflowError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    const a = err([
      { type: 'linear', out: 4 },
      { type: 'LIF', params: { tauMemInv: -5 } },
    ]);
    expect(a.message).toBe('network: layers[1].params.tauMemInv (LIF): tauMemInv must be > 0, received -5');
    expect(a.argument).toBe('layers[1].params.tauMemInv');
    expect(err([{ type: 'LIF', params: { vth: 1 } }]).message).toMatch(
      /^network: layers\[0\]\.params\.vth \(LIF\): unknown parameter "vth"/,
    );
    // a per-neuron value that does not fit the layer: found at build, not at the first chunk
    expect(err([{ type: 'LIF', params: { vTh: [1, 2] } }]).message).toMatch(/^network: layers\[0\]\.params\.vTh \(LIF\): .*shape \[2\]/);
    // recurrent weights of the wrong shape
    const w = err([{ type: 'LIFRecurrent', size: 5, params: { inputWeights: [[1]] } }]);
    expect(w.argument).toBe('layers[0].params.inputWeights');
    expect(w.message).toBe("network: layers[0].params.inputWeights must be [5, 3] (size × the layer's 3 inputs), received a [1, 1] array");
    expect(err([{ type: 'LIFRecurrent', size: 2, params: { recurrentWeights: [[1, 2], [3]] } }]).message).toMatch(
      /layers\[0\]\.params\.recurrentWeights must be \[2, 2\] \(size × size\), received a ragged array/,
    );
    // the right shapes pass
    expect(() =>
      buildNetwork({ layers: [{ type: 'LIFRecurrent', size: 1, params: { inputWeights: [[1, 1, 1]], recurrentWeights: [[0]] } }] }, 3),
    ).not.toThrow();
  });

  it('refuses keys of the wrong kind or type instead of ignoring them', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'linear', out: 2, bias: 3 }, /layers\[0\]\.bias must be true or false, received 3/],
      [{ type: 'LIF', params: 3 }, /layers\[0\]\.params must be an object of neuron parameters, received 3/],
      [{ type: 'LIF', params: [1] }, /layers\[0\]\.params must be an object/],
      [{ type: 'LIF', out: 5 }, /layers\[0\]\.out is for linear layers; a neuron layer keeps its input size/],
      [{ type: 'LIF', bias: false }, /layers\[0\]\.bias is for linear layers/],
      [{ type: 'linear', out: 2, params: { vTh: 1 } }, /layers\[0\]\.params is for neuron layers/],
      [{ type: 'linear', out: 2, size: 4 }, /layers\[0\]\.size is for recurrent neuron layers/],
      [{ type: 'relu', seed: 1 }, /layers\[0\]\.seed does not apply to a relu layer/],
    ];
    for (const [layer, message] of cases) expect(() => buildNetwork({ layers: [layer] } as never, 3)).toThrow(message);
  });
});
