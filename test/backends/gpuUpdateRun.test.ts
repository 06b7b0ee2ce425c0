/**
 * The gpu backend's `updateRun` kernel (src/ops/backends/gpu/updateRun.ts) in gpu.js's `cpu` mode
 * against the `js` update run: the same operations in the same order, so bit for bit — the update's
 * single-precision form (`singlePrecisionUpdate`: the built-in models as marked, unmarked updates
 * such as derived backward steps with every operation rounded to float32) lowered by `js` in
 * float32 is what the gpu kernel computes. Forward with records and reversed runs, several blocks
 * (2 RGBA outputs force blocks of a few steps), per-neuron parameters, a `defineModel` update, the
 * derived backward steps of LIF (trained per-neuron parameters) and LSNN; refusals by name.
 */
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { lsnn } from '../../src/neurons/lsnn.js';
import { resolveBackend, type UpdateRunRequest } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend, gpuUpdateRun, singlePrecisionUpdate } from '../../src/ops/backends/gpu.js';
import '../../src/ops/backends/gpuBackend.js';
import { jsUpdateRun } from '../../src/ops/backends/js.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import type { NeuronUpdate } from '../../src/ops/update/ir.js';
import { reverseUpdate } from '../../src/training/derivedStep.js';
import { seededRandom, smoothLeaky } from '../training/fixtures.js';

const gpu = createGpuBackend({ mode: 'cpu' });
// two RGBA outputs: 8 slots per neuron, so a recorded LIF block is 2 steps and a reverse LIF block 1–4
const narrow = createGpuBackend({ mode: 'cpu', maxOutputs: 2 });

interface Arrays {
  out: Float32Array;
  state: Float32Array[];
  record: Float32Array[] | undefined;
}

interface Setup {
  readonly update: NeuronUpdate;
  readonly T: number;
  readonly M: number;
  readonly inputs: Float32Array[];
  readonly state0: Float32Array[];
  readonly params: number[];
  readonly perNeuron?: boolean[];
  readonly paramArrays?: (Float32Array | undefined)[];
  readonly recording: boolean;
  readonly reverse: boolean;
}

const request = (s: Setup, a: Arrays, update: NeuronUpdate): UpdateRunRequest => ({
  where: 'test',
  update,
  dtype: 'float32',
  recording: s.recording,
  perNeuron: s.perNeuron,
  reverse: s.reverse,
  call: {
    T: s.T,
    M: s.M,
    inputs: s.inputs,
    out: a.out,
    state: a.state,
    record: a.record,
    params: s.params,
    paramArrays: s.paramArrays,
    dt: Math.fround(0.001),
  },
});

const fresh = (s: Setup): Arrays => ({
  out: new Float32Array(s.T * s.M),
  state: s.state0.map((a) => a.slice()),
  record: s.recording ? s.update.state.map(() => new Float32Array(s.T * s.M)) : undefined,
});

/** Runs `s` on a gpu backend and on `js` (single-precision form); asserts every value is the same bits. */
const sameBits = (s: Setup, backend = gpu): Arrays => {
  const g = fresh(s);
  const j = fresh(s);
  const res = gpuUpdateRun.run(request(s, g, s.update), backend);
  expect(res.executed?.device).toBe('cpu');
  jsUpdateRun.run(request(s, j, singlePrecisionUpdate(s.update)), backend);
  const diff = (a: Float32Array, b: Float32Array): number => a.reduce((n, v, k) => n + (Object.is(v, b[k]) ? 0 : 1), 0);
  expect(diff(g.out, j.out), 'out').toBe(0);
  g.state.forEach((a, k) => {
    expect(diff(a, j.state[k] as Float32Array), `state ${k}`).toBe(0);
  });
  g.record?.forEach((a, k) => {
    expect(diff(a, (j.record as Float32Array[])[k] as Float32Array), `record ${k}`).toBe(0);
  });
  return g;
};

const r = seededRandom(11);
const rand = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
const T = 37;
const M = 29;
const lifParams = (extra: Record<string, number> = {}): number[] =>
  lif.update.params.map((n) =>
    Math.fround(
      (
        { tauSynInv: 200, tauMemInv: 100, vLeak: 0, vTh: 1, vReset: 0, resetMode: 0, scheme: 0, currentInput: 0, ...extra } as Record<
          string,
          number
        >
      )[n] ?? 0,
    ),
  );

describe('gpu updateRun (gpu.js cpu mode) = js float32 of the single-precision form, bit for bit', () => {
  it('the single-precision form of a marked update is the update as written (LIF = its js float32 run)', () => {
    const s: Setup = {
      update: lif.update,
      T,
      M,
      inputs: [rand(T * M, 0, 8)],
      state0: [rand(M, 0, 0.5), rand(M, 0, 1)],
      params: lifParams(),
      recording: true,
      reverse: false,
    };
    const g = sameBits(s);
    // the js run of the model's own update: the same bits (markers kept)
    const j = fresh(s);
    jsUpdateRun.run(request(s, j, lif.update), gpu);
    expect(Array.from(g.out)).toEqual(Array.from(j.out));
    expect(Array.from(g.record?.[0] ?? [])).toEqual(Array.from(j.record?.[0] ?? []));
    expect(g.out.some((z) => z === 1)).toBe(true);
  });

  it('an unmarked update gets every operation rounded (defineModel smooth neuron), forward and reversed, over several blocks', () => {
    const model = smoothLeaky('gpuUpdateRunSmooth');
    const k = singlePrecisionUpdate(model.update);
    expect(k.body).toContain('R(Math.tanh(R(gain * v)))');
    for (const reverse of [false, true])
      for (const backend of [gpu, narrow])
        sameBits(
          {
            update: model.update,
            T,
            M,
            inputs: [rand(T * M, -1, 1)],
            state0: [rand(M, -0.2, 0.2)],
            params: [100, 0.1, 2].map(Math.fround),
            recording: true,
            reverse,
          },
          backend,
        );
  });

  it('LIF forward with records and per-neuron tauMemInv, vTh over blocks of 2 steps', () => {
    const mask = lif.update.params.map((n) => n === 'tauMemInv' || n === 'vTh');
    sameBits(
      {
        update: lif.update,
        T,
        M,
        inputs: [rand(T * M, 0, 8)],
        state0: [rand(M, 0, 0.5), rand(M, 0, 1)],
        params: lifParams(),
        perNeuron: mask,
        paramArrays: lif.update.params.map((n) => (n === 'tauMemInv' ? rand(M, 60, 140) : n === 'vTh' ? rand(M, 0.6, 1.2) : undefined)),
        recording: true,
        reverse: false,
      },
      narrow,
    );
  });

  it("LIF's derived backward step (trained per-neuron tauMemInv, vTh; 7 surrogates), reversed, one and several blocks", () => {
    for (const method of ['super', 'triangle', 'tanh', 'circ', 'heavi_erfc', 'logistic', 'sigmoid']) {
      const rev = reverseUpdate(lif.update, { trained: ['tauMemInv', 'vTh'], method }).update;
      const fwd = lif.update.params;
      const mask = [...fwd.map((n) => n === 'tauMemInv' || n === 'vTh'), false];
      const arrays = [...fwd.map((n) => (n === 'tauMemInv' ? rand(M, 60, 140) : n === 'vTh' ? rand(M, 0.6, 1.2) : undefined)), undefined];
      for (const backend of [gpu, narrow]) {
        const g = sameBits(
          {
            update: rev,
            T,
            M,
            // x, v and i before each step, ∂loss/∂z
            inputs: [rand(T * M, 0, 8), rand(T * M, 0.5, 1.5), rand(T * M, 0, 2), rand(T * M, -1, 1)],
            state0: [rand(M, -0.1, 0.1), rand(M, -0.1, 0.1), new Float32Array(M), new Float32Array(M)],
            params: [...lifParams(), Math.fround(method === 'triangle' ? 0.3 : 100)],
            perNeuron: mask,
            paramArrays: arrays,
            recording: false,
            reverse: true,
          },
          backend,
        );
        expect(g.out.some((v) => v !== 0)).toBe(true);
        expect(g.state[2]?.some((v) => v !== 0)).toBe(true); // ∂loss/∂tauMemInv accumulated
      }
    }
  });

  it("LSNN's derived backward step (three state variables, adaptation), reversed", () => {
    const rev = reverseUpdate(lsnn.update, { trained: [], method: 'super' }).update;
    const pv: Record<string, number> = { tauSynInv: 200, tauMemInv: 100, tauAdaptInv: 1 / 700, vLeak: 0, vTh: 1, vReset: 0, beta: 1.8 };
    sameBits({
      update: rev,
      T,
      M,
      inputs: [rand(T * M, 0, 4), ...lsnn.update.state.map(() => rand(T * M, 0, 1.2)), rand(T * M, -1, 1)],
      state0: lsnn.update.state.map(() => rand(M, -0.1, 0.1)),
      params: [...lsnn.update.params.map((n) => Math.fround(pv[n] ?? 0)), 100],
      recording: false,
      reverse: true,
    });
  });
});

describe('gpu updateRun: what it refuses', () => {
  const base = (dtype: 'float32' | 'float64'): UpdateRunRequest => ({
    where: 'test',
    update: lif.update,
    dtype,
    recording: false,
    call: {
      T: 1,
      M: 1,
      inputs: [new Float64Array(1)],
      out: new Float64Array(1),
      state: [new Float64Array(1), new Float64Array(1)],
      params: lifParams(),
      dt: 0.001,
    },
  });

  it('float64 by name: a SpikeflowError naming the backend, the model and why', () => {
    expect(() => resolveBackend('trainable', gpu, 'updateRun', base('float64'))).toThrow(SpikeflowError);
    expect(() => resolveBackend('trainable', gpu, 'updateRun', base('float64'))).toThrow(
      /backend "gpu" cannot run this updateRun: lif: float64 is not supported \(gpu.js computes in single precision/,
    );
  });

  it('auto never picks it (float32 gradients only by name)', () => {
    expect(gpuUpdateRun.supports(base('float32'), gpu)).toBe(true);
    expect(gpuUpdateRun.autoSelectable?.(base('float32'), gpu)).toMatch(/single precision/);
    expect(resolveBackend('trainable', 'auto', 'updateRun', base('float32')).backend.name).not.toBe('gpu');
  });
});
