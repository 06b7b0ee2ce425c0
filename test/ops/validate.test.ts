/**
 * One validation module (src/ops/validate.ts): the checks of a record collect every problem
 * (fp-ts Either validation) and throw once, naming each argument, what was expected and what was
 * received; a single problem keeps the message of a single check.
 */
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { lifRecurrent } from '../../src/neurons/lifRecurrent.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { tensor } from '../../src/ops/tensor.js';
import { checkKnownKeys, checkOptions, scalarParameters, scalarParametersV, validateFields } from '../../src/ops/validate.js';
import { catchSpikeflowError } from '../expect.js';

const specs = {
  tauInv: { kind: 'number', default: 100, range: 'positive' },
  w: { kind: 'number', default: 0, range: 'finite' },
  mode: { kind: 'enum', default: 'a', options: ['a', 'b'] },
  on: { kind: 'boolean', default: true },
} as const;

describe('parameter records report every problem together', () => {
  it('a neuron model lists an unknown name and every bad value in one error, in spec order', () => {
    const e = catchSpikeflowError(() => lif.parameters({ vTh: Number.NaN, tauMemInv: -1, vth: 1 } as never));
    expect(e.where).toBe('lif.parameters');
    expect(e.problems.map((p) => p.argument)).toEqual(['vth', 'tauMemInv', 'vTh']);
    expect(e.argument).toBe('vth');
    expect(e.message).toBe(
      'lif.parameters: 3 problems: (1) unknown parameter "vth"; expected one of ' +
        `${Object.keys(lif.specs).join(', ')}; (2) tauMemInv must be > 0, received -1; (3) vTh must be a finite number, received NaN`,
    );
  });

  it('a single bad value keeps the message of a single check', () => {
    const e = catchSpikeflowError(() => lif.run({ tauMemInv: -1 }));
    expect(e.message).toBe('lif.parameters: tauMemInv must be > 0, received -1');
    expect(e.argument).toBe('tauMemInv');
    expect(e.problems).toEqual([{ argument: 'tauMemInv', message: 'tauMemInv must be > 0, received -1' }]);
  });

  it('per-neuron tensors, enums and missing weight matrices are collected with the rest', () => {
    const e = catchSpikeflowError(() =>
      lifRecurrent.parameters({ vTh: [1, 0.5, Number.POSITIVE_INFINITY], method: 'nope' as 'super' } as never),
    );
    expect(e.problems.map((p) => p.argument)).toEqual(['vTh', 'method', 'inputWeights', 'recurrentWeights']);
    expect(e.message).toContain('vTh[2] must be a finite number, received Infinity');
    expect(e.message).toContain('method must be one of "super"');
    expect(e.message).toContain('inputWeights is required (a [rows, cols] weight matrix)');
    expect(e.message).toContain('recurrentWeights is required');
  });

  it('a valid record is returned whole, defaults filled, in spec order', () => {
    const p = lifRecurrent.parameters({ inputWeights: [[1, 2]], recurrentWeights: tensor([[0]], 'float64') });
    expect(Object.keys(p)).toEqual(Object.keys(lifRecurrent.specs));
    expect(p.inputWeights.shape).toEqual([1, 2]);
  });

  it('scalarParameters collects unknown names and every bad value', () => {
    const e = catchSpikeflowError(() => scalarParameters('f', specs, { tauInv: 0, w: 'x', mode: 'c', on: 1, z: 1, y: 2 }));
    expect(e.problems.map((p) => p.argument)).toEqual(['z', 'tauInv', 'w', 'mode', 'on']);
    expect(e.problems[0]?.message).toBe('unknown parameters "z", "y"; expected one of tauInv, w, mode, on');
    expect(e.message).toMatch(/^f: 5 problems: \(1\) unknown parameters "z", "y"; .*\(5\) on must be true or false, received 1$/);
    expect(scalarParameters('f', specs, { w: -2 })).toEqual({ tauInv: 100, w: -2, mode: 'a', on: true });
  });

  it('a record that is not an object is one problem', () => {
    const v = scalarParametersV(specs, [1, 2]);
    expect(v._tag === 'Left' && v.left).toEqual([{ argument: 'parameters', message: 'parameters must be an object, received [1, 2]' }]);
  });

  it('validateFields keeps key order and collects failures of every field', () => {
    const ok = validateFields([
      ['b', { _tag: 'Right', right: 1 }],
      ['a', { _tag: 'Right', right: 2 }],
    ]);
    expect(ok._tag === 'Right' && Object.keys(ok.right)).toEqual(['b', 'a']);
    const bad = validateFields<number>([
      ['b', { _tag: 'Left', left: [{ argument: 'b', message: 'b bad' }] }],
      ['a', { _tag: 'Right', right: 2 }],
      ['c', { _tag: 'Left', left: [{ argument: 'c', message: 'c bad' }] }],
    ]);
    expect(bad._tag === 'Left' && bad.left.map((p) => p.argument)).toEqual(['b', 'c']);
  });

  it('unknown names and options are all named', () => {
    expect(() => checkKnownKeys('g', ['a'], { b: 1, c: 2 })).toThrow('g: unknown parameters "b", "c"; expected one of a');
    expect(() => checkOptions('g', { x: 1, y: 2 } as object, ['record'])).toThrow('g: unknown options "x", "y"; expected record');
    expect(() => checkOptions('g', { x: 1 } as object, ['record'])).toThrow('g: unknown option "x"; expected record');
    expect(new SpikeflowError('h', 'a', 'm').problems).toEqual([{ argument: 'a', message: 'm' }]);
  });
});
