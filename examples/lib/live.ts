/**
 * The live loop shared by the playground's demos: animation frames become chunks of simulated
 * time (`[T, 1, channels]` inputs), a network runs over them with its state carried in `scan`,
 * and the controls (play/pause, speed, dt, model, parameters) apply without reloading.
 * State carries over a change of parameters or dt, and is reset when the model or the number of
 * neurons changes (the state's variables or shape no longer fit).
 * @module
 */
import {
  animationFrames,
  type BehaviorSubject,
  defer,
  filter,
  map,
  type Observable,
  retry,
  type Subscription,
  scan,
  skip,
  tap,
  withLatestFrom,
} from 'rxjs';
import type { NeuronModel, NeuronState, ParamValue } from 'spikeflow';
import { fromTypedArray, models, SpikeflowError, type Tensor } from 'spikeflow';
import { raster, rate } from 'spikeflow/viz';

/** Clock settings: whether time runs, how fast relative to the wall clock, and the step dt (seconds). */
export interface ClockSettings {
  readonly playing: boolean;
  /** Simulated seconds per wall-clock second (1 = real time). */
  readonly speed: number;
  /** Simulation time step in seconds. */
  readonly dt: number;
}

/** A network setting: a model by Norse's class name and its numeric parameters. */
export interface ModelSettings {
  readonly model: string;
  readonly params: Readonly<Record<string, number>>;
  /** Input gain: the source's signal is multiplied by this before it reaches the neurons. */
  readonly gain: number;
}

/** Everything the controls set. */
export type Settings = ClockSettings & ModelSettings;

/** One frame's worth of simulated time. */
export interface Frame {
  /** Number of steps to simulate now. */
  readonly steps: number;
  /** The step dt in seconds. */
  readonly dt: number;
  /** Index of the first step of this frame since the start. */
  readonly firstStep: number;
  /** Simulated time at the start of this frame, in seconds. */
  readonly time: number;
}

/**
 * Turns animation frames into frames of simulated time: `speed × elapsed wall time / dt` steps,
 * the remainder carried to the next frame; at most `maxSteps` per frame (time slows down rather
 * than the page freezing when the simulation cannot keep up).
 */
export const simulationFrames = (
  clock$: Observable<ClockSettings>,
  maxSteps = 2000,
  start: { readonly step: number; readonly time: number } = { step: 0, time: 0 },
): Observable<Frame> =>
  animationFrames().pipe(
    withLatestFrom(clock$),
    scan(
      (acc, [{ elapsed }, clock]) => {
        const wall = acc.lastElapsed === undefined ? 0 : Math.max(0, elapsed - acc.lastElapsed) / 1000;
        if (!clock.playing) return { ...acc, lastElapsed: elapsed, frame: undefined };
        const budget = acc.carry + Math.min(wall, 0.25) * clock.speed;
        const steps = Math.min(maxSteps, Math.floor(budget / clock.dt + 1e-9));
        const frame: Frame = { steps, dt: clock.dt, firstStep: acc.step, time: acc.time };
        return {
          lastElapsed: elapsed,
          carry: steps === maxSteps ? 0 : budget - steps * clock.dt,
          step: acc.step + steps,
          time: acc.time + steps * clock.dt,
          frame: steps > 0 ? frame : undefined,
        };
      },
      { lastElapsed: undefined as number | undefined, carry: 0, step: start.step, time: start.time, frame: undefined as Frame | undefined },
    ),
    map((s) => s.frame),
    filter((f): f is Frame => f !== undefined),
  );

/** The spiking feed-forward models a demo can pick (recurrent ones need weight matrices). */
export const liveModels = (): Record<string, NeuronModel> =>
  Object.fromEntries(Object.entries(models).filter(([, m]) => !m.recurrent && m.outputName === 'z'));

/** The numeric parameters of a model with Norse's defaults (surrogate-gradient `alpha` left out). */
export const numericParams = (model: NeuronModel): Record<string, number> =>
  Object.fromEntries(
    Object.entries(model.specs).flatMap(([name, spec]) =>
      // Optional parameters (Izhikevich's per-behaviour values, LIFRefrac's tauRef) are left to
      // their defaults, except Norse's refractory step count, which the controls show.
      spec.kind === 'number' && name !== 'alpha' && (spec.optional !== true || name === 'rhoReset') ? [[name, spec.default]] : [],
    ),
  );

/** Output of one chunk: the input given, the spikes, and the recorded voltage. */
export interface Step {
  readonly frame: Frame;
  /** Input currents `[T, 1, N]`. */
  readonly input: Tensor;
  /** Spikes `[T, 1, N]`. */
  readonly spikes: Tensor;
  /** Membrane voltage after each step `[T, 1, N]` (when the model has `v`). */
  readonly v: Tensor | undefined;
}

/**
 * Runs the chosen model over chunks of input, as `scan` over the model's fused `run`. Reads the
 * latest settings each chunk; keeps the state while the model and the input shape stay the same.
 * @throws SpikeflowError (through the stream's error channel) for invalid parameters or input
 */
export const throughModel =
  (settings$: BehaviorSubject<Settings>) =>
  (chunks: Observable<{ frame: Frame; input: Tensor }>): Observable<Step> =>
    chunks.pipe(
      scan(
        (acc, { frame, input }) => {
          const s = settings$.value;
          const model = liveModels()[s.model];
          if (model === undefined) throw new SpikeflowError('playground', 'model', `unknown model ${JSON.stringify(s.model)}`);
          const keep = acc.model === s.model && acc.width === input.shape[2] ? acc.state : undefined;
          const gained = s.gain === 1 ? input : scale(input, s.gain);
          const [spikes, state, recorded] = model.run(s.params as Record<string, ParamValue>, frame.dt, { record: true })(gained, keep);
          return {
            model: s.model,
            width: input.shape[2] as number,
            state: state as NeuronState | undefined,
            step: { frame, input: gained, spikes, v: (recorded as NeuronState | undefined)?.v },
          };
        },
        { model: '', width: -1, state: undefined as NeuronState | undefined, step: undefined as Step | undefined },
      ),
      map((acc) => acc.step!),
    );

const scale = (t: Tensor, k: number): Tensor => {
  const d = new Float32Array(t.data.length);
  for (let j = 0; j < d.length; j++) d[j] = (t.data[j] as number) * k;
  return fromTypedArray(d, t.shape);
};

/** Options of {@link runLive}. */
export interface RunLiveOptions {
  readonly settings$: BehaviorSubject<Settings>;
  /** The input of a frame, `[frame.steps, 1, N]`. */
  readonly input: (frame: Frame) => Tensor;
  /** Draws a simulated chunk. */
  readonly draw: (step: Step) => void;
  /** Where errors are shown (a loop error is cleared when the next chunk succeeds; others stay until the page clears them). */
  readonly error: HTMLElement;
}

/**
 * Runs a demo: frames of simulated time → input → model → drawing. An error (a bad parameter, a
 * corrupt file) is shown in `error` and the loop waits for the next change of the controls, then
 * starts again from a fresh state; the page keeps working.
 */
export const runLive = (o: RunLiveOptions): Subscription => {
  // simulated time continues across restarts after an error
  let resume = { step: 0, time: 0 };
  let shown = ''; // the loop's own error message, the only one it clears

  return defer(() => simulationFrames(o.settings$, 2000, resume))
    .pipe(
      map((frame) => ({ frame, input: o.input(frame) })),
      throughModel(o.settings$),
      tap((step) => {
        resume = { step: step.frame.firstStep + step.frame.steps, time: step.frame.time + step.frame.steps * step.frame.dt };
        if (shown !== '' && o.error.textContent === shown) o.error.textContent = '';
        shown = '';
        o.draw(step);
      }),
      retry({
        delay: (e: unknown) => {
          shown = `${e instanceof Error ? e.message : String(e)} — change a control to try again.`;
          o.error.textContent = shown;
          return o.settings$.pipe(skip(1));
        },
      }),
    )
    .subscribe();
};

/** Options of {@link outputCharts}. */
export interface OutputChartOptions {
  /** Element the raster is attached to. */
  readonly raster: HTMLElement;
  /** Element the rate plot is attached to. */
  readonly rates: HTMLElement;
  /** Steps shown (default 1000). */
  readonly window?: number;
  /** Rate bin in steps (default 20). */
  readonly bin?: number;
  readonly width?: number;
  readonly height?: number;
}

/**
 * The output raster and population rate of a live demo (spikeflow's raster and rate sinks, drawn
 * on canvas at display rate). Both are cleared when dt or the number of neurons changes.
 */
export const outputCharts = (o: OutputChartOptions) => {
  // default: fill the container (less its padding), within [320, 640] px
  const fitWidth = (el: HTMLElement): number => Math.min(640, Math.max(320, el.clientWidth - 20));
  const rasterChart = raster<Tensor>()
    .renderer('canvas')
    .window(o.window ?? 1000)
    .width(o.width ?? fitWidth(o.raster))
    .height(o.height ?? 300)
    .title('output spikes');
  const rateChart = rate<Tensor>()
    .window(o.window ?? 1000)
    .bin(o.bin ?? 20)
    .width(o.width ?? fitWidth(o.rates))
    .height(200)
    .title('population rate')
    .color('#2f6fde');
  rasterChart(o.raster);
  rateChart(o.rates);
  let shape = '';
  return {
    /** Draws a chunk of spikes `[T, 1, N]` simulated with step `dt`. */
    push(spikes: Tensor, dt: number): void {
      const key = `${spikes.shape.slice(1).join('x')}@${dt}`;
      if (key !== shape) {
        rasterChart.clear().dt(dt);
        rateChart.clear().dt(dt);
        shape = key;
      }
      rasterChart.push(spikes);
      rateChart.push(spikes);
    },
    raster: rasterChart,
    rate: rateChart,
  };
};
