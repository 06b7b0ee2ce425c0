import { afterAll, describe, expect, it } from 'vitest';
import { allocateOutput, configureOutputPool, outputPoolStats } from '../../src/ops/outputPool.js';
import type { TensorData } from '../../src/ops/tensor.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Long enough for spikeflow's rate limit (3× the last collection's pause; all pauses so far bound the last one). */
const rateLimitMs = () => 4 * outputPoolStats().collectionMs + 10;

/** Lends `count` outputs of `length` float32 in one turn, returns them (kept by the caller). */
const lendTurn = (length: number, count: number): TensorData[] => Array.from({ length: count }, () => allocateOutput('float32', length));

/** Turns the event loop (with pauses, so that the rate limit of spikeflow's collections allows the next one) until `done()`. */
const settle = async (done: () => boolean): Promise<void> => {
  for (let k = 0; k < 200 && !done(); k++) {
    await turn();
    await sleep(5);
  }
};

describe('output pool: when it collects for a size lent several times in one turn', () => {
  afterAll(() => {
    configureOutputPool({ collectAfterBytes: 64 * 2 ** 20 });
  });

  it('a stream-like size (10 lends a turn) collects while 10 free slots remain; a fused-like size only at its last free slot', async () => {
    const stream = 20_000; // 80 000 B a slot
    const fused = 1_000_000; // 4 MB a slot
    configureOutputPool({ collectAfterBytes: 2 ** 40 });
    // Turn 1: 10 new slots of the stream size (its most lends in one turn becomes 10), and 3 of the fused size, one a turn.
    let kept: TensorData[] | undefined = lendTurn(stream, 10);
    let kept1: TensorData[] | undefined = [];
    for (let k = 0; k < 3; k++) {
      kept1.push(allocateOutput('float32', fused));
      await turn();
    }
    // Dropped; a collection (any lend once 1 byte counts) brings all 13 back as free slots.
    expect(kept.length + kept1.length).toBe(13);
    kept = undefined;
    kept1 = undefined;
    configureOutputPool({ collectAfterBytes: 1 });
    allocateOutput('float32', 10_000); // a lend of a third size, new: counts bytes and collects
    await settle(() => outputPoolStats().freeBytes >= 10 * 4 * stream + 3 * 4 * fused);
    const s0 = outputPoolStats();
    expect(s0.freeBytes).toBeGreaterThanOrEqual(10 * 4 * stream + 3 * 4 * fused);

    // Stream size: the first lend of the turn leaves 9 < 10 free: the collection runs at once (the
    // slots it frees come back after the turn), and all 10 lends of the turn come from free slots.
    await sleep(rateLimitMs());
    const s1 = outputPoolStats();
    const z = lendTurn(stream, 1);
    const first = outputPoolStats().collections - s1.collections;
    z.push(...lendTurn(stream, 9));
    const s2 = outputPoolStats();
    expect(first).toBe(1);
    expect(s2.recycled - s1.recycled).toBe(10);
    expect(s2.pooled - s1.pooled).toBe(0);
    // Fused size, one lend a turn: no collection while free slots of its size remain after the lend.
    await sleep(rateLimitMs());
    const s3 = outputPoolStats();
    const f: TensorData[] = [];
    const collectionsAfter: number[] = [];
    for (let k = 0; k < 3; k++) {
      f.push(allocateOutput('float32', fused));
      collectionsAfter.push(outputPoolStats().collections - s3.collections);
      await sleep(rateLimitMs());
      await turn();
    }
    // 2 and 1 left: none; the last free slot: one.
    expect(collectionsAfter).toEqual([0, 0, 1]);

    expect(z.length + f.length).toBe(13);
  });
});
