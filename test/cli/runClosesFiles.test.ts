/**
 * `spikeflow run` closes its input file however the run stops: a limit passed or a flag refused
 * after the file is open (exit 2) leaves no `FileHandle` for the garbage collector to close (Node's
 * DEP0137 warning, seen in CI next to the bad-input table before these were closed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unclosedFileHandles } from '../fileHandles.js';
import { encodeEvt2, encodeJsonl, encodeWav } from '../io/formatEncoders.js';
import { type CliResult, runCli } from './runCli.js';

const dir = mkdtempSync(join(tmpdir(), 'spikeflow-closes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: Uint8Array | string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const out = (name: string): string => join(dir, `out-${name}`);

/** [what, argv, stderr pattern]: each exits 2 after opening its input. */
const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
  [
    'an event header sensor beyond --max-neurons',
    ['--input', file('big.raw', encodeEvt2([[0, 1, 1, 1]], [4096, 4096])), '--max-neurons', '1e6', '--out', out('a')],
    /4096×4096.*--max-neurons/,
  ],
  [
    'events with --sensor beyond --max-neurons',
    ['--input', file('small.jsonl', encodeJsonl([[0, 1, 1, 1]])), '--sensor', '2000x2000', '--max-neurons', '1e6', '--out', out('b')],
    /2000×2000.*--max-neurons/,
  ],
  [
    'events whose inferred sensor passes --max-neurons',
    ['--input', file('wide.jsonl', encodeJsonl([[0, 3000, 3000, 1]])), '--max-neurons', '1e6', '--out', out('c')],
    /3001×3001.*--max-neurons/,
  ],
  [
    'a WAV longer than --max-steps',
    ['--input', file('a.wav', encodeWav(4800, 48000)), '--max-steps', '10', '--out', out('d')],
    /steps, more than --max-steps 10/,
  ],
  [
    'a WAV shorter than one step',
    ['--input', file('b.wav', encodeWav(4800, 48000)), '--dt', '100', '--out', out('e')],
    /--dt 100 s is longer than/,
  ],
  ['a CSV without data rows', ['--input', file('empty.csv', 't,a\n'), '--out', out('f')], /no data rows/],
];

describe('spikeflow run closes its input file', () => {
  for (const [what, argv, pattern] of cases) {
    it(`${what}: exit 2, no file left open`, async () => {
      let r: CliResult | undefined;
      const left = await unclosedFileHandles(async () => {
        r = await runCli(['run', ...argv]);
      });
      expect(r?.err).toMatch(pattern);
      expect(r?.code).toBe(2);
      expect(left).toBe(0);
    });
  }
});
