/**
 * A worker's program. {@link workerMain} waits on a shared control word (`Atomics.wait`), takes
 * the job from its message port (`receiveMessageOnPort`), runs its range with an engine
 * (`engine.ts`), and signals completion (`Atomics.sub` + `Atomics.notify`); the main thread joins
 * with `Atomics.wait`, so the fork-join is synchronous.
 *
 * Workers start from {@link workerSource}: the text of {@link createEngine} and
 * {@link workerMain} (real, type-checked functions; `Function.prototype.toString` gives the
 * JavaScript they were compiled to), evaluated with `new Worker(source, { eval: true })`, so that
 * workers start the same way under tsx, vitest and the built package.
 *
 * `workerData` is `{ control, port, genIndex, errIndex, claimIndex, spinMs }`: `control` an `Int32Array` over a
 * `SharedArrayBuffer` whose `[0]` counts the workers still running the current job,
 * `[genIndex]` is this worker's job generation (the main thread adds 1 per job, stores −1 to stop),
 * `[errIndex]` is set to 1 when a job failed (the error's text then follows on `port`) and
 * `[claimIndex]` holds the number of the last job started: a worker starts job `seq` by moving it
 * from `seq − 1` to `seq` (`Atomics.compareExchange`); when the main thread finished its own range
 * first it takes over a job nobody started the same way (a worker that sleeps or waits for a core
 * can start late: 1.4–1.9 ms late for 1 job in 6 on the 2-core VMs here), and the worker skips it.
 * `[0]` goes down by the jobs (and collects) a worker ran. Before that, a worker that ran a job
 * writes the time it finished (milliseconds of `process.hrtime`, one clock for every thread) into
 * `finished[finishedIndex]`, from which the calling thread balances the next ranges (see
 * {@link Pool.run} in `workerPool.ts`).
 * After each job a worker watches its generation word for `spinMs` milliseconds before it
 * sleeps in `Atomics.wait`: a stream's next chunk then starts it without a wake-up.
 * Messages on `port`: `{ type: 'engine', id, spec }` compiles an engine and keeps it;
 * `{ type: 'job', engine, call, lo, hi, large, seq }` runs neurons `[lo, hi)` of `call`; `{ type: 'collect' }`
 * runs nothing and collects (the pool's `collectNow`, once the output pool let go of memory the
 * workers may still hold handles on).
 *
 * Memory: every job message gives the worker its own handles on the job's `SharedArrayBuffer`s,
 * and a shared buffer is freed only when every thread holding a handle has collected it. A worker
 * blocked in `Atomics.wait` allocates almost nothing, so its heap would never be collected and
 * it would keep every output it ever wrote alive (gigabytes per run of a large layer). After a
 * `large` job (flagged by the pool once 32 MB of buffers were handed over) the worker therefore runs a garbage collection of its own
 * (a small heap: well under a millisecond), after signalling completion. The collector is reached
 * the way Node's documentation shows (`v8.setFlagsFromString('--expose-gc')` then
 * `vm.runInNewContext('gc')`); the flag is process-wide but only gives contexts created later a
 * `gc` function.
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import { createEngine, type Engine, type EngineSpec } from './engine.js';

/** What a worker receives as `workerData`. */
export interface WorkerData {
  readonly control: Int32Array;
  readonly port: MessagePort;
  readonly genIndex: number;
  readonly errIndex: number;
  /** Index of this worker's claim word: the sequence number of the last job it or the calling thread started. */
  readonly claimIndex: number;
  /** Milliseconds a worker watches its generation word after a job before it sleeps (0: sleeps at once). */
  readonly spinMs?: number;
  /**
   * Index of this worker's sleep word: 1 while it sleeps (or is about to) in `Atomics.wait`, 0 while
   * it runs or watches its generation word; the main thread notifies it only when 1 (`notify`
   * took ~15 µs per job even with no thread waiting).
   */
  readonly sleepIndex?: number;
  /** When each worker finished its last job (ms of `process.hrtime`); this worker writes `[finishedIndex]`. */
  readonly finished?: Float64Array;
  readonly finishedIndex?: number;
}

type Message =
  | { readonly type: 'collect' }
  | { readonly type: 'engine'; readonly id: number; readonly spec: EngineSpec }
  | {
      readonly type: 'job';
      readonly engine: number;
      readonly call: Parameters<Engine['runRange']>[0];
      readonly lo: number;
      readonly hi: number;
      readonly large: boolean;
      /** This worker's job number (1, 2, …): the job is run by whoever moves the claim word from `seq − 1` to `seq` first. */
      readonly seq: number;
    };

type Require = (id: string) => unknown;

/** A worker's main loop (see the module docs). Self-contained: its text is evaluated in the worker. */
export function workerMain(req: Require, make: typeof createEngine): void {
  const wt = req('node:worker_threads') as typeof import('node:worker_threads');
  const { control, port, genIndex, errIndex, claimIndex } = wt.workerData as WorkerData;
  const engines = new Map<number, Engine>();
  const { finished, finishedIndex, sleepIndex } = wt.workerData as WorkerData;
  const hrtime = (globalThis as { process?: { hrtime?: () => [number, number] } }).process?.hrtime;
  let collect: (() => void) | null = null;
  try {
    (req('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    collect = (req('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  // Runs the queued messages; sets `large` when a large job came, returns how many jobs (and
  // collects) it ran. A function of its own, so that no handle on a job's buffers survives in a
  // frame once it returns.
  let large = false;
  const drain = (): number => {
    let error: unknown = null;
    let done = 0;
    for (let m = wt.receiveMessageOnPort(port); m !== undefined; m = wt.receiveMessageOnPort(port)) {
      const msg = m.message as Message;
      try {
        if (msg.type === 'collect') {
          large = true;
          done++;
        } else if (msg.type === 'engine') engines.set(msg.id, make(msg.spec));
        else if (msg.type === 'job') {
          large = large || msg.large === true;
          // A job the calling thread took over (this worker had not started it) is skipped.
          if (Atomics.compareExchange(control, claimIndex, msg.seq - 1, msg.seq) !== msg.seq - 1) continue;
          done++;
          (engines.get(msg.engine) as Engine).runRange(msg.call, msg.lo, msg.hi);
          if (finished !== undefined && finishedIndex !== undefined && hrtime !== undefined) {
            const [sec, ns] = hrtime();
            finished[finishedIndex] = sec * 1e3 + ns / 1e6;
          }
        }
      } catch (e) {
        error = e;
      }
    }
    if (error !== null) {
      Atomics.store(control, errIndex, 1);
      port.postMessage({ type: 'error', message: String((error as { stack?: string })?.stack ?? error) });
    }
    return done;
  };
  // After a job, watch the generation word for a while before sleeping (see SPIN_MS in workerPool.ts).
  const spinMs = (wt.workerData as WorkerData).spinMs ?? 0;
  let seen = 0;
  for (;;) {
    if (spinMs > 0) {
      const until = performance.now() + spinMs;
      for (let k = 1; Atomics.load(control, genIndex) === seen; k++) if ((k & 255) === 0 && performance.now() > until) break;
    }
    // Set before the wait reads the generation word: a main thread that reads 0 here added its job
    // before this store (atomics are sequentially consistent), and the wait returns at once.
    if (sleepIndex !== undefined) Atomics.store(control, sleepIndex, 1);
    Atomics.wait(control, genIndex, seen);
    if (sleepIndex !== undefined) Atomics.store(control, sleepIndex, 0);
    const generation = Atomics.load(control, genIndex);
    if (generation < 0) break;
    if (generation === seen) continue;
    seen = generation;
    large = false;
    const done = drain();
    if (done > 0 && Atomics.sub(control, 0, done) === done) Atomics.notify(control, 0);
    if (large && collect !== null) collect();
  }
}

/**
 * The source a worker evaluates: the two functions above and the call of {@link workerMain}.
 * `__name` is defined for compilers that wrap named functions with it (esbuild's `keepNames`).
 */
export const workerSource = (): string =>
  [
    'var __name = (target) => target;',
    `const createEngine = ${createEngine.toString()};`,
    `const workerMain = ${workerMain.toString()};`,
    'workerMain(require, createEngine);',
  ].join('\n');
