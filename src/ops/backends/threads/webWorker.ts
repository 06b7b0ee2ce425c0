/**
 * The program of a Web Worker of the `threads` backend in a browser (see `webPool.ts`), the
 * browser's counterpart of `worker.ts`. A browser gives no way to take a message synchronously
 * (Node's `receiveMessageOnPort`), so a web worker waits in its own event loop, not in
 * `Atomics.wait`: each job arrives as a message, runs, and is signalled done through the shared
 * control word, which the pool's thread (a page's main thread, which may not block) polls.
 *
 * Messages: `{ type: 'init', control, errors, index }` (the shared control word and error text,
 * this worker's slot); `{ type: 'engine', id, spec }` compiles an engine and keeps it;
 * `{ type: 'job', engine, call, pieces, next }` runs pieces of `call` (neurons or rows `[lo, hi)`,
 * whose arrays live in `SharedArrayBuffer`s), taking piece `k = Atomics.add(control, next, 1)`
 * until none is left: every thread, the pool's included, takes pieces from the same counter, so a
 * thread that starts late or runs slowly (a loaded machine) leaves its share to the others
 * instead of making them wait. On failure the worker sets `control[1 + index]` to 1 and
 * writes the error's text (UTF-16 code units, 0-terminated) into its slot of `errors`; in every
 * case it then decrements `control[0]` (the workers still running) and notifies it.
 * @module
 */
import { createEngine, type Engine, type EngineSpec } from './engine.js';

/** UTF-16 code units of error text each worker may write (the rest is cut). */
export const ERROR_CHARS = 1024;

/** What a worker's global scope offers the program (a `DedicatedWorkerGlobalScope`). */
export interface WebWorkerScope {
  onmessage: ((e: { data: unknown }) => void) | null;
  postMessage: (message: unknown) => void;
}

type Message =
  | { readonly type: 'init'; readonly control: Int32Array; readonly errors: Uint16Array; readonly index: number }
  | { readonly type: 'engine'; readonly id: number; readonly spec: EngineSpec }
  | { readonly type: 'heap'; readonly memory: WebAssembly.Memory }
  | {
      readonly type: 'job';
      readonly engine: number;
      readonly call: Parameters<Engine['runRange']>[0];
      readonly pieces: readonly (readonly [number, number])[];
      readonly next: number;
    };

/**
 * A web worker's main program (see the module docs). Self-contained (its text is evaluated in
 * the worker): it uses nothing but its arguments and globals (`Atomics`, `String`).
 * Errors of a job (e.g. a job naming an engine never sent) are caught and reported to the pool,
 * which throws them on the calling thread (see {@link WebPool.run}).
 */
export function webWorkerMain(scope: WebWorkerScope, make: typeof createEngine, errorChars: number): void {
  const engines = new Map<number, Engine | { failed: unknown }>();
  let control: Int32Array | null = null;
  let errors: Uint16Array | null = null;
  let index = 0;
  let heap: WebAssembly.Memory | undefined;
  const heapMemory = (): WebAssembly.Memory | undefined => heap;
  const fail = (error: unknown): void => {
    if (control === null || errors === null) return;
    const text = String((error as { stack?: string })?.stack ?? error);
    const base = index * errorChars;
    const n = Math.min(text.length, errorChars - 1);
    for (let k = 0; k < n; k++) errors[base + k] = text.charCodeAt(k);
    errors[base + n] = 0;
    Atomics.store(control, 1 + index, 1);
  };
  scope.onmessage = (e) => {
    const msg = e.data as Message;
    if (msg.type === 'init') {
      control = msg.control;
      errors = msg.errors;
      index = msg.index;
      scope.postMessage({ type: 'ready' });
    } else if (msg.type === 'heap') {
      heap = msg.memory;
    } else if (msg.type === 'engine') {
      try {
        engines.set(msg.id, make(msg.spec, heapMemory));
      } catch (error) {
        engines.set(msg.id, { failed: error });
      }
    } else if (msg.type === 'job') {
      try {
        const engine = engines.get(msg.engine);
        if (engine === undefined) throw new Error(`engine ${msg.engine} was never sent`);
        if ('failed' in engine) throw engine.failed;
        const c = control as Int32Array;
        for (let k = Atomics.add(c, msg.next, 1); k < msg.pieces.length; k = Atomics.add(c, msg.next, 1)) {
          const piece = msg.pieces[k] as readonly [number, number];
          engine.runRange(msg.call, piece[0], piece[1]);
        }
      } catch (error) {
        fail(error);
      } finally {
        const c = control as Int32Array;
        if (Atomics.sub(c, 0, 1) === 1) Atomics.notify(c, 0);
      }
    }
  };
}

/**
 * The source a web worker runs (a classic script, loaded from a `blob:` URL): the engine, the
 * program above and its call. `__name` is defined for compilers that wrap named functions with it.
 */
export const webWorkerSource = (): string =>
  [
    'var __name = (target) => target;',
    `const createEngine = ${createEngine.toString()};`,
    `const webWorkerMain = ${webWorkerMain.toString()};`,
    `webWorkerMain(self, createEngine, ${ERROR_CHARS});`,
  ].join('\n');
