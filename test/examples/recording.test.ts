/** The playground's recording replay: real recordings loop (a lap, a gap, the next lap), as a person sees them repeat. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingSource } from '../../examples/live/recording.js';
import { decodeEvents } from '../../src/io/formats/index.js';

const events = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'events');
const have = existsSync(events);

describe.runIf(have)('recording replay of real recordings (needs ../shared/data/events)', () => {
  for (const name of ['evt2_sample.raw', 'evt3_sample.raw']) {
    it(`${name} loops: events arrive in every second of a 3-second replay`, async () => {
      const file = new File([readFileSync(join(events, name))], name);
      const source = await recordingSource(file);
      const perSecond = [0, 0, 0];
      const frame = 16_667; // µs, 60 frames per second
      for (let t = 0; t < 3e6; t += frame) {
        perSecond[Math.floor(t / 1e6)]! += source.between(t, t + frame).length;
        await new Promise((r) => setTimeout(r, 0)); // lets the read-ahead run, as frames do
      }
      expect(
        perSecond.every((n) => n > 0),
        perSecond.join(', '),
      ).toBe(true);
    });
  }

  // Laps replay the file's events exactly, whether kept decoded (default) or decoded again each lap.
  for (const keepEvents of [undefined, 1000]) {
    it(`evt3_sample.raw: laps 1 and 2 are the file's events, the second shifted by one period (keepEvents ${keepEvents ?? 'default'})`, async () => {
      const bytes = readFileSync(join(events, 'evt3_sample.raw'));
      const whole = decodeEvents(new Uint8Array(bytes), 'evt3', { invalidEvents: 'drop' }).events;
      const source = await recordingSource(new File([bytes], 'evt3_sample.raw'), keepEvents === undefined ? {} : { keepEvents });
      const n = whole.length;
      const t0 = whole.t[0]!;
      const duration = whole.t[n - 1]! - t0;
      const period = duration + 2e5;
      const got: number[] = [];
      const xs: number[] = [];
      const frame = 5000; // µs
      for (let t = 0; t < 2 * period; t += frame) {
        const b = source.between(t, Math.min(t + frame, 2 * period));
        for (let k = 0; k < b.length; k++) {
          got.push(b.t[k]!);
          xs.push(b.x[k]!);
        }
        await new Promise((r) => setTimeout(r, 0)); // lets the read-ahead run, as frames do
      }
      expect(source.lap?.(period + 1)).toEqual({ lap: 2, duration });
      expect(got.length).toBe(2 * n);
      for (const lap of [0, 1]) {
        for (const k of [0, 1, Math.floor(n / 2), n - 1]) {
          expect(got[lap * n + k]).toBeCloseTo(whole.t[k]! - t0 + lap * period, 6);
          expect(xs[lap * n + k]).toBe(whole.x[k]);
        }
      }
    });
  }
});
