/**
 * The hand-off between the calling thread and the `threads` workers (`workerPool.ts`, `worker.ts`):
 * a job a worker has not started when the calling thread finished its own range is run by the
 * calling thread, and the worker skips it (the claim word). Both sides are driven here without
 * real threads, so that the order of events is fixed.
 */
import { describe, expect, it } from 'vitest';
import type { Engine, EngineSpec } from '../../src/ops/backends/threads/engineTypes.js';
import type { WorkerThreads } from '../../src/ops/backends/threads/plan.js';
import { workerMain } from '../../src/ops/backends/threads/worker.js';
import { MAX_WORKERS, Pool } from '../../src/ops/backends/threads/workerPool.js';

const PENDING = 0;
const genIndex = (k: number) => 1 + 2 * k;
const claimIndex = (k: number) => 1 + 2 * MAX_WORKERS + k;

/** Worker threads whose workers never run: every job stays unstarted. */
const idleThreads = (posted: unknown[]): WorkerThreads => {
  class MessageChannel {
    port1 = { postMessage: (m: unknown) => posted.push(m), unref: () => {}, close: () => {} };
    port2 = {};
  }
  class Worker {
    unref(): void {}
    async terminate(): Promise<number> {
      return 0;
    }
  }
  return { MessageChannel, Worker, receiveMessageOnPort: () => undefined } as unknown as WorkerThreads;
};

/** An engine that records the ranges it ran and writes `lo`…`hi − 1` into `call.out`. */
const recordingEngine = (ran: [number, number][]): Engine => ({
  kind: 'js',
  runRange(call, lo, hi) {
    ran.push([lo, hi]);
    const out = (call as { out: Float64Array }).out;
    for (let k = lo; k < hi; k++) out[k] = k;
  },
});

describe('the calling thread takes over jobs no worker started', () => {
  it('runs every range itself, once, when its workers never start, and can run again', async () => {
    const posted: unknown[] = [];
    const pool = new Pool(idleThreads(posted));
    const ran: [number, number][] = [];
    const entry = { id: 1, spec: { kind: 'source', jsSource: '' } as unknown as EngineSpec, main: recordingEngine(ran) };
    const ranges: [number, number][] = [
      [0, 16],
      [16, 32],
      [32, 40],
    ];
    for (let run = 1; run <= 2; run++) {
      const out = new Float64Array(40).fill(-1);
      pool.run(entry, { out }, ranges);
      expect(Array.from(out)).toEqual(Array.from({ length: 40 }, (_, k) => k));
      // the caller's own range first, then the two workers' in order
      expect(ran.splice(0)).toEqual(ranges);
      expect(pool.takenOver).toBe(2 * run);
      expect(Atomics.load(pool.control, PENDING)).toBe(0);
      // each worker's claim word holds its job number
      expect([Atomics.load(pool.control, claimIndex(0)), Atomics.load(pool.control, claimIndex(1))]).toEqual([run, run]);
    }
    // every job was still posted (a worker that starts late finds it taken)
    const jobs = posted.filter((m) => (m as { type: string }).type === 'job') as { seq: number; lo: number }[];
    expect(jobs.map((j) => [j.lo, j.seq])).toEqual([
      [16, 1],
      [32, 1],
      [16, 2],
      [32, 2],
    ]);
    await pool.terminate();
  });
});

describe('a worker', () => {
  /**
   * Runs `workerMain` on this thread over a queue of messages: the generation word says one job
   * came; once the queue is empty the generation is set to −1, so the loop ends after one pass.
   */
  const drive = (messages: object[], claim: number) => {
    const control = new Int32Array(new SharedArrayBuffer(4 * (1 + 3 * MAX_WORKERS)));
    control[PENDING] = 1;
    control[genIndex(0)] = 1;
    control[claimIndex(0)] = claim;
    const queue = [...messages];
    const ran: [number, number][] = [];
    const port = { postMessage: () => {} };
    const wt = {
      workerData: { control, port, genIndex: genIndex(0), errIndex: 2, claimIndex: claimIndex(0), spinMs: 0 },
      receiveMessageOnPort: () => {
        const m = queue.shift();
        if (m === undefined) {
          Atomics.store(control, genIndex(0), -1);
          return undefined;
        }
        return { message: m };
      },
    };
    const req = (id: string) => (id === 'node:worker_threads' ? wt : { setFlagsFromString: () => {}, runInNewContext: () => () => {} });
    workerMain(req, (() => recordingEngine(ran)) as never);
    return { control, ran };
  };
  const job = (seq: number, lo: number) => ({
    type: 'job',
    engine: 7,
    call: { out: new Float64Array(8) },
    lo,
    hi: lo + 2,
    large: false,
    seq,
  });
  const engine = { type: 'engine', id: 7, spec: {} };

  it('skips a job the calling thread took over and runs the next one, counting only that one', () => {
    // job 1 was taken over (claim already 1); job 2 came after it
    const { control, ran } = drive([engine, job(1, 0), job(2, 4)], 1);
    expect(ran).toEqual([[4, 6]]);
    expect(control[claimIndex(0)]).toBe(2);
    // PENDING was 1 (job 2's): the worker took off one, not two
    expect(control[PENDING]).toBe(0);
  });

  it('runs a job nobody took and claims it', () => {
    const { control, ran } = drive([engine, job(1, 2)], 0);
    expect(ran).toEqual([[2, 4]]);
    expect(control[claimIndex(0)]).toBe(1);
    expect(control[PENDING]).toBe(0);
  });
});
