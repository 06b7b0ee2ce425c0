/**
 * The multi-threaded CPU engine of the `threads` backend (see `threads/`): planning
 * (`plan.ts`), the worker pool (`pool.ts`), the code every thread runs (`engine.ts`,
 * `worker.ts`), fused neuron runs (`compile.ts`) and the linear map (`linear.ts`).
 * Small runs stay on the main thread (hand-off costs more than it saves); the chosen plan is
 * reported. Node's `worker_threads`, or in a cross-origin isolated browser realm Web Workers
 * (`threads/webPool.ts`); elsewhere the engine runs on the calling thread alone.
 * @module
 */
export { compileThreaded, type ThreadedKernel } from './threads/compile.js';
export { compileThreadedLinear, type ThreadedLinear } from './threads/linear.js';
export {
  checkThreadsOptions,
  DEFAULT_MIN_NEURON_STEPS_PER_THREAD,
  hardwareThreads,
  MIN_NEURONS_PER_THREAD,
  planThreads,
  type ThreadsOptions,
  type ThreadsPlan,
} from './threads/plan.js';
export { startThreads } from './threads/start.js';
export { activeWorkers, allocateShared, terminateThreads } from './threads/workerPool.js';
