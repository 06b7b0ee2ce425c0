/**
 * `startThreads` in Node: it validates its argument and starts the worker threads ahead of the
 * runs (the browser side, Web Workers in a cross-origin isolated page, is tested in
 * test/browser/wasm.browser.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { activeWorkers, hardwareThreads, startThreads, terminateThreads } from '../../src/ops/backends/threads.js';

afterAll(() => terminateThreads());

describe('startThreads (Node)', () => {
  it('rejects a thread count that is not an integer ≥ 1, naming the argument', async () => {
    await expect(startThreads(0)).rejects.toThrow(/startThreads: threads must be an integer ≥ 1, received 0/);
    await expect(startThreads(1.5)).rejects.toThrow(/threads must be an integer ≥ 1, received 1\.5/);
  });

  it('starts threads − 1 workers (at most the hardware threads) and resolves with the threads usable', async () => {
    await terminateThreads();
    expect(activeWorkers()).toBe(0);
    expect(await startThreads(1)).toBe(1);
    expect(activeWorkers()).toBe(0);
    const n = Math.min(2, hardwareThreads());
    expect(await startThreads(2)).toBe(n);
    expect(activeWorkers()).toBe(n - 1);
    await terminateThreads();
    expect(activeWorkers()).toBe(0);
  });
});
