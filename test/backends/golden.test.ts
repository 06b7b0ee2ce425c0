/**
 * The golden-trace suite on every backend available in Node: `js` and gpu.js in its `cpu` mode
 * (the same generated kernel gpu.js compiles to GLSL in browsers; test/browser runs it on WebGL2).
 * Every trace of a registered model runs in float32 (float32 files, and float32 runs of the
 * float64 traces): spikes identical to Norse's, values within 1e-5 (see cases.ts). Each run also
 * asserts which backend and device actually computed it.
 */
import { describe, expect, it } from 'vitest';
import type { NeuronModel, NeuronState } from '../../src/neurons/model.js';
// Registers the gpu backend and its kernels, as `import 'spikeflow/gpu'` does.
import '../../src/gpu.js';
import { type BackendChoice, executionOf } from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { concat, slice, type Tensor } from '../../src/ops/tensor.js';
import { seq } from '../golden.js';
import { distance, type GoldenCase, goldenCases, TOLERANCE, valuesOf } from './cases.js';

const cases = goldenCases();

interface Target {
  readonly label: string;
  readonly choice: BackendChoice;
  readonly backend: string;
  readonly device: string;
}

const targets: readonly Target[] = [
  { label: 'js', choice: 'js', backend: 'js', device: 'cpu' },
  { label: 'gpu.js cpu mode', choice: createGpuBackend({ mode: 'cpu' }), backend: 'gpu', device: 'cpu' },
];

const runCase = (c: GoldenCase, choice: BackendChoice) => {
  const [outs, state, recorded] = c.model.run(c.params as never, c.trace.dt, { record: true, backend: choice })(
    seq(c.trace.input, 'float32'),
  );
  return { outs, state, recorded: recorded as Readonly<Record<string, Tensor>> };
};

const keysOf = (c: GoldenCase): string[] => Object.keys(c.trace.outputs);

describe('golden traces on every backend (float32)', () => {
  it('finds the traces of the registered models, feed-forward and recurrent', () => {
    const names = new Set(cases.map((c) => c.trace.model));
    for (const m of ['LIF', 'LI', 'LIBox', 'LIFBox', 'IAF', 'LIFRefrac', 'LIFRecurrent']) expect(names.has(m), m).toBe(true);
    expect(cases.some((c) => c.trace.dtype === 'float32')).toBe(true);
  });

  for (const target of targets) {
    describe(target.label, () => {
      for (const c of cases) {
        if (c.model.recurrent && target.backend !== 'js') continue;
        if (c.departs !== undefined && target.backend === 'js') continue; // js is the reference there
        const against = c.departs === undefined ? 'Norse' : `the js float32 run (${c.departs})`;
        it(`${c.file} (${c.trace.dtype} trace) matches ${against}`, () => {
          const { outs, recorded } = runCase(c, target.choice);
          const info = executionOf(outs);
          expect(info?.backend).toBe(target.backend);
          expect(info?.device).toBe(target.device);
          const ref = c.departs === undefined ? undefined : runCase(c, 'js');
          const d = distance(
            keysOf(c),
            (key) => valuesOf(key, outs, recorded)?.data,
            (key) =>
              ref === undefined ? (c.trace.outputs[key] as number[][]).flat() : (valuesOf(key, ref.outs, ref.recorded) as Tensor).data,
          );
          expect(d.spikeMismatches).toBe(0);
          expect(d.worst, d.worstKey).toBeLessThanOrEqual(TOLERANCE);
        });
      }
    });
  }

  describe('gpu.js cpu mode runs the kernel text with every R(...) as Math.fround', () => {
    const gpu = targets[1] as Target;
    for (const c of cases.filter((k) => !k.model.recurrent)) {
      it(`${c.file}: equals the js float32 run bit for bit`, () => {
        const a = runCase(c, gpu.choice);
        const b = runCase(c, 'js');
        expect(Array.from(a.outs.data)).toEqual(Array.from(b.outs.data));
        for (const name of c.model.stateNames) {
          expect(Array.from((a.recorded[name] as Tensor).data), name).toEqual(Array.from((b.recorded[name] as Tensor).data));
        }
      });
    }
  });

  describe('gpu backend, 2 render targets: chunks streamed through device state equal one js run', () => {
    // Two RGBA outputs leave 4–6 word slots: 96–144 packed steps per block, so the 200-step
    // traces run as several blocks, and the chunks below split blocks at odd places.
    const narrow = createGpuBackend({ mode: 'cpu', maxOutputs: 2 });
    for (const c of cases.filter((k) => !k.model.recurrent && k.trace.param_set === 'nondefault')) {
      it(`${c.file} in chunks of 7, 150, 43 steps`, () => {
        const xs = seq(c.trace.input, 'float32');
        const run = c.model.run(c.params as never, c.trace.dt, { backend: narrow });
        const outs: Tensor[] = [];
        let state: NeuronState | undefined;
        for (const [a, b] of [
          [0, 7],
          [7, 157],
          [157, 200],
        ] as const) {
          const [o, s] = run(slice(xs, a, b), state);
          expect(executionOf(o)?.backend).toBe('gpu');
          outs.push(o);
          state = s;
        }
        const [refOut, refState] = c.model.run(c.params as never, c.trace.dt, { backend: 'js' })(xs);
        expect(Array.from(concat(outs).data)).toEqual(Array.from(refOut.data));
        for (const name of c.model.stateNames) {
          expect(Array.from((state as NeuronState)[name]?.data ?? []), name).toEqual(Array.from((refState[name] as Tensor).data));
        }
      });
    }
  });

  describe('recurrent models are not fused on the gpu backend', () => {
    const recurrent = [...new Map(cases.filter((c) => c.model.recurrent).map((c) => [c.model.name, c])).values()];
    for (const c of recurrent) {
      it(`${c.model.name}: explicit gpu throws a clear error, auto runs it elsewhere`, () => {
        const model = c.model as NeuronModel;
        const xs = seq(c.trace.input, 'float32');
        expect(() => model.run(c.params as never, c.trace.dt, { backend: targets[1]?.choice })(xs)).toThrow(SpikeflowError);
        expect(() => model.run(c.params as never, c.trace.dt, { backend: targets[1]?.choice })(xs)).toThrow(
          /recurrent models need a matrix product/,
        );
        const [outs] = model.run(c.params as never, c.trace.dt, { backend: 'auto' })(xs);
        expect(executionOf(outs)?.backend).not.toBe('gpu');
      });
    }
  });
});
