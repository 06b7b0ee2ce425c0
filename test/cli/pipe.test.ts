import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `spikeflow simulate … | head -c 10`: the reader closes the pipe long before the output ends.
describe('spikeflow CLI writing into a pipe closed early', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spikeflow-pipe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 without an error message (no "write EPIPE", no exit 2)', () => {
    const input = join(dir, 'currents.json');
    // 2000 steps × 200 neurons: megabytes of JSON output, far more than the pipe's buffer
    writeFileSync(input, JSON.stringify(Array.from({ length: 2000 }, () => new Array(200).fill(0.5))));
    const r = spawnSync(
      'bash',
      [
        '-c',
        `node bin/spikeflow.js simulate --model LIF --input ${JSON.stringify(input)} 2>${JSON.stringify(join(dir, 'err'))} | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"; cat ${JSON.stringify(join(dir, 'err'))}`,
      ],
      { encoding: 'utf8' },
    );
    const [status, ...errLines] = r.stdout.split('\n');
    expect(errLines.join('\n').trim()).toBe('');
    expect(status).toBe('0');
  }, 60_000);
});
