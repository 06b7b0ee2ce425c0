/**
 * The webcam event emulator's pixel model (`frameEvents`), in Node. The browser plumbing of
 * src/streams/live/ (microphone, device motion, webcam) is type-checked only: it needs a browser.
 */
import { describe, expect, it } from 'vitest';
import { frameEvents } from '../../../src/io/browser/webcam.js';
import { batchOf, expectSameEvents } from '../helpers.js';

describe('webcam pixel model', () => {
  it('emits ON/OFF where the log intensity moved by θ from the reference, and moves those references', () => {
    // Hand-derived, θ = 0.5, 2×2 sensor, references 0: d = 0.6 (ON at x0 y0), −0.7 (OFF at x1 y0),
    // 0.2 (none), 0.5 (ON at x1 y1, since d ≥ θ).
    const reference = new Float32Array(4);
    const frame = Float32Array.from([0.6, -0.7, 0.2, 0.5]);
    const events = frameEvents(frame, reference, 2, 1234, 0.5);
    expectSameEvents(
      events,
      batchOf([
        [1234, 0, 0, 1],
        [1234, 1, 0, 0],
        [1234, 1, 1, 1],
      ]),
    );
    expect(Array.from(reference)).toEqual(Array.from(Float32Array.from([0.6, -0.7, 0, 0.5])));
    // The same frame again: no change, no events.
    expect(frameEvents(frame, reference, 2, 2000, 0.5).length).toBe(0);
    expect(() => frameEvents(frame, new Float32Array(3), 2, 0, 0.5)).toThrow(/frame has 4 pixels, reference 3/);
  });
});
