/**
 * {@link startThreads}: starting the `threads` backend's workers ahead of the runs that use them.
 * @module
 */
import { SpikeflowError, show } from '../../errors.js';
import { hardwareThreads } from './plan.js';
import { type WebPool, webThreadsAvailable } from './webPool.js';
import { MAX_WORKERS, Pool, poolOf } from './workerPool.js';

/**
 * Starts the workers of the `threads` backend, so that the following runs use them all.
 * - Node: starts `threads − 1` worker threads (runs would start them anyway, synchronously).
 * - A cross-origin isolated browser realm (page served with `Cross-Origin-Opener-Policy:
 *   same-origin` and `Cross-Origin-Embedder-Policy: require-corp`, or a worker of one): starts
 *   `threads − 1` Web Workers and resolves once they run. A browser starts a worker only while
 *   the page returns to its event loop, so runs made before this resolves use the workers already
 *   running (one thread at first) and say so in `executionOf(out).note`.
 * - Elsewhere (a page that is not isolated, no `Worker`): starts nothing, resolves with 1 — the
 *   WebAssembly SIMD kernels then run on the calling thread.
 * @param threads - most threads, the calling thread included (integer ≥ 1; default {@link hardwareThreads})
 * @returns the threads (calling thread included) that runs can use now
 * @throws (rejects) SpikeflowError naming `threads` when it is not an integer ≥ 1, or when a web
 *   worker fails to start (e.g. a Content-Security-Policy without `worker-src blob:`)
 */
export const startThreads = async (threads: number = hardwareThreads()): Promise<number> => {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new SpikeflowError('startThreads', 'threads', `threads must be an integer ≥ 1, received ${show(threads)}`);
  }
  const n = Math.min(threads, hardwareThreads(), MAX_WORKERS + 1);
  if (n <= 1) return 1;
  const pool = poolOf();
  if (pool instanceof Pool) {
    pool.ensure(n - 1);
    return n;
  }
  if (!webThreadsAvailable()) return 1;
  return 1 + (await (pool as WebPool).start(n - 1));
};
