import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type STDPState, stdpInitialState, stdpStepLinear } from '../../src/ops/plasticity/stdpLinear.js';
import { stpRun, stpStep, type TsodyksMarkramState, tsodyksMarkramInitialState } from '../../src/ops/plasticity/tsodyksMarkram.js';
import { concat, full, reshape, slice, type Tensor, tensor } from '../../src/ops/tensor.js';
import { expectArgumentError } from '../expect.js';
import { fromNorse, loadTrace, maxAbsError, maxRelError } from '../golden.js';

const flat = (t: Tensor): number[] => Array.from(t.data);

/** Runs `stdp_step_linear` over a trace and returns the max abs error of w, t_pre, t_post. */
const runStdpTrace = (algorithm: string) => {
  const trace = loadTrace(`stdp_linear_${algorithm}.json`);
  const input = trace.input as unknown as { pre: number[][]; post: number[][] };
  const params = { ...fromNorse(trace.params), stdpAlgorithm: algorithm };
  const step = stdpStepLinear(params, trace.dt);
  let w = full([3, 4], 0.5, 'float64');
  let state: STDPState | undefined;
  const ws: Tensor[] = [];
  const pres: Tensor[] = [];
  const posts: Tensor[] = [];
  input.pre.forEach((pre, t) => {
    [w, state] = step(tensor([pre], 'float64'), tensor([input.post[t] as number[]], 'float64'), w, state);
    ws.push(reshape(w, [1, 12]));
    pres.push(state.tPre);
    posts.push(state.tPost);
  });
  const expectedW = (trace.outputs.w as unknown as number[][][]).map((m) => m.flat());
  return {
    w: maxAbsError(concat(ws), expectedW),
    tPre: maxAbsError(concat(pres), trace.outputs.t_pre as number[][]),
    tPost: maxAbsError(concat(posts), trace.outputs.t_post as number[][]),
    moved: expectedW[199]?.some((v) => v !== 0.5) ?? false,
  };
};

describe('STDP for linear weights (Norse stdp_step_linear)', () => {
  for (const algorithm of ['additive', 'additive_step', 'multiplicative_pow', 'multiplicative_relu']) {
    it(`matches Norse's ${algorithm} trace bit for bit (w, t_pre, t_post)`, () => {
      expect(runStdpTrace(algorithm)).toEqual({ w: 0, tPre: 0, tPost: 0, moved: true });
    });
  }

  it('one step by hand: traces jump by dt·τ⁻¹·a, weights move by η·trace', () => {
    // dt·τ⁻¹ = 0.001·20 = 0.02. Pre neuron 0 and post neuron 1 spike together from zero traces:
    // t_pre = [0.02, 0], t_post = [0, 0.02]; Δw⁺[1,0] = η·1·0.02, Δw⁻[1,0] = η·0.02·1: they cancel.
    const step = stdpStepLinear({ etaPlus: 0.5, etaMinus: 0.25 });
    const w0 = full([2, 2], 0.5, 'float64');
    const [w1, s1] = step(tensor([[1, 0]], 'float64'), tensor([[0, 1]], 'float64'), w0);
    expect(flat(s1.tPre)).toEqual([0.02, 0]);
    expect(flat(s1.tPost)).toEqual([0, 0.02]);
    expect(flat(w1)).toEqual([0.5, 0.5, 0.5 + (0.5 * 0.02 - 0.25 * 0.02), 0.5]);
    // Next step post neuron 0 spikes alone: potentiation of w[0,0] by η₊·t_pre[0] (decayed trace).
    const [w2, s2] = step(tensor([[0, 0]], 'float64'), tensor([[1, 0]], 'float64'), w1, s1);
    const tPre0 = 0.02 + 0.02 * -0.02;
    expect(s2.tPre.data[0]).toBe(tPre0);
    expect(w2.data[0]).toBe(0.5 + 0.5 * tPre0);
    expect(flat(w0)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('keeps weights within [wMin, wMax] under hardbound, for every rule (property)', () => {
    const spikes = fc.array(fc.constantFrom(0, 1), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.constantFrom('additive', 'additive_step', 'multiplicative_pow', 'multiplicative_relu'),
        fc.array(fc.tuple(spikes, spikes), { minLength: 1, maxLength: 30 }),
        (algorithm, steps) => {
          const step = stdpStepLinear({
            stdpAlgorithm: algorithm as 'additive',
            etaPlus: 0.9,
            etaMinus: 0.9,
            mu: 0.5,
            wMin: -0.5,
            wMax: 0.5,
          });
          let w = full([3, 3], 0, 'float64');
          let s = stdpInitialState(2, 3, 3, 'float64');
          const outside: number[] = [];
          for (const [pre, post] of steps) {
            [w, s] = step(reshape(tensor(pre, 'float64'), [2, 3]), reshape(tensor(post, 'float64'), [2, 3]), w, s);
            outside.push(...Array.from(w.data).filter((v) => !(v >= -0.5 && v <= 0.5)));
          }
          expect(outside).toEqual([]);
        },
      ),
    );
  });

  it('rejects wrong weight shapes, NaN, bad dt and parameters', () => {
    const step = stdpStepLinear();
    const pre = tensor([[1, 0, 1, 0]], 'float64');
    const post = tensor([[0, 1, 0]], 'float64');
    expectArgumentError(() => step(pre, post, full([4, 3], 0.5, 'float64')), 'w', 'w must have shape [3, 4], received [4, 3]');
    expectArgumentError(() => step(pre, post, full([12], 0.5, 'float64')), 'w', 'must be a matrix');
    expectArgumentError(
      () =>
        step(
          pre,
          tensor(
            [
              [0, 1, 0],
              [0, 0, 0],
            ],
            'float64',
          ),
          full([3, 4], 0.5, 'float64'),
        ),
      'zPost',
      'batch size 2',
    );
    expectArgumentError(
      () =>
        step(
          pre,
          post,
          tensor(
            [
              [0.5, 0.5, 0.5, Number.NaN],
              [0, 0, 0, 0],
              [0, 0, 0, 0],
            ],
            'float64',
          ),
        ),
      'w',
      'NaN at index [0, 3]',
    );
    expectArgumentError(() => step(pre, post, full([3, 4], 0.5, 'float32')), 'w', 'dtype');
    expectArgumentError(
      () => step(pre, post, full([3, 4], 0.5, 'float64'), stdpInitialState(1, 3, 3, 'float64')),
      'state.tPre',
      'shape [1, 4]',
    );
    expectArgumentError(() => stdpStepLinear({}, 0), 'dt', '> 0');
    expectArgumentError(() => stdpStepLinear({ wMin: 1, wMax: 1 }), 'wMax', 'greater than wMin');
    expectArgumentError(() => stdpStepLinear({ stdpAlgorithm: 'hebbian' as never }), 'stdpAlgorithm', 'must be one of');
    expectArgumentError(() => stdpStepLinear({ etaPlus: -1 }), 'etaPlus', '>= 0');
    expectArgumentError(() => stdpStepLinear({ tauPreInv: Number.NaN }), 'tauPreInv', 'finite');
    expectArgumentError(() => stdpInitialState(0, 1, 1), 'batch');
  });
});

describe('Tsodyks–Markram short-term plasticity (Norse stp_step)', () => {
  const trace = loadTrace('stp_tsodyks_makram_default.json');
  const zs = reshape(tensor(trace.input, 'float64'), [200, 1, 4]);

  it("matches Norse's trace bit for bit (out, u, x) with Norse's default parameters", () => {
    const p = fromNorse(trace.params);
    expect(p).toEqual({ tauFInv: 1 / 50e-3, tauSInv: 1 / 20e-3, tauDInv: 1 / 750e-3, U: 0.45 });
    const [out, , rec] = stpRun({}, trace.dt, { record: true })(zs);
    const r = rec as TsodyksMarkramState;
    expect(maxAbsError(reshape(out, [200, 4]), trace.outputs.out as number[][])).toBe(0);
    expect(maxAbsError(reshape(r.u, [200, 4]), trace.outputs.u as number[][])).toBe(0);
    expect(maxAbsError(reshape(r.x, [200, 4]), trace.outputs.x as number[][])).toBe(0);
  });

  it('float32 runs stay within float32 precision of the float64 trace', () => {
    const [out, , rec] = stpRun({}, trace.dt, { record: true })(reshape(tensor(trace.input, 'float32'), [200, 1, 4]));
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(maxRelError(reshape(out, [200, 4]), trace.outputs.out as number[][])).toBeLessThan(1e-6);
    expect(maxRelError(reshape((rec as TsodyksMarkramState).x, [200, 4]), trace.outputs.x as number[][])).toBeLessThan(1e-6);
  });

  it('first spike by hand: u jumps to U, efficacy U·x, resources drop to 1 − U', () => {
    const [out, s] = stpStep()(tensor([[1, 0]], 'float64'));
    expect(flat(out)).toEqual([0.45, 0]);
    expect(flat(s.u)).toEqual([0.45, 0]);
    expect(flat(s.x)).toEqual([1 - 0.45, 1]);
  });

  it('steps and chunks equal one run (property)', () => {
    const [whole, last] = stpRun()(zs);
    fc.assert(
      fc.property(fc.nat(200), (cut) => {
        const [a, s] = stpRun()(slice(zs, 0, cut));
        const [b, s2] = stpRun()(slice(zs, cut), s);
        expect(flat(concat([a, b]))).toEqual(flat(whole));
        expect(flat(s2.x)).toEqual(flat(last.x));
      }),
      { numRuns: 20 },
    );
    let s: TsodyksMarkramState = tsodyksMarkramInitialState([1, 4], 'float64');
    const outs: number[] = [];
    for (let t = 0; t < 200; t++) {
      const [o, next] = stpStep()(reshape(slice(zs, t, t + 1), [1, 4]), s);
      outs.push(...flat(o));
      s = next;
    }
    expect(outs).toEqual(flat(whole));
  });

  it('rejects bad input, state, dt and parameters', () => {
    expectArgumentError(() => stpRun()(tensor([[[Number.NaN]]], 'float64')), 'input', 'NaN');
    expectArgumentError(() => stpRun()(zs, tsodyksMarkramInitialState([1, 3], 'float64')), 'state.u', 'does not match');
    expectArgumentError(() => stpRun()(zs, tsodyksMarkramInitialState([1, 4], 'float32')), 'state.u', 'dtype');
    expectArgumentError(() => stpStep({}, 0), 'dt');
    expectArgumentError(() => stpStep({ U: 1.5 }), 'U', '[0, 1]');
    expectArgumentError(() => stpStep({ tauDInv: -1 }), 'tauDInv', '> 0');
    expectArgumentError(() => stpRun({}, 0.001, { rec: true } as never), 'options');
  });
});
