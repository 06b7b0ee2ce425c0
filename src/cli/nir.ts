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
import { fileProblem, SpikeflowError, show } from '../ops/errors.js';
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
    throw new SpikeflowError('nir', 'network', `cannot read NIR file ${JSON.stringify(path)}: ${fileProblem(e)}`);
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
/** Node types that are neurons (their sizes count as neurons). */
const NEURONS = new Set(['CubaLIF', 'LIF', 'IF', 'CubaLI', 'LI', 'I']);

/** One layer of `spikeflow run` over a NIR graph: a node of the graph. */
export interface NirRunLayer {
  readonly layer: Layer;
  /** The node's (flattened) name and its type, e.g. `lif1 CubaLIF`. */
  readonly name: string;
  readonly size: number;
  /** The node's output shape for one sample (batch excluded). */
  readonly shape: readonly number[];
  readonly spiking: boolean;
  /** Whether the node is a neuron population (CubaLIF, LIF, IF, CubaLI, LI, I). */
  readonly neuron: boolean;
}

/** A NIR network opened for `spikeflow run`. */
export interface NirNetwork {
  /** Shape of one input step the graph takes. */
  readonly inputShape: readonly number[];
  /**
   * The layers `run` streams through, one per node of the graph other than `Input`/`Output`, in
   * evaluation order (a graph of only `Input → Output`: one layer, the output). The first runs the
   * whole graph on a chunk (state threaded between chunks) and emits its node's output; each next
   * one emits its node's output of the same chunk, so that the run's summary and report show every
   * node.
   * @param features - the shape of one input step
   * @param input - what the input is (its path), for messages; undefined for the built-in demo
   * @throws SpikeflowError when `features` (one input step) does not have the graph's input size
   */
  layers(features: readonly number[], input?: string): NirRunLayer[];
}

/**
 * The message when the input does not fit the graph; names the input (`what`) and, for the
 * built-in demo, how to give one.
 */
const inputMismatch = (inputShape: readonly number[], features: readonly number[], what: string | undefined): string => {
  const want = sizeOf(inputShape);
  const demo = what === undefined;
  const given = demo ? 'the built-in demo input (64 sinusoidal currents; no --input was given)' : `the input ${what}`;
  return (
    `the NIR graph takes input ${showShape(inputShape)} (${want} features per step) but ${given} gives ${showShape(features)} (${sizeOf(features)} features)` +
    (demo
      ? `; give --input FILE with ${want} features per step: a JSON array T×${want} of currents, a CSV with ${want} value columns` +
        (inputShape.length === 3 ? `, or an event recording (binned to ${showShape(inputShape)})` : '')
      : /\.csv$/i.test(what)
        ? ` (a CSV's first column is its time, the others are the features: give ${want} value columns after it)`
        : '')
  );
};

/**
 * Opens the NIR graph at `path` for `spikeflow run`.
 * @param path - the `.nir` file
 * @param dt - time step in seconds
 * @param discretisation - `'norse'` (default) or `'exact'`
 * @throws SpikeflowError when the file is unreadable, not NIR, or holds unsupported nodes
 */
export const openNirNetwork = async (path: string, dt: number, discretisation: NirDiscretisation = 'norse'): Promise<NirNetwork> => {
  const { graph } = await loadNirFile(path);
  const program = compileNir(graph, { dt, discretisation, record: true });
  const outName = program.outputs[0] as string;
  const inner = program.nodes.filter((n) => n.type !== 'Input' && n.type !== 'Output');
  const feeding = graph.edges.filter(([, b]) => b === outName).map(([a]) => program.nodes.find((n) => n.name === a)?.type);
  const shown =
    inner.length > 0
      ? inner.map((n) => ({
          node: n.name,
          name: `${n.name} ${n.type}`,
          shape: n.shape,
          spiking: SPIKING.has(n.type),
          neuron: NEURONS.has(n.type),
        }))
      : [
          {
            node: outName,
            name: `NIR → ${outName}`,
            shape: program.outputShape,
            spiking: feeding.length > 0 && feeding.every((t) => t !== undefined && SPIKING.has(t)),
            neuron: false,
          },
        ];
  return {
    inputShape: program.inputShape,
    layers: (features, input) => {
      if (sizeOf(features) !== sizeOf(program.inputShape)) {
        throw new SpikeflowError('run', 'input', inputMismatch(program.inputShape, features, input));
      }
      // Each chunk's recording of every node, keyed by the tensor a layer emits (the next layer's input).
      const recordings = new WeakMap<Tensor, Readonly<Record<string, Tensor>>>();
      const emit = (rec: Readonly<Record<string, Tensor>>, k: number, T: number, B: number): Tensor => {
        const s = shown[k] as (typeof shown)[number];
        const t = rec[s.node] as Tensor;
        const out = fromTypedArray(t.data, [T, B, sizeOf(s.shape)]);
        recordings.set(out, rec);
        return out;
      };
      return shown.map((s, k) => {
        const layer: Layer<NirState | undefined> =
          k === 0
            ? {
                name: s.name,
                run: (xs: Tensor, state?: NirState) => {
                  const [T, B] = xs.shape as [number, number];
                  const r = program.run(fromTypedArray(xs.data, [T, B, ...program.inputShape]), state);
                  return [emit({ ...r.layers, ...r.outputs }, 0, T, B), r.state] as const;
                },
              }
            : {
                name: s.name,
                run: (xs: Tensor) => {
                  const rec = recordings.get(xs);
                  if (rec === undefined) throw new Error(`NIR layer ${s.name} received a chunk the graph did not produce`);
                  return [emit(rec, k, xs.shape[0] as number, xs.shape[1] as number), undefined] as const;
                },
              };
        return { layer: layer as Layer, name: s.name, size: sizeOf(s.shape), shape: s.shape, spiking: s.spiking, neuron: s.neuron };
      });
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
