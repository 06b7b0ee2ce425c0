/**
 * The `populationRun` kernel of the `threads` backend: a network population's update
 * (`src/networks/populationUpdate.ts`) run as its WebAssembly SIMD translation
 * (`compileWasmUpdate`, 4 float32 lanes), one step per call, on the calling thread (a network
 * step is a few microseconds: handing it to worker threads would cost more). Every array of the
 * population lives in the module's memory (layout of `../population.ts`), so drives and
 * projections write straight into what the SIMD loop reads; no copy per step. Where the update
 * does not translate, the `js` loop runs instead and `engine` says why. Same bits as `js`.
 * @module
 */
import type { Backend, KernelConfig, PopulationRunRequest, PopulationRuntime } from '../backendRegistry.js';
import { jsPopulationRun, populationLayout, populationViews, viewRuntime } from '../population.js';
import { compileWasmUpdate } from './codegen.js';
import type { WasmModule } from './encoding.js';

const modules = new WeakMap<WasmModule, WebAssembly.Module>();

const runWasm = (r: PopulationRunRequest, backend: Backend): PopulationRuntime => {
  const mask = r.paramArrays.map((a) => a !== undefined);
  const w = typeof WebAssembly === 'object' ? compileWasmUpdate(r.update, 'float32', false, mask) : { unsupported: 'no WebAssembly here' };
  if ('unsupported' in w) {
    const rt = jsPopulationRun.run(r, backend);
    return { ...rt, engine: `js loop (${w.unsupported})` };
  }
  let mod = modules.get(w);
  if (mod === undefined) {
    mod = new WebAssembly.Module(w.bytes as Uint8Array<ArrayBuffer>);
    modules.set(w, mod);
  }
  const math: Record<string, unknown> = {};
  for (const f of w.imports) math[f] = (Math as unknown as Record<string, unknown>)[f];
  const ex = new WebAssembly.Instance(mod, { math } as WebAssembly.Imports).exports as unknown as {
    run: (...args: number[]) => void;
    memory: WebAssembly.Memory;
  };
  const layout = populationLayout(r);
  const bytes = layout.elements * 4;
  if (bytes > ex.memory.buffer.byteLength) ex.memory.grow(Math.ceil((bytes - ex.memory.buffer.byteLength) / 65536));
  const v = populationViews(r, layout, ex.memory.buffer);
  const { stride } = layout;
  // run(T, V, S, ...inputs, out, ...state, ...perNeuron, ...params, dt), pointers in bytes.
  const args: number[] = [1, Math.ceil(r.n / 4), stride * 4, layout.ext * 4];
  const inputArg = layout.rings.map(() => args.push(0) - 1);
  args.push(layout.out * 4, ...layout.state.map((at) => at * 4), ...layout.perNeuron.map((at) => at * 4));
  args.push(...r.params.map((x) => Math.fround(x)), Math.fround(r.dt));
  const run = ex.run;
  const nPorts = layout.rings.length;
  const step = (g: number): void => {
    for (let j = 0; j < nPorts; j++) {
      args[inputArg[j] as number] = ((layout.rings[j] as number) + (g % (r.ringLength[j] as number)) * stride) * 4;
    }
    run.apply(null, args);
    v.clear(g);
  };
  return viewRuntime('wasm simd', r, stride, v, step);
};

/** The `threads` population step (see the module docs). */
export const wasmPopulationRun: KernelConfig<'populationRun'> = {
  kernelName: 'populationRun',
  backendName: 'threads',
  supports: () => true,
  run: (r, backend) => runWasm(r, backend),
};
