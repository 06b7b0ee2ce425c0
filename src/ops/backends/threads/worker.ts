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
 * `workerData` is `{ control, port, genIndex, errIndex }`: `control` an `Int32Array` over a
 * `SharedArrayBuffer` whose `[0]` counts the workers still running the current job,
 * `[genIndex]` is this worker's job generation (the main thread adds 1 per job, stores −1 to stop)
 * and `[errIndex]` is set to 1 when a job failed (the error's text then follows on `port`).
 * Messages on `port`: `{ type: 'engine', id, spec }` compiles an engine and keeps it;
 * `{ type: 'job', engine, call, lo, hi, large }` runs neurons `[lo, hi)` of `call`; `{ type: 'collect' }`
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
    };

type Require = (id: string) => unknown;

/** A worker's main loop (see the module docs). Self-contained: its text is evaluated in the worker. */
export function workerMain(req: Require, make: typeof createEngine): void {
  const wt = req('node:worker_threads') as typeof import('node:worker_threads');
  const { control, port, genIndex, errIndex } = wt.workerData as WorkerData;
  const engines = new Map<number, Engine>();
  let collect: (() => void) | null = null;
  try {
    (req('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    collect = (req('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  // Runs the queued messages; returns whether a large job ran. A function of its own, so that no
  // handle on a job's buffers survives in a frame once it returns.
  const drain = (): boolean => {
    let error: unknown = null;
    let large = false;
    for (let m = wt.receiveMessageOnPort(port); m !== undefined; m = wt.receiveMessageOnPort(port)) {
      const msg = m.message as Message;
      try {
        if (msg.type === 'collect') large = true;
        else if (msg.type === 'engine') engines.set(msg.id, make(msg.spec));
        else if (msg.type === 'job') {
          large = large || msg.large === true;
          (engines.get(msg.engine) as Engine).runRange(msg.call, msg.lo, msg.hi);
        }
      } catch (e) {
        error = e;
      }
    }
    if (error !== null) {
      Atomics.store(control, errIndex, 1);
      port.postMessage({ type: 'error', message: String((error as { stack?: string })?.stack ?? error) });
    }
    return large;
  };
  let seen = 0;
  for (;;) {
    Atomics.wait(control, genIndex, seen);
    const generation = Atomics.load(control, genIndex);
    if (generation < 0) break;
    if (generation === seen) continue;
    seen = generation;
    const large = drain();
    if (Atomics.sub(control, 0, 1) === 1) Atomics.notify(control, 0);
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
