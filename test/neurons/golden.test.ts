/**
 * Golden traces of the LIF family against Norse (test/fixtures/norse, produced by Norse's own code).
 * float64 and float32 files: bit for bit (max abs error 0, spikes identical). (float32 runs of the float64 traces cannot promise identical spikes: e.g. IAF
 * summing 0.1 ten times reaches 1.0000001 in float32 but 0.9999999999999999 in float64, so the
 * float32 neuron spikes one step earlier — as Norse's float32 run does.)
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { iaf } from '../../src/neurons/iaf.js';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lifRefrac, lifRefracRecurrent } from '../../src/neurons/lifRefrac.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { linearLayer, neuron, sequential } from '../../src/neurons/sequential.js';
import { linearParameters } from '../../src/ops/linear.js';
import type { DType, Tensor } from '../../src/ops/tensor.js';
import { fixtureDir, fromNorse, loadTrace, maxAbsError, seq, type Trace } from '../golden.js';

const family: Record<string, NeuronModel> = {
  LIF: lif as unknown as NeuronModel,
  LI: li as unknown as NeuronModel,
  LIBox: liBox as unknown as NeuronModel,
  LIFBox: lifBox as unknown as NeuronModel,
  IAF: iaf as unknown as NeuronModel,
  LIFRefrac: lifRefrac as unknown as NeuronModel,
  LIFRecurrent: lifRecurrent as unknown as NeuronModel,
  LIFRefracRecurrent: lifRefracRecurrent as unknown as NeuronModel,
};

const files = readdirSync(fixtureDir).filter((f) => f.endsWith('.json') && family[loadTrace(f).model] !== undefined);

const runTrace = (tr: Trace, dtype: DType): { outs: Tensor; rec: Record<string, Tensor> } => {
  const model = family[tr.model] as NeuronModel;
  const p: Record<string, unknown> = fromNorse(tr.params);
  if (model.recurrent) {
    p.inputWeights = tr.input_weights;
    p.recurrentWeights = tr.recurrent_weights_given;
  }
  const [outs, , rec] = model.run(p as never, tr.dt, { record: true })(seq(tr.input, dtype));
  return { outs, rec: rec as Record<string, Tensor> };
};

const spikesOf = (t: Tensor): number[] => Array.from(t.data);

describe('LIF family against Norse traces', () => {
  it('covers every model of the family with default and non-default parameters', () => {
    const seen = new Set(files.map((f) => `${loadTrace(f).model}/${loadTrace(f).param_set}`));
    for (const m of ['LIF', 'LI', 'LIBox', 'LIFBox', 'IAF', 'LIFRefrac']) {
      expect(seen.has(`${m}/default`)).toBe(true);
      expect(seen.has(`${m}/nondefault`)).toBe(true);
    }
    expect(seen.has('LIFRecurrent/default')).toBe(true);
    expect(seen.has('LIFRefracRecurrent/default')).toBe(true);
  });

  for (const file of files) {
    const tr = loadTrace(file);
    it(`${file} (${tr.dtype}) matches bit for bit`, () => {
      const { outs, rec } = runTrace(tr, tr.dtype);
      for (const [key, expected] of Object.entries(tr.outputs)) {
        const actual = key === 'z' || key === 'out' ? outs : (rec[key] as Tensor);
        if (key === 'z') expect(spikesOf(actual)).toEqual(expected.flat());
        // float32 runs round every operation with Math.fround, as torch's float32 kernels do, so
        // they match Norse's float32 traces exactly too (stricter than the 1e-6 relative asked).
        expect(maxAbsError(actual, expected), key).toBe(0);
      }
    });
  }
});

describe('LIF → Linear → LI network (Norse SequentialState)', () => {
  for (const name of ['a_const_0.3', 'b_const_per_neuron', 'c_sawtooth']) {
    it(`net_LIF_Linear_LI_${name} matches bit for bit`, () => {
      const tr = loadTrace(`net_LIF_Linear_LI_${name}.json`);
      const w = linearParameters(tr.linear_weight as number[][], tr.linear_bias as number[], 'float64');
      const net = sequential(neuron(lif, {}, tr.dt, { record: true }), linearLayer(w), neuron(li, {}, tr.dt, { record: true }));
      const [out, state, recorded] = net.run(seq(tr.input, 'float64'));
      const [lifRec, linearOut, liRec] = recorded as [Record<string, Tensor>, Tensor, Record<string, Tensor>];
      const o = tr.outputs;
      expect(maxAbsError(out, o.li_out as number[][])).toBe(0);
      expect(maxAbsError(lifRec.v as Tensor, o.lif_v as number[][])).toBe(0);
      expect(maxAbsError(lifRec.i as Tensor, o.lif_i as number[][])).toBe(0);
      expect(maxAbsError(linearOut, o.linear_out as number[][])).toBe(0);
      expect(maxAbsError(liRec.v as Tensor, o.li_v as number[][])).toBe(0);
      expect(maxAbsError(liRec.i as Tensor, o.li_i as number[][])).toBe(0);
      expect(state).toHaveLength(3);
      expect(state[1]).toBeUndefined();
    });
  }
});
