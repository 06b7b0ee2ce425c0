/**
 * The page bundle of test/browser/gpu.browser.test.ts: runs spikeflow in the browser and hands
 * plain arrays back to the Node side, which asserts. Installs a counter of live WebGL textures
 * (created minus deleted) before gpu.js creates its contexts.
 */
import { models } from '../../src/neurons/registry.js';
import { executionOf } from '../../src/ops/backends/backendRegistry.js';
import { gpuBackend } from '../../src/ops/backends/gpuBackend.js';
import { linear, linearParameters } from '../../src/ops/linear.js';
import { concat, fromTypedArray, slice, type Tensor } from '../../src/ops/tensor.js';
import { liveTextures } from './textureCounts.js';

/** A float32 `[T, 1, N]` chunk from rows. */
const chunkOf = (rows: readonly (readonly number[])[]): Tensor => {
  const T = rows.length;
  const N = rows[0]?.length ?? 0;
  const d = new Float32Array(T * N);
  rows.forEach((r, t) => {
    d.set(r, t * N);
  });
  return fromTypedArray(d, [T, 1, N]);
};

/** A case as the Node side sends it. */
export interface PageCase {
  readonly model: string;
  readonly params: Record<string, unknown>;
  readonly input: number[][];
  readonly dt: number;
}

const plain = (r: Readonly<Record<string, Tensor>> | undefined): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r ?? {}).map(([k, t]) => [k, Array.from(t.data)]));

const api = {
  describe: () => gpuBackend.describe(),
  autoSelectable: () => gpuBackend.autoSelectable(),
  liveTextures,
  liveBuffers: () => gpuBackend.liveBuffers(),

  /** One recorded float32 run of a case on a backend. */
  runCase: (c: PageCase, backend: 'js' | 'gpu' | 'auto') => {
    const model = models[c.model];
    if (model === undefined) throw new Error(`no model ${c.model}`);
    const [out, state, recorded] = model.run(c.params as never, c.dt, { record: true, backend })(chunkOf(c.input));
    return { out: Array.from(out.data), state: plain(state), recorded: plain(recorded), info: executionOf(out) };
  },

  /** A case streamed in chunks through device state: outputs of every chunk, final state. */
  streamCase: (c: PageCase, bounds: readonly number[], backend: 'js' | 'gpu') => {
    const model = models[c.model];
    if (model === undefined) throw new Error(`no model ${c.model}`);
    const xs = chunkOf(c.input);
    const run = model.run(c.params as never, c.dt, { backend });
    const outs: Tensor[] = [];
    let state: Readonly<Record<string, Tensor>> | undefined;
    const infos: unknown[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const [o, s] = run(slice(xs, bounds[k] as number, bounds[k + 1] as number), state as never);
      outs.push(o);
      infos.push(executionOf(o));
      state = s;
    }
    return { out: Array.from(concat(outs).data), state: plain(state), infos };
  },

  /**
   * LIF → Linear → LI over `chunks` chunks of one input, on `backend`: outputs of the last
   * chunk, what ran, transfers and live textures after `probe` chunks and at the end.
   */
  network: (input: number[][], weight: number[][], bias: number[], dt: number, chunks: number, probe: number, backend: 'js' | 'gpu') => {
    const w = linearParameters(weight, bias, 'float32');
    const l1 = models.LIF?.run({}, dt, { backend });
    const lin = linear(w, { backend });
    const l2 = models.LI?.run({}, dt, { backend, record: true });
    if (l1 === undefined || l2 === undefined) throw new Error('LIF and LI are registered');
    const xs = chunkOf(input);
    let s1: Readonly<Record<string, Tensor>> | undefined;
    let s2: Readonly<Record<string, Tensor>> | undefined;
    let last: Record<string, unknown> = {};
    let atProbe: Record<string, number> = {};
    let spikes = 0;
    for (let c = 0; c < chunks; c++) {
      const [z, n1] = l1(xs, s1 as never);
      const before = gpuBackend.transfers();
      const y = lin(z);
      const [out, n2, rec] = l2(y, s2 as never);
      const after = gpuBackend.transfers();
      for (const v of z.data) spikes += v;
      s1 = n1;
      s2 = n2;
      if (c + 1 === probe) atProbe = { liveTextures: api.liveTextures(), liveBuffers: gpuBackend.liveBuffers() };
      if (c + 1 === chunks) {
        last = {
          z: Array.from(z.data),
          y: Array.from(y.data),
          out: Array.from(out.data),
          v: Array.from(rec?.v?.data ?? []),
          i: Array.from(rec?.i?.data ?? []),
          infos: [executionOf(z), executionOf(y), executionOf(out)],
          uploadedBetween: after.uploadedFloats - before.uploadedFloats,
        };
      }
    }
    return { ...last, spikes, atProbe, atEnd: { liveTextures: api.liveTextures(), liveBuffers: gpuBackend.liveBuffers() } };
  },
};

(globalThis as unknown as { spikeflowTest: typeof api }).spikeflowTest = api;
