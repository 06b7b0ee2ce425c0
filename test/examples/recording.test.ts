/** The playground's recording replay: real recordings loop (a lap, a gap, the next lap), as a person sees them repeat. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingSource } from '../../examples/live/recording.js';

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
});
