/**
 * The time axis of every sink: step `k` (counted from the first step the sink received) is drawn
 * at `k·dt`, shown in ms, s or steps.
 * @module
 */
import { type ScaleLinear, scaleLinear } from 'd3';
import type { PlotTimeUnit, StepSpan, TimeAxis } from './types.js';

/** Display units per step and the axis label for a unit. */
export const timeAxis = (unit: PlotTimeUnit, dt: number): TimeAxis =>
  unit === 'ms'
    ? { unit, perStep: dt * 1000, label: 'time (ms)' }
    : unit === 's'
      ? { unit, perStep: dt, label: 'time (s)' }
      : { unit, perStep: 1, label: 'time (step)' };

/** The x scale of a span: step `k` at `k·perStep`, span mapped onto `[0, width]`. */
export const timeScale = (span: StepSpan, time: TimeAxis, width: number): ScaleLinear<number, number> =>
  scaleLinear()
    .domain([span.start * time.perStep, span.end * time.perStep])
    .range([0, width]);
