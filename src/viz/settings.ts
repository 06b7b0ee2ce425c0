/**
 * The settings every chart shares, their defaults, and the checks of their accessors.
 * @module
 */
import { SpikeflowError, show } from '../ops/errors.js';
import { checkOption, checkPositive, checkPositiveInteger, checkString } from './checks.js';
import type { ChartKind, ChartSettings, Margin } from './types.js';

/** Default margins: top 28, right 16, bottom 40, left 56 CSS pixels. */
export const DEFAULT_MARGIN: Margin = Object.freeze({ top: 28, right: 16, bottom: 40, left: 56 });

/** The settings of a new chart of `kind`. */
export const defaultSettings = (kind: ChartKind): ChartSettings => ({
  width: 640,
  height: 300,
  margin: DEFAULT_MARGIN,
  title: '',
  dt: 0.001,
  timeUnit: 'ms',
  window: kind.window ?? 1000,
  timeDomain: 'auto',
  batch: kind.batch ?? 0,
  renderer: 'auto',
  svgLimit: 4000,
});

/** How one setting is checked, and whether changing it clears the chart's data. */
interface SettingRule {
  check(v: unknown, current: ChartSettings): Partial<ChartSettings>;
  readonly clears?: boolean;
}

/**
 * The checks of the shared settings' accessors for a chart of `kind`: each turns an accessor's
 * argument into a settings patch or throws a SpikeflowError naming the argument.
 */
export const settingRules = (kind: ChartKind): Readonly<Record<keyof ChartSettings, SettingRule>> => {
  const where = kind.name;
  return {
    width: { check: (v) => ({ width: checkPositive(where, 'width', v) }) },
    height: { check: (v) => ({ height: checkPositive(where, 'height', v) }) },
    margin: {
      check: (v, current) => {
        if (v === null || typeof v !== 'object') throw new SpikeflowError(where, 'margin', `margin must be an object, received ${show(v)}`);
        const next = { ...current.margin, ...(v as Partial<Margin>) };
        for (const side of ['top', 'right', 'bottom', 'left'] as const) {
          const x = next[side];
          if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
            throw new SpikeflowError(where, 'margin', `margin.${side} must be a finite number >= 0, received ${show(x)}`);
          }
        }
        return { margin: Object.freeze(next) };
      },
    },
    title: { check: (v) => ({ title: checkString(where, 'title', v) }) },
    dt: { check: (v) => ({ dt: checkPositive(where, 'dt', v) }) },
    timeUnit: { check: (v) => ({ timeUnit: checkOption(where, 'timeUnit', v, ['ms', 's', 'step'] as const) }) },
    window: { check: (v) => ({ window: checkPositiveInteger(where, 'window', v) }), clears: true },
    timeDomain: { check: (v) => ({ timeDomain: checkOption(where, 'timeDomain', v, ['auto', 'data', 'window'] as const) }) },
    batch: {
      check: (v) => {
        const ok = (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (v === 'all' && kind.allowAllBatches);
        if (!ok) {
          const expected = kind.allowAllBatches ? "a non-negative integer or 'all'" : 'a non-negative integer';
          throw new SpikeflowError(where, 'batch', `batch must be ${expected}, received ${show(v)}`);
        }
        return { batch: v as number | 'all' };
      },
      clears: true,
    },
    renderer: { check: (v) => ({ renderer: checkOption(where, 'renderer', v, ['auto', 'svg', 'canvas'] as const) }) },
    svgLimit: {
      check: (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
          throw new SpikeflowError(where, 'svgLimit', `svgLimit must be a non-negative integer, received ${show(v)}`);
        }
        return { svgLimit: v };
      },
    },
  };
};
