/**
 * spikeflow's side of the side-by-side LIF benchmark (bench/sideBySide.ts starts it, once per
 * allocator setting, next to bench/norse_lif.py --serve). Reads one JSON request per line on
 * stdin, answers one JSON line on stdout:
 *
 * - `{ "cmd": "measure", "N": 1e5, "T": 1000, "which": "fresh" | "reuse", "warm": true }`: times one
 *   `lif.run` call (after an untimed one when `warm`) of `[T, 1, N]` float32 input uniform in
 *   [0, 0.6) made by spikeflow (so in shared memory, as every tensor spikeflow makes from 1 MiB
 *   on); `fresh`: the default (a new output per call, the caller owns it); `reuse`: the run
 *   function built with `outputs: 'reuse'` (one output array written call after call). Before the
 *   timed call, garbage is collected and one event-loop turn passes (a fresh output dropped by the
 *   previous call then returns to the output pool, `src/ops/outputPool.ts`). Backend
 *   `auto` (threads once registered, as `spikeflow/node` registers it). With `"solo": true` the run
 *   function of the other kind (and the output it keeps) is dropped first, so that the process holds
 *   one output at a time (bench/memoryGuard.ts, modes `free` and `respawn`); `"pool": bytes` sets the
 *   output pool's cap first (`configureOutputPool({ maxBytes })`: one output and one state). Answers
 *   `{ seconds, ran, spikes, rssBefore, peakRss, recycled, lentBefore, pid }`: the process's resident
 *   memory when the request arrived and its peak while it was answered (input made, warm-up and
 *   timed run included), in bytes (Linux `VmRSS` / `VmHWM`, the peak reset through
 *   `/proc/self/clear_refs`); outputs the timed run took from free pool slots (output and state: 2
 *   when both recycled); bytes the pool had lent just before the timed run (0: every dropped output
 *   returned).
 * - `{ "cmd": "free" }`: drops the input and the run functions, ends the worker threads (whose
 *   handles would keep the buffers of their last jobs alive), collects garbage, releases the
 *   output pool's free memory and collects again (a released slot's memory is returned to the
 *   system when its buffer is collected); answers `{ rss }`.
 * @module
 */
import '../src/ops/backends/builtin.js';
import '../src/ops/backends/threadsBackend.js';
import { lif } from '../src/neurons/lif.js';
import { executionOf } from '../src/ops/backends/backendRegistry.js';
import { terminateThreads } from '../src/ops/backends/threads.js';
import { configureOutputPool, outputPoolStats, releaseOutputPool } from '../src/ops/outputPool.js';
import type { Tensor } from '../src/ops/tensor.js';
import { uniformInput } from './cases.js';
import { serveRequests } from './childServer.js';
import { resetPeakRss, rssNow } from './memoryGuard.js';

type Request =
  | { cmd: 'measure'; N: number; T: number; which: 'fresh' | 'reuse'; warm?: boolean; solo?: boolean; pool?: number }
  | { cmd: 'free' }
  | { cmd: 'exit' };

const gc = (globalThis as { gc?: () => void }).gc;
let input: { N: number; T: number; xs: Tensor } | undefined;
const runs = new Map<string, ReturnType<typeof lif.run>>();

/**
 * Collects garbage and lets the event loop turn until the output pool's finalization callbacks
 * have run for every dropped output (a dropped fresh output returns to the pool, as in any
 * asynchronous program once its collector has run; Python frees Norse's tensors at once by
 * reference counting). Nothing this server keeps comes from the pool (its input and the reused
 * output are its own), so the pool lends nothing once they have run; two turns were not always
 * enough (at N = 1e6 a timed fresh run then took new memory). At most 2 s.
 */
const collect = async (): Promise<void> => {
  const until = performance.now() + 2000;
  for (let k = 0; ; k++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
    if ((k >= 1 && outputPoolStats().lentBytes === 0) || performance.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, k < 2 ? 0 : 5));
  }
};

/** Drops the input (when `input` is true) and the run functions other than `keep`, and returns their memory to the system. */
const drop = async (dropInput: boolean, keep?: string): Promise<void> => {
  if (dropInput) input = undefined;
  for (const k of [...runs.keys()]) if (k !== keep) runs.delete(k);
  // The worker threads hold handles on the buffers of their last jobs until they next collect
  // their garbage (after a job with new buffers: the next warm-up run, when a third array would
  // already be allocated); ending them drops the handles now (the warm-up run starts new ones).
  await terminateThreads();
  await collect();
  // Free pool slots hold their buffers: release them, then collect once more so that the buffers
  // themselves are freed (at N = 1e6 a 4 GB output), so that Norse's turn finds the memory free.
  releaseOutputPool();
  await collect();
  // V8 may free large buffers after the collection returns (its array-buffer sweeper runs on a
  // background thread): wait until the resident memory stops falling (at most 3 s).
  const until = performance.now() + 3000;
  for (let last = rssNow().rss, still = 0; still < 2 && performance.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc?.();
    const now = rssNow().rss;
    still = now > last - 2 ** 20 ? still + 1 : 0;
    last = now;
  }
};

const measure = async (r: Extract<Request, { cmd: 'measure' }>) => {
  resetPeakRss();
  const rssBefore = rssNow().rss;
  if (r.solo === true && [...runs.keys()].some((k) => k !== r.which)) await drop(false, r.which);
  // The previous timed run's output back in the pool before the warm-up run asks for one.
  else await collect();
  if (r.pool !== undefined) configureOutputPool({ maxBytes: r.pool });
  if (input === undefined || input.N !== r.N || input.T !== r.T) {
    input = undefined;
    runs.clear();
    gc?.();
    input = { N: r.N, T: r.T, xs: uniformInput(r.T, r.N, 0.6, true) };
  }
  let run = runs.get(r.which);
  if (run === undefined) {
    run = lif.run({}, 0.001, r.which === 'reuse' ? { outputs: 'reuse' } : {});
    runs.set(r.which, run);
  }
  const xs = input.xs;
  if (r.warm === true) run(xs);
  // The previous call's garbage (a fresh output: up to gigabytes) is collected outside the timing,
  // as Python frees Norse's tensors as soon as they are dropped.
  await collect();
  const poolBefore = outputPoolStats();
  const t0 = performance.now();
  const [z] = run(xs);
  const seconds = (performance.now() - t0) / 1000;
  let spikes = 0;
  const d = z.data;
  for (let k = 0; k < d.length; k += 97) spikes += d[k] as number;
  const e = executionOf(z);
  return {
    seconds,
    ran: e === undefined ? 'unknown' : `${e.backend}: ${e.note ?? ''}`,
    spikes: spikes / Math.ceil(d.length / 97),
    rssBefore,
    peakRss: rssNow().peak,
    // which process answered (memory mode respawn restarts it every turn)
    pid: process.pid,
    // Whether the timed run's output came from a free slot (1), a new slot or outside the pool.
    recycled: outputPoolStats().recycled - poolBefore.recycled,
    lentBefore: poolBefore.lentBytes,
  };
};

serveRequests(
  async (request) => {
    const r = request as Request;
    if (r.cmd === 'measure') return measure(r);
    if (r.cmd === 'free') {
      await drop(true);
      return { rss: rssNow().rss };
    }
    return undefined;
  },
  () => {
    void terminateThreads();
  },
);
