/**
 * Event recordings as the input of `spikeflow run`: opened once, the sensor size taken from
 * `--sensor`, the header or the events themselves, binned into steps of `dt`.
 * @module
 */
import { basename } from 'node:path';
import { map } from 'rxjs';
import type { EventBatch, EventFormat } from '../../io/formats/events.js';
import { type EventFileReader, openEventFile } from '../../io/node/eventFile.js';
import type { Tensor } from '../../ops/tensor.js';
import { binEvents } from '../../streams/binEvents.js';
import { checkNeurons, checkSteps, checkWork } from '../limits.js';
import { eventGridFor } from '../nir.js';
import type { Source, SourceOptions } from './runTypes.js';
import { checked, gated } from './streamGuards.js';

/** The µs of one event batch's largest timestamp. */
const maxTime = (b: EventBatch): number => {
  let m = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < b.length; k++) m = Math.max(m, b.t[k] as number);
  return m;
};

/**
 * Opens an event recording as a run input: the sensor from `--sensor`, the header or a scan of the
 * events (kept in memory when they fit a quarter of `--max-memory`, else read again), binned into
 * steps of `dt` per pixel and polarity (on a NIR network's input grid when given).
 * @throws UsageError when the sensor or the recording passes a limit (`--max-neurons`, `--max-steps`, `--max-neuron-steps`)
 */
export const openEvents = async (path: string, format: EventFormat, options: SourceOptions & { gain: number }): Promise<Source> => {
  const reader = await openEventFile(path, { format, ...(options.sensor === undefined ? {} : { sensorSize: options.sensor }) });
  try {
    return await eventSource(reader, path, format, options);
  } catch (e) {
    // a limit passed, or a sensor that does not fit the NIR network's input: the run never starts
    await reader.close();
    throw e;
  }
};

/** The run input of an open event file (see {@link openEvents}); the caller closes `reader` if it throws. */
const eventSource = async (
  reader: EventFileReader,
  path: string,
  format: EventFormat,
  options: SourceOptions & { gain: number },
): Promise<Source> => {
  const { dt, limits, gain } = options;
  const stated = options.sensor ?? reader.info.sensorSize;
  let batches: AsyncIterable<EventBatch> = reader;
  let width: number;
  let height: number;
  const neuronsOf = (w: number, h: number): number => 2 * w * h;
  if (stated !== undefined) {
    [width, height] = stated;
    checkNeurons(limits, neuronsOf(width, height), `the sensor of ${JSON.stringify(path)} (${width}×${height}, 2 polarities)`);
  } else {
    // The header does not say: scan the events for their extent, keeping them if they fit.
    const budget = limits.maxMemory / 4;
    let kept: EventBatch[] | undefined = [];
    let held = 0;
    let w = 0;
    let h = 0;
    try {
      for await (const b of reader) {
        for (let k = 0; k < b.length; k++) {
          w = Math.max(w, (b.x[k] as number) + 1);
          h = Math.max(h, (b.y[k] as number) + 1);
        }
        // The extent alone may already be too large: stop at once rather than read on.
        checkNeurons(
          limits,
          neuronsOf(w, h),
          `the sensor inferred from the events of ${JSON.stringify(path)} (${w}×${h}, 2 polarities; its header gives no size: give --sensor WxH if this is wrong)`,
        );
        if (kept !== undefined) {
          held += b.length * 24;
          if (held > budget) kept = undefined;
          else kept.push(b);
        }
      }
    } finally {
      await reader.close();
    }
    width = Math.max(1, w);
    height = Math.max(1, h);
    const all = kept;
    batches =
      all !== undefined
        ? (async function* () {
            yield* all;
          })()
        : eventFileIterable(path, format, [width, height]);
  }
  const source = batches;
  const sensorWidth = width;
  const sensorHeight = height;
  // a NIR network's input fixes the grid the events are binned on (cli/nir.ts)
  const grid = options.nirInput === undefined ? undefined : eventGridFor(options.nirInput, width, height);
  if (grid !== undefined) ({ width, height } = grid.sensor);
  const polarities = grid?.sensor.polarities ?? 2;
  const binWidth = width;
  const binHeight = height;
  return {
    kind: 'events',
    features: [polarities, height, width],
    title: `${path} (${format}, ${sensorWidth}×${sensorHeight})`,
    describe: {
      name: basename(path),
      recording: [
        ['format', format],
        ['sensor', `${sensorWidth} × ${sensorHeight} px${stated === undefined ? ' (from the events)' : ''}`],
      ],
      quantity: 'events',
    },
    chunks: ({ chunkSteps, gate, neurons }) => {
      let t0: number | undefined;
      const what = `the events of ${JSON.stringify(path)}`;
      const timeGuard = map((b: EventBatch) => {
        if (b.length === 0) return b;
        t0 ??= b.t[0] as number;
        const last = maxTime(b);
        const steps = Math.floor(((last - t0) * 1e-6) / dt) + 1;
        const why = `${what} (an event at t = ${last} µs, ${last - t0} µs after the first; dt ${dt} s)`;
        checkSteps(limits, steps, why);
        checkWork(limits, steps, neurons, why);
        return b;
      });
      return gated(source, gate).pipe(
        timeGuard,
        grid?.scale ?? map((b: EventBatch) => b),
        binEvents({ dt, timeUnit: 'us', sensor: { width: binWidth, height: binHeight, polarities }, t0: 'first', maxChunk: chunkSteps }),
        // event counts are finite by construction: only a gain can make them overflow float32
        gain === 1 ? map((t: Tensor) => t) : checked(gain, 'binned events'),
      );
    },
    close: () => reader.close(),
  };
};

/** The events of a file read again with a known sensor (after an extent scan that did not fit in memory). */
async function* eventFileIterable(path: string, format: EventFormat, sensorSize: readonly [number, number]): AsyncGenerator<EventBatch> {
  const reader = await openEventFile(path, { format, sensorSize });
  try {
    yield* reader;
  } finally {
    await reader.close();
  }
}
