/**
 * Options and results of `spikeflow run`, and its opened input ({@link Source}).
 * @module
 */
import type { Observable } from 'rxjs';
import type { NirDiscretisation } from '../../nir/runtime.js';
import type { Tensor } from '../../ops/tensor.js';
import type { RunReportOptions } from '../../viz/runReport.js';
import type { Limits } from '../limits.js';

/** Options of {@link runJob} (the flags of `spikeflow run`). */
export interface RunJobOptions {
  /** Input file; undefined runs the built-in demo. */
  readonly input?: string;
  /** Input format overriding detection (`nmnist`, `evt2`, `evt3`, `dat`, `aedat2`, `aedat3`, `aedat4`, `jsonl`, `wav`, `csv`, `json`). */
  readonly format?: string;
  /** Neuron model of the default network (Norse class name, default `LIF`); not with `network`. */
  readonly model?: string;
  /** Path of a JSON network description (see `src/neurons/sequentialJson.ts`), replacing the default network. */
  readonly network?: string;
  /** Time step in seconds (> 0, default 0.001). */
  readonly dt?: number;
  /** Input scale of the default network (default 1; audio 200). */
  readonly gain?: number;
  /** Sensor `[width, height]` of an event recording, overriding the header; events outside it are errors. */
  readonly sensor?: readonly [number, number];
  /** Output folder for `report.html` and `summary.json` (default `spikeflow-out`). */
  readonly out?: string;
  /** Overwrite files in `out` that spikeflow did not write. */
  readonly force?: boolean;
  /** Pace the simulation to wall-clock time. */
  readonly realtime?: boolean;
  /** Show a progress bar (default: when stderr is a terminal and the run is long). */
  readonly progress?: boolean;
  /** How a NIR network (`--network model.nir`) advances: `'norse'` (forward Euler, default) or `'exact'`. */
  readonly discretisation?: NirDiscretisation;
  /** Cost limits (defaults: {@link DEFAULT_LIMITS}). */
  readonly limits?: Partial<Limits>;
}

/** Spikes and rates of one layer of a run. */
export interface LayerSummary {
  readonly name: string;
  /** Neurons (or values) per step. */
  readonly size: number;
  /** Output shape per step (`[size]` for a flat layer; e.g. `[C, H, W]` for a NIR Conv2d node). */
  readonly shape: readonly number[];
  /** Spikes emitted (spiking layers), or null for non-spiking layers. */
  readonly spikes: number | null;
  /** Mean rate per neuron, Hz (spiking layers), or null. */
  readonly meanRateHz: number | null;
}

/** What `spikeflow run` reports (also written to `summary.json`). */
export interface RunSummary {
  readonly input: string | null;
  /** The `--network` file the input ran through (JSON or NIR), or null for the default network. */
  readonly network: string | null;
  readonly kind: 'demo' | 'events' | 'audio' | 'timeseries' | 'currents';
  readonly steps: number;
  readonly dt: number;
  readonly simulatedSeconds: number;
  readonly layers: readonly LayerSummary[];
  /** Wall-clock seconds of the simulation (reading, binning and all layers; not the report). */
  readonly wallSeconds: number;
  /** Wall-clock seconds spent drawing and writing the report. */
  readonly reportSeconds: number;
  /** Neuron-steps of all neuron layers per wall-clock second. */
  readonly neuronStepsPerSecond: number;
  readonly report: string;
}

/** What the chunk stream of a source needs from the run. */
export interface ChunkContext {
  /** Most steps per chunk (chosen from the network's size so a chunk stays small). */
  readonly chunkSteps: number;
  /** Neurons of the network (for the neuron-step limit of streamed inputs). */
  readonly neurons: number;
  /** Awaited before each read from the file (real-time pacing holds reading back with it). */
  readonly gate?: () => Promise<void>;
}

/** An opened input. */
export interface Source {
  readonly kind: RunSummary['kind'];
  /** Feature shape of one step (e.g. `[2, H, W]` for events). */
  readonly features: readonly number[];
  /** Steps, when known before reading. */
  readonly totalSteps?: number;
  readonly title: string;
  /** What the report says of the input: its file name (not its path), recording facts, the quantity of a value, audio. */
  readonly describe: Pick<RunReportOptions, 'name' | 'recording' | 'quantity' | 'audio'>;
  /** Audio: set to receive the mono samples as they are read (the report's waveform). */
  onSamples?: (samples: Float32Array) => void;
  /** The chunks `[T, 1, ...features]`, float32; subscribe once. */
  readonly chunks: (ctx: ChunkContext) => Observable<Tensor>;
  /** Releases the file if `chunks` was never subscribed (after a refused run). */
  readonly close: () => Promise<void>;
}

/** Options of `openSource` (`source.ts`). */
export interface SourceOptions {
  readonly input?: string;
  readonly format?: string;
  readonly dt: number;
  readonly gain?: number;
  readonly sensor?: readonly [number, number];
  readonly limits: Limits;
  /** A NIR network's input shape: events are binned on the grid it takes (see `cli/nir.ts`). */
  readonly nirInput?: readonly number[];
}
