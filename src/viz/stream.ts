/**
 * Rendering a whole stream in Node: subscribe a chart to an Observable and get its SVG when the
 * stream completes.
 * @module
 */
import type { Observable } from 'rxjs';
import type { Chart } from './types.js';

/**
 * Feeds every element of `source` to `chart` and resolves with `chart.toSVG()` when `source`
 * completes (showing the last `window` steps). The chart keeps the data afterwards.
 * Rejects with the stream's error, or with the SpikeflowError of an invalid element.
 * @param chart - any spikeflow chart (raster, traces, heatmap, rate)
 * @param source - an Observable of chunks `[T, batch, ...]` (or of elements the chart's `value` picks from)
 */
export const svgFromStream = <D>(chart: Chart<D, unknown>, source: Observable<D>): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    source.pipe(chart.tap()).subscribe({
      error: reject,
      complete: () => {
        try {
          resolve(chart.toSVG());
        } catch (e) {
          reject(e);
        }
      },
    });
  });
