/**
 * `spikeflow/threads`: the `threads` backend — the neuron run and the linear map compiled to
 * WebAssembly SIMD and split over worker threads sharing memory (Node). Importing this entry
 * registers it (priority 50: `auto` prefers it to `js` where it applies and says why in
 * `executionOf(...).note`); `spikeflow/node` imports it.
 * @example
 * ```ts
 * import { executionOf, lif, zeros } from 'spikeflow';
 * import { terminateThreads } from 'spikeflow/threads';
 * const [z] = lif.run({}, 0.001, { backend: 'threads' })(zeros([100, 1, 4096]));
 * console.log(executionOf(z)?.note);
 * await terminateThreads();
 * ```
 * @packageDocumentation
 */
export { activeWorkers, hardwareThreads, type ThreadsOptions, terminateThreads } from './ops/backends/threads.js';
export { createThreadsBackend, type ThreadsBackend, threadsBackend } from './ops/backends/threadsBackend.js';
