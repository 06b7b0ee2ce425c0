import { afterEach, describe, expect, it } from 'vitest';
import { sideBySide } from '../../bench/sideBySide.js';
import { root } from '../package/entries.js';

// spikeflow's side alone (Norse pointed at nothing), tiny sizes: the memory modes' wiring
const saved = process.env.SPIKEFLOW_NORSE_SRC;
afterEach(() => {
  if (saved === undefined) delete process.env.SPIKEFLOW_NORSE_SRC;
  else process.env.SPIKEFLOW_NORSE_SRC = saved;
});

describe('side-by-side bench, memory modes', () => {
  it('respawn answers every turn from a new spikeflow process; keep from one', async () => {
    process.env.SPIKEFLOW_NORSE_SRC = '/nonexistent';
    const lines: string[] = [];
    const run = (force: 'respawn' | 'keep') =>
      sideBySide(root, [1000], 20, 2, 1, ['tuned'], (l) => lines.push(l), { floorBytes: 0, force });
    const respawn = await run('respawn');
    expect(respawn.norse).toMatch(/^Norse not run: no Norse source at \/nonexistent/);
    const row = respawn.rows[0];
    expect(row?.memoryMode).toBe('respawn');
    // two rounds, two turns: two processes; each timed run measured
    expect(row?.processes).toEqual({ spikeflow: 2, norse: 0 });
    expect(row?.seconds.reuse).toHaveLength(2);
    expect(row?.seconds.fresh).toHaveLength(2);
    // the plan as logged: 4B + P = 4 · 8e4 B + 0.75 GiB ≈ 0.8 GiB
    expect(lines[0]).toMatch(
      /^N=1000 tuned: memory respawn \(--memory-mode\), needs about 0\.8 GiB; [\d.]+ GiB available, floor 0\.0 GiB$/,
    );
    const keep = await run('keep');
    expect(keep.rows[0]?.memoryMode).toBe('keep');
    expect(keep.rows[0]?.processes).toEqual({ spikeflow: 1, norse: 0 });
  }, 60_000);
});
