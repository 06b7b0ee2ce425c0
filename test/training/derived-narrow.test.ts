/**
 * float32 inputs of a float64 `updateRun` on the threads backend (the derived backward reading
 * the float32 tape): the wasm module reads them as float32 and widens each value as it loads it
 * (`narrowInputs` of `wasm/codegen.ts`), instead of the engine widening tiles in JavaScript. The
 * results must be js's bit for bit: forward and reversed, one and two threads, inputs in shared
 * and in ordinary memory (staged for workers in their own element type), ragged widths.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { getKernel, type UpdateRunRequest } from '../../src/ops/backends/backendRegistry.js';
import { compileThreaded } from '../../src/ops/backends/threads/compile.js';
import { terminateThreads } from '../../src/ops/backends/threads/workerPool.js';
import { createThreadsBackend } from '../../src/ops/backends/threadsBackend.js';
import { compileWasmUpdate } from '../../src/ops/backends/wasm/codegen.js';
import { allocate, allocateShared } from '../../src/ops/tensor.js';
import { reverseUpdate } from '../../src/training/derivedStep.js';
import { seededRandom } from './fixtures.js';

afterAll(() => terminateThreads());

const params = lif.updateValues(lif.parameters({}) as never, 0.001);
const rev = reverseUpdate(lif.update, { trained: [], detachOutput: false, method: 'super' });

/** Whether the module's code holds `v128.load64_zero` followed by `f64x2.promote_low_f32x4` somewhere. */
const hasPromotedLoad = (bytes: Uint8Array): boolean => {
  for (let k = 0; k + 3 < bytes.length; k++) if (bytes[k] === 0xfd && bytes[k + 1] === 0x5d && bytes.indexOf(0x5f, k) > 0) return true;
  return false;
};

describe('float32 inputs read by a float64 wasm module', () => {
  it('compiles to loads of two float32 values widened in the module (and not without the flag)', () => {
    const narrow = compileWasmUpdate(rev.update, 'float64', false, undefined, undefined, false, [true, true, true, false]);
    const plain = compileWasmUpdate(rev.update, 'float64', false);
    expect('bytes' in narrow && 'bytes' in plain).toBe(true);
    expect(hasPromotedLoad((narrow as { bytes: Uint8Array }).bytes)).toBe(true);
    expect(hasPromotedLoad((plain as { bytes: Uint8Array }).bytes)).toBe(false);
    // float32 modules ignore the flag (their inputs are float32 already)
    expect(compileWasmUpdate(lif.update, 'float32', true, undefined, undefined, false, [true])).toBe(
      compileWasmUpdate(lif.update, 'float32', true),
    );
  });

  for (const threads of [1, 2]) {
    for (const shared of [true, false]) {
      it(`derived LIF backward step, ${threads} thread(s), ${shared ? 'shared' : 'ordinary'} float32 tape: threads = js bit for bit`, () => {
        const M = 4099;
        const T = 11;
        const r = seededRandom(7 + threads);
        const f32 = (scale: number) =>
          (shared ? allocateShared('float32', T * M) : allocate('float32', T * M)).map(() => (r() - 0.3) * scale);
        // forward input, v and i before each step (float32 tape), ∂loss/∂z (float64)
        const x = f32(4);
        const v = f32(1.5);
        const i = f32(3);
        const g = allocateShared('float64', T * M).map(() => r() - 0.5);
        const backend = createThreadsBackend({ threads, minNeuronStepsPerThread: 1, minNeuronsPerThread: 16, engine: 'wasm' });
        const run = (name: 'js' | 'threads', reverse: boolean) => {
          const out = allocateShared('float64', T * M);
          const state = [allocateShared('float64', M).map(() => r() * 0), allocateShared('float64', M)];
          state[0]?.fill(0.25);
          const request: UpdateRunRequest = {
            where: 'test',
            update: rev.update,
            dtype: 'float64',
            recording: false,
            reverse,
            perNeuron: [...params.map(() => false), false],
            call: { T, M, inputs: [x, v, i, g], out, state, params: [...params, 100], dt: 0.001 },
          };
          getKernel('updateRun', name)?.run(request, name === 'js' ? (undefined as never) : backend);
          return [out, ...state];
        };
        for (const reverse of [true, false]) {
          const a = run('js', reverse);
          const b = run('threads', reverse);
          expect(a[0]?.some((e) => e !== 0)).toBe(true);
          a.forEach((e, k) => {
            let differ = 0;
            for (let j = 0; j < e.length; j++) if (!Object.is(e[j], (b[k] as Float64Array)[j])) differ++;
            expect(differ, `array ${k}, reverse ${reverse}`).toBe(0);
          });
        }
      });
    }
  }

  it('a non-finite float32 input value raises the shared flag', () => {
    const M = 37;
    const T = 5;
    const k = compileThreaded(lif.update, 'float64', true, { threads: 1, engine: 'wasm' }, undefined, [true]);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const at of [3 * M + 36, 0]) {
        const x = allocateShared('float32', T * M).fill(0.5);
        x[at] = bad;
        const flag = new Int32Array(1);
        const rec = [allocateShared('float64', T * M), allocateShared('float64', T * M)];
        k({
          T,
          M,
          inputs: [x],
          out: allocateShared('float64', T * M),
          state: [allocateShared('float64', M), allocateShared('float64', M)],
          record: rec,
          params,
          dt: 0.001,
          nonFinite: flag,
        });
        expect(flag[0], `value ${bad} at ${at}`).toBe(1);
      }
    }
    const clean = new Int32Array(1);
    k({
      T,
      M,
      inputs: [allocateShared('float32', T * M).fill(0.5)],
      out: allocateShared('float64', T * M),
      state: [allocateShared('float64', M), allocateShared('float64', M)],
      record: [allocateShared('float64', T * M), allocateShared('float64', T * M)],
      params,
      dt: 0.001,
      nonFinite: clean,
    });
    expect(clean[0]).toBe(0);
  });
});
