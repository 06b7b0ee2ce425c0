import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromTypedArray, slice, type Tensor, tensor } from '../../src/ops/tensor.js';
import { stdp } from '../../src/streams/stdp.js';
import { fromNorse, loadTrace } from '../golden.js';

const seq3 = (rows: number[][]): Tensor => fromTypedArray(Float64Array.from(rows.flat()), [rows.length, 1, rows[0]?.length ?? 0]);

describe('stdp operator', () => {
  for (const algorithm of ['additive', 'multiplicative_pow']) {
    it(`streams Norse's stdp_linear_${algorithm} trace in chunks of any sizes, bit for bit`, async () => {
      const tr = loadTrace(`stdp_linear_${algorithm}.json`);
      const input = tr.input as unknown as { pre: number[][]; post: number[][] };
      const pre = seq3(input.pre);
      const post = seq3(input.post);
      const T = pre.shape[0] as number;
      const wTrace = tr.outputs.w as unknown as number[][][];
      const w0 = tensor(
        Array.from({ length: 3 }, () => [0.5, 0.5, 0.5, 0.5]),
        'float64',
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
          const chunks = [];
          const ends: number[] = [];
          for (let t = 0, k = 0; t < T; k++) {
            const end = Math.min(T, t + (sizes[k % sizes.length] as number));
            chunks.push({ pre: slice(pre, t, end), post: slice(post, t, end) });
            ends.push(end);
            t = end;
          }
          const updates = await lastValueFrom(
            from(chunks).pipe(stdp({ w: w0, p: { ...fromNorse(tr.params), stdpAlgorithm: algorithm } as never, dt: tr.dt }), toArray()),
          );
          updates.forEach((u, k) => {
            expect(Array.from(u.w.data)).toEqual((wTrace[(ends[k] as number) - 1] as number[][]).flat());
          });
        }),
        { numRuns: 15 },
      );
    });
  }

  it('errors the stream when spike shapes do not match the weights', async () => {
    const w = tensor([[0.5, 0.5]], 'float64');
    const bad = { pre: fromTypedArray(new Float64Array(3), [1, 1, 3]), post: fromTypedArray(new Float64Array(1), [1, 1, 1]) };
    await expect(lastValueFrom(from([bad]).pipe(stdp({ w })))).rejects.toThrow(
      'stdp: chunk.pre must be [T, B, 2] and chunk.post [T, B, 1] with the same T and B, received [1, 1, 3] and [1, 1, 1]',
    );
    expect(() => stdp({ w: tensor([0.5]) })).toThrow('stdp: w must be [post, pre], received shape [1]');
  });
});
