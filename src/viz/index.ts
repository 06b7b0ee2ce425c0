/**
 * D3 sinks: live plots of spiking streams in a browser (canvas for dense data, SVG for sparse)
 * and standalone SVG / HTML figures in Node. The public part of `src/viz/`; the chart machinery
 * (`chart.ts`, `types.ts`, `data.ts`, `live.ts`, `figure.ts`, `settings.ts`, `render.ts`, `document.ts`) stays internal.
 * @module
 */

// --- viz: reports of runs and new sinks ---
export { type ActiveRaster, type ActiveRasterOptions, activeRaster } from './activeRaster.js';
export { type BufferStats, ChunkWindow } from './buffer.js';
export { byLayer, byPolarity, type RasterLayer, type SpikeColoring } from './colors.js';
export { type EventFrames, type EventFramesOptions, eventFrames } from './eventFrames.js';
export { type ColorInterpolator, type Heatmap, heatmap, magnitudeQuantile } from './heatmap.js';
export { type Raster, raster, type SpikeColor, type SpikeSign } from './raster.js';
export { type Rate, type RateUnit, rate } from './rate.js';
export { escapeHTML, type Figure, type FigureOptions, type Report, report } from './report.js';
export { type RunReport, type RunReportLayer, type RunReportOptions, type RunReportTotals, runReport } from './runReport.js';
export { type Spectrogram, spectrogram } from './spectrogram.js';
export { svgFromStream } from './stream.js';
export { type TraceLabels, type Traces, traces } from './traces.js';
export type {
  AttachTarget,
  Chart,
  LegendEntry,
  Margin,
  OptionalPicker,
  Picker,
  PlotTimeUnit,
  Renderer,
  StreamChunk,
  TimeDomain,
} from './types.js';
export {
  type DiagramEdge,
  type DiagramNode,
  type DiagramNodeKind,
  type StateDiagram,
  stateDiagram,
} from './stateDiagram.js';
export { type SteppedModel, stepDiagram } from './stepDiagram.js';
