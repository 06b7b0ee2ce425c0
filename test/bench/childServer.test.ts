import { describe, expect, it } from 'vitest';
import { lazyServer, server } from '../../bench/childServer.js';

// A child answering each line with its pid; with IGNORE_TERM it ignores SIGTERM (only SIGKILL ends it).
const program = `
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => {});
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
  const r = JSON.parse(l);
  process.stdout.write(JSON.stringify(r.fail ? { error: 'asked to fail' } : { pid: process.pid }) + '\\n');
});
setInterval(() => {}, 1000);
`;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const start = (env: NodeJS.ProcessEnv = {}, graceMs?: number) =>
  server(process.execPath, ['-e', program], { ...process.env, ...env }, process.cwd(), graceMs);

describe('child servers of the side-by-side bench (memory mode respawn)', () => {
  it('a lazy server is restarted after close, and close resolves only once the process has exited', async () => {
    const s = lazyServer(() => start());
    const first = (await s.ask({})).pid as number;
    expect(await s.ask({})).toEqual({ pid: first });
    await s.close();
    // the process is gone (its memory back with the system) when the next turn starts
    expect(alive(first)).toBe(false);
    const second = (await s.ask({})).pid as number;
    expect(second).not.toBe(first);
    await s.close();
    expect(alive(second)).toBe(false);
    await s.close(); // nothing running: resolves
  });

  it('close ends a process that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const s = start({ IGNORE_TERM: '1' }, 200);
    const pid = (await s.ask({})).pid as number;
    const t0 = performance.now();
    await s.close();
    expect(alive(pid)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('an error answer rejects with its text; a request to an exited process rejects', async () => {
    const s = start();
    await expect(s.ask({ fail: true })).rejects.toThrow('asked to fail');
    s.kill();
    await expect(s.ask({})).rejects.toThrow(/exited/);
  });
});
