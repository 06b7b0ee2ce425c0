/**
 * NIR in the command line: `spikeflow run --network model.nir --input recording` runs a NIR graph
 * on any input `run` reads, and `spikeflow inspect model.nir` describes a graph.
 *
 * Events are binned straight to the graph's input shape: `[2, H, W]` (ON/OFF channels, Tonic's
 * layout) or `[1, H, W]` (polarities merged), the sensor's pixels scaled onto the `H×W` grid
 * (`x′ = ⌊x·W/W_s⌋`, `y′ = ⌊y·H/H_s⌋`, events of merged pixels summed); a flat input of
 * `2·H_s·W_s` features takes the sensor's own grid. Other inputs must have as many features per
 * step as the graph's input.
 * @module
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { map, type OperatorFunction } from 'rxjs';
import type { EventBatch } from '../io/formats/events.js';
import type { Layer } from '../neurons/sequential.js';
import { describeNir, formatNirDescription } from '../nir/describe.js';
import type { NirGraph } from '../nir/graph.js';
import { readNirFile } from '../nir/hdf5.js';
import { compileNir, type NirDiscretisation, type NirState } from '../nir/runtime.js';
import { SpikeflowError, show } from '../ops/errors.js';
import { fromTypedArray, showShape, sizeOf, type Tensor } from '../ops/tensor.js';

/** True when `path` names a NIR file (extension `.nir`). */
export const isNirPath = (path: string): boolean => extname(path).toLowerCase() === '.nir';

/**
 * Reads a NIR file from disk.
 * @throws SpikeflowError when the file cannot be read, is not HDF5/NIR, or holds unsupported nodes
 */
export const loadNirFile = async (path: string): Promise<{ graph: NirGraph; version: string | undefined }> => {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SpikeflowError('nir', 'network', `cannot read NIR file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  return readNirFile(bytes);
};

/** `spikeflow inspect model.nir`: the graph described as text, or as JSON. */
export const inspectNir = async (path: string, json = false): Promise<string> => {
  const { graph, version } = await loadNirFile(path);
  const d = describeNir(graph, version);
  return json ? `${JSON.stringify({ file: path, ...d }, null, 2)}\n` : `file     ${path}\n${formatNirDescription(d)}`;
};

/** How events reach a NIR graph's input: the grid to bin on and the coordinate map. */
export interface EventGrid {
  readonly sensor: { readonly width: number; readonly height: number; readonly polarities: 1 | 2 };
  /** Maps a batch of sensor events onto the grid (identity when the grids agree). */
  readonly scale: OperatorFunction<EventBatch, EventBatch>;
}

/**
 * The grid events of a `width × height` sensor are binned on for a graph input of shape `input`.
 * @throws SpikeflowError when the input shape cannot take camera events
 */
export const eventGridFor = (input: readonly number[], width: number, height: number): EventGrid => {
  const identity: EventGrid = { sensor: { width, height, polarities: 2 }, scale: map((b) => b) };
  if (input.length === 3 && (input[0] === 1 || input[0] === 2)) {
    const [C, H, W] = input as [1 | 2, number, number];
    if (H === height && W === width) return { ...identity, sensor: { width, height, polarities: C } };
    const sx = W / width;
    const sy = H / height;
    return {
      sensor: { width: W, height: H, polarities: C },
      scale: map((b) => {
        const x = new Uint16Array(b.length);
        const y = new Uint16Array(b.length);
        for (let k = 0; k < b.length; k++) {
          x[k] = Math.min(W - 1, Math.floor((b.x[k] as number) * sx));
          y[k] = Math.min(H - 1, Math.floor((b.y[k] as number) * sy));
        }
        return { ...b, x, y };
      }),
    };
  }
  if (sizeOf(input) === 2 * width * height) return identity;
  throw new SpikeflowError(
    'run',
    'network',
    `the NIR graph's input ${showShape(input)} cannot take events of a ${width}×${height} sensor: expected [2, H, W], [1, H, W] or ${2 * width * height} features`,
  );
};

/** Node types whose output is spikes. */
const SPIKING = new Set(['CubaLIF', 'LIF', 'IF', 'Threshold']);

/** A NIR network opened for `spikeflow run`. */
export interface NirNetwork {
  /** Shape of one input step the graph takes. */
  readonly inputShape: readonly number[];
  /**
   * The layers `run` streams through: one layer running the whole graph (state threaded between
   * chunks), named after what feeds its output.
   * @throws SpikeflowError when `features` (one input step) does not have the graph's input size
   */
  layers(features: readonly number[]): { layer: Layer; name: string; size: number; spiking: boolean }[];
}

/**
 * Opens the NIR graph at `path` for `spikeflow run`.
 * @param path - the `.nir` file
 * @param dt - time step in seconds
 * @param discretisation - `'norse'` (default) or `'exact'`
 * @throws SpikeflowError when the file is unreadable, not NIR, or holds unsupported nodes
 */
export const openNirNetwork = async (path: string, dt: number, discretisation: NirDiscretisation = 'norse'): Promise<NirNetwork> => {
  const { graph } = await loadNirFile(path);
  const program = compileNir(graph, { dt, discretisation });
  const outName = program.outputs[0] as string;
  const feeding = graph.edges.filter(([, b]) => b === outName).map(([a]) => program.nodes.find((n) => n.name === a)?.type);
  const spiking = feeding.length > 0 && feeding.every((t) => t !== undefined && SPIKING.has(t));
  const size = sizeOf(program.outputShape);
  const want = sizeOf(program.inputShape);
  return {
    inputShape: program.inputShape,
    layers: (features) => {
      if (sizeOf(features) !== want) {
        throw new SpikeflowError(
          'run',
          'network',
          `the NIR graph takes input ${showShape(program.inputShape)} (${want} features) but the input gives ${showShape(features)} (${sizeOf(features)})`,
        );
      }
      const layer: Layer<NirState> = {
        name: `NIR ${feeding.join('+') || 'graph'} → ${outName}`,
        run: (xs: Tensor, state?: NirState) => {
          const [T, B] = xs.shape as [number, number];
          const r = program.run(fromTypedArray(xs.data, [T, B, ...program.inputShape]), state);
          return [fromTypedArray(r.output.data, [T, B, size]), r.state] as const;
        },
      };
      return [{ layer: layer as Layer, name: layer.name, size, spiking }];
    },
  };
};

/**
 * Validates a `--discretisation` value.
 * @throws SpikeflowError (`discretisation`) naming the accepted values
 */
export const discretisationOption = (value: unknown): NirDiscretisation => {
  if (value === undefined) return 'norse';
  if (value !== 'norse' && value !== 'exact') {
    throw new SpikeflowError('run', 'discretisation', `discretisation must be 'norse' or 'exact', received ${show(value)}`);
  }
  return value;
};
