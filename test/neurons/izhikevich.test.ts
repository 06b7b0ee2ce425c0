/**
 * Izhikevich (2004), Fig. 1: the 20 behaviours under `figure1.m`'s protocol, in Izhikevich's
 * update order (`u` from the new `v`) and in Norse's. Tolerance, stated: in Izhikevich's order the
 * spike count equals `figure1.m`'s (a float64 replica of its loop) and the first spike is within
 * one step τ of it; in either order, whether the behaviour shows is judged from the spike times by
 * the paper's description of the panel (`izhikevichBehaviours.ts`).
 */
import { describe, expect, it } from 'vitest';
import { izhikevich } from '../../src/neurons/izhikevich.js';
import {
  IZHIKEVICH_NORSE_ORDER_HOLDS,
  type IzhikevichProtocol,
  izhikevichFigure1,
  izhikevichFigure1Input,
} from '../../src/neurons/izhikevichFigure1.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { expectSpikeflowError } from '../expect.js';
import { figure1Reference, showsBehaviour } from './izhikevichBehaviours.js';

type Name = keyof typeof izhikevichFigure1;
const NAMES = Object.keys(izhikevichFigure1) as Name[];

/** Spike times (ms) of spikeflow's Izhikevich model under a protocol, in the given order. */
const spikeTimes = (p: IzhikevichProtocol, updateOrder: 'norse' | 'izhikevich'): number[] => {
  const xs = izhikevichFigure1Input(p);
  const [z] = izhikevich.run({ ...p.parameters, updateOrder }, 0.001)(fromTypedArray(xs, [xs.length, 1, 1]));
  return Array.from(z.data).flatMap((s, k) => (s === 1 ? [k * p.tau] : []));
};

describe('Izhikevich (2004) Fig. 1 under figure1.m protocol', () => {
  it('has the 20 behaviours, with figure1.m steps (τ = 0.1 … 0.5 ms)', () => {
    expect(NAMES).toHaveLength(20);
    expect(NAMES.map((n) => izhikevichFigure1[n].panel).join('')).toBe('ABCDEFGHIJKLMNOPQRST');
  });

  for (const name of NAMES) {
    const p = izhikevichFigure1[name];
    it(`(${p.panel}) ${name}: Izhikevich's order matches figure1.m (count exact, first spike within τ) and shows the behaviour`, () => {
      const ref = figure1Reference(name);
      expect(showsBehaviour[name](ref), 'figure1.m itself').toBe(true);
      const got = spikeTimes(p, 'izhikevich');
      expect(got.length).toBe(ref.length);
      expect(Math.abs((got[0] as number) - (ref[0] as number))).toBeLessThanOrEqual(p.tau + 1e-9);
      expect(showsBehaviour[name](got)).toBe(true);
    });
    const holds = IZHIKEVICH_NORSE_ORDER_HOLDS.includes(name);
    it(`(${p.panel}) ${name}: under Norse's order the behaviour ${holds ? 'shows' : 'does not show'} (as the docs list)`, () => {
      expect(showsBehaviour[name](spikeTimes(p, 'norse'))).toBe(holds);
    });
  }

  it('16 of 20 hold under Norse order; the four that do not are the documented ones', () => {
    expect(NAMES.filter((n) => !IZHIKEVICH_NORSE_ORDER_HOLDS.includes(n))).toEqual([
      'bistability',
      'dap',
      'inhibition_induced_spiking',
      'inhibition_induced_bursting',
    ]);
  });

  it("accommodation's recovery equation u += τ·a·b·(v + 65) is uLeak 0, uOffset −65: one step by hand", () => {
    // from v = −65, u = −16, x = 0, τ = 0.5: v' = −65 + 0.5·(0.04·4225 − 325 + 140 + 16) = −65 + 0.5·(−0) = −65
    // (0.04·4225 = 169; 169 − 325 + 140 + 16 = 0), u' = −16 + 0.5·0.02·1·(−65 + 65) = −16
    const p = izhikevichFigure1.accomodation.parameters;
    const state = izhikevich.initialState([1, 1], p, 'float64');
    const [, s] = izhikevich.step(p, 0.001)(fromTypedArray(new Float64Array([0]), [1, 1]), state);
    expect((s.v as Tensor).data[0]).toBeCloseTo(-65, 12);
    expect((s.u as Tensor).data[0]).toBeCloseTo(-16, 12);
    // with x = 4: v' = −65 + 0.5·4 = −63, u' = −16 + 0.5·0.02·(−63 + 65) = −15.98 (the new v, Izhikevich's order)
    const [, s4] = izhikevich.step(p, 0.001)(fromTypedArray(new Float64Array([4]), [1, 1]), state);
    expect((s4.v as Tensor).data[0]).toBeCloseTo(-63, 12);
    expect((s4.u as Tensor).data[0]).toBeCloseTo(-15.98, 12);
    // Norse's order reads the old v: u' = −16 + 0.01·(−65 + 65) = −16
    const [, sn] = izhikevich.step({ ...p, updateOrder: 'norse' }, 0.001)(fromTypedArray(new Float64Array([4]), [1, 1]), state);
    expect((sn.u as Tensor).data[0]).toBeCloseTo(-16, 12);
  });

  it("explicit Norse defaults (updateOrder 'norse', uLeak 1, uOffset 0) equal the defaults bit for bit", () => {
    const xs = fromTypedArray(
      Float64Array.from({ length: 400 }, (_, k) => 10 + 5 * Math.sin(k / 7)),
      [200, 1, 2],
    );
    for (const behavior of ['tonic_spiking', 'class_1_exc', 'dap'] as const) {
      const [a, sa] = izhikevich.run({ behavior })(xs);
      const [b, sb] = izhikevich.run({ behavior, updateOrder: 'norse', uLeak: 1, uOffset: 0 })(xs);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(Array.from((sb.v as Tensor).data)).toEqual(Array.from((sa.v as Tensor).data));
      expect(Array.from((sb.u as Tensor).data)).toEqual(Array.from((sa.u as Tensor).data));
    }
  });

  it('forward Euler stability: dt·tauInv ≥ 1 throws unless allowUnstableEuler', () => {
    expectSpikeflowError(() => izhikevich.run({}, 0.004), /dt·tauInv = 1 ≥ 1/, 'dt');
    expect(() => izhikevich.run({ allowUnstableEuler: true }, 0.004)).not.toThrow();
    expectSpikeflowError(() => izhikevich.run({ updateOrder: 'figure1' as never }), /updateOrder must be one of "norse", "izhikevich"/);
  });
});
