/**
 * snnTorch's `Synaptic` and `RSynaptic` through NIR, checked against snnTorch's own update rule
 * written out by hand (no snnTorch here). What snnTorch does, read from its source
 * (github.com/jeshraghian/snntorch, `snntorch/_neurons/synaptic.py`, `rsynaptic.py`,
 * `export_nir.py`, `import_nir.py`):
 * - one step of `Synaptic` (reset to zero, `reset_delay=False`, as `import_nir` builds it from a
 *   NIR CubaLIF): `reset = Θ(mem − θ)` of the previous `mem`; `syn ← α·syn + x`;
 *   `mem ← β·mem + syn − reset·(β·mem + syn)`; `spk = Θ(mem − θ)` (strict); then
 *   `mem ← mem − (spk − reset)·mem`. `RSynaptic` adds the recurrent map of the previous spikes to
 *   `syn`: `syn ← α·syn + x + V·spk_prev`.
 * - `export_to_nir` writes a CubaLIF with `τ_syn = dt₀/(1 − α)`, `τ_mem = dt₀/(1 − β)`,
 *   `r = τ_mem/dt₀`, `w_in = τ_syn/dt₀`, `v_leak = 0`, `v_reset = 0` (float32, `dt₀ = 1e-4`
 *   hard-coded); `RSynaptic` as a subgraph input → CubaLIF ⇄ Linear (w_rec) → output.
 * spikeflow's `'snntorch'` discretisation at `dt = 1e-4` reproduces that rule; `'norse'` (input as
 * an impulse) does not — its current is the snnTorch one divided by `1 − α`.
 */
import { describe, expect, it } from 'vitest';
import type { NirGraph, NirNode } from '../../src/nir/graph.js';
import { compileNir } from '../../src/nir/runtime.js';
import { type DType, fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { spikes } from './backendGraphs.js';

const f = Math.fround;
const DT0 = 1e-4;
const vec = (v: number[]): Tensor => fromTypedArray(Float32Array.from(v), [v.length]);

/** The CubaLIF snnTorch's exporter writes for a `Synaptic(alpha, beta, threshold)` of `n` neurons (float32 as numpy). */
const synapticNode = (alpha: number[], beta: number[], threshold: number): NirNode => {
  const tauSyn = alpha.map((a) => f(DT0 / f(1 - f(a))));
  const tauMem = beta.map((b) => f(DT0 / f(1 - f(b))));
  return {
    type: 'CubaLIF',
    tauSyn: vec(tauSyn),
    tauMem: vec(tauMem),
    r: vec(tauMem.map((t) => f(t / DT0))),
    wIn: vec(tauSyn.map((t) => f(t / DT0))),
    vLeak: vec(alpha.map(() => 0)),
    vThreshold: vec(alpha.map(() => threshold)),
    vReset: vec(alpha.map(() => 0)),
  };
};

/** snnTorch's Synaptic/RSynaptic step over a layer, by hand (see the module docs); float64. */
const snnTorchLayer = (alpha: number[], beta: number[], threshold: number, rec?: number[][]) => {
  const n = alpha.length;
  const syn = new Float64Array(n);
  const mem = new Float64Array(n);
  let spk = new Float64Array(n);
  return (x: ArrayLike<number>): { spk: Float64Array; syn: Float64Array; mem: Float64Array } => {
    const next = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const reset = (mem[k] as number) - threshold > 0 ? 1 : 0;
      let recurrent = 0;
      if (rec !== undefined) for (let j = 0; j < n; j++) recurrent += (rec[k]?.[j] as number) * (spk[j] as number);
      const s = (alpha[k] as number) * (syn[k] as number) + (x[k] as number) + recurrent;
      const base = (beta[k] as number) * (mem[k] as number) + s;
      let m = base - reset * base;
      const z = m - threshold > 0 ? 1 : 0;
      m = m - (z - reset) * m;
      syn[k] = s;
      mem[k] = m;
      next[k] = z;
    }
    spk = next;
    return { spk: next, syn: syn.slice(), mem: mem.slice() };
  };
};

const W1 = [
  [0.9, -0.2, 0.4],
  [0.3, 0.8, -0.1],
  [-0.5, 0.6, 0.7],
  [0.2, 0.2, 0.2],
];
const B1 = [0.05, 0, -0.02, 0.1];
const A1 = [0.8, 0.5, 0.9, 0.7];
const BE1 = [0.9, 0.95, 0.6, 0.85];
const V = [
  [0, 0.3, -0.4, 0.2],
  [-0.3, 0, 0.5, 0.1],
  [0.2, 0.2, 0, -0.6],
  [0.4, -0.1, 0.3, 0],
];

/** fc (Affine) → Synaptic, or → RSynaptic as snnTorch exports it. */
const graph = (recurrent: boolean): NirGraph => {
  const lif = synapticNode(A1, BE1, 1);
  return {
    type: 'NIRGraph',
    nodes: {
      input: { type: 'Input', shape: [3] },
      fc: { type: 'Affine', weight: fromTypedArray(Float32Array.from(W1.flat()), [4, 3]), bias: vec(B1) },
      lif: recurrent
        ? ({
            type: 'NIRGraph',
            nodes: {
              input: { type: 'Input', shape: [4] },
              lif,
              w_rec: { type: 'Linear', weight: fromTypedArray(Float32Array.from(V.flat()), [4, 4]) },
              output: { type: 'Output', shape: [4] },
            },
            edges: [
              ['input', 'lif'],
              ['lif', 'w_rec'],
              ['w_rec', 'lif'],
              ['lif', 'output'],
            ],
          } as NirNode)
        : lif,
      output: { type: 'Output', shape: [4] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
  };
};

const T = 200;

/** The hand-written snnTorch run on the same float32 weights. */
const reference = (xs: Tensor, recurrent: boolean) => {
  const layer = snnTorchLayer(A1.map(f), BE1.map(f), 1, recurrent ? V.map((r) => r.map(f)) : undefined);
  const out: { spk: Float64Array; syn: Float64Array; mem: Float64Array }[] = [];
  for (let t = 0; t < T; t++) {
    const x = Array.from(xs.data.subarray(t * 3, t * 3 + 3));
    const cur = W1.map((row, o) => row.reduce((a, w, k) => a + f(w) * (x[k] as number), f(B1[o] as number)));
    out.push(layer(cur));
  }
  return out;
};

describe("snnTorch's Synaptic / RSynaptic through NIR ('snntorch' discretisation, dt = 1e-4)", () => {
  for (const recurrent of [false, true]) {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      it(`${recurrent ? 'RSynaptic (recurrent subgraph)' : 'Synaptic'}, ${dtype}: spikes identical to snnTorch's rule, syn and mem within 1e-5`, () => {
        const xs = spikes(T, 1, [3], 0.4, 17);
        const want = reference(xs, recurrent);
        const program = compileNir(graph(recurrent), { dt: DT0, discretisation: 'snntorch', dtype, record: true });
        const name = recurrent ? 'lif.lif' : 'lif';
        const z = program.run(
          xs.data instanceof Float32Array && dtype === 'float64' ? fromTypedArray(Float64Array.from(xs.data), xs.shape) : xs,
        );
        // replay step by step to read the state (syn = i, mem = v) after every step
        const stepper = compileNir(graph(recurrent), { dt: DT0, discretisation: 'snntorch', dtype });
        let state = stepper.initialState(1);
        let worst = 0;
        let fired = 0;
        for (let t = 0; t < T; t++) {
          const x = fromTypedArray((dtype === 'float64' ? Float64Array : Float32Array).from(xs.data.subarray(t * 3, t * 3 + 3)), [1, 1, 3]);
          const r = stepper.run(x, state);
          state = r.state;
          const w = want[t] as { spk: Float64Array; syn: Float64Array; mem: Float64Array };
          expect(Array.from(r.output.data), `step ${t}`).toEqual(Array.from(w.spk));
          const v = state.nodes[name]?.v as ArrayLike<number>;
          const i = state.nodes[name]?.i as ArrayLike<number>;
          for (let k = 0; k < 4; k++) {
            worst = Math.max(worst, Math.abs((v[k] as number) - (w.mem[k] as number)), Math.abs((i[k] as number) - (w.syn[k] as number)));
          }
          fired += w.spk.reduce((a, s) => a + s, 0);
        }
        expect(worst).toBeLessThanOrEqual(1e-5);
        expect(Array.from(z.output.data)).toEqual(want.flatMap((w) => Array.from(w.spk)));
        // not vacuous: the layer fires, and not on every step
        expect(fired).toBeGreaterThan(40);
        expect(fired).toBeLessThan(T * 4 - 40);
      });
    }
  }

  it("'norse' takes the input as an impulse: its current is snnTorch's divided by 1 − α (so other spikes)", () => {
    const xs = spikes(T, 1, [3], 0.4, 17);
    const want = reference(xs, false);
    const stepper = compileNir(graph(false), { dt: DT0, dtype: 'float64' });
    let state = stepper.initialState(1);
    // before the first spike the relation is exact: i_norse after the jump = syn / (1 − α), i.e. the stored i = α·syn/(1 − α)
    const x0 = fromTypedArray(Float64Array.from(xs.data.subarray(0, 3)), [1, 1, 3]);
    state = stepper.run(x0, state).state;
    const i = state.nodes.lif?.i as ArrayLike<number>;
    const alpha = (k: number) => 1 - DT0 / f(DT0 / f(1 - f(A1[k] as number)));
    for (let k = 0; k < 4; k++) {
      expect(i[k]).toBeCloseTo(((want[0]?.syn[k] as number) * alpha(k)) / (1 - alpha(k)), 6);
    }
  });
});
