import { describe, expect, it } from 'vitest';
import { fromTypedArray, tensor } from '../../src/ops/tensor.js';
import { heatmap } from '../../src/viz/heatmap.js';
import { all, domainOf, num, parseSVG, plotArea } from './helpers.js';

const M = { top: 10, right: 10, bottom: 30, left: 40 };
const { pw, ph } = plotArea(300, 240, M); // 250 × 200

/** Events `[T, 1, ...frame]` from a list of (step, index) pairs with values. */
const events = (T: number, frame: number[], list: [number, number, number][]) => {
  const F = frame.reduce((a, b) => a * b, 1);
  const d = new Float32Array(T * F);
  for (const [t, f, v] of list) d[t * F + f] = (d[t * F + f] as number) + v;
  return fromTypedArray(d, [T, 1, ...frame]);
};

describe('heatmap → SVG', () => {
  it('draws one cell per active pixel at its row and column, valued by the window sum', () => {
    // frame 4 × 5: pixel (r, c) is index r·5 + c
    const ev = events(
      3,
      [4, 5],
      [
        [0, 0, 1], // (0, 0)
        [1, 0, 1], // (0, 0) again
        [1, 7, 1], // (1, 2)
        [2, 19, 1], // (3, 4)
      ],
    );
    const root = parseSVG(heatmap().width(300).height(240).margin(M).toSVG(ev));
    const cells = all(root, 'rect.cell');
    expect(cells).toHaveLength(3);
    const got = cells
      .map((c) => [Math.round((num(c, 'y') / ph) * 4), Math.round((num(c, 'x') / pw) * 5), num(c, 'data-value')])
      .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    expect(got).toEqual([
      [0, 0, 2],
      [1, 2, 1],
      [3, 4, 1],
    ]);
    cells.forEach((c) => {
      expect(num(c, 'width')).toBeCloseTo(pw / 5, 1);
      expect(num(c, 'height')).toBeCloseTo(ph / 4, 1);
    });
    expect(domainOf(root, 'x')).toEqual([0, 5]);
    expect(domainOf(root, 'y')).toEqual([0, 4]);
    expect(root.getAttribute('data-max')).toBe('2');
    expect(root.getAttribute('data-signed')).toBe('false');
    expect(root.querySelector('text.label.x')?.textContent).toBe('x (pixel)');
  });

  it('shows ON − OFF for two polarity channels with a diverging scale', () => {
    // [C=2, H=2, W=2]: channel 0 OFF, channel 1 ON
    const ev = events(
      2,
      [2, 2, 2],
      [
        [0, 4 + 1, 1], // ON at (0, 1)
        [1, 4 + 1, 1], // ON at (0, 1)
        [1, 2, 1], // OFF at (1, 0)
      ],
    );
    const root = parseSVG(heatmap().toSVG(ev));
    const values = all(root, 'rect.cell').map((c) => num(c, 'data-value'));
    expect(values.sort()).toEqual([-1, 2]);
    expect(root.getAttribute('data-signed')).toBe('true');
    expect(root.getAttribute('data-max')).toBe('2');
  });

  it('sums only the last `window` steps, over the batch with batch("all"), and lays out features with frame()', () => {
    const h = heatmap().window(2).frame([2, 3]);
    h.push(
      events(
        3,
        [6],
        [
          [0, 0, 1],
          [1, 1, 1],
          [2, 2, 1],
        ],
      ),
    );
    const values = all(parseSVG(h.toSVG()), 'rect.cell').map((c) => [Math.round(num(c, 'x')), num(c, 'data-value')]);
    expect(values.map(([, v]) => v)).toEqual([1, 1]);
    const d = new Float32Array(2 * 4);
    d.set([1, 0, 0, 0, 1, 0, 0, 1]); // batch 0 → pixel 0, batch 1 → pixels 0 and 3
    const two = fromTypedArray(d, [1, 2, 2, 2]);
    expect(all(parseSVG(heatmap().batch('all').toSVG(two)), 'rect.cell').map((c) => num(c, 'data-value'))).toEqual([2, 1]);
    expect(all(parseSVG(heatmap().batch(1).toSVG(two)), 'rect.cell').map((c) => num(c, 'data-value'))).toEqual([1, 1]);
  });

  it('renders empty input as an empty plot with axes', () => {
    const root = parseSVG(heatmap().toSVG());
    expect(all(root, 'rect.cell')).toHaveLength(0);
    expect(root.querySelector('g.axis.x path.domain')).not.toBeNull();
    const zeros = parseSVG(heatmap().toSVG(events(5, [3, 4], [])));
    expect(all(zeros, 'rect.cell')).toHaveLength(0);
    expect(domainOf(zeros, 'x')).toEqual([0, 4]);
    expect(domainOf(zeros, 'y')).toEqual([0, 3]);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => heatmap().toSVG(tensor([[[1, 0, 1]]]))).toThrow(
      /heatmap: features must be laid out as \[H, W\] or \[C, H, W\].*received \[3\]/,
    );
    expect(() =>
      heatmap()
        .frame([2, 2])
        .toSVG(tensor([[[1, 0, 1]]])),
    ).toThrow(/frame \[2, 2\] holds 4 pixels but chunks have 3 features \[3\]/);
    expect(() => heatmap().toSVG(events(1, [2, 2], [[0, 1, Number.NaN]]))).toThrow(
      /events must be finite, received NaN at step 0, feature 1/,
    );
    expect(() => heatmap().frame([0, 2])).toThrow(/frame must be \[H, W\] or \[C, H, W\] of positive integers/);
    expect(() => heatmap().max(0)).toThrow(/max must be a finite number > 0/);
  });

  it('keeps memory bounded by the window', () => {
    const h = heatmap().window(10);
    for (let k = 0; k < 100; k++)
      h.push(
        events(
          3,
          [4, 4],
          [
            [0, k % 16, 1],
            [2, (k + 5) % 16, 1],
          ],
        ),
      );
    expect(h.buffered().pending).toBeLessThanOrEqual(13);
    h.scales();
    const b = h.buffered();
    expect(b.stored).toBe(10);
    expect(b.marks).toBeLessThanOrEqual(10 * 16);
  });
});
