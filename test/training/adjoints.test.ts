/**
 * The hand-written adjoints of src/training/neurons.ts equal the derivation: every model's update
 * is replayed on scalars with an independent reverse-mode autodiff (test/training/autodiff.ts, in
 * Norse's operation order, with Norse's detach in the recurrent resets) and the gradients with
 * respect to the input, the weights and the neuron parameters must agree to 1e-12. Covers what
 * the Norse reference files do not: LIBox, LSNNRecurrent, the parameter gradients of LSNN, the
 * `subtract`/`none` resets, batch > 1 (forward Euler: the only integration `trainable` takes).
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { liBox } from '../../src/neurons/liBox.js';
import { lif } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { lifRecurrent } from '../../src/neurons/lifRecurrent.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import { lsnnRecurrent } from '../../src/neurons/lsnnRecurrent.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { surrogateGradient } from '../../src/ops/surrogates.js';
import { fromTypedArray, tensor } from '../../src/ops/tensor.js';
import { trainable } from '../../src/training/neurons.js';
import { add, backward, c, detach, exp, mul, neg, reset, spike, sub, type V } from './autodiff.js';

const T = 40;
const B = 2;
const rand = (seed: number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

type P = Record<string, V>;
interface Case {
  readonly name: string;
  readonly model: NeuronModel;
  readonly params: Record<string, number | string>;
  readonly nIn: number;
  readonly n: number;
  readonly spiking: boolean;
  /** One step in Norse's form on scalars of one batch row: returns outputs and new state. */
  readonly step: (x: V[], s: Record<string, V[]>, p: P, w?: { win: V[][]; wrec: V[][] }) => [V[], Record<string, V[]>];
  readonly state0: (p: Record<string, number>, n: number) => Record<string, number[]>;
}

const dt = 0.001;
const lin = (x: V[], w: V[][]): V[] => w.map((row) => row.reduce((acc, wk, k) => add(acc, mul(wk, x[k] as V)), c(0)));
const kOf = (tau: V, exact: boolean): V => (exact ? sub(c(1), exp(mul(c(-dt), tau))) : mul(c(dt), tau));
const decay = (x: V, tau: V, exact: boolean): V => (exact ? mul(x, exp(mul(c(-dt), tau))) : add(x, mul(mul(c(-dt), tau), x)));
const resetV = (mode: string, z: V, vd: V, th: V, vr: V): V =>
  mode === 'value' ? add(mul(sub(c(1), z), vd), mul(z, vr)) : mode === 'subtract' ? add(mul(sub(c(1), z), vd), mul(z, sub(vd, th))) : vd;

const lifCase = (name: string, params: Record<string, number | string>, rec: boolean): Case => {
  const exact = params.integration === 'exact';
  const mode = String(params.resetMethod ?? 'value');
  const sg = surrogateGradient(String(params.method ?? 'super'), Number(params.alpha ?? 100));
  return {
    name,
    model: rec ? lifRecurrent : lif,
    params,
    nIn: rec ? 3 : 4,
    n: 4,
    spiking: true,
    state0: (p, n) => ({ v: Array(n).fill(p.vLeak), i: Array(n).fill(0), z: Array(n).fill(0) }),
    step: (x, s, p, w) => {
      const cur = rec && w ? lin(x, w.win).map((a, k) => add(a, lin(s.z as V[], w.wrec)[k] as V)) : x;
      const z: V[] = [];
      const v: V[] = [];
      const i: V[] = [];
      cur.forEach((xk, k) => {
        const iJ = rec && w ? add(add(s.i![k]!, lin(x, w.win)[k]!), lin(s.z as V[], w.wrec)[k]!) : add(s.i![k]!, xk);
        const vd = add(s.v![k]!, mul(kOf(p.tauMemInv!, exact), add(sub(p.vLeak!, s.v![k]!), iJ)));
        const id = decay(iJ, p.tauSynInv!, exact);
        const zk = spike(sub(vd, p.vTh!), sg);
        const zr = rec ? detach(zk) : zk;
        v.push(resetV(mode, zr, vd, p.vTh!, p.vReset!));
        i.push(id);
        z.push(zk);
      });
      return [z, { v, i, z }];
    },
  };
};

const lsnnCase = (name: string, params: Record<string, number | string>, rec: boolean): Case => {
  const mode = String(params.resetMethod ?? 'value');
  const sg = surrogateGradient(String(params.method ?? 'super'), Number(params.alpha ?? 100));
  return {
    name,
    model: rec ? lsnnRecurrent : lsnn,
    params,
    nIn: rec ? 3 : 4,
    n: 4,
    spiking: true,
    state0: (p, n) => ({ v: Array(n).fill(p.vLeak), i: Array(n).fill(0), b: Array(n).fill(p.vTh), z: Array(n).fill(0) }),
    step: (x, s, p, w) => {
      const xa = rec && w ? lin(x, w.win) : x;
      const xb = rec && w ? lin(s.z as V[], w.wrec) : undefined;
      const z: V[] = [];
      const v: V[] = [];
      const i: V[] = [];
      const b: V[] = [];
      xa.forEach((xk, k) => {
        const vd = add(s.v![k]!, mul(mul(c(dt), p.tauMemInv!), add(sub(p.vLeak!, s.v![k]!), s.i![k]!)));
        const id = add(s.i![k]!, mul(mul(c(-dt), p.tauSynInv!), s.i![k]!));
        const bd = add(s.b![k]!, mul(mul(c(dt), p.tauAdaptInv!), sub(p.vTh!, s.b![k]!)));
        const zk = spike(sub(vd, bd), sg);
        const zr = rec ? detach(zk) : zk;
        v.push(resetV(mode, zr, vd, bd, p.vReset!));
        b.push(add(bd, mul(zr, p.beta!)));
        i.push(xb ? add(add(id, xk), xb[k]!) : add(id, xk));
        z.push(zk);
      });
      return [z, { v, i, b, z }];
    },
  };
};

const cases: Case[] = [
  lifCase('LIF super', {}, false),
  lifCase('LIF triangle, subtract', { method: 'triangle', alpha: 0.3, resetMethod: 'subtract', vLeak: 0.125 }, false),
  lifCase('LIF sigmoid, none', { method: 'sigmoid', alpha: 5, resetMethod: 'none', vReset: -0.25 }, false),
  lifCase('LIFRecurrent circ', { method: 'circ', alpha: 2 }, true),
  lsnnCase('LSNN', { tauAdaptInv: 4, beta: 0.5, vTh: 0.5 }, false),
  lsnnCase('LSNNRecurrent', { tauAdaptInv: 4, beta: 0.5, vTh: 0.5, method: 'tanh', alpha: 3 }, true),
  {
    name: 'LI',
    model: li,
    params: { vLeak: 0.125 },
    nIn: 4,
    n: 4,
    spiking: false,
    state0: (p, n) => ({ v: Array(n).fill(p.vLeak), i: Array(n).fill(0) }),
    step: (x, s, p) => {
      const v: V[] = [];
      const i: V[] = [];
      x.forEach((xk, k) => {
        const iJ = add(s.i![k]!, xk);
        v.push(add(s.v![k]!, mul(kOf(p.tauMemInv!, false), add(sub(p.vLeak!, s.v![k]!), iJ))));
        i.push(decay(iJ, p.tauSynInv!, false));
      });
      return [v, { v, i }];
    },
  },
  {
    name: 'LIBox',
    model: liBox,
    params: { vLeak: 0.125 },
    nIn: 4,
    n: 4,
    spiking: false,
    state0: (p, n) => ({ v: Array(n).fill(p.vLeak) }),
    step: (x, s, p) => {
      const v = x.map((xk, k) => add(s.v![k]!, mul(mul(c(dt), p.tauMemInv!), add(sub(p.vLeak!, s.v![k]!), xk))));
      return [v, { v }];
    },
  },
  {
    name: 'LIFBox subtract',
    model: lifBox,
    params: { resetMethod: 'subtract', vTh: 0.5 },
    nIn: 4,
    n: 4,
    spiking: true,
    state0: (p, n) => ({ v: Array(n).fill(p.vLeak) }),
    step: (x, s, p) => {
      const sg = surrogateGradient('super', 100);
      const z: V[] = [];
      const v = x.map((xk, k) => {
        const vd = add(s.v![k]!, mul(mul(c(dt), p.tauMemInv!), sub(add(xk, p.vLeak!), s.v![k]!)));
        const zk = spike(sub(vd, p.vTh!), sg);
        z.push(zk);
        return resetV('subtract', zk, vd, p.vTh!, p.vReset ?? c(0));
      });
      return [z, { v }];
    },
  },
];

const close = (a: ArrayLike<number>, e: ArrayLike<number>, what: string): void => {
  let scale = 1;
  for (let k = 0; k < e.length; k++) scale = Math.max(scale, Math.abs(e[k] as number));
  let worst = 0;
  for (let k = 0; k < e.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (e[k] as number)));
  expect(a.length, what).toBe(e.length);
  expect(worst / scale, what).toBeLessThanOrEqual(1e-12);
};

describe('hand-written adjoints equal reverse-mode autodiff of the update', () => {
  for (const cs of cases) {
    it(cs.name, () => {
      const r = rand(cs.name.length * 7919);
      const rec = cs.model.recurrent;
      const win = Array.from({ length: cs.n }, () => Array.from({ length: cs.nIn }, () => 2 * r() - 0.6));
      const wrec = Array.from({ length: cs.n }, (_, a) => Array.from({ length: cs.n }, (_, b) => (a === b ? 0 : r() - 0.5)));
      const xs = new Float64Array(T * B * cs.nIn).map(() => (cs.spiking ? 3 * r() : r()));
      const lossW = new Float64Array(T * B * cs.n).map(() => r() - 0.3);
      const extra = rec ? { inputWeights: tensor(win, 'float64'), recurrentWeights: tensor(wrec, 'float64') } : {};
      const layer = trainable(cs.model, { ...cs.params, ...extra } as never, dt, { paramGrads: true });
      const fw = layer.forward(fromTypedArray(xs, [T, B, cs.nIn]));
      const bw = layer.backward(fw.tape, lossW);

      reset();
      const pNum = cs.model.parameters({ ...cs.params, ...extra } as never) as unknown as Record<string, number>;
      const pv: P = {};
      for (const [k, v] of Object.entries(pNum)) if (typeof v === 'number' && k !== 'alpha') pv[k] = c(v);
      const W = rec ? { win: win.map((row) => row.map(c)), wrec: wrec.map((row) => row.map(c)) } : undefined;
      const xv = Array.from(xs, c);
      let loss = c(0);
      const outs: number[] = [];
      for (let b = 0; b < B; b++) {
        const s0 = cs.state0(pNum, cs.n);
        let s: Record<string, V[]> = {};
        for (const [k, v] of Object.entries(s0)) s[k] = v.map(c);
        for (let t = 0; t < T; t++) {
          const x = xv.slice((t * B + b) * cs.nIn, (t * B + b + 1) * cs.nIn);
          const [o, next] = cs.step(x, s, pv, W);
          s = next;
          o.forEach((ok, k) => {
            outs[(t * B + b) * cs.n + k] = ok.val;
            loss = add(loss, mul(ok, c(lossW[(t * B + b) * cs.n + k] as number)));
          });
        }
      }
      void neg;
      backward(loss);
      close(fw.out.data, outs, 'forward');
      if (cs.spiking) expect(outs.some((z) => z === 1) && outs.some((z) => z === 0), 'some spikes, not all').toBe(true);
      close(
        bw.gx as Float64Array,
        xv.map((x) => x.grad),
        'grad input',
      );
      for (const [k, v] of Object.entries(pv)) {
        if (layer.grads[k] === undefined) continue;
        close(layer.grads[k] as Float64Array, [v.grad], `grad ${k}`);
      }
      if (W) {
        close(
          layer.grads.inputWeights as Float64Array,
          W.win.flat().map((w) => w.grad),
          'grad inputWeights',
        );
        close(
          layer.grads.recurrentWeights as Float64Array,
          W.wrec.flat().map((w, k) => (k % (cs.n + 1) === 0 ? 0 : w.grad)),
          'grad recurrentWeights',
        );
      }
    });
  }
});

describe('integrations other than forward Euler', () => {
  it('are refused with the reason (their update is not the adjoint derived here)', () => {
    for (const integration of ['exponentialEuler', 'exact'] as const) {
      expect(() => trainable(lif, { integration })).toThrow(
        new RegExp(`trainable supports integration 'euler' \\(Norse's\\), received "${integration}"`),
      );
      expect(() => trainable(li, { integration })).toThrow(/integration 'euler'/);
    }
  });
});
