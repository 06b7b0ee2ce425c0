/**
 * The `populationRun` kernel of the `js` backend and the array layout every `populationRun`
 * kernel shares (see {@link PopulationRuntime}): per-neuron arrays of `⌈n/4⌉·4 + 4` elements
 * (so a 4-lane SIMD loop may run past `n` into padding) and ring buffers of `L` such rows, all
 * views of one buffer. The `js` step is the kernel front end's js loop of the population update
 * (`compileUpdate`, float32), its loop-invariant subexpressions computed once (`hoistInvariants`:
 * same operations, same bits); the `threads` backend runs its WebAssembly SIMD translation over
 * the same layout (`wasm/population.ts`), with the same bits.
 * @module
 */
import { hoistInvariants } from '../update/hoist.js';
import { compileUpdate } from '../update/lowerJs.js';
import type { Backend, KernelConfig, PopulationRunRequest, PopulationRuntime } from './backendRegistry.js';

/** Element offsets of a population's arrays in its buffer, and the buffer's length. */
export interface PopulationLayout {
  readonly stride: number;
  readonly ext: number;
  readonly out: number;
  readonly state: readonly number[];
  /** Offsets of the per-neuron parameter arrays, in parameter order (only those given). */
  readonly perNeuron: readonly number[];
  /** Parameter indices of {@link PopulationLayout.perNeuron}. */
  readonly perNeuronIndex: readonly number[];
  readonly rings: readonly number[];
  readonly elements: number;
}

/** The layout of a request (see the module docs). */
export const populationLayout = (r: PopulationRunRequest): PopulationLayout => {
  const stride = Math.ceil(r.n / 4) * 4 + 4;
  let p = 0;
  const take = (len: number): number => {
    const at = p;
    p += len;
    return at;
  };
  const ext = take(stride);
  const out = take(stride);
  const state = r.update.state.map(() => take(stride));
  const perNeuronIndex = r.paramArrays.flatMap((a, j) => (a === undefined ? [] : [j]));
  const perNeuron = perNeuronIndex.map(() => take(stride));
  const rings = r.ringLength.map((L) => take(L * stride));
  return { stride, ext, out, state, perNeuron, perNeuronIndex, rings, elements: p };
};

/**
 * The views of a population's arrays over `memory` (laid out by `layout`), with the per-neuron
 * parameters copied in, and the function clearing the rings' rows of step `g`.
 */
export const populationViews = (r: PopulationRunRequest, layout: PopulationLayout, memory: ArrayBuffer) => {
  const { stride } = layout;
  const view = (at: number, len: number) => new Float32Array(memory, at * 4, len);
  const paramArrays: (Float32Array | undefined)[] = r.paramArrays.map(() => undefined);
  layout.perNeuronIndex.forEach((j, q) => {
    const a = view(layout.perNeuron[q] as number, stride);
    a.set(r.paramArrays[j] as Float32Array);
    paramArrays[j] = a;
  });
  const rings = layout.rings.map((at, j) => view(at, (r.ringLength[j] as number) * stride));
  const n = r.n;
  const clear = (g: number): void => {
    for (let j = 0; j < rings.length; j++) {
      const at = (g % (r.ringLength[j] as number)) * stride;
      (rings[j] as Float32Array).fill(0, at, at + n);
    }
  };
  return {
    ext: view(layout.ext, stride),
    out: view(layout.out, stride),
    outBits: new Int32Array(memory, layout.out * 4, stride),
    state: layout.state.map((at) => view(at, stride)),
    paramArrays,
    rings,
    clear,
  };
};

/**
 * The runtime of a population whose arrays are the views `v` over its memory (`js` and `threads`:
 * the state is live in `v.state`; `gpu` adds its block steps and state transfers), stepped by `step`.
 * @param engine - how `step` runs (`js loop`, `wasm simd`)
 */
export const viewRuntime = (
  engine: string,
  r: PopulationRunRequest,
  stride: number,
  v: ReturnType<typeof populationViews>,
  step: (g: number) => void,
): PopulationRuntime => ({
  engine,
  n: r.n,
  stride,
  ext: v.ext,
  out: v.out,
  outBits: v.outBits,
  state: v.state,
  rings: v.rings,
  ringLength: r.ringLength,
  step,
});

const runJs = (r: PopulationRunRequest): PopulationRuntime => {
  const layout = populationLayout(r);
  const v = populationViews(r, layout, new ArrayBuffer(layout.elements * 4));
  // Subexpressions of scalar parameters and dt (e.g. a leak factor's Math.exp) are computed once.
  const h = hoistInvariants(
    r.update,
    'float32',
    r.paramArrays.map((a) => a !== undefined),
  );
  const fn = compileUpdate(h.update, 'float32', false, h.perNeuron);
  const dt = Math.fround(r.dt);
  const { stride } = layout;
  const rows = v.rings.map((ring, j) =>
    Array.from({ length: r.ringLength[j] as number }, (_, s) => ring.subarray(s * stride, (s + 1) * stride)),
  );
  const inputs: Float32Array[] = [v.ext, ...rows.map((x) => x[0] as Float32Array)];
  const paramArrays = [...v.paramArrays, ...Array.from({ length: h.hoisted }, () => undefined)];
  const call = { T: 1, M: r.n, inputs, out: v.out, state: v.state, params: h.params(r.params, dt), paramArrays, dt };
  const nPorts = rows.length;
  const step = (g: number): void => {
    for (let j = 0; j < nPorts; j++) inputs[j + 1] = (rows[j] as Float32Array[])[g % (r.ringLength[j] as number)] as Float32Array;
    fn(call);
    v.clear(g);
  };
  return viewRuntime('js loop', r, stride, v, step);
};

/** The `js` population step: the population update's js loop, one step per call. */
export const jsPopulationRun: KernelConfig<'populationRun'> = {
  kernelName: 'populationRun',
  backendName: 'js',
  supports: () => true,
  run: (r: PopulationRunRequest, _backend: Backend) => runJs(r),
};
