/** `spikeflow simulate`'s streamed JSON writer writes exactly what `JSON.stringify(simulate(…))` writes. */
import { describe, expect, it } from 'vitest';
import { simulate, simulateTensors, writeSimulateJson } from '../../src/cli/simulate.js';

const streamed = (options: Parameters<typeof simulate>[0]): { text: string; pieces: number } => {
  let text = '';
  let pieces = 0;
  writeSimulateJson(simulateTensors(options), (t) => {
    text += t;
    pieces++;
  });
  return { text, pieces };
};

describe('simulate output, streamed', () => {
  it('T×N input: same bytes as JSON.stringify', () => {
    const input = Array.from({ length: 50 }, (_, t) => [0.1 * (t % 7), -0.3, 1.5, 0]);
    const options = { model: 'LIF', input, dtype: 'float32' as const, dt: 0.001 };
    expect(streamed(options).text).toBe(JSON.stringify(simulate(options)));
  });

  it('T×B×N input, float64, a model with more state: same bytes as JSON.stringify', () => {
    const input = Array.from({ length: 30 }, (_, t) => [
      [0.2, 0.4 * Math.sin(t)],
      [1, -1],
    ]);
    const options = { model: 'LIFRefrac', input, dtype: 'float64' as const, dt: 0.0005, params: { vTh: 0.5 } };
    expect(streamed(options).text).toBe(JSON.stringify(simulate(options)));
  });

  it('writes in pieces of about 64 KiB, never one string of the whole output', () => {
    const input = Array.from({ length: 2000 }, () => Array.from({ length: 64 }, (_, n) => n / 64));
    const { text, pieces } = streamed({ model: 'LIF', input });
    expect(pieces).toBeGreaterThan(Math.floor(text.length / 70_000));
    expect(JSON.parse(text).outputs.v.length).toBe(2000);
  });
});
