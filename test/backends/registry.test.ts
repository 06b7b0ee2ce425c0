/**
 * Backend selection: `auto` / names / backend objects, clear errors for what a backend cannot run,
 * what actually ran (including gpu.js's silent fallbacks), and registering a further backend.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { li } from '../../src/neurons/li.js';
import { lif } from '../../src/neurons/lif.js';
import {
  backendNames,
  executionOf,
  getBackend,
  registerBackend,
  registerKernel,
  resolveBackend,
  unregisterBackend,
} from '../../src/ops/backends/backendRegistry.js';
import { createGpuBackend } from '../../src/ops/backends/gpu.js';
import { gpuBackend } from '../../src/ops/backends/gpuBackend.js';
import { gpuJs } from '../../src/ops/backends/gpujs.js';
import { jsNeuronRun } from '../../src/ops/backends/js.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { linear, linearParameters } from '../../src/ops/linear.js';
import { fromTypedArray, type Tensor, tensor } from '../../src/ops/tensor.js';
import { root } from '../package/entries.js';

/** A [T, 1, N] ramp input that makes some neurons spike. */
const input = (T: number, N: number, dtype: 'float32' | 'float64' = 'float32'): Tensor => {
  const d = dtype === 'float32' ? new Float32Array(T * N) : new Float64Array(T * N);
  for (let k = 0; k < d.length; k++) d[k] = 0.05 + (0.6 * (k % N)) / N;
  return fromTypedArray(d, [T, 1, N]);
};

const glPresent = gpuJs.HeadlessGLKernel.isSupported;

describe('backend registry', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('registers js and gpu, gpu ahead of js for auto', () => {
    const names = backendNames();
    expect(names).toContain('js');
    expect(names.indexOf('gpu')).toBeLessThan(names.indexOf('js'));
    expect(names.indexOf('gpu')).toBeGreaterThanOrEqual(0);
    expect(getBackend('js')?.describe()).toEqual({ backend: 'js', device: 'cpu', accelerated: false });
  });

  it('auto skips gpu in Node unless a hardware headless-gl context exists, and says why', () => {
    const selectable = gpuBackend.autoSelectable();
    if (!glPresent) expect(selectable).toMatch(/no WebGL2 or headless-gl context/);
    const [outs, state] = lif.run({}, 0.001, { backend: 'auto' })(input(30, 8));
    const info = executionOf(outs);
    expect(info?.requested).toBe('auto');
    if (selectable === true) expect(info?.backend).toBe('gpu');
    else expect(info?.backend).not.toBe('gpu');
    if (selectable !== true) expect(info?.note).toContain(`gpu skipped (${selectable})`);
    expect(executionOf(state)).toEqual(info);
  });

  it('the default selection is auto', () => {
    const [outs] = lif.run()(input(5, 3));
    expect(executionOf(outs)?.requested).toBe('auto');
  });

  it('explicit gpu runs gpu.js in the mode it has here and reports it (cpu without the gl module)', () => {
    const [outs] = lif.run({}, 0.001, { backend: 'gpu' })(input(30, 8));
    const info = executionOf(outs);
    expect(info?.backend).toBe('gpu');
    expect(info?.requested).toBe('gpu');
    expect(info?.device).toBe(gpuBackend.describe().device);
    if (!glPresent) expect(info?.device).toBe('cpu');
  });

  it('step takes a backend too', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const x = fromTypedArray(new Float32Array([2, 0.5, 0]), [1, 3]);
    const [z, s] = lif.step({}, 0.001, { backend: gpu })(x);
    expect(executionOf(z)?.backend).toBe('gpu');
    // One step from rest: v = dt·τ_mem⁻¹·(0 − 0 + x) = 0.1·x, i = x·(1 − dt·τ_syn⁻¹) = 0.8·x.
    expect(Array.from(s.v.data)).toEqual([0.2, 0.05, 0].map(Math.fround));
    expect(Array.from(s.i.data)).toEqual([1.6, 0.4, 0].map(Math.fround));
    expect(Array.from(z.data)).toEqual([0, 0, 0]);
  });

  it('names the entry to import when threads or gpu is asked for before it is registered (core entry only)', async () => {
    const script = `import { full, lif } from 'spikeflow';
for (const backend of ['threads', 'gpu', 'toString']) {
  try { lif.run({}, 0.001, { backend })(full([1, 1, 1], 0)); } catch (e) { console.log(e.message); }
}`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=spikeflow-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root },
    );
    expect(stdout.split('\n').slice(0, 3)).toEqual([
      `lif.run: backend must be "auto", one of "js" or a backend object, received "threads" (not registered yet: import 'spikeflow/threads' or 'spikeflow/node' first)`,
      `lif.run: backend must be "auto", one of "js" or a backend object, received "gpu" (not registered yet: import 'spikeflow/gpu' first)`,
      'lif.run: backend must be "auto", one of "js" or a backend object, received "toString"',
    ]);
  });

  it('rejects unknown backends and options by name', () => {
    expect(() => lif.run({}, 0.001, { backend: 'cuda' })).toThrow(SpikeflowError);
    expect(() => lif.run({}, 0.001, { backend: 'cuda' })).toThrow(
      /backend must be "auto", one of "gpu", (.*, )?"js" or a backend object, received "cuda"/,
    );
    expect(() => lif.step({}, 0.001, { device: 'gpu' } as never)).toThrow(/unknown option "device"; expected backend/);
    expect(() => createGpuBackend({ mode: 'vulkan' as never })).toThrow(/mode must be one of/);
    expect(() => createGpuBackend({ maxOutputs: 0 })).toThrow(/maxOutputs must be a positive integer, received 0/);
  });

  it('float64 runs on js under auto and is refused by gpu with the reason', () => {
    const xs = input(10, 4, 'float64');
    const [outs] = lif.run({}, 0.001)(xs);
    expect(executionOf(outs)?.backend).not.toBe('gpu');
    expect(executionOf(outs)?.note).toContain('gpu skipped');
    expect(() => lif.run({}, 0.001, { backend: 'gpu' })(xs)).toThrow(/backend "gpu" cannot run this neuronRun: float64 is not supported/);
  });

  it('detects gpu.js falling back silently (webasm has no kernel maps, gpu.js degrades to cpu)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const webasm = createGpuBackend({ mode: 'webasm' });
    const xs = input(200, 8);
    const [outs] = lif.run({}, 0.001, { backend: webasm })(xs);
    const info = executionOf(outs);
    expect(info?.backend).toBe('gpu');
    expect(info?.device).toBe('cpu');
    expect(info?.note).toMatch(/gpu.js fell back from webasm to cpu: kernel maps are not supported/);
    expect(warn).toHaveBeenCalled();
    const [ref] = lif.run({}, 0.001, { backend: 'js' })(xs);
    expect(Array.from(outs.data)).toEqual(Array.from(ref.data));
  });

  it('a registered backend takes part in auto by priority, and can be removed', () => {
    registerBackend({
      name: 'double',
      priority: 1000,
      autoSelectable: () => true,
      describe: () => ({ backend: 'double', device: 'test-device', accelerated: false }),
    });
    registerKernel({ ...jsNeuronRun, backendName: 'double', supports: (r) => (r.T > 1 ? true : 'only chunks of 2 steps or more') });
    try {
      const [outs] = lif.run({}, 0.001)(input(4, 2));
      expect(executionOf(outs)).toMatchObject({ backend: 'double', device: 'test-device', requested: 'auto' });
      const [one] = lif.run({}, 0.001)(input(1, 2));
      expect(executionOf(one)?.backend).not.toBe('double');
      expect(executionOf(one)?.note).toContain('double skipped (only chunks of 2 steps or more)');
      expect(() => linear(linearParameters([[1]]), { backend: 'double' })(tensor([[1]]))).toThrow(/backend "double" has no linear kernel/);
    } finally {
      unregisterBackend('double');
    }
    expect(backendNames()).not.toContain('double');
    expect(() => unregisterBackend('js')).toThrow(SpikeflowError);
  });

  it('resolveBackend reports an explicit choice without a note', () => {
    const r = resolveBackend('test', 'js', 'linear', {
      where: 'test',
      x: tensor([[1, 2]]),
      weight: tensor([[1, 1]]),
      rows: 1,
      K: 2,
      O: 1,
      owner: {},
    });
    expect(r.backend.name).toBe('js');
    expect(r.requested).toBe('js');
    expect(r.note).toBeUndefined();
  });

  it('linear computes x Wᵀ + b on js and on gpu.js, and reports where', () => {
    // Hand-derived: [1, 2, 3]·[[1, 0, −1], [0.5, 0.5, 0.5]]ᵀ + [0.25, −1] = [−2 + 0.25, 3 − 1].
    const p = linearParameters(
      [
        [1, 0, -1],
        [0.5, 0.5, 0.5],
      ],
      [0.25, -1],
    );
    const x = tensor([[[1, 2, 3]]]);
    for (const backend of ['js', createGpuBackend({ mode: 'cpu' })] as const) {
      const y = linear(p, { backend })(x);
      expect(y.shape).toEqual([1, 1, 2]);
      expect(Array.from(y.data)).toEqual([-1.75, 2]);
      expect(executionOf(y)?.backend).toBe(typeof backend === 'string' ? 'js' : 'gpu');
    }
    expect(() => linear(p, { backend: 'js' })(tensor([[1, 2]]))).toThrow(/input shape \[1, 2\] does not end in 3/);
    expect(() => linear(p, { weights: 1 } as never)).toThrow(/unknown option "weights"; expected backend/);
  });

  it('LI (non-binary output) on gpu equals js', () => {
    const gpu = createGpuBackend({ mode: 'cpu' });
    const xs = input(75, 6);
    const [a, sa] = li.run({}, 0.001, { backend: gpu })(xs);
    const [b, sb] = li.run({}, 0.001, { backend: 'js' })(xs);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(sa.v.data)).toEqual(Array.from(sb.v.data));
  });
});
