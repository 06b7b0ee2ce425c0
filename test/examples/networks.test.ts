import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The network examples (cuba.ts, coba.ts, brunel.ts) share runExample. Run in a fresh Node process
// (no test set-up registering a DOM, as a user runs them), it must draw its figures — the Node plots
// entry registers linkedom — and write them with the figures it prints.
describe('examples/networks runExample in a plain Node process', () => {
  const out = mkdtempSync(join(tmpdir(), 'spikeflow-networks-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs a small CUBA network and writes the raster, the rate plot and the report', () => {
    const script = [
      `const { runExample } = await import(${JSON.stringify(resolve('examples/networks/common.ts'))});`,
      `const { cubaNetwork } = await import(${JSON.stringify(resolve('src/index.ts'))});`,
      `await runExample('cuba-small', cubaNetwork({ n: 400, inDegree: { e: 64, i: 16 } }), 0.05, ${JSON.stringify(out)});`,
    ].join('\n');
    const printed = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const rate = /E rate ([\d.]+) Hz/.exec(printed)?.[1];
    expect(Number(rate)).toBeGreaterThan(0);
    const raster = readFileSync(join(out, 'cuba-small-raster.svg'), 'utf8');
    expect(raster.startsWith('<svg')).toBe(true);
    expect(readFileSync(join(out, 'cuba-small-rate.svg'), 'utf8').startsWith('<svg')).toBe(true);
    expect(readFileSync(join(out, 'cuba-small.html'), 'utf8')).toContain(`E rate ${rate} Hz`);
  }, 60_000);
});
