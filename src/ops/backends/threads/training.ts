/**
 * The training kernels (`src/training/kernels/`) on this backend's worker pool: importing this
 * module (as `threadsBackend.ts` does) registers the pool with the training passes, which then
 * split their LIF and linear forward and backward passes over every hardware thread (results equal
 * to one thread's bit for bit; see `training/kernels/parallel.ts`). The workers compile the
 * training engine from its text (an engine of kind `source`, `engine.ts`).
 * @module
 */
import { trainingEngine } from '../../../training/kernels/engine.js';
import { registerTrainingPool, trainingEngineSpec } from '../../../training/kernels/parallel.js';
import { newEngineId } from './compile.js';
import { createEngine, type EngineSpec } from './engine.js';
import { hardwareThreads } from './plan.js';
import { type EngineEntry, MAX_WORKERS, poolOf } from './workerPool.js';

let entry: EngineEntry | undefined;
const trainingEntry = (): EngineEntry => {
  if (entry === undefined) {
    const spec: EngineSpec = {
      kind: 'source',
      // `__name`: compilers that keep function names (esbuild's keepNames) wrap them with it
      jsSource: `var __name = (target) => target;\nreturn (${trainingEngine.toString()})(spec.options);`,
      options: trainingEngineSpec(),
      nIn: 0,
      nState: 0,
      recording: false,
      perNeuron: [],
      blockWidth: 16,
      tileElements: 0,
    };
    entry = { id: newEngineId(), spec, main: createEngine(spec) };
  }
  return entry;
};

registerTrainingPool({
  maxThreads: Math.min(hardwareThreads(), MAX_WORKERS + 1),
  ready: (threads) => poolOf().ready(threads),
  stage: (role, dtype, length) => poolOf().stage(role, dtype, length),
  run: (call, ranges) => poolOf().run(trainingEntry(), call, ranges),
});
