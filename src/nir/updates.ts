/**
 * NIR's neuron nodes as per-neuron updates of the kernel front end (`ops/update/`), so that every
 * backend's neuron-run kernel runs them (js loops, threads' WebAssembly SIMD, gpu.js), and the
 * per-node step factors they read.
 *
 * The updates take the step factors as parameters (computed once from τ and `dt`, see
 * {@link stepFactors}), so one update serves every `dt`:
 * - `kMem`, `kSyn`: `dt·τ⁻¹` with `τ⁻¹ = 1/τ` rounded to the dtype (`'norse'`, `'snntorch'`), or
 *   `1 − e^{−dt/τ}` for the membrane and `e^{−dt/τ_syn}` for the current (`'exact'`)
 * - `wIn`, `resist` (NIR's `r`), `vLeak`, `vTh`, `vReset`: the node's values
 *
 * Equations (`R(…)` rounds one operation in float32 runs, as torch):
 * - CubaLIF/CubaLI `'norse'` (Norse `LIFCell`/`LICell`): `i_j = i + w_in·x`,
 *   `v_d = v + k_mem·((v_leak − v) + r·i_j)`, `i' = i_j − k_syn·i_j`
 * - `'exact'`: the same with `i' = i_j·e^{−dt/τ_syn}`
 * - `'snntorch'` (snnTorch `Synaptic`): the input is a current held over the step,
 *   `i' = i + k_syn·(w_in·x − i)`, and the membrane integrates the updated current,
 *   `v_d = v + k_mem·((v_leak − v) + r·i')`
 * - LIF (Norse `LIFBoxCell`): `v_d = v + k_mem·((r·x + v_leak) − v)`; LI (`LIBoxCell`):
 *   `v_d = v + k_mem·((v_leak − v) + r·x)`; IF (`IAFCell`): `v_d = v + r·x`; I: `v' = v + r·x`
 * - spiking nodes: `z = Θ(v_d − v_th)` (strict), `v' = z ? v_reset : v_d`; the others output `v'`.
 * Source: Norse `functional/{lif,leaky_integrator,lif_box,leaky_integrator_box,iaf}.py`; snnTorch
 * `_neurons/synaptic.py` with `export_nir.py`'s mapping.
 * @module
 */
import type { DType } from '../ops/tensor.js';
import type { NeuronUpdate } from '../ops/update/ir.js';

/** How NIR's continuous equations advance by one step (see the module docs). */
export type NirDiscretisation = 'norse' | 'exact' | 'snntorch';

/** The neuron node types an update exists for. */
export type NirNeuronType = 'CubaLIF' | 'CubaLI' | 'LIF' | 'LI' | 'IF' | 'I';

const fire = `
  const z = R(vD - vTh) > 0 ? 1 : 0;
  v = z > 0.5 ? vReset : vD;
`;

const cubaBody = (disc: NirDiscretisation, spiking: boolean): string =>
  disc === 'snntorch'
    ? `
  const iN = R(i + R(kSyn * R(R(wIn * x) - i)));
  const vD = R(v + R(kMem * R(R(vLeak - v) + R(resist * iN))));
  i = iN;
  ${spiking ? fire : 'v = vD;'}`
    : `
  const iJ = R(i + R(wIn * x));
  const vD = R(v + R(kMem * R(R(vLeak - v) + R(resist * iJ))));
  i = ${disc === 'exact' ? 'R(iJ * kSyn)' : 'R(iJ - R(kSyn * iJ))'};
  ${spiking ? fire : 'v = vD;'}`;

const make = (type: NirNeuronType, disc: NirDiscretisation): NeuronUpdate => {
  const name = `nir_${type.toLowerCase()}_${disc}`;
  switch (type) {
    case 'CubaLIF':
    case 'CubaLI': {
      const spiking = type === 'CubaLIF';
      return {
        name,
        inputs: ['x'],
        state: ['v', 'i'],
        params: spiking ? ['wIn', 'kMem', 'kSyn', 'resist', 'vLeak', 'vTh', 'vReset'] : ['wIn', 'kMem', 'kSyn', 'resist', 'vLeak'],
        output: spiking ? 'z' : 'v',
        body: cubaBody(disc, spiking),
      };
    }
    case 'LIF':
      return {
        name,
        inputs: ['x'],
        state: ['v'],
        params: ['kMem', 'resist', 'vLeak', 'vTh', 'vReset'],
        output: 'z',
        body: `
  const vD = R(v + R(kMem * R(R(R(resist * x) + vLeak) - v)));
  ${fire}`,
      };
    case 'LI':
      return {
        name,
        inputs: ['x'],
        state: ['v'],
        params: ['kMem', 'resist', 'vLeak'],
        output: 'v',
        body: `
  v = R(v + R(kMem * R(R(vLeak - v) + R(resist * x))));`,
      };
    case 'IF':
      return {
        name,
        inputs: ['x'],
        state: ['v'],
        params: ['resist', 'vTh', 'vReset'],
        output: 'z',
        body: `
  const vD = R(v + R(resist * x));
  ${fire}`,
      };
    case 'I':
      return { name, inputs: ['x'], state: ['v'], params: ['resist'], output: 'v', body: '\n  v = R(v + R(resist * x));' };
  }
};

const updates = new Map<string, NeuronUpdate>();

/**
 * The update of a NIR neuron node type under a discretisation (one object per pair, so backends
 * compile each once). LIF, LI, IF and I step alike under every discretisation (only `kMem` differs).
 */
export const nirUpdate = (type: NirNeuronType, disc: NirDiscretisation): NeuronUpdate => {
  const d = type === 'CubaLIF' || type === 'CubaLI' ? disc : 'norse';
  const key = `${type}/${d}`;
  let u = updates.get(key);
  if (u === undefined) {
    u = make(type, d);
    updates.set(key, u);
  }
  return u;
};

/**
 * Step factors of time constants `tau` (s) for `dt` (s): `kind` `'leak'` gives the membrane's
 * `dt·τ⁻¹` (or `1 − e^{−dt/τ}` for `'exact'`), `'decay'` the current's `dt·τ⁻¹` (or `e^{−dt/τ}`),
 * rounded to the dtype; `τ⁻¹ = 1/τ` is rounded first, as Norse's `from_nir` computes it.
 */
export const stepFactors = (tau: Float64Array, dt: number, disc: NirDiscretisation, kind: 'leak' | 'decay', dtype: DType): Float64Array => {
  const R = dtype === 'float32' ? Math.fround : (v: number) => v;
  const dtR = R(dt);
  return tau.map((t) => {
    if (disc !== 'exact') return R(dtR * R(1 / t));
    return kind === 'leak' ? R(-Math.expm1(-dt / t)) : R(Math.exp(-dt / t));
  });
};
