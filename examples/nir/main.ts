/**
 * The NIR page: a dropped `.nir` model (read with spikeflow's `readNirFile`, h5wasm in the browser)
 * runs on a dropped event recording replayed in real time (or on the synthetic moving bar), its
 * events binned onto the model's input grid each animation frame; the output is drawn as it
 * arrives (raster and population rate for spikes, traces for voltages), the input as a heatmap.
 * @module
 */
import { BehaviorSubject } from 'rxjs';
import { describeNir, formatNirDescription } from '../../src/nir/describe.js';
import type { NirGraph } from '../../src/nir/graph.js';
import { readNirFile } from '../../src/nir/hdf5.js';
import { compileNir, type NirProgram, type NirState } from '../../src/nir/runtime.js';
import { seededGenerator, uniforms } from '../../src/ops/random.js';
import { fromTypedArray, sizeOf, type Tensor } from '../../src/ops/tensor.js';
import { heatmap } from '../../src/viz/heatmap.js';
import { traces } from '../../src/viz/traces.js';
import type { EventSource } from '../lib/events.js';
import { type ClockSettings, outputCharts, simulationFrames } from '../lib/live.js';
import { movingBar } from '../lib/movingBar.js';
import { byId } from '../lib/page.js';
import { recordingSource } from '../live/recording.js';
import { demoGraph } from './demo.js';

const errorBox = byId('error');
const info = byId('source-info');
const status = byId('status');
const showError = (e: unknown): void => {
  errorBox.textContent = e instanceof Error ? e.message : String(e);
};

// ---- the model -------------------------------------------------------------------------------
let graph: NirGraph = demoGraph();
let modelLabel = 'demo network (untrained)';
let program: NirProgram | undefined;
let state: NirState | undefined;
let spiking = true;

const SPIKING = new Set(['CubaLIF', 'LIF', 'IF', 'Threshold']);

const compile = (): void => {
  const c = clock$.value;
  program = compileNir(graph, { dt: c.dt, discretisation: byId<HTMLSelectElement>('discretisation').value as 'norse' | 'exact' });
  const out = program.outputs[0] as string;
  const feeding = graph.edges.filter(([, b]) => b === out).map(([a]) => program?.nodes.find((n) => n.name === a)?.type ?? '');
  spiking = feeding.length > 0 && feeding.every((t) => SPIKING.has(t));
};

const useGraph = (g: NirGraph, label: string, version?: string): void => {
  const description = formatNirDescription(describeNir(g, version)); // throws for unsupported nodes, naming them
  graph = g;
  modelLabel = label;
  state = undefined;
  compile();
  byId('graph').textContent = `${label}\n${description}`;
  charts.clear();
  heat.clear();
  describeSource();
};

// ---- the input ---------------------------------------------------------------------------------
const bar = movingBar({ width: 64, height: 48 });
let source: EventSource = { label: 'synthetic moving bar, 64×48', width: bar.width, height: bar.height, between: bar.between };
let sourceStart = 0;
let now = 0;
let rng = seededGenerator(17);

/** How events reach the input: `[C, H, W]` with C = 1 or 2 (scaled grid), a flat `2·W·H`, or none (Poisson). */
const inputGrid = (shape: readonly number[]): { C: 1 | 2; H: number; W: number } | undefined => {
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 2))
    return { C: shape[0] as 1 | 2, H: shape[1] as number, W: shape[2] as number };
  if (sizeOf(shape) === 2 * source.width * source.height) return { C: 2, H: source.height, W: source.width };
  return undefined;
};

const describeSource = (): void => {
  const shape = program?.inputShape ?? [];
  const grid = inputGrid(shape);
  byId('heatmap').style.display = grid ? '' : 'none';
  info.textContent = grid
    ? `${modelLabel} ← ${source.label}, events binned onto ${grid.C}×${grid.H}×${grid.W}`
    : `${modelLabel} ← Poisson spikes on ${sizeOf(shape)} inputs (its input [${shape.join(', ')}] is not an event grid)`;
};

/** The input chunk of a frame: `[steps, 1, ...inputShape]`. */
const inputOf = (steps: number, dt: number, t0: number, t1: number): Tensor => {
  const p = program as NirProgram;
  const n = sizeOf(p.inputShape);
  const data = new Float32Array(steps * n);
  const grid = inputGrid(p.inputShape);
  if (grid === undefined) {
    const prob = Math.min(1, Number(byId<HTMLInputElement>('rate').value) * dt);
    const [u, next] = uniforms(rng, steps * n);
    rng = next;
    for (let k = 0; k < data.length; k++) data[k] = (u[k] as number) < prob ? 1 : 0;
    return fromTypedArray(data, [steps, 1, ...p.inputShape]);
  }
  const events = source.between(t0, t1);
  const { C, H, W } = grid;
  const sx = W / source.width;
  const sy = H / source.height;
  const dtUs = dt * 1e6;
  for (let k = 0; k < events.length; k++) {
    const step = Math.floor(((events.t[k] as number) - t0) / dtUs);
    if (step < 0 || step >= steps) continue;
    const c = C === 2 && (events.p[k] as number) > 0 ? 1 : 0;
    const x = Math.min(W - 1, Math.floor((events.x[k] as number) * sx));
    const y = Math.min(H - 1, Math.floor((events.y[k] as number) * sy));
    data[step * n + (c * H + y) * W + x] = (data[step * n + (c * H + y) * W + x] as number) + 1;
  }
  heat.push(fromTypedArray(frameSum(data, steps, n), [1, 1, C, H, W]));
  return fromTypedArray(data, [steps, 1, ...p.inputShape]);
};

const frameSum = (data: Float32Array, steps: number, n: number): Float32Array => {
  const out = new Float32Array(n);
  for (let s = 0; s < steps; s++) for (let k = 0; k < n; k++) out[k] = (out[k] as number) + (data[s * n + k] as number);
  return out;
};

// ---- drawing -----------------------------------------------------------------------------------
const heat = heatmap().renderer('canvas').window(8).timeUnit('step').width(340).height(300).title('input events (ON red, OFF blue)');
heat(byId('heatmap'));
const spikeCharts = outputCharts({ raster: byId('raster'), rates: byId('rates'), width: 520 });
const voltage = traces<Tensor>().window(1000).width(520).height(300).title('output (first 8)');
let voltageShown = false;
const charts = {
  clear(): void {
    spikeCharts.raster.clear();
    spikeCharts.rate.clear();
    voltage.clear();
  },
  push(out: Tensor, dt: number): void {
    if (spiking) spikeCharts.push(out, dt);
    else {
      if (!voltageShown) {
        byId('raster').replaceChildren();
        voltage(byId('raster'));
        voltageShown = true;
      }
      const [T, B] = out.shape as [number, number];
      const N = sizeOf(out.shape.slice(2));
      const k = Math.min(8, N);
      const d = new Float32Array(T * B * k);
      for (let r = 0; r < T * B; r++) d.set(out.data.subarray(r * N, r * N + k), r * k);
      voltage.dt(dt).push(fromTypedArray(d, [T, B, k]));
    }
  },
};

// ---- the loop ----------------------------------------------------------------------------------
const clock$ = new BehaviorSubject<ClockSettings>({ playing: true, speed: 1, dt: 0.001 });
let spikes = 0;
let steps = 0;
let runFailed = false;
simulationFrames(clock$, 500).subscribe((frame) => {
  if (program === undefined) return;
  try {
    const t0 = frame.time * 1e6 - sourceStart;
    const t1 = t0 + frame.steps * frame.dt * 1e6;
    now = (frame.time + frame.steps * frame.dt) * 1e6;
    const xs = inputOf(frame.steps, frame.dt, t0, t1);
    const r = program.run(xs, state);
    state = r.state;
    charts.push(r.output, frame.dt);
    steps += frame.steps;
    if (spiking) for (const z of r.output.data) spikes += z;
    status.textContent = `t = ${(frame.time + frame.steps * frame.dt).toFixed(2)} s simulated, ${steps} steps, ${spiking ? `${spikes} output spikes` : 'output: voltages'}`;
    // a file's error stays on the page; a run error clears once running works again
    if (runFailed) errorBox.textContent = '';
    runFailed = false;
  } catch (e) {
    showError(e);
    runFailed = true;
    clock$.next({ ...clock$.value, playing: false });
    byId('play').textContent = 'play';
  }
});

// ---- controls and files ------------------------------------------------------------------------
const openModel = (f: File): void => {
  f.arrayBuffer()
    .then((bytes) => readNirFile(bytes))
    .then(({ graph: g, version }) => {
      useGraph(g, f.name, version);
      errorBox.textContent = '';
    })
    .catch(showError);
};
const openRecording = (f: File): void => {
  recordingSource(f)
    .then((s) => {
      source = s;
      sourceStart = now;
      state = undefined;
      heat.clear();
      describeSource();
      errorBox.textContent = '';
    })
    .catch(showError);
};
const openFile = (f: File): void => (/\.(nir|h5|hdf5)$/i.test(f.name) ? openModel(f) : openRecording(f));

byId<HTMLInputElement>('model-file').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) openModel(f);
});
byId<HTMLInputElement>('recording-file').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) openRecording(f);
});
const drop = byId('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  for (const f of Array.from(e.dataTransfer?.files ?? [])) openFile(f);
});
byId('play').addEventListener('click', () => {
  const playing = !clock$.value.playing;
  clock$.next({ ...clock$.value, playing });
  byId('play').textContent = playing ? 'pause' : 'play';
});
byId<HTMLSelectElement>('speed').addEventListener('change', (e) =>
  clock$.next({ ...clock$.value, speed: Number((e.target as HTMLSelectElement).value) }),
);
const recompile = (): void => {
  try {
    compile(); // the state carries over: same nodes, new step factors
    errorBox.textContent = '';
  } catch (e) {
    showError(e);
  }
};
byId<HTMLInputElement>('dt').addEventListener('change', (e) => {
  const dt = Number((e.target as HTMLInputElement).value) / 1000;
  if (!(dt > 0)) {
    showError(new Error(`dt must be > 0 ms, received ${(e.target as HTMLInputElement).value}`));
    return;
  }
  clock$.next({ ...clock$.value, dt });
  recompile();
});
byId<HTMLSelectElement>('discretisation').addEventListener('change', recompile);

try {
  useGraph(graph, modelLabel);
} catch (e) {
  showError(e);
}
