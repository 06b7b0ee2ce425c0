import { afterAll, describe, expect, it } from 'vitest';
import { allocateOutput, configureOutputPool, outputPoolStats } from '../../src/ops/outputPool.js';
import type { TensorData } from '../../src/ops/tensor.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Long enough for spikeflow's rate limit (3× the last collection's pause; all pauses so far bound the last one). */
const rateLimitMs = () => 4 * outputPoolStats().collectionMs + 10;

/** Lends `count` outputs of `length` float32 in one turn. */
const lendTurn = (length: number, count: number): TensorData[] => Array.from({ length: count }, () => allocateOutput('float32', length));

describe('output pool: what a collection frees comes back in the same turn', () => {
  afterAll(() => {
    configureOutputPool({ collectAfterBytes: 64 * 2 ** 20 });
  });

  it('a stream-like turn of 10 lends collects at its last free slot and takes the freed slots at once: no new slot', async () => {
    const length = 20_000; // 80 000 B a slot
    configureOutputPool({ collectAfterBytes: 2 ** 40 });
    // Turn 1: 10 new slots, held; turn 2: 3 more. Then 10 of the 13 are dropped (3 stay held).
    let first: TensorData[] | undefined = lendTurn(length, 10);
    await turn();
    const held = lendTurn(length, 3);
    await turn();
    expect(first.length).toBe(10);
    first = undefined;
    await sleep(rateLimitMs());
    const s0 = outputPoolStats();
    expect(s0.freeBytes).toBe(0);
    // Turn 3: 10 lends with collections due (1 byte): the first finds no free slot, collects, and the
    // 10 slots dropped in turn 1 come back right away: every lend of this turn is a recycled slot.
    configureOutputPool({ collectAfterBytes: 1 });
    const z = lendTurn(length, 10);
    const s1 = outputPoolStats();
    expect(s1.collections - s0.collections).toBe(1);
    expect(s1.pooled - s0.pooled).toBe(0);
    expect(s1.recycled - s0.recycled).toBe(10);
    // The three still held were not taken back; all of them are distinct memory from the new lends.
    expect(s1.lentBytes).toBeGreaterThanOrEqual(13 * 4 * length);
    const buffers = new Set([...z, ...held].map((a) => a.buffer));
    expect(buffers.size).toBe(13);
    for (const a of held) a.fill(7);
    for (const a of z) a.fill(1);
    expect(held.every((a) => a.every((x) => x === 7))).toBe(true);
  });
});
