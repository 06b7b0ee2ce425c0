/** Bad input gets a clear error naming the argument, the expected and the received value. */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { iaf } from '../../src/neurons/iaf.js';
import { izhikevich } from '../../src/neurons/izhikevich.js';
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lifRefrac } from '../../src/neurons/lifRefrac.js';
import { linearLayer, sequential } from '../../src/neurons/sequential.js';
import { linear, linearInit, linearParameters } from '../../src/ops/linear.js';
import { fromTypedArray, full, tensor, zeros } from '../../src/ops/tensor.js';
import { fromTensor } from '../../src/streams/fromTensor.js';
import { layer } from '../../src/streams/layer.js';
import { expectSpikeflowError } from '../expect.js';

describe('neuron models reject bad input', () => {
  it('shape mismatch between input and state', () => {
    const state = lif.initialState([1, 4]);
    expectSpikeflowError(
      () => lif.step()(zeros([1, 5]), state),
      'lif.step: input shape [1, 5] does not match state shape [1, 4] (state.v)',
      'input',
    );
    expectSpikeflowError(() => lif.run()(zeros([10, 1, 5]), state), 'lif.run: input step shape [1, 5] does not match state shape [1, 4]');
  });

  it('input without a time dimension', () => {
    expectSpikeflowError(() => lif.run()(zeros([4])), 'lif.run: input must be [T, batch, ...] (time first), received shape [4]');
  });

  it('NaN or ±Infinity in the input names the first bad index', () => {
    const xs = full([3, 1, 2], 0.1);
    const data = Float32Array.from(xs.data);
    data[3] = Number.NaN;
    expectSpikeflowError(
      () => lif.run()(fromTypedArray(data, [3, 1, 2])),
      'input must be finite, received NaN at index [1, 0, 1]',
      'input',
    );
    data[3] = Number.POSITIVE_INFINITY;
    expectSpikeflowError(() => iaf.run()(fromTypedArray(data, [3, 1, 2])), 'received Infinity at index [1, 0, 1]');
  });

  it('NaN or ±Infinity in the state', () => {
    const s = lif.initialState([1, 2]);
    const v = Float32Array.from([0, Number.NEGATIVE_INFINITY]);
    expectSpikeflowError(
      () => lif.run()(zeros([2, 1, 2]), { ...s, v: fromTypedArray(v, [1, 2]) }),
      'state.v must be finite, received -Infinity at index [0, 1]',
      'state.v',
    );
  });

  it('NaN or ±Infinity in parameters', () => {
    expectSpikeflowError(() => lif.run({ vTh: Number.NaN }), 'lif.parameters: vTh must be a finite number, received NaN', 'vTh');
    expectSpikeflowError(() => lif.step({ tauMemInv: Number.POSITIVE_INFINITY }), 'tauMemInv must be a finite number, received Infinity');
  });

  it('dt <= 0', () => {
    expectSpikeflowError(() => lif.run({}, 0), 'lif.run: dt must be > 0, received 0', 'dt');
    expectSpikeflowError(() => lif.step({}, -0.001), 'lif.step: dt must be > 0, received -0.001', 'dt');
    expectSpikeflowError(() => lif.run({}, Number.NaN), 'dt must be a finite number, received NaN');
  });

  it('negative or zero (inverse) time constants', () => {
    expectSpikeflowError(() => lif.parameters({ tauSynInv: -200 }), 'tauSynInv must be > 0, received -200', 'tauSynInv');
    expectSpikeflowError(() => lifBox.parameters({ tauMemInv: 0 }), 'tauMemInv must be > 0, received 0', 'tauMemInv');
    expectSpikeflowError(() => lifRefrac.parameters({ rhoReset: -1 }), 'rhoReset must be >= 0, received -1', 'rhoReset');
  });

  it('mixed dtypes', () => {
    const s64 = lif.initialState([1, 2], {}, 'float64');
    expectSpikeflowError(
      () => lif.run()(zeros([3, 1, 2], 'float32'), s64),
      'state.v has dtype float64 but the input has dtype float32; mixed dtypes are not converted implicitly',
    );
    const w = linearParameters([[1, 2]], [0], 'float64');
    expectSpikeflowError(() => linear(w)(zeros([1, 2], 'float32')), 'linear: input dtype float32 does not match weight dtype float64');
  });

  it('unknown parameter names', () => {
    expectSpikeflowError(
      () => lif.parameters({ tau_mem_inv: 3 } as never),
      'unknown parameter "tau_mem_inv"; expected one of tauSynInv, tauMemInv',
      'tau_mem_inv',
    );
    expectSpikeflowError(() => lif.run({ vThreshold: 1 } as never), 'unknown parameter "vThreshold"');
  });

  it('unknown enum values and options', () => {
    expectSpikeflowError(
      () => lifBox.parameters({ resetMethod: 'zero' as never }),
      'resetMethod must be one of "value", "subtract", "none", received "zero"',
    );
    expectSpikeflowError(() => lif.run({}, 0.001, { recrod: true } as never), 'unknown option "recrod"; expected record');
  });

  it('state with missing or extra variables', () => {
    const s = lif.initialState([1, 2]);
    expectSpikeflowError(() => lif.run()(zeros([1, 1, 2]), { v: s.v } as never), 'state must have exactly v, i, received v');
    // same count, one name wrong; one extra; the right names in another order pass
    expectSpikeflowError(() => lif.run()(zeros([1, 1, 2]), { v: s.v, j: s.i } as never), 'state must have exactly v, i, received v, j');
    expectSpikeflowError(() => lif.run()(zeros([1, 1, 2]), { ...s, w: s.v } as never), 'state must have exactly v, i, received v, i, w');
    const [out] = lif.run()(zeros([1, 1, 2]), { i: s.i, v: s.v } as never);
    expect(Array.from(out.data)).toEqual([0, 0]);
  });

  it('recurrent weights of the wrong shape', () => {
    const p = {
      inputWeights: [[1, 0]],
      recurrentWeights: [
        [0, 1],
        [1, 0],
      ],
    };
    expectSpikeflowError(
      () => lifRecurrent.run(p)(zeros([2, 1, 2])),
      'lifRecurrent.run: recurrentWeights must have shape [1, 1] (one row and one column per neuron, as inputWeights ' +
        'has one row per neuron), received [2, 2]',
      'recurrentWeights',
    );
    // the argument named is the weights, with the shape they need for this input and the shape received
    expectSpikeflowError(
      () => lifRecurrent.run({ inputWeights: [[1, 0]], recurrentWeights: [[0]] })(zeros([2, 1, 3])),
      "lifRecurrent.run: inputWeights must have shape [1, 3] (one column per input: the input's steps have shape [1, 3]), " +
        'received [1, 2]',
      'inputWeights',
    );
    expectSpikeflowError(() => lifRecurrent.run({ recurrentWeights: [[0]] } as never), 'inputWeights is required');
  });
});

describe('tensors and linear maps reject bad input', () => {
  it('ragged nested arrays', () => {
    expectSpikeflowError(() => tensor([[1, 2], [3]]), 'ragged nested array: values[1] has shape [1] but values[0] has [2]');
  });
  it('data that does not fill the shape', () => {
    expectSpikeflowError(() => fromTypedArray(new Float32Array(5), [2, 3]), 'shape [2, 3] holds 6 elements but data has 5');
  });
  it('linear input whose last dimension differs from the weights', () => {
    const p = linearInit(3, 2, { seed: 1 });
    expectSpikeflowError(() => linear(p)(zeros([4, 5])), 'linear: input shape [4, 5] does not end in 3 (weight shape [2, 3])', 'input');
    expectSpikeflowError(() => linearParameters([[1, 2]], [1, 2]), 'bias must have shape [1], received shape [2]', 'bias');
    expectSpikeflowError(() => linearInit(0, 2), 'inFeatures must be a positive integer, received 0');
  });
  it('sequential with no layers or a wrong state', () => {
    expectSpikeflowError(() => sequential(), 'sequential: expected at least one layer, received none');
    const net = sequential(linearLayer(linearInit(2, 2)));
    expectSpikeflowError(() => net.run(zeros([1, 1, 2]), [1, 2] as never), 'state must be an array of 1 layer states');
  });

  it('points at the common mistakes: a model where a layer belongs, a tensor where parameters belong', () => {
    expectSpikeflowError(
      () => sequential(lif as never, li as never),
      'sequential: layers[0] is the neuron model LIF, not a layer: wrap it as neuron(lif, params?, dt?)',
      'layers[0]',
    );
    expectSpikeflowError(
      () => lif.run(zeros([2, 1, 3]) as never),
      'received a tensor of shape [2, 1, 3]; a model takes parameters first and the input after: lif.run(params, dt)(xs)',
      'p',
    );
  });

  it('tells a stream given a bare model (layer(lif)) to wrap it with neuron', async () => {
    const chunks = fromTensor(zeros([4, 1, 3]), { chunk: 2 }).pipe(layer(lif as never));
    await expect(lastValueFrom(chunks)).rejects.toThrow('as a layer of a stream or network, wrap it: layer(neuron(lif)), not layer(lif)');
  });

  it('checks parameter names and enum values in the type system too', () => {
    // each line is a compile error (npm run typecheck fails if it is not) and a run-time error
    // @ts-expect-error vth is not a parameter of lif (vTh is)
    expectSpikeflowError(() => lif.run({ vth: 1 }, 0.001), 'unknown parameter "vth"');
    // @ts-expect-error no such Izhikevich behaviour
    expectSpikeflowError(() => izhikevich.run({ behavior: 'tonic_spikingg' }, 0.001), 'behavior must be one of');
  });
});
