/**
 * The playground's live loop (examples/lib/live.ts) outside the browser: state carries over
 * chunks and parameter changes (so a stream cut into chunks equals one fused run), and is reset
 * when the model or the number of neurons changes; the synthetic event stream and the binning
 * of events into per-neuron currents.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { binToCells, pooling } from '../../examples/lib/events.js';
import { type Frame, numericParams, type Settings, type Step, throughModel } from '../../examples/lib/live.js';
import { movingBar } from '../../examples/lib/movingBar.js';
import { lif } from '../../src/neurons/lif.js';
import { lifBox } from '../../src/neurons/lifBox.js';
import { full } from '../../src/ops/tensor.js';

const settingsOf = (patch: Partial<Settings> = {}): Settings => ({
  playing: true,
  speed: 1,
  dt: 0.001,
  model: 'LIF',
  params: numericParams(lif as never),
  gain: 1,
  ...patch,
});

const frame = (firstStep: number, steps: number): Frame => ({ steps, dt: 0.001, firstStep, time: firstStep * 0.001 });

/** Runs chunks through `throughModel`, applying `changes[k]` to the settings before chunk k. */
const drive = (chunks: readonly number[][], changes: Record<number, Partial<Settings>> = {}) => {
  const settings$ = new BehaviorSubject(settingsOf());
  const input$ = new Subject<{ frame: Frame; input: ReturnType<typeof full> }>();
  const out: Step[] = [];
  input$.pipe(throughModel(settings$)).subscribe({ next: (s) => out.push(s) });
  let first = 0;
  chunks.forEach((values, k) => {
    if (changes[k] !== undefined) settings$.next({ ...settings$.value, ...changes[k] });
    const T = values.length;
    const data = new Float32Array(T * 2);
    for (const [t, v] of values.entries()) data.fill(v, 2 * t, 2 * t + 2);
    input$.next({ frame: frame(first, T), input: { shape: [T, 1, 2], data } });
    first += T;
  });
  return out;
};

const voltages = (steps: readonly Step[]): number[] => steps.flatMap((s) => Array.from(s.v!.data).filter((_, k) => k % 2 === 0));

describe('throughModel', () => {
  it('carries the state across chunks: chunked output equals one fused run', () => {
    const chunked = voltages(
      drive([
        [0.3, 0.3, 0.3],
        [0.3, 0.3],
        [0.3, 0.3, 0.3, 0.3, 0.3],
      ]),
    );
    const [, , rec] = lif.run({}, 0.001, { record: true })(full([10, 1, 2], 0.3));
    expect(chunked).toEqual(Array.from(rec!.v.data).filter((_, k) => k % 2 === 0));
    // and the hand-derived start (see tutorial.test.ts): 0.03, 0.081, 0.1461
    expect(chunked[0]).toBeCloseTo(0.03, 6);
    expect(chunked[1]).toBeCloseTo(0.081, 6);
    expect(chunked[2]).toBeCloseTo(0.1461, 6);
  });

  it('keeps the state when a parameter changes, and applies the new value from the next chunk', () => {
    // second chunk with tauMemInv = 200: dt·τ⁻¹ = 0.2. After chunk 1 (one step of 0.3): v = 0.03, i = 0.24.
    // step 2: i_j = 0.54, v = 0.03 + 0.2·(0.54 − 0.03) = 0.132 (a reset state would give 0.2·0.3 = 0.06)
    const v = voltages(drive([[0.3], [0.3]], { 1: { params: { ...numericParams(lif as never), tauMemInv: 200 } } }));
    expect(v[0]).toBeCloseTo(0.03, 6);
    expect(v[1]).toBeCloseTo(0.132, 6);
  });

  it('applies the input gain: gain 2 on an input of 0.15 is an input of 0.3', () => {
    const v = voltages(drive([[0.15, 0.15]], { 0: { gain: 2 } }));
    expect(v[0]).toBeCloseTo(0.03, 6);
    expect(v[1]).toBeCloseTo(0.081, 6);
  });

  it('starts from a fresh state when the model changes', () => {
    const steps = drive([[0.3, 0.3], [0.3]], { 1: { model: 'LIFBox', params: numericParams(lifBox as never) } });
    const [, , rec] = lifBox.run({}, 0.001, { record: true })(full([1, 1, 2], 0.3));
    expect(Array.from(steps[1]!.v!.data)).toEqual(Array.from(rec!.v.data));
  });

  it('errors through the stream for an invalid parameter', () => {
    const settings$ = new BehaviorSubject(settingsOf({ params: { ...numericParams(lif as never), tauMemInv: -1 } }));
    const input$ = new Subject<{ frame: Frame; input: ReturnType<typeof full> }>();
    let error: unknown;
    input$.pipe(throughModel(settings$)).subscribe({ error: (e) => (error = e) });
    input$.next({ frame: frame(0, 1), input: full([1, 1, 2], 0.3) });
    expect(String(error)).toMatch(/tauMemInv must be > 0, received -1/);
  });
});

describe('synthetic moving bar and event binning', () => {
  it('emits one ON and one OFF event per pixel per sweep, in time order, at the bar edges', () => {
    const bar = movingBar({ width: 16, height: 4, barWidth: 2, period: 0.1, noise: 0, jitter: 0 });
    const ev = bar.between(0, 1e5);
    expect(ev.length).toBe(16 * 4 * 2);
    for (let k = 1; k < ev.length; k++) expect(ev.t[k]!).toBeGreaterThanOrEqual(ev.t[k - 1]!);
    // the leading edge reaches column c at c/(W + bw) of the sweep: column 9 at 9/18·100 ms = 50 ms
    const on9 = Array.from({ length: ev.length }, (_, k) => k).filter((k) => ev.x[k] === 9 && ev.p[k] === 1);
    expect(on9.map((k) => ev.t[k])).toEqual([50_000, 50_000, 50_000, 50_000]);
    // the trailing edge bw = 2 columns later: (9 + 2)/18·100 ms
    const off9 = Array.from({ length: ev.length }, (_, k) => k).filter((k) => ev.x[k] === 9 && ev.p[k] === 0);
    expect(off9.every((k) => Math.abs(ev.t[k]! - (11 / 18) * 1e5) < 1e-6)).toBe(true);
    // windows split the stream without loss or overlap, across sweeps
    const parts = [bar.between(0, 33_333), bar.between(33_333, 150_000), bar.between(150_000, 200_000)];
    expect(parts.reduce((a, p) => a + p.length, 0)).toBe(2 * 16 * 4 * 2);
  });

  it('bins events into the cell of their pixel at the step of their time', () => {
    const pool = pooling(8, 4, 8); // 8×4 pixels into at most ~8 neurons: 2×2 pixels each, 4×2 cells
    expect(pool).toEqual({ pool: 2, cols: 4, rows: 2, neurons: 8 });
    const events = {
      length: 3,
      t: Float64Array.from([1000, 1500, 2999]),
      x: Uint16Array.from([0, 7, 7]),
      y: Uint16Array.from([0, 3, 2]),
      p: Uint8Array.from([1, 0, 1]),
    };
    // t0 = 1000 µs, dt = 1 ms: steps [1000, 2000) and [2000, 3000)
    const xs = binToCells(events, 1000, 2, 0.001, pool);
    expect(Array.from(xs)).toEqual([1, 0, 0, 0, 0, 0, 0, 1, /* step 1 */ 0, 0, 0, 0, 0, 0, 0, 1]);
  });
});
