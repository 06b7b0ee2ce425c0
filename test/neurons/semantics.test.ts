/**
 * Numerical semantics beyond Norse (issue 13): the input convention (`'jump'`, Norse's, against
 * `'current'`), exact integration against the analytic solution, forward Euler's stability check
 * and the refractory period in seconds. Every expected value is hand-derived (closed forms in the
 * comments) or one of the figures.
 */
import { describe, expect, it } from 'vitest';
import { iaf } from '../../src/neurons/iaf.js';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lifAdEx } from '../../src/neurons/lifAdEx.js';
import { lifAdExRefrac } from '../../src/neurons/lifAdExRefrac.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lifEx } from '../../src/neurons/lifEx.js';
import { lifRefrac } from '../../src/neurons/lifRefrac.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import type { NeuronModel, NeuronState } from '../../src/neurons/model.js';
import { models } from '../../src/neurons/registry.js';
import { fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { expectSpikeflowError } from '../expect.js';

const asModel = (m: unknown): NeuronModel => m as NeuronModel;

/** Runs a one-neuron model (float64) over the inputs `xs`; returns the output and every state variable per step. */
const trace = (m: unknown, p: Record<string, unknown>, dt: number, xs: readonly number[], state?: NeuronState) => {
  const model = asModel(m);
  const [out, , rec] = model.run(p as never, dt, { record: true })(fromTypedArray(Float64Array.from(xs), [xs.length, 1, 1]), state);
  const r = rec as NeuronState;
  return {
    out: Array.from(out.data),
    ...Object.fromEntries(model.stateNames.map((k) => [k, Array.from((r[k] as Tensor).data)])),
  } as Readonly<Record<'out' | 'v' | 'i' | 'b', number[]>>;
};
const last = (a: readonly number[]): number => a[a.length - 1] as number;
const pulse = (n: number, x = 1): number[] => Array.from({ length: n }, (_, k) => (k === 0 ? x : 0));
const constant = (n: number, x: number): number[] => new Array<number>(n).fill(x);

// τ_mem = 10 ms, τ_syn = 5 ms (Norse's defaults): b = τ_mem⁻¹ = 100, a = τ_syn⁻¹ = 200 (1/s).
const A = 200;
const B = 100;
/** v(t) after a unit jump of i at t = 0 from rest: b·(e^{−a·t} − e^{−b·t})/(b − a), written without cancellation. */
const pulseV = (t: number, a = A, b = B): number =>
  a === b ? b * t * Math.exp(-b * t) : (b * Math.exp(-b * t) * Math.expm1((b - a) * t)) / (b - a);
/** v(t) under a constant current x from rest (τ_syn·i' = −i + x): x·(1 − e^{−b·t} − b·(e^{−a·t} − e^{−b·t})/(b − a)). */
const currentV = (t: number, x: number, a = A, b = B): number => x * (1 - Math.exp(-b * t) - pulseV(t, a, b));

describe("integration: 'exact' is the closed form of the linear subsystem", () => {
  it("the issue's figures: unit pulse, v at 10 ms — analytic 0.2325, Euler 0.2413 / 0.2499, exponential Euler 0.2570 / 0.2840, exact = analytic to 1e-12", () => {
    const analytic = pulseV(0.01);
    expect(analytic).toBeCloseTo(Math.exp(-1) - Math.exp(-2), 15);
    expect(analytic).toBeCloseTo(0.2325, 4);
    const at10 = (integration: string, dt: number) => last(trace(lif, { integration, vTh: 1e9 }, dt, pulse(Math.round(0.01 / dt))).v);
    expect(at10('euler', 0.001)).toBeCloseTo(0.2413, 4);
    expect(at10('euler', 0.002)).toBeCloseTo(0.2499, 4);
    expect(at10('exponentialEuler', 0.001)).toBeCloseTo(0.257, 4);
    expect(at10('exponentialEuler', 0.002)).toBeCloseTo(0.284, 4);
    for (const dt of [0.0005, 0.001, 0.002, 0.005]) expect(Math.abs(at10('exact', dt) - analytic), `dt ${dt}`).toBeLessThan(1e-12);
  });

  it('exact v and i agree with the analytic solution at every step, for τ_mem ≠ τ_syn, τ_mem = τ_syn and nearly equal ones', () => {
    for (const [a, b] of [
      [200, 100],
      [100, 100],
      [100.05, 100],
      [50, 300],
    ] as const) {
      for (const dt of [0.0001, 0.001, 0.003]) {
        const n = Math.round(0.06 / dt);
        const r = trace(lif, { integration: 'exact', tauSynInv: a, tauMemInv: b, vTh: 1e9 }, dt, pulse(n));
        for (let k = 0; k < n; k++) {
          const t = (k + 1) * dt;
          expect(Math.abs((r.v[k] as number) - pulseV(t, a, b)), `a ${a} b ${b} dt ${dt} step ${k}`).toBeLessThan(1e-12);
          expect(Math.abs((r.i[k] as number) - Math.exp(-a * t))).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('exact is exact for the LIF family, LI, LIFRefrac and LIFRecurrent alike (sub-threshold), and for a held current', () => {
    const n = 40;
    const dt = 0.001;
    const expected = Array.from({ length: n }, (_, k) => pulseV((k + 1) * dt));
    const p = { integration: 'exact', vTh: 1e9 };
    const got = [
      trace(lif, p, dt, pulse(n)).v,
      trace(li, { integration: 'exact' }, dt, pulse(n)).out,
      trace(lifRefrac, p, dt, pulse(n)).v,
      trace(lifRecurrent, { ...p, inputWeights: [[1]], recurrentWeights: [[0]] }, dt, pulse(n)).v,
    ];
    for (const g of got) for (let k = 0; k < n; k++) expect(Math.abs((g[k] as number) - (expected[k] as number))).toBeLessThan(1e-12);
    // a constant current x = 0.3 held over every step ('current' convention): i = x·(1 − e^{−a·t})
    const r = trace(lif, { ...p, inputConvention: 'current' }, dt, constant(n, 0.3));
    for (let k = 0; k < n; k++) {
      const t = (k + 1) * dt;
      expect(Math.abs((r.v[k] as number) - currentV(t, 0.3))).toBeLessThan(1e-12);
      expect(Math.abs((r.i[k] as number) - 0.3 * -Math.expm1(-A * t))).toBeLessThan(1e-12);
    }
  });

  it('exact LSNN: the input reaches i last, so v follows the pulse solution one step late; b relaxes exactly', () => {
    const dt = 0.001;
    const n = 30;
    const r = trace(lsnn, { integration: 'exact', vTh: 1e9, tauAdaptInv: 100 }, dt, pulse(n));
    expect(r.v[0]).toBe(0);
    expect(r.i[0]).toBe(1);
    for (let k = 1; k < n; k++) expect(Math.abs((r.v[k] as number) - pulseV(k * dt))).toBeLessThan(1e-12);
    // b₀ = v_th = 1e9 stays at v_th; from b = 2 with v_th = 1: b = 1 + e^{−100·t}
    const s = asModel(lsnn).initialState([1, 1], {}, 'float64');
    const b = trace(lsnn, { integration: 'exact', tauAdaptInv: 100 }, dt, constant(10, 0), { ...s, b: tensor([[2]], 'float64') }).b;
    expect(Math.abs(last(b) - (1 + Math.exp(-1)))).toBeLessThan(1e-12);
  });

  it('exact LIFBox and LIBox: v = (x + v_leak) + (v₀ − x − v_leak)·e^{−t/τ_mem} (exponential Euler coincides)', () => {
    const dt = 0.002;
    const n = 25;
    for (const integration of ['exact', 'exponentialEuler']) {
      const box = trace(liBox, { integration, vLeak: 0.1 }, dt, constant(n, 0.5)).out;
      const fire = trace(lifBox, { integration, vLeak: 0.1, vTh: 1e9 }, dt, constant(n, 0.5)).v;
      for (let k = 0; k < n; k++) {
        const v = 0.6 + (0.1 - 0.6) * Math.exp(-B * (k + 1) * dt);
        expect(Math.abs((box[k] as number) - v)).toBeLessThan(1e-12);
        expect(Math.abs((fire[k] as number) - v)).toBeLessThan(1e-12);
      }
    }
  });

  it("rejects 'exact' for the nonlinear models (LIFEx, LIFAdEx, LIFAdExRefrac, CobaLIF) and names the alternatives", () => {
    for (const name of ['LIFEx', 'LIFExRecurrent', 'LIFAdEx', 'LIFAdExRecurrent', 'LIFAdExRefrac', 'LIFAdExRefracRecurrent', 'CobaLIF']) {
      const m = models[name] as NeuronModel;
      const w = m.recurrent ? { inputWeights: [[1]], recurrentWeights: [[0]] } : {};
      expectSpikeflowError(
        () => m.parameters({ ...w, integration: 'exact' } as never),
        /integration 'exact' is not available for .*'exponentialEuler'/,
        'integration',
      );
      expect(() => m.parameters({ ...w, integration: 'exponentialEuler' } as never)).not.toThrow();
    }
    expect(lifEx.specs.integration.options).toEqual(['euler', 'exponentialEuler', 'exact']);
  });
});

describe("inputConvention: 'current' converges as dt → 0; 'jump' (Norse's) scales with 1/dt", () => {
  const dts = [1e-3, 1e-4, 1e-5];
  const vAt50 = (m: unknown, p: Record<string, unknown>, dt: number) => last(trace(m, p, dt, constant(Math.round(0.05 / dt), 0.3)).v);

  it("the issue's figures: LIF v at 50 ms under constant input 0.3 is 1.486, 14.81, 148.0 with 'jump' at dt = 1, 0.1, 0.01 ms", () => {
    const v = dts.map((dt) => vAt50(lif, { vTh: 1e9 }, dt));
    expect(v[0]).toBeCloseTo(1.486, 3);
    expect(v[1]).toBeCloseTo(14.81, 2);
    expect(v[2]).toBeCloseTo(148.0, 1);
  });

  it("'current': LIF v at 50 ms converges to the analytic 0.29597 with an error O(dt) (÷10 per decade of dt)", () => {
    const analytic = currentV(0.05, 0.3);
    expect(analytic).toBeCloseTo(0.29597, 5);
    for (const integration of ['euler', 'exponentialEuler']) {
      const err = dts.map((dt) => Math.abs(vAt50(lif, { vTh: 1e9, inputConvention: 'current', integration }, dt) - analytic));
      expect(err[0], integration).toBeLessThan(1.5e-3);
      for (let k = 1; k < err.length; k++) {
        const ratio = (err[k - 1] as number) / (err[k] as number);
        expect(ratio, `${integration} ratio ${k}`).toBeGreaterThan(8);
        expect(ratio, `${integration} ratio ${k}`).toBeLessThan(12);
      }
    }
    // exact: the analytic value at every dt
    for (const dt of dts)
      expect(Math.abs(vAt50(lif, { vTh: 1e9, inputConvention: 'current', integration: 'exact' }, dt) - analytic)).toBeLessThan(1e-12);
  });

  it("'current': LIFEx, LIFAdEx, LI, LSNN and IAF converge too (successive differences shrink ×10 per decade)", () => {
    const cases: [string, unknown, Record<string, unknown>, string][] = [
      ['LIFEx', lifEx, { vTh: 1e9, deltaT: 0.5 }, 'v'],
      ['LIFAdEx', lifAdEx, { vTh: 1e9 }, 'v'],
      ['LI', li, {}, 'v'],
      ['LSNN', lsnn, { vTh: 1e9 }, 'v'],
    ];
    for (const [name, m, p, key] of cases) {
      const v = dts.map((dt) => last(trace(m, { ...p, inputConvention: 'current' }, dt, constant(Math.round(0.05 / dt), 0.3))[key as 'v']));
      const d1 = Math.abs((v[0] as number) - (v[1] as number));
      const d2 = Math.abs((v[1] as number) - (v[2] as number));
      expect(d1 / d2, name).toBeGreaterThan(7);
      expect(d1 / d2, name).toBeLessThan(15);
    }
    // IAF: dv/dt = x, so v(50 ms) = 0.3·0.05 = 0.015 whatever dt; with 'jump' it is 0.3 per step
    for (const dt of dts) {
      expect(vAt50(iaf, { vTh: 1e9, inputConvention: 'current' }, dt)).toBeCloseTo(0.015, 12);
      expect(vAt50(iaf, { vTh: 1e9 }, dt)).toBeCloseTo(0.3 * Math.round(0.05 / dt), 6);
    }
  });

  it("spike counts in 200 ms: 'jump' 0.3 gives 17, 277, 2785; 'current' 1.5 gives 17 at every dt", () => {
    const count = (p: Record<string, unknown>, dt: number, x: number) =>
      trace(lif, p, dt, constant(Math.round(0.2 / dt), x)).out.reduce((s, z) => s + z, 0);
    expect(dts.map((dt) => count({}, dt, 0.3))).toEqual([17, 277, 2785]);
    expect(dts.map((dt) => count({ inputConvention: 'current' }, dt, 1.5))).toEqual([17, 17, 17]);
  });

  it("'current' x equals 'jump' x·dt·τ_syn⁻¹ step for step (forward Euler)", () => {
    const xs = Array.from({ length: 50 }, (_, k) => 1 + Math.sin(k));
    const a = trace(lif, { inputConvention: 'current' }, 0.001, xs);
    const b = trace(
      lif,
      {},
      0.001,
      xs.map((x) => 0.2 * x),
    );
    expect(a.out).toEqual(b.out);
    for (let k = 0; k < xs.length; k++) expect(Math.abs((a.v[k] as number) - (b.v[k] as number))).toBeLessThan(1e-12);
  });

  it("recurrent spikes stay jumps under 'current': LIFRecurrent with W_rec = 0 equals LIF", () => {
    const xs = Array.from({ length: 40 }, (_, k) => 1.2 + Math.cos(k));
    const ff = trace(lif, { inputConvention: 'current' }, 0.001, xs);
    const rec = trace(lifRecurrent, { inputConvention: 'current', inputWeights: [[1]], recurrentWeights: [[0]] }, 0.001, xs);
    expect(rec.out).toEqual(ff.out);
    expect(rec.v).toEqual(ff.v);
  });
});

describe('forward Euler stability', () => {
  it('throws when dt·τ⁻¹ ≥ 1 on any time constant, naming dt and the rate', () => {
    expectSpikeflowError(() => asModel(lif).run({}, 0.005), /forward Euler is unstable: dt·tauSynInv = 1 ≥ 1/, 'dt');
    expectSpikeflowError(() => asModel(lif).step({ tauSynInv: 10 }, 0.02), /dt·tauMemInv = 2 ≥ 1/, 'dt');
    expectSpikeflowError(() => asModel(lsnn).run({ tauAdaptInv: 2000 }, 0.001), /dt·tauAdaptInv = 2 ≥ 1/, 'dt');
    expectSpikeflowError(() => asModel(lifAdEx).run({ tauAdaInv: 1000 }, 0.001), /dt·tauAdaInv = 1 ≥ 1/, 'dt');
    expectSpikeflowError(() => asModel(liBox).run({}, 0.01), /dt·tauMemInv = 1 ≥ 1/, 'dt');
    expectSpikeflowError(() => asModel(models.CobaLIF).run({ tauSynExcInv: 2000 }, 0.001), /dt·tauSynExcInv = 2/, 'dt');
    expectSpikeflowError(
      () => asModel(models.LIFRecurrent).run({ inputWeights: [[1]], recurrentWeights: [[0]] }, 0.005),
      /tauSynInv/,
      'dt',
    );
    // just below the limit is accepted
    expect(() => asModel(lif).run({}, 0.0049)).not.toThrow();
  });

  it('allowUnstableEuler: true runs it (the voltage oscillates at dt·τ⁻¹ = 2, diverges at 3); exponential Euler and exact need no check', () => {
    const from = { v: tensor([[1]], 'float64') };
    // v' = v + k·(0 − v) = (1 − k)·v: k = 2 → −1, 1, −1, 1; k = 3 → −2, 4, −8, 16
    expect(trace(liBox, { allowUnstableEuler: true }, 0.02, constant(4, 0), from).v).toEqual([-1, 1, -1, 1]);
    expect(trace(liBox, { allowUnstableEuler: true }, 0.03, constant(4, 0), from).v).toEqual([-2, 4, -8, 16]);
    const decay = trace(liBox, { integration: 'exponentialEuler' }, 0.02, constant(4, 0), from).v;
    expect(Math.abs(last(decay) - Math.exp(-8))).toBeLessThan(1e-15);
    expect(() => asModel(lif).run({ integration: 'exact' }, 0.05)).not.toThrow();
  });
});

describe('refractory period in seconds (tauRef) beside steps (rhoReset)', () => {
  const xs = constant(200, 5);
  const spikes = (m: unknown, p: Record<string, unknown>, dt: number) => trace(m, p, dt, xs).out;

  it('tauRef = 5 ms equals rhoReset 5 at dt = 1 ms and rhoReset 50 at dt = 0.1 ms, bit for bit', () => {
    for (const m of [lifRefrac, lifAdExRefrac]) {
      expect(spikes(m, { tauRef: 0.005 }, 0.001)).toEqual(spikes(m, { rhoReset: 5 }, 0.001));
      expect(spikes(m, { tauRef: 0.005 }, 0.0001)).toEqual(spikes(m, { rhoReset: 50 }, 0.0001));
      expect(spikes(m, { tauRef: 0.005 }, 0.001)).not.toEqual(spikes(m, { rhoReset: 2 }, 0.001));
    }
  });

  it('steps = ⌊tauRef/dt + ½⌋: 2.5 ms at dt = 1 ms gives 3 steps, 2.4 ms gives 2', () => {
    expect(spikes(lifRefrac, { tauRef: 0.0025 }, 0.001)).toEqual(spikes(lifRefrac, { rhoReset: 3 }, 0.001));
    expect(spikes(lifRefrac, { tauRef: 0.0024 }, 0.001)).toEqual(spikes(lifRefrac, { rhoReset: 2 }, 0.001));
  });

  it('with strong input the inter-spike interval is the refractory period plus one step, the same in seconds at any dt', () => {
    const isi = (dt: number) => {
      const z = trace(lifRefrac, { tauRef: 0.004, vTh: 0.001 }, dt, constant(Math.round(0.05 / dt), 100)).out;
      const at = z.flatMap((s, k) => (s === 1 ? [k] : []));
      return ((at[2] as number) - (at[1] as number)) * dt;
    };
    expect(isi(0.001)).toBeCloseTo(0.005, 12);
    expect(isi(0.0001)).toBeCloseTo(0.0041, 12);
  });

  it('rejects a fractional rhoReset, both rhoReset and tauRef, and a tauRef under half a step', () => {
    expectSpikeflowError(
      () => lifRefrac.parameters({ rhoReset: 2.5 }),
      /rhoReset counts steps and must be an integer, received 2.5/,
      'rhoReset',
    );
    expectSpikeflowError(
      () => lifAdExRefrac.parameters({ rhoReset: 2, tauRef: 0.002 }),
      /either as rhoReset \(steps\) or as tauRef \(seconds\)/,
      'tauRef',
    );
    expectSpikeflowError(() => asModel(lifRefrac).run({ tauRef: 0.0004 }, 0.001), /tauRef 0.0004 s is shorter than half a step/, 'tauRef');
    expect(() => asModel(lifRefrac).run({ tauRef: 0 }, 0.001)).not.toThrow();
  });
});

describe('the options with per-neuron parameters', () => {
  it('tauRef, exact integration and the stability check apply per neuron', () => {
    const xs = fromTypedArray(new Float64Array(120).fill(5), [60, 1, 2]);
    const [both] = asModel(lifRefrac).run({ tauRef: tensor([[0.002, 0.005]], 'float64') } as never, 0.001)(xs);
    const one = (tauRef: number) =>
      asModel(lifRefrac).run({ tauRef } as never, 0.001)(fromTypedArray(new Float64Array(60).fill(5), [60, 1, 1]))[0];
    const a = Array.from(one(0.002).data);
    const b = Array.from(one(0.005).data);
    expect(Array.from(both.data)).toEqual(a.flatMap((z, k) => [z, b[k] as number]));
    const [, s] = asModel(lif).run(
      { integration: 'exact', tauSynInv: tensor([[200, 100]], 'float64'), vTh: 1e9 } as never,
      0.001,
    )(
      fromTypedArray(
        Float64Array.from({ length: 20 }, (_, k) => (k < 2 ? 1 : 0)),
        [10, 1, 2],
      ),
    );
    expect(Math.abs(((s.v as Tensor).data[0] as number) - pulseV(0.01, 200, 100))).toBeLessThan(1e-12);
    expect(Math.abs(((s.v as Tensor).data[1] as number) - pulseV(0.01, 100, 100))).toBeLessThan(1e-12);
    expectSpikeflowError(
      () => asModel(lif).run({ tauSynInv: tensor([[200, 2000]], 'float64') } as never, 0.001)(xs),
      /dt·tauSynInv = 2 ≥ 1/,
    );
  });
});
