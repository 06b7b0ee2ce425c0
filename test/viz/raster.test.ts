import fc from 'fast-check';
import { firstValueFrom, from, map, range, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lif } from '../../src/neurons/lif.js';
import { SpikeflowError } from '../../src/ops/errors.js';
import { type Tensor, tensor } from '../../src/ops/tensor.js';
import { byLayer, byPolarity } from '../../src/viz/colors.js';
import { raster } from '../../src/viz/raster.js';
import { svgFromStream } from '../../src/viz/stream.js';
import { all, chunk, domainOf, num, parseSVG, plotArea, sortPairs, tickLabels } from './helpers.js';

const M = { top: 10, right: 10, bottom: 30, left: 40 };
const W = 440;
const H = 230;
const { pw, ph } = plotArea(W, H, M); // 390 × 190

// A known spike train: 4 neurons, 6 steps, spikes at (step, neuron).
const SPIKES: [number, number][] = [
  [0, 0],
  [1, 2],
  [3, 1],
  [3, 3],
  [5, 0],
];
const train = chunk(6, 1, 4, (t, _b, n) => (SPIKES.some(([s, k]) => s === t && k === n) ? 1 : 0));

describe('raster → SVG', () => {
  it('draws exactly one mark per spike at (step·dt, neuron)', () => {
    const root = parseSVG(raster().width(W).height(H).margin(M).toSVG(train));
    const marks = all(root, 'circle.spike');
    expect(marks).toHaveLength(SPIKES.length);
    // x: 6 steps span the plot width, step k at k/6 of it; y: 4 rows, neuron n centred at (n + 0.5)/4 from the bottom.
    const expected = SPIKES.map(([t, n]): [number, number] => [(t / 6) * pw, ph - ((n + 0.5) / 4) * ph]);
    const got = sortPairs(marks.map((c) => [num(c, 'cx'), num(c, 'cy')]));
    sortPairs(expected).forEach(([x, y], k) => {
      expect(got[k]?.[0]).toBeCloseTo(x, 1);
      expect(got[k]?.[1]).toBeCloseTo(y, 1);
    });
    // marks sit inside the plot group, which is translated by the margins
    expect(root.querySelector('g.plot')?.getAttribute('transform')).toBe(`translate(${M.left},${M.top})`);
  });

  it('has axes with the right domains, units and integer neuron ticks', () => {
    const root = parseSVG(raster().width(W).height(H).margin(M).toSVG(train));
    expect(domainOf(root, 'x')).toEqual([0, 6]);
    expect(domainOf(root, 'y')).toEqual([-0.5, 3.5]);
    expect(tickLabels(root, 'y')).toEqual(['0', '1', '2', '3']);
    expect(root.querySelector('text.label.x')?.textContent).toBe('time (ms)');
    expect(root.querySelector('text.label.y')?.textContent).toBe('neuron');
    const s = parseSVG(raster().timeUnit('s').dt(0.002).toSVG(train));
    expect(domainOf(s, 'x')).toEqual([0, 0.012]);
    expect(s.querySelector('text.label.x')?.textContent).toBe('time (s)');
    const steps = parseSVG(raster().timeUnit('step').toSVG(train));
    expect(domainOf(steps, 'x')).toEqual([0, 6]);
    expect(steps.querySelector('text.label.x')?.textContent).toBe('time (step)');
  });

  it('renders empty input as an empty plot with axes', () => {
    for (const svg of [
      raster().toSVG(),
      raster()
        .window(50)
        .toSVG(tensor([[[0, 0, 0]]])),
    ]) {
      const root = parseSVG(svg);
      expect(all(root, 'circle.spike')).toHaveLength(0);
      expect(root.querySelector('g.axis.x path.domain')).not.toBeNull();
      expect(root.querySelector('g.axis.y path.domain')).not.toBeNull();
    }
    expect(domainOf(parseSVG(raster().window(50).toSVG()), 'x')).toEqual([0, 50]);
    expect(
      domainOf(
        parseSVG(
          raster()
            .window(50)
            .toSVG(tensor([[[0, 0, 0]]])),
        ),
        'y',
      ),
    ).toEqual([-0.5, 2.5]);
  });

  it('maps every spike of any train back to its step and neuron (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 360, maxLength: 360 }),
        (T, N, bits) => {
          const z = chunk(T, 1, N, (t, _b, n) => (bits[(t * N + n) % 360] ? 1 : 0));
          const root = parseSVG(raster().width(W).height(H).margin(M).toSVG(z));
          const got = sortPairs(
            all(root, 'circle.spike').map((c) => [
              Math.round((num(c, 'cx') / pw) * T) + 0,
              Math.round(((ph - num(c, 'cy')) / ph) * N - 0.5) + 0,
            ]),
          );
          const want: [number, number][] = [];
          for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) if (bits[(t * N + n) % 360]) want.push([t, n]);
          expect(got).toEqual(sortPairs(want));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('slides: shows only the last `window` steps', () => {
    const r = raster().window(5).width(W).height(H).margin(M);
    // 12 steps in chunks of 3; neuron (step mod 4) spikes at every step
    for (let c = 0; c < 4; c++) r.push(chunk(3, 1, 4, (t, _b, n) => ((c * 3 + t) % 4 === n ? 1 : 0)));
    const root = parseSVG(r.toSVG());
    expect(domainOf(root, 'x')).toEqual([7, 12]);
    const got = sortPairs(
      all(root, 'circle.spike').map((c) => [Math.round(7 + (num(c, 'cx') / pw) * 5), Math.round(((ph - num(c, 'cy')) / ph) * 4 - 0.5)]),
    );
    expect(got).toEqual([7, 8, 9, 10, 11].map((s): [number, number] => [s, s % 4]));
    // 'window' time domain: always `window` steps wide
    expect(domainOf(parseSVG(raster().window(20).timeDomain('window').toSVG(train)), 'x')).toEqual([0, 20]);
  });

  it('draws the chosen batch entry and accepts a run result', () => {
    const z = chunk(4, 2, 3, (t, b, n) => (b === 1 && t === n ? 1 : 0));
    expect(all(parseSVG(raster().toSVG(z)), 'circle.spike')).toHaveLength(0);
    expect(all(parseSVG(raster().batch(1).toSVG(z)), 'circle.spike')).toHaveLength(3);
    const xs = tensor(Array.from({ length: 50 }, () => [[0.3, 0.1]]));
    const run = lif.run({}, 0.001)(xs);
    let spikes = 0;
    for (const v of run[0].data) spikes += v;
    expect(spikes).toBeGreaterThan(0);
    expect(all(parseSVG(raster().toSVG(run)), 'circle.spike')).toHaveLength(spikes);
  });

  it('colours spikes by layer and by polarity, with a legend', () => {
    const z = chunk(1, 1, 5, () => 1);
    const root = parseSVG(
      raster()
        .color(
          byLayer([
            { size: 2, name: 'input', color: 'red' },
            { size: 3, name: 'hidden', color: 'blue' },
          ]),
        )
        .toSVG(z),
    );
    const fills = sortPairs(all(root, 'circle.spike').map((c) => [Math.round(num(c, 'cy')), c.getAttribute('fill') === 'red' ? 0 : 1]));
    // neuron 0 is at the bottom: the two largest cy are the input layer
    expect(fills.map(([, f]) => f)).toEqual([1, 1, 1, 0, 0]);
    expect(all(root, 'g.legend g.entry text').map((t) => t.textContent)).toEqual(['input', 'hidden']);
    const events = tensor([[[1, -1, 0]]]);
    const polar = parseSVG(raster().color(byPolarity('#ff0000', '#0000ff')).toSVG(events));
    expect(all(polar, 'circle.spike').map((c) => c.getAttribute('fill'))).toEqual(['#ff0000', '#0000ff']);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => raster().toSVG(tensor([[1, 0]]))).toThrow(
      /raster: chunk must be a chunk \[T, batch, \.\.\.features\], received shape \[1, 2\]/,
    );
    expect(() => raster().toSVG(tensor([[[Number.NaN, 1]]]))).toThrow(/raster: spikes must be finite, received NaN at step 0, neuron 0/);
    expect(() =>
      raster()
        .batch(2)
        .toSVG(tensor([[[1]]])),
    ).toThrow(/batch 2 is out of range for chunks of 1 batch entries/);
    const r = raster().push(tensor([[[1, 0]]]));
    expect(() => r.push(tensor([[[1, 0, 0]]]))).toThrow(/does not match earlier chunks \[T, 1, 2\]/);
    expect(() => raster().window(0)).toThrow(SpikeflowError);
    expect(() => raster().window(2.5)).toThrow(/window must be a positive integer, received 2.5/);
    expect(() => raster().color('not-a-colour')).toThrow(/color must be a CSS colour/);
    expect(() => raster().timeUnit('h' as 'ms')).toThrow(/timeUnit must be one of "ms", "s", "step", received "h"/);
    expect(() => raster().batch('all')).toThrow(/batch must be a non-negative integer/);
    expect(() => raster().push({} as never)).toThrow(/chunk must be a tensor/);
  });

  it('errors the stream through tap(), and records upstream errors', async () => {
    const bad = from([tensor([[[1, 0]]]), tensor([[1, 0]])]).pipe(raster().tap(), toArray());
    await expect(firstValueFrom(bad)).rejects.toThrow(SpikeflowError);
    const r = raster();
    await expect(
      svgFromStream(
        r,
        throwError(() => new Error('sensor unplugged')),
      ),
    ).rejects.toThrow('sensor unplugged');
    expect((r.error() as Error).message).toBe('sensor unplugged');
    expect(parseSVG(r.toSVG()).querySelector('text.error')?.textContent).toBe('stream error: sensor unplugged');
  });

  it('renders a stream with svgFromStream and passes elements through tap()', async () => {
    const chunks = [0, 1, 2].map((c) => chunk(2, 1, 3, (t, _b, n) => ((c * 2 + t) % 3 === n ? 1 : 0)));
    const r = raster();
    const root = parseSVG(await svgFromStream(r, from(chunks)));
    expect(all(root, 'circle.spike')).toHaveLength(6);
    expect(domainOf(root, 'x')).toEqual([0, 6]);
    expect(r.completed()).toBe(true);
    const passed = await firstValueFrom(from(chunks).pipe(raster().tap(), toArray()));
    expect(passed).toEqual(chunks);
  });
});

describe('raster memory', () => {
  it('stays bounded by the window over a 1 000 000-step stream', async () => {
    const window = 1000;
    const N = 8;
    const r = raster().window(window);
    let maxPending = 0;
    let maxStored = 0;
    let maxMarks = 0;
    // neuron n spikes when step % (n + 2) === 0; T = 1 chunks, as a real-time stream sends them
    // the pattern repeats every lcm(2..9) = 2520 steps: build those chunks once (tensors are immutable)
    const period = Array.from({ length: 2520 }, (_, s) => chunk(1, 1, N, (_t, _b, n) => (s % (n + 2) === 0 ? 1 : 0)));
    const source = range(0, 1_000_000).pipe(map((s) => period[s % 2520] as Tensor));
    let k = 0;
    await new Promise<void>((resolve, reject) =>
      source.pipe(r.tap()).subscribe({
        next: () => {
          k++;
          const b = r.buffered();
          maxPending = Math.max(maxPending, b.pending);
          if (k % 997 === 0) {
            r.scales(); // a display frame: drains the queue into the store
            const after = r.buffered();
            maxStored = Math.max(maxStored, after.stored);
            maxMarks = Math.max(maxMarks, after.marks);
          }
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(r.buffered().received).toBe(1_000_000);
    expect(maxPending).toBeLessThanOrEqual(window);
    expect(maxStored).toBeLessThanOrEqual(window);
    expect(maxMarks).toBeLessThanOrEqual(window * N);
    // the final picture is the last 1000 steps, exactly
    const root = parseSVG(r.toSVG());
    expect(domainOf(root, 'x')).toEqual([999_000, 1_000_000]);
    let expected = 0;
    for (let s = 999_000; s < 1_000_000; s++) for (let n = 0; n < N; n++) if (s % (n + 2) === 0) expected++;
    expect(all(root, 'circle.spike')).toHaveLength(expected);
    expect(r.buffered().stored).toBe(window);
  });

  it('cuts chunks longer than the window', () => {
    const r = raster().window(100);
    r.push(chunk(5000, 1, 4, (t) => (t % 7 === 0 ? 1 : 0)));
    expect(r.buffered().pending).toBe(100);
    r.push(chunk(30, 1, 4, () => 0));
    expect(r.buffered().pending).toBeLessThanOrEqual(130);
    expect(domainOf(parseSVG(r.toSVG()), 'x')).toEqual([4930, 5030]);
    expect(r.buffered()).toMatchObject({ received: 5030, pending: 0, stored: 100 });
  });
});

/** A stand-in for a 2D canvas context: keeps the last image put, as 32-bit pixels. */
const fakeContext = (width: number, height: number) => {
  const ctx = {
    canvas: { width, height },
    image: new Uint32Array(width * height),
    createImageData: (w: number, h: number) => ({ data: new Uint8ClampedArray(w * h * 4), width: w, height: h }),
    putImageData: (img: { data: Uint8ClampedArray }) => {
      ctx.image = Uint32Array.from(new Uint32Array(img.data.buffer, img.data.byteOffset, img.data.length / 4));
    },
  };
  return ctx;
};
type Fake = ReturnType<typeof fakeContext>;
const paint = (r: { paint(ctx: CanvasRenderingContext2D): unknown }, ctx: Fake) => r.paint(ctx as unknown as CanvasRenderingContext2D);

describe('raster on canvas', () => {
  it('puts a pixel where each spike is and nothing elsewhere', () => {
    // 4 neurons over 8 steps on a 16 × 8 pixel canvas: a spike covers 2 × 2 pixels
    const z = chunk(8, 1, 4, (t, _b, n) => (t === n * 2 || (t === 7 && n === 0) ? 1 : 0));
    const ctx = fakeContext(16, 8);
    paint(raster().window(8).color('#ff0000').push(z), ctx);
    const red = 0xff0000ff; // packed RGBA (little-endian): A=ff, B=00, G=00, R=ff
    const lit: [number, number][] = [];
    ctx.image.forEach((p, k) => {
      if (p !== 0) {
        expect(p).toBe(red);
        lit.push([k % 16, Math.floor(k / 16)]);
      }
    });
    const want: [number, number][] = [];
    for (const [t, n] of [
      [0, 0],
      [2, 1],
      [4, 2],
      [6, 3],
      [7, 0],
    ] as const) {
      // step t → columns 2t, 2t+1; neuron n (0 at the bottom) → rows 6 - 2n, 7 - 2n
      for (const dx of [0, 1]) for (const dy of [0, 1]) want.push([2 * t + dx, 6 - 2 * n + dy]);
    }
    expect(sortPairs(lit)).toEqual(sortPairs(want));
  });

  it('paints frame by frame exactly what one full paint of the same data gives (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.record({ T: fc.integer({ min: 1, max: 30 }), frame: fc.boolean() }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 7, max: 90 }),
        (window, N, plan, width) => {
          const live = raster().window(window);
          const ctx = fakeContext(width, 23);
          const chunks: Tensor[] = [];
          let first = 0;
          for (const { T, frame } of plan) {
            const f0 = first;
            const c = chunk(T, 1, N, (t, _b, n) => (((f0 + t) * 7 + n * 3) % 11 === 0 ? 1 : 0));
            first += T;
            chunks.push(c);
            live.push(c);
            if (frame) paint(live, ctx);
          }
          paint(live, ctx);
          const fresh = raster().window(window);
          for (const c of chunks) fresh.push(c);
          const once = fakeContext(width, 23);
          paint(fresh, once);
          expect(Array.from(ctx.image)).toEqual(Array.from(once.image));
        },
      ),
      { numRuns: 60 },
    );
  });
});
