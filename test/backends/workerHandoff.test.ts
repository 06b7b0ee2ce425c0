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
import { MAX_WORKERS, Pool, SHARE_LIMITS, SHARE_STEP, splitRanges, weightedRanges } from '../../src/ops/backends/threads/workerPool.js';

const PENDING = 0;
const genIndex = (k: number) => 1 + 2 * k;
const claimIndex = (k: number) => 1 + 2 * MAX_WORKERS + k;
const sleepIndex = (k: number) => 1 + 3 * MAX_WORKERS + k;

/** Worker threads whose workers never start: every message posted to a worker goes to `post`. */
const fakeThreads = (post: (message: unknown) => void): WorkerThreads => {
  class MessageChannel {
    port1 = { postMessage: post, unref: () => {}, close: () => {} };
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

/** Worker threads whose workers never run: every job stays unstarted. */
const idleThreads = (posted: unknown[]): WorkerThreads => fakeThreads((m) => posted.push(m));

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

describe('the calling thread balances its share of the neurons', () => {
  it('cuts ranges by share on multiples of 16 from lo (hand-derived)', () => {
    // own = round(W·share / (share + workers) / 16) · 16, the rest as splitRanges cuts it
    expect(weightedRanges(0, 10000, 1, 1)).toEqual([
      [0, 5008],
      [5008, 10000],
    ]);
    expect(weightedRanges(0, 10000, 1, 1.5)).toEqual([
      [0, 6000],
      [6000, 10000],
    ]);
    expect(weightedRanges(100, 1100, 3, 1)).toEqual([
      [100, 356],
      [356, 612],
      [612, 868],
      [868, 1100],
    ]);
    expect(weightedRanges(0, 48, 2, 1)).toEqual([
      [0, 16],
      [16, 32],
      [32, 48],
    ]);
    // too few neurons for 16 per thread (the workers' 24 of 40 are less than 2 × 16)
    expect(weightedRanges(0, 40, 2, 1)).toBeUndefined();
    expect(weightedRanges(0, 40, 1, 0.1)).toBeUndefined();
  });

  /**
   * Worker threads whose one worker runs its job as soon as it is posted (on this thread: claims
   * it, records its range, says it finished at `finishAt()` on the pool's clock, takes PENDING down).
   */
  const eagerThreads = (pool: () => Pool, ran: [number, number][], finishAt: () => number): WorkerThreads =>
    fakeThreads((message) => {
      const m = message as { type: string; lo: number; hi: number; seq: number };
      if (m.type !== 'job') return;
      const p = pool();
      expect(Atomics.compareExchange(p.control, claimIndex(0), m.seq - 1, m.seq)).toBe(m.seq - 1);
      ran.push([m.lo, m.hi]);
      p.finished[0] = finishAt();
      Atomics.sub(p.control, PENDING, 1);
    });

  it('gives itself more after a worker finished later, less after it finished earlier, per kind of job', async () => {
    const mainRan: [number, number][] = [];
    const workerRan: [number, number][] = [];
    let finish = 0;
    const pool: Pool = new Pool(
      eagerThreads(
        () => pool,
        workerRan,
        () => finish,
      ),
    );
    const entry = { id: 3, spec: { kind: 'source', jsSource: '' } as unknown as EngineSpec, main: recordingEngine(mainRan) };
    const [least, most] = SHARE_LIMITS;
    const ownOf = (share: number) => Math.round((1000 * share) / (share + 1) / 16) * 16;
    const runOnce = (T: number) => {
      const out = new Float64Array(1000).fill(-1);
      pool.run(entry, { out, T }, splitRanges(0, 1000, 2));
      // the worker's range is not written by the fake worker: the calling thread wrote its own only
      const [lo, hi] = mainRan.at(-1) as [number, number];
      expect(lo).toBe(0);
      expect(workerRan.at(-1)).toEqual([hi, 1000]);
      expect(Array.from(out.subarray(0, hi))).toEqual(Array.from({ length: hi }, (_, k) => k));
      return hi;
    };
    // first job: the cut as given; the worker "finishes" far later than the calling thread every time
    finish = 1e15;
    expect(runOnce(100)).toBe(512);
    // the share grows by the largest step per job (1.25×) up to its limit: twice a worker's neurons
    const [down, up] = SHARE_STEP;
    let share = 1;
    while (share < most) {
      share = Math.min(most, share * up);
      expect(runOnce(100)).toBe(ownOf(share));
    }
    expect(share).toBe(most);
    // the worker finishes far earlier now: the share shrinks by the smallest step per job down to its limit
    finish = 1;
    expect(runOnce(100)).toBe(ownOf(most));
    while (share > least) {
      share = Math.max(least, share * down);
      expect(runOnce(100)).toBe(ownOf(share));
    }
    expect(share).toBe(least);
    // another kind of job (other steps) starts from the cut as given
    expect(runOnce(1000)).toBe(512);
    expect(pool.takenOver).toBe(0);
    await pool.terminate();
  });
});

describe('a worker', () => {
  /**
   * Runs `workerMain` on this thread over a queue of messages: the generation word says one job
   * came; once the queue is empty the generation is set to −1, so the loop ends after one pass.
   */
  const drive = (messages: object[], claim: number) => {
    const control = new Int32Array(new SharedArrayBuffer(4 * (1 + 4 * MAX_WORKERS)));
    control[PENDING] = 1;
    control[genIndex(0)] = 1;
    control[claimIndex(0)] = claim;
    const queue = [...messages];
    const ran: [number, number][] = [];
    const port = { postMessage: () => {} };
    const wt = {
      workerData: { control, port, genIndex: genIndex(0), errIndex: 2, claimIndex: claimIndex(0), sleepIndex: sleepIndex(0), spinMs: 0 },
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
    // awake (it left its waits): the sleep word says so
    expect(control[sleepIndex(0)]).toBe(0);
  });

  it('runs a job nobody took and claims it', () => {
    const { control, ran } = drive([engine, job(1, 2)], 0);
    expect(ran).toEqual([[2, 4]]);
    expect(control[claimIndex(0)]).toBe(1);
    expect(control[PENDING]).toBe(0);
  });
});
