/**
 * The `populationRun` kernel of the `gpu` backend: a network population's update
 * (`src/networks/populationUpdate.ts`: model + current/conductance/delta ports + refractoriness)
 * run as gpu.js kernels, one thread per neuron, each call running a block of steps: as many as no
 * spike can reach a population within (the smallest projection delay, at most 24: one packed word
 * of spikes; see `blockSteps` in `src/networks/networkRun.ts`), one step where a state monitor reads
 * every step or a projection has the minimal delay of one step (CUBA, COBA). The update is lowered
 * by the same path as the fused neuron run (`neuronKernelSource` over the kernel front end's
 * printed IR), so no new code generator.
 *
 * What runs where (the subset): the population steps run on the device, the state staying there
 * between calls (RGBA pipeline outputs fed back, as the neuron run's blocks); the external current
 * and the block's ring-buffer rows are uploaded per call, and the block's spikes read back; drives,
 * event-driven propagation through projections, delays (ring buffers) and monitors stay on the
 * CPU (`src/networks/networkRun.ts`), reading the state back only when a monitor or the end of a
 * chunk needs it ({@link PopulationRuntime.readState}). Refused (see `supports`): updates whose
 * state does not fit the device's RGBA outputs, more array arguments than a WebGL2 fragment
 * shader's 16 texture units, more neurons than the largest texture holds.
 *
 * `auto` never takes it: one kernel launch and two transfers per population and block cost more
 * than the whole step on the CPU (a CUBA step of 4 000 neurons is a few µs in WebAssembly).
 * Arithmetic: in gpu.js's `cpu` mode the rounding markers are `Math.fround`, so that mode gives the
 * `js` backend's bits; on GL the GPU rounds each operation (and computes `exp`) itself.
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import type { NeuronUpdate } from '../../update/ir.js';
import type { Backend, KernelConfig, PopulationRunRequest, PopulationRuntime } from '../backendRegistry.js';
import { BITS_PER_WORD, type NeuronLayout, planNeuron } from '../layout.js';
import { populationLayout, populationViews, viewRuntime } from '../population.js';
import { kernelClass } from './modes.js';
import { neuronKernelFor, outputsOf, uploadState } from './neuronRun.js';
import { executed, held, isCpuMode, maxOutputsOf, release, resolvedMode, rgbaOf, type State, stateOf } from './state.js';

/** Array arguments a WebGL2 fragment shader may read (MAX_TEXTURE_IMAGE_UNITS is at least 16). */
const MAX_ARRAYS = 16;

const renamed = new WeakMap<NeuronUpdate, NeuronUpdate>();

/** The update with `$` (the population update's names) spelled `sfD`: GLSL identifiers have no `$`. */
const glslNames = (u: NeuronUpdate): NeuronUpdate => {
  let hit = renamed.get(u);
  if (hit === undefined) {
    const r = (s: string): string => s.replace(/\$/g, 'sfD');
    hit = Object.freeze({
      name: r(u.name),
      inputs: u.inputs.map(r),
      state: u.state.map(r),
      params: u.params.map(r),
      output: r(u.output),
      body: r(u.body),
    });
    renamed.set(u, hit);
  }
  return hit;
};

const unsupported = (st: State, r: PopulationRunRequest): true | string => {
  const S = r.update.state.length;
  const plan = planNeuron(S, true, false, maxOutputsOf(st), 1);
  if (typeof plan === 'string') return plan;
  const arrays = r.update.inputs.length + plan.stateOutputs + r.paramArrays.filter((a) => a !== undefined).length;
  if (arrays > MAX_ARRAYS)
    return `the population step reads ${arrays} arrays (inputs, state, per-neuron parameters), more than a WebGL2 shader's ${MAX_ARRAYS}`;
  if (!isCpuMode(st)) {
    const side = kernelClass(resolvedMode(st)).features?.maxTextureSize ?? 4096;
    if (r.n > side * side) return `${r.n} neurons exceed the largest texture (${side}×${side})`;
  }
  return true;
};

const runGpu = (r: PopulationRunRequest, backend: Backend): PopulationRuntime => {
  const st = stateOf(backend);
  const u = glslNames(r.update);
  const { n } = r;
  // Blocks of up to 24 steps (one packed word of spikes per neuron); a single step is a block of 1.
  const layout = planNeuron(u.state.length, true, false, maxOutputsOf(st), BITS_PER_WORD) as NeuronLayout;
  const maxBlock = layout.steps;
  const host = populationLayout(r);
  const v = populationViews(r, host, new ArrayBuffer(host.elements * 4));
  const { stride } = host;
  const S = u.state.length;
  // Spikes sit in slot S (one packed word): output group S >> 2, channel S & 3.
  const spikeGroup = S >> 2;
  const spikeChannel = S & 3;
  const params: unknown[] = r.params.map((p, j) => v.paramArrays[j]?.subarray(0, n) ?? Math.fround(p));
  const dt = Math.fround(r.dt);
  let stateObjs: unknown[] = [];
  /** Whether the device holds the state (else `v.state` does, and is uploaded before the next step). */
  let onDevice = false;
  /** Whether `v.state` holds the device's state. */
  let hostCurrent = true;
  let engine = `gpu.js ${resolvedMode(st)}`;

  const drop = (): void => {
    for (const o of stateObjs) release(st, o);
    stateObjs = [];
  };
  const fail = (e: unknown): never => {
    if (e instanceof SpikeflowError) throw e;
    throw new SpikeflowError(
      'spikingNetwork.run',
      'backend',
      `gpu.js (${resolvedMode(st)}) failed to run ${r.update.name}: ${e instanceof Error ? e.message : show(e)}`,
    );
  };
  const readState = (): void => {
    if (hostCurrent) return;
    try {
      const raw = stateObjs.map((o) => rgbaOf(st, o, n));
      v.state.forEach((a, s) => {
        const src = raw[s >> 2] as Float32Array;
        const c = s & 3;
        for (let i = 0; i < n; i++) a[i] = src[4 * i + c] as number;
      });
    } catch (e) {
      fail(e);
    }
    hostCurrent = true;
  };
  const writeState = (): void => {
    onDevice = false;
    hostCurrent = true;
  };
  // Per-port (and external-current) staging for blocks of several steps: rows gathered contiguous.
  const staging = [v.ext, ...v.rings].map(() => new Float32Array(maxBlock * n));
  /** Steps g … g+B−1 (see `PopulationRuntime.stepBlock`); spikes of step g+b in out[b·stride …]. */
  const stepBlock = (g: number, B: number, extRows: Float32Array, out: Float32Array): void => {
    try {
      if (!onDevice) {
        drop();
        stateObjs = uploadState(
          st,
          v.state.map((a) => a.subarray(0, n)),
          n,
        );
        onDevice = true;
      }
      let inputs: Float32Array[];
      if (B === 1) {
        inputs = [
          extRows.subarray(0, n),
          ...v.rings.map((ring, j) => {
            const at = (g % (r.ringLength[j] as number)) * stride;
            return ring.subarray(at, at + n);
          }),
        ];
      } else {
        inputs = [extRows, ...v.rings].map((src, j) => {
          const dst = staging[j] as Float32Array;
          const L = j === 0 ? B : (r.ringLength[j - 1] as number);
          for (let b = 0; b < B; b++) {
            const at = ((j === 0 ? b : g + b) % L) * stride;
            dst.set(src.subarray(at, at + n), b * n);
          }
          return dst.subarray(0, B * n);
        });
      }
      st.uploaded += inputs.length * B * n;
      const values: unknown[] = [...inputs, ...stateObjs, n, 0, B, ...params, dt];
      const k = neuronKernelFor(st, u, layout, n, values);
      const outs = outputsOf(k(...values), layout.outputs).map((o) => held(st, o));
      const ran = executed(st, k);
      engine = `gpu.js ${ran.device}${ran.note === undefined ? '' : ` (${ran.note})`}`;
      drop();
      stateObjs = outs.slice(0, layout.stateOutputs);
      hostCurrent = false;
      // One word holds the block's spikes, bit b for step g+b (B ≤ 24).
      const raw = rgbaOf(st, outs[spikeGroup], n);
      for (let i = 0; i < n; i++) {
        const word = (raw[4 * i + spikeChannel] as number) | 0;
        for (let b = 0; b < B; b++) out[b * stride + i] = (word >> b) & 1;
      }
      for (const o of outs.slice(layout.stateOutputs)) release(st, o);
    } catch (e) {
      fail(e);
    }
    for (let b = 0; b < B; b++) v.clear(g + b);
  };
  return {
    ...viewRuntime(engine, r, stride, v, (g) => stepBlock(g, 1, v.ext, v.out)),
    // the device and mode gpu.js ran on, known after the first block
    get engine() {
      return engine;
    },
    stepBlock,
    maxBlock,
    readState,
    writeState,
    release: () => {
      readState();
      drop();
      onDevice = false;
    },
  };
};

/** The `gpu` population step (see the module docs); `auto` passes it by. */
export const gpuPopulationRun: KernelConfig<'populationRun'> = {
  kernelName: 'populationRun',
  backendName: 'gpu',
  supports: (r, b) => unsupported(stateOf(b), r),
  autoSelectable: () =>
    'a network step is one gpu.js launch and two transfers per population, slower than the CPU kernels; ask for backend "gpu" by name',
  run: (r, b) => runGpu(r, b),
};
