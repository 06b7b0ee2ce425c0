import { lif } from '../src/neurons/lif.js';
import { createThreadsBackend } from '../src/ops/backends/threadsBackend.js';
import { terminateThreads } from '../src/ops/backends/threads/workerPool.js';
import { allocateShared, fromTypedArray } from '../src/ops/tensor.js';
import { trainable } from '../src/training/neurons.js';
const N = Number(process.argv[2] ?? 10000), T = 100;
const data = allocateShared('float32', T * N); data.forEach((_, k) => { data[k] = Math.random() * 0.6; });
const xs = fromTypedArray(data, [T, 1, N]);
const g = new Float64Array(T * N).fill(1);
for (const [name, opt] of [['thr', { adjoint: 'derived', backend: createThreadsBackend({}) }], ] as const) {
  const l = trainable(lif, {}, 0.001, opt as never);
  const f: number[] = []; const b: number[] = [];
  for (let k = 0; k < 12; k++) {
    const t0 = performance.now();
    const r = l.forward(xs);
    const t1 = performance.now();
    l.backward(r.tape, g);
    const t2 = performance.now();
    f.push(t1 - t0); b.push(t2 - t1);
  }
  f.sort((a, c) => a - c); b.sort((a, c) => a - c);
  console.log(name, 'fwd min/med', f[0]!.toFixed(1), f[6]!.toFixed(1), 'bwd min/med', b[0]!.toFixed(1), b[6]!.toFixed(1));
}
await terminateThreads();
