/**
 * Device residency on the gpu backend (gpu.js cpu mode in Node; the same bookkeeping drives
 * textures on WebGL2, see test/browser): states stay on the device and are consumed by the next
 * run, LIF → Linear → LI passes its intermediates on the device, and the block layout.
 */
import { describe, expect, it } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif, lifKernel } from '../../src/neurons/lif.js';
// Registers the gpu backend and its kernels, as `import 'spikeflow/gpu'` does.
import '../../src/gpu.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { deviceGroupOf, isDeviceTensor } from '../../src/ops/backends/device.js';
import { createGpuBackend, neuronKernelSource } from '../../src/ops/backends/gpu.js';
import { BITS_PER_WORD, type NeuronLayout, planNeuron } from '../../src/ops/backends/layout.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearParameters } from '../../src/ops/linear.js';
import { fromTypedArray, type Tensor } from '../../src/ops/tensor.js';
import { irOf } from '../../src/ops/update/parse.js';
import { printBody } from '../../src/ops/update/print.js';
import { loadTrace, seq } from '../golden.js';
import { distance, TOLERANCE } from './cases.js';

const ramp = (T: number, N: number): Tensor => {
  const d = new Float32Array(T * N);
  for (let k = 0; k < d.length; k++) d[k] = 0.1 + (0.5 * ((k * 7) % N)) / N;
  return fromTypedArray(d, [T, 1, N]);
};

describe('device-resident state (gpu backend)', () => {
  it('a gpu state lives on the device and is copied to the host when read', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const xs = ramp(40, 5);
    const [, s] = lif.run({}, 0.001, { backend: gpu })(xs);
    const [, ref] = lif.run({}, 0.001, { backend: 'js' })(xs);
    expect(isDeviceTensor(s.v)).toBe(true);
    expect(deviceGroupOf(s.v)?.onHost).toBe(false);
    expect(Array.from(s.v.data)).toEqual(Array.from(ref.v.data));
    expect(Array.from(s.i.data)).toEqual(Array.from(ref.i.data));
    expect(s.v.data).toBe(s.v.data);
    expect(s.v.shape).toEqual([1, 5]);
  });

  it('is consumed by the next run: an unread consumed state cannot be read, a read one keeps its copy', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const run = lif.run({}, 0.001, { backend: gpu });
    const [, s1] = run(ramp(10, 4));
    const [, s2] = run(ramp(10, 4), s1);
    expect(deviceGroupOf(s1.v)?.onDevice).toBe(false);
    expect(() => s1.v.data).toThrow(SpikeflowError);
    expect(() => s1.v.data).toThrow(/consumed by lif.run before anything read it/);
    expect(() => run(ramp(10, 4), s1)).toThrow(/the state was consumed by an earlier run/);
    const kept = Array.from(s2.v.data);
    run(ramp(10, 4), s2);
    expect(Array.from(s2.v.data)).toEqual(kept);
  });

  it('a device state passed to the js backend is read, not consumed', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const [, s] = lif.run({}, 0.001, { backend: gpu })(ramp(20, 3));
    const [a] = lif.run({}, 0.001, { backend: 'js' })(ramp(20, 3), s);
    expect(deviceGroupOf(s.v)?.onDevice).toBe(true);
    const [b] = lif.run({}, 0.001, { backend: gpu })(ramp(20, 3), s);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('a stream of 1 000 chunks through device state equals one long js run', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const run = lif.run({}, 0.001, { backend: gpu });
    const xs = ramp(5, 16);
    let s: ReturnType<typeof lif.initialState> | undefined;
    let spikes = 0;
    for (let c = 0; c < 1000; c++) {
      const [z, next] = run(xs, s);
      for (const v of z.data) spikes += v;
      s = next;
    }
    const long = new Float32Array(5000 * 16);
    for (let k = 0; k < long.length; k++) long[k] = xs.data[k % 80] as number;
    const [ref, refState] = lif.run({}, 0.001, { backend: 'js' })(fromTypedArray(long, [5000, 1, 16]));
    let refSpikes = 0;
    for (const v of ref.data) refSpikes += v;
    expect(spikes).toBe(refSpikes);
    expect(refSpikes).toBeGreaterThan(0);
    expect(Array.from(s?.v.data ?? [])).toEqual(Array.from(refState.v.data));
  });
});

describe('LIF → Linear → LI on the device end to end', () => {
  for (const name of ['a_const_0.3', 'b_const_per_neuron', 'c_sawtooth']) {
    it(`net_LIF_Linear_LI_${name}: matches Norse, equals js, and passes spikes and currents on the device`, () => {
      const tr = loadTrace(`net_LIF_Linear_LI_${name}.json`);
      const w = linearParameters(tr.linear_weight as number[][], tr.linear_bias as number[], 'float32');
      const gpu = createGpuBackend({ mode: 'cpu' });
      const layers = (backend: 'js' | typeof gpu) =>
        [lif.run({}, tr.dt, { backend }), linear(w, { backend }), li.run({}, tr.dt, { backend, record: true })] as const;
      const [l1, lin, l2] = layers(gpu);
      const [z] = l1(seq(tr.input, 'float32'));
      const before = gpu.transfers();
      const y = lin(z);
      const [out, , rec] = l2(y);
      const after = gpu.transfers();
      for (const t of [z, y, out]) expect(executionOf(t)).toMatchObject({ backend: 'gpu', device: 'cpu' });
      // Uploaded between LIF's output and LI's result: only the weights (3·4 + 3) and LI's
      // initial state (2·3) — the spikes and the linear map's result never left the device.
      expect(after.uploadedFloats - before.uploadedFloats).toBe(3 * 4 + 3 + 2 * 3);
      expect(deviceGroupOf(y)?.onHost).toBe(false);

      const o = tr.outputs as Record<string, number[][]>;
      const d = distance(
        ['z', 'out', 'v', 'i', 'linear'],
        (k) => ({ z: z.data, out: out.data, v: rec?.v?.data, i: rec?.i?.data, linear: y.data })[k],
        (k) => ({ z: o.lif_z, out: o.li_out, v: o.li_v, i: o.li_i, linear: o.linear_out })[k]?.flat() ?? [],
      );
      expect(d.spikeMismatches).toBe(0);
      expect(d.worst, d.worstKey).toBeLessThanOrEqual(TOLERANCE);

      const [j1, jlin, j2] = layers('js');
      const [jz] = j1(seq(tr.input, 'float32'));
      const [jout] = j2(jlin(jz));
      expect(Array.from(out.data)).toEqual(Array.from(jout.data));
    });
  }

  it("a linear layer's previous result stays readable after the layer runs again", () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const lin = linear(linearParameters([[1, -1]], [0.5], 'float32'), { backend: gpu });
    const y1 = lin(fromTypedArray(new Float32Array([1, 2, 4, 8]), [2, 2]));
    lin(fromTypedArray(new Float32Array([0, 0, 0, 0]), [2, 2]));
    expect(deviceGroupOf(y1)?.onDevice).toBe(false);
    expect(Array.from(y1.data)).toEqual([-0.5, -3.5]);
  });
});

describe('block layout', () => {
  const plan = (...a: Parameters<typeof planNeuron>) => planNeuron(...a) as NeuronLayout;

  it('packs 24 spikes per float: every integer below 2^24 is exact in float32', () => {
    expect(BITS_PER_WORD).toBe(24);
    expect(Math.fround(2 ** 24 - 1)).toBe(2 ** 24 - 1);
    expect(Math.fround(2 ** 25 - 1)).not.toBe(2 ** 25 - 1);
  });

  it('runs 720 LIF steps per call with 8 outputs, 336 with 4, and 10 recorded steps with 8', () => {
    expect(plan(2, true, false, 8, 10_000)).toMatchObject({ steps: 24 * 30, words: 30, outputs: 8, stateOutputs: 1 });
    expect(plan(2, true, false, 4, 10_000).steps).toBe(24 * 14);
    expect(plan(2, true, false, 8, 100)).toMatchObject({ steps: 100, words: 5, outputs: 2 });
    expect(plan(2, true, true, 8, 10_000)).toMatchObject({ steps: 10, perStep: 3, words: 30, outputs: 8 });
    expect(plan(2, false, false, 8, 10_000)).toMatchObject({ steps: 30, perStep: 1, packed: false });
    expect(plan(5, true, false, 8, 10_000)).toMatchObject({ stateOutputs: 2 });
    expect(planNeuron(4, true, true, 2, 100)).toMatch(/4 state variables recorded per step do not fit in 2 RGBA outputs/);
  });

  it('the gpu kernel is the model kernel text (R markers removed on GL, Math.fround in cpu mode)', () => {
    const layout = plan(2, true, false, 8, 100);
    expect(neuronKernelSource(lifKernel, layout, false)).toContain(printBody(irOf(lifKernel), 'none'));
    const cpu = neuronKernelSource(lifKernel, layout, true);
    expect(cpu).toContain('Math.fround(i + x)');
    expect(cpu).not.toMatch(/(?<![\w.])R\(/);
  });
});
