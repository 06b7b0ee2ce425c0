/**
 * The page bundle of test/browser/gpuTraining.browser.test.ts: runs the gpu backend's `updateRun`
 * kernel and the derived trainable layer on gpu.js WebGL2 (SwiftShader) and on `js` in the same
 * page, and hands plain arrays back to the Node side, which asserts.
 */
import { li } from '../../src/neurons/li.js';
import { lif, lifRecurrent } from '../../src/neurons/lif.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import type { NeuronModel } from '../../src/neurons/model.js';
import { registerKernel, type UpdateRunRequest } from '../../src/ops/backends/backendRegistry.js';
import { gpuUpdateRun, singlePrecisionUpdate } from '../../src/ops/backends/gpu.js';
import { gpuBackend } from '../../src/ops/backends/gpuBackend.js';
import { jsUpdateRun } from '../../src/ops/backends/js.js';
import { fromTypedArray, tensor } from '../../src/ops/tensor.js';
import type { NeuronUpdate } from '../../src/ops/update/ir.js';
import { reverseUpdate } from '../../src/training/derivedStep.js';
import { trainable } from '../../src/training/neurons.js';
import { seededRandom, smoothLeaky } from '../training/fixtures.js';
import { liveTextures } from './textureCounts.js';

/** Devices the gpu `updateRun` kernel reported for the runs of the derived layer (gpu.js falls back silently). */
const devices = new Set<string>();
registerKernel({
  ...gpuUpdateRun,
  run: (r, b) => {
    const res = gpuUpdateRun.run(r, b);
    devices.add(res.executed?.device ?? 'unknown');
    return res;
  },
});

const smooth = smoothLeaky('gpuTrainingPage') as unknown as NeuronModel;

const lifValues = (): number[] =>
  lif.update.params.map((n) => Math.fround(({ tauSynInv: 200, tauMemInv: 100, vTh: 1 } as Record<string, number>)[n] ?? 0));

/** One `updateRun` on gpu (WebGL2) and on `js` (the single-precision form, float32): outputs, records, final state. */
const kernelCase = (which: 'lif forward' | 'lif reverse', T: number, M: number) => {
  const r = seededRandom(which.length * 13 + T);
  const rand = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
  let update: NeuronUpdate;
  let inputs: Float32Array[];
  let state0: Float32Array[];
  let params: number[];
  let perNeuron: boolean[] | undefined;
  let paramArrays: (Float32Array | undefined)[] | undefined;
  const recording = which === 'lif forward';
  if (which === 'lif forward') {
    update = lif.update;
    inputs = [rand(T * M, 0, 8)];
    state0 = [rand(M, 0, 0.5), rand(M, 0, 1)];
    params = lifValues();
  } else {
    update = reverseUpdate(lif.update, { trained: ['tauMemInv', 'vTh'], method: 'super' }).update;
    inputs = [rand(T * M, 0, 8), rand(T * M, 0.5, 1.5), rand(T * M, 0, 2), rand(T * M, -1, 1)];
    state0 = [rand(M, -0.1, 0.1), rand(M, -0.1, 0.1), new Float32Array(M), new Float32Array(M)];
    params = [...lifValues(), 100];
    perNeuron = [...lif.update.params.map((n) => n === 'tauMemInv' || n === 'vTh'), false];
    paramArrays = [
      ...lif.update.params.map((n) => (n === 'tauMemInv' ? rand(M, 60, 140) : n === 'vTh' ? rand(M, 0.6, 1.2) : undefined)),
      undefined,
    ];
  }
  const run = (k: typeof gpuUpdateRun, u: NeuronUpdate) => {
    const out = new Float32Array(T * M);
    const state = state0.map((a) => a.slice());
    const record = recording ? update.state.map(() => new Float32Array(T * M)) : undefined;
    const req: UpdateRunRequest = {
      where: 'page',
      update: u,
      dtype: 'float32',
      recording,
      perNeuron,
      reverse: which === 'lif reverse',
      call: { T, M, inputs, out, state, record, params, paramArrays, dt: Math.fround(0.001) },
    };
    const res = k.run(req, gpuBackend);
    return {
      out: Array.from(out),
      state: state.map((a) => Array.from(a)),
      record: record?.map((a) => Array.from(a)) ?? [],
      executed: res.executed,
    };
  };
  return { gpu: run(gpuUpdateRun, update), js: run(jsUpdateRun, singlePrecisionUpdate(update)) };
};

const layerModels: Record<
  string,
  { model: NeuronModel; params: () => Record<string, unknown>; options?: Record<string, unknown>; nIn: number; gain: number }
> = {
  'LIF super': { model: lif, params: () => ({}), nIn: 16, gain: 6 },
  'LIF heavi_erfc, train tauMemInv, vTh': {
    model: lif,
    params: () => ({ method: 'heavi_erfc', alpha: 20, vLeak: 0.05 }),
    options: { train: ['tauMemInv', 'vTh'], features: 16 },
    nIn: 16,
    gain: 6,
  },
  LI: { model: li, params: () => ({ tauMemInv: 120 }), nIn: 16, gain: 2 },
  LSNN: { model: lsnn, params: () => ({ beta: 1.5, tauAdaptInv: 300 }), nIn: 16, gain: 6 },
  LIFRecurrent: {
    model: lifRecurrent,
    params: () => {
      const r = seededRandom(9);
      const w = (rows: number, cols: number, s: number) =>
        tensor(
          Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r() - 0.3) * s)),
          'float64',
        );
      return { inputWeights: w(16, 5, 4), recurrentWeights: w(16, 16, 0.5) };
    },
    nIn: 5,
    gain: 3,
  },
  'defineModel SmoothLeaky, train tauInv, gain': {
    model: smooth,
    params: () => ({}),
    options: { train: ['tauInv', 'gain'], features: 16 },
    nIn: 16,
    gain: 3,
  },
};

/** The derived layer on gpu and on js: forward (outputs, final state) and backward (∂input, ∂state, every gradient). */
const layerCase = (name: string, T: number, B: number) => {
  const c = layerModels[name];
  if (c === undefined) throw new Error(`no case ${name}`);
  const r = seededRandom(name.length * 7 + 3);
  const xs = fromTypedArray(
    Float32Array.from({ length: T * B * c.nIn }, () => r() * c.gain * 0.1),
    [T, B, c.nIn],
  );
  const run = (backend: 'js' | 'gpu', gOut?: Float64Array) => {
    const layer = trainable(c.model, c.params() as never, 0.001, { paramGrads: true, adjoint: 'derived', ...c.options, backend });
    const g = gOut ?? Float64Array.from({ length: T * B * layer.outFeatures(c.nIn) }, () => r() - 0.3);
    const before = gpuBackend.transfers().uploadedFloats;
    const f = layer.forward(xs);
    const gs = seededRandom(5);
    const gState = Object.fromEntries(
      Object.keys(f.state)
        .sort()
        .map((k) => [k, Float64Array.from(f.state[k] as ArrayLike<number>, () => gs() - 0.5)]),
    );
    const b = layer.backward(f.tape, g, gState);
    const plain = (o: Readonly<Record<string, ArrayLike<number>>>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.from(v)]));
    return {
      g,
      res: {
        out: Array.from(f.out.data),
        state: plain(f.state),
        gx: Array.from(b.gx ?? []),
        gState: plain(b.gState),
        grads: plain(layer.grads),
        uploaded: gpuBackend.transfers().uploadedFloats - before,
      },
    };
  };
  const js = run('js');
  devices.clear();
  const gpu = run('gpu', js.g);
  return { gpu: gpu.res, js: js.res, devices: [...devices] };
};

const api = {
  describe: () => gpuBackend.describe(),
  kernelCase,
  layerCase,
  layerCases: () => Object.keys(layerModels),
  liveTextures,
  liveBuffers: () => gpuBackend.liveBuffers(),
};

(globalThis as unknown as { spikeflowTraining: typeof api }).spikeflowTraining = api;
