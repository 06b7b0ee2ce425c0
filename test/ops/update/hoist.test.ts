/**
 * Loop-invariant hoisting for the js lowering (src/ops/update/hoist.ts): every model's update,
 * hoisted, computes the same bits as the original loop (float32 and float64, scalar and per-neuron
 * parameters, parameter values on both sides of the models' option switches); the network point
 * LIF's leak factor (a `Math.exp` of `dt` and `tauMemInv`) leaves the loop.
 */
import { describe, expect, it } from 'vitest';
import { pointLif } from '../../../src/networks/pointLif.js';
import { populationUpdate } from '../../../src/networks/populationUpdate.js';
import { models } from '../../../src/neurons/registry.js';
import type { DType } from '../../../src/ops/tensor.js';
import { hoistInvariants } from '../../../src/ops/update/hoist.js';
import { compileUpdate } from '../../../src/ops/update/lowerJs.js';

/** A small seeded generator (xorshift32) for test values. */
const rng = (seed: number) => {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
};

describe('hoistInvariants', () => {
  it('gives the bits of the original loop for every model (float32, float64, per-neuron parameters)', () => {
    let hoistedAny = 0;
    for (const m of Object.values(models)) {
      const u = m.update;
      for (const dtype of ['float32', 'float64'] as DType[]) {
        for (const seed of [1, 2, 3]) {
          const rand = rng(seed * 7919 + u.params.length);
          const Arr = dtype === 'float32' ? Float32Array : Float64Array;
          const r = (x: number) => (dtype === 'float32' ? Math.fround(x) : x);
          const T = 12;
          const M = 9;
          // seed 3 makes the first parameter per-neuron
          const mask = u.params.map((_, j) => seed === 3 && j === 0);
          const params = u.params.map(() => r(0.5 * Math.floor(rand() * 5) + 0.25 * rand()));
          const fill = (n: number, f: () => number): Float32Array | Float64Array => {
            const a = new Arr(n);
            for (let i = 0; i < n; i++) a[i] = f();
            return a;
          };
          const paramArrays = u.params.map((_, j) => (mask[j] ? fill(M, () => r(0.3 + 2 * rand())) : undefined));
          const inputs = u.inputs.map(() => fill(T * M, () => r(3 * rand() - 1)));
          const state0 = u.state.map(() => fill(M, () => r(2 * rand() - 0.5)));
          const dt = r(1e-3);
          const run = (update: typeof u, ps: number[], pa: (Float32Array | Float64Array | undefined)[], pm: readonly boolean[]) => {
            const state = state0.map((a) => a.slice());
            const out = new Arr(T * M);
            compileUpdate(update, dtype, false, pm)({ T, M, inputs, out, state, params: ps, paramArrays: pa, dt });
            return [Array.from(out), ...state.map((a) => Array.from(a))];
          };
          const h = hoistInvariants(u, dtype, mask);
          hoistedAny += h.hoisted;
          const pa = [...paramArrays, ...Array.from({ length: h.hoisted }, () => undefined)];
          expect(run(h.update, h.params(params, dt), pa, h.perNeuron), `${m.name} ${dtype} seed ${seed}`).toEqual(
            run(u, params, paramArrays, mask),
          );
        }
      }
    }
    expect(hoistedAny).toBeGreaterThan(0);
  });

  it("takes the point LIF population's leak factor out of the loop", () => {
    const { update } = populationUpdate(pointLif, [{ name: 'e', spec: { kind: 'current', tau: 0.005 } }], 'v');
    expect(update.body).toMatch(/Math\.exp/);
    const h = hoistInvariants(update, 'float32');
    expect(h.hoisted).toBe(1);
    expect(h.update.body).not.toMatch(/Math\.exp/);
    // tauMemInv 50 /s, dt 0.1 ms, exact integration (scheme 1): 1 − e^(−0.005) in float32.
    const params = update.params.map((p) => (p === 'tauMemInv' ? 50 : p === 'scheme' ? 1 : 0));
    const k = h.params(params, Math.fround(1e-4)).at(-1) as number;
    expect(k).toBe(Math.fround(1 - Math.fround(Math.exp(Math.fround(-Math.fround(1e-4) * 50)))));
    expect(k).toBeCloseTo(1 - Math.exp(-0.005), 7);
    // per-neuron tauMemInv: the exponential stays in the loop (only −dt leaves it)
    const perNeuron = hoistInvariants(
      update,
      'float32',
      update.params.map((p) => p === 'tauMemInv'),
    );
    expect(perNeuron.update.body).toMatch(/Math\.exp\(R\(\$h0 \* tauMemInv\)\)/);
    expect(perNeuron.params(params, 1e-4).at(-1)).toBe(-1e-4);
  });
});
