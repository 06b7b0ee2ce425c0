/**
 * `spikeflow/threads`: the `threads` backend — the neuron run and the linear map compiled to
 * WebAssembly SIMD and split over threads sharing memory: Node's worker threads, or Web Workers in
 * a cross-origin isolated browser page (elsewhere in a browser: the calling thread alone, still
 * WebAssembly SIMD). Importing this entry registers it (priority 50: `auto` prefers it to `js`
 * where it applies and says why in `executionOf(...).note`); `spikeflow/node` and
 * `spikeflow/browser` import it.
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
export { activeWorkers, hardwareThreads, startThreads, type ThreadsOptions, terminateThreads } from './ops/backends/threads.js';
export { createThreadsBackend, type ThreadsBackend, threadsBackend } from './ops/backends/threadsBackend.js';
