/**
 * Colourings for spike rasters: by layer (neuron index ranges, e.g. input | hidden | output
 * concatenated) and by polarity (sign of an event, as event cameras' ON/OFF).
 * @module
 */
import { schemeCategory10 } from 'd3';
import { SpikeflowError, show } from '../ops/errors.js';
import { checkColor } from './checks.js';
import type { SpikeSign } from './raster.js';
import type { LegendEntry } from './types.js';

/** A layer of a raster: `size` consecutive neuron indices. */
export interface RasterLayer {
  /** Number of neurons in the layer (a positive integer). */
  readonly size: number;
  /** Name shown in the legend (default `layer k`). */
  readonly name?: string;
  /** CSS colour (default d3's category10, in order). */
  readonly color?: string;
}

/** A colour function of a spike that carries its legend. */
export type SpikeColoring = ((neuron: number, sign: SpikeSign) => string) & { readonly legend: readonly LegendEntry[] };

/**
 * Colours spikes by layer: the layers' neuron index ranges follow one another from 0.
 * `raster().color(byLayer([{ size: 100, name: 'input' }, { size: 50, name: 'hidden' }]))`.
 * Neurons past the last layer are drawn in grey (`#999`).
 * @throws SpikeflowError when a size is not a positive integer or a colour is not a CSS colour
 */
export const byLayer = (layers: readonly RasterLayer[]): SpikeColoring => {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new SpikeflowError('byLayer', 'layers', `layers must be a non-empty array of { size }, received ${show(layers)}`);
  }
  const ends: number[] = [];
  const colors: string[] = [];
  const legend: LegendEntry[] = [];
  let end = 0;
  layers.forEach((layer, k) => {
    if (!Number.isInteger(layer?.size) || layer.size < 1) {
      throw new SpikeflowError(
        'byLayer',
        `layers[${k}].size`,
        `layers[${k}].size must be a positive integer, received ${show(layer?.size)}`,
      );
    }
    const c = layer.color === undefined ? (schemeCategory10[k % 10] as string) : checkColor('byLayer', `layers[${k}].color`, layer.color);
    end += layer.size;
    ends.push(end);
    colors.push(c);
    legend.push({ label: layer.name ?? `layer ${k}`, color: c });
  });
  const f = (neuron: number): string => {
    for (let k = 0; k < ends.length; k++) if (neuron < (ends[k] as number)) return colors[k] as string;
    return '#999';
  };
  return Object.assign(f, { legend: Object.freeze(legend) });
};

/**
 * Colours events by the sign of their value: positive (ON) and negative (OFF).
 * `raster().color(byPolarity())`; defaults ON `#d62728` (red), OFF `#1f77b4` (blue).
 * @throws SpikeflowError when a colour is not a CSS colour
 */
export const byPolarity = (on = '#d62728', off = '#1f77b4'): SpikeColoring => {
  const onC = checkColor('byPolarity', 'on', on);
  const offC = checkColor('byPolarity', 'off', off);
  const f = (_neuron: number, sign: SpikeSign): string => (sign < 0 ? offC : onC);
  return Object.assign(f, {
    legend: Object.freeze([
      { label: 'ON', color: onC },
      { label: 'OFF', color: offC },
    ]),
  });
};
